"""What each supplementary study trains and evaluates, and the commands.

A study is a list of :class:`Row` s. A row names a stage-2 :class:`Variant`
(trained once from the stage-1 checkpoint with ``tools/train.py``; rows and
studies share variants with the same name, e.g. the default SCE-MAE model)
and the :class:`Evaluation` s to run on it (``tools/test.py ... --out
metrics.json``; detection first trains a regressor with ``tools/train.py``).
Every step is an ordinary tool command with ``--cfg-options``; this module
only builds the commands, :mod:`.runner` runs them (``tools/studies/
run_study.py``); the configs come from :mod:`.configs`.

Work-dir layout (``ARCH`` = deit-t / deit-s / deit-b)::

    WORK/ARCH/VARIANT/                stage-2 training (tools/train.py)
    WORK/ARCH/VARIANT/det_DATASET/    detection regressor training
    WORK/ARCH/VARIANT/eval/NAME.json  test metrics (tools/test.py --out)
    WORK/ARCH/VARIANT/eval/NAME_per_pair.npz   matching: each pair's error
    WORK/ARCH/VARIANT/eval/NAME_per_image.npz  detection: each face's NME
    WORK/ARCH/VARIANT/eval/NAME/      test work dir (logs)

The per-pair / per-image files (:func:`per_unit_path`) are what
:mod:`.judge` compares two variants on, unit by unit.
"""
import os.path as osp
import shlex
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from .configs import (ARCHS, DATASETS, PROJ_DIMS, ROOT, Options,  # noqa: F401
                      cl_detection_options, detection_config, matching_config,
                      stage2_config)

STUDIES = ('baselines', 'components', 'drop_rate', 'cluster_layer',
           'num_clusters', 'correspondence')
GRIDS = ('reduced', 'full')

# SCE-MAE defaults (configs/sce_mae_deit_*_stage2.py): the rows with these
# values reuse the default stage-2 model 'sce_mae'.
DEFAULT_LAYER = 2
DEFAULT_CLUSTERS = 4
REPELLENCE = (('r_att_att', 5.), ('r_att_inatt', 5.), ('r_inatt_inatt', 2.))

GRID_POINTS = {
    'drop_rate': dict(
        full=(0., .1, .2, .25, .3, .4, .5, .6, .7, .8, .9),
        reduced=(0., .25, .75)),
    'cluster_layer': dict(full=tuple(range(12)), reduced=(0, 2, 11)),
    'num_clusters': dict(full=(1, 2, 4, 8), reduced=(1, 4)),
    'correspondence': dict(
        full=('r_att_att', 'r_att_inatt', 'r_inatt_inatt', None),
        reduced=('r_att_att', 'r_att_inatt', None)),
}


@dataclass(frozen=True)
class Variant:
    """A stage-2 model trained from the stage-1 checkpoint.

    Attributes:
        name: folder name under ``WORK/ARCH``; equal names share a model.
        method: ``'sce_mae'``, ``'cl'``, ``'lead'`` or ``'clustering_cl'``.
        options: extra ``--cfg-options`` of the training.
    """
    name: str
    method: str = 'sce_mae'
    options: Options = ()


@dataclass(frozen=True)
class Evaluation:
    """One test of a stage-2 model.

    Attributes:
        name: metrics file stem (``eval/NAME.json``).
        kind: ``'matching'`` or ``'detection'``.
        options: extra ``--cfg-options`` of the test (matching) or of the
            regressor training and test (detection).
        dataset: detection dataset (``DATASETS``).
        test_options: extra ``--cfg-options`` of the test only.
    """
    name: str
    kind: str = 'matching'
    options: Options = ()
    dataset: str = 'mafl'
    test_options: Options = ()


