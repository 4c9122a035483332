"""Evaluate a checkpoint with MMEngine's Runner (mmpose's flags).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
        [--dump FILE] [--show-dir DIR] [--cfg-options k=v ...]
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

from mmengine.config import Config, DictAction
from mmengine.hooks import Hook
from mmengine.runner import Runner

import sce_mae_mm  # noqa: F401  (registers components, safe loading)
from sce_mae_mm.engine import (enable_visualization, setup_launcher,
                               teardown_launcher)


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
        '--show-dir', help='dir to save the visualised predictions')
    parser.add_argument(
        '--show', action='store_true', help='display prediction results')
    parser.add_argument(
        '--interval', type=int, default=1, help='visualisation interval')
    parser.add_argument(
        '--wait-time', type=float, default=1, help='display time (s)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value pairs')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Fold the command-line flags into the config."""
    cfg.launcher = args.launcher
    setup_launcher(cfg)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint

    enable_visualization(cfg, args.config, args.show, args.show_dir,
                         args.interval, args.wait_time)

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
        import mmengine
        if runner.rank == 0:
            mmengine.mkdir_or_exist(osp.dirname(osp.abspath(self.out_file)))
            mmengine.dump({k: float(v) if hasattr(v, '__float__') else v
                           for k, v in (metrics or {}).items()},
                          self.out_file)


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg = merge_args(cfg, args)
    runner = Runner.from_cfg(cfg)
    if args.out:
        runner.register_hook(SaveMetricsHook(args.out), priority='LOWEST')
    runner.test()
    teardown_launcher()


if __name__ == '__main__':
    main()
