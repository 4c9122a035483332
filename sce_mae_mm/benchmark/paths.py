"""Where the project's ``configs/`` and ``tools/`` are, in a clone and in
an installed wheel (``sce_mae_mm/.mim``, see setup.py)."""
import os
import os.path as osp
from typing import Dict, Tuple

PACKAGE = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _has_project(folder: str) -> bool:
    return all(osp.isdir(osp.join(folder, sub)) for sub in ('configs',
                                                            'tools'))


def _is_clone(folder: str) -> bool:
    return _has_project(folder) and osp.isfile(osp.join(folder, 'setup.py'))


def locate() -> Tuple[str, str]:
    """``(root, code)``: the folder the tool commands run in (their outputs
    go there) and the prefix of ``configs/`` and ``tools/``.

    In a clone both are the clone (``code`` is ``''``: the commands name
    ``configs/...`` and ``tools/...`` relative to it, as printed in the
    docs); from a wheel the commands run in the current directory and name
    the packaged ``sce_mae_mm/.mim/configs`` and ``.../tools`` in full.
    """
    clone = osp.dirname(PACKAGE)
    if _is_clone(clone):
        return clone, ''
    mim = osp.join(PACKAGE, '.mim')
    if _has_project(mim):
        return os.getcwd(), mim
    raise FileNotFoundError(
        f'sce_mae_mm: neither {clone} nor {mim} holds configs/ and tools/ '
        '(a clone of the repository or an installed wheel was expected)')


def project_root() -> str:
    """The folder holding ``configs/`` and ``tools/`` (clone or .mim)."""
    root, code = locate()
    return code or root


def deit_widths() -> Dict[str, dict]:
    """arch -> the widths of ``configs/_base_/models/deit.py``, where the
    configs say them once (``embed_dims``, ``proj_dims``, ...)."""
    from mmengine.config import Config
    table = Config.fromfile(
        osp.join(project_root(), 'configs', '_base_', 'models', 'deit.py'))
    return {w.arch: w for w in table.deit.values()}
