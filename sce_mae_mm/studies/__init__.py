"""The paper's studies as code: the supplementary's Tables S2-S6 and
Figure S2 (:mod:`.plan`, :mod:`.configs`, :mod:`.runner`, :mod:`.report`)
and the limited-annotation sweep of Table 3 (:mod:`.limited_annotations`).

Nothing here is imported by ``import sce_mae_mm``; ``tools/studies/`` and
``tools/limited_annotations.py`` are the commands.
"""
