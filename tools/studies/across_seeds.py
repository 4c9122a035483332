"""The quick start (or --long) on several training seeds, one table with
the mean, the spread and how many seeds cross (docs/benchmark.md).

    python tools/studies/across_seeds.py --seeds 100 101 102 103 104 [--long]
"""
from sce_mae_mm.benchmark.across_seeds import main

if __name__ == '__main__':
    main()
