"""Why DVE's scoring rule scores differently: its three differences, one
at a time and all together, on one quick start's descriptors.

    python tools/studies/dve_rule.py --work-dir work_dirs/quickstart \
        --data data/synthetic [--seed 0]

For raw MAE features and the SCE-MAE projector of the quick start's stage-2
checkpoint, the MAFL matching test is run (``tools/test.py``) under

- ``ours``: per-pixel argmax of cosine similarity, source resampled once;
- ``grid``: DVE's grid argmax alone (prediction = cell x stride);
- ``dot``: DVE's raw dot product alone;
- ``twice``: DVE's source resampled twice alone (the pipeline's warp);
- ``dve``: all three (``protocol='dve'``, the pipeline resampling twice).

Every variant writes its per-pair errors; each other variant is compared
with ``ours`` on the same pairs (``{g}_minus_ours``) and with the
same-location baseline (``{g}_minus_baseline``), each with its 95 %
bootstrap interval. The table goes to ``WORK_DIR/dve_rule/dve_rule.md``.
Finished variants are skipped when the command is run again.
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional

from ..benchmark.quickstart_steps import PY, ROOT, SYN, TEST, last_checkpoint
from ..benchmark.tables import fmt_ci, markdown_lines

#: variant -> (matcher options, source resampling of the pipeline)
VARIANTS = {
    'ours': ([], 'once'),
    'grid': (['model.argmax=grid'], 'once'),
    'dot': (['model.similarity=dot'], 'once'),
    'twice': (['model.source_resample=twice'], 'twice'),
    'dve': (['model.protocol=dve'], 'twice'),
}
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
    return p.parse_args(argv)


def run_variant(args: argparse.Namespace, ckpt: str, kind: str,
                variant: str) -> Dict[str, float]:
    """``tools/test.py`` of one (features, variant); its metrics."""
    out_dir = osp.join(args.work_dir, 'dve_rule', f'{kind}_{variant}')
    out = osp.join(out_dir, 'metrics.json')
    if not osp.isfile(osp.join(ROOT, out)):
        model_opts, resample = VARIANTS[variant]
        ours = osp.join(args.work_dir, 'dve_rule', f'{kind}_ours',
                        'per_pair_errors.npz')
        evaluator = [f'test_evaluator.0.per_pair_file='
                     f'{osp.join(out_dir, "per_pair_errors.npz")}']
        if variant != 'ours':
            evaluator += [f'test_evaluator.0.reference_file={ours}',
                          'test_evaluator.0.reference_name=ours']
        cfg = (f'{SYN}/{FEATURES[kind]}_deit_{args.arch}_mafl_matching_'
               'synthetic.py')
        cmd = [PY, TEST, cfg, ckpt, '--out', out, '--work-dir', out_dir,
               '--cfg-options', *model_opts, *evaluator,
               'test_dataloader.dataset.pipeline.0.source_resample='
               f'{resample}',
               'test_dataloader.dataset.data_root='
               f'{osp.join(args.data, "celeba")}']
        print(f'\n=== {kind} {variant}\n$ {" ".join(cmd)}', flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            sys.exit(f'dve_rule: {kind} {variant} failed; command: '
                     f'{" ".join(cmd)}')
    with open(osp.join(ROOT, out)) as f:
        return json.load(f)


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
    results = {kind: {v: run_variant(args, ckpt, kind, v) for v in VARIANTS}
               for kind in FEATURES}
    text = table(results, args.seed)
    path = osp.join(ROOT, args.work_dir, 'dve_rule', 'dve_rule.md')
    with open(path, 'w') as f:
        f.write(text + '\n')
    print('\n' + text)
    return text
