"""Training that goes wrong: NaN losses, kills, shared work dirs, full
disks, --resume with nothing to resume, CPU threads."""
import errno
import multiprocessing as mp
import os
import subprocess
import sys
from pathlib import Path

import pytest
import reliability_helpers  # noqa: F401  (SigkillAtIterHook)
import torch
from mmengine.config import Config
from mmengine.fileio.backends import LocalBackend

from sce_mae_mm.engine import (NonFiniteLossError, WorkDirLockedError,
                               build_tool_runner, cpu_budget,
                               limit_cpu_threads, lock_work_dir,
                               unlock_work_dir)

ROOT = Path(__file__).resolve().parents[1]
TOY_CFG = ROOT / 'tests' / 'configs_toy_runner.py'
STAGE1_CFG = (ROOT / 'configs' / 'synthetic' /
              'sce_mae_deit_t_stage1_synthetic.py')
ENV = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='',
           PYTHONPATH=os.pathsep.join([str(ROOT / 'tests'), str(ROOT)]))


def _stage1_cfg(work_dir: Path, data_root: Path, **extra) -> Config:
    """Stage 1 (DeiT-T) on 8 synthetic faces: batch 2, 4 iterations an
    epoch, 2 epochs, a checkpoint every 3 iterations, 2 loader workers."""
    cfg = Config.fromfile(str(STAGE1_CFG))
    cfg.work_dir = str(work_dir)
    loader = cfg.train_dataloader
    loader.update(batch_size=2, num_workers=2, persistent_workers=False)
    loader.dataset.update(data_root=str(data_root), indices=8)
    cfg.train_cfg.max_epochs = 2
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=3, by_epoch=False, max_keep_ckpts=5)
    cfg.default_hooks.logger.interval = 1
    cfg.log_level = 'WARNING'
    cfg.merge_from_dict(extra)
    return cfg


def _train(cfg: Config) -> None:
    build_tool_runner(cfg).train()


@pytest.fixture
def one_thread():
    """One torch thread while the test forks: a forked child of a process
    whose OpenMP pool has several threads can hang in its first parallel
    region (GNU OpenMP is not fork-safe)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_kill_and_resume_is_bit_identical(synthetic_root, tmp_path,
                                          one_thread):
    """SIGKILL mid-epoch after a by-iteration checkpoint, --resume: the
    final weights and optimizer state equal an uninterrupted run's."""
    data = synthetic_root / 'celeba'
    _train(_stage1_cfg(tmp_path / 'full', data))

    cut = _stage1_cfg(tmp_path / 'cut', data)
    cut.custom_hooks = cut.custom_hooks + [
        dict(type='SigkillAtIterHook', at=5)]
    child = mp.get_context('fork').Process(target=_train, args=(cut, ))
    child.start()
    child.join(600)
    assert child.exitcode == -9  # killed, iterations 4-5 lost
    saved = sorted(p.name for p in (tmp_path / 'cut').glob('*.pth'))
    assert saved == ['iter_3.pth']  # mid-epoch 1 (batch 3 of 4)

    _train(_stage1_cfg(tmp_path / 'cut', data, resume=True))
    full = torch.load(tmp_path / 'full' / 'iter_8.pth')
    resumed = torch.load(tmp_path / 'cut' / 'iter_8.pth')
    assert resumed['meta']['iter'] == 8 and 'rng_state' in resumed
    a, b = full['state_dict'], resumed['state_dict']
    assert a.keys() == b.keys() and len(a) == 182  # 2-block decoder
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, f'{len(different)} tensors differ: {different[:5]}'
    for sa, sb in zip(full['optimizer']['state'].values(),
                      resumed['optimizer']['state'].values()):
        for key in sa:
            assert torch.equal(sa[key], sb[key]), key


def test_nan_loss_stops_tools_train(synthetic_root, tmp_path):
    """std = [0, 0, 0]: the first loss is NaN, tools/train.py exits non-zero
    naming the iteration and the loss, and no checkpoint is written."""
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', str(STAGE1_CFG), '--work-dir',
         str(tmp_path), '--cfg-options',
         f'train_dataloader.dataset.data_root={synthetic_root / "celeba"}',
         'train_dataloader.dataset.indices=4', 'train_dataloader.batch_size=2',
         'train_dataloader.num_workers=0',
         'model.data_preprocessor.std=[0,0,0]',
         'default_hooks.checkpoint.interval=1',
         'default_hooks.checkpoint.by_epoch=False'],
        cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert 'non-finite loss at iteration 1' in proc.stderr
    assert 'loss = nan' in proc.stderr and str(STAGE1_CFG) in proc.stderr
    assert not list(tmp_path.rglob('*.pth'))


def test_nan_loss_nothing_saved_after_it(tmp_path):
    """A huge lr: training stops at the first non-finite loss; every
    checkpoint was written before it and holds finite weights."""
    cfg = Config.fromfile(str(TOY_CFG))
    cfg.work_dir = str(tmp_path)
    cfg.optim_wrapper.optimizer.lr = 1e12
    cfg.train_cfg.max_iters = 40
    runner = build_tool_runner(cfg)
    with pytest.raises(NonFiniteLossError) as err:
        runner.train()
    bad = int(str(err.value).split('iteration ')[1].split(' ')[0])
    assert 1 < bad < 40 and "loss = " in str(err.value)
    saved = sorted(int(p.stem.split('_')[1]) for p in tmp_path.glob('*.pth'))
    assert saved and max(saved) == bad - 1
    for it in saved:
        state = torch.load(tmp_path / f'iter_{it}.pth')['state_dict']
        assert all(torch.isfinite(v).all() for v in state.values()), it
    assert f'the last checkpoint is {tmp_path / f"iter_{bad - 1}.pth"}' in \
        str(err.value)


