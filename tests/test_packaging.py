"""Packaging: requirement ranges vs. the locks, the wheel's configs and
tools under ``sce_mae_mm/.mim``, the ``sce_mae_mm::`` config scope and the
import on torch without ``add_safe_globals``."""
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, List

import pytest
import torch
from mmengine.config import Config
from packaging.requirements import Requirement

import sce_mae_mm

ROOT = Path(__file__).resolve().parents[1]
REQS = ROOT / 'requirements'
STACK = ('torch', 'torchvision', 'numpy', 'mmengine', 'mmcv', 'mmdet',
         'mmpose', 'mmpretrain', 'xtcocotools')
#: what a source distribution is made of (MANIFEST.in adds the folders)
SDIST_INPUTS = ('setup.py', 'setup.cfg', 'pyproject.toml', 'MANIFEST.in',
                'README.md', 'requirements', 'sce_mae_mm', 'configs',
                'tools')


def _requirements(path: Path) -> Dict[str, Requirement]:
    lines = [line.split('#')[0].strip()
             for line in path.read_text().splitlines()]
    return {r.name: r for r in map(Requirement, filter(None, lines))}


def _lower_bound(req: Requirement) -> str:
    bounds = [s.version for s in req.specifier if s.operator == '>=']
    assert len(bounds) == 1, f'{req}: expected one >= lower bound'
    return bounds[0]


def test_install_requires_are_ranges_tested_by_the_locks():
    runtime = _requirements(REQS / 'runtime.txt')
    assert 'setuptools' not in runtime
    assert not [r for r in runtime.values()
                if any(s.operator in ('==', '===') for s in r.specifier)]
    compat = _requirements(REQS / 'compat.txt')
    lock = _requirements(REQS / 'lock.txt')
    for name in STACK:
        # the lower bound is the oldest stack's version (make test-compat)
        oldest = str(compat[name].specifier)
        assert oldest == f'=={_lower_bound(runtime[name])}', name
    for name in ('torch', 'torchvision', 'numpy'):
        assert {s.operator for s in runtime[name].specifier} == {'>='}
    assert str(runtime['mmcv'].specifier) == '<2.2.0,>=2.1.0'
    for locked in (lock, compat):  # both environments are in the ranges
        for name, req in runtime.items():
            if name in locked and str(locked[name].specifier)[:2] == '==':
                version = str(locked[name].specifier)[2:]
                assert req.specifier.contains(version), (name, version)


def test_lock_pins_the_reference_stack_exactly():
    lock = _requirements(REQS / 'lock.txt')
    for name in (*STACK, 'openmim', 'setuptools'):
        if name == 'numpy':
            assert lock[name].specifier.contains('2.0.0')
            continue
        assert str(lock[name].specifier).startswith('=='), name
    assert str(lock['torch'].specifier) == '==2.14.1'
    assert str(lock['mmcv'].specifier) == '==2.1.0'


@pytest.fixture(scope='module')
def wheel(tmp_path_factory) -> Path:
    """sdist from a copy of the package's inputs, then the wheel from it."""
    tmp = tmp_path_factory.mktemp('wheel')
    src = tmp / 'src'
    src.mkdir()
    for name in SDIST_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns(
                '__pycache__', '*.pyc'))
        else:
            shutil.copy2(path, src / name)
    dist = tmp / 'dist'
    proc = subprocess.run(
        [sys.executable, 'setup.py', '-q', 'sdist', '-d', str(dist)],
        cwd=src, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    sdist = next(dist.glob('sce_mae_mm-*.tar.gz'))
    proc = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
         '--no-build-isolation', str(sdist), '-w', str(dist)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return next(dist.glob('sce_mae_mm-*.whl'))


def _wheel_requires(wheel: Path) -> List[str]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist()
                    if n.endswith('.dist-info/METADATA'))
        text = zf.read(meta).decode()
    return [line.split(':', 1)[1].strip() for line in text.splitlines()
            if line.startswith('Requires-Dist:')]


def test_wheel_metadata_has_no_pins_of_the_environment(wheel):
    requires = _wheel_requires(wheel)
    names = {Requirement(r).name for r in requires}
    assert {'torch', 'mmcv', 'mmpose', 'mmpretrain'} <= names
    for r in requires:
        if re.match(r'(torch|torchvision|numpy|setuptools)\b', r):
            assert '==' not in r, r
    assert 'setuptools' not in names


