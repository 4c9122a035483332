"""The figures of the docs from a quick-start run (``tools/make_figures.py
--from WORK_DIR``): the run's checkpoints and data, and the command that
draws each figure."""
import glob
import json
import os
import os.path as osp
import re
import sys
from typing import Dict, List, Optional

from .paths import locate

ROOT = locate()[0]
SYN = 'configs/synthetic'
#: quick-start configs of the figures
MATCH_CFG = f'{SYN}/sce_mae_deit_t_mafl_matching_synthetic.py'
RAW_MATCH_CFG = f'{SYN}/raw_mae_deit_t_mafl_matching_synthetic.py'
STAGE2_CFG = f'{SYN}/sce_mae_deit_t_stage2_synthetic.py'
DET_CFG = f'{SYN}/sce_mae_deit_t_mafl_synthetic.py'
#: the figures of the docs (file in docs/figures: what it shows)
FIGURES = {
    's1_clusters_synthetic.png':
    'Figure S1: inattentive tokens of training faces and their clusters',
    's3_similarity_synthetic.png':
    'Figure S3: each landmark\'s similarity map on another identity',
    's4_detection_synthetic.png':
    'Figure S4: MAFL head, ground truth against prediction',
    's5_failures_synthetic.png': 'Figure S5: the worst matches',
    'f5_tsne_sce_mae_synthetic.png':
    'Fig. 5: t-SNE of the SCE-MAE landmark descriptors',
    'f5_tsne_raw_mae_synthetic.png':
    'Fig. 5: t-SNE of the raw MAE landmark descriptors',
    'show_dir_matching_synthetic.png':
    'tools/test.py --show-dir: one matching pair (source | same | '
    'different identity)',
    'show_dir_detection_synthetic.png':
    'tools/test.py --show-dir: MAFL head on the first test faces',
    'learning_curve_synthetic.png':
    'the long run\'s learning curve (quickstart.py --long --curve)',
}


def last_checkpoint(work_dir: str) -> str:
    """The checkpoint a Runner wrote last in ``work_dir`` (its
    ``last_checkpoint`` marker, else the highest ``epoch_N.pth``).

    Raises:
        SystemExit: ``work_dir`` holds no checkpoint.
    """
    marker = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(marker):  # a path from wherever the run ran
        with open(marker) as f:
            cand = osp.join(work_dir, osp.basename(f.read().strip()))
        if osp.isfile(cand):
            return osp.abspath(cand)
    epochs = sorted((int(m.group(1)), name)
                    for name in (os.listdir(work_dir)
                                 if osp.isdir(work_dir) else [])
                    for m in [re.fullmatch(r'epoch_(\d+)\.pth', name)] if m)
    if not epochs:
        sys.exit(f'make_figures: no checkpoint in {work_dir} (a finished '
                 '`python tools/quickstart.py` run was expected)')
    return osp.abspath(osp.join(work_dir, epochs[-1][1]))


def _dumped_data_root(stage_dir: str) -> Optional[str]:
    """The training data root of the config a Runner dumped in
    ``stage_dir`` (the quick start's ``--cfg-options`` included)."""
    from mmengine.config import Config
    for path in sorted(glob.glob(osp.join(stage_dir, '*.py'))):
        try:
            cfg = Config.fromfile(path)
            return cfg.train_dataloader.dataset.data_root
        except Exception:  # not a runner's config dump
            continue
    return None


def find_data(work_dir: str, data: Optional[str] = None) -> str:
    """The synthetic set a quick-start run used: ``data`` when given, else
    the folder above the CelebA root of its dumped stage-2 config, looked
    up from each folder above ``work_dir``, then from the current one.

    Raises:
        SystemExit: no ``synthetic_manifest.json`` where expected.
    """
    def ok(folder: str) -> bool:
        return osp.isfile(osp.join(folder, 'synthetic_manifest.json'))

    if data is not None:
        if not ok(data):
            sys.exit(f'make_figures: --data {data}: no '
                     'synthetic_manifest.json there (a folder written by '
                     'tools/make_synthetic_faces.py was expected)')
        return osp.abspath(data)
    root = _dumped_data_root(osp.join(work_dir, 'stage2'))
    if root is not None:
        rel = osp.dirname(osp.normpath(root))
        bases, folder = [], osp.abspath(work_dir)
        while osp.dirname(folder) != folder:  # the run's own folders first
            folder = osp.dirname(folder)
            bases.append(folder)
        bases.append(os.getcwd())
        for base in bases:
            cand = osp.join(base, rel)
            if ok(cand):
                return osp.abspath(cand)
    sys.exit(f'make_figures: cannot tell which synthetic set {work_dir} '
             'was trained on (no runner config with a data root in its '
             'stage2/ or no synthetic_manifest.json beside it); pass --data')


