"""NME in the network's input frame, as DVE and CL score it (SPEC section 4).

DVE's ``inter_ocular_error`` compares prediction and ground truth in the
96 x 96 crop (its normalised keypoints), mmpose's ``NME`` in original-image
pixels. The two agree for square, isotropic crops and differ where the
resize ignores the aspect ratio (AFLW_R). This metric reports

- ``NME``: the input-frame NME in percent (the papers' number),
- ``NME_original``: mmpose's original-frame NME in percent,
- ``NME_mean_shape``: the input-frame NME of predicting the mean training
  shape for every test face (the trivial baseline), once a mean shape is
  known (``mean_shape=`` or :class:`MeanShapeBaselineHook`).

The input frame is recovered from each sample's ``input_center``,
``input_scale`` and ``input_size`` (the inverse of mmpose's
``add_pred_to_datasample``), so predictions and ground truth go through one
and the same exact affine map.
"""
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmpose.registry import DATASETS, METRICS

from sce_mae_mm.datasets.transforms.dve_crop import (apply_affine,
                                                     dve_crop_matrix)
from sce_mae_mm.dtypes import as_float64_array
from sce_mae_mm.evaluation.functional.bootstrap import bootstrap_ci, ratio_ci
from sce_mae_mm.evaluation.functional.per_pair import save_per_unit

_WHERE = 'InputFrameNME'


def to_input_frame(points: np.ndarray, center: Sequence[float],
                   scale: Sequence[float],
                   input_size: Sequence[int]) -> np.ndarray:
    """Original-image pixels -> input pixels (inverse of mmpose's mapping).

    Args:
        points: (..., 2) (x, y) in original pixels.
        center, scale: (2,) the input crop as a box in original pixels.
        input_size: (W, H) of the network input.

    Returns:
        (..., 2) float64 (x, y) in input pixels.
    """
    where = f'to_input_frame ({_WHERE})'
    center = as_float64_array(center, 'center', where).reshape(2)
    scale = as_float64_array(scale, 'scale', where).reshape(2)
    size = as_float64_array(input_size, 'input_size', where).reshape(2)
    points = as_float64_array(points, 'points', where)
    return (points - center + 0.5 * scale) / scale * size


def nme_percent(pred: np.ndarray, gt: np.ndarray, visible: np.ndarray,
                indices: Sequence[int]) -> float:
    """Mean point-to-point error / inter-ocular distance, in percent.

    Args:
        pred, gt: (N, K, 2) coordinates in one frame.
        visible: (N, K) bool, points that count.
        indices: the two keypoints whose ground-truth distance normalises.

    Returns:
        float: 100 x the mean over visible points (mmpose's and DVE's
        definition: every point of every face weighs the same).
    """
    means, counts = per_image_nme(pred, gt, visible, indices)
    return float(np.sum(means * counts) / np.sum(counts))


def per_image_nme(pred: np.ndarray, gt: np.ndarray, visible: np.ndarray,
                  indices: Sequence[int]) -> Tuple[np.ndarray, np.ndarray]:
    """Each face's NME (percent, mean over its counted points) and how
    many points count: the units a confidence interval resamples.

    Args:
        pred, gt, visible, indices: see :func:`nme_percent`.

    Returns:
        (N,) NME per face (0 where no point counts) and (N,) point counts;
        ``sum(nme * counts) / sum(counts)`` is :func:`nme_percent`.
    """
    iod = np.linalg.norm(gt[:, indices[0]] - gt[:, indices[1]], axis=-1)
    err = np.linalg.norm(pred - gt, axis=-1) / np.maximum(iod, 1e-12)[:, None]
    mask = visible & (iod > 0)[:, None]
    if not mask.any():
        raise ValueError(f'{_WHERE}: no visible keypoint with a positive '
                         'normalising distance')
    counts = mask.sum(axis=1).astype(np.float64)
    sums = np.where(mask, 100.0 * err, 0.0).sum(axis=1)
    return sums / np.maximum(counts, 1), counts


def _without_images(cfg: dict) -> Tuple[dict, Optional[list]]:
    """A copy of a (possibly wrapped) dataset config that loads no images.

    Wrappers (``RepeatDataset``, ``HeldOutSplit``, ...) keep their
    ``dataset`` key; the innermost config gets ``pipeline=[]`` and
    ``lazy_init=False``. Returns the copy and the innermost pipeline.
    """
    cfg = copy.deepcopy(dict(cfg))
    if isinstance(cfg.get('dataset'), dict):
        inner, pipeline = _without_images(cfg['dataset'])
        cfg['dataset'] = inner
        return cfg, pipeline
    pipeline = cfg.get('pipeline')
    cfg['pipeline'] = []
    cfg['lazy_init'] = False
    cfg.pop('test_mode', None)
    return cfg, pipeline


def _crop_params(pipeline: Optional[Sequence[dict]]) -> Dict[str, int]:
    """resize / crop of the pipeline's DVEFaceCrop (default 136 / 96)."""
    for step in pipeline or []:
        if step.get('type') == 'DVEFaceCrop':
            return dict(resize=int(step.get('resize', 136)),
                        crop=int(step.get('crop', 96)))
    return dict(resize=136, crop=96)


