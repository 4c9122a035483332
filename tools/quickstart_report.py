"""The quick start's tables: matching, breakdown, detection, timings, curve.

Pure functions of the metrics the tool commands wrote (``tools/test.py
--out``), used by ``tools/quickstart.py``; each learned number stands
beside its trivial baseline (same-location for matching, mean shape for
detection) and the paper's.
"""
import math
from typing import Dict, List, Optional, Sequence

#: dataset key → (printed name, paper DeiT-T NME %)
DETECTION = {
    'mafl': ('MAFL', 2.20),
    'aflw_m': ('AFLW_M', 5.89),
    'aflw_r': ('AFLW_R (RO)', 5.54),
    '300w': ('300W', 4.22),
}
#: paper, real MAFL: SCE-MAE DeiT-T (Table 1) and raw MAE features (Table 4)
PAPER_MATCHING = dict(sce=(0.47, 1.99), raw=(0.55, 3.51))
DET_TARGET = 0.7  # a head must reach below 0.7 x the mean-shape NME
#: MAE pretraining throughput on one H200 in bf16: DeiT-S measured anchor;
#: DeiT-T an estimate (DeiT-S × its FLOP ratio, about 2.5)
H200_IMAGES_PER_S = {'deit-s': 13000.0, 'deit-t (estimate)': 32500.0}


def value(metrics: Dict[str, float], key: str) -> float:
    """``metrics[key]``, also under a ``prefix/`` (e.g. ``matching/``)."""
    for name, val in metrics.items():
        if name == key or name.endswith('/' + key):
            return float(val)
    raise KeyError(f'quickstart: no metric {key!r} in {sorted(metrics)}')


def has(metrics: Dict[str, float], key: str) -> bool:
    return any(k == key or k.endswith('/' + key) for k in metrics)


def fmt(metrics: Dict[str, float], key: str, spec: str = '.2f') -> str:
    return format(value(metrics, key), spec) if has(metrics, key) else '–'


def matching_rows(raw: Dict, sce: Dict) -> List[str]:
    """The matching table: baseline, raw MAE, SCE-MAE; ours and DVE's rule."""
    lines = [
        '| features | same identity | different identity | same (DVE rule)'
        ' | different (DVE rule) | silhouette | paper (real MAFL) |',
        '|---|---|---|---|---|---|---|',
        f'| same-location baseline | {fmt(sce, "same_baseline")} | '
        f'{fmt(sce, "diff_baseline")} | {fmt(sce, "same_baseline")} | '
        f'{fmt(sce, "diff_baseline")} | – | – |'
    ]
    for name, m, paper in (('raw MAE features (stage 1)', raw, 'raw'),
                           ('SCE-MAE (stage 2 projector)', sce, 'sce')):
        lines.append(
            f'| {name} | {fmt(m, "same")} | {fmt(m, "diff")} | '
            f'{fmt(m, "same_dve")} | {fmt(m, "diff_dve")} | '
            f'{fmt(m, "silhouette", ".3f")} | '
            + '%.2f / %.2f |' % PAPER_MATCHING[paper])
    return lines


def breakdown_rows(raw: Dict, sce: Dict) -> List[str]:
    """How the matches fail: within 1/3/5 px, mirror swaps, far misses."""
    lines = [
        '| features | identity | within 1 px | within 3 px | within 5 px | '
        'mirror rate | far rate |', '|---|---|---|---|---|---|---|'
    ]
    for name, m, infix in (('same-location baseline', sce, '_baseline'),
                           ('raw MAE features', raw, ''),
                           ('SCE-MAE', sce, '')):
        for group in ('same', 'diff'):
            keys = [f'{group}{infix}_within_{n}px' for n in (1, 3, 5)]
            keys += [f'{group}{infix}_mirror_rate', f'{group}{infix}_far_rate']
            cells = ' | '.join(fmt(m, k, '.3f') for k in keys)
            lines.append(f'| {name} | {group} | {cells} |')
    return lines


