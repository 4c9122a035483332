"""Mean landmark-matching error of the MAFL pair protocol (SPEC §4)."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpose.registry import METRICS

_WHERE = ('MAFLMatchingMetric '
          '(sce_mae_mm/evaluation/metrics/matching_metric.py)')


def _as_array(value) -> np.ndarray:
    """(K, 2) float64 array of a data-sample field (tensor or array)."""
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    arr = np.asarray(value, dtype=np.float64)
    return arr.reshape(-1, 2) if arr.size else arr


def format_table(rows: List[List[str]]) -> str:
    """A markdown table; the first row is the header."""
    lines = ['| ' + ' | '.join(rows[0]) + ' |',
             '|' + '|'.join(['---'] * len(rows[0])) + '|']
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows[1:]]
    return '\n'.join(lines)


@METRICS.register_module()
class MAFLMatchingMetric(BaseMetric):
    """Mean pixel error of matched landmarks, per pair group and landmark.

    Each data sample carries, for every group ``g`` in ``groups``, the ground
    truth ``{g}_keypoints`` (K, 2) and the prediction ``pred_{g}_keypoints``
    (K, 2) in the pixels of the ``image_size``-px image (written by
    :class:`LandmarkMatcher`). Errors are Euclidean distances scaled to DVE's
    ``frame_size``-px frame (x 70 / 96) and averaged over all landmarks of a
    group (500 pairs x 5 landmarks on MAFL).

    With ``baseline=True`` the same-location baseline is scored on the same
    pairs: each target landmark is predicted at the source landmark's
    coordinates (``src_keypoints``), i.e. what a matcher that ignores the
    images gets. A model's error is only meaningful below it.

    Keys: ``{prefix}/{g}`` (mean) and ``{prefix}/{g}_{landmark}`` for each
    landmark; with the baseline also ``{prefix}/{g}_baseline`` and
    ``{prefix}/{g}_baseline_{landmark}``; a markdown table is printed.

    Args:
        image_size (int): side of the images the keypoints live in (96).
        frame_size (int): side of the reporting frame (DVE: 70).
        groups (Sequence[str]): pair groups (``'same'``, ``'diff'``).
        baseline (bool): also score the same-location baseline (needs
            ``src_keypoints`` in every sample).
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): key prefix, default ``'matching'``.
    """

    default_prefix: Optional[str] = 'matching'

    def __init__(self,
                 image_size: int = 96,
                 frame_size: int = 70,
                 groups: Sequence[str] = ('same', 'diff'),
                 baseline: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if image_size <= 0 or frame_size <= 0:
            raise ValueError(f'{_WHERE}: image_size and frame_size must be '
                             f'positive, got {image_size} and {frame_size}')
        self.image_size = image_size
        self.frame_size = frame_size
        self.groups = tuple(groups)
        self.baseline = baseline

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Store the per-landmark pixel errors of each pair group."""
        for sample in data_samples:
            errors = {}
            for group in self.groups:
                gt_key = f'{group}_keypoints'
                pred_key = f'pred_{group}_keypoints'
                if gt_key not in sample or pred_key not in sample:
                    raise KeyError(
                        f'{_WHERE}: data sample lacks {gt_key!r} or '
                        f'{pred_key!r} (has {sorted(sample)}); run it '
                        'through LandmarkMatcher.predict')
                gt = _as_array(sample[gt_key])
                pred = _as_array(sample[pred_key])
                if gt.shape != pred.shape:
                    raise ValueError(f'{_WHERE}: {gt_key} {gt.shape} and '
                                     f'{pred_key} {pred.shape} differ')
                errors[group] = np.linalg.norm(pred - gt, axis=-1)
                if self.baseline:
                    if 'src_keypoints' not in sample:
                        raise KeyError(
                            f'{_WHERE}: the same-location baseline needs '
                            f"'src_keypoints' in every sample (has "
                            f'{sorted(sample)}); pack them with '
                            'PackMatchingInputs or pass baseline=False')
                    src = _as_array(sample['src_keypoints'])
                    if src.shape != gt.shape:
                        raise ValueError(f'{_WHERE}: src_keypoints '
                                         f'{src.shape} and {gt_key} '
                                         f'{gt.shape} differ')
                    errors[f'{group}_baseline'] = np.linalg.norm(
                        src - gt, axis=-1)
            self.results.append(errors)

    def _landmark_names(self, num: int) -> List[str]:
        names = (self.dataset_meta or {}).get('keypoint_id2name')
        if names and len(names) == num:
            return [str(names[k]) for k in range(num)]
        return [f'kpt{k}' for k in range(num)]

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Mean error (DVE frame) per group and per group and landmark.

        Returns:
            dict[str, float]: ``{g}`` and ``{g}_{landmark}`` values.
        """
        if not results:
            raise ValueError(f'{_WHERE}: no results to evaluate')
        scale = self.frame_size / self.image_size
        metrics: Dict[str, float] = {}
        num = len(results[0][self.groups[0]])
        names = self._landmark_names(num)
        rows = [['group', 'pairs', 'mean'] + names]
        keys = []
        for group in self.groups:
            keys.append((group, group))
            if self.baseline:
                keys.append((f'{group}_baseline',
                             f'{group} (same-location baseline)'))
        for key, label in keys:
            errors = np.stack([r[key] for r in results]) * scale  # (N, K)
            metrics[key] = float(errors.mean())
            per_landmark = errors.mean(axis=0)
            for name, value in zip(names, per_landmark):
                metrics[f'{key}_{name}'] = float(value)
            rows.append([label, str(len(errors)), f'{errors.mean():.3f}'] +
                        [f'{v:.3f}' for v in per_landmark])
        print_log(
            f'MAFL matching error (pixels in the {self.frame_size}-px frame)'
            f':\n{format_table(rows)}',
            logger='current')
        return metrics
