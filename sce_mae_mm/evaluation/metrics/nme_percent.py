"""mmpose's NME printed in percent, as the papers report it."""
from typing import Dict

from mmpose.evaluation.metrics import NME
from mmpose.registry import METRICS


@METRICS.register_module()
class NMEPercent(NME):
    """mmpose's :class:`NME` with the value multiplied by 100.

    Same arguments and key (``'NME'``, after the optional ``prefix``) as
    mmpose's ``NME``; only the unit changes (percent of the normalising
    distance, e.g. the inter-ocular distance with
    ``norm_mode='keypoint_distance'`` and ``keypoint_indices=[0, 1]`` for
    5-point faces or ``[36, 45]`` for 300W).
    """

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute NME (fraction) with mmpose, return it in percent."""
        metrics = super().compute_metrics(results)
        return {key: 100.0 * value for key, value in metrics.items()}
