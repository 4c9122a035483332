"""The configs a study runs: stage 2, matching and detection, by method,
backbone and data (real or the synthetic set).

Paths are relative to the project root (:func:`project_root`: the clone, or
an installed wheel's ``sce_mae_mm/.mim``).
"""
import os.path as osp
from typing import Tuple

from sce_mae_mm.benchmark.paths import deit_widths, project_root

ROOT = project_root()
#: arch -> encoder width; arch -> projector output D (the configs' table)
ARCHS = {arch: w.embed_dims for arch, w in deit_widths().items()}
PROJ_DIMS = {arch: w.proj_dims for arch, w in deit_widths().items()}
DATASETS = ('mafl', 'aflw_m', 'aflw_r', '300w')

Options = Tuple[Tuple[str, object], ...]


def _short(arch: str) -> str:
    if arch not in ARCHS:
        raise ValueError(f'study plan: unknown arch {arch!r}; expected one '
                         f'of {sorted(ARCHS)}')
    return arch.split('-')[1]


def _existing(path: str, what: str) -> str:
    if not osp.isfile(osp.join(ROOT, path)):
        note = (' (synthetic configs exist for deit-t and deit-s only)'
                if 'synthetic' in path else '')
        raise FileNotFoundError(f'study plan: no {what} config {path} in '
                                f'{ROOT}{note}')
    return path


def stage2_config(method: str, arch: str, synthetic: bool) -> str:
    """Config (relative to the repo) that trains a stage-2 variant."""
    a = _short(arch)
    if method == 'sce_mae':
        path = (f'configs/synthetic/sce_mae_deit_{a}_stage2_synthetic.py'
                if synthetic else f'configs/sce_mae_deit_{a}_stage2.py')
    elif method in ('cl', 'lead', 'clustering_cl'):
        path = (f'configs/baselines/synthetic/{method}_deit_{a}_stage2_'
                'synthetic.py' if synthetic else
                f'configs/baselines/{method}_deit_{a}_stage2.py')
    else:
        raise ValueError(f'study plan: unknown method {method!r}; expected '
                         "'sce_mae', 'cl', 'lead' or 'clustering_cl'")
    return _existing(path, f'stage-2 {method}')


def matching_config(arch: str, synthetic: bool,
                    method: str = 'sce_mae') -> str:
    """MAFL matching config (relative to the repo) of a method's models:
    CL's own projector (``'cl'``) has configs of its own, every other
    method SCE-MAE's projector container."""
    a = _short(arch)
    if method == 'cl':
        path = (f'configs/baselines/synthetic/cl_deit_{a}_mafl_matching_'
                'synthetic.py' if synthetic else
                f'configs/baselines/cl_deit_{a}_mafl_matching.py')
    else:
        path = (f'configs/synthetic/sce_mae_deit_{a}_mafl_matching_'
                'synthetic.py' if synthetic else
                f'configs/matching/sce_mae_deit_{a}_mafl_matching.py')
    return _existing(path, 'matching')


def cl_detection_options(arch: str) -> Options:
    """Detection options that put CL's projector (``CLDistiller``, at the
    backbone map's size, backbone channels first) in place of CARB."""
    width, dims = ARCHS[arch], PROJ_DIMS[arch]
    return (('model.neck._delete_', True), ('model.neck.type', 'CLDistiller'),
            ('model.neck.in_channels', width),
            ('model.neck.out_channels', dims),
            ('model.neck.test_size', None),
            ('model.neck.concat_backbone', True),
            ('model.neck.frozen', True))


def detection_config(arch: str, dataset: str,
                     synthetic: bool) -> Tuple[str, Options]:
    """Detection config and the options that adapt it to ``arch``.

    Real data: the arch's own config. The synthetic set has a DeiT-S
    detection config for each of the four datasets
    (``configs/synthetic/sce_mae_deit_s_DATASET_synthetic.py``); another
    arch runs that file with its widths as options (what the DeiT-T
    synthetic files set), so DeiT-B works too.
    """
    a = _short(arch)
    if dataset not in DATASETS:
        raise ValueError(f'study plan: unknown dataset {dataset!r}; '
                         f'expected one of {DATASETS}')
    if not synthetic:
        return _existing(f'configs/detection/sce_mae_deit_{a}_{dataset}.py',
                         'detection'), ()
    path = _existing(f'configs/synthetic/sce_mae_deit_s_{dataset}_'
                     'synthetic.py', 'detection')
    if arch == 'deit-s':
        return path, ()
    width, dims = ARCHS[arch], PROJ_DIMS[arch]
    return path, (('model.backbone.arch', arch),
                  ('model.neck.in_channels', width),
                  ('model.neck.out_channels', dims),
                  ('model.head.in_channels', width + dims))
