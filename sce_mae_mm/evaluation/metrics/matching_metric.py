"""Mean landmark-matching error of the MAFL pair protocol (SPEC §4)."""
import logging
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpose.registry import METRICS

from ...dtypes import as_float64_array
from ..functional.bootstrap import ci_keys, format_ci, paired_keys
from ..functional.per_pair import (difference_rows, load_per_pair,
                                   save_per_pair)
from ..functional.matching_breakdown import matching_breakdown

_WHERE = 'MAFLMatchingMetric'


def _as_array(value, key: str = 'value') -> np.ndarray:
    """(K, 2) float64 array of a data-sample field (tensor of any real
    dtype and device, or array)."""
    arr = as_float64_array(value, key, _WHERE)
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
    :class:`LandmarkMatcher` under its scoring rule, default per-pixel
    argmax of cosine similarity). Errors are Euclidean distances scaled to
    DVE's ``frame_size``-px frame (x 70 / 96) and averaged over all
    landmarks of a group (500 pairs x 5 landmarks on MAFL).

    With ``baseline=True`` the same-location baseline is scored on the same
    pairs: each target landmark is predicted at the source landmark's
    coordinates (``src_keypoints``), i.e. what a matcher that ignores the
    images gets. A model's error is only meaningful below it.

    With ``report_dve=True`` DVE's scoring rule is scored too, from
    ``pred_{g}_dve_keypoints`` (written by ``LandmarkMatcher(report_dve=
    True)``: grid argmax and raw dot product on the same descriptors, SPEC
    §4). DVE's third difference, resampling the source image twice
    (``MatchingPairWarp(source_resample='twice')``), changes the source
    image itself, so it cannot be computed from the same batch: it needs a
    second evaluation with that pipeline (or ``protocol='dve'`` on both).

    With ``breakdown=True`` (issue 19 §1, see
    :func:`matching_breakdown`) each group and its baseline also report the
    fraction of landmarks within 1, 3, 5 px (``frame_size`` frame), the
    mirror rate (nearer the mirror partner, ``flip_indices``, than the own
    landmark and more than ``mirror_min`` px from it; over the landmarks
    that have a partner) and the far rate (farther than the target's
    inter-ocular distance).

    Every mean ``{key}`` comes with its 95 % bootstrap interval
    ``{key}_ci_low`` / ``{key}_ci_high`` (resampling pairs, BCa, ``ci``
    options, :mod:`..functional.bootstrap`), and the paired differences
    ``{g}_minus_baseline`` (and ``{g}_dve_minus_baseline``) with theirs,
    resampled on the same pairs. ``per_pair_file`` saves every pair's error
    (``.npz``); ``reference_file`` reads such a file of another run on the
    same pairs (e.g. raw MAE features) and adds ``{key}_minus_{name}``
    with its interval (``name`` = ``reference_name``).

    Keys (prefix ``matching``): ``{g}`` (mean) and ``{g}_{landmark}``; with
    the baseline ``{g}_baseline`` and ``{g}_baseline_{landmark}``; with
    ``report_dve`` ``{g}_dve``; with the breakdown ``{g}_within_{1,3,5}px``,
    ``{g}_mirror_rate``, ``{g}_far_rate`` and (with the baseline)
    ``{g}_baseline_within_{1,3,5}px``, ``{g}_baseline_mirror_rate``,
    ``{g}_baseline_far_rate``. Markdown tables are printed.

    Args:
        image_size (int): side of the images the keypoints live in (96).
        frame_size (int): side of the reporting frame (DVE: 70).
        groups (Sequence[str]): pair groups (``'same'``, ``'diff'``).
        baseline (bool): also score the same-location baseline (needs
            ``src_keypoints`` in every sample).
        report_dve (bool): also score ``pred_{g}_dve_keypoints`` (DVE's
            rule on the same features). Default False (the matching
            configs set True).
        breakdown (bool): also report the within / mirror / far rates.
        within_px (Sequence[float]): radii of ``within_{t}px``.
        mirror_min (float): own error (frame px) below which a prediction
            is not called mirrored.
        flip_indices (Sequence[int], optional): mirror partner of each
            landmark; None reads the dataset metainfo's ``flip_indices``
            (without either the mirror rates are omitted, with a warning).
        interocular (tuple[int, int]): the eye landmarks of the far rate's
            inter-ocular distance (eye centres [0, 1] on 5-point sets).
        ci (dict, optional): options of the intervals (``n_resamples``,
            ``method``, ``seed``, ``confidence``); None: no intervals.
        per_pair_file (str, optional): write ``{key}`` -> (N,) per-pair
            errors and ``pair_id`` (N,) there (``.npz``).
        reference_file (str, optional): per-pair errors of another run on
            the same pairs, written with ``per_pair_file``.
        reference_name (str): the name of that run in the keys.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): key prefix, default ``'matching'``.
    """

    default_prefix: Optional[str] = 'matching'

    def __init__(self,
                 image_size: int = 96,
                 frame_size: int = 70,
                 groups: Sequence[str] = ('same', 'diff'),
                 baseline: bool = True,
                 report_dve: bool = False,
                 breakdown: bool = True,
                 within_px: Sequence[float] = (1, 3, 5),
                 mirror_min: float = 3.,
                 flip_indices: Optional[Sequence[int]] = None,
                 interocular: Tuple[int, int] = (0, 1),
                 ci: Optional[dict] = dict(n_resamples=2000, method='BCa',
                                           seed=0),
                 per_pair_file: Optional[str] = None,
                 reference_file: Optional[str] = None,
                 reference_name: str = 'reference',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if image_size <= 0 or frame_size <= 0:
            raise ValueError(f'{_WHERE}: image_size and frame_size must be '
                             f'positive, got {image_size} and {frame_size}')
        if len(tuple(interocular)) != 2:
            raise ValueError(f'{_WHERE}: interocular must be two landmark '
                             f'indices, got {interocular}')
        self.image_size = image_size
        self.frame_size = frame_size
        self.groups = tuple(groups)
        self.baseline = baseline
        self.report_dve = report_dve
        self.breakdown = breakdown
        self.within_px = tuple(within_px)
        self.mirror_min = float(mirror_min)
        self.flip_indices = (None if flip_indices is None else
                             [int(i) for i in flip_indices])
        self.interocular = tuple(int(i) for i in interocular)
        self.ci = None if ci is None else dict(ci)
        self.per_pair_file = per_pair_file
        self.reference_file = reference_file
        self.reference_name = str(reference_name)

    def _field(self, sample: dict, key: str, shape: tuple,
               hint: str) -> np.ndarray:
        """A (K, 2) field of ``sample``; KeyError / ValueError with
        ``hint`` when missing or misshapen."""
        if key not in sample:
            raise KeyError(f'{_WHERE}: data sample lacks {key!r} (has '
                           f'{sorted(sample)}); {hint}')
        value = _as_array(sample[key], key)
        if shape and value.shape != shape:
            raise ValueError(f'{_WHERE}: {key} {value.shape} and the ground '
                             f'truth {shape} differ')
        return value

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Store each group's ground truth and the predictions to score."""
        for sample in data_samples:
            gts, preds = {}, {}
            for group in self.groups:
                gt = self._field(sample, f'{group}_keypoints', (),
                                 'run it through LandmarkMatcher.predict')
                gts[group] = gt
                preds[group] = self._field(
                    sample, f'pred_{group}_keypoints', gt.shape,
                    'run it through LandmarkMatcher.predict')
                if self.baseline:
                    preds[f'{group}_baseline'] = self._field(
                        sample, 'src_keypoints', gt.shape,
                        'the same-location baseline needs it; pack it with '
                        'PackMatchingInputs or pass baseline=False')
                if self.report_dve:
                    preds[f'{group}_dve'] = self._field(
                        sample, f'pred_{group}_dve_keypoints', gt.shape,
                        'report_dve=True needs the matcher to predict with '
                        "DVE's rule too (model.report_dve=True) or pass "
                        'report_dve=False')
            self.results.append(dict(gt=gts, pred=preds,
                                     pair_id=sample.get('pair_id')))

    def _landmark_names(self, num: int) -> List[str]:
        names = (self.dataset_meta or {}).get('keypoint_id2name')
        if names and len(names) == num:
            return [str(names[k]) for k in range(num)]
        return [f'kpt{k}' for k in range(num)]

    def _flip_indices(self, num: int) -> Optional[List[int]]:
        """Mirror partners from the argument or the dataset metainfo."""
        flip = self.flip_indices
        if flip is None:
            flip = (self.dataset_meta or {}).get('flip_indices')
        if flip is None:
            print_log(f'{_WHERE}: no flip_indices (argument or dataset '
                      'metainfo): the mirror rates are not reported',
                      logger='current', level=logging.WARNING)
            return None
        if len(flip) != num:
            raise ValueError(f'{_WHERE}: flip_indices has {len(flip)} '
                             f'entries for {num} landmarks: {list(flip)}')
        return [int(i) for i in flip]

    def _score_keys(self) -> List[Tuple[str, str, str]]:
        """(result key, ground-truth group, table label) to score."""
        keys = []
        for group in self.groups:
            keys.append((group, group, group))
            if self.baseline:
                keys.append((f'{group}_baseline', group,
                             f'{group} (same-location baseline)'))
            if self.report_dve:
                keys.append((f'{group}_dve', group,
                             f"{group} (DVE's rule: grid argmax, dot)"))
        return keys

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Mean error (DVE frame) per group and landmark, the DVE-rule
        means, the breakdown rates and the intervals.

        Returns:
            dict[str, float]: the keys listed in the class docstring.
        """
        if not results:
            raise ValueError(f'{_WHERE}: no results to evaluate')
        scale = self.frame_size / self.image_size
        num = len(results[0]['gt'][self.groups[0]])
        names = self._landmark_names(num)
        flip = self._flip_indices(num) if self.breakdown else None
        metrics: Dict[str, float] = {}
        ci = '95 % interval' if self.ci is not None else ''
        rows = [['group', 'pairs', f'mean {ci}'.strip()] + names]
        cols = [f'<= {t:g} px' for t in self.within_px]
        split = [['group'] + cols + ['mirror', 'far']]
        per_pair: Dict[str, np.ndarray] = {}
        for key, group, label in self._score_keys():
            pred = np.stack([r['pred'][key] for r in results])  # (N, K, 2)
            gt = np.stack([r['gt'][group] for r in results])
            errors = np.linalg.norm(pred - gt, axis=-1) * scale  # (N, K)
            per_pair[key] = errors.mean(axis=1)
            metrics[key] = float(errors.mean())
            if self.ci is not None:
                metrics.update(ci_keys(key, per_pair[key], **self.ci))
            per_landmark = errors.mean(axis=0)
            if not key.endswith('_dve'):
                for name, value in zip(names, per_landmark):
                    metrics[f'{key}_{name}'] = float(value)
            rows.append([label, str(len(errors)), format_ci(
                metrics[key], metrics.get(f'{key}_ci_low'),
                metrics.get(f'{key}_ci_high'), 3)] +
                [f'{v:.3f}' for v in per_landmark])
            if self.breakdown and not key.endswith('_dve'):
                rates = matching_breakdown(pred, gt, flip, self.interocular,
                                           self.within_px, self.mirror_min,
                                           scale)
                metrics.update({f'{key}_{k}': v for k, v in rates.items()})
                split.append([label] + [
                    f'{rates.get(k, float("nan")):.3f}' for k in
                    [f'within_{t:g}px' for t in self.within_px] +
                    ['mirror_rate', 'far_rate']])
        pair_ids = self._pair_ids(results)
        diffs = self._paired(per_pair, pair_ids)
        metrics.update(diffs)
        if self.per_pair_file:
            save_per_pair(self.per_pair_file, pair_ids, per_pair)
        message = (f'MAFL matching error (pixels in the {self.frame_size}-px '
                   f'frame):\n{format_table(rows)}')
        if diffs:
            message += ('\nPaired differences (same pairs resampled; a '
                        'negative difference is a lower error):\n' +
                        format_table(difference_rows(diffs)))
        if len(split) > 1:
            message += ('\nFraction of landmarks within t px, mirrored, '
                        f'beyond the inter-ocular distance:\n'
                        f'{format_table(split)}')
        print_log(message, logger='current')
        return metrics

    @staticmethod
    def _pair_ids(results: list) -> np.ndarray:
        """(N,) the pairs' ids (their order in ``results`` where a sample
        carries none)."""
        ids = [r.get('pair_id') for r in results]
        if any(i is None for i in ids):
            return np.arange(len(results))
        return np.asarray([int(i) for i in ids])

    def _paired(self, per_pair: Dict[str, np.ndarray],
                pair_ids: np.ndarray) -> Dict[str, float]:
        """Model - baseline and model - reference, with intervals."""
        if self.ci is None:
            return {}
        out: Dict[str, float] = {}
        for group in self.groups:
            if not self.baseline:
                break
            base = per_pair[f'{group}_baseline']
            for key in (group, f'{group}_dve'):
                if key in per_pair:
                    out.update(paired_keys(f'{key}_minus_baseline',
                                           per_pair[key], base, **self.ci))
        if self.reference_file:
            ref = load_per_pair(self.reference_file, pair_ids)
            for key, errors in per_pair.items():
                if key in ref and not key.endswith('_baseline'):
                    out.update(paired_keys(
                        f'{key}_minus_{self.reference_name}', errors,
                        ref[key], **self.ci))
        return out
