"""Tables and plots of the supplementary's studies, paper numbers beside ours.

The tables come from the project's one table builder
(:func:`sce_mae_mm.benchmark.tables.markdown_table`), the paper's numbers
from :mod:`sce_mae_mm.benchmark.paper`.

Every study gets a markdown table laid out like the paper's (the paper's
columns first, then ours) and a PNG plot (paper dashed / light, ours solid /
dark). Numbers are mean pixel errors in DVE's 70-px frame (matching) or NME
in percent of the inter-ocular distance (detection); lower is better.
"""
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

from sce_mae_mm.benchmark import paper as published
from sce_mae_mm.benchmark.tables import fmt_ci, markdown_table

Pair = Optional[Tuple[float, float]]

ARCH_NAMES = {'deit-t': 'DeiT-T', 'deit-s': 'DeiT-S', 'deit-b': 'DeiT-B'}


# ------------------------------------------------------------ metrics
def same_diff(metrics: Optional[dict]) -> Pair:
    """(same, diff) mean pixel errors of a matching metrics dict."""
    if not metrics:
        return None
    try:
        return float(metrics['matching/same']), float(metrics['matching/diff'])
    except KeyError as err:
        raise KeyError(f'study report: matching metrics lack {err}; got keys '
                       f'{sorted(metrics)}') from err


def baseline_metrics(results) -> Optional[dict]:
    """The first matching metrics found in ``results`` (nested dicts) that
    hold the same-location baseline (every target landmark predicted at
    the source landmark's coordinates); the pairs are the same for every
    row, so any evaluation gives it. None when none does."""
    if not isinstance(results, dict):
        return None
    if 'matching/same_baseline' in results:
        return results
    for value in results.values():
        found = baseline_metrics(value)
        if found is not None:
            return found
    return None


BASELINE_LABEL = 'same-location baseline (no matching)'


def nme(metrics: Optional[dict]) -> Optional[float]:
    """NME (%) of a detection metrics dict (key ``NME``, any prefix)."""
    if not metrics:
        return None
    for key, value in metrics.items():
        if key == 'NME' or key.endswith('/NME'):
            return float(value)
    raise KeyError(f'study report: detection metrics lack an NME key; got '
                   f'{sorted(metrics)}')


def fmt(value: Optional[float]) -> str:
    """Two decimals, as the paper prints; '–' when missing."""
    return '–' if value is None else f'{value:.2f}'


def our_cells(metrics: Optional[dict], suffix: str = '') -> List[str]:
    """Same / diff cells of matching metrics with their 95 % intervals,
    ``'6.68 [6.27, 7.11]'`` (``suffix='_baseline'``: the baseline's)."""
    if not metrics:
        return ['–', '–']
    return [fmt_ci(metrics, f'matching/{g}{suffix}') for g in ('same',
                                                               'diff')]


def pair_cells(paper: Pair, ours: Optional[dict],
               suffix: str = '') -> List[str]:
    """Same / diff cells: the paper's, then ours (:func:`our_cells`)."""
    paper = paper or (None, None)
    return [fmt(paper[0]), fmt(paper[1]), *our_cells(ours, suffix)]


def row_metrics(row, results: Dict[str, Dict[str, dict]]) -> Optional[dict]:
    """The matching metrics of a study row (None: not run)."""
    return results.get(str(row.key), {}).get('matching')


PAIR_HEADER = ['Same (paper)', 'Diff. (paper)', 'Same (ours)',
               'Diff. (ours)']


