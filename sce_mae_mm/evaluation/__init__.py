from . import functional, metrics  # noqa
from .functional import *  # noqa