def detection_rows(det: Dict[str, Dict]) -> List[str]:
    lines = [
        '| dataset | mean-shape baseline | target (0.7 × baseline) | '
        'SCE-MAE head | paper (real data) |', '|---|---|---|---|---|'
    ]
    for key, metrics in det.items():
        label, paper = DETECTION[key]
        nme, mean = value(metrics, 'NME'), value(metrics, 'NME_mean_shape')
        lines.append(f'| {label} | {mean:.2f} | {DET_TARGET * mean:.2f} | '
                     f'{nme:.2f} | {paper:.2f} |')
    return lines


def checks(raw: Dict, sce: Dict, det: Dict[str, Dict]) -> List[str]:
    """What the run must show, each ticked or marked NOT MET."""
    out = []
    for group in ('same', 'diff'):
        base = value(sce, f'{group}_baseline')
        for kind, m in (('raw MAE', raw), ('SCE-MAE', sce)):
            out.append((f'{kind} below the same-location baseline '
                        f'({group})', value(m, group) < base))
    out.append(('SCE-MAE below raw MAE on different identity',
                value(sce, 'diff') < value(raw, 'diff')))
    for key, metrics in det.items():
        nme, mean = value(metrics, 'NME'), value(metrics, 'NME_mean_shape')
        out.append((f'{DETECTION[key][0]} head below {DET_TARGET} × mean '
                    'shape', nme < DET_TARGET * mean))
    return [f'- [{"x" if ok else " "}] {text}' + ('' if ok else ' — NOT MET')
            for text, ok in out]


def timings_rows(timings: Dict) -> List[str]:
    """The per-step seconds of ``timings.json`` as a table."""
    total = timings['total_s']
    lines = ['| step | seconds | share of the run |', '|---|---|---|']
    for step, secs in timings['steps'].items():
        lines.append(f'| {step} | {secs:.0f} | {100 * secs / total:.0f} % |')
    lines.append(f'| **total** | **{total:.0f}** | 100 % |')
    lines.append('')
    lines.append(
        f'stage 1: {timings["stage1_images_seen"]:,} images seen, '
        f'{timings["stage1_share"] * 100:.0f} % of the wall time; '
        f'{timings["threads"]} threads on {timings["cores"]} cores; bf16 '
        f'autocast {"on" if timings["bf16"] else "off"}.')
    return lines


def fit_crossing(points: Sequence[Dict], key: str,
                 baseline: float) -> Dict[str, Optional[float]]:
    """Least-squares line of ``key`` against log10(images seen) and where
    it would cross ``baseline``.

    Returns ``slope`` (error per decade), its standard error, the images
    seen at the crossing (None when the fitted line does not fall) and a
    1-s.e. interval of that crossing from the slope's uncertainty.
    """
    xs = [math.log10(p['images_seen']) for p in points if key in p]
    ys = [p[key] for p in points if key in p]
    n = len(xs)
    if n < 3:
        raise ValueError(f'fit_crossing: {key}: {n} points, need 3')
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx)**2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    icpt = my - slope * mx
    resid = sum((y - icpt - slope * x)**2 for x, y in zip(xs, ys))
    se = math.sqrt(resid / (n - 2) / sxx) if n > 2 else float('nan')

    def cross(b: float) -> Optional[float]:
        if b >= 0:
            return None
        return 10**((baseline - (my - b * mx)) / b)

    out = dict(slope=slope, slope_se=se, intercept=icpt, points=n,
               crossing=cross(slope), crossing_low=cross(slope - se),
               crossing_high=cross(slope + se))
    return out


def crossing_text(name: str, fit: Dict) -> str:
    """One sentence on the fit and the H200 time it implies."""
    head = (f'{name}: {fit["slope"]:+.2f} ± {fit["slope_se"]:.2f} px per '
            f'decade of images seen ({fit["points"]} points)')
    if fit['crossing'] is None:
        return head + '; the fitted line does not fall: no crossing.'
    low, high = fit['crossing_low'], fit['crossing_high']
    span = (f'{low:,.0f} to {high:,.0f}' if high is not None else
            f'at least {low:,.0f} (the slope is within 1 s.e. of flat)')
    times = '; '.join(
        f'{arch}: {_duration(fit["crossing"] / rate)}'
        for arch, rate in H200_IMAGES_PER_S.items())
    return (head + f'; crosses the baseline at {fit["crossing"]:,.0f} images'
            f' seen (1 s.e.: {span}); on one H200 in bf16 that is {times}.')


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f'{seconds:.0f} s'
    if seconds < 3600:
        return f'{seconds / 60:.0f} min'
    if seconds < 86400 * 3:
        return f'{seconds / 3600:.1f} h'
    return f'{seconds / 86400:.0f} days'


