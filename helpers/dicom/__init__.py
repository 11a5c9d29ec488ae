"""Read, inspect, window, stack, de-identify and write DICOM files.

Companion package of ``notebooks/02_dicom.ipynb`` (lecture 3, "DICOM Data Format"). It wraps pydicom 3
with the plumbing a notebook should not show, one module per topic:

- :mod:`~helpers.dicom.io`: :func:`read` with clear errors for bad files, :func:`pixels`, :func:`hexdump`
  and :func:`preamble_info` for the bytes of a file;
- :mod:`~helpers.dicom.inspect`: a per-file :func:`summary` of the pixel and acquisition attributes,
  :func:`summary_table`, :func:`decoders_table`;
- :mod:`~helpers.dicom.display`: the DICOM display pipeline (Modality LUT, then VOI LUT / window) and
  :data:`CT_WINDOW_PRESETS`;
- :mod:`~helpers.dicom.series`: stacking a folder of slices into a 3D :class:`Volume` with its geometry;
- :mod:`~helpers.dicom.deid`: the basic de-identification profile of DICOM PS3.15 2024b, Table E.1-1, read
  from the package data file ``basic_profile.tsv``;
- :mod:`~helpers.dicom.write`: writing a new DICOM file from a numpy array;
- :mod:`~helpers.dicom.errors`: the exceptions and warnings all of them raise.

Everything public is re-exported here, so ``from helpers import dicom as hd`` then ``hd.read(...)`` works.

Conventions
-----------
- Arrays are ``(z, y, x)`` (slice, row, column); spacings are in millimetres in the same order.
- Patient coordinates are DICOM's LPS (x to the patient's left, y to the posterior, z to the head), mm.
- DICOM attributes are named "(gggg,eeee) Keyword" in messages and docstrings.

Sample data come from pydicom's own test files and the ``pydicom-data`` package, e.g.
``pydicom.data.get_testdata_file("CT_small.dcm", download=False)``; nothing is downloaded.
"""

from .deid import BASIC_PROFILE, BASIC_PROFILE_EDITION, DeidAction, DeidResult, deidentify
from .display import CT_WINDOW_PRESETS, WindowPreset, apply_voi, apply_window, to_modality_units, window_bounds
from .errors import (
    BurnedInTextWarning,
    DicomError,
    MissingDecoderError,
    MixedSeriesError,
    NoPixelDataError,
    NotDicomError,
    SeriesGeometryError,
    SeriesWarning,
    TruncatedDicomError,
)
from .inspect import decoders_table, summary, summary_table
from .io import hexdump, pixels, preamble_info, read
from .series import Volume, load_series
from .write import write

__all__ = [
    "CT_WINDOW_PRESETS",
    "BASIC_PROFILE",
    "BASIC_PROFILE_EDITION",
    "BurnedInTextWarning",
    "DeidAction",
    "DeidResult",
    "DicomError",
    "MissingDecoderError",
    "MixedSeriesError",
    "NoPixelDataError",
    "NotDicomError",
    "SeriesGeometryError",
    "SeriesWarning",
    "TruncatedDicomError",
    "Volume",
    "WindowPreset",
    "apply_voi",
    "apply_window",
    "decoders_table",
    "deidentify",
    "hexdump",
    "load_series",
    "pixels",
    "preamble_info",
    "read",
    "summary",
    "summary_table",
    "to_modality_units",
    "window_bounds",
    "write",
]
