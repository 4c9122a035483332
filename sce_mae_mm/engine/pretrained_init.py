"""``init_cfg=dict(type='Pretrained', ...)`` that refuses checkpoints that do
not fit.

mmengine's ``PretrainedInit`` loads with ``strict=False`` and only logs size
mismatches and missing keys, so a DeiT-S checkpoint in a DeiT-T model or a
stage-1 checkpoint where a stage-2 one is expected trains on random weights.
:class:`FittingPretrainedInit` is registered under the same name
``'Pretrained'`` in mmpose's scope (the scope of every sce_mae_mm config), so
configs need no change. It loads the same way and raises instead:

* any size mismatch between a checkpoint tensor and the model;
* a missing tensor of a frozen part (a top-level child whose parameters all
  have ``requires_grad=False``: it never trains, so it must come from the
  checkpoint). Missing tensors of trainable parts (a detection head on a
  stage-2 checkpoint) are logged: they train from their initialisation.
"""
from typing import Optional, Sequence, Tuple

from mmengine.logging import print_log
from mmengine.model.weight_init import PretrainedInit, update_init_info
from mmpose.registry import WEIGHT_INITIALIZERS
from torch import nn

from ..checkpoint import frozen_parts, load_fitting_checkpoint


@WEIGHT_INITIALIZERS.register_module(name=['Pretrained', 'FittingPretrained'])
class FittingPretrainedInit(PretrainedInit):
    """Load a pretrained checkpoint, refusing one that does not fit.

    Args:
        checkpoint (str): the checkpoint file.
        prefix (str, optional): load only the keys under this prefix
            (stripped), as mmengine's ``Pretrained``.
        map_location (str): as in ``torch.load``. Defaults to ``'cpu'``.
        required (Sequence[str], optional): key prefixes the checkpoint must
            cover; default the module's frozen parts
            (:func:`sce_mae_mm.checkpoint.frozen_parts`).
        revise_keys (Sequence[tuple]): key regexes, default strips
            ``module.``.
    """

    def __init__(self,
                 checkpoint: str,
                 prefix: Optional[str] = None,
                 map_location: str = 'cpu',
                 required: Optional[Sequence[str]] = None,
                 revise_keys: Sequence[Tuple[str, str]] = (
                     (r'^module\.', ''), )) -> None:
        super().__init__(checkpoint, prefix=prefix, map_location=map_location)
        self.required = None if required is None else tuple(required)
        self.revise_keys = tuple(tuple(r) for r in revise_keys)

    def __call__(self, module: nn.Module) -> None:
        required = (self.required if self.required is not None else
                    frozen_parts(module))
        print_log(f'load model from: {self.checkpoint} (must hold '
                  f'{", ".join(required) or "nothing in particular"})',
                  logger='current')
        load_fitting_checkpoint(
            module, self.checkpoint, required=required,
            map_location=self.map_location, revise_keys=self.revise_keys,
            prefix=self.prefix,
            where=f'{type(module).__name__} (init_cfg Pretrained)')
        if hasattr(module, '_params_init_info'):
            update_init_info(module, init_info=self._get_init_info())
