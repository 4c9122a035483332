"""Landmark detection with few annotations (paper Table 3).

    python tools/limited_annotations.py \\
        configs/detection/sce_mae_deit_s_aflw_m_limited.py \\
        --sizes 1 5 10 20 50 100 --seeds 0 1 2 \\
        --dims 64=STAGE2_D64.pth 128=STAGE2_D128.pth 256=STAGE2_D256.pth

The protocol (subsets, DVE's / CL's tiling, features) and the tables are
the package's: :mod:`sce_mae_mm.studies.limited_annotations`; ``--help``
lists the options.
"""
from sce_mae_mm.studies.limited_annotations import main

if __name__ == '__main__':
    main()
