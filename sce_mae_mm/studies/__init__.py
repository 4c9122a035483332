"""The paper's studies as code: the supplementary's Tables S2-S6 and
Figure S2 (:mod:`.plan`, :mod:`.configs`, :mod:`.runner`, :mod:`.report`),
the limited-annotation sweep of Table 3 (:mod:`.limited_annotations`) and
the stage-1 recipe study of the synthetic benchmark (:mod:`.stage1_recipe`).

Nothing here is imported by ``import sce_mae_mm``; ``tools/studies/`` and
``tools/limited_annotations.py`` are the commands.
"""
