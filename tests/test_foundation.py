"""Foundation: registration, Runner checkpoints, safe loading, dist runs."""
import json
import os
import pickle
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner, load_checkpoint

import sce_mae_mm

ROOT = Path(__file__).resolve().parents[1]
TOY_CFG = ROOT / 'tests' / 'configs_toy_runner.py'


def _toy_runner(work_dir, **overrides):
    cfg = Config.fromfile(str(TOY_CFG))
    cfg.work_dir = str(work_dir)
    cfg.merge_from_dict(overrides)
    return Runner.from_cfg(cfg)


def test_version_and_registries():
    from mmpose.registry import (DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS,
                                 VISUALIZERS)
    assert isinstance(sce_mae_mm.__version__, str)
    expected = {
        MODELS: ['SCEViT', 'CARB', 'LCRLoss', 'SCEMAEStage2',
                 'IntermediateHeatmapHead', 'LandmarkMatcher',
                 'CachedTopdownPoseEstimator'],
        DATASETS: ['CelebADataset', 'MAFLDataset', 'AFLWMDataset',
                   'AFLWRDataset', 'Face300WDVEDataset',
                   'MAFLMatchingDataset', 'HeldOutSplit'],
        TRANSFORMS: ['DVEFaceCrop', 'RandomTPSWarp', 'PackMatchingInputs'],
        METRICS: ['MAFLMatchingMetric', 'NMEPercent', 'InputFrameNME'],
        HOOKS: ['MatchingVisualizationHook', 'MeanShapeBaselineHook'],
        VISUALIZERS: ['FacePoseVisualizer'],
    }
    for registry, names in expected.items():
        for name in names:
            assert registry.get(name) is not None, (registry.name, name)


def test_runner_checkpoint_load_from_and_resume(tmp_path):
    runner = _toy_runner(tmp_path / 'a')
    runner.train()
    ckpt = tmp_path / 'a' / 'iter_2.pth'
    assert ckpt.is_file()
    # the checkpoint holds what made plain weights_only loading fail
    raw = torch.load(ckpt, map_location='cpu')
    assert 'message_hub' in raw and 'log_scalars' in raw['message_hub']
    trained = raw['state_dict']['linear.weight']

    # load_from
    runner_b = _toy_runner(tmp_path / 'b', load_from=str(ckpt))
    runner_b.load_or_resume()
    assert torch.equal(runner_b.model.linear.weight.detach(), trained)

    # resume: training continues from iteration 2 up to 3
    runner_c = _toy_runner(
        tmp_path / 'c', load_from=str(ckpt), resume=True,
        train_cfg=dict(by_epoch=False, max_iters=3, val_interval=100))
    runner_c.train()
    assert runner_c.iter == 3
    assert (tmp_path / 'c' / 'iter_3.pth').is_file()

    # mmengine's plain load_checkpoint on a fresh model
    model = _toy_runner(tmp_path / 'd').model
    load_checkpoint(model, str(ckpt), map_location='cpu')
    assert torch.equal(model.linear.weight.detach(), trained)


class _Exploit:
    marker = ''

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_malicious_checkpoint_refused(tmp_path):
    marker = tmp_path / 'pwned'
    _Exploit.marker = str(marker)
    bad = tmp_path / 'bad.pth'
    torch.save({'state_dict': {}, 'meta': _Exploit()}, bad)
    model = torch.nn.Linear(4, 1)
    with pytest.raises(pickle.UnpicklingError):
        load_checkpoint(model, str(bad), map_location='cpu')
    with pytest.raises(pickle.UnpicklingError):
        torch.load(bad)
    assert not marker.exists()