def data_seed(data: str) -> int:
    """The seed of the synthetic set in ``data``."""
    with open(osp.join(data, 'synthetic_manifest.json')) as f:
        return int(json.load(f)['seed'])


def figure_commands(tools: str, work_dir: str, data: str, out_dir: str,
                    scratch: str, device: str = 'cpu') -> List[Dict]:
    """One dict per tool command that draws figures of a quick-start run:
    ``cmd`` (arguments after the interpreter), ``pngs`` (the figures it
    makes), ``checkpoint``, and ``show_dir`` (``matching`` or ``detection``:
    the PNGs are put together from the drawings under ``scratch`` by
    :func:`~.figure_manifest.compose_show_dir`)."""
    here = osp.join(tools, 'make_figures.py')
    test = osp.join(tools, 'test.py')
    stage2 = last_checkpoint(osp.join(work_dir, 'stage2'))
    det = last_checkpoint(osp.join(work_dir, 'det_mafl'))
    celeba = osp.join(data, 'celeba')
    with open(osp.join(data, 'synthetic_manifest.json')) as f:
        mafl_test = json.load(f)['counts']['mafl_test']  # even
    test_data = ['--cfg-options',
                 f'test_dataloader.dataset.data_root={celeba}']

    def png(name: str) -> List[str]:
        return ['--out', osp.join(out_dir, name), '--device', device]

    def fig(pngs: List[str], ckpt: str, cmd: List[str],
            show_dir: Optional[str] = None) -> Dict:
        return dict(pngs=pngs, checkpoint=ckpt, cmd=cmd, show_dir=show_dir)

    s1 = 's1_clusters_synthetic.png'
    return [
        fig([s1], stage2, [
            osp.join(tools, 'vis_clusters.py'), STAGE2_CFG, stage2,
            '--out', osp.join(out_dir, s1), '--cfg-options',
            f'train_dataloader.dataset.data_root={celeba}']),
        *(fig([name], ckpt, [here, kind, cfg, ckpt, *png(name), *test_data,
                             *(['--num', '100'] if kind == 'tsne' else [])])
          for name, kind, cfg, ckpt in (
              ('s3_similarity_synthetic.png', 'similarity', MATCH_CFG,
               stage2),
              ('s4_detection_synthetic.png', 'detection', DET_CFG, det),
              ('s5_failures_synthetic.png', 'failures', MATCH_CFG, stage2),
              ('f5_tsne_sce_mae_synthetic.png', 'tsne', MATCH_CFG, stage2),
              ('f5_tsne_raw_mae_synthetic.png', 'tsne', RAW_MATCH_CFG,
               stage2))),
        # the show-dir runs test the first pairs / faces only (their
        # metrics are not the run's); the mean shape reads the training split
        fig(['show_dir_matching_synthetic.png'], stage2, [
            test, MATCH_CFG, stage2, '--work-dir',
            osp.join(scratch, 'matching'), '--show-dir', 'vis',
            '--interval', '1', *test_data,
            f'test_dataloader.dataset.max_images={min(16, mafl_test)}'],
            'matching'),
        fig(['show_dir_detection_synthetic.png'], det, [
            test, DET_CFG, det, '--work-dir',
            osp.join(scratch, 'detection'), '--show-dir', 'vis',
            '--interval', '1', *test_data,
            'test_dataloader.dataset.indices=4',
            *(f'{loader}.dataset.data_root={celeba}'
              for loader in ('train_dataloader', 'val_dataloader'))],
            'detection'),
    ]


def redraw_curve(long_dir: str, out_png: str) -> Optional[Dict]:
    """The learning curve redrawn from a long run's
    ``learning_curve.json`` (None when ``long_dir`` has none); returns the
    run's seed and the JSON's path."""
    from ..visualization.learning_curve import plot_learning_curve
    path = osp.join(long_dir, 'learning_curve.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        curve = json.load(f)
    seed = None
    timings = osp.join(long_dir, 'timings.json')
    if osp.isfile(timings):
        with open(timings) as f:
            seed = json.load(f).get('seed')
    plot_learning_curve(curve['points'], curve['baselines'], out_png,
                        'synthetic faces, --long'
                        f'{"" if seed is None else f", seed {seed}"}, DeiT-T')
    return dict(seed=seed, source=path)
