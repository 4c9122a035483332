"""The stage-1 recipe study: which recipe learns most per CPU minute.

Every arm trains stage 1 for the same budget of CPU seconds (its own process
and its data workers, one thread each), then runs the quick start's stage 2,
MAFL matching (raw MAE and SCE-MAE, both scoring rules) and the MAFL head,
on a synthetic set whose seed no results table reports (selection), or on
the reported seeds. The images seen are whatever the budget buys: each arm
is probed for its CPU seconds per step first, and its cosine schedule is
set to end exactly at the budget (``stage1_config.py`` in its folder), so no
arm is cut off mid-schedule.

Layout (``--work-dir``, default ``work_dirs/stage1_recipe``)::

    seed{S}/{arm}/plan.json          probe: CPU s/step, epochs, images
    seed{S}/{arm}/stage1_config.py   the arm's stage-1 config
    seed{S}/{arm}/...                the quick start's folders
    seed{S}/{arm}/study.json         stage-1 CPU and wall seconds
    seed{S}/table.md                 the table

A killed study resumes: finished arms are read back, an interrupted one is
resumed by the quick start.
"""
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional

#: stage-1 base configs of the synthetic benchmark, by encoder
STAGE1_BASE = {
    't': 'configs/synthetic/sce_mae_deit_t_stage1_synthetic.py',
    's': 'configs/synthetic/sce_mae_deit_s_stage1_synthetic.py',
}


@dataclass
class Arm:
    """One stage-1 recipe.

    Args:
        name: folder and row name.
        reason: why the arm runs, written before it ran.
        arch: encoder, ``'t'`` (DeiT-T) or ``'s'`` (DeiT-S).
        faces: synthetic faces generated for the set (the CelebA training
            partition is about 40 % of them).
        config: config lines appended to the arm's stage-1 config.
        stage2: ``--cfg-options`` of the stage-2 command.
        stage1_of: another arm whose stage 1 this arm reuses (an arm that
            changes only what follows stage 1).
    """
    name: str
    reason: str
    arch: str = 't'
    faces: int = 3000
    config: Dict[str, str] = field(default_factory=dict)
    stage2: List[str] = field(default_factory=list)
    stage1_of: Optional[str] = None


S2_EPOCHS = ('train_cfg.max_epochs={n} param_scheduler.1.T_max={n} '
             'param_scheduler.1.end={n}')
DEC = 'model = dict(neck=dict(decoder_embed_dim={}, decoder_depth={}))'
ARMS: List[Arm] = [
    Arm('base', 'the quick start of commit 180e53c: DeiT-T, 2 x 128 '
        'decoder, mask 0.75, 1,196 training faces, lr 1.5e-3, flips'),
    Arm('dec4x256', 'decoder capacity: one A/B run (28,416 images) beat the '
        '2 x 128 decoder (37,888 images) by 6 px on different identity',
        config=dict(dec=DEC.format(256, 4))),
    Arm('lr3e-3', 'far misses (a third of the landmarks) and a curve still '
        'falling steeply say the encoder is under-trained: a 2x learning '
        'rate learns more per step if it stays stable',
        config=dict(lr='optim_wrapper = dict(optimizer=dict(lr=3e-3))')),

    Arm('mask060', 'mask ratio 0.6: more visible context per image, a '
        'costlier step', config=dict(
            mask='model = dict(backbone=dict(mask_ratio=0.6))')),
    Arm('faces4k', 'distinct faces at equal images seen: 4,040 training '
        'faces seen fewer times instead of 1,196 seen many times',
        faces=10100),
    Arm('noflip', 'mirror swaps dominate the misses: a horizontal flip '
        "turns each face's left half into a right half, so with flips the "
        'encoder can tell the sides apart by position only; without them a '
        'side keeps its own appearance statistics',
        config=dict(flip='flip_prob = 0.0\ntrain_pipeline = [\n'
                    "    dict(type='LoadImage'),\n"
                    "    dict(type='DVEFaceCrop', resize=136, crop=96),\n"
                    "    dict(type='mmpretrain.PackInputs')]\n"
                    'train_dataloader = dict(dataset=dict('
                    'pipeline=train_pipeline))')),
    Arm('dec8x512', "decoder capacity, MAE's default 8 x 512",
        config=dict(dec=DEC.format(512, 8))),
    Arm('deit_s', 'a wider encoder (the paper reports DeiT-S above DeiT-T)',
        arch='s'),
    Arm('base_s2x8', 'not a stage-1 arm: stage 2 of the quick start is '
        '148 steps (2 epochs of 1,196 faces) where the paper trains 25,000; '
        'SCE-MAE pulls away from raw MAE as training grows, so 8 epochs of '
        "stage 2 (about 100 s more) on the base arm's stage 1",
        stage1_of='base', stage2=S2_EPOCHS.format(n=8).split()),
    Arm('base_s2x6', 'stage 2 at 6 epochs, the most the quick start can '
        'afford beside a 50 % stage-1 share in fp32 within 20 min: how much '
        'of the 8-epoch gain it keeps', stage1_of='base',
        stage2=S2_EPOCHS.format(n=6).split()),
]


