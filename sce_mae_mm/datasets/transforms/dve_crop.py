"""The DVE face crop: pre-crop window -> resize to 136 -> centre crop 96.

Coordinates follow mmpose's convention (pixel centres at integers, a box
edge maps to an output pixel centre), so that the image and the keypoints go
through one and the same affine map and mmpose's
``TopdownPoseEstimator.add_pred_to_datasample`` maps predictions back
exactly. For a window (x1, y1, x2, y2):

    x136 = (x - x1) * 136 / (x2 - x1),   x96 = x136 - 20,   ximg = x96 + c

(the same for y), where ``c`` is the context kept on each side of the
96-pixel crop. The image is resampled with ``cv2.warpAffine`` after a
Gaussian anti-alias blur when the window is shrunk.
"""
from typing import Dict, Optional, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

Array = np.ndarray


def dve_crop_matrix(window: Array, resize: int = 136, crop: int = 96,
                    context: int = 0) -> Array:
    """Affine map from original pixels to the output image (crop + context).

    Args:
        window: (4,) pre-crop window (x1, y1, x2, y2) in original pixels.
        resize: side of the square the window is resized to.
        crop: side of the centre crop.
        context: pixels kept on each side of the crop.

    Returns:
        (2, 3) float64 matrix ``M`` with ``[ximg, yimg] = M @ [x, y, 1]``.
    """
    x1, y1, x2, y2 = (float(v) for v in np.asarray(window).reshape(-1)[:4])
    if x2 <= x1 or y2 <= y1:
        raise ValueError(f'empty crop window {window}')
    sx, sy = resize / (x2 - x1), resize / (y2 - y1)
    off = (resize - crop) / 2. - context
    return np.array([[sx, 0., -x1 * sx - off], [0., sy, -y1 * sy - off]])


def crop_center_scale(window: Array, resize: int = 136, crop: int = 96
                      ) -> Tuple[Array, Array]:
    """The ``crop``-pixel crop as a box (centre, size) in original pixels.

    Args:
        window: (4,) pre-crop window (x1, y1, x2, y2).
        resize: resize side; ``crop``: crop side.

    Returns:
        tuple of float32 (2,) arrays: ``input_center``, ``input_scale``.
    """
    x1, y1, x2, y2 = (float(v) for v in np.asarray(window).reshape(-1)[:4])
    fx, fy = (x2 - x1) / resize, (y2 - y1) / resize
    centre = np.array([x1 + resize / 2. * fx, y1 + resize / 2. * fy])
    scale = np.array([crop * fx, crop * fy])
    return centre.astype(np.float32), scale.astype(np.float32)


def apply_affine(points: Array, matrix: Array) -> Array:
    """Apply a (2, 3) affine map to (..., 2) points."""
    p = np.asarray(points, np.float64)
    return p @ matrix[:, :2].T + matrix[:, 2]


def warp_affine_antialiased(img: Array, matrix: Array, size: int,
                            border_value: float = 0.,
                            antialias: bool = True) -> Array:
    """``cv2.warpAffine`` with a Gaussian pre-blur when shrinking.

    Only the part of the image the output reads (plus the blur support) is
    blurred, so large images stay cheap.

    Args:
        img: (H, W[, C]) image.
        matrix: (2, 3) affine map, input pixel -> output pixel.
        size: output side (square).
        border_value: value outside the image.
        antialias: blur with sigma ``0.5 * sqrt(1 / s^2 - 1)`` per axis
            (``s`` the scale factor) before resampling when ``s < 1``.

    Returns:
        (size, size[, C]) image of the input dtype.
    """
    sx = float(np.hypot(matrix[0, 0], matrix[1, 0]))
    sy = float(np.hypot(matrix[0, 1], matrix[1, 1]))
    sig = [0.5 * np.sqrt(max(0., 1. / s ** 2 - 1.)) if antialias else 0.
           for s in (sx, sy)]
    m = matrix.astype(np.float64).copy()
    src = img
    if max(sig) > 0.05:
        # footprint of the output in the input, with the blur support
        inv = cv2.invertAffineTransform(m)
        corners = apply_affine(np.array([[0, 0], [size, 0], [0, size],
                                         [size, size]], np.float64), inv)
        pad = 3. * max(sig) + 2.
        h, w = img.shape[:2]
        x0 = int(np.clip(np.floor(corners[:, 0].min() - pad), 0, w))
        x1 = int(np.clip(np.ceil(corners[:, 0].max() + pad), 0, w))
        y0 = int(np.clip(np.floor(corners[:, 1].min() - pad), 0, h))
        y1 = int(np.clip(np.ceil(corners[:, 1].max() + pad), 0, h))
        if x1 - x0 < 1 or y1 - y0 < 1:  # output entirely outside
            shape = (size, size) + tuple(img.shape[2:])
            return np.full(shape, border_value, img.dtype)
        src = cv2.GaussianBlur(img[y0:y1, x0:x1], (0, 0),
                               sigmaX=max(sig[0], 1e-3),
                               sigmaY=max(sig[1], 1e-3),
                               borderType=cv2.BORDER_REFLECT_101)
        m[:, 2] += m[:, :2] @ np.array([x0, y0], np.float64)
    channels = img.shape[2] if img.ndim == 3 else 1
    return cv2.warpAffine(src, m, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT,
                          borderValue=(border_value, ) * min(channels, 4))


