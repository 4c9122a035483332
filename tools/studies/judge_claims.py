"""Verdicts of the paper's claims (sce_mae_mm/studies/claims.py) from the
studies of several training seeds: per seed and pooled paired differences
with their 95 % intervals, a table, README lines and a plot.

    python tools/studies/judge_claims.py --work-dirs work_dirs/studies_seed0 \
        work_dirs/studies_seed1 work_dirs/studies_seed2 [--arch deit-t] \
        [--out docs/studies/claims_results.md]
"""
from sce_mae_mm.studies.judge import main

if __name__ == '__main__':
    main()
