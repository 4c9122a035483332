"""Procedural face model and renderer for the synthetic face sets.

A face is a small 3-D point model in a canonical frame whose unit is the
inter-ocular distance (eye centres at x = -/+ 0.5, y = 0; x right, y down,
z towards the camera).  Its 68 points follow the semantic order of 300W /
iBUG (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67, "left" =
image-left).  Identity (face shape, feature sizes and spacing, colours,
hair) and expression (eye openness, mouth opening, smile) change the model;
the pose (yaw, pitch, roll, scale, translation) projects it into the image.
Every drawn feature is drawn *from* the projected points with sub-pixel
OpenCV drawing, so the landmarks lie on the drawn features:

- eye centre (5-point) = centre of the iris,
- nose tip = point 30 (a highlight is drawn there),
- mouth corners = points 48 and 54 (the ends of the lip outline).
"""
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

Array = np.ndarray

#: Fixed-point precision used for sub-pixel OpenCV drawing.
_SHIFT = 4
_ONE = 1 << _SHIFT

#: Skin tone range (RGB), light to dark.
_SKIN_LIGHT = np.array([246., 214., 190.])
_SKIN_DARK = np.array([92., 60., 44.])
_HAIR_COLOURS = np.array([
    [25., 20., 18.], [60., 40., 28.], [110., 75., 45.], [190., 150., 95.],
    [150., 70., 35.], [160., 160., 160.], [225., 215., 190.]])
_IRIS_COLOURS = np.array([
    [60., 40., 25.], [95., 65., 40.], [70., 110., 150.], [80., 120., 80.],
    [40., 35., 35.]])


def sample_identity(rng: np.random.Generator) -> Dict:
    """Draw the identity of one face (shape, spacing, sizes, colours, hair).

    Args:
        rng: random generator.

    Returns:
        dict of scalars and RGB colours (float arrays of shape (3,)).
    """
    tone = rng.uniform(0., 1.)
    skin = _SKIN_LIGHT * (1 - tone) + _SKIN_DARK * tone
    skin = np.clip(skin + rng.normal(0, 8, 3), 0, 255)
    hair = _HAIR_COLOURS[rng.integers(len(_HAIR_COLOURS))]
    hair = np.clip(hair + rng.normal(0, 10, 3), 0, 255)
    lip = np.clip(skin * np.array([0.85, 0.55, 0.55]) + rng.normal(0, 8, 3),
                  0, 255)
    return dict(
        eye_half=rng.uniform(0.46, 0.54),
        eye_w=rng.uniform(0.36, 0.46),
        eye_h=rng.uniform(0.17, 0.23),
        iris_r=rng.uniform(0.07, 0.09),
        brow_gap=rng.uniform(0.2, 0.3),
        brow_arch=rng.uniform(0.0, 0.08),
        brow_len=rng.uniform(0.34, 0.46),
        brow_thick=rng.uniform(0.035, 0.075),
        nose_len=rng.uniform(0.52, 0.72),
        nose_w=rng.uniform(0.2, 0.32),
        mouth_y=rng.uniform(0.95, 1.18),
        mouth_half=rng.uniform(0.33, 0.47),
        lip_up=rng.uniform(0.05, 0.1),
        lip_low=rng.uniform(0.06, 0.13),
        face_half=rng.uniform(0.92, 1.15),
        jaw_top=rng.uniform(0.0, 0.2),
        chin_y=rng.uniform(1.6, 1.95),
        jaw_power=rng.uniform(0.6, 1.3),
        chin_narrow=rng.uniform(0.0, 0.35),
        forehead=rng.uniform(0.95, 1.3),
        hairline=rng.uniform(0.55, 0.85),
        hair_style=int(rng.integers(5)),
        hair_volume=rng.uniform(0.1, 0.4),
        skin=skin,
        hair=hair,
        brow=np.clip(hair * rng.uniform(0.5, 0.9), 0, 255),
        lip=lip,
        iris=np.clip(_IRIS_COLOURS[rng.integers(len(_IRIS_COLOURS))]
                     + rng.normal(0, 8, 3), 0, 255),
        clothes=rng.uniform(20, 235, 3),
        ear=bool(rng.uniform() < 0.8),
        nose_side=float(rng.choice([-1., 1.])),
    )