def mean_shape_from_dataset(dataset_cfg: dict) -> np.ndarray:
    """Mean training shape in the input (crop) frame.

    Builds the dataset without images (``pipeline=[]``; ``indices`` and
    wrappers kept, so a limited-annotation subset or a held-out split gives
    the mean of its own images), maps each
    face's keypoints through its DVE crop (``bbox`` = the pre-crop window,
    resize / crop from the config's ``DVEFaceCrop``) and averages every
    landmark over the faces where it is visible.

    Args:
        dataset_cfg: a dataset config, possibly wrapped (``RepeatDataset``,
            ``HeldOutSplit``).

    Returns:
        (K, 2) float64 mean (x, y) in input pixels.
    """
    cfg, pipeline = _without_images(dataset_cfg)
    crop = _crop_params(pipeline)
    dataset = DATASETS.build(cfg)
    total, count = None, None
    for idx in range(len(dataset)):
        info = dataset.get_data_info(idx)
        if 'keypoints' not in info or 'bbox' not in info:
            raise KeyError(f'{_WHERE}: training sample {idx} of '
                           f'{cfg.get("type")} lacks keypoints or bbox')
        m = dve_crop_matrix(np.asarray(info['bbox']).reshape(-1)[:4],
                            crop['resize'], crop['crop'])
        kpts = apply_affine(np.asarray(info['keypoints']).reshape(-1, 2), m)
        vis = np.asarray(info.get('keypoints_visible',
                                  np.ones(len(kpts)))).reshape(-1) > 0
        if total is None:
            total = np.zeros_like(kpts)
            count = np.zeros(len(kpts))
        total[vis] += kpts[vis]
        count += vis
    if total is None:
        raise ValueError(f'{_WHERE}: the training set {cfg.get("type")} is '
                         'empty')
    if (count == 0).any():
        raise ValueError(f'{_WHERE}: landmarks {np.where(count == 0)[0]} '
                         'are never visible in the training set')
    return total / count[:, None]


