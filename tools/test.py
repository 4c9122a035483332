"""Evaluate a checkpoint with MMEngine's Runner (mmpose's flags).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
        [--dump FILE] [--amp] [--show-dir DIR] [--cfg-options k=v ...]
        [--data-root [LOADER=]PATH ...] [--cfg-string KEY=VALUE ...]

``--amp`` runs the test loop under autocast: bf16 on a CPU (mmengine's CPU
autocast), fp16 on a GPU.

The checkpoint must fit the config's model: a size mismatch or a missing
part the model uses (e.g. a stage-1 checkpoint for a matching config, a
stage-2 one for a detection config) stops with an error naming the file.
"""
import argparse
import os.path as osp
import pickle

from mmengine.config import Config
from mmengine.device import get_device
from mmengine.hooks import Hook

import sce_mae_mm  # noqa: F401  (registers the components)
from sce_mae_mm.checkpoint import CheckpointError
from sce_mae_mm.engine import (add_runtime_args, apply_amp, build_tool_runner,
                               flush_denormals, limit_cpu_threads,
                               load_tool_config, parse_tool_args,
                               teardown_launcher)
from sce_mae_mm.fileio import DiskFullError, write_bytes_atomic


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate a pose model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save evaluation logs')
    parser.add_argument(
        '--out', help='file (.json/.pkl) to write the evaluation metrics to')
    parser.add_argument(
        '--dump', help='file (.pkl) to dump the raw predictions to')
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic mixed precision')
    add_runtime_args(parser, 'dir to save the visualised predictions')
    return parse_tool_args(parser)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Fold the test-only flags into the config."""
    cfg.load_from = args.checkpoint
    if args.amp:
        apply_amp(cfg, get_device())
    if args.dump:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump {args.dump}: expected a .pkl file')
        evaluator = cfg.test_evaluator
        dump = dict(type='DumpResults', out_file_path=args.dump)
        cfg.test_evaluator = (
            evaluator + [dump] if isinstance(evaluator, list) else
            [evaluator, dump])
    return cfg


class SaveMetricsHook(Hook):
    """Write the test metrics to ``out_file`` (.json or .pkl)."""

    def __init__(self, out_file: str) -> None:
        self.out_file = out_file

    def after_test_epoch(self, runner, metrics=None) -> None:
        """Written atomically; a full disk is named (``safe_write``)."""
        import mmengine
        if runner.rank != 0:
            return
        mmengine.mkdir_or_exist(osp.dirname(osp.abspath(self.out_file)))
        values = {k: float(v) if hasattr(v, '__float__') else v
                  for k, v in (metrics or {}).items()}
        if self.out_file.endswith(('.pkl', '.pickle')):
            write_bytes_atomic(self.out_file, pickle.dumps(values),
                               'the metrics ')
        else:
            fmt = osp.splitext(self.out_file)[1].lstrip('.') or 'json'
            write_bytes_atomic(self.out_file,
                               mmengine.dump(values, file_format=fmt).encode(),
                               'the metrics ')


def main() -> None:
    args = parse_args()
    limit_cpu_threads()
    if not args.amp:  # fp32 kernels: no slow path on subnormals
        flush_denormals()
    cfg = merge_args(load_tool_config(args), args)
    runner = build_tool_runner(cfg)
    if args.out:
        runner.register_hook(SaveMetricsHook(args.out), priority='LOWEST')
    try:
        runner.test()
    except (CheckpointError, DiskFullError) as err:
        raise SystemExit(f'{args.config}: {err}') from None
    teardown_launcher()


if __name__ == '__main__':
    main()
