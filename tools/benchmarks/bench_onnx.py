"""Images per second of the landmark graph: torch eager fp32, torch bf16
autocast (where the CPU has bf16 instructions) and onnxruntime, on CPU.

Builds the detector of a detection config with random weights (speed does
not depend on them), exports it with tools/deployment/export_onnx.py's
code, checks that onnxruntime's landmarks match torch's, and times the two
(three) on the same batches with the repetitions interleaved, so that drift
and other jobs hit every case alike; the ratios are medians of per-
repetition ratios measured in this one run.

Usage::

    python tools/benchmarks/bench_onnx.py [--config CFG] [--batches 1 32]
        [--reps 7] [--warmup 2] [--threads 1]
"""
import argparse
import os.path as osp
import platform
import tempfile
import warnings

import numpy as np
import torch

from sce_mae_mm.apis import init_detector
from sce_mae_mm.benchmark.timing import interleaved, paired_ratio
from sce_mae_mm.deploy.export import LandmarkGraph, export_onnx
from sce_mae_mm.deploy.ort_backend import OnnxGraph

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT = osp.join(ROOT, 'configs/synthetic/sce_mae_deit_t_mafl_synthetic.py')


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else the platform's."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def bf16_instructions() -> str:
    """The CPU's bf16 instruction sets (``avx512_bf16``, ``amx_bf16``), or
    '' when it has none."""
    try:
        with open('/proc/cpuinfo') as f:
            flags = next((line for line in f if line.startswith('flags')),
                         '').split()
    except OSError:
        return ''
    return ' '.join(f for f in ('avx512_bf16', 'amx_bf16') if f in flags)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=DEFAULT)
    parser.add_argument('--batches', type=int, nargs='+', default=[1, 32])
    parser.add_argument('--reps', type=int, default=7)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, default=1)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    import onnxruntime
    opts = {'model.init_cfg': None}
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = init_detector(args.config, None, cfg_options=opts)
    graph = LandmarkGraph(model).eval()
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = osp.join(tmp, 'det.pth')
        torch.save({'state_dict': model.state_dict()}, ckpt)
        path = export_onnx(args.config, ckpt, osp.join(tmp, 'det.onnx'),
                           cfg_options=opts)
        ort = OnnxGraph(path, num_threads=args.threads)
    bf16 = bf16_instructions()
    print(f'CPU: {cpu_name()}; {args.threads} thread(s); torch '
          f'{torch.__version__}, onnxruntime {onnxruntime.__version__}')
    print(f'model: {osp.relpath(args.config, ROOT)} (arch '
          f'{model.backbone.arch}, stride {model.backbone.stride}), input '
          f'{ort.side}x{ort.side}')
    if not bf16:
        print('torch bf16 autocast: skipped (this CPU has no avx512_bf16 or '
              'amx_bf16 instructions; bf16 would be emulated in fp32 and '
              'run slower than fp32)')
    rows = []
    for batch in args.batches:
        x = torch.randn(batch, 3, ort.side, ort.side,
                        generator=torch.Generator().manual_seed(batch))
        x_np = x.numpy()

        def eager():
            with torch.inference_mode():
                return graph(x)

        def autocast():
            with torch.inference_mode(), torch.autocast('cpu', torch.bfloat16):
                return graph(x)

        cases = {'torch fp32': eager, 'onnxruntime': lambda: ort(x_np)}
        if bf16:
            cases['torch bf16'] = autocast
        diff = float(np.abs(ort(x_np) - eager().numpy()).max())
        times = interleaved(cases, args.reps, args.warmup)
        speed = {k: batch / float(np.median(v)) for k, v in times.items()}
        ratio = paired_ratio(times['torch fp32'], times['onnxruntime'])
        rows.append((batch, speed, ratio, diff))
        print(f'batch {batch}: ' + ', '.join(
            f'{k} {v:.1f} img/s' for k, v in speed.items()) +
            f'; onnxruntime / torch fp32 = {ratio:.2f}x'
            f'; max |landmark difference| {diff:.2e} px', flush=True)
    print('\n| batch | torch fp32 img/s | onnxruntime img/s | ratio |')
    print('|---|---|---|---|')
    for batch, speed, ratio, _ in rows:
        print(f'| {batch} | {speed["torch fp32"]:.1f} | '
              f'{speed["onnxruntime"]:.1f} | {ratio:.2f}x |')


if __name__ == '__main__':
    main()
