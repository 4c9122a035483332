"""The paper's claims that the studies test, each with the paired
difference that decides it and the verdict rule.

Written down before any run: a claim names its source (table or figure),
the paper's numbers, the study that measures it, the two variants whose
paired difference decides it (``variant - reference`` on the same pairs or
faces), the metric and the side of 0 the paper's numbers put it on. A run
then gives the difference's 95 % interval (``bootstrap``) and the verdict:
**reproduced** (wholly on the paper's side), **not established** (it
contains 0), **contradicted** (wholly on the other side).
"""
from typing import NamedTuple, Tuple

from ..evaluation.functional.bootstrap import verdict
from .plan import STUDIES


class Claim(NamedTuple):
    """One claim of the paper (see the module docstring)."""
    name: str
    source: str
    sentence: str
    paper: str
    study: str
    variant: str
    reference: str
    metric: str
    better: str  # 'below': the variant's number is lower; 'above': higher


CLAIMS: Tuple[Claim, ...] = (
    Claim('clustering_alone', 'Table 4',
          'Adding clustering alone hurts different-identity matching.',
          'raw MAE 3.51 → + clustering 4.04', 'components',
          'clustering', 'raw_mae', 'matching/diff', 'above'),
    Claim('lcr', 'Table 4',
          'Adding LCR improves different-identity matching well past raw '
          'MAE.', 'raw MAE 3.51 → + clustering + LCR 1.61', 'components',
          'sce_mae', 'raw_mae', 'matching/diff', 'below'),
    Claim('beats_cl_matching', 'Table S2',
          "On the same frozen DeiT, SCE-MAE's second stage matches better "
          "than CL's.", 'DeiT-T: CL 4.32, SCE-MAE 1.99', 'baselines',
          'sce_mae', 'cl', 'matching/diff', 'below'),
    Claim('beats_lead_matching', 'Table S2',
          "On the same frozen DeiT, SCE-MAE's second stage matches better "
          "than LEAD's.", 'DeiT-T: LEAD 8.86, SCE-MAE 1.99', 'baselines',
          'sce_mae', 'lead', 'matching/diff', 'below'),
    Claim('beats_cl_detection', 'Table S3',
          "On the same frozen DeiT, SCE-MAE's features give a better MAFL "
          "head than CL's.", 'DeiT-T MAFL NME: CL 2.51, SCE-MAE 2.20',
          'baselines', 'sce_mae', 'cl', 'det_mafl/NME', 'below'),
    Claim('beats_lead_detection', 'Table S3',
          "On the same frozen DeiT, SCE-MAE's features give a better MAFL "
          "head than LEAD's.", 'DeiT-T MAFL NME: LEAD 2.40, SCE-MAE 2.20',
          'baselines', 'sce_mae', 'lead', 'det_mafl/NME', 'below'),
    Claim('layer_choice', 'Table S4',
          'The layer of the attentive split and the clustering matters; '
          "the paper's layer 2 is at or near the best (better than the "
          'last layer).', 'layer 2: 1.61, layer 11: 1.66', 'cluster_layer',
          'layer_2', 'layer_11', 'matching/diff', 'below'),
    Claim('num_clusters', 'Table S5',
          'Four clusters match better than one.',
          'K_c = 1: 1.68, 2: 1.66, 4: 1.61, 8: 1.62', 'num_clusters',
          'k_4', 'k_1', 'matching/diff', 'below'),
    Claim('no_att_att', 'Table S6',
          'Switching off the attentive-attentive repellence (r = 0) hurts.',
          'all: 1.61, r_att_att = 0: 3.52', 'correspondence',
          'r_att_att_0', 'all', 'matching/diff', 'above'),
    Claim('no_att_inatt', 'Table S6',
          'Switching off the attentive-inattentive repellence hurts.',
          'all: 1.61, r_att_inatt = 0: 1.64', 'correspondence',
          'r_att_inatt_0', 'all', 'matching/diff', 'above'),
    Claim('no_inatt_inatt', 'Table S6',
          'Switching off the inattentive-inattentive repellence hurts.',
          'all: 1.61, r_inatt_inatt = 0: 1.62', 'correspondence',
          'r_inatt_inatt_0', 'all', 'matching/diff', 'above'),
    Claim('drop_graceful', 'Figure S2',
          'Matching degrades gracefully as the least-attended tokens are '
          'dropped: dropping 25 % (the elbow) costs less than dropping '
          '90 %.', 'flat to about 25 %, then rising', 'drop_rate',
          'drop_25', 'drop_90', 'matching/diff', 'below'),
    Claim('cover_and_stride', 'Section 3 (cover-and-stride)',
          'Stride 2 matches better than the plain stride-8 map.',
          'stride 2 is the reported setting', 'components',
          'sce_mae', 'sce_mae_stride8', 'matching/diff', 'below'),
)

VERDICTS = {'met': 'reproduced', 'not established': 'not established',
            'NOT MET': 'contradicted'}


def claim_verdict(claim: Claim, low: float, high: float) -> str:
    """``'reproduced'``, ``'not established'`` or ``'contradicted'`` from
    the 95 % interval [low, high] of ``variant - reference``."""
    return VERDICTS[verdict(low, high, claim.better)]


def check_claims() -> None:
    """Every claim names a known study, a metric and a direction."""
    names = set()
    for claim in CLAIMS:
        if claim.name in names:
            raise ValueError(f'claims: {claim.name!r} is listed twice')
        names.add(claim.name)
        if claim.study not in STUDIES:
            raise ValueError(f'claims: {claim.name}: unknown study '
                             f'{claim.study!r} (one of {STUDIES})')
        if claim.better not in ('below', 'above') or '/' not in claim.metric:
            raise ValueError(f'claims: {claim.name}: needs a metric key '
                             "and better='below' or 'above'")


def claims_table() -> str:
    """The claims as the markdown table of docs/studies/README.md."""
    lines = ['| claim | source | paper | study | decided by | paper side |',
             '|---|---|---|---|---|---|']
    for c in CLAIMS:
        lines.append(f'| {c.sentence} | {c.source} | {c.paper} | '
                     f'{c.study} | {c.variant} − {c.reference}, '
                     f'`{c.metric}` | {c.better} 0 |')
    return '\n'.join(lines)
