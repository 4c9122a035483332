"""bf16 autocast on a CPU (``--amp``): it reaches the layers, keeps fp32
master weights and fp32 losses, and agrees with fp32 within bf16's
precision (stage-1 loss, matching descriptors, NME)."""
import argparse
import copy
import importlib.util
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

from sce_mae_mm.engine import (apply_amp, build_tool_runner, decide_bf16,
                               install_fast_attention, install_fp32_losses,
                               prepare_cpu_bf16)
from sce_mae_mm.engine.amp import _explicit_attention

ROOT = Path(__file__).resolve().parents[1]
SYN = ROOT / 'configs' / 'synthetic'
ENV = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='')


def _train_tool():
    spec = importlib.util.spec_from_file_location(
        'train_tool', ROOT / 'tools' / 'train.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _amp_flags(cfg: Config) -> Config:
    """What ``tools/train.py --amp`` does to a config."""
    args = argparse.Namespace(amp=True, resume=None, auto_scale_lr=False,
                              no_validate=False)
    return _train_tool().merge_args(cfg, args)


class DtypeProbe:
    """Records the output dtype of every ``nn.Linear`` / ``nn.Conv2d``
    forward of a module."""

    def __init__(self, model: nn.Module) -> None:
        self.seen = set()
        for m in model.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                m.register_forward_hook(self._hook)

    def _hook(self, module, args, out) -> None:
        self.seen.add((type(module).__name__, out.dtype))


def _stage1_cfg(root: Path, work_dir: Path, iters: int = 2) -> Config:
    cfg = Config.fromfile(str(SYN / 'sce_mae_deit_t_stage1_synthetic.py'))
    cfg.work_dir = str(work_dir)
    loader = cfg.train_dataloader
    loader.update(batch_size=2, num_workers=0)
    loader.dataset.update(data_root=str(root / 'celeba'), indices=2 * iters)
    cfg.train_cfg.max_epochs = 1
    cfg.param_scheduler = []
    cfg.default_hooks.logger.interval = 1
    cfg.log_level = 'WARNING'
    return cfg


@pytest.fixture(scope='module')
def amp_stage1(synthetic_root, tmp_path_factory):
    """tools/train.py --amp's stage 1: 2 iterations of DeiT-T in bf16."""
    work = tmp_path_factory.mktemp('amp_stage1')
    cfg = _amp_flags(_stage1_cfg(synthetic_root, work))
    assert cfg.optim_wrapper.type == 'CPUBf16OptimWrapper'
    runner = build_tool_runner(cfg)
    probe = DtypeProbe(runner.model)
    runner.train()
    return runner, probe, work / 'epoch_1.pth'


def test_amp_stage1_trains_in_bf16_with_fp32_master_weights(amp_stage1):
    runner, probe, ckpt = amp_stage1
    assert ('Linear', torch.bfloat16) in probe.seen
    assert all(p.dtype == torch.float32 for p in runner.model.parameters())
    state = runner.optim_wrapper.optimizer.state
    assert state and all(v['exp_avg'].dtype == torch.float32
                         for v in state.values())
    assert ckpt.is_file()


def test_amp_stage2_trains_in_bf16(amp_stage1, synthetic_root, tmp_path):
    _, _, stage1 = amp_stage1
    cfg = Config.fromfile(str(SYN / 'sce_mae_deit_t_stage2_synthetic.py'))
    cfg.work_dir = str(tmp_path)
    cfg.model.backbone.checkpoint = str(stage1)
    cfg.train_dataloader.update(batch_size=2, num_workers=0)
    cfg.train_dataloader.dataset.update(
        data_root=str(synthetic_root / 'celeba'), indices=4)
    cfg.train_cfg.max_epochs = 1
    cfg.param_scheduler = []
    cfg.log_level = 'WARNING'
    runner = build_tool_runner(_amp_flags(cfg))
    probe = DtypeProbe(runner.model)
    runner.train()
    assert ('Linear', torch.bfloat16) in probe.seen  # frozen backbone
    assert ('Conv2d', torch.bfloat16) in probe.seen  # spatial projector
    assert (tmp_path / 'epoch_1.pth').is_file()


def _stage1_losses(synthetic_root: Path, bf16: bool,
                   steps: int = 50) -> list:
    cfg = Config.fromfile(str(SYN / 'sce_mae_deit_t_stage1_synthetic.py'))
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg.model))
    model.init_weights()
    install_fast_attention(model)
    wcfg = copy.deepcopy(cfg.optim_wrapper)
    wcfg.type = 'CPUBf16OptimWrapper' if bf16 else 'OptimWrapper'
    wcfg.optimizer.lr = 1e-3
    wrapper = build_optim_wrapper(model, wcfg)
    if bf16:
        prepare_cpu_bf16(model)  # what SCEMAERunner does before step one
    from mmpretrain.structures import DataSample
    gen = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (8, 3, 96, 96), dtype=torch.uint8,
                           generator=gen)
    torch.manual_seed(2)  # the masks: the same draws in both runs
    losses = []
    for step in range(steps):
        batch = images[(step % 2) * 4:(step % 2) * 4 + 4]
        out = model.train_step(
            dict(inputs=batch, data_samples=[DataSample()] * 4), wrapper)
        losses.append(float(out['loss']))
    return losses