def test_tools_train_and_distributed_gloo(tmp_path):
    """tools/dist_train.sh: two processes (torchrun, gloo, CPU)."""
    with socket.socket() as sock:  # a free port for torchrun's rendezvous
        sock.bind(('127.0.0.1', 0))
        port = str(sock.getsockname()[1])
    env = dict(os.environ, PYTHON=sys.executable, PORT=port,
               PYTHONPATH=os.pathsep.join([str(ROOT / 'tests'), str(ROOT)]),
               CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1')
    proc = subprocess.run(
        ['bash', str(ROOT / 'tools' / 'dist_train.sh'), str(TOY_CFG), '2',
         '--work-dir', str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert 'Distributed launcher: pytorch' in log or 'world_size: 2' in log
    assert (tmp_path / 'iter_2.pth').is_file()

    # tools/dist_test.sh on the checkpoint: metrics gathered from both ranks
    out = tmp_path / 'metrics.json'
    proc = subprocess.run(
        ['bash', str(ROOT / 'tools' / 'dist_test.sh'), str(TOY_CFG),
         str(tmp_path / 'iter_2.pth'), '2', '--work-dir',
         str(tmp_path / 'test'), '--out', str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = json.loads(out.read_text())
    assert metrics['count'] == 16  # the 16 toy samples, split over 2 ranks
    assert metrics['mse'] > 0


class _GetattrExploit:
    """A pickled ``getattr`` on an allowed class, outside its statistics."""

    def __reduce__(self):
        from mmengine.logging import HistoryBuffer
        return (getattr, (HistoryBuffer, '__init__'))


def test_getattr_outside_history_buffer_refused(tmp_path):
    bad = tmp_path / 'getattr.pth'
    torch.save({'meta': _GetattrExploit()}, bad)
    with pytest.raises(pickle.UnpicklingError, match='only HistoryBuffer'):
        torch.load(bad)


def test_runner_checkpoint_loads_in_fresh_process(tmp_path):
    """No HistoryBuffer exists yet in a new process: loading still works."""
    runner = _toy_runner(tmp_path)
    runner.train()
    code = ('from sce_mae_mm.checkpoint import read_checkpoint; '
            f'ck = read_checkpoint({str(tmp_path / "iter_2.pth")!r}); '
            "print(sorted(ck['message_hub']['log_scalars'])[:1])")
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'train/' in proc.stdout


def test_installed_stack_matches_lock():
    """The environment has exactly the versions of its lock file:
    requirements/lock.txt (the reference set-up), or the file named by
    SCE_MAE_MM_LOCK (``make test-compat``: requirements/compat.txt)."""
    from importlib.metadata import version

    from packaging.requirements import Requirement
    lock = Path(os.environ.get('SCE_MAE_MM_LOCK',
                               ROOT / 'requirements' / 'lock.txt'))
    lines = [line.split('#')[0].strip()
             for line in lock.read_text().splitlines()]
    reqs = {r.name: r for r in map(Requirement, filter(None, lines))}
    for name in ('torch', 'torchvision', 'mmengine', 'mmcv', 'mmdet',
                 'mmpose', 'mmpretrain', 'xtcocotools', 'openmim',
                 'setuptools'):
        spec = str(reqs[name].specifier) if name in reqs else ''
        assert spec.startswith('=='), f'{lock}: {name} is not pinned'
        assert version(name).split('+')[0] == spec[2:], name
    for req in reqs.values():  # the ranges (numpy) hold as well
        installed = version(req.name).split('+')[0]
        assert req.specifier.contains(installed, prereleases=True), (
            f'{lock}: {req} but {installed} is installed')
    import mmcv.ops  # noqa: F401  (built with ops)


def test_tools_train_resume_and_amp_flags(tmp_path):
    """tools/train.py: --resume continues from the work dir's last
    checkpoint; --amp on a CPU-only machine trains in bf16."""
    env = dict(os.environ,
               PYTHONPATH=os.pathsep.join([str(ROOT / 'tests'), str(ROOT)]),
               CUDA_VISIBLE_DEVICES='')
    train = [sys.executable, str(ROOT / 'tools' / 'train.py'), str(TOY_CFG),
             '--work-dir', str(tmp_path)]

    def run(*extra):
        return subprocess.run(train + list(extra), cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)

    first = run()
    assert first.returncode == 0, first.stderr[-3000:]
    assert (tmp_path / 'iter_2.pth').is_file()
    assert not (tmp_path / 'iter_3.pth').exists()
    second = run('--resume', '--cfg-options', 'train_cfg.max_iters=3')
    assert second.returncode == 0, second.stderr[-3000:]
    log = second.stdout + second.stderr
    assert 'resumed epoch: 0, iter: 2' in log
    assert 'Iter(train) [1/3]' not in log and 'Iter(train) [3/3]' in log
    assert (tmp_path / 'iter_3.pth').is_file()

    # --amp on a CPU: bf16 autocast (CPUBf16OptimWrapper), not a refusal
    amp = run('--amp', '--work-dir', str(tmp_path / 'amp'))
    assert amp.returncode == 0, amp.stderr[-3000:]
    dumped = (tmp_path / 'amp' / TOY_CFG.name).read_text()
    assert "type='CPUBf16OptimWrapper'" in dumped
