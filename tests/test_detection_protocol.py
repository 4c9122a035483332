"""The detection protocol of Tables 2 and 3 as the configs state it.

Full annotations: a spatial conv block in the head, softargmax_mul 100, no
TPS warp in training, no checkpoint selected on the test split, CL's
stopped cosine. Limited annotations: DVE's 1x1 head on projector features,
WarperSingle, and the driver's iteration counts.
"""
from pathlib import Path

import pytest
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import sce_mae_mm  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
DET = ROOT / 'configs' / 'detection'
FULL = sorted(p.name for p in DET.glob('sce_mae_deit_*.py')
              if 'limited' not in p.name and 'integral' not in p.name)
LIMITED = sorted(p.name for p in DET.glob('*limited*.py'))
STOP_EPOCH = {'mafl': 120, 'aflw_m': 45, 'aflw_r': 45, '300w': 80}


def _dataset_of(name: str) -> str:
    stem = name[len('sce_mae_deit_x_'):-len('.py')]
    return stem.replace('_dve_schedule', '').replace('_best_on_train_val',
                                                     '')


def test_config_lists_are_complete():
    # 3 archs x 4 sets, 4 DVE-schedule variants, 1 best-on-held-out option
    assert len(FULL) == 17
    assert LIMITED == ['sce_mae_deit_s_aflw_m_limited.py',
                       'sce_mae_deit_s_aflw_m_limited_cl.py']


@pytest.mark.parametrize('name', FULL)
def test_full_annotation_config(name):
    cfg = Config.fromfile(str(DET / name))
    init_default_scope('mmpose')
    head = MODELS.build(cfg.model.head)
    convs = [m for m in head.conv.modules() if isinstance(m, nn.Conv2d)]
    # a spatial conv block before the final 1x1 conv to K x 50 maps
    assert any(c.kernel_size[0] > 1 for c in convs[:-1]), name
    assert any(isinstance(m, nn.BatchNorm2d) for m in head.conv.modules())
    assert convs[-1].kernel_size == (1, 1)
    assert convs[-1].out_channels == cfg.model.head.num_keypoints * 50
    assert head.beta == 100.0
    # no TPS warp in training
    train_set = cfg.train_dataloader.dataset
    train_set = train_set.get('dataset', train_set)  # HeldOutSplit
    train_steps = [t['type'] for t in train_set.pipeline]
    assert 'RandomTPSWarp' not in train_steps, name
    # features cached (valid: frozen backbone, un-augmented pipeline)
    assert cfg.model.type == 'CachedTopdownPoseEstimator'
    assert cfg.model.cache_features
    (pack, ) = [t for t in train_set.pipeline if t['type'] == 'PackPoseInputs']
    assert {'tps_params', 'flip'} <= set(pack.meta_keys)  # guard of the cache
    # no model selection on the test split: the last checkpoint, or a best
    # one selected on images held out of the training split
    checkpoint = cfg.default_hooks.checkpoint
    assert checkpoint.get('save_last', True)
    if 'best_on_train_val' in name:
        val = cfg.val_dataloader.dataset
        assert checkpoint.save_best == 'NME'
        assert (val.type, val.part, val.dataset.split) == (
            'HeldOutSplit', 'val', 'train')
        train = cfg.train_dataloader.dataset
        assert (train.type, train.part) == ('HeldOutSplit', 'train')
        assert cfg.test_dataloader.dataset.split == 'test'
    else:
        assert 'save_best' not in checkpoint, name
    # the paper metric is the input-frame NME
    assert cfg.test_evaluator.type == 'InputFrameNME'
    assert any(h['type'] == 'MeanShapeBaselineHook'
               for h in cfg.custom_hooks)
    indices = [36, 45] if '300w' in name else [0, 1]
    assert list(cfg.test_evaluator.keypoint_indices) == indices
    # the schedule: CL's stopped cosine, or DVE's steps
    optim = cfg.optim_wrapper.optimizer
    assert optim.type == 'Adam' and optim.lr == 1e-3
    assert optim.weight_decay == 5e-4
    assert cfg.train_dataloader.batch_size == 32
    if 'dve_schedule' in name:
        assert cfg.train_cfg.max_epochs == 300 and optim.amsgrad
        (sched, ) = cfg.param_scheduler
        assert sched.type == 'MultiStepLR'
        assert list(sched.milestones) == [100, 250]
    else:
        assert tuple(optim.betas) == (0.5, 0.999)
        assert cfg.train_cfg.max_epochs == STOP_EPOCH[_dataset_of(name)]
        (sched, ) = cfg.param_scheduler
        assert sched.type == 'CosineAnnealingLR' and sched.T_max == 200
        # stopped before the cosine reaches its minimum
        assert cfg.train_cfg.max_epochs < sched.T_max