def test_stage1_loss_bf16_within_2_percent_after_50_steps(synthetic_root):
    fp32 = _stage1_losses(synthetic_root, bf16=False)
    bf16 = _stage1_losses(synthetic_root, bf16=True)
    assert fp32[-1] < fp32[0]  # it learns
    tail32, tail16 = sum(fp32[-10:]) / 10, sum(bf16[-10:]) / 10
    assert abs(tail16 - tail32) / tail32 < 0.02, (tail32, tail16)


def _matching_run(ckpt: Path, root: Path, work: Path, amp: bool):
    """``tools/test.py`` on the synthetic matching config (``--amp`` or
    not): its metrics, the backbone's last feature map of every image
    ((N, C, h, w), as float32) and the dtypes its layers put out."""
    cfg = Config.fromfile(
        str(SYN / 'sce_mae_deit_t_mafl_matching_synthetic.py'))
    cfg.test_dataloader.update(batch_size=4, num_workers=0)
    cfg.test_dataloader.dataset.data_root = str(root / 'celeba')
    cfg.load_from = str(ckpt)
    cfg.work_dir = str(work)
    cfg.log_level = 'WARNING'
    if amp:
        apply_amp(cfg, 'cpu')
        assert cfg.test_cfg.fp16
    runner = build_tool_runner(cfg)
    feats = []
    runner.model.backbone.register_forward_hook(
        lambda module, args, out: feats.append(out[-1].float()))
    probe = DtypeProbe(runner.model)
    metrics = runner.test()
    return metrics, torch.cat(feats), probe.seen


def test_matching_bf16_matches_fp32(amp_stage1, synthetic_root, tmp_path):
    """One checkpoint scored in fp32 and under --amp. What --amp
    guarantees: the test loop runs the layers in bf16, the descriptors
    are the fp32 ones to bf16 precision, and the matching (fp32) gives
    finite errors. The errors are not compared: on this 2-step model the
    descriptors are near-random, so a bf16-sized change moves an argmax
    by pixels (the DVE-rule same-identity error went from 1.12 to 4.38 px
    with the descriptors' cosine similarity above 0.99999; the
    different-identity error has been 0.99 px apart with one thread)."""
    _, _, stage1 = amp_stage1
    init_default_scope('mmpose')
    cfg = Config.fromfile(str(SYN / 'sce_mae_deit_t_stage2_synthetic.py'))
    cfg.model.backbone.checkpoint = str(stage1)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    ckpt = tmp_path / 'stage2.pth'
    torch.save(dict(meta=dict(), state_dict=model.state_dict()), ckpt)
    fp32, feats32, seen32 = _matching_run(ckpt, synthetic_root,
                                          tmp_path / 'a', False)
    bf16, feats16, seen16 = _matching_run(ckpt, synthetic_root,
                                          tmp_path / 'b', True)
    assert ('Linear', torch.bfloat16) in seen16
    assert all(dtype == torch.float32 for _, dtype in seen32)
    cos = torch.nn.functional.cosine_similarity(feats32, feats16, dim=1)
    assert cos.mean() > 0.99 and cos.min() > 0.9
    for key in ('matching/same', 'matching/diff'):
        assert math.isfinite(fp32[key]) and math.isfinite(bf16[key])


