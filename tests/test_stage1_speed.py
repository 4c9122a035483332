"""The stage-1 step's speed changes leave what is learned alone, and the
benchmark's FLOP count and matmul replay (tools/benchmarks/bench_stage1.py
--limit) count what torch counts."""
import copy
import types
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from mmpretrain.models.utils.attention import MultiheadAttention
from mmpretrain.structures import DataSample
from torch.utils.flop_counter import sdpa_flop_count

from sce_mae_mm.benchmark.matmul_rate import bf16_support, replay
from sce_mae_mm.benchmark.stage1_limit import (bench_batches, bench_limit,
                                               bench_paths)
from sce_mae_mm.benchmark.stage1_step import merge_param_groups
from sce_mae_mm.benchmark.step_flops import count_step
from sce_mae_mm.engine import (SCEMAERunner, install_qkv_unbind,
                               prepare_cpu_bf16)

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / 'configs' / 'synthetic' / 'sce_mae_deit_t_stage1_synthetic.py'
TINY = dict(embed_dims=32, num_layers=2, num_heads=2,
            feedforward_channels=64)


def _tiny_model_cfg() -> dict:
    """The quick start's stage-1 model at toy widths."""
    cfg = Config.fromfile(str(CONFIG))
    model = copy.deepcopy(cfg.model)
    model.backbone.arch = TINY
    model.neck.update(embed_dim=32, decoder_embed_dim=32, decoder_depth=1,
                      decoder_num_heads=2)
    return cfg, model


def _losses(unbind: bool, bf16: bool, steps: int = 20):
    cfg, model_cfg = _tiny_model_cfg()
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    if unbind:
        assert install_qkv_unbind(model) == 3  # 2 encoder + 1 decoder
    wcfg = copy.deepcopy(cfg.optim_wrapper)
    wcfg.type = 'CPUBf16OptimWrapper' if bf16 else 'OptimWrapper'
    wrapper = build_optim_wrapper(model, wcfg)
    if bf16:
        prepare_cpu_bf16(model)
    images = torch.randint(0, 256, (8, 3, 96, 96), dtype=torch.uint8,
                           generator=torch.Generator().manual_seed(1))
    torch.manual_seed(2)  # the masks: the same draws in both runs
    losses = []
    for step in range(steps):
        batch = images[(step % 2) * 4:(step % 2) * 4 + 4]
        out = model.train_step(
            dict(inputs=batch, data_samples=[DataSample()] * 4), wrapper)
        losses.append(float(out['loss']))
    return losses, model.state_dict()


def test_qkv_unbind_fp32_losses_bit_equal():
    before, w_before = _losses(unbind=False, bf16=False)
    after, w_after = _losses(unbind=True, bf16=False)
    assert before == after  # exactly: the same values, another layout
    assert before[-1] < before[0]  # it learns
    for key, value in w_before.items():
        assert torch.equal(value, w_after[key]), key


def test_qkv_unbind_bf16_losses_within_bf16_rounding():
    """The CPU bf16 path (emulated where the CPU has no bf16 units)."""
    before, _ = _losses(unbind=False, bf16=True)
    after, _ = _losses(unbind=True, bf16=True)
    torch.testing.assert_close(torch.tensor(after), torch.tensor(before),
                               rtol=2**-7, atol=0)


def test_runner_installs_qkv_unbind_once():
    _, model_cfg = _tiny_model_cfg()
    init_default_scope('mmpose')
    runner = SCEMAERunner.__new__(SCEMAERunner)  # build_model needs no state
    model = SCEMAERunner.build_model(runner, model_cfg)
    attn = [m for m in model.modules() if type(m) is MultiheadAttention]
    assert len(attn) == 3
    assert all(isinstance(m.__dict__.get('forward'), types.MethodType)
               for m in attn)
    assert install_qkv_unbind(model) == 0  # idempotent


def test_count_step_linear_and_attention():
    lin = torch.nn.Linear(24, 48)
    x = torch.randn(5, 7, 24)

    def step():
        q, k, v = lin(x).reshape(5, 7, 2, 3, 8).permute(3, 0, 2, 1, 4)
        out = torch.nn.functional.scaled_dot_product_attention(q, k, v)
        out.sum().backward()

    count = count_step(step)
    mm = count.flops_of('mm')
    assert mm == 2 * 2 * 35 * 24 * 48  # forward and weight grad (x: none)
    fwd = sdpa_flop_count((5, 2, 7, 8), (5, 2, 7, 8), (5, 2, 7, 8))
    assert count.flops_of('attention') >= fwd > 0  # the CPU kernels count
    assert count.total == sum(c.flops * c.count for c in count.calls)
    run, flops = replay(count.calls, kinds=('mm', ))
    run()
    assert flops == mm


def test_merge_param_groups_keeps_order_and_settings():
    ps = [torch.nn.Parameter(torch.zeros(1)) for _ in range(4)]
    groups = [dict(params=[ps[0]], weight_decay=0.05),
              dict(params=[ps[1]], weight_decay=0.0),
              dict(params=[ps[2]], weight_decay=0.05),
              dict(params=[ps[3]], weight_decay=0.0, lr=1.0)]
    merged = merge_param_groups(groups)
    assert [[id(p) for p in g['params']] for g in merged] == [
        [id(ps[0]), id(ps[2])], [id(ps[1])], [id(ps[3])]]
    assert [g['weight_decay'] for g in merged] == [0.05, 0.0, 0.0]


def test_bf16_support_says_why():
    ok, why = bf16_support('cpu')
    assert isinstance(ok, bool) and why


@pytest.mark.parametrize('device', ['cpu'])
def test_bench_limit_paths_batches_run(device, capsys):
    """The --limit / --paths / --batches code on a device (a GPU run uses
    the same functions with device='cuda')."""
    cfg = Config.fromfile(str(CONFIG))
    dev = torch.device(device)
    lines = []
    one = bench_limit(cfg, 'deit-t', 1, dev, reps=1, warmup=0, square=64,
                      echo=lines.append)
    two = bench_limit(cfg, 'deit-t', 2, dev, path='today', reps=1,
                      warmup=0, square=64, echo=lines.append)
    assert one['flops_per_image'] == two['flops_per_image'] > 1e9
    assert any('not available' in line or 'bf16' in line for line in lines)
    assert sum(line.startswith('[limit] fraction') for line in lines) == 2
    ratios = bench_paths(cfg, 'deit-t', 1, dev, ['kept', 'grouped'],
                         reps=1, warmup=0, echo=lines.append)
    assert set(ratios) == {'today', 'kept', 'grouped'}
    assert ratios['today'] == 1.0
    rates = bench_batches(cfg, 'deit-t', [2], dev, reps=1, warmup=0,
                          reference=1, echo=lines.append)
    assert set(rates) == {1, 2}