@dataclass
class Row:
    """One line of a study's table.

    Attributes:
        key: the row's study parameter (drop rate, layer, ...).
        label: text of the row.
        variant: the stage-2 model evaluated.
        evals: role (e.g. ``'matching'``, ``'det_mafl'``) -> evaluation.
    """
    key: object
    label: str
    variant: Variant
    evals: Dict[str, Evaluation] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """Everything the commands depend on.

    Attributes:
        stage1: stage-1 checkpoint.
        arch: backbone arch of that checkpoint.
        work_dir: root of the study outputs.
        synthetic: use the synthetic-set configs.
        grid: ``'reduced'`` or ``'full'``.
        python: interpreter running the tools.
        stage2_epochs: override of the stage-2 epochs (None: config's).
        det_epochs: override of the regressor epochs (None: config's).
        matching_stride: override of the matching cover-and-stride stride.
        backbone_cache: ``LandmarkMatcher``'s ``backbone_cache`` folder of
            the matching evaluations (None: the backbone runs every time).
        stage2_options: ``--cfg-options`` of every stage-2 training, before
            the variant's own (e.g. the quick start's schedule).
        datasets: detection datasets of the baselines study.
        aflw_rc: corrected AFLW_R test keypoints (.mat) for AFLW_RC.
    """
    stage1: str
    arch: str
    work_dir: str
    synthetic: bool = False
    grid: str = 'full'
    python: str = 'python'
    stage2_epochs: Optional[int] = None
    det_epochs: Optional[int] = None
    matching_stride: Optional[int] = None
    backbone_cache: Optional[str] = None
    stage2_options: Options = ()
    datasets: Tuple[str, ...] = ('mafl', )
    aflw_rc: Optional[str] = None


# ------------------------------------------------------------ studies
SCE_MAE = Variant('sce_mae')


def _matching(name: str = 'matching', options: Options = ()) -> Evaluation:
    return Evaluation(name=name, options=options)


def _detection(ctx: Context) -> Dict[str, Evaluation]:
    evals = {}
    for dataset in ctx.datasets:
        evals[f'det_{dataset}'] = Evaluation(
            name=f'det_{dataset}', kind='detection', dataset=dataset)
        if dataset == 'aflw_r' and ctx.aflw_rc:
            evals['det_aflw_rc'] = Evaluation(
                name='det_aflw_rc',
                kind='detection',
                dataset='aflw_r',
                test_options=(('test_dataloader.dataset.test_keypoint_file',
                               ctx.aflw_rc), ))
    return evals


def baselines_rows(ctx: Context) -> List[Row]:
    """Tables S2/S3: CL, LEAD and SCE-MAE second stages on one DeiT."""
    rows = []
    for key, label, variant in (('cl', 'CL', Variant('cl', 'cl')),
                                ('lead', 'LEAD', Variant('lead', 'lead')),
                                ('ours', 'Ours', SCE_MAE)):
        evals = dict(matching=_matching(), **_detection(ctx))
        rows.append(Row(key, label, variant, evals))
    return rows


def components_rows(ctx: Context) -> List[Row]:
    """Table 4: raw MAE features, + clustering, + clustering + LCR; and
    SCE-MAE matched on the plain stride-8 token map (no cover-and-stride,
    the claim of Section 3)."""
    raw = _matching('matching_backbone', (('model.descriptor', 'backbone'), ))
    # test_options come last: stride 8 even with --matching-stride
    stride8 = Evaluation(name='matching_stride8',
                         test_options=(('model.stride', 8), ))
    return [
        Row('raw', 'MAE last layer (raw features)', SCE_MAE,
            dict(matching=raw)),
        Row('clustering', '+ clustering (CARB, CL loss, no LCR)',
            Variant('clustering_cl', 'clustering_cl'),
            dict(matching=_matching())),
        Row('lcr', '+ clustering + LCR (SCE-MAE)', SCE_MAE,
            dict(matching=_matching())),
        Row('stride8', 'SCE-MAE, stride-8 map (no cover-and-stride)',
            SCE_MAE, dict(matching=stride8)),
    ]


