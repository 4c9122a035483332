"""Training from the face cache (issue 27): the batched device-side flip,
a batch from the cache equal to the batch from JPEG with the flips fixed,
the first stage-1 steps' losses, and the cached configs."""
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpose.registry import DATASETS, MODELS
from mmpretrain.models.utils import SelfSupDataPreprocessor
from torch.utils.data import DataLoader

from sce_mae_mm.datasets.face_cache import face_batch_collate
from sce_mae_mm.datasets.face_cache.builder import build_face_cache
from sce_mae_mm.models.data_preprocessors import (
    BatchFlipSelfSupDataPreprocessor, batch_hflip, flip_decisions)

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / 'configs'
SYN = CONFIGS / 'synthetic'
STEPS, BATCH = 3, 4


def test_batch_hflip_and_decisions():
    x = torch.arange(2 * 3 * 2 * 4, dtype=torch.uint8).view(2, 3, 2, 4)
    out = batch_hflip(x, torch.tensor([True, False]))
    assert torch.equal(out[0], x[0].flip(-1))
    assert torch.equal(out[1], x[1])
    with pytest.raises(ValueError, match=r'\(B,\) flips'):
        batch_hflip(x, torch.tensor([True]))
    a = flip_decisions(20000, 0.5, 7, 3)
    assert torch.equal(a, flip_decisions(20000, 0.5, 7, 3))
    assert not torch.equal(a, flip_decisions(20000, 0.5, 7, 4))
    assert 0.48 < a.float().mean().item() < 0.52
    assert not flip_decisions(100, 0.0, 1, 1).any()
    assert flip_decisions(100, 1.0, 1, 1).all()


def test_preprocessor_flips_only_while_training():
    with pytest.raises(ValueError, match=r'flip_prob must be in \[0, 1\]'):
        BatchFlipSelfSupDataPreprocessor(flip_prob=1.5)
    pre = BatchFlipSelfSupDataPreprocessor(flip_prob=1.0, to_rgb=True,
                                           mean=[0, 0, 0], std=[1, 1, 1])
    x = torch.randint(0, 256, (3, 3, 8, 8), dtype=torch.uint8)
    # channels-last strides, as face_batch_collate gives
    x_cl = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    stock = SelfSupDataPreprocessor(to_rgb=True, mean=[0, 0, 0],
                                    std=[1, 1, 1])
    plain = stock(dict(inputs=x, data_samples=None))['inputs']
    out = pre(dict(inputs=x_cl, data_samples=None), training=False)
    assert torch.equal(out['inputs'], plain)
    assert out['inputs'].is_contiguous()
    out = pre(dict(inputs=x_cl, data_samples=None), training=True)
    assert torch.equal(out['inputs'], plain.flip(-1))
    assert pre.last_flips.tolist() == [True] * 3
    # the decisions follow the runner's iteration, not the call count
    hub = MessageHub.get_instance('test_face_cache_flip')
    pre = BatchFlipSelfSupDataPreprocessor(flip_prob=0.5, seed=3)
    hub.update_info('iter', 11)
    first = pre.draw_flips(64)
    assert torch.equal(first, pre.draw_flips(64))
    hub.update_info('iter', 12)
    assert not torch.equal(first, pre.draw_flips(64))


def _stage1_cfgs(root: Path, tmp_path: Path):
    """The synthetic stage-1 JPEG config and its cached variant, on
    ``root``, 3 steps of batch 4, no worker process, no lr schedule."""
    cfgs = []
    for name in ('sce_mae_deit_t_stage1_synthetic',
                 'sce_mae_deit_t_stage1_synthetic_cached'):
        cfg = Config.fromfile(str(SYN / f'{name}.py'))
        cfg.work_dir = str(tmp_path / name)
        loader = cfg.train_dataloader
        loader.batch_size = BATCH
        loader.num_workers = 0
        reader = loader.dataset.get('dataset', loader.dataset)
        reader.data_root = str(root / 'celeba')
        reader.indices = STEPS * BATCH
        cfg.train_cfg.max_epochs = 1
        cfg.param_scheduler = []
        cfg.default_hooks.logger.interval = 1
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                            interval=100)
        cfgs.append(cfg)
    cfgs[1].train_dataloader.dataset.cache = str(tmp_path / 'c.npy')
    build_face_cache(cfgs[1], progress=False)
    return cfgs