def test_wheel_ships_configs_and_tools_under_mim(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        configs = sorted(p.relative_to(ROOT).as_posix()
                         for p in (ROOT / 'configs').rglob('*.py'))
        assert len(configs) > 50
        for rel in configs:  # every config, byte for byte
            packed = f'sce_mae_mm/.mim/{rel}'
            assert packed in names, packed
            assert zf.read(packed) == (ROOT / rel).read_bytes(), rel
        for tool in ('train.py', 'test.py', 'dist_train.sh',
                     'make_synthetic_faces.py', 'studies/run_study.py'):
            assert f'sce_mae_mm/.mim/tools/{tool}' in names, tool
        for clone_only in ('setup_env.sh', 'check_wheel.sh'):
            assert f'sce_mae_mm/.mim/tools/{clone_only}' not in names
        assert 'sce_mae_mm/.mim/model-index.yml' in names
        assert not [n for n in names if '__pycache__' in n]
    # the copies are made in the build, never in the source tree
    assert not (ROOT / 'sce_mae_mm' / '.mim').exists()


def test_config_inherits_packaged_one_with_scope_prefix(wheel, tmp_path,
                                                        monkeypatch):
    """``_base_ = ['sce_mae_mm::detection/...']`` as from an installed
    wheel: the inherited dicts carry the ``sce_mae_mm`` scope and build."""
    import mmengine.config.config as mmengine_config
    from mmengine.registry import MODELS, DefaultScope
    site = tmp_path / 'site'
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    monkeypatch.setattr(mmengine_config, 'get_installed_path',
                        lambda package: str(site / package))
    user_cfg = tmp_path / 'my_mafl.py'
    user_cfg.write_text(
        "_base_ = ['sce_mae_mm::detection/sce_mae_deit_t_mafl.py']\n"
        'model = dict(head=dict(num_keypoints=5))\n')
    cfg = Config.fromfile(str(user_cfg))
    assert cfg.model._scope_ == 'sce_mae_mm'
    assert cfg.model.head.num_keypoints == 5
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = MODELS.build(cfg.model)
    assert type(model).__module__.startswith(('sce_mae_mm', 'mmpose'))
    assert type(model).__name__ == cfg.model.type


def test_scope_registries_are_children_of_mmpose():
    from mmengine.config.utils import MODULE2PACKAGE
    from mmengine.registry import MODELS, DefaultScope
    from mmpose.registry import KEYPOINT_CODECS
    from mmpose.registry import MODELS as MMPOSE_MODELS

    from sce_mae_mm import registry
    assert MODULE2PACKAGE['sce_mae_mm'] == 'sce_mae_mm'
    assert registry.MODELS.parent is MMPOSE_MODELS
    assert registry.KEYPOINT_CODECS.parent is KEYPOINT_CODECS
    assert registry.FUNCTIONS.parent.scope == 'mmengine'
    assert MODELS._search_child('sce_mae_mm') is registry.MODELS
    with DefaultScope.overwrite_default_scope('mmpose'):
        loss = MODELS.build(dict(type='LCRLoss', _scope_='sce_mae_mm'))
        codec = KEYPOINT_CODECS.build(
            dict(type='RegressionLabel', input_size=(96, 96),
                 _scope_='sce_mae_mm'))
    assert type(loss).__name__ == 'LCRLoss'
    assert type(codec).__name__ == 'RegressionLabel'


def test_import_where_torch_has_no_add_safe_globals(monkeypatch):
    """torch < 2.4: no allow-list to register, the import still works."""
    from sce_mae_mm import checkpoint

    # (absent already on torch < 2.4)
    monkeypatch.delattr(torch.serialization, 'add_safe_globals',
                        raising=False)
    checkpoint.register_safe_globals()  # no AttributeError
    # torch's own modules (imported by the stack) use it on new torch
    code = ('import mmengine.runner, mmpose.models, mmpretrain.models\n'
            'import torch.serialization as s\n'
            "if hasattr(s, 'add_safe_globals'):\n"
            '    del s.add_safe_globals\n'
            'import sce_mae_mm\n'
            'print(sce_mae_mm.__version__)\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == sce_mae_mm.__version__


@pytest.mark.parametrize('version,pairs', [('2.5.1', False),
                                           ('2.14.1', True)])
def test_safe_globals_pairs_only_where_torch_takes_them(
        monkeypatch, version, pairs):
    """torch 2.4/2.5 reads every allow-list entry as a global (a
    ``(global, name)`` pair would break its weights-only loads)."""
    from sce_mae_mm import checkpoint
    added = []
    monkeypatch.setattr(torch.serialization, 'add_safe_globals',
                        added.extend, raising=False)  # also on torch < 2.4
    monkeypatch.setattr(torch, '__version__', version)
    checkpoint.register_safe_globals()
    assert any(isinstance(g, tuple) for g in added) == pairs
    assert checkpoint.HistoryBuffer in added


def test_import_leaves_torch_safe_globals_alone(tmp_path):
    """``import sce_mae_mm`` registers components and nothing else: torch's
    allow-list is the same before and after, and after the project's
    loaders read a runner checkpoint (they allow-list only while loading)."""
    from collections import OrderedDict

    from mmengine.logging import HistoryBuffer
    from mmengine.utils import digit_version
    path = tmp_path / 'runner.pth'
    buffer = HistoryBuffer()
    buffer.update(1.)
    torch.save({'state_dict': OrderedDict(w=torch.ones(2)),
                'meta': {'epoch': 1},
                'message_hub': {'log_scalars': {'loss': buffer}}}, path)
    code = (
        'import torch.serialization as s\n'
        'import mmengine.runner, mmpose.models, mmpretrain.models\n'
        'before = set(s.get_safe_globals())  # torch keeps a set\n'
        'import sce_mae_mm\n'
        'assert set(s.get_safe_globals()) == before, "import changed it"\n'
        'from sce_mae_mm.checkpoint import read_checkpoint\n'
        f'ck = read_checkpoint({str(path)!r})\n'
        "assert ck['message_hub']['log_scalars']['loss'].current() == 1.\n"
        'assert set(s.get_safe_globals()) == before, "loading changed it"\n'
        'try:\n'
        f'    torch_ck = s.load({str(path)!r})\n'
        'except Exception as err:\n'
        "    print('plain torch.load refused:', type(err).__name__)\n")
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # torch >= 2.6 loads weights only by default: without the allow-list a
    # plain load of the runner checkpoint is refused, so nothing leaked
    if hasattr(torch.serialization, 'get_safe_globals') and digit_version(
            torch.__version__) >= digit_version('2.6.0'):
        assert 'plain torch.load refused' in proc.stdout