def dve_crop(img: Array, window: Array, keypoints: Optional[Array] = None,
             resize: int = 136, crop: int = 96, context: int = 0,
             border_value: float = 0., antialias: bool = True
             ) -> Tuple[Array, Optional[Array]]:
    """Crop one face the DVE way.

    Args:
        img: (H, W, C) image.
        window: (4,) pre-crop window (x1, y1, x2, y2), original pixels.
        keypoints: (..., 2) original-pixel keypoints, or ``None``.
        resize, crop, context: see :func:`dve_crop_matrix`.
        border_value: value outside the image.
        antialias: see :func:`warp_affine_antialiased`.

    Returns:
        tuple: the image (crop + 2 context)^2, and the keypoints in the
        ``crop``-pixel frame (context not included) or ``None``.
    """
    m = dve_crop_matrix(window, resize, crop, context)
    out = warp_affine_antialiased(img, m, crop + 2 * context, border_value,
                                  antialias)
    if keypoints is None:
        return out, None
    return out, (apply_affine(keypoints, m) - context).astype(np.float32)


@TRANSFORMS.register_module()
class DVEFaceCrop(BaseTransform):
    """Crop the face: window -> ``resize`` square -> centre ``crop``.

    Reads ``img`` and ``bbox`` (1, 4) (the DVE pre-crop window, see
    docs/architecture.md) and, if present, ``keypoints`` (1, K, 2).

    Writes ``img`` ((crop + 2 context)^2, the crop with ``context`` real
    pixels of the resized image on each side), ``img_shape``,
    ``input_size`` = (crop, crop), ``input_center`` / ``input_scale`` (the
    crop as a box in original pixels, for mmpose's back-mapping),
    ``transformed_keypoints`` (1, K, 2) in the crop frame (context not
    included), ``context`` and ``crop_matrix`` (2, 3) (original pixels ->
    output image pixels). ``keypoints`` stay in original pixels (mmpose's
    metrics compare there).

    Args:
        resize: side of the resized window (136).
        crop: side of the centre crop (96).
        context: pixels kept around the crop (<= (resize - crop) / 2 stays
            inside the resized window; more reads further real pixels).
        border_value: value outside the image.
        antialias: Gaussian anti-alias blur when shrinking.
    """

    def __init__(self, resize: int = 136, crop: int = 96, context: int = 0,
                 border_value: float = 0., antialias: bool = True):
        if crop > resize or crop <= 0:
            raise ValueError(f'need 0 < crop <= resize, got crop={crop}, '
                             f'resize={resize}')
        if context < 0:
            raise ValueError(f'context must be >= 0, got {context}')
        self.resize = int(resize)
        self.crop = int(crop)
        self.context = int(context)
        self.border_value = float(border_value)
        self.antialias = antialias

    def transform(self, results: Dict) -> Dict:
        window = self._window(results)
        m = dve_crop_matrix(window, self.resize, self.crop, self.context)
        size = self.crop + 2 * self.context
        results['img'] = warp_affine_antialiased(
            results['img'], m, size, self.border_value, self.antialias)
        return self.transform_meta(results)

    def transform_meta(self, results: Dict) -> Dict:
        """Every key :meth:`transform` writes except the pixels (``img``).

        The face cache (``datasets/face_cache``) stores the pixels and
        recomputes the rest here; ``img_shape`` is the output's
        (side, side).
        """
        window = self._window(results)
        m = dve_crop_matrix(window, self.resize, self.crop, self.context)
        size = self.crop + 2 * self.context
        results['img_shape'] = (size, size)
        results['input_size'] = (self.crop, self.crop)
        centre, scale = crop_center_scale(window, self.resize, self.crop)
        results['input_center'] = centre
        results['input_scale'] = scale
        results['context'] = self.context
        results['crop_matrix'] = m.astype(np.float32)
        if results.get('keypoints') is not None:
            kp = apply_affine(results['keypoints'], m) - self.context
            results['transformed_keypoints'] = kp.astype(np.float32)
        return results

    @staticmethod
    def _window(results: Dict) -> Array:
        """The sample's pre-crop window (4,) float64."""
        if 'bbox' not in results:
            raise KeyError(f'DVEFaceCrop needs "bbox" (the pre-crop window) '
                           f'in the sample of {results.get("img_path")}')
        return np.asarray(results['bbox'], np.float64).reshape(-1, 4)[0]

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(resize={self.resize}, '
                f'crop={self.crop}, context={self.context})')
