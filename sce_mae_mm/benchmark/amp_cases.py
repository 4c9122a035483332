"""The cases of ``tools/benchmarks/bench_amp.py``: each builds the model
of a project config twice from the same seed, one for fp32
(``OptimWrapper``) and one for ``--amp``'s ``CPUBf16OptimWrapper``, and
returns their steps on the same batch."""
import copy
import os.path as osp
from typing import Callable, Dict, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample
from mmpretrain.structures import DataSample

from sce_mae_mm.engine import (bf16_autocast, install_fast_attention,
                               prepare_cpu_bf16)
from sce_mae_mm.models.backbones import SCEViT
from sce_mae_mm.models.utils import cover_and_stride
from .paths import project_root
from .speed_cases import make_samples, uint8_images

#: case → target ratio bf16 / fp32 on the 2-core machine (None: reported)
TARGETS = dict(stage1_deit_t=0.60, stage1_deit_s=0.50, stage2_deit_s=None,
               head_step=0.50, cover_and_stride_s2=0.55)
Step = Callable[[], object]


def cfg_path(*parts: str) -> str:
    return osp.join(project_root(), 'configs', *parts)


def build(cfg: Config, seed: int = 0) -> torch.nn.Module:
    """The config's model as the Runner builds it, fast attention on."""
    init_default_scope('mmpose')
    torch.manual_seed(seed)
    model = MODELS.build(copy.deepcopy(cfg.model))
    model.init_weights()
    install_fast_attention(model)
    return model.train()


def pair(cfg: Config) -> Dict[str, Tuple[torch.nn.Module, object]]:
    """fp32 and bf16 (model, optim wrapper) of one config, same weights."""
    out = {}
    for kind in ('fp32', 'bf16'):
        model = build(cfg)
        wcfg = copy.deepcopy(cfg.optim_wrapper)
        wcfg.type = 'CPUBf16OptimWrapper' if kind == 'bf16' else \
            'OptimWrapper'
        out[kind] = (model, build_optim_wrapper(model, wcfg))
        if kind == 'bf16':
            prepare_cpu_bf16(model)  # as SCEMAERunner before step one
    return out


def train_steps(cfg: Config, data: dict) -> Dict[str, Step]:
    return {kind: (lambda m=m, w=w: m.train_step(data, w))
            for kind, (m, w) in pair(cfg).items()}


def stage1(arch: str, batch: int) -> Dict[str, Step]:
    cfg = Config.fromfile(cfg_path(f'sce_mae_{arch}_stage1.py'))
    images = uint8_images(batch)
    return train_steps(cfg, dict(inputs=images,
                                 data_samples=[DataSample()] * batch))


def stage2(batch: int = 32) -> Dict[str, Step]:
    cfg = Config.fromfile(cfg_path('sce_mae_deit_s_stage2.py'))
    cfg.model.backbone.checkpoint = None
    images = uint8_images(batch)
    data = dict(inputs=list(images),
                data_samples=[PoseDataSample() for _ in range(batch)])
    return train_steps(cfg, data)


def head_step(batch: int = 32, cfg: Optional[Config] = None
              ) -> Dict[str, Step]:
    """A detection head's iteration on cached features (``cfg``'s model;
    default MAFL, DeiT-S)."""
    cfg = cfg or Config.fromfile(cfg_path('detection',
                                          'sce_mae_deit_s_mafl.py'))
    cfg.model.init_cfg = None
    cfg.model.type = 'CachedTopdownPoseEstimator'
    images = uint8_images(batch)
    steps = {}
    for kind, (model, wrapper) in pair(cfg).items():
        samples = make_samples(batch, cfg.model.head.num_keypoints)
        data = model.data_preprocessor(
            dict(inputs=list(images), data_samples=samples), training=True)
        model.cache_features = True
        with torch.no_grad():
            model.cached_feat(data['inputs'], data['data_samples'])

        def step(model=model, wrapper=wrapper, data=data):
            with wrapper.optim_context(model):
                losses = model.loss(data['inputs'], data['data_samples'])
            loss, _ = model.parse_losses(losses)
            wrapper.update_params(loss)

        steps[kind] = step
    return steps


def cover_and_stride_s2(batch: int = 8) -> Dict[str, Step]:
    backbone = SCEViT(arch='deit-s', stride=2).eval()
    install_fast_attention(backbone)
    images = torch.randn(batch, 3, 96, 96,
                         generator=torch.Generator().manual_seed(1))

    def dense(bf16: bool):
        with torch.no_grad(), bf16_autocast(bf16):
            return cover_and_stride(backbone.last_map, images,
                                    backbone.patch_size, 2).float()

    return dict(fp32=lambda: dense(False), bf16=lambda: dense(True))


BUILDERS = dict(stage1_deit_t=lambda: stage1('deit_t', 16),
                stage1_deit_s=lambda: stage1('deit_s', 32),
                stage2_deit_s=stage2, head_step=head_step,
                cover_and_stride_s2=cover_and_stride_s2)


def profile(steps: Dict[str, Step], rows: int = 12) -> str:
    """Top operators by self CPU time of one bf16 step."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile
    steps['bf16']()
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        steps['bf16']()
    return prof.key_averages().table(sort_by='self_cpu_time_total',
                                     row_limit=rows)
