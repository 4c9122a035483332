"""The quick start's steps: ordinary tool commands (``tools/train.py``,
``tools/test.py``), printed before they run, skipped when their outputs
exist, resumed when a training was interrupted."""
import argparse
import json
import os
import os.path as osp
import shlex
import shutil
import subprocess
import sys
import time
from typing import Dict, List, Optional

from .paths import locate
from .tables import DETECTION

#: where the commands run, and the prefix of configs/ and tools/
ROOT, CODE = locate()
PY = sys.executable
SYN = osp.join(CODE, 'configs/synthetic')
TRAIN = osp.join(CODE, 'tools/train.py')
TEST = osp.join(CODE, 'tools/test.py')
MAKE_FACES = osp.join(CODE, 'tools/make_synthetic_faces.py')


def last_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint a Runner wrote last in ``work_dir`` (or None)."""
    marker = osp.join(ROOT, work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        path = f.read().strip()
    return path if osp.isfile(path) else None


def max_epochs(config: str, options: List[str] = ()) -> int:
    """``train_cfg.max_epochs`` of ``config`` after ``--cfg-options``."""
    from mmengine.config import Config
    for opt in options:
        key, _, val = opt.partition('=')
        if key == 'train_cfg.max_epochs':
            return int(val)
    return Config.fromfile(osp.join(ROOT, config)).train_cfg.max_epochs


def is_final(ckpt: str, config: str, options: List[str] = ()) -> bool:
    """Whether ``ckpt`` is the last epoch of ``config``'s schedule (an
    interrupted run leaves an earlier one, which is resumed, not used)."""
    return osp.basename(ckpt) == f'epoch_{max_epochs(config, options)}.pth'


def head_schedule(epochs: int) -> List[str]:
    """``--cfg-options`` that give a quick-start head a cosine schedule of
    ``epochs`` (``quickstart_heads.py`` ties these keys to its
    ``max_epochs``)."""
    return [f'train_cfg.max_epochs={epochs}',
            f'train_cfg.val_interval={epochs}',
            f'param_scheduler.0.T_max={epochs}',
            f'param_scheduler.0.end={epochs}',
            f'default_hooks.checkpoint.interval={epochs}']


class Steps:
    """The tool commands of one run, sharing its data, seed and precision."""

    def __init__(self, args: argparse.Namespace, bf16: bool) -> None:
        self.args = args
        self.bf16 = bf16
        self.seconds: Dict[str, float] = {}
        # every finished command's seconds, across invocations (a killed
        # and resumed run sums all of them; --force starts afresh)
        self.ledger = osp.join(ROOT, args.work_dir, 'step_seconds.jsonl')
        self.earlier = self._read_ledger()
        if args.force:
            self.earlier = {}
            if osp.isfile(self.ledger):
                os.remove(self.ledger)

    def _read_ledger(self) -> Dict[str, float]:
        out: Dict[str, float] = {}
        if osp.isfile(self.ledger):
            with open(self.ledger) as f:
                for line in f:
                    entry = json.loads(line)
                    out[entry['step']] = out.get(entry['step'],
                                                 0.0) + entry['seconds']
        return out

    def run(self, cmd: List[str], title: str, step: str) -> None:
        """Run one tool command from the project root, streaming its
        output; its seconds are added to ``step``."""
        print(f'\n=== {title}\n$ {" ".join(shlex.quote(c) for c in cmd)}',
              flush=True)
        start = time.time()
        env = dict(os.environ, PYTHONUNBUFFERED='1')
        proc = subprocess.run(cmd, cwd=ROOT, env=env)
        if proc.returncode != 0:
            sys.exit(f'quickstart: step "{title}" failed (exit '
                     f'{proc.returncode}); command: {" ".join(cmd)}')
        secs = time.time() - start
        self.seconds[step] = self.seconds.get(step, 0.0) + secs
        os.makedirs(osp.dirname(self.ledger), exist_ok=True)
        with open(self.ledger, 'a') as f:
            f.write(json.dumps(dict(step=step, title=title,
                                    seconds=round(secs, 1))) + '\n')
        print(f'=== {title}: {secs:.0f} s', flush=True)

    def data_options(self, loaders: List[str]) -> List[str]:
        """``--cfg-options`` pointing the loaders at this run's data."""
        subdirs = dict(mafl='celeba', aflw_m='aflw-mtfl',
                       aflw_r='aflw/aflw_release-2', **{'300w': '300w/300w'})
        opts = [f'randomness.seed={self.args.seed}']
        for loader in loaders:
            name, _, key = loader.partition(':')
            root = osp.join(self.args.data, subdirs.get(key, 'celeba'))
            opts.append(f'{name}.dataset.data_root={root}')
        return opts

    def amp(self) -> List[str]:
        return ['--amp'] if self.bf16 else []

    def train(self, config: str, work_dir: str, title: str, step: str,
              options: List[str], loaders: List[str]) -> str:
        """``tools/train.py`` unless a checkpoint is there; returns it."""
        ckpt = last_checkpoint(work_dir)
        if ckpt is None or self.args.force or not is_final(ckpt, config,
                                                           options):
            # the step's and the user's options last: theirs win a clash
            # (e.g. --stage1-options randomness.seed=0 on another seed)
            cmd = [PY, TRAIN, config, '--work-dir', work_dir,
                   *self.amp(), '--cfg-options',
                   *self.data_options(loaders), *options]
            if ckpt is not None and not self.args.force:
                cmd.insert(3, '--resume')  # an interrupted run
                title += f' (resumed from {osp.basename(ckpt)})'
            self.run(cmd, title, step)
            ckpt = last_checkpoint(work_dir)
        else:
            print(f'\n=== {title}: done before ({ckpt})', flush=True)
        if ckpt is None:
            sys.exit(f'quickstart: {work_dir} holds no checkpoint after '
                     'training')
        return ckpt

    def test(self, config: str, ckpt: str, out: str, title: str, step: str,
             loaders: List[str],
             options: List[str] = ()) -> Dict[str, float]:
        """``tools/test.py --out``; returns the metrics it wrote."""
        if self.args.force or not osp.isfile(osp.join(ROOT, out)):
            cmd = [PY, TEST, config, ckpt, '--out', out,
                   '--work-dir', osp.dirname(out), *self.amp(),
                   '--cfg-options', *options, *self.data_options(loaders)]
            self.run(cmd, title, step)
        with open(osp.join(ROOT, out)) as f:
            return json.load(f)

    def stage1(self) -> str:
        args = self.args
        return self.train(args.stage1, f'{args.work_dir}/stage1',
                          f'stage 1: MAE (DeiT-{args.arch.upper()})', 'stage1',
                          list(args.stage1_options), ['train_dataloader'])

    def stage2(self, stage1: str, wd: str, step: str = 'stage2') -> str:
        arch = self.args.arch
        return self.train(f'{SYN}/sce_mae_deit_{arch}_stage2_synthetic.py',
                          f'{wd}/stage2', 'stage 2: CARB + LCR', step,
                          [f'model.backbone.checkpoint={stage1}',
                           *self.args.stage2_options], ['train_dataloader'])

    def matching(self, stage2: str, wd: str,
                 step: str = 'matching') -> Dict[str, Dict]:
        """Raw MAE and SCE-MAE matching of one stage-2 checkpoint; raw MAE
        first, its per-pair errors read by the SCE-MAE run for the paired
        difference SCE-MAE − raw MAE (``matching/diff_minus_raw_mae``).
        Both read the same frozen backbone: the raw MAE run writes its
        outputs to ``wd/backbone_cache`` (``LandmarkMatcher``'s
        ``backbone_cache``), the SCE-MAE run reads them; the folder
        (~1.8 MB per image at stride 2) is removed after both."""
        out = {}
        per_pair = f'{wd}/matching_raw/per_pair_errors.npz'
        cache = osp.join(ROOT, wd, 'backbone_cache')
        for kind, cfg, label in (('raw', 'raw_mae', 'raw MAE features'),
                                 ('sce', 'sce_mae', 'SCE-MAE projector')):
            sub = 'matching' if kind == 'sce' else 'matching_raw'
            options = ([f'test_evaluator.0.per_pair_file={per_pair}']
                       if kind == 'raw' else
                       [f'test_evaluator.0.reference_file={per_pair}',
                        'test_evaluator.0.reference_name=raw_mae'])
            out[kind] = self.test(
                f'{SYN}/{cfg}_deit_{self.args.arch}_mafl_matching_synthetic'
                '.py', stage2,
                f'{wd}/{sub}/metrics.json',
                f'MAFL landmark matching ({label})', step,
                ['test_dataloader'],
                options + [f'model.backbone_cache={cache}'])
        shutil.rmtree(cache, ignore_errors=True)
        return out

    def detection(self, key: str, stage2: str, wd: str,
                  step: str = 'detection') -> Dict:
        """Train and test one detection head on the frozen features."""
        label = DETECTION[key][0]
        cfg = f'{SYN}/sce_mae_deit_{self.args.arch}_{key}_synthetic.py'
        loaders = [f'{n}:{key}' for n in ('train_dataloader',
                                          'val_dataloader',
                                          'test_dataloader')]
        epochs = getattr(self.args, 'head_epochs', None)
        ckpt = self.train(cfg, f'{wd}/det_{key}',
                          f'detection head: train on {label}', step,
                          [f'model.init_cfg.checkpoint={stage2}',
                           *(head_schedule(epochs) if epochs else [])],
                          loaders)
        return self.test(cfg, ckpt, f'{wd}/det_{key}/test/metrics.json',
                         f'detection: test on {label}', step, loaders)
