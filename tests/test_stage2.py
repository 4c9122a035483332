"""SCEMAEStage2: a frozen backbone; only the projector trains (Table S7)."""
import copy

import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.runner import Runner
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample
from torch import nn

from sce_mae_mm.models.pose_estimators import SCEMAEStage2

MEAN = [0.5084 * 255, 0.4224 * 255, 0.3769 * 255]
STD = [0.2599 * 255, 0.2371 * 255, 0.2323 * 255]


@MODELS.register_module(force=True)
class _Stage2FakeBackbone(nn.Module):
    """A tiny stand-in with SCEViT's interface, BatchNorm and dropout.

    If it were left in train mode, its BatchNorm statistics would move and
    dropout would make two forward passes differ.
    """

    def __init__(self, channels: int = 16) -> None:
        super().__init__()
        self.embed = nn.Conv2d(3, channels, 8, stride=8)
        self.norm = nn.BatchNorm2d(channels)
        self.drop = nn.Dropout(0.5)
        self.mid = nn.Linear(channels, channels)
        self.score = nn.Linear(channels, 1)

    def forward_tokens(self, x):
        mid = self.drop(self.norm(self.embed(x)))
        tokens = mid.flatten(2).transpose(1, 2)
        return dict(
            last=mid + 0.1 * mid.pow(2),
            layer_tokens=self.mid(tokens),
            cls_attn=self.score(tokens)[..., 0].softmax(-1))

    def forward(self, x):
        return (self.forward_tokens(x)['last'], )


SCEVIT_T = dict(type='SCEViT', arch='deit-t', layer_index=2, frozen=True)


def _model(backbone=None, in_channels=16, **neck):
    neck_cfg = dict(
        type='CARB', in_channels=in_channels, out_channels=8, eta=0.1)
    neck_cfg.update(neck)
    return SCEMAEStage2(
        backbone=backbone or dict(type='_Stage2FakeBackbone'),
        neck=neck_cfg,
        loss=dict(type='LCRLoss'),
        data_preprocessor=dict(
            type='PoseDataPreprocessor',
            mean=MEAN,
            std=STD,
            bgr_to_rgb=True))


class _RandomFaces(torch.utils.data.Dataset):
    """Random 96x96 uint8 images packed like mmpose's PackPoseInputs."""

    def __init__(self, num: int = 8) -> None:
        gen = torch.Generator().manual_seed(0)
        self.images = torch.randint(
            0, 256, (num, 3, 96, 96), generator=gen, dtype=torch.uint8)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        sample = PoseDataSample(metainfo=dict(img_id=i))
        return dict(inputs=self.images[i], data_samples=sample)


def test_backbone_frozen_and_eval_in_train_mode():
    model = _model()
    model.train()
    assert model.training and model.neck.training
    assert not model.backbone.training
    assert not any(m.training for m in model.backbone.modules())
    assert not any(p.requires_grad for p in model.backbone.parameters())
    assert all(p.requires_grad for p in model.neck.parameters())


@pytest.mark.parametrize('backbone', ['fake', 'sce_vit'])
def test_loss_predict_and_tensor_modes(backbone):
    if backbone == 'fake':
        model = _model()
    else:
        model = _model(SCEVIT_T, in_channels=192)
    data = pseudo_collate([_RandomFaces(2)[i] for i in range(2)])
    data = model.data_preprocessor(data, training=True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_lcr'}
    assert losses['loss_lcr'].ndim == 0 and losses['loss_lcr'].item() > 0
    losses['loss_lcr'].backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    assert all(p.grad is not None for p in model.neck.parameters())

    model.eval()
    maps = model(data['inputs'], mode='tensor')
    assert maps.shape == (2, 8, 12, 12)
    samples = model(**data, mode='predict')
    assert len(samples) == 2
    for sample, desc in zip(samples, maps):
        assert torch.allclose(sample.pred_fields.descriptors, desc)
    with pytest.raises(ValueError, match='mode must be'):
        model(data['inputs'], mode='nope')


@pytest.mark.parametrize('backbone', ['fake', 'sce_vit'])
def test_runner_changes_only_projector_weights(tmp_path, backbone):
    if backbone == 'fake':  # BatchNorm + dropout: must stay in eval
        model = _model()
    else:  # as in the configs: the encoder comes from a stage-1 checkpoint
        ckpt = tmp_path / 'stage1.pth'
        vit = MODELS.build(SCEVIT_T).vit
        torch.save({'state_dict': {f'backbone.{k}': v
                                   for k, v in vit.state_dict().items()}},
                   ckpt)
        model = _model(dict(SCEVIT_T, checkpoint=str(ckpt)), in_channels=192)
        for key, value in vit.state_dict().items():
            assert torch.equal(model.backbone.vit.state_dict()[key], value)
    before = copy.deepcopy(model.state_dict())
    runner = Runner(
        model=model,
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=_RandomFaces(8),
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='pseudo_collate'),
            batch_size=4,
            num_workers=0),
        train_cfg=dict(by_epoch=False, max_iters=3),
        optim_wrapper=dict(
            optimizer=dict(type='AdamW', lr=1e-2, weight_decay=0.05)),
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(type='CheckpointHook', interval=100)),
        default_scope='mmpose')
    runner.train()
    after = runner.model.state_dict()
    assert set(before) == set(after)
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    # every projector tensor moved; nothing else (weights or BN buffers)
    assert changed == {k for k in before if k.startswith('neck.projector.')}
    assert len(changed) == 4
    assert not runner.model.backbone.training


def test_split_attention_from_another_layer():
    from sce_mae_mm.models.backbones.sce_vit import cls_patch_attention
    tiny = dict(type='SCEViT', arch=dict(embed_dims=32, num_layers=4,
                                         num_heads=2,
                                         feedforward_channels=64),
                layer_index=1, frozen=True)
    torch.manual_seed(0)
    same = SCEMAEStage2(backbone=tiny, neck=dict(
        type='CARB', in_channels=32, out_channels=8))
    other = SCEMAEStage2(backbone=tiny, neck=dict(
        type='CARB', in_channels=32, out_channels=8),
        attention_layer_index=3)
    other.backbone.load_state_dict(same.backbone.state_dict())
    x = torch.randn(2, 3, 96, 96)
    base = same.backbone_features(x)
    moved = other.backbone_features(x)
    # clustering tokens and last map unchanged, split attention of block 3
    assert torch.equal(moved['layer_tokens'], base['layer_tokens'])
    assert torch.equal(moved['last'], base['last'])
    store = {}
    handle = other.backbone.vit.layers[3].attn.qkv.register_forward_hook(
        lambda m, a, out: store.update(qkv=out))
    other.backbone.last_map(x)
    handle.remove()
    expect = cls_patch_attention(store['qkv'], 2)
    torch.testing.assert_close(moved['cls_attn'], expect)
    assert not torch.allclose(moved['cls_attn'], base['cls_attn'])
    with pytest.raises(ValueError, match='attention_layer_index'):
        SCEMAEStage2(backbone=tiny, neck=dict(
            type='CARB', in_channels=32, out_channels=8),
            attention_layer_index=4)
