"""The package version, in a module that imports nothing.

The root (``sce_mae_mm.__version__``), setup.cfg and the face cache's
manifest read it from here, so none of them imports the package root.
"""
__version__ = '0.1.0'