def test_nme_bf16_matches_fp32(synthetic_root, tmp_path):
    """A detection head trained a few iterations; its checkpoint tested in
    fp32 and under --amp: NME within 0.2 points."""
    from test_detection import TINY_ARCH, TINY_NECK, tiny_config
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(
        dict(type='SCEMAEStage2',
             backbone=dict(type='SCEViT', arch=TINY_ARCH, layer_index=0),
             neck=dict(type='CARB', projector=dict(type='SpatialProjector'),
                       **TINY_NECK)))
    model.init_weights()
    ckpt = tmp_path / 'stage2.pth'
    torch.save(dict(meta=dict(epoch=1), state_dict=model.state_dict()),
               ckpt)
    cfg = tiny_config('sce_mae_deit_t_mafl_synthetic.py',
                      synthetic_root / 'celeba', tmp_path / 'det', ckpt,
                      epochs=1)
    runner = build_tool_runner(copy.deepcopy(cfg))
    runner.train()
    head = tmp_path / 'det' / 'epoch_1.pth'
    results = []
    for amp in (False, True):
        test_cfg = copy.deepcopy(cfg)
        test_cfg.load_from = str(head)
        test_cfg.work_dir = str(tmp_path / f'test_{amp}')
        if amp:
            apply_amp(test_cfg, 'cpu')
        results.append(build_tool_runner(test_cfg).test()['NME'])
    assert all(math.isfinite(r) for r in results)
    assert abs(results[0] - results[1]) <= 0.2, results


def test_bf16_nan_loss_stops_tools_train(synthetic_root, tmp_path):
    """Under --amp a non-finite loss stops the run as under fp32."""
    proc = subprocess.run(
        [sys.executable, 'tools/train.py',
         str(SYN / 'sce_mae_deit_t_stage1_synthetic.py'), '--amp',
         '--work-dir', str(tmp_path), '--cfg-options',
         f'train_dataloader.dataset.data_root={synthetic_root / "celeba"}',
         'train_dataloader.dataset.indices=4', 'train_dataloader.batch_size=2',
         'train_dataloader.num_workers=0',
         'model.data_preprocessor.std=[0,0,0]'],
        cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert 'non-finite loss at iteration 1' in proc.stderr, proc.stderr[-2000:]
    assert not list(tmp_path.rglob('*.pth'))


def test_fp32_losses_and_explicit_attention():
    """Loss modules run in fp32 under autocast; the explicit attention core
    equals torch's SDPA."""
    class ToyLoss(nn.Module):
        def forward(self, a, b):
            return (a @ b).sum()

    class Toy(nn.Module):
        def __init__(self):
            super().__init__()
            self.loss_module = ToyLoss()

    toy = Toy()
    assert install_fp32_losses(toy) == 1 and install_fp32_losses(toy) == 0
    with torch.autocast('cpu', dtype=torch.bfloat16):
        a = torch.randn(4, 4).bfloat16()
        assert toy.loss_module(a, a).dtype == torch.float32
    q, k, v = (torch.randn(2, 3, 5, 8) for _ in range(3))
    ref = torch.nn.functional.scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(_explicit_attention(q, k, v), ref)
    mask = torch.rand(5, 5) > 0.3
    mask[:, 0] = True
    ref = torch.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=mask)
    torch.testing.assert_close(_explicit_attention(q, k, v, mask), ref)


def test_decide_bf16_prints_and_obeys_fp32(capsys, monkeypatch):
    assert decide_bf16(force_fp32=True) is False
    assert 'bf16 autocast: off (--fp32)' in capsys.readouterr().out
    from sce_mae_mm.engine import amp
    amp._measured_decision.cache_clear()
    monkeypatch.setattr(amp, 'cpu_bf16_flags', lambda: [])
    assert decide_bf16() is False
    assert 'no AMX-BF16 or AVX512-BF16' in capsys.readouterr().out
    amp._measured_decision.cache_clear()
    monkeypatch.setattr(amp, 'cpu_bf16_flags', lambda: ['amx_bf16'])
    monkeypatch.setattr(amp, 'bf16_matmul_speedup', lambda: 5.9)
    if not torch.cuda.is_available():
        assert decide_bf16() is True
        assert 'on (AMX, bf16 matmul 5.9× fp32)' in capsys.readouterr().out
    amp._measured_decision.cache_clear()
