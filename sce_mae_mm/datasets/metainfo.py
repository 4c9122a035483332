"""Keypoint metainfo of the face datasets (mmpose ``dataset_info`` style).

``FACE5_METAINFO``: the 5-point face of CelebA / MAFL / AFLW (left eye
centre, right eye centre, nose tip, left and right mouth corner; "left" =
image-left, as stored in the CelebA files). ``face300w_metainfo()`` returns
mmpose's own 68-point 300W metainfo (``configs/_base_/datasets/300w.py``
shipped inside the mmpose package), referenced by an absolute path because
``from_file`` paths are otherwise resolved against the working directory.
"""
import os.path as osp
from copy import deepcopy
from typing import Dict

FACE5_METAINFO: Dict = dict(
    dataset_name='face5',
    paper_info=dict(
        author='Liu, Ziwei and Luo, Ping and Wang, Xiaogang and Tang, Xiaoou',
        title='Deep Learning Face Attributes in the Wild',
        container='ICCV',
        year='2015',
        homepage='https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html',
    ),
    keypoint_info={
        0: dict(name='left_eye', id=0, color=[255, 0, 0], type='upper',
                swap='right_eye'),
        1: dict(name='right_eye', id=1, color=[0, 255, 0], type='upper',
                swap='left_eye'),
        2: dict(name='nose', id=2, color=[0, 0, 255], type='upper',
                swap=''),
        3: dict(name='left_mouth', id=3, color=[255, 255, 0], type='lower',
                swap='right_mouth'),
        4: dict(name='right_mouth', id=4, color=[255, 0, 255],
                type='lower', swap='left_mouth'),
    },
    skeleton_info={
        0: dict(link=('left_eye', 'right_eye'), id=0, color=[255, 128, 0]),
        1: dict(link=('left_eye', 'nose'), id=1, color=[255, 128, 0]),
        2: dict(link=('right_eye', 'nose'), id=2, color=[255, 128, 0]),
        3: dict(link=('nose', 'left_mouth'), id=3, color=[0, 128, 255]),
        4: dict(link=('nose', 'right_mouth'), id=4, color=[0, 128, 255]),
        5: dict(link=('left_mouth', 'right_mouth'), id=5,
                color=[0, 128, 255]),
    },
    joint_weights=[1., 1., 1., 1., 1.],
    # per-keypoint OKS sigmas (COCO-WholeBody face scale)
    sigmas=[0.025, 0.025, 0.026, 0.025, 0.025],
)


def face5_metainfo(dataset_name: str) -> Dict:
    """``FACE5_METAINFO`` with its ``dataset_name`` set.

    Args:
        dataset_name: e.g. ``'mafl'`` (stored in the metainfo; mmpose's
            metrics and visualiser read it).

    Returns:
        a new dict.
    """
    meta = deepcopy(FACE5_METAINFO)
    meta['dataset_name'] = dataset_name
    return meta


def face300w_metainfo_file() -> str:
    """Absolute path of mmpose's ``configs/_base_/datasets/300w.py``."""
    import mmpose
    root = osp.dirname(mmpose.__file__)
    for cand in (osp.join(root, '.mim', 'configs', '_base_', 'datasets',
                          '300w.py'),
                 osp.join(osp.dirname(root), 'configs', '_base_',
                          'datasets', '300w.py')):
        if osp.isfile(cand):
            return cand
    raise FileNotFoundError(
        f'mmpose 300W metainfo not found under {root} (expected '
        '.mim/configs/_base_/datasets/300w.py inside the mmpose package)')


def face300w_metainfo() -> Dict:
    """mmpose's 68-point 300W metainfo as a dict (``dataset_name='300w'``).

    Returns:
        the ``dataset_info`` dict of mmpose's ``300w.py``.
    """
    from mmengine.config import Config
    info = Config.fromfile(face300w_metainfo_file()).dataset_info
    meta = info.to_dict() if hasattr(info, 'to_dict') else dict(info)
    meta['dataset_name'] = '300w'
    return meta
