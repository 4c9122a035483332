"""Landmark detection with few annotations (paper Table 3).

Trains the detection head of CONFIG (default: AFLW_M, DeiT-S, DVE's
protocol) on 1, 5, 10, 20, 50 and 100 training images, once per seed and
projector dim, tests each model on the full test set and prints a table in
the paper's form (mean ± std over seeds, the paper's numbers beside ours,
the mean-shape baseline of the same subsets), also written to
``WORK_DIR/limited_annotations.{json,md}``::

    python tools/limited_annotations.py \\
        configs/detection/sce_mae_deit_s_aflw_m_limited.py \\
        --sizes 1 5 10 20 50 100 --seeds 0 1 2 \\
        --dims 64=STAGE2_D64.pth 128=STAGE2_D128.pth 256=STAGE2_D256.pth

Protocol (the config's ``limited_annotations`` block): every epoch shows
the subset tiled ``N // n`` times (DVE, ``tile_to='train_size'``: N is the
training-set size) or ``min(tile_to, N) // n`` times (CL, ``tile_to=1000``),
for the config's epochs (DVE 50, CL 1000). With N = 10,122 and batch 32
that is 15,850 (n = 1) / 15,800 (n = 100) iterations for DVE, 32,000 for
CL (:func:`protocol_iterations`).

Subsets: for each seed a permutation of the training set is drawn with
``numpy.random.default_rng(seed)``; the subset of size n is its first n
images, so subsets are deterministic per seed and nested across sizes.

Features: the projector's output (``--features projector``, Table 3's
64 / 128 / 256 dims) or backbone + projector (``--features concat``).
``--dims D=CKPT`` runs each projector dim with its stage-2 checkpoint.
"""
import argparse
import copy
import json
import math
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.device import get_device
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS

import sce_mae_mm.datasets  # noqa: F401  (registers the readers)
from sce_mae_mm.benchmark import paper as published
from sce_mae_mm.benchmark.tables import markdown_lines
from sce_mae_mm.engine import apply_amp, build_tool_runner, decide_bf16

DEFAULT_CONFIG = 'configs/detection/sce_mae_deit_s_aflw_m_limited.py'
#: paper Table 3, SCE-MAE, AFLW_M NME (%) per dim and training images
PAPER = published.LIMITED
Results = Dict[int, Dict[int, Dict[int, Dict[str, float]]]]


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
        '--dims',
        nargs='+',
        default=None,
        help='projector dims and their stage-2 checkpoints, D=CKPT '
        '(default: the config\'s dim and checkpoint)')
    parser.add_argument(
        '--features',
        choices=['projector', 'concat'],
        default='projector',
        help='head input: the projector output (Table 3) or backbone + '
        'projector (Table 2)')
    parser.add_argument(
        '--epochs',
        type=int,
        help='training epochs (default: the config\'s limited_annotations)')
    parser.add_argument(
        '--samples-per-epoch',
        type=int,
        help='tile the subset to this many samples per epoch (default: the '
        'config\'s limited_annotations.tile_to)')
    parser.add_argument(
        '--work-dir',
        default='work_dirs/limited_annotations',
        help='one sub-directory per dim, size and seed')
    parser.add_argument(
        '--metric', default='NME', help='test metric key to summarise')
    precision = parser.add_mutually_exclusive_group()
    precision.add_argument(
        '--amp', action='store_true',
        help='bf16 autocast on a CPU (mixed precision on a GPU)')
    precision.add_argument(
        '--fp32', action='store_true',
        help='no bf16 autocast (default: on where the CPU runs it fast)')
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