@pytest.mark.parametrize('name', LIMITED)
def test_limited_annotation_config(name):
    cfg = Config.fromfile(str(DET / name))
    init_default_scope('mmpose')
    head = MODELS.build(cfg.model.head)
    convs = [m for m in head.conv.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 1 and convs[0].kernel_size == (1, 1)  # DVE's
    # projector-only features
    assert not cfg.model.neck.concat_backbone
    assert cfg.model.head.in_channels == cfg.model.neck.out_channels
    assert not cfg.model.cache_features
    (warp, ) = [t for t in cfg.train_dataloader.dataset.pipeline
                if t['type'] == 'RandomTPSWarp']
    # DVE's WarperSingle at full strength
    assert (warp.warpsd_all, warp.warpsd_subset, warp.transsd,
            warp.scalesd, warp.rotsd, warp.multiplier) == (
                0.0005, 0.0, 0.02, 0.02, 2., 1.0)
    assert cfg.optim_wrapper.optimizer.lr == 1e-2
    block = cfg.limited_annotations
    if name.endswith('_cl.py'):
        assert (block.tile_to, block.epochs) == (1000, 1000)
        assert cfg.optim_wrapper.optimizer.weight_decay == 0.05
    else:
        assert (block.tile_to, block.epochs) == ('train_size', 50)
        assert cfg.param_scheduler[0].type == 'ConstantLR'


def _tool():
    from sce_mae_mm.studies import limited_annotations
    return limited_annotations


def test_limited_iterations_match_the_protocols():
    tool = _tool()
    n_train = 10122  # AFLW_M
    # DVE: the subset tiled to the training-set size, 50 epochs, batch 32
    assert tool.tile_times(n_train, 1, 'train_size') == 10122
    assert tool.protocol_iterations(n_train, 1, 'train_size', 50) == 15850
    assert tool.tile_times(n_train, 100, 'train_size') == 101
    assert tool.protocol_iterations(n_train, 100, 'train_size', 50) == 15800
    # CL: tiled to 1000 per epoch, 1000 epochs
    assert tool.protocol_iterations(n_train, 1, 1000, 1000) == 32000
    assert tool.protocol_iterations(n_train, 100, 1000, 1000) == 32000
    # the real config's block gives the DVE numbers
    cfg = Config.fromfile(str(DET / 'sce_mae_deit_s_aflw_m_limited.py'))
    args = tool.parse_args([])
    tile_to, epochs = tool.protocol(cfg, args)
    assert tool.protocol_iterations(n_train, 1, tile_to, epochs) == 15850
    with pytest.raises(ValueError, match='tile_to'):
        tool.tile_times(n_train, 1, 'all')


def test_held_out_split(synthetic_root):
    from mmpose.registry import DATASETS

    from sce_mae_mm.datasets import held_out_indices
    train = held_out_indices(40, 0.1, 3, 'train')
    val = held_out_indices(40, 0.1, 3, 'val')
    assert len(val) == 4 and not set(train) & set(val)
    assert sorted(train + val) == list(range(40))
    with pytest.raises(ValueError, match='part'):
        held_out_indices(40, 0.1, 3, 'test')
    init_default_scope('mmpose')
    inner = dict(type='MAFLDataset', data_root=str(synthetic_root / 'celeba'),
                 split='train', check_size=False, pipeline=[])
    parts = {p: DATASETS.build(dict(type='HeldOutSplit', part=p,
                                    dataset=inner, val_fraction=0.2))
             for p in ('train', 'val')}
    full = DATASETS.build(inner)
    assert len(parts['train']) + len(parts['val']) == len(full)
    paths = {p: {d.get_data_info(i)['img_path'] for i in range(len(d))}
             for p, d in parts.items()}
    assert not paths['train'] & paths['val']
    assert parts['val'].metainfo['dataset_name'] == full.metainfo[
        'dataset_name']