def sample_expression(rng: np.random.Generator) -> Dict:
    """Draw an expression: eye openness, mouth opening, smile, brow raise.

    Args:
        rng: random generator.

    Returns:
        dict of scalars.
    """
    closed = rng.uniform() < 0.1
    return dict(
        eye_open=rng.uniform(0.12, 0.3) if closed else rng.uniform(0.7, 1.15),
        mouth_open=(rng.uniform(0.05, 0.3) if rng.uniform() < 0.35
                    else 0.0),
        smile=rng.uniform(-0.04, 0.12),
        brow_raise=rng.uniform(-0.04, 0.08),
    )


def face_model(ident: Dict, expr: Dict) -> Tuple[Array, Dict[str, Array]]:
    """Build the canonical 3-D face of one identity and expression.

    Args:
        ident: identity from :func:`sample_identity`.
        expr: expression from :func:`sample_expression`.

    Returns:
        tuple: ``points`` (68, 3) landmarks (x, y, z) in inter-ocular units,
        and a dict of extra 3-D points used for drawing: ``eye_centres``
        (2, 3), ``head`` (M, 3) the head outline (jaw then forehead),
        ``hairline`` (M', 3), ``ears`` (2, 3).
    """
    pts = np.zeros((68, 3))
    # jaw 0-16: from the image-left temple round the chin to the right one
    th = np.linspace(np.pi, 0., 17)
    s = np.sin(th)
    fw = ident['face_half']
    y0 = ident['jaw_top']
    pts[:17, 0] = fw * np.cos(th) * (1 - ident['chin_narrow'] * s ** 6)
    pts[:17, 1] = y0 + (ident['chin_y'] - y0) * s ** ident['jaw_power']
    pts[:17, 2] = -0.55 + 0.75 * s
    # eyes 36-41 (image-left), 42-47 (image-right)
    ex, ew = ident['eye_half'], ident['eye_w']
    eh = ident['eye_h'] * expr['eye_open']
    up, lo = -0.5 * eh, 0.42 * eh
    # both eyes run clockwise from their image-left corner like iBUG:
    # corner, upper lid (2), corner, lower lid (2)
    xs = np.array([-0.5, -1 / 6., 1 / 6., 0.5, 1 / 6., -1 / 6.]) * ew
    for side, start in ((-1., 36), (1., 42)):
        c = side * ex
        ys = np.array([0., up, up, 0., lo, lo])
        ys[0 if side < 0 else 3] = 0.02  # outer corner slightly lower
        pts[start:start + 6, 0] = c + xs
        pts[start:start + 6, 1] = ys
        pts[start:start + 6, 2] = 0.12 - 0.25 * np.abs(xs + c) ** 2
    # brows 17-21 (outer -> inner on the left), 22-26 (inner -> outer)
    bl = ident['brow_len']
    t = np.linspace(0., 1., 5)
    by = -(ident['brow_gap'] + expr['brow_raise'] + 0.5 * ident['eye_h'])
    arch = -ident['brow_arch'] * np.sin(np.pi * (0.3 + 0.7 * t))
    inner = ex - 0.5 * ew + 0.02
    left_x = -(inner + bl * (1 - t))
    pts[17:22, 0] = left_x
    pts[17:22, 1] = by + arch
    pts[22:27, 0] = -left_x[::-1]
    pts[22:27, 1] = (by + arch)[::-1]
    pts[17:27, 2] = 0.15
    # nose: bridge 27-30 down to the tip, base 31-35
    nl, nw = ident['nose_len'], ident['nose_w']
    pts[27:31, 0] = 0.
    pts[27:31, 1] = np.linspace(0.03, nl, 4)
    pts[27:31, 2] = np.linspace(0.25, 0.6, 4)
    pts[31:36, 0] = np.array([-0.5, -0.25, 0., 0.25, 0.5]) * nw
    pts[31:36, 1] = nl + np.array([0.03, 0.07, 0.09, 0.07, 0.03])
    pts[31:36, 2] = np.array([0.3, 0.4, 0.45, 0.4, 0.3])
    # mouth: corners 48/54, outer upper 49-53, outer lower 55-59 (right ->
    # left), inner 60-67
    my, mw = ident['mouth_y'], ident['mouth_half']
    mo = expr['mouth_open']
    ux = np.array([-2, -1, 0, 1, 2]) / 3. * mw
    up_in = my - 0.5 * mo * np.array([0.6, 0.9, 1., 0.9, 0.6])
    lo_in = my + 0.5 * mo * np.array([0.6, 0.9, 1., 0.9, 0.6])
    bow = np.array([0.55, 1.0, 0.8, 1.0, 0.55])
    pts[48] = (-mw, my, 0.18)
    pts[54] = (mw, my, 0.18)
    pts[49:54, 0] = ux
    pts[49:54, 1] = up_in - ident['lip_up'] * bow
    pts[55:60, 0] = ux[::-1]
    pts[55:60, 1] = (lo_in + ident['lip_low']
                     * np.array([0.55, 0.9, 1., 0.9, 0.55]))[::-1]
    pts[60] = (-0.88 * mw, my, 0.2)
    pts[64] = (0.88 * mw, my, 0.2)
    pts[61:64, 0] = ux[1:4]
    pts[61:64, 1] = up_in[1:4]
    pts[65:68, 0] = ux[3:0:-1]
    pts[65:68, 1] = lo_in[3:0:-1]
    pts[49:54, 2] = 0.3
    pts[55:68, 2] = 0.28
    pts[60, 2] = pts[64, 2] = 0.2
    # smile: raise the corners (quadratic in x)
    sm = expr['smile']
    pts[48:68, 1] -= sm * (pts[48:68, 0] / mw) ** 2
    # extra drawing points
    eyes = np.array([[-ex, 0., 0.12], [ex, 0., 0.12]])
    tf = np.linspace(0., np.pi, 15)[1:-1]
    top = -ident['forehead']
    fore = np.stack([fw * np.cos(tf), y0 - (y0 - top) * np.sin(tf),
                     -0.55 + 0.6 * np.sin(tf)], 1)
    head = np.concatenate([pts[:17], fore], 0)
    hl = -ident['hairline']
    hair_line = np.stack(
        [0.98 * fw * np.cos(tf), y0 - (y0 - hl) * np.sin(tf) ** 0.5,
         -0.5 + 0.6 * np.sin(tf)], 1)
    ears = np.array([[-fw * 1.02, 0.25, -0.6], [fw * 1.02, 0.25, -0.6]])
    return pts, dict(eye_centres=eyes, head=head, hairline=hair_line,
                     ears=ears)


