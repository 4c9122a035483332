"""Paths with spaces and accents reach the tools unchanged through
``--data-root`` / ``--cfg-string``; a ``--cfg-options`` value that would
lose its spaces (mmengine's ``DictAction`` removes them) stops the tool
with a message naming the flag to use instead."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

from sce_mae_mm.engine import load_tool_config
from sce_mae_mm.engine.tool_overrides import (apply_data_roots,
                                              cfg_options_problem)

ROOT = Path(__file__).resolve().parents[1]
SYN = ROOT / 'configs' / 'synthetic'
STAGE1 = SYN / 'sce_mae_deit_t_stage1_synthetic.py'
DET = SYN / 'sce_mae_deit_s_mafl_synthetic.py'
SPACED = 'données à tester'


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(
        f'{name}_tool', ROOT / 'tools' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _config(tool: str, argv: list, monkeypatch) -> Config:
    """What ``tools/<tool>.py ARGV`` parses and applies to its config."""
    monkeypatch.setenv('LOCAL_RANK', '0')
    monkeypatch.setattr(sys, 'argv', [f'tools/{tool}.py'] + argv)
    return load_tool_config(_tool(tool).parse_args())


def _roots(cfg: Config) -> dict:
    return {name: cfg[f'{name}_dataloader'].dataset.data_root
            for name in ('train', 'val', 'test')}


def test_data_root_reaches_every_dataloader_verbatim(tmp_path, monkeypatch):
    root = str(tmp_path / SPACED / 'céleba')
    cfg = _config('test', [str(DET), 'ckpt.pth', '--data-root', root],
                  monkeypatch)
    assert _roots(cfg) == dict(train=root, val=root, test=root)
    cfg = _config('train', [str(DET), '--data-root', f'train={root}',
                            '--data-root', 'test=/data/x y'], monkeypatch)
    assert _roots(cfg) == dict(train=root, val='data/synthetic/celeba',
                               test='/data/x y')
    # a wrapped dataset (the face cache's reader) and --cfg-string
    cached = SYN / 'sce_mae_deit_t_stage1_synthetic_cached.py'
    cache = str(tmp_path / SPACED / 'cache.npy')
    cfg = _config('train', [str(cached), '--data-root', root, '--cfg-string',
                            f'train_dataloader.dataset.cache={cache}'],
                  monkeypatch)
    assert cfg.train_dataloader.dataset.dataset.data_root == root
    assert cfg.train_dataloader.dataset.cache == cache


def test_data_root_where_the_loaders_differ(tmp_path):
    cfg = Config.fromfile(str(DET))
    apply_data_roots(cfg, ['train=/a'], 'det.py')
    with pytest.raises(ValueError) as err:
        apply_data_roots(cfg, ['/b'], 'det.py')
    assert str(err.value) == (
        'det.py: --data-root /b: the config reads more than one data root '
        '(train: /a; val: data/synthetic/celeba; test: '
        'data/synthetic/celeba); set each with --data-root LOADER=PATH '
        '(LOADER: train, val or test)')
    with pytest.raises(ValueError, match='has no val_dataloader dataset'):
        apply_data_roots(Config.fromfile(str(STAGE1)), ['val=/v'], 's1.py')


def test_cfg_options_that_lose_spaces_stop_the_tool(monkeypatch):
    key = 'test_dataloader.dataset.data_root'
    value = f'/x/{SPACED}/celeba'
    monkeypatch.setattr(sys, 'argv', ['tools/test.py', str(DET), 'c.pth',
                                      '--cfg-options', f'{key}={value}'])
    with pytest.raises(SystemExit) as err:
        _tool('test').parse_args()
    assert str(err.value) == (
        f"error: --cfg-options {key}={value}: mmengine's --cfg-options "
        f"removes every space from its values, so {key} would be "
        "'/x/donnéesàtester/celeba'. Use --data-root "
        f"'test=/x/{SPACED}/celeba' instead (--data-root [LOADER=]PATH or "
        '--cfg-string KEY=VALUE: spaces kept)')
    # any other key: --cfg-string; values without spaces pass
    problem = cfg_options_problem(
        ['--cfg-options', 'load_from=/a b/c.pth', 'x=[1, 2]'])
    assert "Use --cfg-string 'load_from=/a b/c.pth' instead" in problem
    assert cfg_options_problem(['--cfg-options', 'x=[1, 2]', "y='a,b'",
                                'z=/données/c.pth', '--amp']) is None
    # an unquoted value with spaces, split by the shell
    problem = cfg_options_problem(['--cfg-options', 'a.data_root=/x/one',
                                   'two'])
    assert problem.startswith("--cfg-options: 'two' is not a KEY=VALUE pair")


def test_train_with_a_data_root_with_spaces_and_accents(synthetic_root,
                                                        tmp_path):
    """tools/train.py, two stage-1 steps on the synthetic faces read
    through a folder named with spaces and accents, into a work dir named
    so too."""
    data = tmp_path / SPACED / 'célèbre' / 'celeba'
    data.parent.mkdir(parents=True)
    data.symlink_to(synthetic_root / 'celeba', target_is_directory=True)
    work = tmp_path / 'travail en cours'
    small = ['train_dataloader.dataset.indices=4',
             'train_dataloader.batch_size=2',
             'train_dataloader.num_workers=0', 'train_cfg.max_epochs=1',
             'param_scheduler=[]']
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='')
    cmd = [sys.executable, 'tools/train.py', str(STAGE1), '--work-dir',
           str(work), '--cfg-options'] + small
    proc = subprocess.run(cmd + ['--data-root', str(data)], cwd=ROOT,
                          env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (work / 'epoch_1.pth').is_file()
    used = Config.fromfile(str(work / STAGE1.name))  # the run's config
    assert used.train_dataloader.dataset.data_root == str(data)