@METRICS.register_module()
class InputFrameNME(BaseMetric):
    """Input-frame NME (paper metric), original-frame NME, mean-shape NME.

    Args:
        keypoint_indices (Sequence[int]): the two landmarks whose
            ground-truth distance normalises ([0, 1] eye centres of the
            5-point sets, [36, 45] outer eye corners of 300W).
        mean_shape (array-like, optional): (K, 2) mean training shape in
            input pixels; usually filled in by
            :class:`MeanShapeBaselineHook` from the training split.
        mean_shape_dataset (dict, optional): a dataset config to compute the
            mean shape from (:func:`mean_shape_from_dataset`) when no
            ``mean_shape`` is given.
        original_key (str): key of the original-frame NME.
        mean_shape_key (str): key of the mean-shape baseline.
        ci (dict, optional): options of the 95 % bootstrap intervals
            (``n_resamples``, ``method``, ``seed``, ``confidence``; faces
            resampled, see :mod:`sce_mae_mm.evaluation.functional.bootstrap`);
            None: no intervals.
        per_image_file (str, optional): write each face's NME there
            (``.npz``, :func:`~sce_mae_mm.evaluation.functional.per_pair.
            save_per_unit`): ``image_id`` (N,) (the sample's ``img_path``,
            else its ``img_id``, else its order), ``{key}`` (N,) the
            per-face NME (percent, mean over its counted points) of
            ``NME``, the original-frame key and the mean-shape key, and
            ``points`` (N,) each face's counted points; two runs on the
            same test faces are then compared face by face.
        collect_device, prefix: see mmengine's ``BaseMetric``.
    """

    default_prefix: Optional[str] = None

    def __init__(self,
                 keypoint_indices: Sequence[int] = (0, 1),
                 mean_shape: Optional[Sequence] = None,
                 mean_shape_dataset: Optional[dict] = None,
                 original_key: str = 'NME_original',
                 mean_shape_key: str = 'NME_mean_shape',
                 ci: Optional[dict] = dict(n_resamples=2000, method='BCa',
                                           seed=0),
                 per_image_file: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.per_image_file = per_image_file
        if len(keypoint_indices) != 2:
            raise ValueError(f'{_WHERE}: keypoint_indices must name two '
                             f'landmarks, got {keypoint_indices}')
        self.keypoint_indices = [int(i) for i in keypoint_indices]
        self.mean_shape_dataset = mean_shape_dataset
        self.original_key = original_key
        self.mean_shape_key = mean_shape_key
        self.ci = None if ci is None else dict(ci)
        self.mean_shape: Optional[np.ndarray] = None
        if mean_shape is not None:
            self.set_mean_shape(mean_shape)

    def set_mean_shape(self, mean_shape: Sequence) -> None:
        """Set the (K, 2) mean training shape (input pixels)."""
        shape = np.asarray(mean_shape, np.float64)
        if shape.ndim != 2 or shape.shape[1] != 2:
            raise ValueError(f'{_WHERE}: mean_shape must be (K, 2), got '
                             f'{shape.shape}')
        self.mean_shape = shape

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Store per face: input-frame and original-frame pred / gt."""
        for sample in data_samples:
            for key in ('input_center', 'input_scale', 'input_size'):
                if key not in sample:
                    raise KeyError(f'{_WHERE}: the data samples lack {key!r}'
                                   '; keep it in PackPoseInputs meta_keys')
            pred = as_float64_array(sample['pred_instances']['keypoints'],
                                    'pred_instances.keypoints', _WHERE)[0]
            gt = as_float64_array(sample['gt_instances']['keypoints'],
                                  'gt_instances.keypoints', _WHERE)[0]
            vis = as_float64_array(sample['gt_instances'].get(
                'keypoints_visible', np.ones(gt.shape[:1])),
                'gt_instances.keypoints_visible', _WHERE, allow_bool=True)
            vis = vis.reshape(-1) > 0
            args = (sample['input_center'], sample['input_scale'],
                    sample['input_size'])
            image_id = sample.get('img_path', sample.get('img_id'))
            self.results.append(
                dict(image_id=image_id, pred=pred, gt=gt, visible=vis,
                     pred_in=to_input_frame(pred, *args),
                     gt_in=to_input_frame(gt, *args)))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """``NME``, the original-frame NME and the mean-shape NME (%),
        each with its interval (``{key}_ci_low`` / ``_ci_high``), and
        ``NME_minus_mean_shape`` and ``NME_over_mean_shape`` (paired over
        the same faces) with theirs."""
        stack = {k: np.stack([r[k] for r in results]) for k in results[0]
                 if k != 'image_id'}
        idx = self.keypoint_indices
        per_image = {
            'NME': per_image_nme(stack['pred_in'], stack['gt_in'],
                                 stack['visible'], idx),
            self.original_key: per_image_nme(stack['pred'], stack['gt'],
                                             stack['visible'], idx),
        }
        if self.mean_shape is None and self.mean_shape_dataset is not None:
            self.set_mean_shape(
                mean_shape_from_dataset(self.mean_shape_dataset))
        if self.mean_shape is not None:
            if self.mean_shape.shape != stack['gt_in'].shape[1:]:
                raise ValueError(f'{_WHERE}: mean shape '
                                 f'{self.mean_shape.shape} does not match '
                                 f'the test keypoints '
                                 f'{stack["gt_in"].shape[1:]}')
            mean = np.broadcast_to(self.mean_shape, stack['gt_in'].shape)
            per_image[self.mean_shape_key] = per_image_nme(
                mean, stack['gt_in'], stack['visible'], idx)
        else:
            MMLogger.get_current_instance().warning(
                f'{_WHERE}: no mean training shape set, so no '
                f'{self.mean_shape_key!r}; add MeanShapeBaselineHook to '
                'custom_hooks or give mean_shape / mean_shape_dataset')
        if self.per_image_file:
            self._save_per_image(results, per_image)
        return self._with_intervals(per_image)

    def _save_per_image(
            self, results: List[dict],
            per_image: Dict[str, Tuple[np.ndarray, np.ndarray]]) -> None:
        """Write ``per_image_file`` (see the class docstring)."""
        ids = [r.get('image_id') for r in results]
        if any(i is None for i in ids):
            ids = list(range(len(results)))
        errors = {key: nme for key, (nme, _) in per_image.items()}
        errors['points'] = per_image['NME'][1]
        save_per_unit(self.per_image_file, np.asarray(ids), errors,
                      'image_id')

    def _with_intervals(
            self, per_image: Dict[str, Tuple[np.ndarray, np.ndarray]]
    ) -> Dict[str, float]:
        """Means, their intervals (faces resampled, weighted by their
        counted points) and the paired NME - mean shape."""
        metrics: Dict[str, float] = {}
        for key, (nme, counts) in per_image.items():
            metrics[key] = float(np.sum(nme * counts) / np.sum(counts))
            if self.ci is not None and len(nme) > 1:
                low, high = bootstrap_ci(nme, counts, **self.ci)
                metrics.update({f'{key}_ci_low': low, f'{key}_ci_high': high})
        base = per_image.get(self.mean_shape_key)
        if self.ci is not None and base is not None and len(base[0]) > 1:
            (nme, counts), (ref, _) = per_image['NME'], base
            key = 'NME_minus_mean_shape'
            metrics[key] = metrics['NME'] - metrics[self.mean_shape_key]
            low, high = bootstrap_ci(nme - ref, counts, **self.ci)
            metrics.update({f'{key}_ci_low': low, f'{key}_ci_high': high})
            key = 'NME_over_mean_shape'
            metrics[key], low, high = ratio_ci(nme, ref, counts, **self.ci)
            metrics.update({f'{key}_ci_low': low, f'{key}_ci_high': high})
        return metrics
