"""``import sce_mae_mm`` and its figures leave matplotlib's backend as it
was (checked in fresh processes, where nothing else has chosen one): the
figures are drawn on matplotlib's object API (``Figure`` on its own Agg
canvas), which needs no global backend."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

DRAW = '''
import numpy as np
import sce_mae_mm
from sce_mae_mm.studies import report
from sce_mae_mm.visualization import figures
from sce_mae_mm.visualization.embedding import plot_embedding
from sce_mae_mm.visualization.learning_curve import plot_learning_curve
out = {out!r}
plot_learning_curve([dict(images_seen=n, sce_diff=9. - n / 100, nme=10.)
                     for n in (100, 200)], dict(diff=8., nme=12.),
                    out + '/curve.png')
emb = dict(points=np.random.default_rng(0).normal(size=(10, 2)),
           labels=np.arange(10) % 5, silhouette=0.1, silhouette_desc=0.2)
figures.save(plot_embedding(emb, list('abcde')), out + '/tsne.png')
report.plot_pairs_bars(['a'], [(1., 2.)], [(1.5, 2.5)], out + '/bars.png',
                       't')
'''


def _run(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != 'MPLBACKEND'}
    env['PYTHONPATH'] = str(ROOT)
    return subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, env=env)


@pytest.mark.parametrize('chosen', [None, 'svg'])
def test_import_and_drawing_keep_the_backend(tmp_path, chosen):
    """No backend chosen: it stays unresolved (matplotlib's auto sentinel);
    one chosen before the import (``svg``, which the project never picks):
    it stays that one. The drawings are written all the same."""
    pre = (f'matplotlib.use({chosen!r})\n' if chosen else '')
    code = ('import matplotlib\n' + pre +
            'before = dict.__getitem__(matplotlib.rcParams, "backend")\n' +
            DRAW.format(out=str(tmp_path)) +
            'after = dict.__getitem__(matplotlib.rcParams, "backend")\n'
            'assert after is before or after == before, (before, after)\n'
            'print("backend", after)\n')
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr[-3000:]
    if chosen:
        assert 'backend svg' in proc.stdout
    for name in ('curve.png', 'tsne.png', 'bars.png'):
        assert (tmp_path / name).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_no_code_sets_a_backend():
    """Neither the package nor the tools call ``matplotlib.use`` or draw
    through pyplot (whose first figure resolves the global backend)."""
    offenders = [str(p.relative_to(ROOT))
                 for folder in ('sce_mae_mm', 'tools')
                 for p in (ROOT / folder).rglob('*.py')
                 if 'matplotlib.use(' in p.read_text()
                 or 'import matplotlib.pyplot' in p.read_text()]
    assert offenders == []
