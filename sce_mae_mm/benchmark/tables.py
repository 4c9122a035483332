"""The one table builder: markdown tables of the quick start, the studies,
the limited-annotation sweep and the README.

Pure functions of the metrics the tool commands wrote (``tools/test.py
--out``); each learned number stands beside its trivial baseline
(same-location for matching, mean shape for detection) and the paper's
(:mod:`sce_mae_mm.benchmark.paper`).
"""
from typing import Dict, List, Optional, Sequence

from ..evaluation.functional.bootstrap import format_ci, verdict
from . import paper

#: the quick start's detection datasets: key → (printed name, paper
#: DeiT-T NME %)
DETECTION = {
    key: (label, paper.detection_nme('deit-t', key))
    for key, label in (('mafl', 'MAFL'), ('aflw_m', 'AFLW_M'),
                       ('aflw_r', 'AFLW_R (RO)'), ('300w', '300W'))
}
#: paper, real MAFL: SCE-MAE DeiT-T (Table 1) and raw MAE features (Table 4)
PAPER_MATCHING = dict(sce=paper.MATCHING['deit-t'],
                      raw=paper.COMPONENTS['raw'])
DET_TARGET = 0.7  # a head must reach below 0.7 x the mean-shape NME


# ------------------------------------------------------------- builder
def markdown_lines(header: Sequence[str],
                   rows: Sequence[Sequence]) -> List[str]:
    """A markdown table as lines: header, ``|---|`` rule, one line per row
    (cells converted with ``str``)."""
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join(['---'] * len(header)) + '|']
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return lines


def markdown_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """:func:`markdown_lines` joined into one string."""
    return '\n'.join(markdown_lines(header, rows))


def pair_text(pair: Optional[Sequence[float]]) -> str:
    """A paper pair as ``'same / diff'`` (two decimals); '–' when None."""
    return '–' if pair is None else '%.2f / %.2f' % tuple(pair)


# ------------------------------------------------------------- metrics
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


def fmt_ci(metrics: Dict[str, float], key: str) -> str:
    """``'7.35 [6.90, 7.81]'``: the value and its 95 % interval (the value
    alone where the metrics hold no interval; '–' where no value)."""
    if not has(metrics, key):
        return '–'
    if not has(metrics, f'{key}_ci_low'):
        return fmt(metrics, key)
    return format_ci(value(metrics, key), value(metrics, f'{key}_ci_low'),
                     value(metrics, f'{key}_ci_high'))


def with_point_differences(metrics: Dict[str, float],
                           raw: Optional[Dict[str, float]] = None
                           ) -> Dict[str, float]:
    """``metrics`` plus the differences and ratios the checks read, as
    plain values (no interval) where a run's metrics lack them (metrics
    written before the intervals existed)."""
    out = dict(metrics)
    derived = {f'{g}{rule}_minus_baseline': (g + rule, f'{g}_baseline', '-')
               for g in ('same', 'diff') for rule in ('', '_dve')}
    derived['NME_over_mean_shape'] = ('NME', 'NME_mean_shape', '/')
    for key, (a, b, op) in derived.items():
        if not has(out, key) and has(out, a) and has(out, b):
            x, y = value(out, a), value(out, b)
            out[key] = x - y if op == '-' else x / y
    if raw is not None and not has(out, 'diff_minus_raw_mae') and \
            has(out, 'diff') and has(raw, 'diff'):
        out['diff_minus_raw_mae'] = value(out, 'diff') - value(raw, 'diff')
    return out


def check(metrics: Dict[str, float], key: str, text: str,
          better: str = 'below', against: float = 0.0) -> str:
    """A check line from the interval of a difference (or ratio) ``key``:
    met where it lies wholly on the ``better`` side of ``against``, not
    established where it contains it, NOT MET where wholly on the other
    side; a metric without an interval is judged by its value alone and
    says so."""
    if not has(metrics, key):
        return f'- [ ] {text} — not measured (no {key})'
    mean = value(metrics, key)
    if has(metrics, f'{key}_ci_low'):
        low = value(metrics, f'{key}_ci_low') - against
        high = value(metrics, f'{key}_ci_high') - against
        shown = fmt_ci(metrics, key)
    else:
        low = high = mean - against
        shown = f'{mean:.2f}, no interval'
    result = verdict(low, high, better)
    box = 'x' if result == 'met' else ' '
    return f'- [{box}] {text}: {shown} — {result}'


