# Registered components are imported here.
from .stage2 import SCEMAEStage2  # noqa: F401
from .matcher import LandmarkMatcher, MatchingDataPreprocessor  # noqa: F401