# ------------------------------------------------------------- tables
def baselines_tables(results: Dict[str, Dict[str, Dict[str, dict]]]) -> str:
    """Tables S2 and S3; ``results[arch][row_key][role]`` metrics."""
    keys = {'CL': 'cl', 'LEAD': 'lead', 'Ours': 'ours'}
    columns = published.S3_COLUMNS
    by_backbone = {ARCH_NAMES[a]: r for a, r in results.items()}
    s2_rows, s3_rows = [], []
    for method, backbone, params, paper in published.S2:
        ours = by_backbone.get(backbone, {}).get(keys[method], {})
        s2_rows.append([method, backbone, params,
                        *pair_cells(paper, ours.get('matching'))])
        cells = []
        for (role, _), ref in zip(columns, published.S3[(method,
                                                         backbone)]):
            cells.append(f'{fmt(ref)} / {fmt(nme(ours.get(role)))}')
        s3_rows.append([method, backbone, params, *cells])
    # a backbone the paper does not list (e.g. DeiT-B) gets rows of its own
    for backbone, rows in by_backbone.items():
        if backbone in ('DeiT-T', 'DeiT-S'):
            continue
        for method, key in keys.items():
            ours = rows.get(key, {})
            s2_rows.append([method, backbone, '–', *pair_cells(
                None, ours.get('matching'))])
            s3_rows.append([method, backbone, '–', *[
                f'– / {fmt(nme(ours.get(role)))}' for role, _ in columns]])
    for backbone, rows in by_backbone.items():
        s2_rows.append([BASELINE_LABEL, backbone, '0', *pair_cells(
            None, baseline_metrics(rows), '_baseline')])
    s2 = markdown_table(['Method', 'Backbone', '#Params (M)', *PAIR_HEADER],
                        s2_rows)
    s3 = markdown_table(['Method', 'Backbone', '#Params (M)'] +
                        [f'{name} (paper / ours)' for _, name in columns],
                        s3_rows)
    return ('**Table S2** — landmark matching, mean pixel error (MAFL '
            'pairs).\n\n' + s2 + '\n\n**Table S3** — landmark detection, '
            'NME (% inter-ocular), paper / ours.\n\n' + s3 + '\n\n'
            'The supplementary prints the ResNet-50 rows of Table S2 with '
            "CL's and LEAD's different-identity errors swapped with respect "
            "to the main paper's Table 1 (CL 0.71 / 2.06, LEAD 0.48 / 2.50); "
            'shown as printed. AFLW_RC needs the corrected test labels '
            '(`--aflw-rc FILE`).')


def keyed_pairs(rows, results: Dict[str, Dict[str, dict]],
                paper: Dict) -> List[Tuple[str, Pair, Pair]]:
    """(label, paper pair, our pair) of the study rows."""
    out = []
    for row in rows:
        ours = same_diff(results.get(str(row.key), {}).get('matching'))
        out.append((row.label, paper.get(row.key), ours))
    return out


def components_table(rows, results) -> str:
    """Table 4 (main paper): the components of SCE-MAE."""
    lines = [[row.label, *pair_cells(published.COMPONENTS.get(row.key),
                                     row_metrics(row, results))]
             for row in rows]
    lines.append([BASELINE_LABEL, *pair_cells(None, baseline_metrics(results),
                                              '_baseline')])
    return ('**Table 4** — matching, mean pixel error; paper: DeiT-B.\n\n' +
            markdown_table(['Model', *PAIR_HEADER], lines))


def drop_rate_table(rows, results) -> str:
    """Figure S2 as a table: error by drop rate."""
    lines = [[row.label, *our_cells(row_metrics(row, results))]
             for row in rows]
    lines.append([BASELINE_LABEL, *our_cells(baseline_metrics(results),
                                             '_baseline')])
    return ('**Figure S2** — matching error with the least-attended tokens '
            'dropped. The paper plots the curve without printing its values; '
            'it reports the elbow at 25 %.\n\n' +
            markdown_table(['Drop rate', 'Same (ours)', 'Diff. (ours)'],
                           lines))


def cluster_layer_table(rows, results) -> str:
    """Table S4: clustering layer."""
    lines = [[row.label, *pair_cells(published.LAYER.get(row.key),
                                     row_metrics(row, results))]
             for row in rows]
    lines.append([BASELINE_LABEL, *pair_cells(None, baseline_metrics(results),
                                              '_baseline')])
    return ('**Table S4** — matching error by the layer of the split and '
            'the clustering (0-based).\n\n' +
            markdown_table(['Layer', *PAIR_HEADER], lines))


