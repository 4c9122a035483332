"""DVE's scoring rule, one difference at a time, on a quick start's
descriptors (docs/protocols.md).

    python tools/studies/dve_rule.py --work-dir work_dirs/quickstart \
        --data data/synthetic
"""
from sce_mae_mm.studies.dve_rule import main

if __name__ == '__main__':
    main()
