"""Inference API: dense descriptors, point matching and landmarks.

Images are paths or ``(H, W, 3)`` uint8 arrays in OpenCV's BGR order (what
``cv2.imread`` and mmpose's ``LoadImage`` give). Each face is cropped the DVE
way (:func:`face_crop`): the pre-crop ``window`` (default: the whole image)
is resized to 136×136 and the centre 96×96 kept, so a face should fill most
of the image or window, as in the training data.

A checkpoint ending in ``.onnx`` (``tools/deployment/export_onnx.py``) runs
through onnxruntime behind the same functions
(:mod:`sce_mae_mm.deploy.ort_backend`; needs the ``deploy`` extra).
"""
import warnings
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.apis import inference_topdown
from mmpose.apis import init_model as init_pose_model
from mmpose.registry import MODELS
from torch import nn

from ..checkpoint import load_fitting_checkpoint, required_parts
from ..datasets.transforms.dve_crop import (apply_affine, dve_crop,
                                            dve_crop_matrix)
from ..datasets.transforms.load_image import read_image_bgr
from ..dtypes import as_float64_array
from ..evaluation.functional.matching import match_landmarks

ImageLike = Union[str, Path, np.ndarray]
Window = Optional[Sequence[float]]

__all__ = [
    'init_matcher', 'init_detector', 'face_crop', 'extract_descriptors',
    'match_points', 'predict_landmarks'
]


def _read(img: ImageLike) -> np.ndarray:
    """(H, W, 3) uint8 BGR image from a path or an array; a file that
    cannot be decoded raises ``ImageReadError`` (an ``OSError`` and a
    ``ValueError``) naming it, an array of another dtype (or a tensor) a
    ``TypeError``."""
    if isinstance(img, torch.Tensor):
        raise TypeError('expected an image path or an (H, W, 3) uint8 BGR '
                        f'numpy array, got a {img.dtype} torch.Tensor; pass '
                        'img.cpu().numpy() of uint8 0-255 values')
    if isinstance(img, np.ndarray):
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError('expected an (H, W, 3) image array, got shape '
                             f'{img.shape}')
        if img.dtype != np.uint8:
            raise TypeError('expected an (H, W, 3) uint8 BGR image array '
                            f'(0-255), got dtype {img.dtype}; convert it '
                            'with np.clip(img, 0, 255).astype(np.uint8) '
                            '(scale [0, 1] images by 255 first)')
        return img
    path = str(img)
    if not Path(path).is_file():
        raise FileNotFoundError(f'{path}: image file not found')
    return read_image_bgr(path)


def _load_config(config: Union[str, Path, Config],
                 cfg_options: Optional[dict]) -> Config:
    cfg = config if isinstance(config, Config) else Config.fromfile(
        str(config))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def _config_name(config: Union[str, Path, Config]) -> str:
    if isinstance(config, Config):
        return config.filename or 'the config'
    return str(config)


def _is_onnx(checkpoint: Optional[Union[str, Path]]) -> bool:
    return checkpoint is not None and str(checkpoint).lower().endswith(
        '.onnx')


def _device(model: nn.Module) -> torch.device:
    """The device of a model's first parameter (CPU for an onnxruntime
    model, which has none)."""
    param = next(model.parameters(), None)
    return torch.device('cpu') if param is None else param.device


def init_matcher(config: Union[str, Path, Config],
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 descriptor: Optional[str] = None,
                 stride: Optional[int] = None,
                 cfg_options: Optional[dict] = None) -> nn.Module:
    """Build a :class:`LandmarkMatcher` from a matching config.

    Args:
        config: a matching config (``configs/matching/*.py``) or Config.
        checkpoint: a stage-2 (or detection) checkpoint holding
            ``backbone.`` and ``neck.`` weights, or an ``.onnx`` descriptor
            graph exported from this config (run by onnxruntime).
        device: torch device string.
        descriptor: override ``'projector'`` / ``'backbone'`` / ``'concat'``.
        stride: override the cover-and-stride stride (8 = plain map).
        cfg_options: other config overrides.

    Raises:
        CheckpointError: the checkpoint cannot be read, has tensors of
            other shapes (another arch) or lacks a part the descriptor uses
            (``LandmarkMatcher.checkpoint_parts``), naming the file.
        ValueError: an ``.onnx`` file exported from another model.

    Returns:
        the model in eval mode, with ``cfg`` attached.
    """
    cfg = _load_config(config, cfg_options)
    if descriptor is not None:
        cfg.model.descriptor = descriptor
    if stride is not None:
        cfg.model.stride = stride
    if _is_onnx(checkpoint):
        from ..deploy.ort_backend import OnnxLandmarkMatcher
        return OnnxLandmarkMatcher(cfg, str(checkpoint)).eval()
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        load_fitting_checkpoint(
            model, checkpoint, required=required_parts(model),
            where=f'the matcher of {_config_name(config)}')
    model.cfg = cfg
    return model.to(device).eval()