def _hold_lock(work_dir, ready, release):
    lock_work_dir(work_dir)
    ready.set()
    release.wait(120)


def test_second_run_on_a_held_work_dir_refused(tmp_path):
    ctx = mp.get_context('fork')
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock,
                         args=(str(tmp_path), ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        proc = subprocess.run(
            [sys.executable, 'tools/train.py', str(TOY_CFG), '--work-dir',
             str(tmp_path)], cwd=ROOT, env=ENV, capture_output=True,
            text=True, timeout=300)
        assert proc.returncode != 0
        assert f'work dir {tmp_path} is in use' in proc.stderr
        assert f'pid {holder.pid}' in proc.stderr
        # refused before the runner wrote anything
        assert sorted(p.name for p in tmp_path.iterdir()) == ['.train.lock']
        # the hook refuses runners built without the tool as well
        cfg = Config.fromfile(str(TOY_CFG))
        cfg.work_dir = str(tmp_path)
        with pytest.raises(WorkDirLockedError, match=str(holder.pid)):
            build_tool_runner(cfg).train()
    finally:
        release.set()
        holder.join(60)
    # released when the holder ends: a run now goes ahead
    lock_work_dir(str(tmp_path))
    unlock_work_dir(str(tmp_path))


def test_resume_with_nothing_to_resume(tmp_path):
    cfg = Config.fromfile(str(TOY_CFG))
    cfg.work_dir = str(tmp_path / 'empty')
    cfg.resume = True
    # a name of its own: mmengine reuses the logger (and its log file) of
    # an earlier runner with the same config name and second
    cfg.experiment_name = f'nothing_to_resume_{tmp_path.name}'
    runner = build_tool_runner(cfg)
    runner.train()
    log = next((tmp_path / 'empty').rglob('*.log')).read_text()
    assert (f'--resume: nothing to resume in {tmp_path / "empty"}' in log
            and 'training starts from scratch' in log)
    assert 'Auto resumed from the latest checkpoint None' not in log
    assert (tmp_path / 'empty' / 'iter_2.pth').is_file()
    # a last_checkpoint naming a deleted file is an error naming both
    (tmp_path / 'empty' / 'iter_2.pth').unlink()
    runner = build_tool_runner(cfg)
    with pytest.raises(FileNotFoundError, match='last_checkpoint names .*'
                       'iter_2.pth, which does not exist'):
        runner.train()


def test_full_disk_leaves_no_truncated_checkpoint(tmp_path, monkeypatch):
    real_put = LocalBackend.put

    def put(self, obj, filepath):
        if str(filepath).endswith('.pth') or '.pth.tmp' in str(filepath):
            real_put(self, obj[:len(obj) // 3], filepath)  # partly written
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real_put(self, obj, filepath)

    monkeypatch.setattr(LocalBackend, 'put', put)
    cfg = Config.fromfile(str(TOY_CFG))
    cfg.work_dir = str(tmp_path)
    with pytest.raises(OSError) as err:
        build_tool_runner(cfg).train()
    assert err.value.errno == errno.ENOSPC
    assert f'could not write checkpoint {tmp_path / "iter_1.pth"}' in str(
        err.value) and 'No space left on device' in str(err.value)
    assert not list(tmp_path.glob('*.pth*'))  # neither truncated nor tmp


def test_cpu_threads(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv('OMP_NUM_THREADS', '1')
        assert limit_cpu_threads() == 1 and torch.get_num_threads() == 1
        monkeypatch.delenv('OMP_NUM_THREADS')
        torch.set_num_threads(64)
        threads = limit_cpu_threads()
        assert threads == min(64, cpu_budget())
        assert cpu_budget() <= len(os.sched_getaffinity(0))
        monkeypatch.setenv('OMP_NUM_THREADS', 'many')
        with pytest.raises(ValueError, match="OMP_NUM_THREADS='many'"):
            limit_cpu_threads()
    finally:
        torch.set_num_threads(before)


def test_non_finite_weights_never_saved(tmp_path):
    from sce_mae_mm.engine import NonFiniteLossHook

    class _Runner:
        iter, epoch = 4, 0

    hook = NonFiniteLossHook()
    good = {'state_dict': {'w': torch.ones(2), 'n': torch.tensor(3)}}
    hook.before_save_checkpoint(_Runner(), good)
    bad = {'state_dict': {'w': torch.tensor([1., float('nan')])}}
    with pytest.raises(NonFiniteLossError, match=r'iteration 5 .*\(w\)'):
        hook.before_save_checkpoint(_Runner(), bad)
    # registered in the runtime config every sce_mae_mm config inherits
    cfg = Config.fromfile(str(TOY_CFG))
    assert dict(type='NonFiniteLossHook') in cfg.custom_hooks


def test_resume_from_a_bare_state_dict_names_the_file(tmp_path):
    """``tools/train.py --resume W.pth`` where W.pth is weights only: an
    error naming the file and the runner checkpoint (with ``meta``) that a
    resume needs, not mmengine's ``KeyError: 'meta'``."""
    bare = tmp_path / 'weights_only.pth'
    torch.save({'linear.weight': torch.zeros(1, 4),
                'linear.bias': torch.zeros(1)}, bare)
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', str(TOY_CFG), '--work-dir',
         str(tmp_path / 'work'), '--resume', str(bare)],
        cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert str(bare) in last and '"meta"' in last, last
    assert 'runner checkpoint' in last and 'resume point' in last
    assert "KeyError: 'meta'" not in proc.stderr
