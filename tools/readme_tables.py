"""Print the README's quick-start tables from a finished quick-start run.

    python tools/readme_tables.py [--work-dir work_dirs/quickstart]
        [--datasets mafl aflw_m aflw_r 300w]

The same table builder as the run's ``results.md``
(:mod:`sce_mae_mm.benchmark.tables`), in the README's layout: matching
without the silhouette, detection without the target.
"""
import argparse

from sce_mae_mm.benchmark.quickstart import PROFILES, readme_tables_of
from sce_mae_mm.benchmark.tables import DETECTION


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--work-dir', default=PROFILES['short']['work_dir'],
                   help="the quick start's work dir")
    p.add_argument('--datasets', nargs='+', default=list(DETECTION),
                   choices=list(DETECTION))
    return p.parse_args()


if __name__ == '__main__':
    args = parse_args()
    print(readme_tables_of(args.work_dir, args.datasets))
