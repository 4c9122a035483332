"""Learning-curve figure: matching error and NME against stage-1 images seen.

Used by ``tools/quickstart.py --long``; each point is one stage-1
checkpoint taken through stage 2, matching and a detection head.
"""
from typing import Dict, Optional, Sequence

from .canvas import new_figure, save_png


def plot_learning_curve(points: Sequence[Dict], baselines: Dict[str, float],
                        out: str, title: Optional[str] = None) -> None:
    """Write the learning curve PNG.

    Args:
        points: one dict per stage-1 checkpoint, ascending ``images_seen``,
            with ``images_seen`` and any of ``raw_same``, ``raw_diff``,
            ``sce_same``, ``sce_diff`` (px, 70-px frame) and ``nme``
            (detection NME, %).
        baselines: ``same``, ``diff`` (same-location baseline, px) and
            ``nme`` (mean-shape NME, %), drawn as horizontal lines.
        out: PNG path.
        title: figure title.
    """
    if not points:
        raise ValueError(f'{__file__}: no points to plot')
    seen = [p['images_seen'] for p in points]
    fig = new_figure((13, 3.8))
    axes = fig.subplots(1, 3)
    panels = (('same', 'matching, same identity (px)'),
              ('diff', 'matching, different identity (px)'))
    for ax, (group, label) in zip(axes[:2], panels):
        for kind, style, name in (('raw', 'o--', 'raw MAE features'),
                                  ('sce', 's-', 'SCE-MAE (stage 2)')):
            key = f'{kind}_{group}'
            if all(key in p for p in points):
                ax.plot(seen, [p[key] for p in points], style, label=name)
        if group in baselines:
            ax.axhline(baselines[group], color='k', ls=':',
                       label='same-location baseline')
        ax.set_title(label)
    ax = axes[2]
    if all('nme' in p for p in points):
        ax.plot(seen, [p['nme'] for p in points], 's-', color='C2',
                label='detection head')
    if 'nme' in baselines:
        ax.axhline(baselines['nme'], color='k', ls=':',
                   label='mean-shape baseline')
        ax.axhline(0.7 * baselines['nme'], color='grey', ls='-.',
                   label='0.7 x mean shape')
    ax.set_title('MAFL detection NME (%)')
    for ax in axes:
        ax.set_xlabel('stage-1 training images seen')
        ax.set_xscale('log')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    save_png(fig, out, dpi=110)