def _collate_jpeg_and_cache(jpeg_ds, cached_ds, indices):
    jpeg = face_batch_collate([jpeg_ds[i] for i in indices])
    loader = DataLoader(cached_ds, batch_size=len(indices),
                        sampler=list(indices), collate_fn=face_batch_collate)
    return jpeg, next(iter(loader))


def test_cache_batch_equals_jpeg_batch_with_fixed_flips(synthetic_root,
                                                        tmp_path):
    """Equality 2: the JPEG loader flips in the worker; the cache loader
    gives unflipped crops and the preprocessor flips them on the device.
    With the JPEG batch's flips replayed, the model inputs are equal."""
    jpeg_cfg, cached_cfg = _stage1_cfgs(synthetic_root, tmp_path)
    init_default_scope('mmpose')
    jpeg_ds = DATASETS.build(jpeg_cfg.train_dataloader.dataset)
    cached_ds = DATASETS.build(cached_cfg.train_dataloader.dataset)
    np.random.seed(1)
    indices = [3, 0, 7, 7, 11, 2]
    jpeg, cached = _collate_jpeg_and_cache(jpeg_ds, cached_ds, indices)
    flips = torch.tensor([s.flip for s in jpeg['data_samples']])
    assert 0 < flips.sum() < len(indices)  # both kinds in the batch
    # what differs before the preprocessor: the flips, and the flip keys
    assert torch.equal(batch_hflip(cached['inputs'], flips), jpeg['inputs'])
    for a, b in zip(jpeg['data_samples'], cached['data_samples']):
        meta_a = dict(a.metainfo)
        assert meta_a.pop('flip') in (True, False)
        assert meta_a.pop('flip_direction') in ('horizontal', None)
        assert meta_a == b.metainfo
    stock = MODELS.build(dict(jpeg_cfg.model.data_preprocessor,
                              _scope_='mmpretrain'))
    pre = MODELS.build(cached_cfg.model.data_preprocessor)
    assert isinstance(pre, BatchFlipSelfSupDataPreprocessor)
    pre.draw_flips = lambda count: flips
    a = stock(jpeg, training=True)['inputs']
    b = pre(cached, training=True)['inputs']
    assert a.dtype == b.dtype == torch.float32
    assert torch.equal(a, b)
    # a stock preprocessor reads the cached batch too (no flip there)
    out = stock(cached, training=True)
    assert torch.equal(out['inputs'], pre(cached)['inputs'])
    assert [s.sample_idx for s in out['data_samples']] == indices


def _train(cfg: Config):
    """Train ``cfg``; the loss of each step.

    A name of its own per run: mmengine keys a runner's MessageHub (and
    logger) by config name and start time to the second, so two runs of
    one config started within a second would share one loss history."""
    cfg.experiment_name = f'{Path(cfg.work_dir).name}_{time.time_ns()}'
    runner = Runner.from_cfg(cfg)
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss')._log_history
    assert runner.iter == STEPS
    assert len(losses) == STEPS  # this run's steps only
    return [float(v) for v in losses]


