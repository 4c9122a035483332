"""SCE-MAE (CVPR 2024) as an MMPose plugin.

Importing the package registers every component into mmpose's registries
and does nothing else (``torch.serialization`` is left as it was: the
project's checkpoint loaders allow-list mmengine's types while they load,
``sce_mae_mm/checkpoint.py``).
"""
from .version import __version__

# isort: off
from . import registry  # noqa: F401  (the sce_mae_mm:: config scope)
from . import dtypes  # noqa: F401  (accepted dtypes, shared conversions)
from . import datasets, engine, evaluation, models, visualization  # noqa
from . import apis  # noqa
# isort: on

__all__ = ['__version__']
