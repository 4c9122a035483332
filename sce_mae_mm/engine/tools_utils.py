"""Helpers shared by ``tools/train.py`` and ``tools/test.py``."""
import torch
import torch.distributed as dist
from mmengine.config import Config


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