def drop_rate_rows(ctx: Context) -> List[Row]:
    """Figure S2: matching with the least-attended tokens dropped."""
    rows = []
    for rate in GRID_POINTS['drop_rate'][ctx.grid]:
        if rate == 0:  # DropTokenMatcher(0) is LandmarkMatcher exactly
            ev = _matching()
        else:
            ev = _matching(f'drop_{rate:.2f}',
                           (('model.type', 'DropTokenMatcher'),
                            ('model.drop_rate', float(rate))))
        rows.append(Row(rate, f'{100 * rate:g}%', SCE_MAE,
                        dict(matching=ev)))
    return rows


def cluster_layer_rows(ctx: Context) -> List[Row]:
    """Table S4: the layer of the split and the clustering, 0-11."""
    rows = []
    for layer in GRID_POINTS['cluster_layer'][ctx.grid]:
        variant = SCE_MAE if layer == DEFAULT_LAYER else Variant(
            f'layer_{layer:02d}',
            options=(('model.backbone.layer_index', int(layer)), ))
        rows.append(Row(layer, str(layer), variant,
                        dict(matching=_matching())))
    return rows


def num_clusters_rows(ctx: Context) -> List[Row]:
    """Table S5: the number of clusters K_c."""
    rows = []
    for k in GRID_POINTS['num_clusters'][ctx.grid]:
        variant = SCE_MAE if k == DEFAULT_CLUSTERS else Variant(
            f'clusters_{k}', options=(('model.neck.num_clusters', int(k)), ))
        rows.append(Row(k, str(k), variant, dict(matching=_matching())))
    return rows


def correspondence_rows(ctx: Context) -> List[Row]:
    """Table S6: each correspondence type switched off (r = 0) in turn."""
    rows = []
    for off in GRID_POINTS['correspondence'][ctx.grid]:
        if off is None:
            variant, label = SCE_MAE, 'all on'
        else:
            variant = Variant(f'{off}_off',
                              options=((f'model.loss.{off}', 0.), ))
            label = f'{off} = 0'
        rows.append(Row(off, label, variant, dict(matching=_matching())))
    return rows


ROW_BUILDERS = dict(
    baselines=baselines_rows,
    components=components_rows,
    drop_rate=drop_rate_rows,
    cluster_layer=cluster_layer_rows,
    num_clusters=num_clusters_rows,
    correspondence=correspondence_rows)


def study_rows(study: str, ctx: Context) -> List[Row]:
    """The rows of ``study`` for the context's grid."""
    if study not in ROW_BUILDERS:
        raise ValueError(f'study plan: unknown study {study!r}; expected '
                         f'one of {STUDIES}')
    if ctx.grid not in GRIDS:
        raise ValueError(f'study plan: grid must be one of {GRIDS}, got '
                         f'{ctx.grid!r}')
    return ROW_BUILDERS[study](ctx)


# ------------------------------------------------------------ commands
def format_options(options: Sequence[Tuple[str, object]]) -> List[str]:
    """``key=value`` strings for mmengine's ``--cfg-options``."""
    out = []
    for key, value in options:
        if isinstance(value, bool) or value is None:
            text = str(value)
        elif isinstance(value, float):
            text = repr(float(value))
        else:
            text = str(value)
        out.append(f'{key}={text}')
    return out


def variant_dir(ctx: Context, variant: Variant) -> str:
    """Work dir of a stage-2 variant's training."""
    return osp.join(ctx.work_dir, ctx.arch, variant.name)


def eval_paths(ctx: Context, variant: Variant,
               ev: Evaluation) -> Tuple[str, str]:
    """(metrics json, test work dir) of an evaluation."""
    base = osp.join(variant_dir(ctx, variant), 'eval')
    return osp.join(base, f'{ev.name}.json'), osp.join(base, ev.name)


def per_unit_path(ctx: Context, variant: Variant, ev: Evaluation) -> str:
    """The evaluation's per-unit errors beside its metrics:
    ``eval/NAME_per_pair.npz`` (matching, written by
    ``MAFLMatchingMetric(per_pair_file=...)``) or
    ``eval/NAME_per_image.npz`` (detection, ``InputFrameNME(
    per_image_file=...)``)."""
    unit = 'pair' if ev.kind == 'matching' else 'image'
    return osp.join(variant_dir(ctx, variant), 'eval',
                    f'{ev.name}_per_{unit}.npz')


