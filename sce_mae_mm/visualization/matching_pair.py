"""One MAFL matching pair drawn as a single image (``--show-dir``)."""
from typing import Optional, Sequence

import cv2
import numpy as np

# one colour per landmark (RGB), cycled when there are more landmarks
PALETTE = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0],
                    [255, 0, 255], [0, 255, 255], [255, 128, 0],
                    [128, 0, 255]], np.uint8)


def pair_crops(inputs, context: int = 0,
               channel_order: str = 'rgb') -> np.ndarray:
    """A packed matching pair → RGB crops in the keypoints' frame.

    Args:
        inputs: (3, 3, S, S) uint8 tensor or array [source, same, diff], as
            ``PackMatchingInputs`` writes it.
        context: pixels of context around each crop, removed here.
        channel_order: ``'rgb'`` or ``'bgr'`` (the pack's metainfo).

    Returns:
        (3, S - 2 * context, S - 2 * context, 3) uint8 RGB.
    """
    imgs = np.asarray(inputs.cpu() if hasattr(inputs, 'cpu') else inputs)
    imgs = imgs.transpose(0, 2, 3, 1)
    if channel_order == 'bgr':
        imgs = imgs[..., ::-1]
    if context:
        imgs = imgs[:, context:-context, context:-context]
    return np.ascontiguousarray(imgs)


def draw_matching_pair(images: np.ndarray,
                       src: np.ndarray,
                       same: np.ndarray,
                       diff: np.ndarray,
                       pred_same: np.ndarray,
                       pred_diff: np.ndarray,
                       scale: int = 3,
                       colours: Optional[Sequence] = None) -> np.ndarray:
    """Source | same identity | different identity, side by side.

    The source shows its query landmarks (filled dots). Each target shows the
    ground truth (ring), the prediction (filled dot) and a white line from
    one to the other, in the landmark's colour.

    Args:
        images: (3, H, W, 3) uint8 RGB crops [source, same, diff].
        src, same, diff: (K, 2) ground-truth (x, y) in the crop frame.
        pred_same, pred_diff: (K, 2) predicted (x, y) in the crop frame.
        scale: integer up-sampling of the crops (drawing is at this scale).
        colours: (K, 3) RGB per landmark; default :data:`PALETTE`.

    Returns:
        (H * scale, 3 * W * scale, 3) uint8 RGB.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[0] != 3 or images.shape[-1] != 3:
        raise ValueError('draw_matching_pair: images must be (3, H, W, 3), '
                         f'got {images.shape}')
    num = len(src)
    colours = (np.asarray(colours, np.uint8) if colours is not None else
               PALETTE[np.arange(num) % len(PALETTE)])
    radius = max(2, scale)
    panels = []
    for index, (gt, pred) in enumerate([(src, None), (same, pred_same),
                                        (diff, pred_diff)]):
        panel = cv2.resize(
            np.ascontiguousarray(images[index]), None, fx=scale, fy=scale,
            interpolation=cv2.INTER_NEAREST)
        for k in range(num):
            colour = tuple(int(c) for c in colours[k])
            g = tuple(int(round(v)) for v in (np.asarray(gt[k]) + 0.5) *
                      scale)
            if pred is None:
                cv2.circle(panel, g, radius, colour, -1, cv2.LINE_AA)
                continue
            p = tuple(int(round(v)) for v in (np.asarray(pred[k]) + 0.5) *
                      scale)
            cv2.line(panel, g, p, (255, 255, 255), 1, cv2.LINE_AA)
            cv2.circle(panel, g, radius + 1, colour, 1, cv2.LINE_AA)
            cv2.circle(panel, p, radius, colour, -1, cv2.LINE_AA)
        panels.append(panel)
    return np.concatenate(panels, axis=1)
