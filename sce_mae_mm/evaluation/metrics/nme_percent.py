"""mmpose's NME printed in percent, as the papers report it."""
from typing import Dict, Sequence

import torch
from mmpose.evaluation.metrics import NME
from mmpose.registry import METRICS

from ...dtypes import as_float64_array

_WHERE = 'NMEPercent'


def _numpy_instances(sample: dict) -> dict:
    """A shallow copy of ``sample`` whose ``pred_instances`` and
    ``gt_instances`` tensors (any real dtype, bfloat16 included, any
    device) are float64 numpy arrays, as mmpose's NME expects."""
    out = dict(sample)
    for key in ('pred_instances', 'gt_instances'):
        if key in sample:
            out[key] = {
                name: as_float64_array(value, f'{key}.{name}', _WHERE,
                                       allow_bool=True)
                if isinstance(value, torch.Tensor) else value
                for name, value in sample[key].items()
            }
    return out


@METRICS.register_module()
class NMEPercent(NME):
    """mmpose's :class:`NME` with the value multiplied by 100.

    Same arguments and key (``'NME'``, after the optional ``prefix``) as
    mmpose's ``NME``; only the unit changes (percent of the normalising
    distance, e.g. the inter-ocular distance with
    ``norm_mode='keypoint_distance'`` and ``keypoint_indices=[0, 1]`` for
    5-point faces or ``[36, 45]`` for 300W). Instance fields may be numpy
    arrays or tensors of any real dtype.
    """

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """mmpose's ``process`` on samples whose tensors became arrays."""
        super().process(data_batch,
                        [_numpy_instances(s) for s in data_samples])

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute NME (fraction) with mmpose, return it in percent."""
        metrics = super().compute_metrics(results)
        return {key: 100.0 * value for key, value in metrics.items()}
