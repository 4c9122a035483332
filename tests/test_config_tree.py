"""The config tree says each thing once.

One ``_base_`` tree; headers of about ten lines (the protocol prose is in
docs/protocols.md); one face normalisation, read by every data
preprocessor; the synthetic configs read synthetic data and the
checkpoints of synthetic runs only.
"""
from pathlib import Path

import pytest
from mmengine.config import Config

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / 'configs'
LEAVES = sorted(
    str(p.relative_to(CONFIGS)) for p in CONFIGS.rglob('*.py')
    if '_base_' not in p.parts)
SYNTHETIC = [p for p in LEAVES if 'synthetic' in p]
NORMALISATION = Config.fromfile(
    str(CONFIGS / '_base_' / 'datasets' / 'face_normalisation.py'))


def _load(name: str) -> Config:
    return Config.fromfile(str(CONFIGS / name), import_custom_modules=False)


def _dicts(node):
    """Every dict inside ``node`` (lists and dicts walked)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _dicts(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _dicts(value)


def test_one_base_tree():
    bases = [p for p in CONFIGS.rglob('_base_') if p.is_dir()]
    assert bases == [CONFIGS / '_base_']
    assert len(LEAVES) > 80


@pytest.mark.parametrize('path', sorted(CONFIGS.rglob('*.py')),
                         ids=lambda p: str(p.relative_to(CONFIGS)))
def test_header_is_short(path):
    lines = path.read_text().splitlines()
    header = next(i for i, line in enumerate(lines)
                  if not line.startswith('#'))
    assert header <= 12, f'{path}: {header} header lines; the prose goes ' \
        'to docs/protocols.md'


@pytest.mark.parametrize('name', LEAVES)
def test_every_preprocessor_reads_the_one_normalisation(name):
    model = _load(name).model
    found = [d for d in _dicts(model) if 'mean' in d or 'std' in d]
    assert found, name
    for pre in found:
        assert list(pre['mean']) == NORMALISATION.data_mean, (name, pre)
        assert list(pre['std']) == NORMALISATION.data_std, (name, pre)


@pytest.mark.parametrize('name', SYNTHETIC)
def test_synthetic_configs_read_synthetic_data_and_runs(name):
    cfg = _load(name)
    loaders = [cfg[k] for k in ('train_dataloader', 'val_dataloader',
                                'test_dataloader') if cfg.get(k)]
    roots = [d for loader in loaders for d in _dicts(loader)
             if 'data_root' in d]
    assert roots, name
    for dataset in roots:
        assert dataset['data_root'].startswith('data/synthetic/'), name
        assert dataset['check_size'] is False, name
    caches = [d['cache'] for loader in loaders for d in _dicts(loader)
              if 'cache' in d]
    assert all('synthetic' in c for c in caches), name
    weights = [d.get('checkpoint') for d in _dicts(cfg.model)]
    weights = [w for w in weights if isinstance(w, str)]
    assert all('synthetic' in w for w in weights), (name, weights)
