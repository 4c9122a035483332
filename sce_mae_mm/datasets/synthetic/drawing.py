"""Drawing helpers and the scene around a synthetic face: sub-pixel OpenCV
primitives, backgrounds, lighting and occluders (:mod:`.face`
draws the face itself)."""
from typing import Dict, Tuple

import cv2
import numpy as np

Array = np.ndarray

#: Fixed-point precision used for sub-pixel OpenCV drawing.
_SHIFT = 4
_ONE = 1 << _SHIFT


# ----------------------------------------------------------------------------
# drawing helpers (sub-pixel via OpenCV fixed point)


def _fx(points: Array) -> Array:
    """Fixed-point int32 coordinates for OpenCV drawing with ``_SHIFT``."""
    return np.round(np.asarray(points) * _ONE).astype(np.int32)


def _col(rgb: Array) -> Tuple[float, float, float]:
    """RGB float colour -> OpenCV BGR tuple."""
    return (float(rgb[2]), float(rgb[1]), float(rgb[0]))


def _poly(img: Array, points: Array, rgb: Array) -> None:
    cv2.fillPoly(img, [_fx(points)], _col(rgb), cv2.LINE_AA, _SHIFT)


def _line(img: Array, points: Array, rgb: Array, thick: float,
          closed: bool = False) -> None:
    cv2.polylines(img, [_fx(points)], closed, _col(rgb),
                  max(1, int(round(thick))), cv2.LINE_AA, _SHIFT)


def _disc(img: Array, centre: Array, radius: float, rgb: Array) -> None:
    cv2.circle(img, tuple(int(v) for v in _fx(centre)),
               max(1, int(round(radius * _ONE))), _col(rgb), -1,
               cv2.LINE_AA, _SHIFT)


def _ellipse(img: Array, centre: Array, axes: Tuple[float, float],
             angle: float, rgb: Array) -> None:
    cv2.ellipse(img, tuple(int(v) for v in _fx(centre)),
                (max(1, int(round(axes[0] * _ONE))),
                 max(1, int(round(axes[1] * _ONE)))),
                float(angle), 0., 360., _col(rgb), -1, cv2.LINE_AA, _SHIFT)


def smooth_curve(points: Array, samples: int = 6,
                 closed: bool = False) -> Array:
    """Catmull-Rom spline through a polyline (passes through every point).

    Args:
        points: (P, 2) control points.
        samples: samples per segment.
        closed: treat the polyline as closed.

    Returns:
        (Q, 2) densely sampled curve.
    """
    p = np.asarray(points, float)
    if closed:
        ext = np.concatenate([p[-1:], p, p[:2]], 0)
        nseg = len(p)
    else:
        ext = np.concatenate([2 * p[:1] - p[1:2], p, 2 * p[-1:] - p[-2:-1]],
                             0)
        nseg = len(p) - 1
    t = np.linspace(0., 1., samples, endpoint=False)[None, :, None]
    p0, p1 = ext[:nseg, None], ext[1:nseg + 1, None]
    p2, p3 = ext[2:nseg + 2, None], ext[3:nseg + 3, None]
    c = 0.5 * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3)
               * t ** 2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t ** 3)
    c = c.reshape(-1, 2)
    if not closed:
        c = np.concatenate([c, p[-1:]], 0)
    return c


# ----------------------------------------------------------------------------
# backgrounds, lighting, occluders