def test_first_stage1_steps_same_losses(synthetic_root, tmp_path,
                                        monkeypatch):
    """Equality 3: the first steps of stage 1 from JPEG and from the cache,
    same seed. The only difference is where the flips are drawn (numpy in
    the loader vs the preprocessor's own generator; MAE's masking stream is
    untouched by either): with the JPEG run's flips replayed the losses are
    equal; with the cache's own flips the model inputs are equal where the
    two runs' flips agree and mirrored where they differ, and the losses
    are equal up to the first step whose flips differ. (Whether a
    different flip changes that step's loss is not asserted: nothing
    guarantees it.)"""
    jpeg_cfg, cached_cfg = _stage1_cfgs(synthetic_root, tmp_path)
    draw = BatchFlipSelfSupDataPreprocessor.draw_flips
    jpeg_flips, jpeg_inputs = [], []
    stock_forward = SelfSupDataPreprocessor.forward

    def recording(self, data, training=False):
        out = stock_forward(self, data, training)
        if training:
            jpeg_flips.append(torch.tensor(
                [s.flip for s in data['data_samples']]))
            jpeg_inputs.append(out['inputs'].clone())
        return out

    monkeypatch.setattr(SelfSupDataPreprocessor, 'forward', recording)
    jpeg_losses = _train(jpeg_cfg)
    assert len(jpeg_flips) == STEPS

    replay = list(jpeg_flips)
    monkeypatch.setattr(BatchFlipSelfSupDataPreprocessor, 'draw_flips',
                        lambda self, count: replay.pop(0))
    cached_cfg.work_dir += '_replayed'
    assert _train(cached_cfg) == jpeg_losses
    assert not replay

    own, own_inputs = [], []
    monkeypatch.undo()
    monkeypatch.setattr(
        BatchFlipSelfSupDataPreprocessor, 'draw_flips',
        lambda self, count: own.append(draw(self, count)) or own[-1])
    flip_forward = BatchFlipSelfSupDataPreprocessor.forward

    def recording_own(self, data, training=False):
        out = flip_forward(self, data, training)
        if training:
            own_inputs.append(out['inputs'].clone())
        return out

    monkeypatch.setattr(BatchFlipSelfSupDataPreprocessor, 'forward',
                        recording_own)
    cached_cfg.work_dir += '_own'
    own_losses = _train(cached_cfg)
    assert len(own) == len(own_inputs) == STEPS
    same = [torch.equal(a, b) for a, b in zip(own, jpeg_flips)]
    first = same.index(False)  # the two sources do disagree
    for a, b, flips_a, flips_b in zip(own_inputs, jpeg_inputs, own,
                                      jpeg_flips):
        agree = flips_a == flips_b
        assert torch.equal(a[agree], b[agree])
        assert torch.equal(a[~agree], b[~agree].flip(-1))
    differ = ~(own[first] == jpeg_flips[first])
    assert not torch.equal(own_inputs[first][differ],
                           jpeg_inputs[first][differ])  # faces mirrored
    assert own_losses[:first] == jpeg_losses[:first]


STAGE1 = ['sce_mae_deit_t_stage1', 'sce_mae_deit_s_stage1',
          'sce_mae_deit_b_stage1', 'synthetic/sce_mae_deit_t_stage1_synthetic',
          'synthetic/sce_mae_deit_s_stage1_synthetic']
STAGE2 = ['sce_mae_deit_t_stage2', 'sce_mae_deit_s_stage2',
          'sce_mae_deit_b_stage2', 'synthetic/sce_mae_deit_t_stage2_synthetic',
          'synthetic/sce_mae_deit_s_stage2_synthetic']


@pytest.mark.parametrize('name', STAGE1 + STAGE2)
def test_cached_config_is_its_jpeg_config(name):
    """Each cached config is its JPEG config with the head cached, the
    flip (stage 1, same probability) in the preprocessor, nothing else."""
    base = Config.fromfile(str(CONFIGS / f'{name}.py'))
    cached = Config.fromfile(str(CONFIGS / f'{name}_cached.py'))
    jpeg_ds = base.train_dataloader.dataset
    ds = cached.train_dataloader.dataset
    assert ds.type == 'CachedFaceDataset'
    assert ds.head == jpeg_ds.pipeline[:2]
    assert {k: v for k, v in jpeg_ds.items() if k != 'pipeline'} == ds.dataset
    tail = [t for t in jpeg_ds.pipeline[2:] if 'RandomFlip' not in t.type]
    assert ds.pipeline == tail
    flips = [t for t in jpeg_ds.pipeline if 'RandomFlip' in t.type]
    model, base_model = cached.model.to_dict(), base.model.to_dict()
    pre = model.pop('data_preprocessor')
    base_pre = base_model.pop('data_preprocessor')
    if name in STAGE1:
        assert pre.pop('type') == 'mmpose.BatchFlipSelfSupDataPreprocessor'
        assert base_pre.pop('type') == 'SelfSupDataPreprocessor'
        assert pre.pop('flip_prob') == flips[0].prob
        assert cached.train_dataloader.collate_fn.type == 'face_batch_collate'
    else:
        assert not flips
        ckpt = model['backbone'].pop('checkpoint')
        base_model['backbone'].pop('checkpoint')
        assert '_cached/' in ckpt
    assert pre == base_pre and model == base_model
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg',
                'randomness'):
        assert cached[key] == base[key], key
    assert (cached.train_dataloader.batch_size ==
            base.train_dataloader.batch_size)
