# Registered components are imported here.
from .carb import CARB  # noqa: F401
from .cl_distiller import CLDistiller  # noqa: F401
from .projector import Projector  # noqa: F401
from .spatial_projector import SpatialProjector  # noqa: F401
