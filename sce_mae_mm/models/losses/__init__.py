# Registered components are imported here.
from .lcr_loss import LCRLoss, lcr_loss  # noqa: F401
