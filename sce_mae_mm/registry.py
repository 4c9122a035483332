"""The ``sce_mae_mm`` scope: child registries for configs that inherit ours.

Every component of the package registers into mmpose's registries (the
configs run with ``default_scope = 'mmpose'``). A config of another project
can inherit a packaged one with mmengine's scope prefix::

    _base_ = ['sce_mae_mm::synthetic/sce_mae_deit_t_stage1_synthetic.py']

mmengine then tags the inherited dicts with ``_scope_='sce_mae_mm'`` and
builds them from the registries of that scope. This module gives the scope
a node in each registry tree: an empty child of mmpose's registry (or of
mmengine's root where mmpose has none) named like it, which finds every
mmpose and sce_mae_mm component through its parent. It also tells mmengine
that the ``sce_mae_mm::`` prefix names this package (mmengine only knows
the OpenMMLab packages), which takes effect once ``sce_mae_mm`` is imported
(the packaged tools, and so ``mim train sce_mae_mm``, import it first).
"""
from typing import Dict

import mmengine.registry as mmengine_registry
import mmpose.registry as mmpose_registry
from mmengine.config.utils import MODULE2PACKAGE
from mmengine.registry import Registry

SCOPE = 'sce_mae_mm'

MODULE2PACKAGE.setdefault(SCOPE, 'sce_mae_mm')


def _child_registries() -> Dict[str, Registry]:
    """One ``sce_mae_mm`` child per registry tree (mmengine's roots, under
    mmpose's child where mmpose has one, and mmpose's own roots).

    Returns:
        dict: module-level name (``'MODELS'``, ``'KEYPOINT_CODECS'`` ...) ->
        the child registry of scope ``sce_mae_mm``.
    """
    parents: Dict[str, Registry] = {}
    for attr, root in vars(mmengine_registry).items():
        if isinstance(root, Registry):
            parents[attr] = root.children.get('mmpose', root)
    for attr, reg in vars(mmpose_registry).items():
        if (isinstance(reg, Registry) and reg.parent is None
                and reg.scope == 'mmpose'):
            parents.setdefault(attr, reg)  # mmpose's own roots (codecs ...)
    children: Dict[str, Registry] = {}
    for attr, parent in parents.items():
        if SCOPE in parent.children:  # module executed twice: reuse
            children[attr] = parent.children[SCOPE]
        else:
            children[attr] = Registry(
                parent.name, parent=parent, scope=SCOPE,
                locations=['sce_mae_mm'])
    return children


_CHILDREN = _child_registries()
globals().update(_CHILDREN)

__all__ = ['SCOPE', *sorted(_CHILDREN)]
