"""Every detection config is ready for mmpose's inference: ``data_mode``,
the dataset meta mmpose's visualiser draws with (names, colours, skeleton,
flip indices), a test pipeline that runs on an image without labels, and a
model that builds (on the meta device: no weights)."""
import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmpose.apis.inference import dataset_meta_from_config
from mmpose.registry import MODELS

from sce_mae_mm.deploy.metadata import pipeline_context

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted(
    [str(p.relative_to(ROOT))
     for p in (ROOT / 'configs/detection').glob('*.py')] +
    [str(p.relative_to(ROOT))
     for p in (ROOT / 'configs/synthetic').glob('*.py')
     if any(p.stem.endswith(f'_{d}_synthetic')
            for d in ('mafl', 'aflw_m', 'aflw_r', '300w'))])
#: training sets that wrap another (mmpose reads the meta of the
#: checkpoint, where the runner stores the wrapped set's)
WRAPPERS = ('HeldOutSplit', )


def test_the_sweep_covers_every_detection_config():
    names = {Path(c).name for c in CONFIGS}
    assert len([c for c in CONFIGS if c.startswith('configs/detection')]
               ) == 20
    assert {'sce_mae_deit_t_300w_synthetic.py',
            'sce_mae_deit_s_aflw_r_synthetic.py'} <= names


def _meta(cfg: Config) -> dict:
    dataset = cfg.train_dataloader.dataset
    if dataset.type in WRAPPERS:
        cfg = copy.deepcopy(cfg)
        cfg.train_dataloader.dataset = dataset.dataset
    return dataset_meta_from_config(cfg, dataset_mode='train')


@pytest.mark.parametrize('path', CONFIGS)
def test_config_runs_mmpose_inference_without_labels(path, synthetic_root):
    cfg = Config.fromfile(str(ROOT / path))
    assert cfg.data_mode == 'topdown'
    assert _dataset_class_found(cfg)
    for loader in ('val_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        if dataset.type in WRAPPERS:
            dataset = dataset.dataset
        types = [t['type'] for t in dataset.pipeline]
        assert 'GenerateTarget' not in types, (path, loader)
    meta = _meta(cfg)
    num = cfg.model.head.get('num_keypoints', cfg.model.head.get(
        'num_joints'))
    assert meta['num_keypoints'] == num
    assert len(meta['keypoint_id2name']) == num
    assert np.asarray(meta['keypoint_colors']).shape == (num, 3)
    # mmpose's 300W meta has no skeleton; the 5-point face has six links
    assert len(meta['skeleton_links']) == (0 if num == 68 else 6)
    assert len(meta['skeleton_link_colors']) == len(meta['skeleton_links'])
    assert sorted(meta['flip_indices']) == list(range(num))
    # the test pipeline on an unlabelled image with a face box
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    img = str(sorted((synthetic_root / 'celeba/Img/img_align_celeba')
                     .glob('*.jpg'))[0])
    info = dict(img_path=img, bbox=np.array([[0., 30., 178., 208.]],
                                            np.float32),
                bbox_score=np.ones(1, np.float32), **meta)
    packed = Compose(cfg.test_dataloader.dataset.pipeline)(info)
    side = 96 + 2 * pipeline_context(cfg)
    assert tuple(packed['inputs'].shape) == (3, side, side)
    assert tuple(packed['data_samples'].metainfo['input_size']) == (96, 96)
    # the model builds (no weights, no init)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.pop('init_cfg', None)
    with torch.device('meta'):
        model = MODELS.build(model_cfg)
    assert model.head is not None


def _dataset_class_found(cfg: Config) -> bool:
    """mmpose's inferencer looks the dataset class up by ``dataset_type``
    (to pick a default person / face detector)."""
    from mmpose.registry import DATASETS
    return DATASETS.get(cfg.dataset_type) is not None
