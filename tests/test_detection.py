"""Landmark detection through MMEngine's Runner on the synthetic set.

A tiny ViT stands in for DeiT (same classes, a 2-layer 32-d arch) so that
the real configs, datasets, pipelines, head, NME and checkpoint loading run
in seconds.
"""
import json
import math
import subprocess
import sys
from pathlib import Path

import mmengine
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpose.registry import MODELS

import sce_mae_mm  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
TINY_ARCH = dict(
    embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
TINY_BACKBONE = dict(arch=TINY_ARCH, layer_index=0)
TINY_NECK = dict(in_channels=32, out_channels=16)


@pytest.fixture(scope='module')
def stage2_checkpoint(tmp_path_factory) -> Path:
    """A Runner-style checkpoint of a tiny (random) stage-2 model."""
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='SCEMAEStage2',
            backbone=dict(type='SCEViT', arch=TINY_ARCH, layer_index=0),
            neck=dict(type='CARB', projector=dict(type='SpatialProjector'),
                      **TINY_NECK)))
    model.init_weights()
    path = tmp_path_factory.mktemp('stage2') / 'epoch_1.pth'
    torch.save(dict(meta=dict(epoch=1), state_dict=model.state_dict()), path)
    return path


def tiny_config(name: str,
                data_root: Path,
                work_dir: Path,
                checkpoint: Path,
                epochs: int = 2,
                stride: int = 4) -> Config:
    """A synthetic detection config shrunk to the tiny model and data."""
    cfg = Config.fromfile(str(ROOT / 'configs' / 'synthetic' / name))
    cfg.work_dir = str(work_dir)
    cfg.model.init_cfg.checkpoint = str(checkpoint)
    cfg.model.backbone.update(TINY_BACKBONE, stride=stride)
    cfg.model.neck.update(TINY_NECK)
    cfg.model.head.update(in_channels=48, num_intermediate=8)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(batch_size=4, num_workers=0)
        cfg[loader].dataset.data_root = str(data_root)
    cfg.train_cfg.update(max_epochs=epochs, val_interval=epochs + 1)
    cfg.param_scheduler = [
        dict(type='CosineAnnealingLR', T_max=epochs, by_epoch=True)
    ]
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.log_level = 'WARNING'
    return cfg


def frozen_state(model) -> dict:
    return {
        k: v.detach().clone()
        for k, v in model.state_dict().items()
        if k.startswith(('backbone.', 'neck.'))
    }


