"""SCE-MAE (CVPR 2024) as an MMPose plugin.

Importing the package registers every component into mmpose's registries and
allow-lists the types of runner checkpoints for ``torch.load``.
"""
__version__ = '0.1.0'

# isort: off
from . import checkpoint  # noqa: F401  (first: safe checkpoint loading)
from . import registry  # noqa: F401  (the sce_mae_mm:: config scope)
from . import dtypes  # noqa: F401  (accepted dtypes, shared conversions)
from . import datasets, engine, evaluation, models, visualization  # noqa
from . import apis  # noqa
# isort: on

__all__ = ['__version__']