def curve_rows(points: Sequence[Dict], baselines: Dict) -> List[str]:
    """One row per stage-1 checkpoint, images seen written out in full."""
    heads = [k for k in DETECTION if f'nme_{k}' in points[0]]
    head = ('| images seen | raw same | raw diff | SCE same | SCE diff | '
            'SCE diff (DVE rule) | SCE diff mirror | SCE diff far | '
            'silhouette | ' + ' | '.join(
                f'{DETECTION[k][0]} NME' for k in heads) + ' |')
    lines = [head, '|' + '---|' * (9 + len(heads))]
    base = (f'| baseline | {baselines["same"]:.2f} | {baselines["diff"]:.2f}'
            f' | {baselines["same"]:.2f} | {baselines["diff"]:.2f} | '
            f'{baselines["diff"]:.2f} | '
            f'{baselines.get("diff_mirror_rate", float("nan")):.3f} | '
            f'{baselines.get("diff_far_rate", float("nan")):.3f} | – | '
            + ' | '.join(f'{baselines.get("nme_" + k, float("nan")):.2f}'
                         for k in heads) + ' |')
    lines.append(base)
    for p in points:
        cells = [f'{p["images_seen"]:,}'] + [
            _cell(p, k) for k in ('raw_same', 'raw_diff', 'sce_same',
                                  'sce_diff', 'sce_diff_dve')
        ] + [_cell(p, k, '.3f') for k in ('sce_diff_mirror_rate',
                                          'sce_diff_far_rate',
                                          'sce_silhouette')]
        cells += [_cell(p, f'nme_{k}') for k in heads]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return lines


def _cell(p: Dict, key: str, spec: str = '.2f') -> str:
    return format(p[key], spec) if key in p else '–'


def curve_point(images_seen: int, match: Dict, det: Dict[str, Dict],
                epoch: int) -> Dict:
    """The numbers of one learning-curve point."""
    point = dict(images_seen=images_seen, epoch=epoch)
    for kind in ('raw', 'sce'):
        m = match[kind]
        for key in ('same', 'diff', 'same_dve', 'diff_dve', 'silhouette',
                    'diff_mirror_rate', 'diff_far_rate', 'diff_within_3px',
                    'same_mirror_rate', 'same_far_rate'):
            if has(m, key):
                point[f'{kind}_{key}'] = value(m, key)
    for key, metrics in det.items():
        point[f'nme_{key}'] = value(metrics, 'NME')
    if 'mafl' in det:
        point['nme'] = point['nme_mafl']
    return point


def curve_baselines(sce: Dict, det: Dict[str, Dict]) -> Dict[str, float]:
    out = dict(same=value(sce, 'same_baseline'),
               diff=value(sce, 'diff_baseline'))
    for key in ('diff_baseline_mirror_rate', 'diff_baseline_far_rate'):
        if has(sce, key):
            out[key.replace('_baseline', '')] = value(sce, key)
    for key, metrics in det.items():
        out[f'nme_{key}'] = value(metrics, 'NME_mean_shape')
    if 'mafl' in det:
        out['nme'] = out['nme_mafl']
    return out


def fits_text(points: Sequence[Dict], baselines: Dict) -> List[str]:
    """The crossing sentences for raw MAE and SCE-MAE, different identity."""
    out = []
    for kind, name in (('raw', 'raw MAE, different identity'),
                       ('sce', 'SCE-MAE, different identity')):
        try:
            fit = fit_crossing(points, f'{kind}_diff', baselines['diff'])
        except ValueError as err:
            out.append(f'- {name}: {err}')
            continue
        out.append('- ' + crossing_text(name, fit))
    return out