def arm_by_name(name: str, arms: Optional[List[Arm]] = None) -> Arm:
    for arm in arms or ARMS:
        if arm.name == name:
            return arm
    raise KeyError(f'stage1_recipe: no arm {name!r}; arms: '
                   f'{[a.name for a in arms or ARMS]}')


def data_dir(seed: int, faces: int) -> str:
    """The synthetic set of ``faces`` faces and ``seed``."""
    return f'data/synthetic_seed{seed}_n{faces}'


def make_data(root: str, seed: int, faces: int) -> str:
    """Writes the synthetic set once; returns its folder."""
    data = data_dir(seed, faces)
    if not osp.isfile(osp.join(root, data, 'synthetic_manifest.json')):
        subprocess.run([sys.executable, 'tools/make_synthetic_faces.py',
                        '--out', data, '--num', str(faces), '--seed',
                        str(seed)], cwd=root, check=True)
    return data


def write_arm_config(path: str, root: str, arm: Arm, epochs: int,
                     per_epoch: int) -> None:
    """The arm's stage-1 config: its base, its lines, and a warm-up +
    cosine schedule that ends after ``epochs``."""
    base = osp.join(root, STAGE1_BASE[arm.arch])
    lines = [f'# stage1_recipe arm {arm.name!r}: {arm.reason}',
             f'_base_ = [{base!r}]', f'max_epochs = {epochs}',
             *arm.config.values(),
             'param_scheduler = [',
             "    dict(type='LinearLR', start_factor=1e-3, by_epoch=True,",
             '         begin=0, end=1, convert_to_iter_based=True),',
             "    dict(type='CosineAnnealingLR', T_max=max(max_epochs - 1, 1),"
             ' eta_min=0.0,',
             '         by_epoch=True, begin=1, end=max(max_epochs, 2),',
             '         convert_to_iter_based=True)]',
             'train_cfg = dict(max_epochs=max_epochs)',
             'default_hooks = dict(checkpoint=dict(curve_epochs=[max_epochs],'
             f' images_per_epoch={per_epoch}))']
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def probe_step_seconds(config: str, steps: int = 12, warmup: int = 4,
                       bf16: bool = True) -> float:
    """CPU seconds of one stage-1 training step of ``config`` (model,
    optimizer, bf16 as ``tools/train.py --amp``), on a fixed uint8 batch in
    this process (one thread)."""
    import torch
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    from mmpretrain.structures import DataSample

    import sce_mae_mm.models  # noqa: F401  (registers the models)
    from sce_mae_mm.engine import install_fast_attention
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    model = MODELS.build(cfg.model)
    model.init_weights()
    install_fast_attention(model)
    model.train()
    wcfg = cfg.optim_wrapper.copy()
    if bf16:
        wcfg.type = 'CPUBf16OptimWrapper'
    wrapper = build_optim_wrapper(model, wcfg)
    if bf16:
        from sce_mae_mm.engine import prepare_cpu_bf16
        prepare_cpu_bf16(model)  # as SCEMAERunner before step one
    batch = cfg.train_dataloader.batch_size
    gen = torch.Generator().manual_seed(0)
    data = dict(inputs=torch.randint(0, 256, (batch, 3, 96, 96),
                                     generator=gen, dtype=torch.uint8),
                data_samples=[DataSample() for _ in range(batch)])
    for _ in range(warmup):
        model.train_step(data, wrapper)
    start = time.process_time()
    for _ in range(steps):
        model.train_step(data, wrapper)
    return (time.process_time() - start) / steps