def tile_times(num_images: int, size: int, tile_to) -> int:
    """Copies of the subset per epoch: ``T // n`` (at least 1).

    ``T`` is the training-set size for ``tile_to='train_size'`` (DVE's
    ``restrict_annos``) and ``min(tile_to, N)`` for an int (CL's
    ``--num_per_epoch``).
    """
    if tile_to == 'train_size':
        total = num_images
    elif isinstance(tile_to, int) and tile_to > 0:
        total = min(tile_to, num_images)
    else:
        raise ValueError(f'limited_annotations: tile_to must be '
                         f'"train_size" or a positive int, got {tile_to!r}')
    return max(1, total // size)


def protocol_iterations(num_images: int, size: int, tile_to, epochs: int,
                        batch_size: int = 32) -> int:
    """Training iterations of one run (no batch dropped, as the references).
    """
    samples = size * tile_times(num_images, size, tile_to)
    return epochs * math.ceil(samples / batch_size)


def protocol(cfg: Config, args: argparse.Namespace) -> Tuple[object, int]:
    """(tile_to, epochs) from the config's block and the overrides."""
    block = cfg.get('limited_annotations', None) or {}
    tile_to = args.samples_per_epoch or block.get('tile_to', 'train_size')
    epochs = args.epochs or block.get('epochs') or cfg.train_cfg.max_epochs
    return tile_to, int(epochs)


def train_set_size(cfg: Config) -> int:
    """Number of images of the config's training set."""
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset_cfg['pipeline'] = []
    dataset_cfg['lazy_init'] = False
    return len(DATASETS.build(dataset_cfg))


def parse_dims(dims: Optional[Sequence[str]],
               cfg: Config) -> Dict[int, Optional[str]]:
    """``['64=a.pth', ...]`` -> {64: 'a.pth'}; default the config's dim."""
    if not dims:
        return {int(cfg.model.neck.out_channels): None}
    out = {}
    for item in dims:
        dim, sep, ckpt = item.partition('=')
        if not dim.isdigit():
            raise ValueError(f'limited_annotations: --dims takes D=CKPT or '
                             f'D, got {item!r}')
        out[int(dim)] = ckpt if sep else None
    return out


def feature_config(cfg: Config, dim: int, checkpoint: Optional[str],
                   features: str) -> Config:
    """A copy of ``cfg`` with projector dim ``dim`` and its features."""
    cfg = copy.deepcopy(cfg)
    neck = cfg.model.neck
    neck.out_channels = dim
    neck.concat_backbone = features == 'concat'
    cfg.model.head.in_channels = dim + (
        int(neck.in_channels) if features == 'concat' else 0)
    if checkpoint:
        cfg.model.init_cfg.checkpoint = checkpoint
    return cfg


def subset_config(cfg: Config, indices: Sequence[int], seed: int,
                  epochs: int, times: int, work_dir: str) -> Config:
    """A copy of ``cfg`` training on ``indices`` tiled ``times`` times."""
    cfg = copy.deepcopy(cfg)
    dataset = cfg.train_dataloader.dataset
    dataset['indices'] = list(indices)
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


def _mean_std(values: Sequence[float]) -> Tuple[float, float]:
    values = np.asarray(values, np.float64)
    std = values.std(ddof=1) if len(values) > 1 else 0.0
    return float(values.mean()), float(std)


def summarise(results: Dict[int, Dict[int, float]], metric: str) -> str:
    """Markdown table: size, seeds, mean +- std and per-seed values."""
    rows = []
    for size, per_seed in results.items():
        values = list(per_seed.values())
        mean, std = _mean_std(values)
        rows.append([size, len(values), f'{mean:.2f} ± {std:.2f}',
                     ', '.join(f'{v:.2f}' for v in values)])
    return '\n'.join(markdown_lines(
        ['images', 'seeds', f'{metric} mean ± std', 'per seed'], rows))


def paper_table(results: Results, metric: str, features: str,
                paper: Dict[int, Dict[int, float]] = PAPER) -> str:
    """Table 3's form: one row per method / dim, one column per size.

    ``results[dim][size][seed]`` holds the test metrics of one run; the
    paper's row of the same dim (where it gives one) precedes ours, and the
    mean-shape baseline of the same subsets follows.
    """
    sizes = sorted({s for per_dim in results.values() for s in per_dim})

    def row(name: str, key: str, per_size) -> List[str]:
        cells = [name]
        for size in sizes:
            runs = per_size.get(size, {})
            values = [m[key] for m in runs.values() if key in m]
            if values:
                mean, std = _mean_std(values)
                cells.append(f'{mean:.2f} ± {std:.2f}')
            else:
                cells.append('–')
        return cells

    label = 'projector' if features == 'projector' else 'backbone ⊕ proj.'
    rows = []
    for dim, per_size in sorted(results.items()):
        if dim in paper:
            rows.append([f'SCE-MAE {dim}-d (paper)'] + [
                f'{paper[dim][s]:.2f}' if s in paper[dim] else '–'
                for s in sizes])
        rows.append(row(f'ours {dim}-d ({label})', metric, per_size))
        rows.append(row(f'mean shape of the subset ({dim}-d runs)',
                        'NME_mean_shape', per_size))
    return '\n'.join(markdown_lines(
        ['AFLW_M NME (%)', *(str(s) for s in sizes)], rows))


def main(argv=None) -> str:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    tile_to, epochs = protocol(cfg, args)
    if args.amp or decide_bf16(force_fp32=args.fp32):
        apply_amp(cfg, get_device())
    num_images = train_set_size(cfg)
    dims = parse_dims(args.dims, cfg)
    results: Results = {}
    for dim, ckpt in dims.items():
        dim_cfg = feature_config(cfg, dim, ckpt, args.features)
        results[dim] = {}
        for size in args.sizes:
            results[dim][size] = {}
            times = tile_times(num_images, size, tile_to)
            for seed in args.seeds:
                indices = subset_indices(num_images, size, seed)
                run_dir = osp.join(args.work_dir, f'd{dim}',
                                   f'n{size}_seed{seed}')
                run_cfg = subset_config(dim_cfg, indices, seed, epochs,
                                        times, run_dir)
                runner = build_tool_runner(run_cfg)
                runner.train()
                metrics = runner.test()
                keys = [k for k in metrics
                        if k.split('/')[-1] == args.metric]
                if not keys:
                    raise KeyError(f'limited_annotations: test metrics '
                                   f'{sorted(metrics)} have no '
                                   f'{args.metric!r}')
                run = {k.split('/')[-1]: float(v) for k, v in metrics.items()}
                run[args.metric] = float(metrics[keys[0]])
                run['iterations'] = int(runner.iter)
                results[dim][size][seed] = run
    os.makedirs(args.work_dir, exist_ok=True)
    table = paper_table(results, args.metric, args.features)
    details = '\n\n'.join(
        f'{dim}-d:\n' + summarise(
            {s: {seed: m[args.metric] for seed, m in per_seed.items()}
             for s, per_seed in per_size.items()}, args.metric)
        for dim, per_size in results.items())
    with open(osp.join(args.work_dir, 'limited_annotations.json'), 'w') as f:
        json.dump({str(d): {str(s): {str(k): v for k, v in r.items()}
                            for s, r in per_size.items()}
                   for d, per_size in results.items()}, f, indent=2)
    with open(osp.join(args.work_dir, 'limited_annotations.md'), 'w') as f:
        f.write(table + '\n\n' + details + '\n')
    print(f'\nLimited annotations ({args.config}, {num_images} training '
          f'images available, {epochs} epochs, subsets tiled to '
          f'{tile_to} per epoch):\n{table}\n\n{details}')
    return table