def render_background(rng: np.random.Generator, h: int, w: int) -> Array:
    """A textured, lightly cluttered, out-of-focus background.

    Args:
        rng: random generator.
        h, w: image size.

    Returns:
        (h, w, 3) uint8 BGR image.
    """
    g = rng.integers(2, 6)
    base = rng.uniform(20, 235, (g, g, 3)).astype(np.float32)
    # photographs are less saturated than random colours
    grey = base.mean(-1, keepdims=True)
    base = grey + (base - grey) * np.float32(rng.uniform(0.1, 0.45))
    img = cv2.resize(base, (w, h), interpolation=cv2.INTER_CUBIC)
    kind = rng.integers(3)
    if kind == 0:  # fine noise texture
        n = rng.standard_normal((max(2, h // 3), max(2, w // 3)),
                                dtype=np.float32)
        n = cv2.resize(n, (w, h), interpolation=cv2.INTER_LINEAR)
        img += n[..., None] * np.float32(rng.uniform(3, 10))
    elif kind == 1:  # stripes
        a = rng.uniform(0, np.pi)
        f = np.float32(2 * np.pi / rng.uniform(6, 30))
        xs = np.arange(w, dtype=np.float32) * np.float32(np.cos(a)) * f
        ys = np.arange(h, dtype=np.float32) * np.float32(np.sin(a)) * f
        wave = np.sin(ys[:, None] + xs[None, :])
        amp = rng.uniform(4, 15) * rng.uniform(0.3, 1., 3)
        img += wave[..., None] * amp.astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    # clutter: rectangles, discs, lines
    scale = max(h, w)
    for _ in range(int(rng.integers(0, 5))):
        col = rng.uniform(0, 255, 3)
        col = tuple(float(v) for v in col.mean() + (col - col.mean())
                    * rng.uniform(0.2, 0.9))
        c = rng.uniform(0, 1, 2) * (w, h)
        r = rng.uniform(0.03, 0.25) * scale
        shape = rng.integers(3)
        if shape == 0:
            p = np.array([c - r * rng.uniform(0.3, 1, 2),
                          c + r * rng.uniform(0.3, 1, 2)])
            cv2.rectangle(img, tuple(int(v) for v in _fx(p[0])),
                          tuple(int(v) for v in _fx(p[1])), col, -1,
                          cv2.LINE_AA, _SHIFT)
        elif shape == 1:
            _disc(img, c, r * 0.5, np.array(col)[::-1])
        else:
            q = c + rng.normal(0, r, 2)
            _line(img, np.stack([c, q]), np.array(col)[::-1],
                  rng.uniform(1, 4))
    # out of focus, as behind a portrait
    return cv2.GaussianBlur(img, (0, 0), rng.uniform(1., 2.5))


def apply_lighting(rng: np.random.Generator, img: Array, centre: Array,
                   size: float, strength: float = 1.) -> Array:
    """Directional light, colour cast, gamma and sensor noise.

    Args:
        rng: random generator.
        img: (h, w, 3) uint8 image.
        centre: (2,) face centre in pixels.
        size: face size in pixels (gradient length scale).
        strength: multiplier of the lighting variation.

    Returns:
        (h, w, 3) uint8 image.
    """
    h, w = img.shape[:2]
    a = rng.uniform(0, 2 * np.pi)
    xs = (np.arange(w, dtype=np.float32) - centre[0]) * np.cos(a) / size
    ys = (np.arange(h, dtype=np.float32) - centre[1]) * np.sin(a) / size
    grad = 1. + strength * rng.uniform(0.05, 0.35) * np.clip(
        ys[:, None] + xs[None, :], -1.5, 1.5)
    gain = rng.uniform(0.7, 1.2) * (1 + strength * rng.normal(0, 0.06, 3))
    out = img.astype(np.float32)
    out *= grad[..., None]
    out *= gain.astype(np.float32)
    noise = rng.standard_normal((h, w, 1), dtype=np.float32)
    out += noise * np.float32(rng.uniform(0.5, 3.))
    np.clip(out + 0.5, 0, 255, out=out)
    gamma = np.exp(strength * rng.normal(0., 0.15))
    lut = np.round(255. * (np.arange(256) / 255.) ** gamma).astype(np.uint8)
    return cv2.LUT(out.astype(np.uint8), lut)


def draw_occluder(rng: np.random.Generator, img: Array, pts: Array,
                  eyes: Array, scale: float, ident: Dict) -> str:
    """Draw one occluder over the face.

    Args:
        rng: random generator.
        img: (h, w, 3) uint8 BGR image, drawn in place.
        pts: (68, 2) projected landmarks.
        eyes: (2, 2) projected eye centres.
        scale: pixels per inter-ocular unit.
        ident: identity (for skin colour of a hand).

    Returns:
        the occluder kind.
    """
    kind = ['glasses', 'hand', 'object', 'scarf', 'hat'][rng.integers(5)]
    col = rng.uniform(0, 255, 3)
    if kind == 'glasses':
        r = 0.3 * scale
        for e in eyes:
            cv2.circle(img, tuple(int(v) for v in _fx(e)),
                       int(r * _ONE), _col(col), max(1, int(scale * 0.04)),
                       cv2.LINE_AA, _SHIFT)
        _line(img, np.stack([eyes[0] + (eyes[1] - eyes[0]) * 0.3,
                             eyes[0] + (eyes[1] - eyes[0]) * 0.7]), col,
              max(1, scale * 0.04))
    elif kind == 'hand':
        c = pts[rng.integers(68)]
        skin = np.clip(ident['skin'] * rng.uniform(0.85, 1.05), 0, 255)
        ang = rng.uniform(0, 180)
        _ellipse(img, c, (0.45 * scale, 0.3 * scale), ang, skin)
        d = np.array([np.cos(np.deg2rad(ang)), np.sin(np.deg2rad(ang))])
        n = np.array([-d[1], d[0]])
        for k in range(4):
            base = c + n * (k - 1.5) * 0.14 * scale
            _line(img, np.stack([base, base + d * 0.7 * scale]),
                  skin * 0.95, 0.11 * scale)
    elif kind == 'object':
        c = pts[rng.integers(68)] + rng.normal(0, 0.2 * scale, 2)
        half = rng.uniform(0.15, 0.4, 2) * scale
        cv2.rectangle(img, tuple(int(v) for v in _fx(c - half)),
                      tuple(int(v) for v in _fx(c + half)), _col(col), -1,
                      cv2.LINE_AA, _SHIFT)
    elif kind == 'scarf':
        lo = pts[[2, 3, 5, 8, 11, 13, 14]]
        top = np.linspace(pts[3], pts[13], 7) + (pts[57] - pts[51]) * 0.3
        y = 0.35 * scale
        poly = np.concatenate([top, lo[::-1] + [0, y]], 0)
        _poly(img, poly, col)
    else:  # hat brim over the forehead
        d = pts[16] - pts[0]
        up = np.array([d[1], -d[0]]) / (np.linalg.norm(d) + 1e-6)
        brow = pts[17:27].mean(0) + up * rng.uniform(0.25, 0.5) * scale
        half = d * 0.75
        poly = np.stack([brow - half, brow + half,
                         brow + half + up * 0.8 * scale,
                         brow - half + up * 0.8 * scale])
        _poly(img, poly, col)
    return kind
