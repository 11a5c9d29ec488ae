"""Helpers for the medical-imaging course companion.

One small module per notebook (``helpers.dicom`` for ``02_dicom.ipynb`` ...) plus shared modules:
``helpers.data`` (real samples), ``helpers.geometry`` (orientation, resampling), ``helpers.datasets`` (teaching
datasets), ``helpers.viz`` (static figures) and ``helpers.widgets`` (interactive viewers). Importing the package
is cheap: submodules are imported on use.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
