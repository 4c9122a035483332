"""Give the detection metrics the mean training shape (trivial baseline).

Before validation and testing, every metric of the loop's evaluator that
has a ``set_mean_shape`` method and no mean shape yet (``InputFrameNME``)
receives the mean of the training split's landmarks in the input frame,
computed from the run's own ``train_dataloader.dataset`` config (so
``--cfg-options`` on the data root or a limited-annotation subset apply).
The metric then reports ``NME_mean_shape`` beside ``NME``, and
``tools/test.py`` prints it with the other metrics.
"""
from typing import Optional

import numpy as np
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmpose.registry import HOOKS

from sce_mae_mm.evaluation.metrics.input_frame_nme import \
    mean_shape_from_dataset


@HOOKS.register_module()
class MeanShapeBaselineHook(Hook):
    """Set the mean training shape on the detection metrics.

    Args:
        dataset (dict, optional): dataset config to average; default the
            runner's ``train_dataloader.dataset``.
    """

    priority = 'LOW'

    def __init__(self, dataset: Optional[dict] = None) -> None:
        self.dataset = dataset
        self._mean_shape: Optional[np.ndarray] = None

    def _compute(self, runner) -> Optional[np.ndarray]:
        if self._mean_shape is not None:
            return self._mean_shape
        cfg = self.dataset
        if cfg is None:
            loader = runner.cfg.get('train_dataloader', None)
            cfg = None if loader is None else loader.get('dataset', None)
        if cfg is None:
            MMLogger.get_current_instance().warning(
                'MeanShapeBaselineHook: the config has no '
                'train_dataloader.dataset, so no mean-shape baseline')
            return None
        self._mean_shape = mean_shape_from_dataset(cfg)
        return self._mean_shape

    def _fill(self, runner, loop_name: str) -> None:
        loop = getattr(runner, loop_name, None)
        evaluator = getattr(loop, 'evaluator', None)
        for metric in getattr(evaluator, 'metrics', []):
            if getattr(metric, 'mean_shape', 0) is None and hasattr(
                    metric, 'set_mean_shape'):
                shape = self._compute(runner)
                if shape is not None:
                    metric.set_mean_shape(shape)

    def before_val(self, runner) -> None:
        """Fill the validation metrics."""
        self._fill(runner, 'val_loop')

    def before_test(self, runner) -> None:
        """Fill the test metrics."""
        self._fill(runner, 'test_loop')