def sample_pose(rng: np.random.Generator, centre: Tuple[float, float],
                iod: float, jitter: Dict) -> Dict:
    """Draw a head pose around a nominal placement.

    Args:
        rng: random generator.
        centre: nominal image position (x, y) of the midpoint of the eyes.
        iod: nominal inter-ocular distance in pixels.
        jitter: standard deviations / ranges: ``shift`` (px), ``scale``
            (relative), ``roll``, ``yaw``, ``pitch`` (degrees).

    Returns:
        dict with ``centre`` (2,), ``scale`` (px per unit), ``roll``,
        ``yaw``, ``pitch`` (radians).
    """
    def clipped(sd: float, limit: float = np.inf) -> float:
        lim = min(2.5 * sd, limit)
        return float(np.clip(rng.normal(0., sd), -lim, lim))

    # the flat drawing model holds up to about 40 degrees of yaw
    return dict(
        centre=np.asarray(centre, float) + rng.normal(0., jitter['shift'], 2),
        scale=iod * np.exp(clipped(jitter['scale'])),
        roll=np.deg2rad(clipped(jitter['roll'], 45.)),
        yaw=np.deg2rad(clipped(jitter['yaw'], 40.)),
        pitch=np.deg2rad(clipped(jitter['pitch'], 25.)),
    )