# ---------------------------------------------------------- quick start
def matching_rows(raw: Dict, sce: Dict) -> List[str]:
    """The matching table: baseline, raw MAE, SCE-MAE; ours and DVE's rule."""
    rows = [['same-location baseline', fmt_ci(sce, 'same_baseline'),
             fmt_ci(sce, 'diff_baseline'), fmt_ci(sce, 'same_baseline'),
             fmt_ci(sce, 'diff_baseline'), '–', '–']]
    for name, m, ref in (('raw MAE features (stage 1)', raw, 'raw'),
                         ('SCE-MAE (stage 2 projector)', sce, 'sce')):
        rows.append([name, fmt_ci(m, 'same'), fmt_ci(m, 'diff'),
                     fmt_ci(m, 'same_dve'), fmt_ci(m, 'diff_dve'),
                     fmt(m, 'silhouette', '.3f'),
                     pair_text(PAPER_MATCHING[ref])])
    return markdown_lines(
        ['features', 'same identity', 'different identity',
         'same (DVE rule)', 'different (DVE rule)', 'silhouette',
         'paper (real MAFL)'], rows)


def breakdown_rows(raw: Dict, sce: Dict) -> List[str]:
    """How the matches fail: within 1/3/5 px, mirror swaps, far misses."""
    rows = []
    for name, m, infix in (('same-location baseline', sce, '_baseline'),
                           ('raw MAE features', raw, ''),
                           ('SCE-MAE', sce, '')):
        for group in ('same', 'diff'):
            keys = [f'{group}{infix}_within_{n}px' for n in (1, 3, 5)]
            keys += [f'{group}{infix}_mirror_rate', f'{group}{infix}_far_rate']
            rows.append([name, group, *(fmt(m, k, '.3f') for k in keys)])
    return markdown_lines(
        ['features', 'identity', 'within 1 px', 'within 3 px', 'within 5 px',
         'mirror rate', 'far rate'], rows)


def detection_rows(det: Dict[str, Dict]) -> List[str]:
    rows = []
    for key, metrics in det.items():
        label, ref = DETECTION[key]
        metrics = with_point_differences(metrics)
        mean = value(metrics, 'NME_mean_shape')
        rows.append([label, fmt_ci(metrics, 'NME_mean_shape'),
                     f'{DET_TARGET * mean:.2f}', fmt_ci(metrics, 'NME'),
                     fmt_ci(metrics, 'NME_over_mean_shape'), f'{ref:.2f}'])
    return markdown_lines(
        ['dataset', 'mean-shape baseline', 'target (0.7 × baseline)',
         'SCE-MAE head', 'head / mean shape', 'paper (real data)'], rows)


def checks(raw: Dict, sce: Dict, det: Dict[str, Dict]) -> List[str]:
    """What the run must show, each judged by the 95 % interval of its
    paired difference: met (wholly on the right side of 0), not
    established (it spans 0) or NOT MET (wholly on the wrong side)."""
    raw, sce = with_point_differences(raw), with_point_differences(sce, raw)
    det = {k: with_point_differences(m) for k, m in det.items()}
    out = []
    for group in ('same', 'diff'):
        for kind, m in (('raw MAE', raw), ('SCE-MAE', sce)):
            out.append(check(m, f'{group}_minus_baseline',
                             f'{kind} below the same-location baseline '
                             f'({group}), {kind} − baseline'))
    out.append(check(sce, 'diff_dve_minus_baseline',
                     "SCE-MAE below the same-location baseline (diff, DVE's "
                     'rule), SCE-MAE − baseline'))
    out.append(check(sce, 'diff_minus_raw_mae',
                     'SCE-MAE below raw MAE on different identity, '
                     'SCE-MAE − raw MAE'))
    for key, metrics in det.items():
        out.append(check(metrics, 'NME_over_mean_shape',
                         f'{DETECTION[key][0]} head below {DET_TARGET} × '
                         'mean shape, NME / mean-shape NME',
                         against=DET_TARGET))
    return out


