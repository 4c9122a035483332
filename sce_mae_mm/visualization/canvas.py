"""Figures without pyplot: matplotlib's object API on the Agg canvas.

A :class:`~matplotlib.figure.Figure` with its own
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg` draws and writes
PNG without a global backend, so importing or drawing never changes the
backend of the process (``matplotlib.use``), and no figure is kept by
pyplot's figure manager (nothing to close).
"""
from typing import Tuple

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(figsize: Tuple[float, float]) -> Figure:
    """An empty figure of ``figsize`` inches on its own Agg canvas."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: str, dpi: int = 120) -> str:
    """Write ``fig`` as PNG at ``dpi``; returns ``path``."""
    fig.savefig(path, dpi=dpi, format='png')
    return path