def project(points: Array, pose: Dict) -> Array:
    """Project canonical 3-D points into the image (orthographic).

    Args:
        points: (..., 3) canonical points.
        pose: from :func:`sample_pose`.

    Returns:
        (..., 2) image coordinates (x, y) in pixels.
    """
    x, y, z = points[..., 0], points[..., 1], points[..., 2]
    cy, sy = np.cos(pose['yaw']), np.sin(pose['yaw'])
    x, z = x * cy + z * sy, -x * sy + z * cy
    cp, sp = np.cos(pose['pitch']), np.sin(pose['pitch'])
    y = y * cp - z * sp
    cr, sr = np.cos(pose['roll']), np.sin(pose['roll'])
    u = (x * cr - y * sr) * pose['scale'] + pose['centre'][0]
    v = (x * sr + y * cr) * pose['scale'] + pose['centre'][1]
    return np.stack([u, v], -1)


def five_from_68(points68: Array, eye_centres: Array) -> Array:
    """The 5 landmarks (CelebA order) of a projected face.

    Args:
        points68: (68, 2) projected 68-point landmarks.
        eye_centres: (2, 2) projected iris centres (image-left first).

    Returns:
        (5, 2): left eye, right eye, nose tip, left / right mouth corner.
    """
    return np.concatenate(
        [eye_centres, points68[[30, 48, 54]]], 0).astype(np.float64)


def snap_to_integers(points68: Array, eye_centres: Array
                     ) -> Tuple[Array, Array]:
    """Move features by < 0.5 px so that the 5 landmarks are integers.

    CelebA stores integer landmarks; moving each feature (a whole eye, the
    nose tip, each mouth corner blended along the mouth) keeps the drawn
    features on the stored values.

    Args:
        points68: (68, 2) projected landmarks.
        eye_centres: (2, 2) projected iris centres.

    Returns:
        tuple of the moved ``points68`` (68, 2) and ``eye_centres`` (2, 2).
    """
    p = points68.copy()
    e = eye_centres.copy()
    de = np.round(e) - e
    p[36:42] += de[0]
    p[42:48] += de[1]
    e = e + de
    p[30] = np.round(p[30])
    d_l = np.round(p[48]) - p[48]
    d_r = np.round(p[54]) - p[54]
    x_l, x_r = p[48, 0], p[54, 0]
    span = x_r - x_l if abs(x_r - x_l) > 1e-6 else 1.
    w = np.clip((p[48:68, 0] - x_l) / span, 0., 1.)[:, None]
    p[48:68] += (1 - w) * d_l + w * d_r
    p[48] = np.round(p[48])
    p[54] = np.round(p[54])
    return p, e


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
    """A textured, cluttered background.

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
    base = grey + (base - grey) * np.float32(rng.uniform(0.25, 0.8))
    img = cv2.resize(base, (w, h), interpolation=cv2.INTER_CUBIC)
    kind = rng.integers(3)
    if kind == 0:  # fine noise texture
        n = rng.standard_normal((max(2, h // 3), max(2, w // 3)),
                                dtype=np.float32)
        n = cv2.resize(n, (w, h), interpolation=cv2.INTER_LINEAR)
        img += n[..., None] * np.float32(rng.uniform(6, 22))
    elif kind == 1:  # stripes
        a = rng.uniform(0, np.pi)
        f = np.float32(2 * np.pi / rng.uniform(6, 30))
        xs = np.arange(w, dtype=np.float32) * np.float32(np.cos(a)) * f
        ys = np.arange(h, dtype=np.float32) * np.float32(np.sin(a)) * f
        wave = np.sin(ys[:, None] + xs[None, :])
        amp = rng.uniform(8, 35) * rng.uniform(0.3, 1., 3)
        img += wave[..., None] * amp.astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    # clutter: rectangles, discs, lines
    scale = max(h, w)
    for _ in range(int(rng.integers(3, 12))):
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
    return img


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
        _line(img, upper, np.array([30., 25., 25.]), max(1., 0.03 * s))
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
    _disc(img, pts[30], max(1., 0.05 * s),
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
