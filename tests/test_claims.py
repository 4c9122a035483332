"""The paper's claims: each names its study, metric and direction, and
the verdict rule on fixed intervals."""
import pytest

from sce_mae_mm.studies.claims import (CLAIMS, check_claims, claim_verdict,
                                       claims_table)
from sce_mae_mm.studies.plan import STUDIES


def test_every_claim_names_study_metric_and_direction():
    check_claims()
    assert {c.study for c in CLAIMS} <= set(STUDIES)
    for claim in CLAIMS:
        assert claim.metric.split('/')[0] in ('matching', 'det_mafl')
        assert claim.better in ('below', 'above')
        assert claim.variant != claim.reference


def test_the_readme_opens_with_the_claims_table():
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[1] / 'docs' / 'studies' /
              'README.md').read_text()
    assert claims_table() in readme


@pytest.mark.parametrize('name,low,high,expected', [
    ('lcr', -9.0, -4.0, 'reproduced'),
    ('lcr', -1.0, 0.5, 'not established'),
    ('lcr', 0.2, 1.0, 'contradicted'),
    ('clustering_alone', 0.1, 0.9, 'reproduced'),
    ('clustering_alone', -2.0, -0.5, 'contradicted'),
])
def test_claim_verdict(name, low, high, expected):
    claim = {c.name: c for c in CLAIMS}[name]
    assert claim_verdict(claim, low, high) == expected
