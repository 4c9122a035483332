# Registered components are imported here.
from .attentive_split import attentive_split  # noqa: F401
from .cover_and_stride import cover_and_stride  # noqa: F401
from .density_peak_clustering import density_peak_cluster  # noqa: F401
from .freeze import freeze_module  # noqa: F401
