"""The learning curve's fit: error against log10(images seen), where the
fitted line would cross the same-location baseline, and what that costs on
one H200."""
import math
from typing import Dict, List, Optional, Sequence

#: MAE pretraining throughput on one H200 in bf16: DeiT-S measured anchor;
#: DeiT-T an estimate (DeiT-S × its FLOP ratio, about 2.5)
H200_IMAGES_PER_S = {'deit-s': 13000.0, 'deit-t (estimate)': 32500.0}


def fit_crossing(points: Sequence[Dict], key: str,
                 baseline: float) -> Dict[str, Optional[float]]:
    """Least-squares line of ``key`` against log10(images seen) and where
    it would cross ``baseline``.

    Returns ``slope`` (error per decade), its standard error, the images
    seen at the crossing (None when the fitted line does not fall) and a
    1-s.e. interval of that crossing from the slope's uncertainty.
    """
    xs = [math.log10(p['images_seen']) for p in points if key in p]
    ys = [p[key] for p in points if key in p]
    n = len(xs)
    if n < 3:
        raise ValueError(f'fit_crossing: {key}: {n} points, need 3')
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx)**2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    icpt = my - slope * mx
    resid = sum((y - icpt - slope * x)**2 for x, y in zip(xs, ys))
    se = math.sqrt(resid / (n - 2) / sxx) if n > 2 else float('nan')

    def cross(b: float) -> Optional[float]:
        if b >= 0:
            return None
        return 10**((baseline - (my - b * mx)) / b)

    return dict(slope=slope, slope_se=se, intercept=icpt, points=n,
                crossing=cross(slope), crossing_low=cross(slope - se),
                crossing_high=cross(slope + se))


def crossing_text(name: str, fit: Dict) -> str:
    """One sentence on the fit and the H200 time it implies."""
    head = (f'{name}: {fit["slope"]:+.2f} ± {fit["slope_se"]:.2f} px per '
            f'decade of images seen ({fit["points"]} points)')
    if fit['crossing'] is None:
        return head + '; the fitted line does not fall: no crossing.'
    low, high = fit['crossing_low'], fit['crossing_high']
    span = (f'{low:,.0f} to {high:,.0f}' if high is not None else
            f'at least {low:,.0f} (the slope is within 1 s.e. of flat)')
    times = '; '.join(
        f'{arch}: {duration(fit["crossing"] / rate)}'
        for arch, rate in H200_IMAGES_PER_S.items())
    return (head + f'; crosses the baseline at {fit["crossing"]:,.0f} images'
            f' seen (1 s.e.: {span}); on one H200 in bf16 that is {times}.')


def duration(seconds: float) -> str:
    """Seconds under 90 s, minutes under an hour, hours under 3 days."""
    if seconds < 90:
        return f'{seconds:.0f} s'
    if seconds < 3600:
        return f'{seconds / 60:.0f} min'
    if seconds < 86400 * 3:
        return f'{seconds / 3600:.1f} h'
    return f'{seconds / 86400:.0f} days'


def fits_text(points: Sequence[Dict], baselines: Dict) -> List[str]:
    """The crossing sentences for raw MAE and SCE-MAE, different identity."""
    out = []
    for kind, name in (('raw', 'raw MAE, different identity'),
                       ('sce', 'SCE-MAE, different identity')):
        try:
            fit = fit_crossing(points, f'{kind}_diff', baselines['diff'])
        except ValueError as err:
            out.append(f'- {name}: {err}')
            continue
        out.append('- ' + crossing_text(name, fit))
    return out
