"""Renderer of the synthetic face sets: draws the face model of
:mod:`.geometry` onto a scene of :mod:`.drawing`.

The face model (its 68 points, identity, expression and pose) is described
in :mod:`.geometry`. Every drawn feature is drawn *from* the projected
points with sub-pixel OpenCV drawing, so the landmarks lie on the drawn
features:

- eye centre (5-point) = centre of the iris,
- nose tip = point 30 (a highlight is drawn there),
- mouth corners = points 48 and 54 (the ends of the lip outline).
"""
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

from .drawing import (_SHIFT, _col, _disc, _ellipse, _fx, _line, _poly,
                      apply_lighting, draw_occluder, render_background,
                      smooth_curve)
from .geometry import (face_model, five_from_68, project, sample_expression,
                       sample_identity, sample_pose, snap_to_integers)

__all__ = ['draw_face', 'render_face_image', 'sample_expression',
           'sample_identity', 'sample_pose']

Array = np.ndarray


# ----------------------------------------------------------------------------
# the face


def draw_face(img: Array, ident: Dict, expr: Dict, pose: Dict,
              snap: bool = False) -> Tuple[Array, Array]:
    """Draw one face onto an image in place and return its landmarks.

    Args:
        img: (h, w, 3) uint8 BGR canvas (background already drawn).
        ident: identity, ``expr`` expression, ``pose`` pose.
        snap: make the 5 landmarks integers (CelebA stores integers).

    Returns:
        tuple: ``kpts68`` (68, 2) and ``kpts5`` (5, 2) float64, 0-based
        pixel coordinates (x, y) of the drawn features.
    """
    pts3, extra = face_model(ident, expr)
    pts = project(pts3, pose)
    eyes = project(extra['eye_centres'], pose)
    if snap:
        pts, eyes = snap_to_integers(pts, eyes)
    s = pose['scale']
    head = project(extra['head'], pose)
    skin = ident['skin']
    hair = ident['hair']
    style = ident['hair_style']
    up = project(np.array([[0., -1., 0.]]), pose)[0] - project(
        np.zeros((1, 3)), pose)[0]
    up = up / (np.linalg.norm(up) + 1e-9)
    # long hair behind the head
    if style in (2, 3):
        hull = cv2.convexHull(_fx(np.concatenate(
            [head[17:], head[17:] + up * s * ident['hair_volume'],
             head[[0, 16]] - up * s * (1.6 if style == 2 else 0.4)],
            0)).reshape(-1, 1, 2))
        cv2.fillPoly(img, [hull], _col(hair), cv2.LINE_AA, _SHIFT)
    # neck and shoulders
    chin = pts[8]
    side = (pts[16] - pts[0]) * 0.32
    neck = np.stack([pts[5] + side * 0.2, pts[11] - side * 0.2,
                     pts[11] - side * 0.2 - up * 2.2 * s,
                     pts[5] + side * 0.2 - up * 2.2 * s])
    _poly(img, neck, skin * 0.8)
    shoulder_c = chin - up * 2.3 * s
    ang = np.rad2deg(np.arctan2(side[1], side[0]))
    _ellipse(img, shoulder_c, (2.3 * s, 1.0 * s), ang, ident['clothes'])
    # ears
    if ident['ear']:
        ears = project(extra['ears'], pose)
        for e in ears:
            _ellipse(img, e, (0.13 * s, 0.27 * s),
                     np.rad2deg(pose['roll']), skin * 0.9)
    # head
    _poly(img, head, skin)
    _line(img, pts[:17], skin * 0.75, max(1, 0.03 * s))
    # cheeks
    for k in (3, 13):
        c = 0.55 * pts[k] + 0.45 * pts[30]
        _ellipse(img, c, (0.18 * s, 0.12 * s), np.rad2deg(pose['roll']),
                 np.clip(skin * np.array([1.04, 0.93, 0.93]), 0, 255))
    # hair on top
    if style != 0:
        hl = project(extra['hairline'], pose)
        cap = np.concatenate(
            [hl, head[17:][::-1] + up * s * ident['hair_volume'] * 0.6], 0)
        _poly(img, cap, hair)
    # brows
    thick = max(1., ident['brow_thick'] * s)
    _line(img, smooth_curve(pts[17:22], 4), ident['brow'], thick)
    _line(img, smooth_curve(pts[22:27], 4), ident['brow'], thick)
    # eyes
    for k, start in enumerate((36, 42)):
        e = pts[start:start + 6]
        outline = smooth_curve(e, 5, closed=True)
        _poly(img, outline, np.array([240., 238., 232.]))
        r = ident['iris_r'] * s
        _disc(img, eyes[k], r, ident['iris'])
        _disc(img, eyes[k], r * 0.5, np.array([10., 10., 10.]))
        _disc(img, eyes[k] + np.array([-0.55, -0.55]) * r,
              max(0.5, r * 0.15), np.array([250., 250., 250.]))
        # lids: skin polygons outside the eye outline hide the iris
        upper = smooth_curve(e[[0, 1, 2, 3]], 5)
        lower = smooth_curve(e[[3, 4, 5, 0]], 5)
        lift = up * 0.2 * s
        _poly(img, np.concatenate([upper, upper[::-1] + lift], 0), skin)
        _poly(img, np.concatenate([lower, lower[::-1] - lift], 0), skin)
        _line(img, upper, np.array([30., 25., 25.]), max(1., 0.045 * s))
        _line(img, lower, skin * 0.6, max(1., 0.015 * s))
    # nose: bridge shading, tip ball, nostrils, highlight at the tip (30)
    shade = skin * 0.8
    side_dir = (pts[39] - pts[42]) * 0.12 * ident['nose_side']
    _line(img, smooth_curve(pts[27:31], 3) + side_dir, shade,
          max(1., 0.03 * s))
    # nose ball and alae (shaded), nostril line
    _ellipse(img, 0.5 * pts[30] + 0.5 * pts[33], (0.11 * s, 0.08 * s),
             np.rad2deg(pose['roll']), skin * 0.93)
    for k in (31, 35):
        _ellipse(img, 0.8 * pts[k] + 0.2 * pts[30], (0.06 * s, 0.05 * s),
                 np.rad2deg(pose['roll']), skin * 0.85)
    _line(img, smooth_curve(pts[31:36], 4), skin * 0.6, max(1., 0.025 * s))
    for k in (32, 34):
        c = 0.6 * pts[k] + 0.4 * pts[30]
        _ellipse(img, c, (0.05 * s, 0.028 * s), np.rad2deg(pose['roll']),
                 np.array([60., 35., 30.]))
    _disc(img, pts[30], max(1., 0.06 * s),
          np.clip(skin * 1.15 + 15, 0, 255))
    # mouth
    outer = np.concatenate([smooth_curve(pts[48:55], 4),
                            smooth_curve(np.concatenate(
                                [pts[54:60], pts[48:49]], 0), 4)], 0)
    _poly(img, outer, ident['lip'])
    if expr['mouth_open'] > 0.02:
        inner = pts[[60, 61, 62, 63, 64, 65, 66, 67]]
        _poly(img, smooth_curve(inner, 4, closed=True),
              np.array([45., 20., 25.]))
        inner = pts[[64, 65, 66, 67, 60]]
        teeth = np.concatenate(
            [pts[60:65], pts[64:59:-1] * 0.6 + inner * 0.4], 0)
        _poly(img, teeth, np.array([235., 230., 215.]))
    _line(img, smooth_curve(pts[[48, 60, 61, 62, 63, 64, 54]], 4),
          ident['lip'] * 0.45, max(1., 0.025 * s))
    kpts5 = five_from_68(pts, eyes)
    return pts.astype(np.float64), kpts5