def num_clusters_table(rows, results) -> str:
    """Table S5: number of clusters."""
    lines = [[row.label, *pair_cells(published.CLUSTERS.get(row.key),
                                     row_metrics(row, results))]
             for row in rows]
    lines.append([BASELINE_LABEL, *pair_cells(None, baseline_metrics(results),
                                              '_baseline')])
    return ('**Table S5** — matching error by the number of clusters '
            'K_c.\n\n' +
            markdown_table(['Number of clusters', *PAIR_HEADER], lines))


def correspondence_table(rows, results) -> str:
    """Table S6: correspondence types (✓ on, ✗ off)."""
    types = ('r_att_att', 'r_att_inatt', 'r_inatt_inatt')
    lines = []
    for row in rows:
        ticks = ['✗' if row.key == t else '✓' for t in types]
        lines.append([*ticks, *pair_cells(
            published.CORRESPONDENCE.get(row.key), row_metrics(row, results))])
    lines.append([BASELINE_LABEL, '', '', *pair_cells(
        None, baseline_metrics(results), '_baseline')])
    return ('**Table S6** — matching error with one correspondence type '
            'switched off (its repellence r = 0).\n\n' +
            markdown_table(['attn-attn', 'attn-inattn', 'inattn-inattn',
                            *PAIR_HEADER], lines))


# -------------------------------------------------------------- plots
def plot_pairs_bars(labels: Sequence[str], paper: Sequence[Pair],
                    ours: Sequence[Pair], path: str, title: str) -> None:
    """Two panels (same, different identity): paper vs ours bars."""
    from ..visualization.canvas import new_figure, save_png
    fig = new_figure((max(7, 1.8 * len(labels)), 3.4))
    axes = fig.subplots(1, 2)
    xs = list(range(len(labels)))
    for index, (ax, name) in enumerate(zip(axes, ('Same', 'Different'))):
        ref = [p[index] if p else 0. for p in paper]
        got = [o[index] if o else 0. for o in ours]
        ax.bar([x - 0.2 for x in xs], ref, 0.4, label='paper',
               color='#bbbbbb', hatch='//', edgecolor='#777777')
        ax.bar([x + 0.2 for x in xs], got, 0.4, label='ours',
               color='#1f77b4')
        ax.set_xticks(xs)
        ax.set_xticklabels(labels, rotation=20, ha='right', fontsize=8)
        ax.set_title(f'{name} identity')
        ax.set_ylabel('mean pixel error')
    axes[-1].legend(fontsize=8, loc='upper left', bbox_to_anchor=(1., 1.))
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    save_png(fig, path, dpi=110)


def plot_pairs_curve(xs: Sequence[float], paper: Sequence[Pair],
                     ours: Sequence[Pair], path: str, xlabel: str,
                     title: str, vline: Optional[float] = None,
                     log2: bool = False) -> None:
    """Error against a parameter: paper dashed, ours solid."""
    from ..visualization.canvas import new_figure, save_png
    fig = new_figure((9, 3.4))
    axes = fig.subplots(1, 2)
    for index, (ax, name) in enumerate(zip(axes, ('Same', 'Different'))):
        ref = [(x, p[index]) for x, p in zip(xs, paper) if p]
        got = [(x, o[index]) for x, o in zip(xs, ours) if o]
        if ref:
            ax.plot(*zip(*ref), '--o', color='#888888', label='paper')
        if got:
            ax.plot(*zip(*got), '-o', color='#1f77b4', label='ours')
        if vline is not None:
            ax.axvline(vline, color='#d62728', ls=':', label='paper elbow')
        if log2:
            ax.set_xscale('log', base=2)
        ax.set_xticks(list(xs))
        ax.set_xticklabels([f'{x:g}' for x in xs], fontsize=8)
        ax.set_xlabel(xlabel)
        ax.set_ylabel('mean pixel error')
        ax.set_title(f'{name} identity')
    axes[-1].legend(fontsize=8, loc='upper left', bbox_to_anchor=(1., 1.))
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    save_png(fig, path, dpi=110)


