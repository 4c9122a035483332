"""The paper's numbers (SCE-MAE, CVPR 2024, and its supplementary), once.

Every table of the project that prints a paper number beside ours (the
quick start's, the studies', the limited-annotation sweep's) reads it here;
SPEC section 6 and ``paper_supplementary.md`` are the sources. Lower is
better everywhere: matching is the mean pixel error (same identity,
different identity) in DVE's 70-px frame, detection the NME in percent of
the inter-ocular distance.
"""
from typing import Dict, Optional, Tuple

Pair = Tuple[float, float]

#: Table 1, SCE-MAE matching on real MAFL (same, different) by backbone
#: (DeiT-T 64-d, DeiT-S 128-d, DeiT-B 256-d projector)
MATCHING: Dict[str, Pair] = {
    'deit-t': (0.47, 1.99),
    'deit-s': (0.31, 1.69),
    'deit-b': (0.27, 1.61),
}

#: Table 2 columns (dataset keys of the detection configs)
DETECTION_COLUMNS = ('mafl', 'aflw_m', 'aflw_r', 'aflw_rc', '300w')
#: Table 2, detection NME (%): (MAFL, AFLW_M, AFLW_RO, AFLW_RC, 300W)
DETECTION: Dict[str, Tuple[float, ...]] = {
    'DVE': (2.76, 6.96, 6.33, 5.58, 4.58),
    'CL': (2.76, 6.17, 5.69, 5.06, 4.84),  # ResNet-50 hypercolumn
    'LEAD': (2.44, 6.05, 5.71, 5.11, 4.87),  # ResNet-50 hypercolumn
    'deit-t': (2.20, 5.89, 5.54, 4.86, 4.22),  # SCE-MAE
    'deit-s': (2.08, 5.33, 5.40, 4.69, 3.94),
    'deit-b': (2.07, 5.23, 5.33, 4.60, 3.95),
}

#: Table 3, SCE-MAE, AFLW_M NME (%) per projector dim and training images
LIMITED: Dict[int, Dict[int, float]] = {
    64: {1: 18.41, 5: 11.79, 10: 10.57, 20: 9.65, 50: 8.60, 100: 8.31}}

#: Table 4 (DeiT-B, 256-d): raw MAE features, + clustering, + LCR
COMPONENTS: Dict[str, Pair] = dict(
    raw=(0.55, 3.51), clustering=(0.30, 4.04), lcr=MATCHING['deit-b'])

# Table S2 as printed in the supplementary. Its ResNet-50 rows swap CL's
# and LEAD's "different" errors with respect to the main paper's Table 1
# (CL 256-d 0.71 / 2.06, LEAD 256-d 0.48 / 2.50); printed as is.
RESNET = 'ResNet-50 + Hypercolumn'
#: Table S2: (method, backbone, #params (M), (same, different))
S2 = (
    ('CL', RESNET, 23.8, (0.71, 2.50)),
    ('LEAD', RESNET, 23.8, (0.48, 2.06)),
    ('CL', 'DeiT-T', 5.4, (1.31, 4.32)),
    ('LEAD', 'DeiT-T', 5.4, (0.93, 8.86)),
    ('Ours', 'DeiT-T', 5.4, MATCHING['deit-t']),
    ('CL', 'DeiT-S', 21.4, (3.31, 7.32)),
    ('LEAD', 'DeiT-S', 21.4, (0.91, 8.64)),
    ('Ours', 'DeiT-S', 21.4, MATCHING['deit-s']),
)
#: Table S3's columns: (evaluation role, printed name), Table 2's order
S3_COLUMNS = (('det_mafl', 'MAFL'), ('det_aflw_m', 'AFLW_M'),
              ('det_aflw_r', 'AFLW_RO'), ('det_aflw_rc', 'AFLW_RC'),
              ('det_300w', '300W'))
#: Table S3, detection NME (%) by (method, backbone), S3_COLUMNS' order
S3: Dict[Tuple[str, str], Tuple[float, ...]] = {
    ('CL', RESNET): DETECTION['CL'],
    ('LEAD', RESNET): DETECTION['LEAD'],
    ('CL', 'DeiT-T'): (2.51, 6.72, 5.98, 5.43, 4.92),
    ('LEAD', 'DeiT-T'): (2.40, 6.81, 6.03, 5.41, 5.03),
    ('Ours', 'DeiT-T'): DETECTION['deit-t'],
    ('CL', 'DeiT-S'): (2.43, 6.73, 5.88, 5.29, 4.90),
    ('LEAD', 'DeiT-S'): (2.39, 6.88, 5.91, 5.32, 5.10),
    ('Ours', 'DeiT-S'): DETECTION['deit-s'],
}
#: Table S4: clustering layer (0-based) -> (same, different)
LAYER: Dict[int, Pair] = {
    0: (0.30, 1.62), 1: (0.30, 1.63), 2: MATCHING['deit-b'],
    3: (0.30, 1.62), 4: (0.31, 1.65), 5: (0.30, 1.62), 6: (0.33, 1.61),
    7: (0.32, 1.64), 8: (0.30, 1.62), 9: (0.30, 1.63), 10: (0.31, 1.66),
    11: (0.34, 1.66)}
#: Table S5: number of clusters K_c -> (same, different)
CLUSTERS: Dict[int, Pair] = {1: (0.33, 1.68), 2: (0.32, 1.66),
                             4: MATCHING['deit-b'], 8: (0.30, 1.62)}
#: Table S6: the correspondence type switched off (None: all on)
CORRESPONDENCE: Dict[Optional[str], Pair] = {
    'r_att_att': (0.33, 3.52), 'r_att_inatt': (0.32, 1.64),
    'r_inatt_inatt': (0.29, 1.62), None: MATCHING['deit-b']}
#: Figure S2: its values are not in the text; only its elbow (25 %) is
DROP_ELBOW = 0.25


def detection_nme(method: str, dataset: str) -> float:
    """Table 2's NME (%) of ``method`` (``'deit-t'``, ``'CL'``, ...) on
    ``dataset`` (a key of :data:`DETECTION_COLUMNS`)."""
    if method not in DETECTION or dataset not in DETECTION_COLUMNS:
        raise KeyError(f'paper Table 2 has no {method!r} on {dataset!r}; '
                       f'methods {sorted(DETECTION)}, datasets '
                       f'{DETECTION_COLUMNS}')
    return DETECTION[method][DETECTION_COLUMNS.index(dataset)]