def render_face_image(rng: np.random.Generator, size: Tuple[int, int],
                      centre: Tuple[float, float], iod: float,
                      jitter: Dict, occluder_prob: float = 0.12,
                      light: float = 1., snap: bool = False
                      ) -> Tuple[Array, Array, Array, Dict]:
    """Render one complete synthetic face image.

    Args:
        rng: random generator (everything of this image comes from it).
        size: image (height, width).
        centre: nominal eye-midpoint position (x, y).
        iod: nominal inter-ocular distance (pixels).
        jitter: pose jitter, see :func:`sample_pose`.
        occluder_prob: probability of an occluder.
        light: lighting variation strength.
        snap: integer 5-point landmarks (CelebA).

    Returns:
        tuple: ``img`` (h, w, 3) uint8 BGR, ``kpts68`` (68, 2), ``kpts5``
        (5, 2) float64 0-based pixels, and ``info`` (identity colours etc.).
    """
    h, w = size
    ident = sample_identity(rng)
    expr = sample_expression(rng)
    pose = sample_pose(rng, centre, iod, jitter)
    img = render_background(rng, h, w)
    kpts68, kpts5 = draw_face(img, ident, expr, pose, snap=snap)
    occluder: Optional[str] = None
    if rng.uniform() < occluder_prob:
        occluder = draw_occluder(rng, img, kpts68, kpts5[:2], pose['scale'],
                                 ident)
    img = apply_lighting(rng, img, kpts68[27:36].mean(0),
                         2. * pose['scale'], light)
    if rng.uniform() < 0.3:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 0.9))
    info = dict(yaw=float(np.rad2deg(pose['yaw'])),
                roll=float(np.rad2deg(pose['roll'])),
                iod=float(pose['scale']), occluder=occluder,
                eye_open=float(expr['eye_open']),
                mouth_open=float(expr['mouth_open']))
    return img, kpts68, kpts5, info