def detection_dir(ctx: Context, variant: Variant, ev: Evaluation) -> str:
    """Work dir of a detection regressor's training."""
    return osp.join(variant_dir(ctx, variant), f'det_{ev.dataset}')


def _tool(name: str) -> str:
    return osp.join(ROOT, 'tools', name)


def _with_options(cmd: List[str], options: Options) -> List[str]:
    return cmd + ['--cfg-options', *format_options(options)] if options \
        else cmd


def train_stage2_command(ctx: Context, variant: Variant) -> List[str]:
    """``tools/train.py`` command of a stage-2 variant."""
    options: List[Tuple[str, object]] = [('model.backbone.checkpoint',
                                          ctx.stage1)]
    if ctx.stage2_epochs is not None:
        options.append(('train_cfg.max_epochs', int(ctx.stage2_epochs)))
    options += list(ctx.stage2_options) + list(variant.options)
    cmd = [ctx.python, _tool('train.py'),
           osp.join(ROOT, stage2_config(variant.method, ctx.arch,
                                        ctx.synthetic)),
           '--work-dir', variant_dir(ctx, variant)]
    return _with_options(cmd, tuple(options))


def matching_command(ctx: Context, variant: Variant, ev: Evaluation,
                     checkpoint: str) -> List[str]:
    """``tools/test.py`` command of a matching evaluation."""
    out, work = eval_paths(ctx, variant, ev)
    # the matching configs' test_evaluator is a list, MAFLMatchingMetric 1st
    options = [('test_evaluator.0.per_pair_file',
                per_unit_path(ctx, variant, ev))] + list(ev.options)
    if ctx.matching_stride is not None:
        options.append(('model.stride', int(ctx.matching_stride)))
    if ctx.backbone_cache is not None:
        options.append(('model.backbone_cache', ctx.backbone_cache))
    options += list(ev.test_options)
    cmd = [ctx.python, _tool('test.py'),
           osp.join(ROOT, matching_config(ctx.arch, ctx.synthetic,
                                          variant.method)),
           checkpoint, '--work-dir', work, '--out', out]
    return _with_options(cmd, tuple(options))


def detection_commands(ctx: Context, variant: Variant, ev: Evaluation,
                       stage2_checkpoint: str,
                       det_checkpoint: Optional[str] = None
                       ) -> Tuple[List[str], List[str]]:
    """(train, test) commands of a detection evaluation.

    ``det_checkpoint`` is the trained regressor (known after training; a
    placeholder is printed before).
    """
    config, arch_options = detection_config(ctx.arch, ev.dataset,
                                            ctx.synthetic)
    config = osp.join(ROOT, config)
    work = detection_dir(ctx, variant, ev)
    options = list(arch_options) + list(ev.options)
    if variant.method == 'cl':
        options += list(cl_detection_options(ctx.arch))
    train_options = options + [('model.init_cfg.checkpoint',
                                stage2_checkpoint)]
    if ctx.det_epochs is not None:
        train_options.append(('train_cfg.max_epochs', int(ctx.det_epochs)))
    train = _with_options(
        [ctx.python, _tool('train.py'), config, '--work-dir', work],
        tuple(train_options))
    out, test_work = eval_paths(ctx, variant, ev)
    det_checkpoint = det_checkpoint or osp.join(work, 'LAST_CHECKPOINT.pth')
    test = _with_options(
        [ctx.python, _tool('test.py'), config, det_checkpoint, '--work-dir',
         test_work, '--out', out],
        tuple(options) + tuple(ev.test_options) +
        (('test_evaluator.per_image_file', per_unit_path(ctx, variant, ev)),
         ))  # the detection configs' test_evaluator: one InputFrameNME
    return train, test


def show(cmd: Sequence[str]) -> str:
    """A command as one copy-pasteable shell line."""
    return shlex.join(list(cmd))
