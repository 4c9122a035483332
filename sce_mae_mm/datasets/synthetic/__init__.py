"""The procedural face generator of the synthetic benchmark.

Faces drawn in the exact on-disk layouts of the DVE release, so that every
reader of :mod:`sce_mae_mm.datasets` runs on them unchanged:

- :mod:`.geometry`: the 3-D face model (68 points), identity, expression,
  pose and projection;
- :mod:`.drawing`: sub-pixel OpenCV primitives, backgrounds, lighting and
  occluders;
- :mod:`.face`: the renderer (draws the face model onto a scene);
- :mod:`.files`: what the writers share (roots, poses, the seeded face,
  image / text / ``.mat`` writers);
- :mod:`.detection_faces`: one face of the AFLW_M, AFLW_R and 300W layouts
  (its image, list rows and manifest entry);
- :mod:`.extra_celeba`: more CelebA training (or MAFL test) faces after a
  written set;
- :mod:`.extra_tests`: more AFLW_M, AFLW_R and 300W test faces after a
  written set;
- :mod:`.writer`: :func:`make_synthetic_faces`, the writer of the CelebA /
  MAFL, AFLW_M, AFLW_R and 300W layouts and the manifest.

Only the generator's tools (``tools/make_synthetic_faces.py``,
``tools/quickstart.py``) and the tests import this package; the readers
never do (``tests/test_synthetic_package.py``).
"""
from .face import (draw_face, render_face_image, sample_expression,
                   sample_identity, sample_pose)
from .files import savemat_deterministic
from .writer import SPLIT_FRACTIONS, make_synthetic_faces, split_counts

__all__ = [
    'SPLIT_FRACTIONS', 'draw_face', 'make_synthetic_faces',
    'render_face_image', 'sample_expression', 'sample_identity',
    'sample_pose', 'savemat_deterministic', 'split_counts'
]
