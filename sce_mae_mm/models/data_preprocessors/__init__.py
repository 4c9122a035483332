# Registered components are imported here.
from .batch_flip import (BatchFlipSelfSupDataPreprocessor, batch_hflip,
                         flip_decisions)
from .matching import MatchingDataPreprocessor
from .stage2 import Stage2DataPreprocessor

__all__ = ['BatchFlipSelfSupDataPreprocessor', 'MatchingDataPreprocessor',
           'Stage2DataPreprocessor', 'batch_hflip', 'flip_decisions']
