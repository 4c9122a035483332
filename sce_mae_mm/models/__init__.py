from . import (backbones, data_preprocessors, heads, losses, necks,  # noqa
               pose_estimators, utils)