def reprobe(root: str, seed_dir: str, arms: List[Arm], reps: int = 2,
            fp32: bool = False) -> Dict[str, float]:
    """Every arm's CPU s/step again, one arm after the other in this
    process, ``reps`` interleaved rounds, median: relative step costs
    measured side by side, unlike the plans' probes, each taken when its
    arm started (beside whatever else ran then)."""
    times: Dict[str, List[float]] = {}
    for _ in range(reps):
        for arm in arms:
            if arm.stage1_of is not None:
                continue
            cfg = osp.join(root, seed_dir, arm.name, 'stage1_config.py')
            times.setdefault(arm.name, []).append(
                probe_step_seconds(cfg, bf16=not fp32))
    return {k: sorted(v)[len(v) // 2] for k, v in times.items()}


def children_cpu() -> float:
    """CPU seconds of this process's waited-for descendants."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def read_json(path: str) -> Optional[Dict]:
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def write_json(path: str, obj: Dict) -> None:
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)


def quickstart_cmd(arm: Arm, seed: int, wd: str, stage1_cfg: str,
                   fp32: bool, until: Optional[str] = None) -> List[str]:
    cmd = [sys.executable, 'tools/quickstart.py', '--seed', str(seed),
           '--num', str(arm.faces), '--data', data_dir(seed, arm.faces),
           '--extra-celeba-train', '0',
           '--work-dir', wd, '--datasets', 'mafl', '--arch', arm.arch,
           '--stage1-config', stage1_cfg]
    if arm.stage2:
        cmd += ['--stage2-options', *arm.stage2]
    if fp32:
        cmd.append('--fp32')
    if until:
        cmd += ['--until', until]
    return cmd


def run_arm(root: str, arm: Arm, seed: int, budget: float, work_dir: str,
            fp32: bool = False) -> Dict:
    """Probe, plan, train and evaluate one arm; returns its study.json."""
    wd = osp.join(work_dir, f'seed{seed}', arm.name)
    os.makedirs(osp.join(root, wd), exist_ok=True)
    done = read_json(osp.join(root, wd, 'study.json'))
    if done is not None and done.get('finished'):
        return done
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    log = open(osp.join(root, wd, 'study.log'), 'a')
    data = make_data(root, seed, arm.faces)
    with open(osp.join(root, data, 'synthetic_manifest.json')) as f:
        faces = json.load(f)['counts']['celeba_train']
    plan_path = osp.join(root, wd, 'plan.json')
    cfg_path = osp.join(root, wd, 'stage1_config.py')
    if arm.stage1_of is not None:
        done = reuse_stage1(root, osp.join(work_dir, f'seed{seed}'), arm)
    plan = read_json(plan_path)
    if plan is None:
        write_arm_config(cfg_path, root, arm, 1, faces)
        probe = subprocess.run(
            [sys.executable, '-c',
             'import sys; from sce_mae_mm.studies.stage1_recipe import '
             'probe_step_seconds as p; '
             f'print(p(sys.argv[1], bf16={not fp32}))', cfg_path],
            cwd=root, env=env, check=True, capture_output=True, text=True)
        step_s = float(probe.stdout.strip().splitlines()[-1])
        from mmengine.config import Config
        batch = Config.fromfile(cfg_path).train_dataloader.batch_size
        per_epoch = faces - faces % batch
        steps = budget / step_s
        epochs = max(2, round(steps * batch / per_epoch))
        plan = dict(arm=arm.name, reason=arm.reason, probe_cpu_s_per_step=
                    step_s, batch=batch, per_epoch=per_epoch, epochs=epochs,
                    images_seen=epochs * per_epoch, budget_cpu_s=budget,
                    faces=arm.faces, train_faces=faces)
        write_json(plan_path, plan)
    if arm.stage1_of is None:
        write_arm_config(cfg_path, root, arm, plan['epochs'],
                         plan['per_epoch'])
    state = done or dict(stage1_cpu_s=0.0, stage1_wall_s=0.0)
    # stage 1 alone first, so its CPU seconds are measured apart
    cpu0, wall0 = children_cpu(), time.time()
    subprocess.run(quickstart_cmd(arm, seed, wd, cfg_path, fp32, 'stage1'),
                   cwd=root, env=env, check=True, stdout=log,
                   stderr=subprocess.STDOUT)
    if not state.get('stage1_done'):
        state['stage1_cpu_s'] += children_cpu() - cpu0
        state['stage1_wall_s'] += time.time() - wall0
        state['stage1_done'] = True
        write_json(osp.join(root, wd, 'study.json'), state)
    subprocess.run(quickstart_cmd(arm, seed, wd, cfg_path, fp32), cwd=root,
                   env=env, check=True, stdout=log, stderr=subprocess.STDOUT)
    state['finished'] = True
    write_json(osp.join(root, wd, 'study.json'), state)
    return state


def reuse_stage1(root: str, seed_dir: str, arm: Arm) -> Dict:
    """Links the stage 1 of ``arm.stage1_of`` into ``arm``'s folder, with
    its plan, config and stage-1 seconds; returns the study state."""
    src, dst = (osp.join(root, seed_dir, n) for n in (arm.stage1_of,
                                                      arm.name))
    state = read_json(osp.join(src, 'study.json'))
    if state is None or not state.get('stage1_done'):
        raise RuntimeError(f'stage1_recipe: arm {arm.name!r} reuses the '
                           f'stage 1 of {arm.stage1_of!r}, which has not '
                           f'finished ({src}/study.json)')
    if not osp.lexists(osp.join(dst, 'stage1')):
        os.symlink(osp.join(src, 'stage1'), osp.join(dst, 'stage1'))
    for name in ('plan.json', 'stage1_config.py'):
        with open(osp.join(src, name)) as f, \
                open(osp.join(dst, name), 'w') as g:
            g.write(f.read())
    state = dict(stage1_cpu_s=state['stage1_cpu_s'],
                 stage1_wall_s=state['stage1_wall_s'], stage1_done=True,
                 stage1_of=arm.stage1_of)
    write_json(osp.join(dst, 'study.json'), state)
    return state


def arm_metrics(root: str, wd: str) -> Optional[Dict[str, Dict]]:
    """The arm's metrics written by the quick start (None if unfinished)."""
    paths = dict(sce='matching/metrics.json', raw='matching_raw/metrics.json',
                 mafl='det_mafl/test/metrics.json', timings='timings.json',
                 plan='plan.json', study='study.json')
    out = {k: read_json(osp.join(root, wd, p)) for k, p in paths.items()}
    return None if any(v is None for v in out.values()) else out


def _m(metrics: Dict, key: str) -> Optional[float]:
    for name, val in metrics.items():
        if name == key or name.endswith('/' + key):
            return float(val)
    return None


def _f(val: Optional[float], spec: str = '.2f') -> str:
    return '–' if val is None else format(val, spec)


def study_rows(root: str, work_dir: str, seed: int,
               arms: List[Arm]) -> List[str]:
    """One markdown row per finished arm, each number beside its
    baseline (same-location for matching, mean shape for the head)."""
    lines = [
        '| arm | images seen | stage-1 CPU s (wall s) | CPU s/step: plan '
        '/ side by side | '
        'SCE-MAE same / diff (baseline) | SCE diff / baseline | SCE diff, '
        'DVE rule | raw MAE diff '
        '| SCE diff within 3 px (baseline) | mirror (baseline) | far '
        '(baseline) | MAFL NME (mean shape) |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|'
    ]
    side = read_json(osp.join(root, work_dir, f'seed{seed}',
                              'reprobe.json')) or {}
    for arm in arms:
        m = arm_metrics(root, osp.join(work_dir, f'seed{seed}', arm.name))
        if m is None:
            lines.append(f'| {arm.name} | not finished |' + ' |' * 10)
            continue
        sce, raw, det = m['sce'], m['raw'], m['mafl']
        plan, study = m['plan'], m['study']
        lines.append(
            f'| {arm.name} | {plan["images_seen"]:,} | '
            f'{_f(study["stage1_cpu_s"], ".0f")} '
            f'({study["stage1_wall_s"]:.0f}) | '
            f'{plan["probe_cpu_s_per_step"]:.3f} / '
            f'{_f(side.get(arm.stage1_of or arm.name), ".3f")} | '
            f'{_f(_m(sce, "same"))} / **{_f(_m(sce, "diff"))}** '
            f'({_f(_m(sce, "same_baseline"))} / '
            f'{_f(_m(sce, "diff_baseline"))}) | '
            f'{_f(_m(sce, "diff") / _m(sce, "diff_baseline"))} | '
            f'{_f(_m(sce, "diff_dve"))} | '
            f'{_f(_m(raw, "diff"))} | '
            f'{_f(_m(sce, "diff_within_3px"), ".3f")} '
            f'({_f(_m(sce, "diff_baseline_within_3px"), ".3f")}) | '
            f'{_f(_m(sce, "diff_mirror_rate"), ".3f")} '
            f'({_f(_m(sce, "diff_baseline_mirror_rate"), ".3f")}) | '
            f'{_f(_m(sce, "diff_far_rate"), ".3f")} '
            f'({_f(_m(sce, "diff_baseline_far_rate"), ".3f")}) | '
            f'{_f(_m(det, "NME"))} ({_f(_m(det, "NME_mean_shape"))}) |')
    return lines


def reasons(arms: List[Arm]) -> List[str]:
    """Each arm's reason, as written before it ran."""
    return [f'- **{a.name}** (DeiT-{a.arch.upper()}, {a.faces:,} faces): '
            f'{a.reason}' for a in arms]