def timings_rows(timings: Dict) -> List[str]:
    """The per-step seconds of ``timings.json`` as a table."""
    total = timings['total_s']
    rows = [[step, f'{secs:.0f}', f'{100 * secs / total:.0f} %']
            for step, secs in timings['steps'].items()]
    rows.append(['**total**', f'**{total:.0f}**', '100 %'])
    lines = markdown_lines(['step', 'seconds', 'share of the run'], rows)
    lines.append('')
    lines.append(
        f'stage 1: {timings["stage1_images_seen"]:,} images seen, '
        f'{timings["stage1_share"] * 100:.0f} % of the wall time; '
        f'{timings["threads"]} threads on {timings["cores"]} cores; bf16 '
        f'autocast {"on" if timings["bf16"] else "off"}.')
    return lines


# -------------------------------------------------------------- README
def readme_tables(raw: Dict, sce: Dict, det: Dict[str, Dict]) -> str:
    """The README's quick-start tables (matching without the silhouette,
    detection without the target) from the same metrics."""
    match = [['same-location baseline', fmt_ci(sce, 'same_baseline'),
              fmt_ci(sce, 'diff_baseline'), fmt_ci(sce, 'same_baseline'),
              fmt_ci(sce, 'diff_baseline'), '–']]
    for name, m, ref in (('raw MAE features (stage 1)', raw, 'raw'),
                         ('SCE-MAE (stage 2 projector)', sce, 'sce')):
        match.append([name, fmt_ci(m, 'same'), fmt_ci(m, 'diff'),
                      fmt_ci(m, 'same_dve'), fmt_ci(m, 'diff_dve'),
                      pair_text(PAPER_MATCHING[ref])])
    heads = [[DETECTION[key][0].split(' ')[0],
              fmt_ci(metrics, 'NME_mean_shape'), fmt_ci(metrics, 'NME'),
              fmt_ci(with_point_differences(metrics), 'NME_over_mean_shape'),
              f'{DETECTION[key][1]:.2f}'] for key, metrics in det.items()]
    return '\n'.join([
        '**MAFL landmark matching** (mean error, px in the 70-px frame; '
        'lower is better)', '',
        *markdown_lines(['features', 'same identity', 'different identity',
                         'same (DVE rule)', 'different (DVE rule)',
                         'paper (real MAFL, same / different)'], match), '',
        '**Landmark detection** (NME %, inter-ocular, 96-px input frame; '
        'lower is better)', '',
        *markdown_lines(['dataset', 'mean-shape baseline', 'SCE-MAE head',
                         'head / mean shape', 'paper (real data, DeiT-T)'],
                        heads)])


# ------------------------------------------------------- learning curve
def curve_rows(points: Sequence[Dict], baselines: Dict) -> List[str]:
    """One row per stage-1 checkpoint, images seen written out in full."""
    heads = [k for k in DETECTION if f'nme_{k}' in points[0]]
    header = ['images seen', 'raw same', 'raw diff', 'SCE same', 'SCE diff',
              'SCE diff (DVE rule)', 'SCE diff mirror', 'SCE diff far',
              'silhouette', *(f'{DETECTION[k][0]} NME' for k in heads)]
    nan = float('nan')
    rows = [['baseline', *(f'{baselines[k]:.2f}' for k in (
        'same', 'diff', 'same', 'diff', 'diff')),
        f'{baselines.get("diff_mirror_rate", nan):.3f}',
        f'{baselines.get("diff_far_rate", nan):.3f}', '–',
        *(f'{baselines.get("nme_" + k, nan):.2f}' for k in heads)]]
    for p in points:
        cells = [f'{p["images_seen"]:,}'] + [
            _cell(p, k) for k in ('raw_same', 'raw_diff', 'sce_same',
                                  'sce_diff', 'sce_diff_dve')
        ] + [_cell(p, k, '.3f') for k in ('sce_diff_mirror_rate',
                                          'sce_diff_far_rate',
                                          'sce_silhouette')]
        rows.append(cells + [_cell(p, f'nme_{k}') for k in heads])
    return markdown_lines(header, rows)


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
