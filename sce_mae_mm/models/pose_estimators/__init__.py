# Registered components are imported here.
from .cl_stage2 import CLStage2  # noqa: F401
from .dense_stage2 import DenseStage2  # noqa: F401
from .drop_token_matcher import DropTokenMatcher  # noqa: F401
from .feature_cache import CachedTopdownPoseEstimator  # noqa: F401
from .matcher import LandmarkMatcher  # noqa: F401
from .stage2 import SCEMAEStage2  # noqa: F401
