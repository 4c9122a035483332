"""Write the paper's figures as PNG.

    python tools/make_figures.py all --work-dir work_dirs/quickstart
    python tools/make_figures.py similarity MATCH_CFG STAGE2_CKPT --out s3.png
    python tools/make_figures.py failures   MATCH_CFG STAGE2_CKPT --out s5.png
    python tools/make_figures.py detection  DET_CFG   DET_CKPT    --out s4.png
    python tools/make_figures.py tsne       MATCH_CFG STAGE2_CKPT --out f5.png

``similarity`` = Figure S3 (each landmark's query on one face and its
similarity map on another), ``failures`` = Figure S5 (the worst matches),
``detection`` = Figure S4 (ground truth vs prediction on test images),
``tsne`` = Fig. 5 (t-SNE of the test landmarks' descriptors, coloured by
landmark, with the silhouette; a raw-feature matching config gives the raw
MAE panel).
Figure S1 (clusters): ``tools/vis_clusters.py``.

``all`` makes every figure of the docs from a quick-start work dir
(``tools/quickstart.py``; its last stage-2 and MAFL-head checkpoints) into
``--out-dir`` (default ``docs/figures``): S1 (``vis_clusters.py``), S3, S4,
S5, both t-SNE panels, and copies ``learning_curve.png`` when the run made
one (``--curve``). Each figure is made by the command above it prints.
"""
import argparse
import os
import os.path as osp
import shutil
import subprocess
import sys
from typing import List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

from mmengine.config import DictAction

import sce_mae_mm  # noqa: F401
from sce_mae_mm.apis import init_detector, init_matcher
from sce_mae_mm.benchmark.doc_figures import all_commands
from sce_mae_mm.visualization import figures
from sce_mae_mm.visualization.embedding import (landmark_embedding,
                                                plot_embedding)

FIGURES = ['similarity', 'failures', 'detection', 'tsne']


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('figure', choices=FIGURES + ['all'])
    p.add_argument('config', nargs='?', help='(not with all)')
    p.add_argument('checkpoint', nargs='?', help='(not with all)')
    p.add_argument('--out', help='PNG path (not with all)')
    p.add_argument('--work-dir', default='work_dirs/quickstart',
                   help='all: the quick start\'s work dir')
    p.add_argument('--data', default='data/synthetic',
                   help='all: the synthetic set the quick start used')
    p.add_argument('--out-dir', default='docs/figures',
                   help='all: folder of the PNGs')
    p.add_argument('--num', type=int, default=None,
                   help='pairs scanned (failures: 100), pair index '
                   '(similarity: 0) or images (detection: 12)')
    p.add_argument('--group', choices=['same', 'diff'], default='diff',
                   help='similarity: target of the same or another face')
    p.add_argument('--device', default='cpu')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args(argv)
    if args.figure == 'all':
        if args.config or args.checkpoint or args.out:
            p.error('all takes --work-dir, --data and --out-dir, not a '
                    'config, a checkpoint or --out')
    elif not (args.config and args.checkpoint and args.out):
        p.error(f'{args.figure} needs CONFIG CHECKPOINT --out PNG')
    return args


def make_all(args: argparse.Namespace) -> None:
    """Every figure of the docs from the quick start's work dir (the
    commands run in the project root, where the configs are)."""
    work_dir, data, out_dir = (osp.abspath(p) for p in (args.work_dir,
                                                        args.data,
                                                        args.out_dir))
    os.makedirs(out_dir, exist_ok=True)
    tools = osp.dirname(osp.abspath(__file__))
    for cmd in all_commands(tools, work_dir, data, out_dir, args.device):
        cmd = [sys.executable, *cmd]
        print('$ ' + ' '.join(cmd), flush=True)
        proc = subprocess.run(cmd, cwd=ROOT)
        if proc.returncode:
            sys.exit(f'make_figures all: {" ".join(cmd)} failed (exit '
                     f'{proc.returncode})')
    curve = osp.join(work_dir, 'learning_curve.png')
    if osp.isfile(curve):
        dst = osp.join(out_dir, 'learning_curve_synthetic.png')
        shutil.copyfile(curve, dst)
        print(f'copied {curve} to {dst}')
    else:
        print(f'no {curve} (made by `python tools/quickstart.py --curve`); '
              'the learning-curve figure is left as it is')


def main() -> None:
    args = parse_args()
    if args.figure == 'all':
        return make_all(args)
    if not args.out.endswith('.png'):
        sys.exit(f'--out {args.out}: expected a .png path')
    if args.figure == 'detection':
        model = init_detector(args.config, args.checkpoint, args.device,
                              args.cfg_options)
        det = figures.collect_detections(model, model.cfg, args.num or 12)
        fig = figures.plot_detections(det['images'], det['gts'],
                                      det['preds'], det['titles'])
    else:
        model = init_matcher(args.config, args.checkpoint, args.device,
                             cfg_options=args.cfg_options)
        if args.figure == 'similarity':
            index = args.num or 0
            pair = figures.collect_matching(model, model.cfg, index + 1)[-1]
            group = args.group
            tgt = 1 if group == 'same' else 2
            import torch
            sims = figures.similarity_maps(
                pair['desc'][0], pair['desc'][tgt],
                torch.as_tensor(pair['src'], dtype=torch.float32),
                pair['images'].shape[1:3]).numpy()
            names = figures.landmark_names(None, len(pair['src']))
            fig = figures.plot_similarity(pair['images'][0],
                                          pair['images'][tgt], pair['src'],
                                          pair[group], sims, names)
        elif args.figure == 'tsne':
            pairs = figures.collect_matching(model, model.cfg,
                                             args.num or 500)
            names = figures.landmark_names(None, len(pairs[0]['src']))
            fig = plot_embedding(landmark_embedding(pairs), names,
                                 osp.basename(args.config))
        else:
            pairs = figures.collect_matching(model, model.cfg,
                                             args.num or 100)
            worst = figures.worst_failures(pairs, 6)
            names = figures.landmark_names(None, len(pairs[0]['src']))
            fig = figures.plot_failures(worst, names)
    print(f'wrote {figures.save(fig, args.out)}')


if __name__ == '__main__':
    main()
