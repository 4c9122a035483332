"""Train a sce_mae_mm (or any mmpose) config with MMEngine's Runner.

Same flags as mmpose's ``tools/train.py``::

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--auto-scale-lr] [--cfg-options k=v ...] [--launcher pytorch]
        [--data-root [LOADER=]PATH ...] [--cfg-string KEY=VALUE ...]

``--amp`` on a CPU trains under bf16 autocast with fp32 master weights and
fp32 losses (``CPUBf16OptimWrapper``); on a GPU it is mmengine's
``AmpOptimWrapper``.

The work dir is locked for the run (a second run on it is refused), a
non-finite loss stops training with exit status 1, and torch's CPU threads
follow ``OMP_NUM_THREADS`` or the cores this process may use.
"""
import argparse
import os

from mmengine.config import Config
from mmengine.device import get_device

import sce_mae_mm  # noqa: F401  (registers the components)
from sce_mae_mm.checkpoint import CheckpointError
from sce_mae_mm.engine import (NonFiniteLossError, WorkDirLockedError,
                               add_runtime_args, apply_amp, build_tool_runner,
                               flush_denormals, limit_cpu_threads,
                               load_tool_config, lock_work_dir,
                               parse_tool_args, teardown_launcher)
from sce_mae_mm.fileio import DiskFullError


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a pose model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or from the latest one in '
        'the work dir when no path is given')
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic mixed precision')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual batch size')
    add_runtime_args(parser, 'dir to save visualised validation outputs')
    return parse_tool_args(parser)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Fold the training-only flags into the config."""
    if args.amp:  # bf16 autocast on a CPU, mmengine's AMP elsewhere
        apply_amp(cfg, get_device())

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.auto_scale_lr:
        cfg.setdefault('auto_scale_lr', dict(base_batch_size=512))
        cfg.auto_scale_lr.enable = True

    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    return cfg


def main() -> None:
    args = parse_args()
    limit_cpu_threads()
    if not args.amp:  # fp32 kernels: no slow path on subnormals
        flush_denormals()
    cfg = merge_args(load_tool_config(args), args)
    if 'preprocess_cfg' in cfg:
        cfg.model.setdefault('data_preprocessor',
                             cfg.get('preprocess_cfg', {}))
    try:
        if int(os.environ.get('RANK', '0')) == 0:
            lock_work_dir(cfg.work_dir)  # before the runner writes anything
        runner = build_tool_runner(cfg)
        runner.train()
    except (NonFiniteLossError, WorkDirLockedError, CheckpointError,
            DiskFullError) as err:
        raise SystemExit(f'{args.config}: {err}') from None
    teardown_launcher()


if __name__ == '__main__':
    main()