def init_detector(config: Union[str, Path, Config],
                  checkpoint: Optional[str] = None,
                  device: str = 'cpu',
                  cfg_options: Optional[dict] = None) -> nn.Module:
    """Build a landmark detector (``configs/detection/*.py``).

    A thin wrapper of :func:`mmpose.apis.init_model`: the detector is an
    ordinary mmpose ``TopdownPoseEstimator``. Target generation is dropped
    from the test pipeline (images have no labels at inference). An
    ``.onnx`` checkpoint (a landmark graph exported from this config) gives
    an :class:`~sce_mae_mm.deploy.ort_backend.OnnxPoseEstimator` run by
    onnxruntime, with the same ``test_step``.

    Raises:
        CheckpointError: the checkpoint cannot be read or does not hold
            every tensor of the detector with the config's shapes (e.g. a
            stage-2 checkpoint has no head; another arch or landmark count
            has other shapes), naming the file.
        ValueError: an ``.onnx`` file exported from another model.
    """
    if _is_onnx(checkpoint):
        model = _init_onnx_detector(config, str(checkpoint), cfg_options)
    else:
        model = _init_torch_detector(config, checkpoint, cfg_options)
    model.to(device)
    dataset = model.cfg.test_dataloader.dataset
    dataset.pipeline = [
        t for t in dataset.pipeline if t['type'] != 'GenerateTarget'
    ]
    return model


def _init_onnx_detector(config: Union[str, Path, Config], checkpoint: str,
                        cfg_options: Optional[dict]) -> nn.Module:
    from mmpose.apis.inference import dataset_meta_from_config

    from ..deploy.ort_backend import OnnxPoseEstimator
    cfg = _load_config(config, cfg_options)
    model = OnnxPoseEstimator(cfg, checkpoint)
    meta = dataset_meta_from_config(cfg, dataset_mode='train')
    if meta is not None or model.dataset_meta is None:
        model.dataset_meta = meta
    return model.eval()


def _init_torch_detector(config: Union[str, Path, Config],
                         checkpoint: Optional[str],
                         cfg_options: Optional[dict]) -> nn.Module:
    model = init_pose_model(
        _load_config(config, cfg_options), None, device='cpu')
    if checkpoint is None:
        warnings.warn(f'init_detector({_config_name(config)}): no '
                      'checkpoint, the head has random weights')
    else:
        ckpt = load_fitting_checkpoint(
            model, checkpoint, required=None,
            where=f'the detector of {_config_name(config)}')
        meta = ckpt.get('meta', {}).get('dataset_meta')
        if meta is not None:
            model.dataset_meta = meta
    return model


