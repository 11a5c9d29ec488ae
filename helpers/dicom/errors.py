"""Exceptions and warnings raised by :mod:`helpers.dicom`.

Every error derives from :class:`DicomError` and from the built-in exception it refines (``ValueError``,
``AttributeError``, ``RuntimeError``), so ``except ValueError`` keeps working for callers that know nothing of
DICOM.
"""

from __future__ import annotations

from typing import Any


# --------------------------------------------------------------------------------------------------
# Exceptions and warnings
# --------------------------------------------------------------------------------------------------
class DicomError(Exception):
    """Base class of the errors raised by :mod:`helpers.dicom`."""


class NotDicomError(DicomError, ValueError):
    """The file is not DICOM: no ``DICM`` prefix after the 128-byte preamble."""


class TruncatedDicomError(DicomError, ValueError):
    """The file ends before its last data element (or its pixel data) is complete."""


class NoPixelDataError(DicomError, AttributeError):
    """Pixels were requested from a dataset without (7FE0,0010) Pixel Data."""


class MissingDecoderError(DicomError, RuntimeError):
    """The pixel data are compressed and no installed plugin can decode them.

    Attributes
    ----------
    transfer_syntax : str
        The (0002,0010) Transfer Syntax UID of the file.
    packages : tuple of str
        pip install commands that would provide a decoder, best first.
    """

    def __init__(self, message: str, *, transfer_syntax: str, packages: tuple[str, ...]):
        super().__init__(message)
        self.transfer_syntax = transfer_syntax
        self.packages = packages


class MixedSeriesError(DicomError, ValueError):
    """Several series were found where one was expected.

    Attributes
    ----------
    series : dict
        SeriesInstanceUID -> dict with ``n_files``, ``modality``, ``description``, ``number``.
    """

    def __init__(self, message: str, *, series: dict[str, dict[str, Any]]):
        super().__init__(message)
        self.series = series


class SeriesGeometryError(DicomError, ValueError):
    """Slices of one series do not form a regular grid (orientation, size, spacing, gaps)."""


class SeriesWarning(UserWarning):
    """A series loads, but its geometry is irregular (missing slices, uneven gaps, no positions)."""


class BurnedInTextWarning(UserWarning):
    """A de-identified image may still show identifying text in its pixels."""
