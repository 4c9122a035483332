"""Why DVE's scoring rule scores differently: its three differences, one
at a time and all together, on one quick start's descriptors.

    python tools/studies/dve_rule.py --work-dir work_dirs/quickstart \
        --data data/synthetic [--seed 0]

For raw MAE features and the SCE-MAE projector of the quick start's stage-2
checkpoint, the MAFL matching test is scored under

- ``ours``: per-pixel argmax of cosine similarity, source resampled once;
- ``grid``: DVE's grid argmax alone (prediction = cell x stride);
- ``dot``: DVE's raw dot product alone;
- ``twice``: DVE's source resampled twice alone (the pipeline's warp);
- ``dve``: all three (DVE's rule).

All five come from one pass of descriptors per feature kind
(:func:`..rule_variants.score_rules`: the targets are the same images
under every rule, only the source differs under ``twice``), each scored
by the config's own metric, so every variant's keys are those
``tools/test.py`` writes with that rule. Each variant is compared with
``ours`` on the same pairs (``{g}_minus_ours``) and with the same-location
baseline (``{g}_minus_baseline``), each with its 95 % bootstrap interval.
The table goes to ``WORK_DIR/dve_rule/dve_rule.md``. A feature kind whose
five ``metrics.json`` exist is skipped when the command is run again. Both
kinds read one frozen backbone: raw MAE writes its outputs to
``WORK_DIR/dve_rule/backbone_cache`` (``LandmarkMatcher``'s
``backbone_cache``), SCE-MAE reads them; the folder is removed at the end.
"""
import argparse
import json
import os.path as osp
import shutil
import sys
from typing import Dict, List, Optional

from ..benchmark.quickstart_steps import ROOT, SYN, last_checkpoint
from ..benchmark.tables import fmt_ci, markdown_lines
from .rule_variants import RULES as VARIANTS

FEATURES = {'raw': 'raw_mae', 'sce': 'sce_mae'}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--work-dir', default='work_dirs/quickstart',
                   help='a finished quick start (its stage2/ is scored)')
    p.add_argument('--data', default='data/synthetic',
                   help="the quick start's synthetic set")
    p.add_argument('--seed', type=int, default=0,
                   help="the quick start's seed (for the table's title)")
    p.add_argument('--arch', choices=('t', 's'), default='t')
    p.add_argument('--amp', action='store_true',
                   help='bf16 autocast (as the quick start where it ran '
                   'with bf16)')
    return p.parse_args(argv)


def cache_dir(args: argparse.Namespace) -> str:
    """The backbone cache both feature kinds share."""
    return osp.join(ROOT, args.work_dir, 'dve_rule', 'backbone_cache')


def run_kind(args: argparse.Namespace, ckpt: str,
             kind: str) -> Dict[str, Dict[str, float]]:
    """Every variant's metrics for one feature kind (scored unless all
    five were written by an earlier run)."""
    from .rule_variants import score_rules
    out_root = osp.join(ROOT, args.work_dir, 'dve_rule', kind)
    files = {v: osp.join(out_root, v, 'metrics.json') for v in VARIANTS}
    if all(osp.isfile(f) for f in files.values()):
        results = {}
        for variant, path in files.items():
            with open(path) as f:
                results[variant] = json.load(f)
        return results
    cfg = osp.join(SYN, f'{FEATURES[kind]}_deit_{args.arch}_mafl_matching_'
                   'synthetic.py')
    print(f'\n=== {kind}: {", ".join(VARIANTS)} on one pass ({cfg})',
          flush=True)
    return score_rules(cfg, ckpt, osp.join(ROOT, args.data, 'celeba'),
                       out_root, amp=args.amp,
                       cfg_options={'model.backbone_cache': cache_dir(args)},
                       echo=lambda line: print(line, flush=True))


def table(results: Dict[str, Dict[str, Dict]], seed: int) -> str:
    """Markdown: each variant's different- and same-identity error, its
    difference to ours and to the baseline, with intervals."""
    rows = []
    for kind, label in (('sce', 'SCE-MAE'), ('raw', 'raw MAE')):
        for variant in VARIANTS:
            m = results[kind][variant]
            rows.append([label, variant, fmt_ci(m, 'diff'),
                         fmt_ci(m, 'diff_minus_ours'),
                         fmt_ci(m, 'diff_minus_baseline'), fmt_ci(m, 'same'),
                         fmt_ci(m, 'same_minus_ours')])
    base = results['sce']['ours']
    rows.append(['same-location baseline', '(any)',
                 fmt_ci(base, 'diff_baseline'), '–', '–',
                 fmt_ci(base, 'same_baseline'), '–'])
    return '\n'.join([
        f"**DVE's scoring rule, one difference at a time** (seed {seed}; "
        'px in the 70-px frame, 95 % intervals over the 500 pairs)', '',
        *markdown_lines(['features', 'rule', 'different identity',
                         'diff − ours', 'diff − baseline', 'same identity',
                         'same − ours'], rows)])


def main(argv: Optional[List[str]] = None) -> str:
    args = parse_args(argv)
    ckpt = last_checkpoint(osp.join(args.work_dir, 'stage2'))
    if ckpt is None:
        sys.exit(f'dve_rule: no stage-2 checkpoint in {args.work_dir}/stage2;'
                 ' run tools/quickstart.py first')
    if not args.amp:  # as tools/test.py: fp32 kernels flush subnormals
        from ..engine import flush_denormals
        flush_denormals()
    results = {kind: run_kind(args, ckpt, kind) for kind in FEATURES}
    shutil.rmtree(cache_dir(args), ignore_errors=True)
    text = table(results, args.seed)
    path = osp.join(ROOT, args.work_dir, 'dve_rule', 'dve_rule.md')
    with open(path, 'w') as f:
        f.write(text + '\n')
    print('\n' + text)
    return text