def face_crop(img: ImageLike,
              window: Window = None,
              context: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """DVE crop of one face.

    Args:
        img: image path or (H, W, 3) BGR array.
        window: (x1, y1, x2, y2) pre-crop window (sequence, array or
            tensor of any real dtype); default the whole image.
        context: real pixels kept on each side of the 96-px crop.

    Returns:
        tuple: (96 + 2·context)² BGR crop, and the (2, 3) affine matrix from
        original pixels to crop pixels (context excluded).
    """
    img = _read(img)
    if window is None:
        window = (0., 0., float(img.shape[1]), float(img.shape[0]))
    window = as_float64_array(window, 'window', 'face_crop').reshape(-1)
    crop, _ = dve_crop(img, window, context=context)
    return crop, dve_crop_matrix(window)


@torch.no_grad()
def extract_descriptors(model: nn.Module,
                        images: Sequence[ImageLike],
                        windows: Optional[Sequence[Window]] = None,
                        batch_size: int = 16) -> Tuple[torch.Tensor,
                                                       List[np.ndarray]]:
    """Dense descriptors of faces.

    Args:
        model: from :func:`init_matcher`.
        images: N image paths or BGR arrays.
        windows: N pre-crop windows (or None each / overall).
        batch_size: images per forward pass.

    Returns:
        tuple: descriptors (N, D, h, w) on the model's device (h = 96 /
        stride), and the N (2, 3) original→crop matrices.
    """
    if windows is None:
        windows = [None] * len(images)
    if len(windows) != len(images):
        raise ValueError(f'{len(images)} images but {len(windows)} windows')
    # a graph exported with context pixels takes them (96 + 2c crops)
    context = int(getattr(model, 'input_context', 0))
    crops, matrices = zip(*(face_crop(i, w, context)
                            for i, w in zip(images, windows)))
    device = _device(model)
    out = []
    for start in range(0, len(crops), batch_size):
        # (n, S, S, 3) BGR -> RGB, as PackMatchingInputs packs the pairs
        chunk = np.stack(crops[start:start + batch_size])[..., ::-1].copy()
        inputs = torch.from_numpy(chunk).permute(0, 3, 1, 2)[:, None]
        data = model.data_preprocessor(dict(inputs=inputs.to(device)))
        out.append(model.extract_descriptors(data['inputs'].flatten(0, 1)))
    return torch.cat(out), list(matrices)


def _invert(matrix: np.ndarray) -> np.ndarray:
    full = np.vstack([matrix, [0., 0., 1.]])
    return np.linalg.inv(full)[:2]


def _check_points(pts: np.ndarray, crop_pts: np.ndarray,
                  image_shape: Tuple[int, ...], matrix: np.ndarray,
                  size: int, outside: str) -> None:
    """Raise (or warn) for source points the model cannot see."""
    height, width = image_shape[:2]
    finite = np.isfinite(pts).all(1)
    in_image = finite & (pts[:, 0] >= 0) & (pts[:, 0] <= width) & (
        pts[:, 1] >= 0) & (pts[:, 1] <= height)
    in_crop = finite & (crop_pts >= 0).all(1) & (crop_pts <= size).all(1)
    bad = ~(in_image & in_crop)
    if not bad.any():
        return
    inverse = _invert(matrix)
    (x1, y1), (x2, y2) = apply_affine(
        np.array([[0., 0.], [size, size]]), inverse)
    listed = ', '.join(
        f'#{i} {tuple(float(v) for v in pts[i])} ' +
        ('(not finite)' if not finite[i] else
         '(outside the image)' if not in_image[i] else
         '(outside the crop)') for i in np.flatnonzero(bad)[:10])
    msg = (f'match_points: src_points outside the model\'s view: {listed}; '
           f'the model sees x in [{x1:.1f}, {x2:.1f}], y in [{y1:.1f}, '
           f'{y2:.1f}] of the {width}x{height} source image (the DVE crop '
           'of src_window)')
    if outside == 'warn':
        warnings.warn(msg + '; their matches are not meaningful')
    else:
        raise ValueError(msg)


@torch.no_grad()
def match_points(model: nn.Module,
                 src_img: ImageLike,
                 tgt_img: ImageLike,
                 src_points: np.ndarray,
                 src_window: Window = None,
                 tgt_window: Window = None,
                 outside: str = 'error') -> np.ndarray:
    """Match points of one face into another.

    Args:
        model: from :func:`init_matcher`.
        src_img, tgt_img: image paths or uint8 BGR arrays.
        src_points: (K, 2) (x, y) pixels of the source image, an array or
            a tensor of any real dtype (float64 ... bfloat16, integers).
        src_window, tgt_window: optional pre-crop windows.
        outside: ``'error'`` (default) raises for source points that are
            not finite, lie outside the image or outside the 96-px crop
            the model sees; ``'warn'`` warns naming them and matches anyway.

    Raises:
        ValueError: ``src_points`` not (K, 2), or points outside the
            model's view (``outside='error'``).
        TypeError: bool / complex ``src_points``, or an image array that
            is not uint8.

    Returns:
        (K, 2) float32 (x, y) pixels of the target image.
    """
    if outside not in ('error', 'warn'):
        raise ValueError(f"match_points: outside must be 'error' or 'warn', "
                         f'got {outside!r}')
    pts = as_float64_array(src_points, 'src_points', 'match_points')
    if pts.ndim == 1 and pts.size and pts.size % 2 == 0:
        pts = pts.reshape(-1, 2)  # a flat [x0, y0, x1, y1, ...]
    if pts.ndim != 2 or pts.shape[1] != 2 or not len(pts):
        raise ValueError(f'match_points: src_points must be (K, 2) (x, y) '
                         f'pixels with K >= 1, got shape {pts.shape}')
    src_img = _read(src_img)
    desc, (m_src, m_tgt) = extract_descriptors(
        model, [src_img, tgt_img], [src_window, tgt_window])
    size = (96, 96)
    crop_pts = apply_affine(pts, m_src)
    _check_points(pts, crop_pts, src_img.shape, m_src, size[0], outside)
    src_crop = torch.as_tensor(crop_pts, dtype=torch.float32)
    pred = match_landmarks(desc[:1], desc[1:], src_crop[None].to(desc.device),
                           size)[0].cpu().numpy()
    return apply_affine(pred, _invert(m_tgt)).astype(np.float32)


def predict_landmarks(model: nn.Module,
                      img: ImageLike,
                      windows: Optional[np.ndarray] = None) -> np.ndarray:
    """Landmarks from a trained detection head.

    Args:
        model: from :func:`init_detector`.
        img: image path or BGR array.
        windows: (N, 4) pre-crop windows xyxy, one per face (array or
            tensor, any real dtype); default the whole image (one face).

    Returns:
        (N, K, 2) float32 (x, y) pixels of the image.
    """
    img = _read(img)
    bboxes = None if windows is None else as_float64_array(
        windows, 'windows', 'predict_landmarks').astype(np.float32)
    results = inference_topdown(model, img, bboxes=bboxes, bbox_format='xyxy')
    return np.concatenate(
        [r.pred_instances.keypoints for r in results]).astype(np.float32)
