"""The figures of the docs: every one a page shows has an entry in
``docs/figures/MANIFEST.json`` (command, seed, commit), and
``tools/make_figures.py --from`` redraws them all, with the manifest, from
a small quick-start run."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sce_mae_mm.benchmark import doc_figures
from sce_mae_mm.benchmark.figure_manifest import (ENTRY_KEYS, linked_figures,
                                                  read_manifest)

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / 'docs' / 'figures'
PAGES = sorted([ROOT / 'README.md', *(ROOT / 'docs').rglob('*.md'),
                *(ROOT / 'projects').rglob('*.md')])
PNG = b'\x89PNG\r\n\x1a\n'


def test_linked_figures_parser(tmp_path):
    page = tmp_path / 'p.md'
    page.write_text('![a](figures/a.png) [b](docs/figures/b.png "t") '
                    '![c](other/c.png) [d](figures/d.md)\n')
    assert linked_figures([str(page)]) == {'a.png': [str(page)],
                                           'b.png': [str(page)]}


def test_every_figure_the_docs_show_has_a_manifest_entry():
    linked = linked_figures([str(p) for p in PAGES])
    assert len(linked) >= 9  # S1, S3-S5, two t-SNE, show-dir x2, curve
    manifest = read_manifest(str(FIGURES))
    missing = {name: pages for name, pages in linked.items()
               if name not in manifest}
    assert not missing, f'no entry in docs/figures/MANIFEST.json: {missing}'
    for name in linked:
        entry = manifest[name]
        assert [k for k in ENTRY_KEYS if not entry.get(k) and
                entry.get(k) != 0] == [], (name, entry)
        assert (FIGURES / name).read_bytes()[:8] == PNG, name
    # and the manifest names no figure that is not there
    assert [n for n in manifest if not (FIGURES / n).is_file()] == []


def test_manifest_knows_every_figure_make_figures_draws():
    assert set(doc_figures.FIGURES) <= set(read_manifest(str(FIGURES)))


def _env():
    return dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='',
                PYTHONPATH=str(ROOT))


def _tiny_stage1(tmp_path: Path) -> str:
    """The quick start's stage-1 config, shrunk: 16 faces, batch 2, one
    epoch."""
    path = tmp_path / 'stage1_tiny.py'
    path.write_text(
        f"_base_ = ['{ROOT}/configs/synthetic/"
        "sce_mae_deit_t_stage1_synthetic.py']\n"
        "train_dataloader = dict(batch_size=2, num_workers=0,\n"
        "                        dataset=dict(indices=16))\n"
        "train_cfg = dict(max_epochs=1)\n"
        "param_scheduler = []\n"
        "default_hooks = dict(checkpoint=dict(interval=1,\n"
        "    curve_epochs=[1], images_per_epoch=16))\n")
    return str(path)


def test_make_figures_from_a_small_quick_start(synthetic_root, tmp_path):
    """A quick start on the 80-face set (tiny stage 1, the MAFL head only),
    a long run's curve data beside it, then ``--from``: every figure of the
    docs drawn into a fresh folder and the manifest naming the command,
    the seed and the checkpoint of each."""
    work = tmp_path / 'work_dirs' / 'quickstart'
    proc = subprocess.run(
        [sys.executable, 'tools/quickstart.py', '--data',
         str(synthetic_root), '--work-dir', str(work), '--fp32', '--until',
         'detection', '--datasets', 'mafl', '--stage1-config',
         _tiny_stage1(tmp_path)], cwd=ROOT, env=_env(), capture_output=True,
        text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    long_dir = tmp_path / 'work_dirs' / 'quickstart_long'
    long_dir.mkdir()
    points = [dict(images_seen=n, raw_same=2., raw_diff=20. - n / 1e4,
                   sce_same=1., sce_diff=12. - n / 2e4, nme=12.)
              for n in (10000, 20000, 40000)]
    (long_dir / 'learning_curve.json').write_text(json.dumps(dict(
        points=points, baselines=dict(same=3.5, diff=7.7, nme=15.9))))
    (long_dir / 'timings.json').write_text(json.dumps(dict(seed=0)))
    out = tmp_path / 'figures'
    proc = subprocess.run(
        [sys.executable, 'tools/make_figures.py', '--from', str(work),
         '--out-dir', str(out)], cwd=ROOT, env=_env(), capture_output=True,
        text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    manifest = read_manifest(str(out))
    assert sorted(manifest) == sorted(doc_figures.FIGURES)
    for name, entry in manifest.items():
        assert (out / name).read_bytes()[:8] == PNG, name
        assert entry['seed'] == 0, (name, entry)
        assert entry['command'].startswith(
            'python tools/make_figures.py --from '), entry
        assert entry['what'] == doc_figures.FIGURES[name]
    stage2 = manifest['s3_similarity_synthetic.png']
    assert stage2['checkpoint'].endswith(os.path.join('stage2',
                                                      'epoch_2.pth'))
    assert 'make_figures.py similarity' in stage2['step']
    det = manifest['show_dir_detection_synthetic.png']
    assert '--show-dir' in det['step'] and 'det_mafl' in det['checkpoint']
    curve = manifest['learning_curve_synthetic.png']
    assert curve['source'].endswith('learning_curve.json')
    assert '--long-from' in curve['command']


@pytest.mark.parametrize('missing', ['stage2', 'det_mafl'])
def test_make_figures_names_the_missing_checkpoint(tmp_path, missing):
    """A work dir without a finished step: the message names the folder."""
    for sub in ('stage2', 'det_mafl'):
        (tmp_path / sub).mkdir()
        if sub != missing:
            (tmp_path / sub / 'epoch_2.pth').write_bytes(b'')
    with pytest.raises(SystemExit, match=f'no checkpoint in .*{missing}'):
        doc_figures.figure_commands('tools', str(tmp_path), 'data', 'out',
                                    'scratch')
