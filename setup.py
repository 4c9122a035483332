"""Packaging of sce_mae_mm (metadata in setup.cfg).

``install_requires`` and the ``tests`` and ``deploy`` extras are read from
``requirements/runtime.txt``, ``requirements/tests.txt`` and
``requirements/deploy.txt`` (ranges; the
exact versions of the reference environment are in
``requirements/lock.txt``). A built package carries the repository's
``configs/`` and ``tools/`` as ``sce_mae_mm/.mim/configs`` and
``sce_mae_mm/.mim/tools``, the layout openmim (``mim train sce_mae_mm
CONFIG``) and mmengine's ``sce_mae_mm::`` config prefix look for; the copies
are made in the build directory, never in the source tree.
"""
import os
import os.path as osp
import shutil
from typing import List

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = osp.dirname(osp.abspath(__file__))
#: repository folder -> folder under ``sce_mae_mm/.mim``
MIM_FOLDERS = {'configs': 'configs', 'tools': 'tools'}
#: tools that only make sense in a clone of the repository
MIM_SKIP = {'setup_env.sh', 'check_wheel.sh'}
#: an empty model index: the configs are found by path (mmengine's
#: ``sce_mae_mm::folder/config.py``), no checkpoints are published
MODEL_INDEX = 'Import: []\n'


def read_requirements(name: str) -> List[str]:
    """Requirement lines of ``requirements/<name>`` (comments dropped)."""
    path = osp.join(ROOT, 'requirements', name)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path}: missing; setup.py reads install_requires from it')
    with open(path) as f:
        lines = [line.split('#')[0].strip() for line in f]
    return [line for line in lines if line]


def _ignore(folder: str, names: List[str]) -> List[str]:
    return [
        n for n in names if n in MIM_SKIP or n == '__pycache__'
        or n.endswith('.pyc')
    ]


class BuildPyWithMim(build_py):
    """``build_py`` that also copies configs/ and tools/ into ``.mim``."""

    def run(self) -> None:
        super().run()
        if getattr(self, 'editable_mode', False):
            return  # an editable install uses the clone's folders
        mim = osp.join(self.build_lib, 'sce_mae_mm', '.mim')
        if osp.isdir(mim):
            shutil.rmtree(mim)
        os.makedirs(mim)
        for src, dst in MIM_FOLDERS.items():
            src_dir = osp.join(ROOT, src)
            if not osp.isdir(src_dir):
                raise FileNotFoundError(
                    f'{src_dir}: missing; the package ships it as '
                    f'sce_mae_mm/.mim/{dst}')
            shutil.copytree(src_dir, osp.join(mim, dst), ignore=_ignore)
        with open(osp.join(mim, 'model-index.yml'), 'w') as f:
            f.write(MODEL_INDEX)


setup(
    install_requires=read_requirements('runtime.txt'),
    extras_require={
        'tests': read_requirements('tests.txt'),
        'deploy': read_requirements('deploy.txt'),
    },
    cmdclass={'build_py': BuildPyWithMim},
)
