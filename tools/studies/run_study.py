"""Run the supplementary's studies from one stage-1 checkpoint.

    python tools/studies/run_study.py STUDY [STUDY ...] --stage1 CKPT \
        --work-dir DIR [--synthetic] [--grid reduced|full] [--dry-run]

STUDY: ``baselines`` (Tables S2/S3: CL and LEAD second stages on DeiT vs
SCE-MAE), ``components`` (Table 4: raw MAE features, + clustering, + LCR),
``drop_rate`` (Figure S2), ``cluster_layer`` (Table S4), ``num_clusters``
(Table S5), ``correspondence`` (Table S6), or ``all``.

Each stage-2 variant is trained with ``tools/train.py`` and evaluated with
``tools/test.py ... --out metrics.json``; every command is printed before it
runs (its output goes to a ``.log`` beside its results). Finished steps are
skipped when the script is run again (``--force`` redoes them). The study's
markdown table and PNG plot go to ``DIR/STUDY.md`` / ``DIR/STUDY.png`` and
into the results section of ``docs/studies/STUDY/README.md``.

The logic is the package's (:mod:`sce_mae_mm.studies.runner`).
"""
from sce_mae_mm.studies.runner import main

if __name__ == '__main__':
    main()
