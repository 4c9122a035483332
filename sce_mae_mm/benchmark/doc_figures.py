"""The figures of the docs from a quick-start run (``tools/make_figures.py
all``): the configs they use, the run's checkpoints, the commands."""
import os
import os.path as osp
import re
import sys
from typing import List

from .paths import locate

ROOT = locate()[0]
SYN = 'configs/synthetic'
#: quick-start configs of the figures of ``all``
MATCH_CFG = f'{SYN}/sce_mae_deit_t_mafl_matching_synthetic.py'
RAW_MATCH_CFG = f'{SYN}/raw_mae_deit_t_mafl_matching_synthetic.py'
STAGE2_CFG = f'{SYN}/sce_mae_deit_t_stage2_synthetic.py'
DET_CFG = f'{SYN}/sce_mae_deit_t_mafl_synthetic.py'


def last_checkpoint(work_dir: str) -> str:
    """The checkpoint a Runner wrote last in ``work_dir`` (its
    ``last_checkpoint`` marker, else the highest ``epoch_N.pth``).

    Raises:
        SystemExit: ``work_dir`` holds no checkpoint.
    """
    marker = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(marker):
        with open(marker) as f:
            path = f.read().strip()
        for cand in (path, osp.join(ROOT, path)):  # written from ROOT
            if osp.isfile(cand):
                return osp.abspath(cand)
    epochs = sorted((int(m.group(1)), name)
                    for name in (os.listdir(work_dir)
                                 if osp.isdir(work_dir) else [])
                    for m in [re.fullmatch(r'epoch_(\d+)\.pth', name)] if m)
    if not epochs:
        sys.exit(f'make_figures all: no checkpoint in {work_dir} (run '
                 '`python tools/quickstart.py` first)')
    return osp.abspath(osp.join(work_dir, epochs[-1][1]))


def all_commands(tools: str, work_dir: str, data: str, out_dir: str,
                 device: str = 'cpu') -> List[List[str]]:
    """The commands (``tools/make_figures.py`` and ``vis_clusters.py`` in
    the folder ``tools``) that make every figure of a quick-start run."""
    here = osp.join(tools, 'make_figures.py')
    clusters = osp.join(tools, 'vis_clusters.py')
    stage2 = last_checkpoint(osp.join(work_dir, 'stage2'))
    det = last_checkpoint(osp.join(work_dir, 'det_mafl'))
    celeba = osp.join(data, 'celeba')
    test_data = ['--cfg-options',
                 f'test_dataloader.dataset.data_root={celeba}']

    def png(name: str) -> List[str]:
        return ['--out', osp.join(out_dir, f'{name}_synthetic.png'),
                '--device', device]

    return [
        [clusters, STAGE2_CFG, stage2, '--out',
         osp.join(out_dir, 's1_clusters_synthetic.png'), '--cfg-options',
         f'train_dataloader.dataset.data_root={celeba}'],
        [here, 'similarity', MATCH_CFG, stage2, *png('s3_similarity'),
         *test_data],
        [here, 'detection', DET_CFG, det, *png('s4_detection'), *test_data],
        [here, 'failures', MATCH_CFG, stage2, *png('s5_failures'),
         *test_data],
        [here, 'tsne', MATCH_CFG, stage2, *png('f5_tsne_sce_mae'),
         *test_data],
        [here, 'tsne', RAW_MATCH_CFG, stage2, *png('f5_tsne_raw_mae'),
         *test_data],
    ]
