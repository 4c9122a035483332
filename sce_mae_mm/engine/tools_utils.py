"""Helpers shared by ``tools/train.py`` and ``tools/test.py``."""
import argparse
import math
import os
import os.path as osp
import sys
from typing import Optional, Sequence

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction

from .tool_overrides import (add_override_args, apply_cfg_strings,
                             apply_data_roots, check_cfg_options)


def add_runtime_args(parser: argparse.ArgumentParser,
                     show_dir_help: str) -> argparse.ArgumentParser:
    """The flags mmpose's train and test tools share: visualisation
    (``--show-dir``, ``--show``, ``--interval``, ``--wait-time``),
    ``--cfg-options`` and the launcher (``--launcher``, ``--local-rank``);
    ours: ``--data-root`` and ``--cfg-string`` (values kept verbatim,
    ``tool_overrides``)."""
    parser.add_argument('--show-dir', help=show_dir_help)
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
        help='override settings in the config, key=value pairs (mmengine '
        'removes spaces from the values: for paths use --data-root or '
        '--cfg-string)')
    add_override_args(parser)
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser


def parse_tool_args(parser: argparse.ArgumentParser,
                    argv: Optional[Sequence[str]] = None
                    ) -> argparse.Namespace:
    """``parser.parse_args(argv)`` (default ``sys.argv[1:]``), after
    stopping with a message where a ``--cfg-options`` value would lose
    its spaces (``tool_overrides.check_cfg_options``)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    check_cfg_options(argv)
    return parser.parse_args(argv)


def load_tool_config(args: argparse.Namespace) -> Config:
    """Read ``args.config``, apply ``--cfg-options``, then ``--data-root``
    and ``--cfg-string`` (verbatim), the launcher and the work dir
    (``--work-dir``, else the config's, else ``./work_dirs/<config
    name>``), as mmpose's tools do."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    apply_data_roots(cfg, getattr(args, 'data_root', None) or [],
                     args.config)
    apply_cfg_strings(cfg, getattr(args, 'cfg_string', None) or [],
                      args.config)
    cfg.launcher = args.launcher
    setup_launcher(cfg)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    enable_visualization(cfg, args.config, args.show, args.show_dir,
                         args.interval, args.wait_time)
    return cfg


def setup_launcher(cfg: Config) -> Config:
    """Pick a distributed backend that works on this machine.

    NCCL needs GPUs; on a CPU-only machine a ``pytorch`` launch (torchrun)
    uses gloo. mmengine's own ``init_dist`` always calls
    ``torch.cuda.set_device``, so on CPU the process group is initialised
    here and the Runner finds it ready.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return cfg
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg['backend'] = 'gloo'
    # DDP on CPU modules takes no device ids (mmengine passes LOCAL_RANK)
    cfg.setdefault(
        'model_wrapper_cfg',
        dict(
            type='MMDistributedDataParallel',
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False)))
    if cfg.launcher == 'pytorch' and not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    return cfg


def teardown_launcher() -> None:
    """Leave the process group cleanly at the end of a distributed run.

    Without it, gloo's worker threads can still be joinable when the
    interpreter exits, and a rank then aborts ("terminate called without an
    active exception") after training has already finished.
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def enable_visualization(cfg: Config, config_path: str, show: bool,
                         show_dir: str, interval: int,
                         wait_time: float) -> Config:
    """Turn on the config's visualisation hook (``--show``/``--show-dir``)."""
    if not (show or show_dir):
        return cfg
    vis = cfg.default_hooks.get('visualization')
    if vis is None:
        raise ValueError(f'{config_path}: --show/--show-dir need a '
                         '`visualization` hook in default_hooks')
    vis.enable = True
    vis.show = show
    vis.wait_time = wait_time
    vis.interval = interval
    if show_dir:
        vis.out_dir = show_dir
    return cfg


def cpu_budget() -> int:
    """The CPU cores this process may use: its affinity mask, capped by a
    cgroup (v2) CPU quota when one is set."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    try:
        with open('/sys/fs/cgroup/cpu.max') as f:
            quota, period = f.read().split()[:2]
        if quota != 'max':
            cores = min(cores, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def limit_cpu_threads() -> int:
    """Set torch's intra-op thread count for a CPU run of our tools.

    ``OMP_NUM_THREADS`` wins when set; otherwise the threads are capped to
    :func:`cpu_budget` shared among the processes of this machine
    (``LOCAL_WORLD_SIZE``), so a loaded or shared machine is not
    oversubscribed.

    Raises:
        ValueError: ``OMP_NUM_THREADS`` is not a positive integer.

    Returns:
        the thread count set.
    """
    env = os.environ.get('OMP_NUM_THREADS', '').strip()
    if env:
        try:
            threads = int(env)
        except ValueError:
            threads = 0
        if threads < 1:
            raise ValueError(f'OMP_NUM_THREADS={env!r}: expected a positive '
                             'integer')
    else:
        local = max(1, int(os.environ.get('LOCAL_WORLD_SIZE', '1') or 1))
        threads = max(1, min(torch.get_num_threads(), cpu_budget() // local))
    torch.set_num_threads(threads)
    return threads


def flush_denormals() -> bool:
    """Flush subnormal floats to zero in this process's CPU kernels.

    fp32 values below 1.2e-38 (a softmax that underflows, its gradient)
    take a slow path on x86 CPUs: the fp32 step of the synthetic quick
    start's 300W head ran about 9x slower with them on one thread
    (``tools/benchmarks/bench_denormals.py`` prints the ratio; under bf16
    autocast the same head ran at full speed, so the tools call this in
    fp32 runs only). The flag belongs to each thread and torch's OpenMP
    workers take it from the thread that creates them: call this before
    the first parallel operation. Set ``SCE_MAE_KEEP_DENORMALS=1`` to keep
    IEEE subnormals.

    Returns:
        whether flushing is on (``False`` where kept or where the CPU
        cannot flush).
    """
    if os.environ.get('SCE_MAE_KEEP_DENORMALS', '').strip() in ('1', 'true'):
        torch.set_flush_denormal(False)
        return False
    return bool(torch.set_flush_denormal(True))


def build_tool_runner(cfg: Config):
    """The config's ``runner_type`` (default ``SCEMAERunner``) from it."""
    from mmpose.registry import RUNNERS
    kind = cfg.setdefault('runner_type', 'SCEMAERunner')
    runner_cls = RUNNERS.get(kind) if isinstance(kind, str) else kind
    if runner_cls is None:
        raise KeyError(f'runner_type={kind!r}: not a registered runner '
                       f'(expected e.g. SCEMAERunner)')
    return runner_cls.from_cfg(cfg)