def plot_baselines(results: Dict[str, Dict[str, Dict[str, dict]]],
                   path: str) -> None:
    """Tables S2 (and S3's MAFL column) as bars per measured backbone."""
    labels, paper, ours = [], [], []
    refs = {(m, b): p for m, b, _, p in published.S2}
    for arch, rows in results.items():
        backbone = ARCH_NAMES[arch]
        for method, key in (('CL', 'cl'), ('LEAD', 'lead'), ('Ours', 'ours')):
            labels.append(f'{method}\n{backbone}')
            paper.append(refs.get((method, backbone)))
            ours.append(same_diff(rows.get(key, {}).get('matching')))
    plot_pairs_bars(labels, paper, ours, path,
                    'Table S2: matching on DeiT features (paper vs ours)')


def study_report(study: str, rows, results, path_png: str) -> str:
    """Markdown of one study and its PNG at ``path_png``.

    Args:
        study: study name.
        rows: the study's rows (``plan.Row``); for ``'baselines'``
            ``results`` is keyed by arch first.
        results: ``results[str(row.key)][role]`` metrics dicts.
        path_png: where to write the plot.
    """
    if study == 'baselines':
        plot_baselines(results, path_png)
        return baselines_tables(results)
    pairs = keyed_pairs(rows, results, {
        'components': published.COMPONENTS, 'cluster_layer': published.LAYER,
        'num_clusters': published.CLUSTERS,
        'correspondence': published.CORRESPONDENCE}.get(study, {}))
    labels = [p[0] for p in pairs]
    paper = [p[1] for p in pairs]
    ours = [p[2] for p in pairs]
    keys = [row.key for row in rows]
    if study == 'components':
        plot_pairs_bars(labels, paper, ours, path_png,
                        'Table 4: components (paper: DeiT-B)')
        return components_table(rows, results)
    if study == 'drop_rate':
        plot_pairs_curve([100 * k for k in keys], paper, ours, path_png,
                         'drop rate (%)', 'Figure S2: matching error vs '
                         'drop rate', vline=100 * published.DROP_ELBOW)
        return drop_rate_table(rows, results)
    if study == 'cluster_layer':
        plot_pairs_curve(keys, paper, ours, path_png, 'clustering layer',
                         'Table S4: clustering layer')
        return cluster_layer_table(rows, results)
    if study == 'num_clusters':
        plot_pairs_curve(keys, paper, ours, path_png, 'K_c',
                         'Table S5: number of clusters', log2=True)
        return num_clusters_table(rows, results)
    if study == 'correspondence':
        plot_pairs_bars(labels, paper, ours, path_png,
                        'Table S6: correspondence types')
        return correspondence_table(rows, results)
    raise ValueError(f'study report: unknown study {study!r}')


# ------------------------------------------------------------- README
def update_readme(path: str, tag: str, content: str) -> None:
    """Replace (or append) the README section of results ``tag``.

    The section lies between ``<!-- results:TAG:begin -->`` and
    ``<!-- results:TAG:end -->``.
    """
    if not re.fullmatch(r'[a-z0-9_-]+', tag):
        raise ValueError(f'study report: bad results tag {tag!r}')
    begin = f'<!-- results:{tag}:begin -->'
    end = f'<!-- results:{tag}:end -->'
    block = f'{begin}\n{content.strip()}\n{end}'
    text = open(path).read() if osp.isfile(path) else ''
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        text = head + block + tail
    else:
        text = text.rstrip('\n') + ('\n\n' if text else '') + block + '\n'
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)
