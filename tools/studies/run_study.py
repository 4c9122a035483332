"""Run the supplementary's studies (Tables S2-S6, Figure S2, Table 4).

    python tools/studies/run_study.py STUDY [STUDY ...] --stage1 CKPT \
        --work-dir DIR [--synthetic] [--grid reduced|full] [--dry-run]

The plan of every study, the runner and the tables are the package's
(:mod:`sce_mae_mm.studies`); ``--help`` explains the studies and the
options, docs/studies/README.md what each one compares.
"""
from sce_mae_mm.studies.runner import main

if __name__ == '__main__':
    main()
