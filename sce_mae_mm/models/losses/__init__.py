# Registered components are imported here.
from .cl_loss import CLLoss, cl_loss, cl_token_loss  # noqa: F401
from .lcr_loss import LCRLoss, lcr_loss  # noqa: F401
from .lead_loss import LEADLoss, lead_loss  # noqa: F401
