"""Landmark detection with few annotations (paper Table 3).

Trains the detection head of CONFIG (default: AFLW_M, DeiT-S, DVE's
protocol) on 1, 5, 10, 20, 50 and 100 training images, once per seed and
projector dim, tests each model on the full test set and prints a table in
the paper's form (mean ± std over seeds, the paper's numbers beside ours,
the mean-shape baseline of the same subsets), also written to
``WORK_DIR/limited_annotations.{json,md}``::

    python tools/limited_annotations.py \\
        configs/detection/sce_mae_deit_s_aflw_m_limited.py \\
        --sizes 1 5 10 20 50 100 --seeds 0 1 2 \\
        --dims 64=STAGE2_D64.pth 128=STAGE2_D128.pth 256=STAGE2_D256.pth

Protocol (the config's ``limited_annotations`` block): every epoch shows
the subset tiled ``N // n`` times (DVE, ``tile_to='train_size'``: N is the
training-set size) or ``min(tile_to, N) // n`` times (CL, ``tile_to=1000``),
for the config's epochs (DVE 50, CL 1000). With N = 10,122 and batch 32
that is 15,850 (n = 1) / 15,800 (n = 100) iterations for DVE, 32,000 for
CL (:func:`protocol_iterations`).

Subsets: for each seed a permutation of the training set is drawn with
``numpy.random.default_rng(seed)``; the subset of size n is its first n
images, so subsets are deterministic per seed and nested across sizes.

Features: the projector's output (``--features projector``, Table 3's
64 / 128 / 256 dims) or backbone + projector (``--features concat``).
``--dims D=CKPT`` runs each projector dim with its stage-2 checkpoint.

The logic is the package's (:mod:`sce_mae_mm.studies.limited_annotations`).
"""
from sce_mae_mm.studies.limited_annotations import main

if __name__ == '__main__':
    main()
