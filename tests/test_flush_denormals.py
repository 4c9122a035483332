"""The tools flush CPU subnormals to zero unless told to keep them."""
import torch

from sce_mae_mm.engine import flush_denormals


def _tiny_product() -> float:
    # 1e-39 is subnormal in fp32: flushed, the product is zero
    return float(torch.tensor([1e-39], dtype=torch.float32).mul(1.0001))


def test_flush_then_keep(monkeypatch):
    try:
        monkeypatch.delenv('SCE_MAE_KEEP_DENORMALS', raising=False)
        on = flush_denormals()
        assert on == (_tiny_product() == 0.0)
        assert on or not torch.backends.cpu.get_cpu_capability().startswith(
            'AVX')  # an x86 CPU with AVX can flush
        monkeypatch.setenv('SCE_MAE_KEEP_DENORMALS', '1')
        assert flush_denormals() is False
        assert _tiny_product() > 0.0
    finally:
        torch.set_flush_denormal(False)


def test_tools_call_it():
    """Both tools flush right after setting their threads, in fp32 runs
    (bf16 autocast never met the slow path)."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    for tool in ('train.py', 'test.py'):
        text = (root / 'tools' / tool).read_text()
        assert ('limit_cpu_threads()\n    if not args.amp:  # fp32 kernels: '
                'no slow path on subnormals\n        flush_denormals()\n'
                in text), tool
