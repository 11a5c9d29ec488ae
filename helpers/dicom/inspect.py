"""Summaries of DICOM datasets: pixel and acquisition attributes, and which decoder reads which file.

:func:`summary` gives one dataset's pixel depth, channels, spatial resolution, encoding and acquisition
descriptors as a dict; :func:`summary_table` puts several side by side; :func:`decoders_table` lists the
transfer syntaxes of real test files and the installed pixel decoder plugin of each.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pydicom.uid as _uid
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence

from .errors import MissingDecoderError, NoPixelDataError, TruncatedDicomError
from .io import _DECODER_PACKAGES, _PIXEL_KEYWORDS, _decoder_for, _lookup, _transfer_syntax, pixels, read

# --------------------------------------------------------------------------------------------------
# Summary of a dataset
# --------------------------------------------------------------------------------------------------
# What the lecture names (pixel depth, channels, spatial resolution) plus the file's encoding.
_PIXEL_FIELDS = (
    "Modality", "SOPClassName", "TransferSyntaxUID", "TransferSyntaxName", "Rows", "Columns",
    "NumberOfFrames", "SamplesPerPixel", "PhotometricInterpretation", "BitsAllocated", "BitsStored",
    "HighBit", "PixelRepresentation", "PixelSpacing", "ImagerPixelSpacing", "SliceThickness",
    "SpacingBetweenSlices", "RescaleSlope", "RescaleIntercept", "RescaleType", "WindowCenter",
    "WindowWidth", "StoredPixelBytes", "DecodedPixelBytes",
)
# "Other embedded metadata" (lecture 3): acquisition and patient descriptors used to normalise data.
_ACQUISITION_FIELDS = (
    "Manufacturer", "ManufacturerModelName", "BodyPartExamined", "KVP", "XRayTubeCurrent", "ExposureTime",
    "ConvolutionKernel", "MagneticFieldStrength", "RepetitionTime", "EchoTime", "FlipAngle",
    "ContrastBolusAgent", "PatientSex", "PatientAge", "PatientSize", "PatientWeight",
)


def summary(ds: Dataset) -> dict[str, Any]:
    """Summarise the pixel encoding and acquisition metadata of one dataset.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        Any dataset; attributes it lacks are reported as None.

    Returns
    -------
    dict
        Keys are DICOM keywords (``BitsAllocated``, ``PixelSpacing`` in mm as [row, column] spacing,
        ``KVP`` in kV, ``RepetitionTime`` in ms, ``PatientWeight`` in kg, ``PatientSize`` in m, ...)
        plus ``SOPClassName``, ``TransferSyntaxUID``/``TransferSyntaxName``, ``StoredPixelBytes`` (bytes
        of pixel data in the file) and ``DecodedPixelBytes`` (bytes once decoded). Values are plain
        Python types (int, float, str, list); absent attributes are None. ``NumberOfFrames`` is 1 for
        single-frame images.

    Notes
    -----
    Enhanced (multi-frame) objects keep spacing, rescale and window in functional groups
    (5200,9229) Shared and (5200,9230) Per-frame Functional Groups Sequence; they are looked up there
    (shared first, then the first frame) when absent from the top level.

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> s = summary(read(get_testdata_file("CT_small.dcm", download=False)))
    >>> s["Modality"], s["BitsStored"], s["TransferSyntaxName"]
    ('CT', 16, 'Explicit VR Little Endian')
    """
    if not isinstance(ds, Dataset):
        raise TypeError(f"ds must be a pydicom Dataset, got {type(ds).__name__}; use read(path) first")
    derived = ("SOPClassName", "TransferSyntaxUID", "TransferSyntaxName", "StoredPixelBytes", "DecodedPixelBytes")
    out = {key: None if key in derived else _plain(_lookup(ds, key)) for key in _PIXEL_FIELDS + _ACQUISITION_FIELDS}
    ts = _transfer_syntax(ds)
    sop = ds.get("SOPClassUID")
    out["SOPClassName"] = _uid.UID(sop).name if sop else None
    out["TransferSyntaxUID"] = str(ts) if ts else None
    out["TransferSyntaxName"] = ts.name if ts else None
    if out["Rows"] is not None:
        out["NumberOfFrames"] = int(out["NumberOfFrames"] or 1)
    out["StoredPixelBytes"], out["DecodedPixelBytes"] = _pixel_bytes(ds)
    return out


def _plain(value: Any) -> Any:
    """DICOM value -> plain Python (float, int, str, list) for tables and comparisons."""
    if isinstance(value, Sequence):
        return f"<{len(value)} items>"
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, (MultiValue, list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, float) or type(value).__name__ in ("DSfloat", "DSdecimal"):
        return float(value)
    if isinstance(value, int):
        return int(value)
    return str(value)


def _pixel_bytes(ds: Dataset) -> tuple[int | None, int | None]:
    stored = None
    for keyword in _PIXEL_KEYWORDS:
        if keyword in ds:
            value = ds[keyword].value
            stored = len(value) if value is not None else 0
            break
    needed = ("Rows", "Columns", "BitsAllocated")
    if not all(k in ds for k in needed):
        return stored, None
    bits = ds.Rows * ds.Columns * int(ds.get("NumberOfFrames") or 1) * int(ds.get("SamplesPerPixel", 1))
    return stored, math.ceil(bits * ds.BitsAllocated / 8)


def summary_table(datasets: Iterable[Any] | Mapping[str, Any], *, names: Iterable[str] | None = None):
    """Put the summaries of several datasets side by side.

    Parameters
    ----------
    datasets : iterable of Dataset or path, or mapping name -> Dataset or path
        The files to compare, e.g. one CT, one MR, one CR and one US.
    names : iterable of str, optional
        Column names; default the mapping keys, else the file names, else ``ds0, ds1, ...``.

    Returns
    -------
    pandas.DataFrame
        One row per field of :func:`summary`, one column per dataset (object dtype). Rows that are
        None for every dataset are dropped.

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> files = [get_testdata_file(n, download=False) for n in ("CT_small.dcm", "MR_small.dcm")]
    >>> summary_table(files).loc["Modality"].tolist()
    ['CT', 'MR']
    """
    import pandas as pd

    if isinstance(datasets, Mapping):
        names, items = list(datasets.keys()), list(datasets.values())
    else:
        items = list(datasets)
    if not items:
        raise ValueError("datasets is empty; pass at least one Dataset or file path")
    loaded = [item if isinstance(item, Dataset) else read(item) for item in items]
    if names is None:
        names = [Path(getattr(ds, "filename", "") or f"ds{i}").name for i, ds in enumerate(loaded)]
    names = list(names)
    if len(names) != len(loaded):
        raise ValueError(f"names has {len(names)} entries for {len(loaded)} datasets")
    table = pd.DataFrame({name: pd.Series(summary(ds), dtype=object) for name, ds in zip(names, loaded, strict=True)})
    return table.dropna(how="all")


# --------------------------------------------------------------------------------------------------
# Decoders of the real test files
# --------------------------------------------------------------------------------------------------
# One small real file per transfer syntax, from pydicom's test files and pydicom-data.
_EXAMPLE_FILES = (
    "MR_small_implicit.dcm",  # Implicit VR Little Endian (the default)
    "CT_small.dcm",  # Explicit VR Little Endian
    "MR_small_bigendian.dcm",  # Explicit VR Big Endian (retired)
    "image_dfl.dcm",  # Deflated Explicit VR Little Endian
    "SC_rgb_jpeg_dcmtk.dcm",  # JPEG Baseline (Process 1)
    "JPGExtended.dcm",  # JPEG Extended (Process 2 and 4)
    "SC_rgb_jpeg_gdcm.dcm",  # JPEG Lossless SV1 (Process 14)
    "MR_small_jpeg_ls_lossless.dcm",  # JPEG-LS Lossless
    "JPEGLSNearLossless_08.dcm",  # JPEG-LS Near-Lossless
    "MR_small_jp2klossless.dcm",  # JPEG 2000 Lossless Only
    "JPEG2000.dcm",  # JPEG 2000
    "MR_small_RLE.dcm",  # RLE Lossless
)


def _testdata_path(name: str) -> str:
    from pydicom.data import get_testdata_file

    path = get_testdata_file(name, download=False)
    if path is None:
        raise FileNotFoundError(f"{name} is not among pydicom's test files; pip install pydicom-data")
    return path


def decoders_table(paths: Iterable[str | Path] | None = None, *, decode: bool = True):
    """List transfer syntaxes of real files and which installed pixel decoder plugin handles each.

    Parameters
    ----------
    paths : iterable of paths, optional
        Files to inspect; default one small real test file per transfer syntax (pydicom and
        pydicom-data): implicit/explicit little endian, big endian, deflated, JPEG baseline, extended
        and lossless, JPEG-LS, JPEG 2000 and RLE.
    decode : bool, optional
        Also decode each file's pixels to prove the plugin works (default True).

    Returns
    -------
    pandas.DataFrame
        One row per file: ``file``, ``modality``, ``transfer_syntax`` (name), ``uid``, ``compressed``,
        ``plugins`` (installed plugins able to decode, pydicom 3 decoder registry), ``missing``
        (plugins whose dependencies are not installed), ``install`` (pip command if none is
        available), and with `decode` ``decoded`` (bool) and ``shape``.
    """
    import pandas as pd

    paths = [_testdata_path(n) for n in _EXAMPLE_FILES] if paths is None else list(paths)
    rows = []
    for path in paths:
        ds = read(path)
        ts = _transfer_syntax(ds) or _uid.ImplicitVRLittleEndian
        decoder = _decoder_for(ts)
        row = {
            "file": Path(path).name,
            "modality": ds.get("Modality"),
            "transfer_syntax": ts.name,
            "uid": str(ts),
            "compressed": ts.is_compressed,
            "plugins": ", ".join(decoder.available_plugins) if decoder else "",
            "missing": "; ".join(decoder.missing_dependencies) if decoder else "no decoder in pydicom",
            "install": "" if decoder and decoder.is_available else " | ".join(_DECODER_PACKAGES.get(ts, ())),
        }
        if decode:
            row["decoded"], row["shape"] = _try_decode(ds)
        rows.append(row)
    return pd.DataFrame(rows)


def _try_decode(ds: Dataset) -> tuple[bool, tuple[int, ...] | None]:
    try:
        return True, tuple(pixels(ds).shape)
    except (MissingDecoderError, NoPixelDataError, TruncatedDicomError):
        return False, None
