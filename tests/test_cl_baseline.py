"""ContrastLandmark's own second stage: CLDistiller, CLStage2, its config."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from sce_mae_mm.models.necks import CLDistiller

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def test_cl_distiller_sizes_and_spatial_softmax():
    torch.manual_seed(0)
    neck = CLDistiller(16, 8, normalize=False)
    x = torch.randn(2, 16, 12, 12)
    neck.train()
    (out, ) = neck((x, ))
    assert out.shape == (2, 8, 24, 24)  # CL trains at 24 x 24
    # a spatial softmax per channel: every channel sums to 1 over positions
    torch.testing.assert_close(out.sum((2, 3)), torch.ones(2, 8))
    up = torch.nn.functional.interpolate(x, size=(24, 24), mode='bilinear',
                                         align_corners=False)
    logits = 7. * neck.reg_conv(up).flatten(2)
    torch.testing.assert_close(out.flatten(2), logits.softmax(-1))
    neck.eval()
    (test, ) = neck((x, ))
    assert test.shape == (2, 8, 96, 96)  # applied at the image at test time
    unit = CLDistiller(16, 8, concat_backbone=True, test_size=None).eval()
    (cat, ) = unit((x, ))
    assert cat.shape == (2, 24, 12, 12)
    torch.testing.assert_close(cat[:, 16:].norm(dim=1), torch.ones(2, 12, 12))
    with pytest.raises(ValueError, match='expected a'):
        neck((torch.randn(1, 15, 12, 12), ))


def _cfg(synthetic_root, tmp_path, stage1):
    cfg = Config.fromfile(
        str(ROOT / 'configs/baselines/synthetic/'
            'cl_deit_t_stage2_synthetic.py'))
    assert cfg.model.type == 'CLStage2'
    assert cfg.model.neck.type == 'CLDistiller'
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, tuple(opt.betas), opt.weight_decay) == (
        'Adam', 1e-3, (0.5, 0.999), 5e-4)
    assert cfg.val_dataloader.dataset.split == 'train'
    assert cfg.default_hooks.checkpoint.save_best == 'matching/diff'
    full = Config.fromfile(str(ROOT / 'configs/baselines/cl_deit_s_stage2.py'))
    assert full.val_dataloader.dataset.max_images == 2000
    assert full.model.neck.train_size == 24
    assert full.model.neck.test_size == 96
    cfg.model.backbone.update(arch=TINY, checkpoint=str(stage1),
                              layer_index=0)
    cfg.model.neck.update(in_channels=32, out_channels=16)
    root = str(synthetic_root / 'celeba')
    cfg.train_dataloader.update(batch_size=4, num_workers=0)
    cfg.train_dataloader.dataset.data_root = root
    cfg.train_dataloader.dataset.indices = 8
    cfg.val_dataloader.update(batch_size=2, num_workers=0)
    cfg.val_dataloader.dataset.update(data_root=root, max_images=4)
    cfg.train_cfg.max_epochs = 1
    cfg.param_scheduler[0].update(T_max=1, end=1)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.log_level = 'WARNING'
    return cfg


def test_cl_stage2_trains_the_projector_and_selects_on_mafl_train(
        synthetic_root, tmp_path):
    from mmengine.runner import Runner
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    torch.manual_seed(0)
    vit = MODELS.build(dict(type='SCEViT', arch=TINY, layer_index=0))
    stage1 = tmp_path / 'stage1.pth'
    torch.save(dict(meta=dict(), state_dict={
        f'backbone.{k}': v for k, v in vit.vit.state_dict().items()}), stage1)
    cfg = _cfg(synthetic_root, tmp_path, stage1)
    runner = Runner.from_cfg(cfg)
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    runner.train()
    after = runner.model.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(k.startswith('neck.') for k in changed)
    best = list((tmp_path / 'work').glob('best_matching_diff_epoch_*.pth'))
    assert len(best) == 1
    scores = runner.message_hub.get_info('best_score')
    assert scores is not None and 0 <= scores < 70
    # the matching config of the CL row reads the selected checkpoint
    test_cfg = Config.fromfile(
        str(ROOT / 'configs/baselines/synthetic/'
            'cl_deit_t_mafl_matching_synthetic.py'))
    test_cfg.model.backbone.update(arch=TINY, layer_index=0)
    test_cfg.model.neck.update(in_channels=32, out_channels=16)
    test_cfg.test_dataloader.update(batch_size=2, num_workers=0)
    test_cfg.test_dataloader.dataset.data_root = str(
        synthetic_root / 'celeba')
    test_cfg.load_from = str(best[0])
    test_cfg.work_dir = str(tmp_path / 'test')
    test_cfg.log_level = 'WARNING'
    tester = Runner.from_cfg(test_cfg)
    metrics = tester.test()
    assert torch.equal(tester.model.state_dict()['neck.reg_conv.weight'],
                       after['neck.reg_conv.weight'])
    assert {'matching/same', 'matching/diff', 'matching/same_baseline',
            'matching/diff_baseline'} <= set(metrics)