def test_train_and_test_intermediate_head(synthetic_root, tmp_path,
                                          stage2_checkpoint):
    cfg = tiny_config('sce_mae_deit_t_aflw_m_synthetic.py',
                      synthetic_root / 'aflw-mtfl', tmp_path / 'det',
                      stage2_checkpoint, epochs=1)
    assert cfg.test_evaluator.type == 'InputFrameNME'
    cfg.experiment_name = 'det_intermediate'
    runner = Runner.from_cfg(cfg)
    runner.train()
    model = runner.model

    # backbone and projector come from the stage-2 checkpoint, unchanged
    stage2 = torch.load(stage2_checkpoint)['state_dict']
    after = frozen_state(model)
    assert set(after) <= set(stage2)
    for key, value in after.items():
        assert torch.equal(value, stage2[key]), key
    assert not any(p.requires_grad
                   for p in model.backbone.parameters())
    assert not any(p.requires_grad for p in model.neck.parameters())
    assert all(p.requires_grad for p in model.head.parameters())
    assert not model.backbone.training and not model.neck.training

    metrics = runner.test()
    nme = metrics['NME']
    assert math.isfinite(nme) and 1.0 < nme < 500.0  # percent, not fraction
    # the original-frame NME and the mean-training-shape baseline beside it
    assert set(metrics) >= {'NME', 'NME_original', 'NME_mean_shape'}
    assert metrics['NME_mean_shape'] > 1.0

    # tools/test.py on the saved checkpoint gives the same NME, and writes
    # the metrics (--out), raw predictions (--dump) and drawings (--show-dir)
    cfg_file = tmp_path / 'det_config.py'
    cfg.dump(str(cfg_file))
    out, dump = tmp_path / 'metrics.json', tmp_path / 'preds.pkl'
    show_dir = 'vis'  # mmpose's tools: relative to the run's log dir
    args = [
        str(cfg_file),
        str(tmp_path / 'det' / 'epoch_1.pth'), '--work-dir',
        str(tmp_path / 'det_test'), '--out',
        str(out), '--dump',
        str(dump), '--show-dir', show_dir, '--interval', '10'
    ]
    proc = subprocess.run([sys.executable, str(ROOT / 'tools' / 'test.py')] +
                          args,
                          cwd=ROOT,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    printed = json.loads(out.read_text())
    assert printed['NME'] == pytest.approx(nme, rel=1e-5)
    assert printed['NME_mean_shape'] == pytest.approx(
        metrics['NME_mean_shape'], rel=1e-6)
    preds = mmengine.load(str(dump))
    assert len(preds) == len(runner.test_dataloader.dataset)
    assert preds[0]['pred_instances']['keypoints'].shape == (1, 5, 2)
    drawn = list((tmp_path / 'det_test').rglob(f'{show_dir}/*.jpg'))
    assert drawn, f'no drawings under {tmp_path / "det_test"}'


def test_feature_cache(synthetic_root, tmp_path, stage2_checkpoint):
    from mmengine.structures import InstanceData
    from mmpose.structures import PoseDataSample
    cfg = tiny_config('sce_mae_deit_t_mafl_synthetic.py',
                      synthetic_root / 'celeba', tmp_path / 'cache',
                      stage2_checkpoint, epochs=2, stride=8)
    assert cfg.model.type == 'CachedTopdownPoseEstimator'
    cfg.experiment_name = 'det_cache'
    runner = Runner.from_cfg(cfg)
    runner.train()
    model = runner.model
    num_train = len(runner.train_dataloader.dataset)
    # every training face computed once (epoch 1), then read (epoch 2)
    info = model.cache_info()
    assert info['faces'] == num_train
    assert info['misses'] == num_train and info['hits'] == num_train
    # the cached features are the live ones (float16 storage)
    batch = next(iter(runner.train_dataloader))
    data = model.data_preprocessor(batch, training=True)
    cached = model.cached_feat(data['inputs'], data['data_samples'])[-1]
    with torch.no_grad():
        live = model.extract_feat(data['inputs'])[-1]
    assert torch.allclose(cached, live, atol=2e-2 * live.abs().max())
    # a randomly augmented sample is refused
    warped = PoseDataSample(metainfo=dict(img_path='a.jpg', id=0,
                                          tps_params=dict(a=1)))
    warped.gt_instance_labels = InstanceData()
    with pytest.raises(RuntimeError, match='augmented'):
        model.loss(data['inputs'][:1], [warped])
    # ... and so is a run whose pipeline warps (the limited-annotation one)
    limited = Config.fromfile(str(ROOT / 'configs' / 'detection' /
                                  'sce_mae_deit_s_aflw_m_limited.py'))
    cfg.train_dataloader.dataset.pipeline = (
        limited.train_dataloader.dataset.pipeline)
    cfg.work_dir = str(tmp_path / 'cache_tps')
    cfg.experiment_name = 'det_cache_tps'
    with pytest.raises(RuntimeError, match='augmented'):
        Runner.from_cfg(cfg).train()


def test_unmodified_mmpose_head_composes(synthetic_root, tmp_path,
                                         stage2_checkpoint):
    # configs/detection/sce_mae_deit_s_aflw_m_integral.py on the tiny model
    cfg = tiny_config('sce_mae_deit_t_aflw_m_synthetic.py',
                      synthetic_root / 'aflw-mtfl', tmp_path / 'integral',
                      stage2_checkpoint, epochs=1, stride=8)
    integral = Config.fromfile(
        str(ROOT / 'configs' / 'detection' /
            'sce_mae_deit_s_aflw_m_integral.py'))
    assert integral.model.head.type == 'IntegralRegressionHead'
    cfg.model.head = integral.model.head
    cfg.model.head.update(in_channels=48, in_featuremap_size=(12, 12))
    cfg.experiment_name = 'det_integral'
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert type(runner.model.head).__name__ == 'IntegralRegressionHead'
    metrics = runner.test()
    assert math.isfinite(metrics['NME']) and metrics['NME'] > 0


def test_limited_annotations_tool(synthetic_root, tmp_path,
                                  stage2_checkpoint, capsys):
    from sce_mae_mm.studies import limited_annotations as tool

    assert tool.subset_indices(10, 3, seed=1) == tool.subset_indices(
        10, 3, seed=1)
    assert set(tool.subset_indices(10, 3, seed=1)) <= set(
        tool.subset_indices(10, 6, seed=1))
    with pytest.raises(ValueError, match='size 11'):
        tool.subset_indices(10, 11, seed=0)

    cfg = tiny_config('sce_mae_deit_t_aflw_m_limited_synthetic.py',
                      synthetic_root / 'aflw-mtfl', tmp_path / 'unused',
                      stage2_checkpoint, stride=8)
    assert cfg.limited_annotations.tile_to == 'train_size'
    cfg_path = tmp_path / 'limited.py'
    cfg.dump(str(cfg_path))
    table = tool.main([
        str(cfg_path), '--sizes', '1', '3', '--seeds', '0', '1', '--epochs',
        '1', '--work-dir',
        str(tmp_path / 'limited')
    ])
    lines = table.splitlines()
    assert lines[0] == '| AFLW_M NME (%) | 1 | 3 |'
    assert lines[2].startswith('| ours 16-d (projector) | ')
    assert lines[3].startswith('| mean shape of the subset (16-d runs) | ')
    assert (tmp_path / 'limited' / 'limited_annotations.md').is_file()
    assert (tmp_path / 'limited' / 'd16' / 'n3_seed0' /
            'epoch_1.pth').is_file()
    assert 'Limited annotations' in capsys.readouterr().out
    # the DVE protocol: each epoch tiles the subset to the training-set size
    results = json.loads(
        (tmp_path / 'limited' / 'limited_annotations.json').read_text())
    n_train = tool.train_set_size(Config.fromfile(str(cfg_path)))
    for size in (1, 3):
        for seed in ('0', '1'):
            run = results['16'][str(size)][seed]
            assert run['iterations'] == tool.protocol_iterations(
                n_train, size, 'train_size', 1, batch_size=4)
            assert run['NME'] > 0 and run['NME_mean_shape'] > 0
    assert results['16']['1']['0']['iterations'] == math.ceil(n_train / 4)
    # the head reads the projector only (16-d), DVE's 1x1 conv
    state = torch.load(tmp_path / 'limited' / 'd16' / 'n1_seed0' /
                       'epoch_1.pth')['state_dict']
    assert state['head.conv.0.weight'].shape == (5 * 8, 16, 1, 1)


def test_limited_annotations_summary():
    from sce_mae_mm.studies import limited_annotations as tool

    table = tool.summarise({1: {0: 10.0, 1: 14.0, 2: 12.0}, 5: {0: 8.0}},
                           'NME')
    rows = table.splitlines()
    # sample std of (10, 14, 12) is 2
    assert rows[2] == '| 1 | 3 | 12.00 ± 2.00 | 10.00, 14.00, 12.00 |'
    assert rows[3] == '| 5 | 1 | 8.00 ± 0.00 | 8.00 |'

    runs = {s: {k: dict(NME=v, NME_mean_shape=20.0 + v) for k, v in
                enumerate(vals)}
            for s, vals in ((1, (10.0, 14.0, 12.0)), (5, (8.0, 8.0)))}
    paper = tool.paper_table({64: runs}, 'NME', 'projector').splitlines()
    assert paper[0] == '| AFLW_M NME (%) | 1 | 5 |'
    assert paper[2] == '| SCE-MAE 64-d (paper) | 18.41 | 11.79 |'
    assert paper[3] == '| ours 64-d (projector) | 12.00 ± 2.00 | 8.00 ± 0.00 |'
    assert paper[4] == ('| mean shape of the subset (64-d runs) | '
                        '32.00 ± 2.00 | 28.00 ± 0.00 |')


def test_best_checkpoint_on_held_out_training_images(synthetic_root,
                                                     tmp_path,
                                                     stage2_checkpoint):
    cfg = tiny_config('sce_mae_deit_t_mafl_synthetic.py',
                      synthetic_root / 'celeba', tmp_path / 'best',
                      stage2_checkpoint, epochs=1, stride=8)
    option = Config.fromfile(
        str(ROOT / 'configs' / 'detection' /
            'sce_mae_deit_s_mafl_best_on_train_val.py'))
    train_set = cfg.train_dataloader.dataset
    for loader, part in (('train_dataloader', 'train'),
                         ('val_dataloader', 'val')):
        wrapper = dict(option[loader].dataset)
        wrapper['dataset'] = dict(train_set,
                                  pipeline=cfg[loader].dataset.pipeline)
        assert wrapper['part'] == part
        cfg[loader].dataset = wrapper
    cfg.train_cfg.val_interval = 1
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=1, save_best='NME', rule='less')
    cfg.experiment_name = 'det_best_held_out'
    runner = Runner.from_cfg(cfg)
    runner.train()
    n_train = len(runner.train_dataloader.dataset)
    n_val = len(runner.val_dataloader.dataset)
    assert n_val >= 1 and n_train + n_val == len(
        runner.build_dataloader(dict(cfg.test_dataloader, dataset=dict(
            train_set, pipeline=[]))).dataset)
    assert list((tmp_path / 'best').glob('best_NME_epoch_1.pth'))
