"""Procedural 3-D face model of the synthetic face sets: identity, expression,
pose and projection.

A face is a small 3-D point model in a canonical frame whose unit is the
inter-ocular distance (eye centres at x = -/+ 0.5, y = 0; x right, y down,
z towards the camera).  Its 68 points follow the semantic order of 300W /
iBUG (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67, "left" =
image-left).  Identity (face shape, feature sizes and spacing, colours,
hair) and expression (eye openness, mouth opening, smile) change the model;
the pose (yaw, pitch, roll, scale, translation) projects it into the image
(:mod:`.face` draws it).
"""
from typing import Dict, Tuple

import numpy as np

Array = np.ndarray

#: Skin tone range (RGB), light to dark.
_SKIN_LIGHT = np.array([246., 214., 190.])
_SKIN_DARK = np.array([92., 60., 44.])
_HAIR_COLOURS = np.array([
    [25., 20., 18.], [60., 40., 28.], [110., 75., 45.], [190., 150., 95.],
    [150., 70., 35.], [160., 160., 160.], [225., 215., 190.]])
_IRIS_COLOURS = np.array([
    [50., 32., 20.], [75., 50., 30.], [55., 85., 115.], [60., 90., 60.],
    [35., 30., 30.]])
_LIP = np.array([175., 60., 70.])


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
    # lips: a red shared by all faces, darkened with the skin
    lip = np.clip(0.5 * skin * np.array([0.85, 0.55, 0.55]) + 0.5 * _LIP
                  + rng.normal(0, 6, 3), 0, 255)
    return dict(
        eye_half=rng.uniform(0.46, 0.54),
        eye_w=rng.uniform(0.36, 0.46),
        eye_h=rng.uniform(0.17, 0.23),
        iris_r=rng.uniform(0.085, 0.1),
        brow_gap=rng.uniform(0.2, 0.3),
        brow_arch=rng.uniform(0.0, 0.08),
        brow_len=rng.uniform(0.34, 0.46),
        brow_thick=rng.uniform(0.05, 0.08),
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
