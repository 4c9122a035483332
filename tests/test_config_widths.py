"""Every shipped config builds its model, whose widths match its name.

The DeiT widths live once in ``configs/_base_/models/deit.py`` (the arch is
mmpretrain's preset, which sets the encoder); each config picks its size
(``widths = _base_.deit.s``) and its model's width keys from it. Built
without weights (no stage-1 checkpoint, no init), no forward pass.
"""
import copy
import re
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / 'configs').rglob('*.py')
    if '_base_' not in p.parts)


def _size(path: str) -> str:
    found = re.findall(r'deit_([tsb])_', Path(path).name)
    assert len(found) == 1, path
    return found[0]


def _no_weights(model_cfg: dict) -> dict:
    """The model config without files to read (checkpoints, init)."""
    cfg = copy.deepcopy(model_cfg)
    cfg.pop('init_cfg', None)
    backbone = cfg.get('backbone', {})
    if 'checkpoint' in backbone:
        backbone['checkpoint'] = None
    return cfg


def _first(model, kind):
    return next(m for m in model.modules() if isinstance(m, kind))


def test_the_width_table():
    from mmpretrain.models import VisionTransformer

    cfg = Config.fromfile(str(ROOT / 'configs' / '_base_' / 'models' /
                              'deit.py'))
    assert set(cfg.deit) == {'t', 's', 'b'}
    for size, w in cfg.deit.items():
        assert w.arch == f'deit-{size}'
        # restated for the necks and heads: mmpretrain's preset says it
        preset = VisionTransformer.arch_zoo[w.arch]
        assert w.embed_dims == preset['embed_dims']
        assert w.feature_dims == w.embed_dims + w.proj_dims
        # the model keys a config of this size sets, from the same widths
        assert w.mae.backbone.arch == w.projector.backbone.arch == w.arch
        assert w.mae.neck.embed_dim == w.embed_dims
        assert dict(w.projector.neck) == dict(
            in_channels=w.embed_dims, out_channels=w.proj_dims)
        assert w.regressor.head.in_channels == w.feature_dims
    assert [cfg.deit[s].proj_dims for s in 'tsb'] == [64, 128, 256]


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_with_the_widths_of_its_name(path):
    from mmpretrain.models import VisionTransformer

    cfg = Config.fromfile(str(ROOT / path))
    size = _size(path)
    assert cfg.widths == cfg.deit[size], path
    for stale in ('arch', 'embed_dims', 'proj_dims'):
        if stale in cfg:  # stage 1 keeps its own, which must agree
            assert cfg[stale] == cfg.widths[stale], (path, stale)
    w = cfg.widths
    init_default_scope('mmpose')
    with torch.device('meta'):  # shapes only: nothing allocated or drawn
        model = MODELS.build(_no_weights(cfg.model))
    vit = _first(model, VisionTransformer)
    assert vit.embed_dims == w.embed_dims, path
    assert vit.arch_settings == VisionTransformer.arch_zoo[w.arch], path
    backbone = model.backbone
    if hasattr(backbone, 'arch') and isinstance(backbone.arch, str):
        assert backbone.arch == w.arch, path
    neck = getattr(model, 'neck', None)
    if cfg.model.type == 'mmpretrain.MAE':
        assert neck.decoder_embed.in_features == w.embed_dims, path
        return
    convs = [m for m in neck.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs[0].in_channels == w.embed_dims, path
    assert convs[-1].out_channels == w.proj_dims, path
    head = getattr(model, 'head', None)
    if head is not None:
        first = _first(head, torch.nn.Conv2d)
        expect = (w.proj_dims if not neck.concat_backbone else
                  w.feature_dims)
        assert first.in_channels == expect, path
