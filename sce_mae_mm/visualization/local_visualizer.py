"""mmpose's ``PoseLocalVisualizer`` made to draw under numpy 2.

mmpose 1.3.2 draws every keypoint with ``radius=np.array([r])`` and its
OpenCV backend calls ``int(radius)``; numpy 2 refuses to turn a 1-element
1-d array into a scalar, so ``--show``/``--show-dir`` fail on the first
keypoint. This subclass hands the backend scalar radii and changes nothing
else, so configs keep every option of mmpose's visualizer.
"""
from typing import Union

import numpy as np
from mmpose.registry import VISUALIZERS
from mmpose.visualization import PoseLocalVisualizer


@VISUALIZERS.register_module()
class FacePoseVisualizer(PoseLocalVisualizer):
    """``PoseLocalVisualizer`` whose OpenCV circles accept array radii."""

    def draw_circles(self,
                     center: Union[np.ndarray, list],
                     radius: Union[np.ndarray, float],
                     face_colors='none',
                     alpha: float = 1.0,
                     **kwargs) -> 'FacePoseVisualizer':
        """Draw one circle; ``center`` (2,) and ``radius`` a scalar or a
        1-element array (mmpose passes ``np.array([r])``)."""
        if self.backend == 'opencv':
            radius = float(np.asarray(radius).reshape(-1)[0])
        return super().draw_circles(
            center, radius, face_colors=face_colors, alpha=alpha, **kwargs)
