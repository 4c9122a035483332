"""Helpers shared by ``tools/train.py`` and ``tools/test.py``."""
import torch
from mmengine.config import Config


def setup_launcher(cfg: Config) -> Config:
    """Pick a distributed backend that works on this machine.

    NCCL needs GPUs; on a CPU-only machine a ``pytorch`` launch (torchrun)
    falls back to gloo so that multi-process runs work everywhere.
    """
    if cfg.get('launcher', 'none') != 'none' and not torch.cuda.is_available():
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
        cfg.env_cfg.dist_cfg['backend'] = 'gloo'
    return cfg


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
