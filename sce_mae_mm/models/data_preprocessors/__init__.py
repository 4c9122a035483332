# Registered components are imported here.
from .batch_flip import (BatchFlipSelfSupDataPreprocessor, batch_hflip,
                         flip_decisions)

__all__ = ['BatchFlipSelfSupDataPreprocessor', 'batch_hflip',
           'flip_decisions']
