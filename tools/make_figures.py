"""Write the paper's figures as PNG.

    python tools/make_figures.py --from work_dirs/quickstart
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

``--from WORK_DIR`` redraws every figure of the docs from a quick-start
run (``tools/quickstart.py``; its last stage-2 and MAFL-head checkpoints,
its synthetic set found from the run's own config or given with
``--data``) into ``--out-dir`` (default ``docs/figures``): S1, S3, S4, S5,
both t-SNE panels, the ``tools/test.py --show-dir`` drawings (a matching
pair, the MAFL head's detections), and the learning curve from the long
run's ``learning_curve.json`` (``--long-from``, default the
``quickstart_long`` beside WORK_DIR; without one the figure is left as it
is, and said so). Each figure is made by the command printed above it, and
``MANIFEST.json`` beside the figures records, per figure, that command, the
seed and the commit of the run.
"""
import argparse
import os.path as osp
import shutil
import subprocess
import sys
import tempfile
from typing import List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

from mmengine.config import DictAction

import sce_mae_mm  # noqa: F401
from sce_mae_mm.apis import init_detector, init_matcher
from sce_mae_mm.benchmark import doc_figures as docs
from sce_mae_mm.benchmark import figure_manifest as manifest
from sce_mae_mm.visualization import figures
from sce_mae_mm.visualization.embedding import (landmark_embedding,
                                                plot_embedding)

FIGURES = ['similarity', 'failures', 'detection', 'tsne']


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('figure', nargs='?', choices=FIGURES)
    p.add_argument('config', nargs='?')
    p.add_argument('checkpoint', nargs='?')
    p.add_argument('--out', help='PNG path (one figure)')
    p.add_argument('--from', dest='run', metavar='WORK_DIR',
                   help='every figure of the docs from this quick start')
    p.add_argument('--data', help='--from: its synthetic set (default: the '
                   'one its stage-2 config names)')
    p.add_argument('--long-from', help='--from: the long run with the '
                   'learning curve (default: quickstart_long beside it)')
    p.add_argument('--out-dir', default='docs/figures',
                   help='--from: folder of the PNGs and MANIFEST.json')
    p.add_argument('--num', type=int, default=None,
                   help='pairs scanned (failures: 100), pair index '
                   '(similarity: 0) or images (detection: 12)')
    p.add_argument('--group', choices=['same', 'diff'], default='diff',
                   help='similarity: target of the same or another face')
    p.add_argument('--device', default='cpu')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args(argv)
    if args.run:
        if args.figure or args.out:
            p.error('--from takes --data, --long-from and --out-dir, not a '
                    'figure name or --out')
    elif not (args.figure and args.config and args.checkpoint and args.out):
        p.error('give --from WORK_DIR, or FIGURE CONFIG CHECKPOINT --out PNG')
    return args


def shown(path: str) -> str:
    """``path`` as the docs write it: relative to this project, or to the
    checkout holding it, when inside one."""
    path = osp.abspath(path)
    top = subprocess.run(['git', '-C', osp.dirname(path), 'rev-parse',
                          '--show-toplevel'], capture_output=True, text=True)
    for root in (ROOT, top.stdout.strip() if not top.returncode else None):
        if root and path.startswith(root + osp.sep):
            return osp.relpath(path, root)
    return path


def shown_arg(arg: str) -> str:
    """A command's argument with its path (or ``key=path``) shown."""
    key, eq, value = arg.rpartition('=')
    return (key + eq + shown(value)) if osp.isabs(value) else arg


def make_all(args: argparse.Namespace) -> None:
    """Every figure of the docs from a quick-start run, and the manifest
    (the commands run in the project root, where the configs are)."""
    work_dir, out_dir = osp.abspath(args.run), osp.abspath(args.out_dir)
    data = docs.find_data(work_dir, args.data)
    seed, commit = docs.data_seed(data), manifest.git_commit(work_dir)
    drawn_with = manifest.git_commit(ROOT)
    redraw = ' '.join(['python tools/make_figures.py --from', shown(work_dir),
                       *(['--data', shown(data)] if args.data else [])])
    scratch = tempfile.mkdtemp(prefix='make_figures_')
    entries = {}
    tools = osp.join(ROOT, 'tools')
    for step in docs.figure_commands(tools, work_dir, data, out_dir,
                                     scratch, args.device):
        cmd = [sys.executable, *step['cmd']]
        print('$ ' + ' '.join(cmd), flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode:
            sys.exit(f'make_figures: {" ".join(cmd)} failed')
        for png in step['pngs']:
            if step['show_dir']:
                manifest.compose_show_dir(step['show_dir'], scratch,
                                          osp.join(out_dir, png))
            entries[png] = manifest.entry(
                docs.FIGURES[png], redraw, seed, commit,
                step=' '.join(['python', *map(shown_arg, step['cmd'])]
                              ).replace(scratch, 'TMP'),
                checkpoint=shown(step['checkpoint']),
                drawn_with=drawn_with)
    shutil.rmtree(scratch, ignore_errors=True)
    long_dir = args.long_from or osp.join(osp.dirname(work_dir),
                                          'quickstart_long')
    curve_png = osp.join(out_dir, 'learning_curve_synthetic.png')
    curve = docs.redraw_curve(long_dir, curve_png)
    if curve is None:
        print(f'no {long_dir}/learning_curve.json (made by `python '
              'tools/quickstart.py --long --curve`): the learning-curve '
              'figure and its manifest entry are left as they are')
    else:
        entries[osp.basename(curve_png)] = manifest.entry(
            docs.FIGURES[osp.basename(curve_png)],
            f'{redraw} --long-from {shown(long_dir)}', curve['seed'],
            manifest.git_commit(long_dir), source=shown(curve['source']))
        print(f'wrote {curve_png} from {curve["source"]}')
    print(f'wrote {manifest.write_manifest(out_dir, entries)}')


def main() -> None:
    args = parse_args()
    if args.run:
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
