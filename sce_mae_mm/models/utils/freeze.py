"""Freezing a module: the one place the project switches gradients off."""
from torch import nn


def freeze_module(module: nn.Module) -> nn.Module:
    """Switch off the gradients of every parameter and set eval mode.

    Used by every frozen part (the stage-1 backbone, CARB, the CL distiller,
    the stage-2 model's backbone, the matcher). A module whose ``train``
    keeps it in eval mode (``frozen=True``) stays so afterwards.

    Args:
        module: the module (changed in place).

    Returns:
        nn.Module: ``module``.
    """
    module.eval()
    for param in module.parameters():
        param.requires_grad = False
    return module
