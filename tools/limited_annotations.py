"""Landmark detection with few annotations (paper Table 3).

Trains the detection head of CONFIG (default: AFLW_M, DeiT-S) on 1, 5, 10,
20, 50 and 100 training images, once per seed, tests each model on the full
test set and prints the mean and standard deviation of the NME per size as a
markdown table (also written to ``WORK_DIR/limited_annotations.{json,md}``)::

    python tools/limited_annotations.py \\
        configs/detection/sce_mae_deit_s_aflw_m_limited.py \\
        --sizes 1 5 10 20 50 100 --seeds 0 1 2 --epochs 45 \\
        --cfg-options model.init_cfg.checkpoint=STAGE2.pth

Subsets: for each seed a permutation of the training set is drawn with
``numpy.random.default_rng(seed)``; the subset of size n is its first n
images, so subsets are deterministic per seed and nested across sizes.
An epoch shows every subset image at least once and at least
``--samples-per-epoch`` images (the subset is repeated, each copy freshly
augmented), so tiny subsets still get whole batches.
"""
import argparse
import copy
import json
import math
import os.path as osp
import sys
import time
from typing import Dict, List, Sequence

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpose.registry import DATASETS

import sce_mae_mm  # noqa: F401  (registers components, safe loading)

DEFAULT_CONFIG = 'configs/detection/sce_mae_deit_s_aflw_m_limited.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Landmark detection with few training images (Table 3)')
    parser.add_argument(
        'config', nargs='?', default=DEFAULT_CONFIG, help='detection config')
    parser.add_argument(
        '--sizes',
        type=int,
        nargs='+',
        default=[1, 5, 10, 20, 50, 100],
        help='numbers of training images')
    parser.add_argument(
        '--seeds', type=int, nargs='+', default=[0, 1, 2], help='seeds')
    parser.add_argument(
        '--epochs', type=int, help='training epochs (default: the config)')
    parser.add_argument(
        '--samples-per-epoch',
        type=int,
        default=32,
        help='repeat small subsets to at least this many samples per epoch')
    parser.add_argument(
        '--work-dir',
        default='work_dirs/limited_annotations',
        help='one sub-directory per size and seed')
    parser.add_argument(
        '--metric', default='NME', help='test metric key to summarise')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value pairs')
    return parser.parse_args(argv)


def subset_indices(num_images: int, size: int, seed: int) -> List[int]:
    """The first ``size`` images of the seed's permutation (nested)."""
    if not 0 < size <= num_images:
        raise ValueError(f'limited_annotations: size {size} must be in '
                         f'1..{num_images} (training images)')
    order = np.random.default_rng(seed).permutation(num_images)
    return sorted(int(i) for i in order[:size])


def train_set_size(cfg: Config) -> int:
    """Number of images of the config's training set."""
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset_cfg['pipeline'] = []
    dataset_cfg['lazy_init'] = False
    return len(DATASETS.build(dataset_cfg))


def subset_config(cfg: Config, indices: Sequence[int], seed: int,
                  epochs: int, samples_per_epoch: int,
                  work_dir: str) -> Config:
    """A copy of ``cfg`` training on ``indices`` only, without validation."""
    cfg = copy.deepcopy(cfg)
    dataset = cfg.train_dataloader.dataset
    dataset['indices'] = list(indices)
    times = max(1, math.ceil(samples_per_epoch / len(indices)))
    if times > 1:
        dataset = dict(type='RepeatDataset', dataset=dataset, times=times)
    cfg.train_dataloader.dataset = dataset
    cfg.train_dataloader.batch_size = min(cfg.train_dataloader.batch_size,
                                          len(indices) * times)
    cfg.train_dataloader.drop_last = False
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs + 1
    cfg.val_dataloader = None
    cfg.val_cfg = None
    cfg.val_evaluator = None
    for scheduler in cfg.get('param_scheduler', None) or []:
        if scheduler.get('by_epoch', True) and 'end' in scheduler:
            scheduler['end'] = min(scheduler['end'], epochs)
        if 'T_max' in scheduler:
            scheduler['T_max'] = epochs
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=-1, save_last=True)
    cfg.randomness = dict(seed=seed)
    cfg.work_dir = work_dir
    cfg.experiment_name = f'{osp.basename(work_dir)}_{time.time_ns()}'
    return cfg


def summarise(results: Dict[int, Dict[int, float]], metric: str) -> str:
    """Markdown table: size, seeds, mean +- std and per-seed values."""
    lines = [f'| images | seeds | {metric} mean ± std | per seed |',
             '|---|---|---|---|']
    for size, per_seed in results.items():
        values = np.array(list(per_seed.values()))
        std = values.std(ddof=1) if len(values) > 1 else 0.0
        seeds = ', '.join(f'{v:.2f}' for v in values)
        lines.append(f'| {size} | {len(values)} | {values.mean():.2f} ± '
                     f'{std:.2f} | {seeds} |')
    return '\n'.join(lines)


def main(argv=None) -> str:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    epochs = args.epochs or cfg.train_cfg.max_epochs
    num_images = train_set_size(cfg)
    results: Dict[int, Dict[int, float]] = {}
    for size in args.sizes:
        results[size] = {}
        for seed in args.seeds:
            indices = subset_indices(num_images, size, seed)
            run_dir = osp.join(args.work_dir, f'n{size}_seed{seed}')
            run_cfg = subset_config(cfg, indices, seed, epochs,
                                    args.samples_per_epoch, run_dir)
            runner = Runner.from_cfg(run_cfg)
            runner.train()
            metrics = runner.test()
            keys = [k for k in metrics if k.split('/')[-1] == args.metric]
            if not keys:
                raise KeyError(f'limited_annotations: test metrics '
                               f'{sorted(metrics)} have no {args.metric!r}')
            results[size][seed] = float(metrics[keys[0]])
    table = summarise(results, args.metric)
    with open(osp.join(args.work_dir, 'limited_annotations.json'), 'w') as f:
        json.dump({str(k): v for k, v in results.items()}, f, indent=2)
    with open(osp.join(args.work_dir, 'limited_annotations.md'), 'w') as f:
        f.write(table + '\n')
    print(f'\nLimited annotations ({args.config}, {num_images} training '
          f'images available, {epochs} epochs):\n{table}')
    return table


if __name__ == '__main__':
    main()
