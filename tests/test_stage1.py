"""Stage-1 configs (paper settings) and a Runner checkpoint -> SCEViT."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpose.registry import MODELS

from sce_mae_mm.models.backbones import SCEViT

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / 'configs'
WIDTHS = {'t': 192, 's': 384, 'b': 768}


@pytest.mark.parametrize('size', sorted(WIDTHS))
def test_stage1_config_paper_settings(size):
    cfg = Config.fromfile(str(CONFIGS / f'sce_mae_deit_{size}_stage1.py'))
    assert cfg.default_scope == 'mmpose'
    assert 'sce_mae_mm' in cfg.custom_imports.imports
    model = cfg.model
    assert model.type == 'mmpretrain.MAE'
    assert model._scope_ == 'mmpretrain'
    assert model.backbone.arch == f'deit-{size}'
    assert (model.backbone.patch_size, model.backbone.img_size) == (8, 96)
    assert model.backbone.mask_ratio == 0.75
    assert model.neck.num_patches == 144
    assert model.neck.embed_dim == WIDTHS[size]
    assert model.head.norm_pix and model.head.patch_size == 8
    pre = model.data_preprocessor
    assert pre.to_rgb
    torch.testing.assert_close(
        torch.tensor(pre.mean) / 255, torch.tensor([0.5084, 0.4224, 0.3769]))
    torch.testing.assert_close(
        torch.tensor(pre.std) / 255, torch.tensor([0.2599, 0.2371, 0.2323]))
    assert cfg.train_dataloader.batch_size == 512
    assert cfg.auto_scale_lr.base_batch_size == 512
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, tuple(opt.betas), opt.weight_decay) == (
        'AdamW', 3e-4, (0.9, 0.95), 0.05)
    warmup, cosine = cfg.param_scheduler
    assert (warmup.type, warmup.end) == ('LinearLR', 40)
    assert (cosine.type, cosine.begin, cosine.end) == (
        'CosineAnnealingLR', 40, 400)
    assert cfg.train_cfg.max_epochs == 400
    dataset = cfg.train_dataloader.dataset
    assert (dataset.type, dataset.split) == ('CelebADataset', 'train')
    assert [t['type'] for t in dataset.pipeline] == [
        'LoadImage', 'DVEFaceCrop', 'mmpretrain.RandomFlip',
        'mmpretrain.PackInputs'
    ]


@pytest.mark.parametrize('size', sorted(WIDTHS))
def test_stage1_model_builds(size):
    cfg = Config.fromfile(str(CONFIGS / f'sce_mae_deit_{size}_stage1.py'))
    init_default_scope('mmpose')
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'MAE'
    assert model.neck.decoder_pos_embed.shape[1] == 145
    assert model.neck.decoder_pred.out_features == 8 * 8 * 3
    with torch.device('meta'):
        backbone = SCEViT(arch=f'deit-{size}')
    enc = set(dict(model.backbone.named_parameters()))
    assert enc == set(dict(backbone.vit.named_parameters()))


def _synthetic_cfg(synthetic_root: Path, work_dir: Path) -> Config:
    cfg = Config.fromfile(
        str(CONFIGS / 'synthetic' / 'sce_mae_deit_t_stage1_synthetic.py'))
    cfg.work_dir = str(work_dir)
    loader = cfg.train_dataloader
    loader.batch_size = 2
    loader.num_workers = 0
    loader.dataset.data_root = str(synthetic_root / 'celeba')
    loader.dataset.indices = 2  # 1 iteration
    cfg.train_cfg.max_epochs = 1
    cfg.param_scheduler = []
    cfg.default_hooks.logger.interval = 1
    return cfg


def test_runner_checkpoint_loads_into_sce_vit(synthetic_root, tmp_path):
    cfg = _synthetic_cfg(synthetic_root, tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1
    ckpt = tmp_path / 'epoch_1.pth'
    assert ckpt.is_file()

    backbone = SCEViT(arch='deit-t', checkpoint=str(ckpt))
    trained = runner.model.backbone.state_dict()
    for name, value in backbone.vit.state_dict().items():
        assert torch.equal(value, trained[name]), name
    # init_weights (called by a Runner) keeps the loaded weights
    backbone.init_weights()
    assert torch.equal(backbone.vit.cls_token, trained['cls_token'])
    # the encoder runs unmasked on 96-px crops
    with torch.no_grad():
        feats = backbone.forward_tokens(torch.randn(1, 3, 96, 96))
    assert feats['last'].shape == (1, 192, 12, 12)

    # decoder/head keys are not encoder keys: nothing unexpected here
    assert backbone.load_stage1(str(ckpt)) == []

    raw = torch.load(ckpt, map_location='cpu')
    del raw['state_dict']['backbone.layers.3.attn.qkv.weight']
    raw['state_dict']['backbone.extra.weight'] = torch.zeros(1)
    broken = tmp_path / 'broken.pth'
    torch.save(raw, broken)
    with pytest.raises(RuntimeError, match='layers.3.attn.qkv.weight'):
        SCEViT(arch='deit-t', checkpoint=str(broken))
    del raw['state_dict']['backbone.extra.weight']
    raw['state_dict']['backbone.layers.3.attn.qkv.weight'] = trained[
        'layers.3.attn.qkv.weight']
    raw['state_dict']['backbone.extra.weight'] = torch.zeros(1)
    torch.save(raw, broken)
    assert backbone.load_stage1(str(broken)) == ['extra.weight']
    with pytest.raises(RuntimeError, match='no "backbone." keys'):
        torch.save({'state_dict': {'neck.x': torch.zeros(1)}}, broken)
        SCEViT(arch='deit-t', checkpoint=str(broken))
