"""The quick start: synthetic faces → stage 1 → stage 2 → matching → detection.

Every step is an ordinary tool command, printed before it runs, so a user can
re-run any of them alone::

    python tools/quickstart.py [--long | --reference] [--seed 0] [--num N]
        [--work-dir DIR] [--data DIR] [--datasets mafl aflw_m aflw_r 300w]
        [--curve] [--fp32] [--until STEP] [--stage1-config CFG]
        [--stage1-options k=v ...]

It ends with the results tables, each learned number beside its trivial
baseline (same-location for matching, mean shape for detection) and the
paper's, and a check of what the run must show, written to
``<work-dir>/results.md`` and printed, and the seconds of each step in
``<work-dir>/timings.json``. bf16 autocast is on when this CPU runs bf16
matmuls fast (printed at the start; ``--fp32`` turns it off).

Three sizes: the default (minutes), ``--long`` (a larger set and a longer
stage 1, ≤ 60 min on 2 cores) and ``--reference`` (≥ 300,000 stage-1
images seen, ≤ 150 min). ``--curve`` (on for ``--reference``) takes every
learning-curve checkpoint of stage 1 (``curve_epoch_N.pth``, log-spaced in
images seen) through stage 2, matching and detection, and writes
``learning_curve.{json,png}`` and the fit of different-identity error
against log(images seen). Finished steps are skipped when their outputs
exist; an interrupted training step is resumed (``--force`` re-runs all).

The logic is the package's (:mod:`sce_mae_mm.benchmark.quickstart`), so an
installed wheel runs the same quick start.
"""
from sce_mae_mm.benchmark.quickstart import parse_args, run

if __name__ == '__main__':
    run(parse_args())
