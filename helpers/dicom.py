"""Read, inspect, window, stack, de-identify and write DICOM files.

Companion module of ``notebooks/02_dicom.ipynb`` (lecture 3, "DICOM Data Format"). It wraps pydicom 3
with the plumbing a notebook should not show: clear errors for bad files, a per-file summary of the
pixel and acquisition attributes, the DICOM display pipeline (Modality LUT, then VOI LUT / window),
stacking a folder of slices into a 3D volume with its geometry, the PS3.15 basic de-identification
profile, and writing a new DICOM file from a numpy array.

Conventions
-----------
- Arrays are ``(z, y, x)`` (slice, row, column); spacings are in millimetres in the same order.
- Patient coordinates are DICOM's LPS (x to the patient's left, y to the posterior, z to the head), mm.
- DICOM attributes are named "(gggg,eeee) Keyword" in messages and docstrings.

Sample data come from pydicom's own test files and the ``pydicom-data`` package, e.g.
``pydicom.data.get_testdata_file("CT_small.dcm", download=False)``; nothing is downloaded.
"""

from __future__ import annotations

import copy
import hashlib
import math
import secrets
import struct
import uuid
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import pydicom
import pydicom.uid as _uid
from pydicom.datadict import keyword_for_tag
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.errors import BytesLengthException, InvalidDicomError
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag, Tag

__all__ = [
    "CT_WINDOW_PRESETS",
    "BASIC_PROFILE",
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


# --------------------------------------------------------------------------------------------------
# Exceptions and warnings
# --------------------------------------------------------------------------------------------------
class DicomError(Exception):
    """Base class of the errors raised by this module."""


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


# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------
_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
_UNDEFINED_LENGTH = 0xFFFFFFFF


def read(path: str | Path, *, force: bool = False, stop_before_pixels: bool = False) -> Dataset:
    """Read a DICOM file, failing loudly on files that are not DICOM or are truncated.

    Parameters
    ----------
    path : str or Path
        The file to read.
    force : bool, optional
        Try to parse the file even without the 128-byte preamble and ``DICM`` prefix (some old
        files and raw dumps lack them). Default False.
    stop_before_pixels : bool, optional
        Stop before (7FE0,0010) Pixel Data: reads only the header, which is fast. Default False.

    Returns
    -------
    pydicom.dataset.FileDataset
        The dataset, with ``file_meta`` (group 0002) when the file has one.

    Raises
    ------
    FileNotFoundError
        If `path` is not an existing file.
    NotDicomError
        If bytes 128-131 are not ``DICM`` (and `force` is False), or nothing could be parsed.
    TruncatedDicomError
        If the file ends in the middle of a data element, e.g. an interrupted copy or download.

    Notes
    -----
    pydicom itself is lenient: it returns whatever it parsed before the end of a truncated file.
    Here the declared length of every top-level element is compared with the bytes actually read,
    so a cut file raises instead of yielding a dataset with a silently missing tail. A file cut
    exactly between two elements cannot be told apart from a shorter valid file; :func:`pixels`
    then reports the missing pixel data.

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> ds = read(get_testdata_file("CT_small.dcm", download=False))
    >>> ds.Modality, ds.Rows, ds.Columns
    ('CT', 128, 128)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    size = path.stat().st_size
    try:
        _check_dicm_prefix(path, size)
    except NotDicomError:
        if not force:
            raise
        try:  # without the prefix, a parse failure means "not DICOM" rather than "truncated"
            return _read_checked(path, size, force=True, stop_before_pixels=stop_before_pixels)
        except TruncatedDicomError as exc:
            raise NotDicomError(f"not a DICOM file: {path} (force=True could not parse it: {exc})") from exc
    return _read_checked(path, size, force=force, stop_before_pixels=stop_before_pixels)


def _read_checked(path: Path, size: int, *, force: bool, stop_before_pixels: bool) -> Dataset:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ds = pydicom.dcmread(path, force=force, stop_before_pixels=stop_before_pixels)
        except InvalidDicomError as exc:
            raise NotDicomError(f"not a DICOM file: {path} ({exc})") from exc
        except (EOFError, struct.error, BytesLengthException, OverflowError) as exc:
            raise TruncatedDicomError(
                f"{path}: the file ends in the middle of a data element ({exc}); it is truncated or corrupt"
            ) from exc
    for w in caught:
        if "End of file" in str(w.message):
            raise TruncatedDicomError(f"{path}: {w.message}; the file is truncated")
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    _check_complete(ds, path, size, force=force, stop_before_pixels=stop_before_pixels)
    return ds


def _check_dicm_prefix(path: Path, size: int) -> None:
    with open(path, "rb") as f:
        head = f.read(132)
    if size < 132:
        reason = f"only {size} bytes, too short for the 128-byte preamble and 'DICM'"
    elif head[128:132] != b"DICM":
        reason = f"no DICM prefix: bytes 128-131 are {head[128:132]!r}"
    else:
        return
    raise NotDicomError(f"not a DICOM file: {path} ({reason}); pass force=True to try anyway")


def _check_complete(ds: Dataset, path: Path, size: int, *, force: bool, stop_before_pixels: bool) -> None:
    """Raise TruncatedDicomError when a top-level element is shorter than its declared length."""
    tags = list(ds.keys())
    if not tags:
        if force:
            raise NotDicomError(f"not a DICOM file: {path} (force=True parsed no data element)")
        raise TruncatedDicomError(f"{path}: no data element after the file meta information; truncated")
    last_end = None
    for tag in tags:
        elem = ds.get_item(tag)
        if not isinstance(elem, RawDataElement) or elem.length == _UNDEFINED_LENGTH or elem.value is None:
            last_end = None
            continue
        if len(elem.value) < elem.length:
            raise TruncatedDicomError(
                f"{path}: element {Tag(tag)} {keyword_for_tag(tag) or 'private'} declares {elem.length} "
                f"bytes but the file ends after {len(elem.value)}; the file is truncated"
            )
        last_end = elem.value_tell + elem.length
    # A file cut inside the 8-byte header of its last element leaves 1-7 unread bytes behind.
    deflated = _transfer_syntax(ds) == _uid.DeflatedExplicitVRLittleEndian
    if last_end is not None and not (deflated or stop_before_pixels) and 0 < size - last_end < 8:
        raise TruncatedDicomError(f"{path}: {size - last_end} stray bytes after the last element; truncated")


def _transfer_syntax(ds: Dataset) -> _uid.UID | None:
    meta = getattr(ds, "file_meta", None)
    if meta is not None and "TransferSyntaxUID" in meta:
        return _uid.UID(meta.TransferSyntaxUID)
    return None


def pixels(ds: Dataset, *, frame: int | None = None, raw: bool = False) -> np.ndarray:
    """Decode the pixel data of a dataset, with errors that say what to do.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        A dataset read with pixel data (not ``stop_before_pixels``).
    frame : int, optional
        Decode only this frame (0-based) of a multi-frame image: fast and light for long cines,
        since compressed frames are stored one by one. Default None: all frames.
    raw : bool, optional
        Keep colour pixels in the colour space they are stored in: (0028,0004) Photometric
        Interpretation YBR_FULL / YBR_FULL_422 (JPEG's YCbCr) stays YCbCr instead of being converted
        to RGB, which costs seconds for a long cine. Channel 0 is then the luminance Y. Default False.

    Returns
    -------
    numpy.ndarray
        Stored values (before the Modality LUT), shape ``(rows, cols)``, ``(frames, rows, cols)``,
        ``(rows, cols, samples)`` or ``(frames, rows, cols, samples)`` (without the frame axis when
        `frame` is given); dtype from (0028,0100) Bits Allocated and (0028,0103) Pixel Representation
        (e.g. uint16 or int16). YCbCr data are returned as RGB (pydicom's default) unless `raw`.

    Raises
    ------
    NoPixelDataError
        If the dataset has no (7FE0,0010) Pixel Data (e.g. a structured report, an RT plan).
    MissingDecoderError
        If the transfer syntax is compressed and no installed plugin decodes it; the message and
        ``.packages`` name what to ``pip install``.
    TruncatedDicomError
        If the pixel data are shorter than Rows x Columns x Frames x Samples x Bits Allocated.
    IndexError
        If `frame` is not in ``0 .. NumberOfFrames - 1``.

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> arr = pixels(read(get_testdata_file("CT_small.dcm", download=False)))
    >>> arr.shape, arr.dtype
    ((128, 128), dtype('int16'))
    >>> emri = read(get_testdata_file("emri_small.dcm", download=False))
    >>> pixels(emri, frame=3).shape
    (64, 64)
    """
    if not isinstance(ds, Dataset):
        raise TypeError(f"ds must be a pydicom Dataset, got {type(ds).__name__}; use read(path) first")
    if not any(k in ds for k in _PIXEL_KEYWORDS):
        raise NoPixelDataError(_no_pixels_message(ds))
    n_frames = int(ds.get("NumberOfFrames") or 1)
    if frame is not None and (isinstance(frame, bool) or not isinstance(frame, (int, np.integer))
                              or not 0 <= frame < n_frames):
        raise IndexError(f"frame must be an integer in 0..{n_frames - 1} (the dataset has {n_frames} frame(s)), "
                         f"got {frame!r}")
    ts = _transfer_syntax(ds)
    if ts is not None:
        _require_decoder(ts)
    try:
        if frame is None and not raw:
            return ds.pixel_array
        # The decoder API reads one frame or skips the colour conversion without caching state on `ds`.
        ts = ts or _encoding_syntax(ds)
        arr, _ = _decoder_for(ts).as_array(ds, index=None if frame is None else int(frame), raw=raw)
        return arr
    except ValueError as exc:
        if "less than expected" in str(exc) or "insufficient pixel data" in str(exc):
            raise TruncatedDicomError(f"{_describe(ds)}: {exc}") from exc
        raise


def _encoding_syntax(ds: Dataset) -> _uid.UID:
    """Transfer syntax of a dataset read without (0002,0010), from the encoding it was read with."""
    implicit, little = getattr(ds, "original_encoding", (None, None))
    if implicit is None:
        raise AttributeError(f"{_describe(ds)} has no (0002,0010) Transfer Syntax UID; set ds.file_meta first")
    if implicit:
        return _uid.ImplicitVRLittleEndian
    return _uid.ExplicitVRLittleEndian if little else _uid.ExplicitVRBigEndian


def _describe(ds: Dataset) -> str:
    name = getattr(ds, "filename", None)
    return str(name) if name else "dataset"


def _no_pixels_message(ds: Dataset) -> str:
    sop = ds.get("SOPClassUID")
    kind = f"a {_uid.UID(sop).name} object" if sop else "a dataset"
    msg = f"{_describe(ds)} has no (7FE0,0010) Pixel Data: it is {kind}"
    if "Rows" in ds and "Columns" in ds:
        msg += " with Rows/Columns, so the file may have been truncated before its pixel data"
    return msg + "; pick a file with an image (e.g. Modality CT, MR, CR, US)"


# pip commands that provide a decoder for each compressed transfer syntax (pydicom 3 plugins).
_DECODER_PACKAGES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        _uid.JPEGBaseline8Bit: ("pillow", "pylibjpeg pylibjpeg-libjpeg"),
        _uid.JPEGExtended12Bit: ("pillow", "pylibjpeg pylibjpeg-libjpeg"),
        _uid.JPEGLossless: ("pylibjpeg pylibjpeg-libjpeg", "python-gdcm"),
        _uid.JPEGLosslessSV1: ("pylibjpeg pylibjpeg-libjpeg", "python-gdcm"),
        _uid.JPEGLSLossless: ("pylibjpeg pylibjpeg-libjpeg", "pyjpegls"),
        _uid.JPEGLSNearLossless: ("pylibjpeg pylibjpeg-libjpeg", "pyjpegls"),
        _uid.JPEG2000Lossless: ("pylibjpeg pylibjpeg-openjpeg", "pillow"),
        _uid.JPEG2000: ("pylibjpeg pylibjpeg-openjpeg", "pillow"),
        _uid.HTJ2KLossless: ("pylibjpeg pylibjpeg-openjpeg",),
        _uid.HTJ2KLosslessRPCL: ("pylibjpeg pylibjpeg-openjpeg",),
        _uid.HTJ2K: ("pylibjpeg pylibjpeg-openjpeg",),
        _uid.RLELossless: ("pylibjpeg pylibjpeg-rle",),
    }
)


def _decoder_for(ts: _uid.UID):
    from pydicom.pixels import get_decoder

    try:
        return get_decoder(ts)
    except NotImplementedError:
        return None


def _require_decoder(ts: _uid.UID) -> None:
    decoder = _decoder_for(ts)
    if decoder is not None and decoder.is_available:
        return
    packages = _DECODER_PACKAGES.get(ts, ())
    if decoder is None:
        msg = f"pydicom has no pixel decoder for transfer syntax {ts.name} ({ts})"
    else:
        msg = f"cannot decode {ts.name} ({ts}) pixel data: no installed decoder plugin"
    if packages:
        msg += "; install one of: " + " | ".join(f"pip install {p}" for p in packages)
    raise MissingDecoderError(msg, transfer_syntax=str(ts), packages=packages)


# --------------------------------------------------------------------------------------------------
# Bytes first: hexdump and the file preamble
# --------------------------------------------------------------------------------------------------
def hexdump(source: str | Path | bytes, n: int = 256, *, offset: int = 0, width: int = 16) -> str:
    """Show bytes of a file as a classic hex dump (offset, hex bytes, printable ASCII).

    Parameters
    ----------
    source : str, Path or bytes
        A file path, or the bytes themselves.
    n : int, optional
        Number of bytes to show (default 256: the 128-byte preamble, ``DICM`` and the start of the
        file meta group).
    offset : int, optional
        First byte to show (default 0).
    width : int, optional
        Bytes per line (default 16).

    Returns
    -------
    str
        One line per `width` bytes: ``"00000080  44 49 43 4d ...  |DICM...|"``.

    Examples
    --------
    >>> print(hexdump(b"\\x00" * 4 + b"DICM", 8))
    00000000  00 00 00 00 44 49 43 4d                          |....DICM|
    """
    for name, value, low in (("n", n, 1), ("offset", offset, 0), ("width", width, 1)):
        if not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    data = _read_bytes(source, offset, n)
    lines = []
    for start in range(0, len(data), width):
        chunk = data[start : start + width]
        hexes = " ".join(f"{b:02x}" for b in chunk).ljust(3 * width - 1)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset + start:08x}  {hexes}  |{text}|")
    return "\n".join(lines)


def _read_bytes(source: str | Path | bytes, offset: int, n: int) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source[offset : offset + n])
    with open(source, "rb") as f:
        f.seek(offset)
        return f.read(n)


# VRs whose explicit-VR header has 2 reserved bytes and a 4-byte length (PS3.5 7.1.2).
_LONG_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"})


def preamble_info(path: str | Path) -> dict[str, Any]:
    """Parse the start of a DICOM file by hand: preamble, ``DICM`` and the file meta group 0002.

    Parameters
    ----------
    path : str or Path
        A DICOM file (Part 10 format, with preamble).

    Returns
    -------
    dict
        ``file_size`` (bytes), ``preamble`` (the first 128 bytes), ``preamble_all_zero`` (bool),
        ``prefix`` (bytes 128-131), ``meta`` (list of dicts, one per group 0002 element: ``offset``,
        ``tag``, ``keyword``, ``vr``, ``length``, ``value``), ``dataset_offset`` (where the data set
        proper starts), ``transfer_syntax`` and ``transfer_syntax_name``.

    Raises
    ------
    NotDicomError
        If bytes 128-131 are not ``DICM``.
    TruncatedDicomError
        If the file ends inside the file meta group.

    Notes
    -----
    The file meta group is always Explicit VR Little Endian (PS3.10 7.1), whatever the transfer
    syntax of the rest of the file; that is why it can be read with ``struct`` alone. Each element is
    tag (group, element: 2 x uint16), VR (2 ASCII letters), then a 2-byte length, or 2 reserved bytes
    and a 4-byte length for the VRs in PS3.5 Table 7.1-1 (OB, OW, SQ, UN, UT, ...).
    """
    path = Path(path)
    data = path.read_bytes()
    if len(data) < 132 or data[128:132] != b"DICM":
        _check_dicm_prefix(path, len(data))
    meta, pos = [], 132
    while pos + 8 <= len(data):
        group, element = struct.unpack_from("<HH", data, pos)
        if group != 0x0002:
            break
        vr = data[pos + 4 : pos + 6].decode("ascii", "replace")
        if vr in _LONG_VRS:
            (length,), start = struct.unpack_from("<L", data, pos + 8), pos + 12
        else:
            (length,), start = struct.unpack_from("<H", data, pos + 6), pos + 8
        raw = data[start : start + length]
        if len(raw) < length:
            raise TruncatedDicomError(f"{path}: file ends inside file meta element ({group:04X},{element:04X})")
        tag = Tag(group, element)
        meta.append(
            {"offset": pos, "tag": str(tag), "keyword": keyword_for_tag(tag), "vr": vr, "length": length,
             "value": _meta_value(vr, raw)}
        )
        pos = start + length
    ts = next((m["value"] for m in meta if m["keyword"] == "TransferSyntaxUID"), None)
    return {
        "file_size": len(data),
        "preamble": data[:128],
        "preamble_all_zero": not any(data[:128]),
        "prefix": data[128:132],
        "meta": meta,
        "dataset_offset": pos,
        "transfer_syntax": ts,
        "transfer_syntax_name": _uid.UID(ts).name if ts else None,
    }


def _meta_value(vr: str, raw: bytes) -> Any:
    if vr == "UL" and len(raw) == 4:
        return struct.unpack("<L", raw)[0]
    if vr in ("OB", "UN"):
        return raw
    return raw.rstrip(b"\x00 ").decode("ascii", "replace")


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


def _lookup(ds: Dataset, keyword: str) -> Any:
    """Top-level value, else the value inside a shared or first per-frame functional group."""
    if keyword in ds:
        return ds[keyword].value
    for groups_kw in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        groups = ds.get(groups_kw)
        if not groups:
            continue
        for macro in groups[0]:
            if macro.VR == "SQ" and macro.value and keyword in macro.value[0]:
                return macro.value[0][keyword].value
    return None


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
# Modality LUT (stored values -> physical units) and VOI LUT (-> display)
# --------------------------------------------------------------------------------------------------
def to_modality_units(arr: np.ndarray, ds: Dataset, *, frame: int | None = None) -> np.ndarray:
    """Convert stored pixel values to modality units (Hounsfield units for CT).

    Parameters
    ----------
    arr : numpy.ndarray
        Stored values from :func:`pixels`, any shape: one frame ``(rows, cols)`` or all frames
        ``(frames, rows, cols)``.
    ds : pydicom.dataset.Dataset
        The dataset the pixels came from (its Modality LUT module).
    frame : int, optional
        For an enhanced multi-frame dataset whose rescale differs per frame: the frame `arr` holds.
        Not needed when `arr` holds all frames.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``arr * slope + intercept`` when (0028,1053) Rescale Slope and (0028,1052)
        Rescale Intercept are present (CT: HU); the LUT output (uint8/uint16, per the 3rd value of
        (0028,3002) LUT Descriptor) when (0028,3000) Modality LUT Sequence is present; otherwise `arr`
        unchanged (e.g. MR: arbitrary units).

    Notes
    -----
    HU = RescaleSlope * stored + RescaleIntercept (PS3.3 C.11.1; FACTS.md §8.1). A LUT maps input
    values below the first mapped value (2nd LUT Descriptor value) to the first entry and values past
    the table end to the last entry. Matches ``pydicom.pixels.apply_modality_lut`` for top-level
    attributes, and also reads the (0028,9145) Pixel Value Transformation Sequence of enhanced objects.

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> ds = read(get_testdata_file("CT_small.dcm", download=False))
    >>> hu = to_modality_units(pixels(ds), ds)
    >>> hu.dtype, float(ds.RescaleIntercept)
    (dtype('float64'), -1024.0)
    """
    arr = _check_array(arr, "arr")
    if not isinstance(ds, Dataset):
        raise TypeError(f"ds must be a pydicom Dataset, got {type(ds).__name__}")
    if ds.get("ModalityLUTSequence"):
        item = ds.ModalityLUTSequence[0]
        return _apply_lut(arr, item, _lut_data(item, ds))
    rescale = _rescale_params(ds, arr, frame)
    if rescale is None:
        return arr
    slope, intercept = rescale
    return arr.astype(np.float64) * slope + intercept


def _rescale_params(ds: Dataset, arr: np.ndarray, frame: int | None):
    """(slope, intercept) as floats or arrays broadcastable over frames; None when absent."""
    if "RescaleSlope" in ds and "RescaleIntercept" in ds:
        return float(ds.RescaleSlope), float(ds.RescaleIntercept)
    shared = _functional_item(ds.get("SharedFunctionalGroupsSequence"), 0, "PixelValueTransformationSequence")
    if shared is not None:
        return float(shared.RescaleSlope), float(shared.RescaleIntercept)
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    items = [_functional_item(per_frame, i, "PixelValueTransformationSequence") for i in range(len(per_frame or []))]
    if not items or any(it is None for it in items):
        return None
    slopes = np.array([float(it.RescaleSlope) for it in items])
    intercepts = np.array([float(it.RescaleIntercept) for it in items])
    if frame is not None:
        return float(slopes[frame]), float(intercepts[frame])
    if np.all(slopes == slopes[0]) and np.all(intercepts == intercepts[0]):
        return float(slopes[0]), float(intercepts[0])
    if arr.ndim < 1 or arr.shape[0] != len(items):
        raise ValueError(
            f"rescale differs between the {len(items)} frames; pass all frames (shape[0] == {len(items)}) "
            "or frame=<index of the frame in arr>"
        )
    shape = (-1,) + (1,) * (arr.ndim - 1)
    return slopes.reshape(shape), intercepts.reshape(shape)


def _functional_item(groups, index: int, keyword: str) -> Dataset | None:
    if not groups or index >= len(groups):
        return None
    seq = groups[index].get(keyword)
    return seq[0] if seq else None


def _lut_data(item: Dataset, ds: Dataset) -> np.ndarray:
    """LUT Data (0028,3006) as an integer array; it may be encoded as US or as raw OW bytes."""
    data = item.LUTData
    if isinstance(data, (bytes, bytearray)):
        ts = _transfer_syntax(ds)
        little = ts.is_little_endian if ts is not None else True
        return np.frombuffer(data, dtype="<u2" if little else ">u2").astype(np.int64)
    return np.asarray(data if isinstance(data, (list, MultiValue)) else [data], dtype=np.int64)


def _apply_lut(arr: np.ndarray, item: Dataset, lut: np.ndarray) -> np.ndarray:
    """Apply a LUT described by (0028,3002) LUT Descriptor [entries, first mapped value, bits]."""
    n_entries, first_mapped, bits = (int(v) for v in item.LUTDescriptor)
    n_entries = n_entries or 2**16  # PS3.3 C.11.1.1.1: 0 means 2^16 entries
    index = np.clip(arr.astype(np.int64) - first_mapped, 0, n_entries - 1)
    return lut[:n_entries].astype(np.uint8 if bits <= 8 else np.uint16)[index]


class WindowPreset(NamedTuple):
    """A CT display window: centre (level) and width in HU, with the source of the numbers."""

    center: float
    width: float
    source: str


# FACTS.md §2 (Radiopaedia "Windowing (CT)": brain ✔, other rows ◐ as quoted in code) and Lev et al.,
# Radiology 1999;213:150 for the stroke window (✔).
CT_WINDOW_PRESETS: Mapping[str, WindowPreset] = MappingProxyType(
    {
        "brain": WindowPreset(40, 80, "Radiopaedia, Windowing (CT); FACTS.md §2"),
        "subdural": WindowPreset(
            75, 215, "Radiopaedia, Windowing (CT): W 130-300, L 50-100 (midpoints taken); FACTS.md §2"
        ),
        "stroke": WindowPreset(
            32, 8, "Lev et al., Radiology 1999;213:150 (W8 L32 raised sensitivity 57% -> 71%); FACTS.md §2"
        ),
        "lung": WindowPreset(-600, 1500, "Radiopaedia, Windowing (CT); FACTS.md §2"),
        "mediastinum": WindowPreset(50, 350, "Radiopaedia, Windowing (CT); FACTS.md §2"),
        "soft tissue": WindowPreset(50, 400, "Radiopaedia, Windowing (CT), abdomen soft tissue; FACTS.md §2"),
        "bone": WindowPreset(400, 1800, "Radiopaedia, Windowing (CT), spine bone; FACTS.md §2"),
        "liver": WindowPreset(30, 150, "Radiopaedia, Windowing (CT); FACTS.md §2"),
        "temporal bone": WindowPreset(600, 2800, "Radiopaedia, Windowing (CT); FACTS.md §2"),
    }
)

_VOI_FUNCTIONS = ("LINEAR", "LINEAR_EXACT", "SIGMOID")


def window_bounds(center: float, width: float, *, function: str = "LINEAR") -> tuple[float, float]:
    """Input values where a window reaches its minimum and maximum output.

    Parameters
    ----------
    center, width : float
        (0028,1050) Window Center and (0028,1051) Window Width, in modality units (HU for CT).
    function : {"LINEAR", "LINEAR_EXACT"}, optional
        (0028,1056) VOI LUT Function; default LINEAR, the DICOM default.

    Returns
    -------
    (low, high) : tuple of float
        Values <= low display as black, values > high as white; use them as ``vmin``/``vmax``.

    Notes
    -----
    LINEAR (PS3.3 C.11.2.1.2.1): low = c - 0.5 - (w - 1)/2, high = c - 0.5 + (w - 1)/2.
    LINEAR_EXACT (C.11.2.1.3.2): c -/+ w/2. The two differ by about one unit (FACTS.md §8.2-4).

    Examples
    --------
    >>> window_bounds(40, 80)
    (0.0, 79.0)
    >>> window_bounds(40, 80, function="LINEAR_EXACT")
    (0.0, 80.0)
    """
    center, width, function = _check_window(center, width, function)
    if function == "SIGMOID":
        raise ValueError("a SIGMOID window has no hard bounds; use LINEAR or LINEAR_EXACT")
    if function == "LINEAR":
        return (center - 0.5 - (width - 1) / 2, center - 0.5 + (width - 1) / 2)
    return (center - width / 2, center + width / 2)


def _check_window(center: Any, width: Any, function: Any) -> tuple[float, float, str]:
    if not isinstance(function, str) or function.upper() not in _VOI_FUNCTIONS:
        raise ValueError(f"function must be one of {_VOI_FUNCTIONS}, got {function!r}")
    function = function.upper()
    try:
        center, width = float(center), float(width)
    except (TypeError, ValueError):
        raise TypeError(f"center and width must be numbers, got {center!r} and {width!r}") from None
    if not (math.isfinite(center) and math.isfinite(width)):
        raise ValueError(f"center and width must be finite, got {center} and {width}")
    if function == "LINEAR" and width < 1:
        raise ValueError(f"(0028,1051) Window Width must be >= 1 for LINEAR (PS3.3 C.11.2.1.2), got {width}")
    if width <= 0:
        raise ValueError(f"(0028,1051) Window Width must be > 0 for {function}, got {width}")
    return center, width, function


def apply_window(
    arr: np.ndarray,
    *,
    center: float,
    width: float,
    function: str = "LINEAR",
    out_range: tuple[float, float] = (0.0, 1.0),
) -> np.ndarray:
    """Map values through a display window (window centre / width, "level / window").

    Parameters
    ----------
    arr : numpy.ndarray
        Values in modality units (e.g. HU from :func:`to_modality_units`), any shape.
    center, width : float
        Window centre (level) and width, same units as `arr`; see :data:`CT_WINDOW_PRESETS`.
    function : {"LINEAR", "LINEAR_EXACT", "SIGMOID"}, optional
        (0028,1056) VOI LUT Function; default LINEAR.
    out_range : (float, float), optional
        Output for "black" and "white"; default (0, 1) for display.

    Returns
    -------
    numpy.ndarray
        ``float64``, same shape as `arr`, values in `out_range`.

    Notes
    -----
    DICOM PS3.3 C.11.2.1.2.1 LINEAR, with c = center, w = width, [ymin, ymax] = out_range
    (FACTS.md §8.2)::

        x <= c - 0.5 - (w-1)/2   ->  ymin
        x >  c - 0.5 + (w-1)/2   ->  ymax
        else  y = ((x - (c - 0.5)) / (w-1) + 0.5) * (ymax - ymin) + ymin

    LINEAR_EXACT (C.11.2.1.3.2) uses c and w in place of c - 0.5 and w - 1; SIGMOID (C.11.2.1.3.1) is
    y = (ymax - ymin) / (1 + exp(-4 (x - c) / w)) + ymin. Same numbers as
    ``pydicom.pixels.apply_windowing`` when `out_range` is pydicom's output range.

    Examples
    --------
    >>> apply_window(np.array([-1000.0, 0.0, 40.0, 1000.0]), center=40, width=80).round(3).tolist()
    [0.0, 0.0, 0.506, 1.0]
    """
    arr = _check_array(arr, "arr")
    center, width, function = _check_window(center, width, function)
    y_min, y_max = _check_out_range(out_range)
    x = arr.astype(np.float64)
    if function == "SIGMOID":
        return (y_max - y_min) / (1 + np.exp(-4 * (x - center) / width)) + y_min
    if function == "LINEAR":  # PS3.3 C.11.2.1.2.1
        center, width = center - 0.5, width - 1
    out = np.where(x <= center - width / 2, y_min, y_max).astype(np.float64)
    between = (x > center - width / 2) & (x <= center + width / 2)
    out[between] = ((x[between] - center) / width + 0.5) * (y_max - y_min) + y_min
    return out


def _check_out_range(out_range: Any) -> tuple[float, float]:
    try:
        y_min, y_max = (float(v) for v in out_range)
    except (TypeError, ValueError):
        raise ValueError(f"out_range must be two numbers (black, white), got {out_range!r}") from None
    if not (math.isfinite(y_min) and math.isfinite(y_max)):
        raise ValueError(f"out_range must be finite, got {out_range!r}")
    return y_min, y_max


def apply_voi(
    arr: np.ndarray,
    ds: Dataset,
    *,
    index: int = 0,
    prefer_lut: bool = True,
    out_range: tuple[float, float] | None = (0.0, 1.0),
    frame: int | None = None,
) -> np.ndarray:
    """Turn stored values into display values with the file's own Modality LUT and VOI settings.

    Parameters
    ----------
    arr : numpy.ndarray
        Stored values from :func:`pixels` (not yet rescaled).
    ds : pydicom.dataset.Dataset
        The dataset, with a (0028,3010) VOI LUT Sequence and/or (0028,1050) Window Center and
        (0028,1051) Window Width (top level or in the frame VOI LUT functional group).
    index : int, optional
        Which of several windows / LUTs to use (they are alternative views). Default 0.
    prefer_lut : bool, optional
        When both a VOI LUT Sequence and a window are present, use the LUT (pydicom's default).
    out_range : (float, float) or None, optional
        Output range; default (0, 1). None keeps pydicom's convention: the range of the stored
        values (after rescale) for windows, the LUT's own values for VOI LUTs.
    frame : int, optional
        Passed to :func:`to_modality_units` for enhanced datasets with per-frame rescale.

    Returns
    -------
    numpy.ndarray
        ``float64`` values in `out_range` (or pydicom's range), same shape as `arr`. Without any VOI
        attribute the modality values are returned unchanged, with a warning.

    Raises
    ------
    ValueError
        If a window is applied to colour data (windows are defined for MONOCHROME1/2 only), or
        `index` is out of range.

    Notes
    -----
    Order (PS3.3 C.11; pydicom's Notes): Modality LUT first (stored -> HU), then VOI LUT or window
    (HU -> display). MONOCHROME1 images (e.g. CR) display low values as white: invert the result for
    display (``1 - y`` with the default range).

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> ds = read(get_testdata_file("MR_small.dcm", download=False))
    >>> float(ds.WindowCenter), float(ds.WindowWidth)
    (600.0, 1600.0)
    >>> shown = apply_voi(pixels(ds), ds)
    >>> float(shown.min()) >= 0 and float(shown.max()) <= 1
    True
    """
    arr = _check_array(arr, "arr")
    values = to_modality_units(arr, ds, frame=frame)
    voi_lut = ds.get("VOILUTSequence")
    window = _window_from(ds, index)
    if voi_lut and (prefer_lut or window is None):
        return _apply_voi_lut(values, ds, voi_lut, index, out_range)
    if window is None:
        warnings.warn(f"{_describe(ds)} has no VOI LUT or window: returned modality values unchanged", stacklevel=2)
        return values
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
    if photometric not in ("MONOCHROME1", "MONOCHROME2"):
        raise ValueError(f"windowing needs MONOCHROME1/2 data; (0028,0004) Photometric Interpretation is {photometric}")
    center, width, function = window
    if out_range is None:
        out_range = _pydicom_window_range(ds)
    return apply_window(values, center=center, width=width, function=function, out_range=out_range)


def _window_from(ds: Dataset, index: int) -> tuple[float, float, str] | None:
    center, width = _lookup(ds, "WindowCenter"), _lookup(ds, "WindowWidth")
    if center is None or width is None:
        return None
    centers = list(center) if isinstance(center, (MultiValue, list)) else [center]
    widths = list(width) if isinstance(width, (MultiValue, list)) else [width]
    if not 0 <= index < min(len(centers), len(widths)):
        raise ValueError(f"index {index} out of range: the dataset has {len(centers)} window(s)")
    function = str(_lookup(ds, "VOILUTFunction") or "LINEAR")
    return float(centers[index]), float(widths[index]), function


def _pydicom_window_range(ds: Dataset) -> tuple[float, float]:
    """Output range pydicom's apply_windowing uses: the stored-value range, rescaled."""
    if ds.get("ModalityLUTSequence"):
        return 0.0, float(2 ** int(ds.ModalityLUTSequence[0].LUTDescriptor[2]) - 1)
    bits = int(ds.BitsStored)
    if int(ds.get("PixelRepresentation", 0)) == 0:
        y_min, y_max = 0.0, float(2**bits - 1)
    else:
        y_min, y_max = float(-(2 ** (bits - 1))), float(2 ** (bits - 1) - 1)
    if "RescaleSlope" in ds and "RescaleIntercept" in ds:
        slope, intercept = float(ds.RescaleSlope), float(ds.RescaleIntercept)
        y_min, y_max = y_min * slope + intercept, y_max * slope + intercept
    return y_min, y_max


def _apply_voi_lut(values: np.ndarray, ds: Dataset, voi_lut, index: int, out_range) -> np.ndarray:
    if not 0 <= index < len(voi_lut):
        raise ValueError(f"index {index} out of range: the dataset has {len(voi_lut)} VOI LUT(s)")
    item = voi_lut[index]
    out = _apply_lut(values, item, _lut_data(item, ds)).astype(np.float64)
    if out_range is None:
        return out
    y_min, y_max = _check_out_range(out_range)
    top = float(2 ** int(item.LUTDescriptor[2]) - 1)
    return out / top * (y_max - y_min) + y_min


def _check_array(arr: Any, name: str) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    return arr


# --------------------------------------------------------------------------------------------------
# Stacking a series into a volume
# --------------------------------------------------------------------------------------------------
@dataclass(eq=False)
class Volume:
    """A 3D image stacked from one DICOM series, with its geometry.

    Attributes
    ----------
    array : numpy.ndarray, shape (z, y, x)
        Voxel values: modality units (float32, HU for CT) when loaded with ``rescale=True``, else
        stored values.
    spacing_mm : tuple of float
        (z, y, x) voxel spacing in mm; z is the distance between slice positions, which can differ
        from (0018,0050) Slice Thickness.
    origin_mm : numpy.ndarray, shape (3,)
        Patient (LPS) position of the centre of voxel (0, 0, 0), mm.
    direction : numpy.ndarray, shape (3, 3)
        Column ``a`` is the unit vector, in patient LPS coordinates, along array axis ``a``
        (z: slice normal, y: down the columns, x: along the rows).
    affine : numpy.ndarray, shape (4, 4)
        Maps a voxel index ``(k, j, i, 1)`` to patient LPS coordinates in mm.
    series_uid : str
        (0020,000E) Series Instance UID.
    files : list of str or None
        Source file of each slice, in z order (a multi-frame file repeats; None for a slice inserted
        by ``fill_gaps``).
    frames : list of int or None
        Frame index in its file of each slice (None for single-frame files and inserted slices).
    modality : str or None
        (0008,0060) Modality.
    units : str
        "HU" for rescaled CT, the (0028,1054) Rescale Type if given, "stored value" when not rescaled,
        else "arbitrary".
    warnings : list of str
        Irregularities found while loading (skipped files, missing slices, uneven gaps, ...).
    header : pydicom.dataset.Dataset
        The header (no pixel data) of the first slice, for windows and other metadata.
    """

    array: np.ndarray
    spacing_mm: tuple[float, float, float]
    origin_mm: np.ndarray
    direction: np.ndarray
    affine: np.ndarray
    series_uid: str
    files: list[str]
    frames: list[int | None]
    modality: str | None
    units: str
    warnings: list[str] = field(default_factory=list)
    header: Dataset | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of :attr:`array`, (z, y, x)."""
        return self.array.shape


@dataclass
class _Slice:
    path: str
    frame: int | None
    position: np.ndarray | None  # (0020,0032) Image Position (Patient), mm
    orientation: np.ndarray | None  # (0020,0037) Image Orientation (Patient): row cosines, column cosines
    pixel_spacing: tuple[float, float] | None
    shape: tuple[int, int]


def load_series(
    source: str | Path | Iterable[str | Path],
    *,
    series_uid: str | None = None,
    rescale: bool = True,
    strict: bool = False,
    tolerance: float = 0.05,
    fill_gaps: float | None = None,
) -> Volume:
    """Stack the slices of one DICOM series into a (z, y, x) volume with its patient geometry.

    Parameters
    ----------
    source : str, Path or iterable of paths
        A folder (its files, not sub-folders) or a list of files. Non-DICOM files, files without
        pixel data and truncated files are skipped and listed in ``Volume.warnings``.
    series_uid : str, optional
        The (0020,000E) Series Instance UID to load when the files hold several series.
    rescale : bool, optional
        Convert to modality units (HU for CT), slice by slice, as float32. Default True.
    strict : bool, optional
        Raise :class:`SeriesGeometryError` on missing slices or uneven gaps instead of warning.
    tolerance : float, optional
        Allowed relative deviation of a slice gap from the median gap. Default 0.05 (5 %).
    fill_gaps : float, optional
        Insert missing slices filled with this value (e.g. ``np.nan``) so that the volume is a
        regular grid and the affine holds for every slice; the array is then float32 and the
        inserted slices have ``None`` in ``files``/``frames``. Default None: missing slices are only
        reported, and the affine is exact only up to the first gap.

    Returns
    -------
    Volume

    Raises
    ------
    MixedSeriesError
        If several series are found and `series_uid` is None, or `series_uid` is not among them.
        The message lists every series found.
    SeriesGeometryError
        If slices differ in orientation, size or pixel spacing, share a position, or (with
        `strict`) have missing slices or uneven gaps.
    DicomError
        If no image file is found.

    Notes
    -----
    Slices are sorted by their distance along the slice normal n = row cosines x column cosines
    ((0020,0037) Image Orientation (Patient)), d = n . (0020,0032) Image Position (Patient) - not by
    file name or (0020,0013) Instance Number, which need not follow anatomy. The z spacing is the
    median gap between consecutive d; a gap close to k times that median means k - 1 missing slices.
    Enhanced multi-frame files are split into their frames, with positions from the (5200,9230)
    Per-frame Functional Groups; multi-frame files without per-frame positions keep their frame
    order, with a warning.

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> vol = load_series([get_testdata_file("eCT_Supplemental.dcm", download=False)])
    >>> vol.shape, vol.units
    ((2, 512, 512), 'HU')
    """
    if not 0 < tolerance < 0.5:
        raise ValueError(f"tolerance must be in (0, 0.5), got {tolerance}")
    notes: list[str] = []
    headers = _read_headers(_collect_paths(source), notes)
    uid, chosen = _choose_series(headers, series_uid, source, notes)
    slices = [s for path, ds in chosen for s in _slices_of(path, ds, notes)]
    geometry = _geometry(slices, chosen[0][1], notes, strict=strict, tolerance=tolerance)
    order, grid = geometry.pop("order"), geometry.pop("grid")
    if fill_gaps is None:
        grid = list(range(len(order)))
    elif grid[-1] + 1 > len(order):
        notes.append(f"{grid[-1] + 1 - len(order)} missing slice(s) inserted, filled with {fill_gaps}")
    placed: list[_Slice | None] = [None] * (grid[-1] + 1)
    for z, i in zip(grid, order, strict=True):
        placed[z] = slices[i]
    array, units = _stack(placed, rescale=rescale, modality=chosen[0][1].get("Modality"), fill=fill_gaps)
    for note in notes:
        warnings.warn(note, SeriesWarning, stacklevel=2)
    first_path = placed[0].path
    header = next(ds for path, ds in chosen if path == first_path)
    return Volume(
        array=array,
        series_uid=uid,
        files=[s.path if s else None for s in placed],
        frames=[s.frame if s else None for s in placed],
        modality=header.get("Modality"),
        units=units,
        warnings=notes,
        header=header,
        **geometry,
    )


def _collect_paths(source: Any) -> list[Path]:
    if isinstance(source, (str, Path)):
        source = Path(source)
        if source.is_dir():
            paths = sorted(p for p in source.iterdir() if p.is_file())
        elif source.is_file():
            paths = [source]
        else:
            raise FileNotFoundError(f"no such file or folder: {source}")
    else:
        paths = [Path(p) for p in source]
    if not paths:
        raise DicomError(f"no files in {source}")
    return paths


def _read_headers(paths: list[Path], notes: list[str]) -> list[tuple[str, Dataset]]:
    headers = []
    for path in paths:
        try:
            ds = read(path, stop_before_pixels=True)
        except NotDicomError:
            notes.append(f"skipped {path.name}: not a DICOM file")
            continue
        except TruncatedDicomError as exc:
            notes.append(f"skipped {path.name}: {exc}")
            continue
        if "Rows" not in ds or "Columns" not in ds:
            notes.append(f"skipped {path.name}: no image (Modality {ds.get('Modality', '?')})")
            continue
        headers.append((str(path), ds))
    return headers


def _choose_series(headers, series_uid, source, notes) -> tuple[str, list[tuple[str, Dataset]]]:
    if not headers:
        raise DicomError(f"no DICOM image found in {source}: " + "; ".join(notes))
    groups: dict[str, list[tuple[str, Dataset]]] = {}
    for path, ds in headers:
        groups.setdefault(str(ds.get("SeriesInstanceUID", "<no SeriesInstanceUID>")), []).append((path, ds))
    found = {
        uid: {
            "n_files": len(items),
            "modality": items[0][1].get("Modality"),
            "description": items[0][1].get("SeriesDescription"),
            "number": items[0][1].get("SeriesNumber"),
        }
        for uid, items in groups.items()
    }
    listing = "; ".join(
        f"{uid} ({info['n_files']} files, {info['modality']}, #{info['number']}, {info['description']!r})"
        for uid, info in found.items()
    )
    if series_uid is not None:
        if series_uid not in groups:
            raise MixedSeriesError(f"series {series_uid} not found; series found: {listing}", series=found)
        return series_uid, groups[series_uid]
    if len(groups) > 1:
        raise MixedSeriesError(
            f"{len(groups)} series found; pass series_uid=<one of them>: {listing}", series=found
        )
    uid = next(iter(groups))
    return uid, groups[uid]


def _as_vector(value: Any, n: int) -> np.ndarray | None:
    if value is None:
        return None
    vec = np.asarray([float(v) for v in value], dtype=np.float64)
    return vec if vec.shape == (n,) else None


def _slices_of(path: str, ds: Dataset, notes: list[str]) -> list[_Slice]:
    shape = (int(ds.Rows), int(ds.Columns))
    n_frames = int(ds.get("NumberOfFrames") or 1)
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    if n_frames == 1 and not per_frame:
        spacing = _as_vector(ds.get("PixelSpacing"), 2)
        return [_Slice(path, None, _as_vector(ds.get("ImagePositionPatient"), 3),
                       _as_vector(ds.get("ImageOrientationPatient"), 6),
                       None if spacing is None else tuple(spacing), shape)]
    shared = ds.get("SharedFunctionalGroupsSequence")
    out = []
    for i in range(n_frames):
        position = _frame_attr(per_frame, shared, i, "PlanePositionSequence", "ImagePositionPatient", 3)
        orientation = _frame_attr(per_frame, shared, i, "PlaneOrientationSequence", "ImageOrientationPatient", 6)
        spacing = _frame_attr(per_frame, shared, i, "PixelMeasuresSequence", "PixelSpacing", 2)
        out.append(_Slice(path, i, position, orientation, None if spacing is None else tuple(spacing), shape))
    if any(s.position is None for s in out):
        notes.append(f"{Path(path).name}: {n_frames} frames without per-frame (0020,0032) positions; "
                     "frames kept in file order")
        top = _as_vector(ds.get("ImagePositionPatient"), 3)
        for s in out:
            s.position = None
            s.orientation = s.orientation if s.orientation is not None else _as_vector(
                ds.get("ImageOrientationPatient"), 6)
            s.pixel_spacing = s.pixel_spacing or (
                tuple(_as_vector(ds.get("PixelSpacing"), 2)) if "PixelSpacing" in ds else None)
        out[0].position = top
    return out


def _frame_attr(per_frame, shared, i: int, macro: str, keyword: str, n: int) -> np.ndarray | None:
    for groups, index in ((per_frame, i), (shared, 0)):
        item = _functional_item(groups, index, macro)
        if item is not None and keyword in item:
            return _as_vector(item[keyword].value, n)
    return None


def _geometry(slices: list[_Slice], ds: Dataset, notes: list[str], *, strict: bool, tolerance: float) -> dict:
    """Sort slices along the normal; check the grid; build spacing, origin, direction, affine."""
    _check_same(slices, "shape", "size (Rows, Columns)")
    _check_same(slices, "pixel_spacing", "(0028,0030) Pixel Spacing")
    _check_same(slices, "orientation", "(0020,0037) Image Orientation (Patient)")
    orientation = slices[0].orientation
    if orientation is None:
        notes.append("no (0020,0037) Image Orientation (Patient): axial identity orientation assumed")
        orientation = np.array([1.0, 0, 0, 0, 1, 0])
    row_cos, col_cos = orientation[:3], orientation[3:]
    normal = np.cross(row_cos, col_cos)
    pixel_spacing = slices[0].pixel_spacing
    if pixel_spacing is None:
        notes.append("no (0028,0030) Pixel Spacing: in-plane spacing set to 1 mm")
        pixel_spacing = (1.0, 1.0)
    positioned = all(s.position is not None for s in slices)
    if positioned:
        distance = np.array([float(normal @ s.position) for s in slices])
        order = [int(i) for i in np.argsort(distance, kind="stable")]
        dz, grid = _slice_gap(distance[order], slices, order, notes, strict=strict, tolerance=tolerance)
        if dz is None:
            dz = _fallback_gap(ds, 1, notes)
        _check_tilt([slices[i].position for i in order], normal, notes)
        origin = slices[order[0]].position
    else:
        order, grid = list(range(len(slices))), list(range(len(slices)))
        dz = _fallback_gap(ds, len(slices), notes)
        origin = slices[0].position
        if origin is None:
            notes.append("no (0020,0032) Image Position (Patient): origin set to (0, 0, 0)")
            origin = np.zeros(3)
    spacing = (float(dz), float(pixel_spacing[0]), float(pixel_spacing[1]))
    direction = np.column_stack([normal, col_cos, row_cos])
    affine = np.eye(4)
    affine[:3, :3] = direction * np.array(spacing)
    affine[:3, 3] = origin
    return {"order": order, "grid": grid, "spacing_mm": spacing, "origin_mm": np.asarray(origin, dtype=np.float64),
            "direction": direction, "affine": affine}


def _check_same(slices: list[_Slice], attr: str, label: str) -> None:
    ref = getattr(slices[0], attr)
    for s in slices[1:]:
        value = getattr(s, attr)
        if (ref is None) != (value is None) or (ref is not None and not np.allclose(ref, value, atol=1e-4)):
            where = Path(s.path).name + (f" frame {s.frame}" if s.frame is not None else "")
            raise SeriesGeometryError(
                f"{label} differs within the series: {ref} in {Path(slices[0].path).name} but {value} in "
                f"{where}; load the slices separately or pick another series_uid"
            )


def _slice_gap(distance, slices, order, notes, *, strict: bool, tolerance: float) -> tuple[float | None, list[int]]:
    """Median gap between sorted slice distances and each slice's index on the regular grid."""
    if len(distance) == 1:
        return None, [0]
    gaps = np.diff(distance)
    if np.any(gaps < 1e-3):
        i = int(np.argmin(gaps))
        names = [Path(slices[order[j]].path).name for j in (i, i + 1)]
        raise SeriesGeometryError(
            f"slices {names[0]} and {names[1]} share the position d = {distance[i]:.3f} mm along the normal; "
            "the series holds several acquisitions (echoes, phases, time points?): split it first"
        )
    median = float(np.median(gaps))
    problems, grid = [], [0]
    for i, gap in enumerate(gaps):
        steps = round(gap / median)
        grid.append(grid[-1] + 1)
        if abs(gap - median) <= tolerance * median:
            continue
        if steps >= 2 and abs(gap - steps * median) <= tolerance * median:
            grid[-1] += steps - 1
            problems.append(f"{steps - 1} missing slice(s) between d = {distance[i]:.2f} and "
                            f"{distance[i + 1]:.2f} mm (gap {gap:.2f} mm, spacing {median:.2f} mm)")
        else:
            problems.append(f"uneven gap of {gap:.2f} mm between d = {distance[i]:.2f} and "
                            f"{distance[i + 1]:.2f} mm (median spacing {median:.2f} mm)")
    if problems and strict:
        raise SeriesGeometryError("; ".join(problems) + " (strict=True)")
    notes.extend(problems)
    return median, grid


def _check_tilt(positions, normal, notes) -> None:
    step = positions[-1] - positions[0]
    length = float(np.linalg.norm(step))
    if length > 0 and abs(float(normal @ step)) / length < 0.9999:
        angle = math.degrees(math.acos(min(1.0, abs(float(normal @ step)) / length)))
        notes.append(f"slices are offset sideways by {angle:.2f} degrees (gantry tilt?); "
                     "the affine uses the slice normal")


def _fallback_gap(ds: Dataset, n: int, notes: list[str]) -> float:
    for keyword in ("SpacingBetweenSlices", "SliceThickness"):
        value = _lookup(ds, keyword)
        if value not in (None, ""):
            if n > 1:
                notes.append(f"z spacing {float(value)} mm taken from {keyword}, not from slice positions")
            return float(value)
    notes.append("no slice positions, (0018,0088) or (0018,0050): z spacing set to 1 mm")
    return 1.0


def _stack(placed: list[_Slice | None], *, rescale: bool, modality: str | None, fill: float | None):
    """Read each file once and put its frames at their z index; empty z get `fill`."""
    position = {id(s): z for z, s in enumerate(placed) if s is not None}
    by_file: dict[str, list[_Slice]] = {}
    for s in placed:
        if s is not None:
            by_file.setdefault(s.path, []).append(s)
    array, units = None, "stored value"
    for path, items in by_file.items():
        ds = read(path)
        arr = pixels(ds)
        if int(ds.get("SamplesPerPixel", 1)) != 1:
            raise SeriesGeometryError(f"{Path(path).name} is colour ({ds.SamplesPerPixel} samples); "
                                      "load_series stacks grayscale images only")
        frames = arr[None] if items[0].frame is None else arr.reshape((-1,) + arr.shape[-2:])
        if rescale:
            frames = to_modality_units(frames, ds).astype(np.float32)
            units = _units(ds, modality)
        if array is None:
            shape = (len(placed),) + frames.shape[1:]
            array = np.empty(shape, frames.dtype) if fill is None else np.full(shape, fill, np.float32)
        for s in items:
            array[position[id(s)]] = frames[0 if s.frame is None else s.frame]
    return array, units


def _units(ds: Dataset, modality: str | None) -> str:
    rescale_type = str(_lookup(ds, "RescaleType") or "").upper()
    if rescale_type and rescale_type != "US":  # "US" = unspecified (PS3.3 C.11.1.1.2)
        return rescale_type
    has_rescale = _lookup(ds, "RescaleSlope") is not None or ds.get("ModalityLUTSequence")
    return "HU" if modality == "CT" and has_rescale else "arbitrary"


# --------------------------------------------------------------------------------------------------
# De-identification: DICOM PS3.15 Annex E, Basic Application Level Confidentiality Profile
# --------------------------------------------------------------------------------------------------
# Table E.1-1, "Basic Prof." column (DICOM 2024b), as "gggg,eeee action Name" lines. Action codes
# (PS3.15 Table E.1-1a; FACTS.md §8): D dummy value consistent with the VR, Z zero length (or dummy),
# X remove, K keep, C clean, U replace UID consistently. "xx" marks repeating groups (50xx, 60xx).
_BASIC_PROFILE_TEXT = """
0008,0017 U AcquisitionUID
0008,0050 Z AccessionNumber
0018,4000 X AcquisitionComments
0040,0555 X/Z AcquisitionContextSequence
0008,0022 X/Z AcquisitionDate
0008,002A X/Z/D AcquisitionDateTime
0018,1400 X/D AcquisitionDeviceProcessingDescription
0018,11BB D AcquisitionFieldOfViewLabel
0018,9424 X AcquisitionProtocolDescription
0008,0032 X/Z AcquisitionTime
0040,4035 X ActualHumanPerformersSequence
0010,21B0 X AdditionalPatientHistory
0040,A353 X AddressTrial
0038,0010 X AdmissionID
0038,0020 X AdmittingDate
0008,1084 X AdmittingDiagnosesCodeSequence
0008,1080 X AdmittingDiagnosesDescription
0038,0021 X AdmittingTime
0000,1000 X AffectedSOPInstanceUID
0010,2110 X Allergies
006A,0006 X AnnotationGroupDescription
006A,0005 D AnnotationGroupLabel
006A,0003 D AnnotationGroupUID
0044,0004 X ApprovalStatusDateTime
4000,0010 X Arbitrary
0044,0104 D AssertionDateTime
0044,0105 X AssertionExpirationDateTime
0400,0562 D AttributeModificationDateTime
0040,A078 X AuthorObserverSequence
2200,0005 X/Z BarcodeValue
300A,00C3 X BeamDescription
300C,0127 D BeamHoldTransitionDateTime
300A,00DD X BolusDescription
0010,1081 X BranchOfService
0014,407E X CalibrationDate
0018,1203 Z CalibrationDateTime
0014,407C X CalibrationTime
0016,004D X CameraOwnerName
0018,1007 X CassetteID
0400,0115 D CertificateOfSigner
0400,0310 X CertifiedTimestamp
0012,0060 Z ClinicalTrialCoordinatingCenterName
0012,0082 X ClinicalTrialProtocolEthicsCommitteeApprovalNumber
0012,0081 D ClinicalTrialProtocolEthicsCommitteeName
0012,0020 D ClinicalTrialProtocolID
0012,0021 Z ClinicalTrialProtocolName
0012,0072 X ClinicalTrialSeriesDescription
0012,0071 X ClinicalTrialSeriesID
0012,0030 Z ClinicalTrialSiteID
0012,0031 Z ClinicalTrialSiteName
0012,0010 D ClinicalTrialSponsorName
0012,0040 D ClinicalTrialSubjectID
0012,0042 D ClinicalTrialSubjectReadingID
0012,0051 X ClinicalTrialTimePointDescription
0012,0050 Z ClinicalTrialTimePointID
0040,0310 X CommentsOnRadiationDose
0040,0280 X CommentsOnThePerformedProcedureStep
300A,02EB X CompensatorDescription
0020,9161 U ConcatenationUID
3010,000F Z ConceptualVolumeCombinationDescription
3010,0017 Z ConceptualVolumeDescription
3010,0006 U ConceptualVolumeUID
0040,3001 X ConfidentialityConstraintOnPatientDataDescription
3010,0013 U ConstituentConceptualVolumeUID
0008,009D X ConsultingPhysicianIdentificationSequence
0008,009C Z ConsultingPhysicianName
0050,001B X ContainerComponentID
0040,051A X ContainerDescription
0040,0512 D ContainerIdentifier
0070,0086 X ContentCreatorIdentificationCodeSequence
0070,0084 Z/D ContentCreatorName
0008,0023 Z/D ContentDate
0040,A730 D ContentSequence
0008,0033 Z/D ContentTime
0008,0107 D ContextGroupLocalVersion
0008,0106 D ContextGroupVersion
0018,0010 Z/D ContrastBolusAgent
0018,1042 X ContrastBolusStartTime
0018,1043 X ContrastBolusStopTime
0018,A002 X ContributionDateTime
0018,A003 X ContributionDescription
0010,2150 X CountryOfResidence
2100,0040 X CreationDate
2100,0050 X CreationTime
0040,A307 X CurrentObserverTrial
0038,0300 X CurrentPatientLocation
50xx,xxxx X CurveData
0008,0025 X CurveDate
0008,0035 X CurveTime
0040,A07C X CustodialOrganizationSequence
FFFC,FFFC X DataSetTrailingPadding
0040,A121 D Date
0040,A110 X DateOfDocumentOrVerbalTransactionTrial
0018,1205 X DateOfInstallation
0018,700C X/D DateOfLastDetectorCalibration
0018,1200 X DateOfLastCalibration
0018,1204 X DateOfManufacture
0018,1012 X DateOfSecondaryCapture
0040,A120 D DateTime
0018,1202 X DateTimeOfLastCalibration
0018,9701 D DecayCorrectionDateTime
0018,937F X DecompositionDescription
0008,2111 X DerivationDescription
2100,0140 D DestinationAE
0018,700A X/D DetectorID
0050,0020 X DeviceDescription
3010,001B Z DeviceAlternateIdentifier
3010,002D D DeviceLabel
0018,1000 X/Z/D DeviceSerialNumber
0016,004B X DeviceSettingDescription
0018,1002 U DeviceUID
0400,0105 D DigitalSignatureDateTime
0400,0100 U DigitalSignatureUID
FFFA,FFFA X DigitalSignaturesSequence
0020,9164 U DimensionOrganizationUID
0038,0030 X DischargeDate
0038,0040 X DischargeDiagnosisDescription
0038,0032 X DischargeTime
300A,079A X DisplacementReferenceLabel
4008,011A X DistributionAddress
4008,0119 X DistributionName
300A,0016 X DoseReferenceDescription
300A,0013 U DoseReferenceUID
3010,006E U DosimetricObjectiveUID
0068,6226 D EffectiveDateTime
0042,0011 D EncapsulatedDocument
0018,9517 X/D EndAcquisitionDateTime
3010,0037 X EntityDescription
3010,0035 D EntityLabel
3010,0038 D EntityLongLabel
3010,0036 X EntityName
300A,0676 X EquipmentFrameOfReferenceDescription
0012,0087 X EthicsCommitteeApprovalEffectivenessEndDate
0012,0086 X EthicsCommitteeApprovalEffectivenessStartDate
0010,2160 X EthnicGroup
0018,9804 D ExclusionStartDateTime
0040,4011 X ExpectedCompletionDateTime
0008,0058 U FailedSOPInstanceUIDList
0070,031A U FiducialUID
0040,2017 Z FillerOrderNumberImagingServiceRequest
003A,032B X FilterLookupTableDescription
0040,A023 X FindingsGroupRecordingDateTrial
0040,A024 X FindingsGroupRecordingTimeTrial
3008,0054 X/D FirstTreatmentDate
300A,0196 X FixationDeviceDescription
0034,0002 D FlowIdentifier
0034,0001 D FlowIdentifierSequence
3010,007F Z FractionationNotes
300A,0072 X FractionGroupDescription
0020,9158 X FrameComments
0018,9074 D FrameAcquisitionDateTime
0034,0007 D FrameOriginTimestamp
0020,0052 U FrameOfReferenceUID
0018,9151 D FrameReferenceDateTime
0018,9623 D FunctionalSyncPulse
0016,0076 X GPSAltitude
0016,0075 X GPSAltitudeRef
0016,008C X GPSAreaInformation
0016,007B X GPSDOP
0016,008D X GPSDateStamp
0016,0088 X GPSDestBearing
0016,0087 X GPSDestBearingRef
0016,008A X GPSDestDistance
0016,0089 X GPSDestDistanceRef
0016,0084 X GPSDestLatitude
0016,0083 X GPSDestLatitudeRef
0016,0086 X GPSDestLongitude
0016,0085 X GPSDestLongitudeRef
0016,008E X GPSDifferential
0016,0081 X GPSImgDirection
0016,0080 X GPSImgDirectionRef
0016,0072 X GPSLatitude
0016,0071 X GPSLatitudeRef
0016,0074 X GPSLongitude
0016,0073 X GPSLongitudeRef
0016,0082 X GPSMapDatum
0016,007A X GPSMeasureMode
0016,008B X GPSProcessingMethod
0016,0078 X GPSSatellites
0016,007D X GPSSpeed
0016,007C X GPSSpeedRef
0016,0079 X GPSStatus
0016,0077 X GPSTimeStamp
0016,007F X GPSTrack
0016,007E X GPSTrackRef
0016,0070 X GPSVersionID
0018,1008 X GantryID
0018,1005 X GeneratorID
0070,0001 D GraphicAnnotationSequence
0072,000A D HangingProtocolCreationDateTime
0040,E004 X HL7DocumentEffectiveTime
0040,4037 X HumanPerformerName
0040,4036 X HumanPerformerOrganization
0088,0200 X IconImageSequence
0008,4000 X IdentifyingComments
0020,4000 X ImageComments
0028,4000 X ImagePresentationComments
0040,2400 X ImagingServiceRequestComments
003A,0314 D ImpedanceMeasurementDateTime
4008,0300 X Impressions
0068,6270 D InformationIssueDateTime
0008,0015 X InstanceCoercionDateTime
0008,0012 X/D InstanceCreationDate
0008,0013 X/Z/D InstanceCreationTime
0008,0014 U InstanceCreatorUID
0400,0600 X InstanceOriginStatus
0008,0081 X InstitutionAddress
0008,0082 X/Z/D InstitutionCodeSequence
0008,0080 X/Z/D InstitutionName
0008,1040 X InstitutionalDepartmentName
0008,1041 X InstitutionalDepartmentTypeCodeSequence
0018,9919 Z/D InstructionPerformedDateTime
0010,1050 X InsurancePlanIdentification
3010,0085 X IntendedFractionStartTime
3010,004D X/D IntendedPhaseEndDate
3010,004C X/D IntendedPhaseStartDate
0040,1011 X IntendedRecipientsOfResultsIdentificationSequence
300A,0741 D InterlockDateTime
300A,0742 D InterlockDescription
300A,0783 D InterlockOriginDescription
4008,0112 X InterpretationApprovalDate
4008,0113 X InterpretationApprovalTime
4008,0111 X InterpretationApproverSequence
4008,010C X InterpretationAuthor
4008,0115 X InterpretationDiagnosisDescription
4008,0200 X InterpretationID
4008,0202 X InterpretationIDIssuer
4008,0100 X InterpretationRecordedDate
4008,0101 X InterpretationRecordedTime
4008,0102 X InterpretationRecorder
4008,010B X InterpretationText
4008,010A X InterpretationTranscriber
4008,0108 X InterpretationTranscriptionDate
4008,0109 X InterpretationTranscriptionTime
0018,0035 X InterventionDrugStartTime
0018,0027 X InterventionDrugStopTime
0008,3010 U IrradiationEventUID
0040,2004 X IssueDateOfImagingServiceRequest
0038,0011 X IssuerOfAdmissionID
0038,0014 X IssuerOfAdmissionIDSequence
0012,0022 X IssuerOfClinicalTrialProtocolID
0012,0073 X IssuerOfClinicalTrialSeriesID
0012,0032 X IssuerOfClinicalTrialSiteID
0012,0041 X IssuerOfClinicalTrialSubjectID
0012,0043 X IssuerOfClinicalTrialSubjectReadingID
0012,0055 X IssuerOfClinicalTrialTimePointID
0040,0513 Z IssuerOfTheContainerIdentifierSequence
0010,0021 X IssuerOfPatientID
0038,0061 X IssuerOfServiceEpisodeID
0038,0064 X IssuerOfServiceEpisodeIDSequence
0040,0562 Z IssuerOfTheSpecimenIdentifierSequence
0040,2005 X IssueTimeOfImagingServiceRequest
2200,0002 X/Z LabelText
0028,1214 U LargePaletteColorLookupTableUID
0010,21D0 X LastMenstrualDate
0016,004F X LensMake
0016,0050 X LensModel
0016,0051 X LensSerialNumber
0016,004E X LensSpecification
0050,0021 X LongDeviceDescription
0400,0404 X MAC
0016,002B X MakerNote
0018,100B U ManufacturerDeviceClassUID
3010,0043 Z ManufacturerDeviceIdentifier
0002,0003 U MediaStorageSOPInstanceUID
0010,2000 X MedicalAlerts
0010,1090 X MedicalRecordLocator
0010,1080 X MilitaryRank
0400,0550 X ModifiedAttributesSequence
0020,3403 X ModifiedImageDate
0020,3406 X ModifiedImageDescription
0020,3405 X ModifiedImageTime
0020,3401 X ModifyingDeviceID
0400,0563 D ModifyingSystem
3008,0056 X/D MostRecentTreatmentDate
0018,937B X MultienergyAcquisitionDescription
003A,0310 U MultiplexGroupUID
0008,1060 X NameOfPhysiciansReadingStudy
0040,1010 X NamesOfIntendedRecipientsOfResults
0008,1000 X NetworkID
0400,0552 X NonconformingDataElementValue
0400,0551 X NonconformingModifiedAttributesSequence
0040,A192 X ObservationDateTrial
0040,A032 X/D ObservationDateTime
0040,A033 X ObservationStartDateTime
0040,A402 U ObservationSubjectUIDTrial
0040,A193 X ObservationTimeTrial
0040,A171 U ObservationUID
0010,2180 X Occupation
0008,1072 X/D OperatorIdentificationSequence
0008,1070 X/Z/D OperatorsName
0040,2010 X OrderCallbackPhoneNumber
0040,2011 X OrderCallbackTelecomInformation
0040,2008 X OrderEnteredBy
0040,2009 X OrderEntererLocation
0400,0561 X OriginalAttributesSequence
2100,0070 X Originator
0012,0023 X OtherClinicalTrialProtocolIDsSequence
0010,1000 X OtherPatientIDs
0010,1002 X OtherPatientIDsSequence
0010,1001 X OtherPatientNames
60xx,4000 X OverlayComments
60xx,3000 X OverlayData
0008,0024 X OverlayDate
0008,0034 X OverlayTime
0028,1199 U PaletteColorLookupTableUID
0040,A07A X ParticipantSequence
0040,A082 Z ParticipationDateTime
0010,1040 X PatientAddress
0010,1010 X PatientAge
0010,0030 Z PatientBirthDate
0010,1005 X PatientBirthName
0010,0032 X PatientBirthTime
0010,4000 X PatientComments
0010,0020 Z/D PatientID
0038,0400 X PatientInstitutionResidence
0010,0050 X PatientInsurancePlanCodeSequence
0010,1060 X PatientMotherBirthName
0010,0010 Z PatientName
0010,0101 X PatientPrimaryLanguageCodeSequence
0010,0102 X PatientPrimaryLanguageModifierCodeSequence
0010,21F0 X PatientReligiousPreference
300A,0650 U PatientSetupUID
300A,0794 X PatientSetupPhotoDescription
0010,0040 Z PatientSex
0010,2203 X/Z PatientSexNeutered
0010,1020 X PatientSize
0038,0500 X PatientState
0010,2155 X PatientTelecomInformation
0010,2154 X PatientTelephoneNumbers
0040,1004 X PatientTransportArrangements
300A,0792 X PatientTreatmentPreparationMethodDescription
300A,078E X PatientTreatmentPreparationProcedureParameterDescription
0010,1030 X PatientWeight
0040,0243 X PerformedLocation
0040,0254 X PerformedProcedureStepDescription
0040,0250 X PerformedProcedureStepEndDate
0040,4051 X PerformedProcedureStepEndDateTime
0040,0251 X PerformedProcedureStepEndTime
0040,0253 X PerformedProcedureStepID
0040,0244 X PerformedProcedureStepStartDate
0040,4050 X PerformedProcedureStepStartDateTime
0040,0245 X PerformedProcedureStepStartTime
0040,0241 X PerformedStationAETitle
0040,4030 X PerformedStationGeographicLocationCodeSequence
0040,0242 X PerformedStationName
0040,4028 X PerformedStationNameCodeSequence
0008,1052 X PerformingPhysicianIdentificationSequence
0008,1050 X PerformingPhysicianName
0040,1102 X PersonAddress
0040,1101 D PersonIdentificationCodeSequence
0040,A123 D PersonName
0040,1104 X PersonTelecomInformation
0040,1103 X PersonTelephoneNumbers
4008,0114 X PhysicianApprovingInterpretation
0008,1062 X PhysiciansReadingStudyIdentificationSequence
0008,1048 X PhysiciansOfRecord
0008,1049 X PhysiciansOfRecordIdentificationSequence
0040,2016 Z PlacerOrderNumberImagingServiceRequest
0018,1004 X PlateID
3002,0123 X PositionAcquisitionTemplateDescription
3002,0121 X PositionAcquisitionTemplateName
0040,0012 X PreMedication
0010,21C0 X PregnancyStatus
300A,000E X PrescriptionDescription
3010,007B Z PrescriptionNotes
3010,0081 Z PrescriptionNotesSequence
0070,0082 X PresentationCreationDate
0070,0083 X PresentationCreationTime
0070,1101 U PresentationDisplayCollectionUID
0070,1102 U PresentationSequenceCollectionUID
3010,0061 X PriorTreatmentDoseDescription
0040,4052 X ProcedureStepCancellationDateTime
0044,000B X ProductExpirationDateTime
0018,1030 X/D ProtocolName
0008,1088 X PyramidDescription
0020,0027 X PyramidLabel
0008,0019 U PyramidUID
300A,0619 D RadiationDoseIdentificationLabel
300A,0623 D RadiationDoseInVivoMeasurementLabel
300A,067D Z RadiationGenerationModeDescription
300A,067C D RadiationGenerationModeLabel
0018,1078 X RadiopharmaceuticalStartDateTime
0018,1072 X RadiopharmaceuticalStartTime
0018,1079 X RadiopharmaceuticalStopDateTime
0018,1073 X RadiopharmaceuticalStopTime
300C,0113 X ReasonForOmissionDescription
0040,100A X ReasonForRequestedProcedureCodeSequence
0032,1030 X ReasonForStudy
3010,005C Z ReasonForSuperseding
0400,0565 D ReasonForTheAttributeModification
0040,2001 X ReasonForTheImagingServiceRequest
0040,1002 X ReasonForTheRequestedProcedure
0032,1066 X ReasonForVisit
0032,1067 X ReasonForVisitCodeSequence
0074,1234 X ReceivingAE
300A,073A D RecordedRTControlPointDateTime
3010,000B U ReferencedConceptualVolumeUID
0040,A13A D ReferencedDateTime
0400,0402 X ReferencedDigitalSignatureSequence
300A,0083 U ReferencedDoseReferenceUID
3010,006F U ReferencedDosimetricObjectiveUID
3010,0031 U ReferencedFiducialsUID
3006,0024 U ReferencedFrameOfReferenceUID
0040,4023 U ReferencedGeneralPurposeScheduledProcedureStepTransactionUID
0008,1140 X/Z/U* ReferencedImageSequence
0040,A172 U ReferencedObservationUIDTrial
0038,0004 X ReferencedPatientAliasSequence
0010,1100 X ReferencedPatientPhotoSequence
0008,1120 X ReferencedPatientSequence
0008,1111 X/Z/D ReferencedPerformedProcedureStepSequence
0400,0403 X ReferencedSOPInstanceMACSequence
0008,1155 U ReferencedSOPInstanceUID
0004,1511 U ReferencedSOPInstanceUIDInFile
0008,1110 X/Z ReferencedStudySequence
300A,0785 U ReferencedTreatmentPositionGroupUID
0008,0092 X ReferringPhysicianAddress
0008,0096 X ReferringPhysicianIdentificationSequence
0008,0090 Z ReferringPhysicianName
0008,0094 X ReferringPhysicianTelephoneNumbers
0010,2152 X RegionOfResidence
3006,00C2 U RelatedFrameOfReferenceUID
0040,0275 X RequestAttributesSequence
0032,1070 X RequestedContrastAgent
0040,1400 X RequestedProcedureComments
0032,1060 X/Z RequestedProcedureDescription
0040,1001 X RequestedProcedureID
0040,1005 X RequestedProcedureLocation
0000,1001 U RequestedSOPInstanceUID
0018,9937 X RequestedSeriesDescription
0074,1236 X RequestingAE
0032,1032 X RequestingPhysician
0032,1033 X RequestingService
0018,9185 X RespiratoryMotionCompensationTechniqueDescription
0010,2299 X ResponsibleOrganization
0010,2297 X ResponsiblePerson
4008,4000 X ResultsComments
4008,0118 X ResultsDistributionListSequence
4008,0040 X ResultsID
4008,0042 X ResultsIDIssuer
0008,0054 X RetrieveAETitle
300E,0004 Z ReviewDate
300E,0008 X/Z ReviewerName
300E,0005 Z ReviewTime
3006,004D X ROICreatorSequence
3006,002D X ROIDateTime
3006,0028 X ROIDescription
3006,0038 X ROIGenerationDescription
3006,00A6 Z ROIInterpreter
3006,004E X ROIInterpreterSequence
3006,0026 Z ROIName
3006,002E X ROIObservationDateTime
3006,0088 X ROIObservationDescription
3006,0085 X ROIObservationLabel
300A,0615 Z RTAccessoryDeviceSlotID
300A,0611 Z RTAccessoryHolderSlotID
300A,0006 X/D RTPlanDate
300A,0004 X RTPlanDescription
300A,0002 D RTPlanLabel
300A,0003 X RTPlanName
300A,0007 X/D RTPlanTime
3010,005A Z RTPhysicianIntentNarrative
3010,0054 D RTPrescriptionLabel
300A,062A D RTToleranceSetLabel
3010,0056 X/D RTTreatmentApproachLabel
3010,003B U RTTreatmentPhaseUID
3008,0162 D SafePositionExitDate
3008,0164 D SafePositionExitTime
3008,0166 D SafePositionReturnDate
3008,0168 D SafePositionReturnTime
0038,001A X ScheduledAdmissionDate
0038,001B X ScheduledAdmissionTime
0038,001C X ScheduledDischargeDate
0038,001D X ScheduledDischargeTime
0040,4034 X ScheduledHumanPerformersSequence
0038,001E X ScheduledPatientInstitutionResidence
0040,000B X ScheduledPerformingPhysicianIdentificationSequence
0040,0006 X ScheduledPerformingPhysicianName
0040,0007 X ScheduledProcedureStepDescription
0040,0004 X ScheduledProcedureStepEndDate
0040,0005 X ScheduledProcedureStepEndTime
0040,4008 X ScheduledProcedureStepExpirationDateTime
0040,0009 X ScheduledProcedureStepID
0040,0011 X ScheduledProcedureStepLocation
0040,4010 X ScheduledProcedureStepModificationDateTime
0040,0002 X ScheduledProcedureStepStartDate
0040,4005 X ScheduledProcedureStepStartDateTime
0040,0003 X ScheduledProcedureStepStartTime
0040,0001 X ScheduledStationAETitle
0040,4027 X ScheduledStationGeographicLocationCodeSequence
0040,0010 X ScheduledStationName
0040,4025 X ScheduledStationNameCodeSequence
0032,1020 X ScheduledStudyLocation
0032,1021 X ScheduledStudyLocationAETitle
0032,1000 X ScheduledStudyStartDate
0032,1001 X ScheduledStudyStartTime
0032,1010 X ScheduledStudyStopDate
0032,1011 X ScheduledStudyStopTime
0072,005E D SelectorAEValue
0072,005F D SelectorASValue
0072,0061 D SelectorDAValue
0072,0063 D SelectorDTValue
0072,0066 D SelectorLOValue
0072,0068 D SelectorLTValue
0072,0065 D SelectorOBValue
0072,006A D SelectorPNValue
0072,006C D SelectorSHValue
0072,006E D SelectorSTValue
0072,006B D SelectorTMValue
0072,006D D SelectorUNValue
0072,0071 D SelectorURValue
0072,0070 D SelectorUTValue
0008,0021 X/D SeriesDate
0008,103E X SeriesDescription
0020,000E U SeriesInstanceUID
0008,0031 X/D SeriesTime
0038,0062 X ServiceEpisodeDescription
0038,0060 X ServiceEpisodeID
300A,01B2 X SetupTechniqueDescription
300A,01A6 X ShieldingDeviceDescription
0040,06FA X SlideIdentifier
0010,21A0 X SmokingStatus
0100,0420 X SOPAuthorizationDateTime
0008,0018 U SOPInstanceUID
3010,0015 U SourceConceptualVolumeUID
0018,936A D SourceEndDateTime
0064,0003 U SourceFrameOfReferenceUID
0034,0005 D SourceIdentifier
0008,2112 X/Z/U* SourceImageSequence
300A,0216 X SourceManufacturer
3008,0105 X/Z SourceSerialNumber
0400,0564 Z SourceOfPreviousValues
0018,9369 D SourceStartDateTime
300A,022C D SourceStrengthReferenceDate
300A,022E D SourceStrengthReferenceTime
0038,0050 X SpecialNeeds
0040,050A X SpecimenAccessionNumber
0040,0602 X SpecimenDetailedDescription
0040,0551 D SpecimenIdentifier
0040,0610 Z SpecimenPreparationSequence
0040,0600 X SpecimenShortDescription
0040,0554 U SpecimenUID
0018,9516 X/D StartAcquisitionDateTime
0008,0055 X StationAETitle
0008,1010 X/Z/D StationName
0088,0140 U StorageMediaFileSetUID
3006,0008 Z StructureSetDate
3006,0006 X StructureSetDescription
3006,0002 D StructureSetLabel
3006,0004 X StructureSetName
3006,0009 Z StructureSetTime
0032,1040 X StudyArrivalDate
0032,1041 X StudyArrivalTime
0032,4000 X StudyComments
0032,1050 X StudyCompletionDate
0032,1051 X StudyCompletionTime
0008,0020 Z StudyDate
0008,1030 X StudyDescription
0020,0010 Z StudyID
0032,0012 X StudyIDIssuer
0020,000D U StudyInstanceUID
0032,0034 X StudyReadDate
0032,0035 X StudyReadTime
0008,0030 Z StudyTime
0032,0032 X StudyVerifiedDate
0032,0033 X StudyVerifiedTime
0044,0010 X SubstanceAdministrationDateTime
0020,0200 U SynchronizationFrameOfReferenceUID
0018,2042 U TargetUID
0040,A354 X TelephoneNumberTrial
0040,DB0D U TemplateExtensionCreatorUID
0040,DB0C U TemplateExtensionOrganizationUID
0040,DB07 X TemplateLocalVersion
0040,DB06 X TemplateVersion
4000,4000 X TextComments
2030,0020 X TextString
0040,A122 D Time
0040,A112 X TimeOfDocumentCreationOrVerbalTransactionTrial
0018,700E X/D TimeOfLastDetectorCalibration
0018,1201 X TimeOfLastCalibration
0018,1014 X TimeOfSecondaryCapture
0008,0201 X TimezoneOffsetFromUTC
0088,0910 X TopicAuthor
0088,0912 X TopicKeywords
0088,0906 X TopicSubject
0088,0904 X TopicTitle
0062,0021 U TrackingUID
0008,1195 U TransactionUID
0018,5011 X TransducerIdentificationSequence
3008,0024 D TreatmentControlPointDate
3008,0025 D TreatmentControlPointTime
3008,0250 X/D TreatmentDate
300A,00B2 X/Z TreatmentMachineName
300A,0608 D TreatmentPositionGroupLabel
300A,0609 U TreatmentPositionGroupUID
300A,0700 U TreatmentSessionUID
3010,0077 X/D TreatmentSite
300A,000B X TreatmentSites
3010,007A Z TreatmentTechniqueNotes
3008,0251 X/D TreatmentTime
300A,0736 D TreatmentToleranceViolationDateTime
300A,0734 D TreatmentToleranceViolationDescription
0018,100A X UDISequence
0040,A124 U UID
0018,1009 X UniqueDeviceIdentifier
3010,0033 D UserContentLabel
3010,0034 D UserContentLongLabel
0040,A352 X VerbalSourceTrial
0040,A358 X VerbalSourceIdentifierCodeSequenceTrial
0040,A030 D VerificationDateTime
0040,A088 Z VerifyingObserverIdentificationCodeSequence
0040,A075 D VerifyingObserverName
0040,A073 D VerifyingObserverSequence
0040,A027 D VerifyingOrganization
0038,4000 X VisitComments
003A,0329 X WaveformFilterDescription
0018,9371 D XRayDetectorID
0018,9373 X XRayDetectorLabel
0018,9367 D XRaySourceID
"""


def _parse_profile(text: str) -> dict[str, tuple[str, str]]:
    table = {}
    for line in text.strip().splitlines():
        tag, action, name = line.split()
        table[f"({tag})"] = (action, name)
    return table


#: PS3.15 Table E.1-1 basic profile: "(gggg,eeee)" -> (action code, attribute name). Compound codes
#: such as "X/Z" are kept as in the standard; :func:`deidentify` applies the first one.
BASIC_PROFILE: Mapping[str, tuple[str, str]] = MappingProxyType(_parse_profile(_BASIC_PROFILE_TEXT))
_EXACT_ACTIONS = {int(key[1:5] + key[6:10], 16): code for key, (code, _) in BASIC_PROFILE.items() if "x" not in key}

# Dummy values for action D, one per VR (PS3.5 Table 6.2-1 limits respected: CS <= 16 chars, AE <= 16).
_DUMMIES: Mapping[str, Any] = MappingProxyType({
    "AE": "ANONYMOUS", "AS": "000Y", "CS": "ANONYMIZED", "DA": "19000101", "DS": "0",
    "DT": "19000101000000", "IS": "0", "LO": "ANONYMIZED", "LT": "ANONYMIZED", "PN": "ANONYMIZED",
    "SH": "ANONYMIZED", "ST": "ANONYMIZED", "TM": "000000", "UC": "ANONYMIZED", "UR": "ANONYMIZED",
    "UT": "ANONYMIZED", "FL": 0.0, "FD": 0.0, "SL": 0, "SS": 0, "SV": 0, "UL": 0, "US": 0, "UV": 0,
    "AT": 0, "OB": b"\x00\x00", "OD": b"\x00" * 8, "OF": b"\x00" * 4, "OL": b"\x00" * 4,
    "OV": b"\x00" * 8, "OW": b"\x00\x00", "UN": b"\x00\x00",
})

# Secondary Capture SOP classes (PS3.4 B.5): screenshots and scans that often carry burned-in text.
_SECONDARY_CAPTURE = frozenset({
    _uid.SecondaryCaptureImageStorage, _uid.MultiFrameSingleBitSecondaryCaptureImageStorage,
    _uid.MultiFrameGrayscaleByteSecondaryCaptureImageStorage,
    _uid.MultiFrameGrayscaleWordSecondaryCaptureImageStorage,
    _uid.MultiFrameTrueColorSecondaryCaptureImageStorage,
})
_BURNED_IN_MODALITIES = frozenset({"US", "SC", "XC", "ES"})
# File meta elements naming the sending/receiving systems: removed too (beyond Table E.1-1).
_META_REMOVE = ("SourceApplicationEntityTitle", "SendingApplicationEntityTitle",
                "ReceivingApplicationEntityTitle", "PrivateInformationCreatorUID", "PrivateInformation")


@dataclass(frozen=True)
class DeidAction:
    """One change made by :func:`deidentify`.

    Attributes
    ----------
    path : str
        Where the element was, e.g. ``"PatientName"`` or ``"ReferencedStudySequence[0].PatientName"``.
    tag : str
        ``"(gggg,eeee)"``.
    action : str
        The applied code: "X" removed, "Z" emptied, "D" dummy value, "U" UID replaced.
    rule : str
        Why: the profile code (e.g. "X/Z/D"), "private", or "file meta".
    """

    path: str
    tag: str
    action: str
    rule: str


@dataclass
class DeidResult:
    """What :func:`deidentify` returns.

    Attributes
    ----------
    dataset : pydicom.dataset.Dataset
        The de-identified copy (the input is not modified).
    actions : list of DeidAction
        Every element removed, emptied, replaced or given a new UID.
    flags : list of str
        Problems the profile cannot fix, e.g. text burned into the pixels. Empty when none.
    uid_map : dict
        Original UID -> new UID, for every UID replaced (pass it to the next call for consistency).
    """

    dataset: Dataset
    actions: list[DeidAction]
    flags: list[str]
    uid_map: dict[str, str]

    def counts(self) -> dict[str, int]:
        """Number of actions per action code, e.g. ``{"X": 12, "Z": 7, "U": 4}``."""
        out: dict[str, int] = {}
        for a in self.actions:
            out[a.action] = out.get(a.action, 0) + 1
        return out


@dataclass
class _DeidContext:
    salt: bytes
    uid_map: dict[str, str]
    keep: frozenset[int]
    actions: list[DeidAction]


def deidentify(
    ds: Dataset,
    *,
    uid_map: dict[str, str] | None = None,
    salt: str | bytes | None = None,
    keep: Iterable[str | int] = (),
) -> DeidResult:
    """De-identify a dataset with the DICOM basic confidentiality profile (PS3.15 Annex E).

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        The dataset to de-identify; it is not modified.
    uid_map : dict, optional
        Original UID -> replacement UID. Used first and updated in place with every new UID, so
        passing the same dict to every file of a study keeps references (study, series, frame of
        reference, referenced SOP instances) consistent.
    salt : str or bytes, optional
        Secret mixed into the hash that derives new UIDs: the same salt and UID always give the same
        new UID (reproducible across runs). Default: a random salt, so new UIDs cannot be linked back
        to the originals by anyone who does not know it.
    keep : iterable of str or int, optional
        Keywords or tags to keep unchanged despite the profile (e.g. ``["PatientAge"]`` for a study
        that needs age); each kept attribute is a deliberate, documented risk.

    Returns
    -------
    DeidResult
        ``dataset`` (the new dataset), ``actions`` (what was removed or replaced), ``flags``
        (burned-in text risks) and ``uid_map``.

    Warns
    -----
    BurnedInTextWarning
        If (0028,0301) Burned In Annotation is YES, (0028,0302) Recognizable Visual Features is YES,
        the modality is one where text in the pixels is common (US, ...), or the SOP class is a
        Secondary Capture. The profile only changes attributes: the pixels must be checked by eye.

    Notes
    -----
    The profile table (:data:`BASIC_PROFILE`, PS3.15 Table E.1-1, DICOM 2024b) gives an action per
    attribute: D dummy, Z empty, X remove, K keep, C clean, U new UID (FACTS.md §8). It is applied at
    every nesting level, inside sequences. For compound codes ("X/Z", "Z/D", "X/Z/D", ...) the first
    (most protective) code is applied, as PS3.15 says unless the IOD needs the attribute; a D/Z/X on a
    sequence empties or removes it, D on a sequence cleans its items. All private tags (odd groups)
    are removed. Then (0012,0062) Patient Identity Removed = YES, (0012,0063) De-identification
    Method and (0012,0064) De-identification Method Code Sequence (DCM 113100) are set, and
    (0028,0303) Longitudinal Temporal Information Modified = REMOVED.

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> ds = read(get_testdata_file("CT_small.dcm", download=False))
    >>> result = deidentify(ds, salt="course-2024")
    >>> result.dataset["PatientName"].is_empty, result.dataset.PatientIdentityRemoved
    (True, 'YES')
    >>> result.dataset.SOPInstanceUID != ds.SOPInstanceUID
    True
    """
    if not isinstance(ds, Dataset):
        raise TypeError(f"ds must be a pydicom Dataset, got {type(ds).__name__}")
    if uid_map is None:
        uid_map = {}
    if salt is None:
        salt = secrets.token_bytes(32)
    salt_bytes = salt.encode() if isinstance(salt, str) else bytes(salt)
    ctx = _DeidContext(salt_bytes, uid_map, _keep_tags(keep), [])
    flags = _burned_in_flags(ds)
    out = copy.deepcopy(ds)
    _deid_dataset(out, "", ctx)
    _deid_file_meta(out, ctx)
    _mark_deidentified(out)
    for flag in flags:
        warnings.warn(flag, BurnedInTextWarning, stacklevel=2)
    return DeidResult(dataset=out, actions=ctx.actions, flags=flags, uid_map=uid_map)


def _keep_tags(keep: Iterable[str | int]) -> frozenset[int]:
    if isinstance(keep, (str, int)):
        keep = [keep]
    tags = set()
    for item in keep:
        try:
            tags.add(int(Tag(item)))
        except (ValueError, TypeError, OverflowError):
            raise ValueError(f"keep: {item!r} is not a DICOM keyword or tag") from None
    return frozenset(tags)


def _profile_action(tag: BaseTag) -> str | None:
    code = _EXACT_ACTIONS.get(int(tag))
    if code is not None:
        return code
    group, element = tag.group, tag.element
    if group & 0xFF01 == 0x5000:  # (50xx,xxxx) Curve Data, even groups 5000-501E
        return "X"
    if group & 0xFF01 == 0x6000 and element in (0x3000, 0x4000):  # (60xx,3000/4000) overlays
        return "X"
    return None


def _deid_dataset(ds: Dataset, prefix: str, ctx: _DeidContext) -> None:
    for elem in list(ds):
        tag, where = elem.tag, f"{prefix}{elem.keyword or elem.tag}"
        if int(tag) in ctx.keep:
            continue
        if tag.is_private:
            del ds[tag]
            ctx.actions.append(DeidAction(where, str(tag), "X", "private"))
            continue
        rule = _profile_action(tag)
        if rule is None or rule == "K":
            _recurse(elem, where, ctx)
            continue
        _apply_action(ds, elem, where, rule, ctx)


def _recurse(elem: DataElement, where: str, ctx: _DeidContext) -> None:
    if elem.VR == "SQ":
        for i, item in enumerate(elem.value):
            _deid_dataset(item, f"{where}[{i}].", ctx)


def _apply_action(ds: Dataset, elem: DataElement, where: str, rule: str, ctx: _DeidContext) -> None:
    code = rule.split("/")[0].rstrip("*")  # first code of a compound (PS3.15 E.1.1)
    if code == "C":  # "clean" needs judgement of the content; a dummy is the safe stand-in
        code = "D"
    if code == "U" and elem.VR != "UI":
        code = "D"
    tag = str(elem.tag)
    if code == "X":
        del ds[elem.tag]
    elif code == "Z":
        elem.value = Sequence() if elem.VR == "SQ" else None
    elif code == "U" or (code == "D" and elem.VR == "UI"):
        elem.value = _replace_uids(elem.value, ctx)
        code = "U"
    elif code == "D":
        if elem.VR == "SQ":
            _recurse(elem, where, ctx)
        else:
            elem.value = _DUMMIES.get(elem.VR, b"\x00\x00")
    ctx.actions.append(DeidAction(where, tag, code, rule))


def _replace_uids(value: Any, ctx: _DeidContext) -> Any:
    if isinstance(value, (MultiValue, list)):
        return [_new_uid(str(v), ctx) for v in value]
    return _new_uid(str(value), ctx) if value else value


def _new_uid(old: str, ctx: _DeidContext) -> str:
    """Same input UID -> same output UID (per salt / uid_map); a '2.25.' UUID-derived UID (PS3.5 B.2)."""
    if not old:
        return old
    if old not in ctx.uid_map:
        digest = hashlib.sha256(ctx.salt + b"\x00" + old.encode()).digest()
        ctx.uid_map[old] = f"2.25.{uuid.UUID(bytes=digest[:16], version=4).int}"
    return ctx.uid_map[old]


def _deid_file_meta(ds: Dataset, ctx: _DeidContext) -> None:
    meta = getattr(ds, "file_meta", None)
    if meta is None:
        return
    for keyword in _META_REMOVE:
        if keyword in meta:
            tag = str(meta[keyword].tag)
            del meta[keyword]
            ctx.actions.append(DeidAction(f"file_meta.{keyword}", tag, "X", "file meta"))
    if "MediaStorageSOPInstanceUID" in meta:
        meta.MediaStorageSOPInstanceUID = _new_uid(str(meta.MediaStorageSOPInstanceUID), ctx)
        ctx.actions.append(DeidAction("file_meta.MediaStorageSOPInstanceUID", "(0002,0003)", "U", "U"))


def _mark_deidentified(ds: Dataset) -> None:
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "PS3.15 E.1 Basic Profile (helpers.dicom)"  # LO: <= 64 chars
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator = "113100", "DCM"
    code.CodeMeaning = "Basic Application Confidentiality Profile"
    ds.DeidentificationMethodCodeSequence = Sequence([code])
    ds.LongitudinalTemporalInformationModified = "REMOVED"


def _burned_in_flags(ds: Dataset) -> list[str]:
    flags = []
    name = _describe(ds)
    if str(ds.get("BurnedInAnnotation", "")).upper() == "YES":
        flags.append(f"{name}: (0028,0301) Burned In Annotation is YES: identifying text is in the pixels")
    if str(ds.get("RecognizableVisualFeatures", "")).upper() == "YES":
        flags.append(f"{name}: (0028,0302) Recognizable Visual Features is YES (e.g. a face)")
    modality = str(ds.get("Modality", ""))
    if modality in _BURNED_IN_MODALITIES:
        flags.append(f"{name}: Modality {modality} images often carry burned-in text; check the pixels")
    if ds.get("SOPClassUID") in _SECONDARY_CAPTURE:
        flags.append(f"{name}: a Secondary Capture (screenshot or scan) may show burned-in text; check the pixels")
    return flags


# --------------------------------------------------------------------------------------------------
# Writing a new DICOM file
# --------------------------------------------------------------------------------------------------
_WRITE_DTYPES = ("uint8", "int8", "uint16", "int16", "uint32", "int32")
# Attributes copied from `like`: Patient and General Study modules (PS3.3 C.7.1.1, C.7.2.1).
_LIKE_KEYWORDS = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "PatientAge", "PatientIdentityRemoved",
    "DeidentificationMethod", "StudyInstanceUID", "StudyDate", "StudyTime", "StudyID", "AccessionNumber",
    "ReferringPhysicianName", "StudyDescription",
)


def write(
    path: str | Path,
    array: np.ndarray,
    *,
    like: Dataset | str | Path | None = None,
    modality: str | None = None,
    spacing_mm: tuple[float, float] | None = None,
    window: tuple[float, float] | None = None,
    description: str = "Derived image (helpers.dicom.write)",
    rgb: bool | None = None,
    study_uid: str | None = None,
    series_uid: str | None = None,
    instance_number: int | None = None,
    position_mm: tuple[float, float, float] | None = None,
    orientation: tuple[float, ...] | None = None,
    slice_thickness_mm: float | None = None,
) -> Dataset:
    """Write a numpy array as a new DICOM Secondary Capture file.

    Parameters
    ----------
    path : str or Path
        Output file (overwritten if it exists).
    array : numpy.ndarray
        Integer pixels: ``(rows, cols)`` grayscale, ``(rows, cols, 3)`` RGB, ``(frames, rows, cols)``
        or ``(frames, rows, cols, 3)``. dtype uint8, int8, uint16, int16, uint32 or int32 (RGB: uint8
        or uint16). Convert floats first, e.g. ``np.round(hu).astype(np.int16)``.
    like : Dataset or path, optional
        A source image whose Patient and Study attributes are copied (the new file joins its study
        as a new series and references it in (0008,2112) Source Image Sequence). Its pixel data,
        geometry and UIDs other than the study's are not copied.
    modality : str, optional
        (0008,0060) Modality; default `like`'s modality, else "OT" (other).
    spacing_mm : (float, float), optional
        (0028,0030) Pixel Spacing, (row spacing, column spacing) in mm.
    window : (float, float), optional
        Default display window (center, width) stored as (0028,1050)/(0028,1051).
    description : str, optional
        (0008,103E) Series Description.
    rgb : bool, optional
        Whether a trailing axis of length 3 is colour; default: True when the last axis has length 3.
    study_uid, series_uid : str, optional
        (0020,000D) Study and (0020,000E) Series Instance UID. Pass the same values to every slice of
        a series written one file per slice (e.g. from ``pydicom.uid.generate_uid()``). Default: `like`'s
        study (else a new one) and a new series for each call.
    instance_number : int, optional
        (0020,0013) Instance Number; default 1.
    position_mm : (float, float, float), optional
        (0020,0032) Image Position (Patient): the patient-coordinate (LPS, mm) centre of the first
        transmitted pixel (row 0, column 0). Single-frame images only.
    orientation : 6 floats, optional
        (0020,0037) Image Orientation (Patient): direction cosines of the rows (along a row, i.e.
        increasing column) then of the columns (down a column), two orthogonal unit vectors in LPS.
        Required with `position_mm`.
    slice_thickness_mm : float, optional
        (0018,0050) Slice Thickness in mm.

    Returns
    -------
    pydicom.dataset.FileDataset
        The dataset as written.

    Notes
    -----
    The file follows PS3.10: a 128-byte zero preamble, ``DICM``, the file meta group 0002 (Media
    Storage SOP Class/Instance UID, Transfer Syntax = Explicit VR Little Endian, Implementation
    Class UID) and the data set. Pixel module: Bits Allocated = Bits Stored = the dtype's bit depth,
    High Bit = Bits Stored - 1, Pixel Representation 1 for signed dtypes, Photometric
    Interpretation MONOCHROME2 or RGB (Planar Configuration 0). New UIDs come from
    ``pydicom.uid.generate_uid``. With `position_mm` the Image Plane attributes (PS3.3 C.7.6.2) are
    added, with a (0020,0052) Frame of Reference UID taken from `like` or derived from the study UID
    (so every slice of a study written here shares it); :func:`load_series` stacks such files.

    Examples
    --------
    >>> import tempfile, os
    >>> arr = np.arange(12, dtype=np.uint16).reshape(3, 4)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = write(os.path.join(tmp, "a.dcm"), arr, spacing_mm=(0.5, 0.5))
    ...     back = pixels(read(os.path.join(tmp, "a.dcm")))
    >>> bool((back == arr).all())
    True
    """
    arr, is_rgb, n_frames = _check_write_array(array, rgb)
    plane = _check_plane(position_mm, orientation, multi_frame=arr.ndim == (4 if is_rgb else 3))
    uids = {key: _check_uid(value, key) for key, value in (("study_uid", study_uid), ("series_uid", series_uid))}
    if instance_number is not None and (isinstance(instance_number, bool) or
                                        not isinstance(instance_number, (int, np.integer)) or instance_number < 0):
        raise ValueError(f"instance_number must be an integer >= 0, got {instance_number!r}")
    thickness = None
    if slice_thickness_mm is not None:
        try:
            thickness = float(slice_thickness_mm)
        except (TypeError, ValueError):
            thickness = math.nan
        if not (math.isfinite(thickness) and thickness > 0):
            raise ValueError(f"slice_thickness_mm must be a finite number > 0, got {slice_thickness_mm!r}")
    ds = _new_dataset(arr, is_rgb, n_frames)
    like_ds = None
    if like is not None:
        like_ds = like if isinstance(like, Dataset) else read(like, stop_before_pixels=True)
        _copy_like(ds, like_ds)
    ds.Modality = modality or ds.get("Modality") or "OT"
    ds.SeriesDescription = description
    if uids["study_uid"]:
        ds.StudyInstanceUID = uids["study_uid"]
    if uids["series_uid"]:
        ds.SeriesInstanceUID = uids["series_uid"]
    if instance_number is not None:
        ds.InstanceNumber = int(instance_number)
    if spacing_mm is not None:
        ds.PixelSpacing = [f"{v:.6g}" for v in _check_pair(spacing_mm, "spacing_mm", positive=True)]
    if thickness is not None:
        ds.SliceThickness = f"{thickness:.6g}"
    if plane is not None:
        _set_plane(ds, *plane, like=like_ds)
    if window is not None:
        center, width = _check_pair(window, "window", positive=False)
        _check_window(center, width, "LINEAR")
        ds.WindowCenter, ds.WindowWidth = f"{center:.6g}", f"{width:.6g}"
    ds.save_as(path, enforce_file_format=True)
    return ds


def _check_uid(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _uid.UID(value).is_valid:
        raise ValueError(f"{name} must be a valid DICOM UID string (digits and dots, <= 64 chars), got {value!r}; "
                         "make one with pydicom.uid.generate_uid()")
    return value


def _check_plane(position: Any, orientation: Any, *, multi_frame: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """Validate (0020,0032) and (0020,0037): 3 finite numbers; two orthogonal unit vectors."""
    if position is None and orientation is None:
        return None
    if position is None or orientation is None:
        raise ValueError("position_mm and orientation go together: pass both (Image Plane module, PS3.3 C.7.6.2)")
    if multi_frame:
        raise ValueError("position_mm/orientation describe one slice: write one file per slice (a 2D array each)")
    vectors = []
    for name, value, n in (("position_mm", position, 3), ("orientation", orientation, 6)):
        try:
            vec = np.asarray([float(v) for v in value], dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be {n} numbers, got {value!r}") from None
        if vec.shape != (n,) or not np.all(np.isfinite(vec)):
            raise ValueError(f"{name} must be {n} finite numbers, got {value!r}")
        vectors.append(vec)
    row, col = vectors[1][:3], vectors[1][3:]
    if not (np.isclose(np.linalg.norm(row), 1, atol=1e-3) and np.isclose(np.linalg.norm(col), 1, atol=1e-3)
            and abs(float(row @ col)) < 1e-3):
        raise ValueError(f"orientation must be two orthogonal unit vectors (row cosines, column cosines), "
                         f"got {list(orientation)!r}")
    return vectors[0], vectors[1]


def _set_plane(ds: Dataset, position: np.ndarray, orientation: np.ndarray, *, like: Dataset | None) -> None:
    ds.ImagePositionPatient = [f"{v:.6g}" for v in position]
    ds.ImageOrientationPatient = [f"{v:.6g}" for v in orientation]
    if like is not None and "FrameOfReferenceUID" in like:
        ds.FrameOfReferenceUID = like.FrameOfReferenceUID
    else:  # same study -> same frame of reference, so the slices of one study line up
        ds.FrameOfReferenceUID = _uid.generate_uid(entropy_srcs=[str(ds.StudyInstanceUID), "FrameOfReferenceUID"])
    ds.PositionReferenceIndicator = ""


def _check_write_array(array: Any, rgb: bool | None) -> tuple[np.ndarray, bool, int]:
    if not isinstance(array, np.ndarray):
        raise TypeError(f"array must be a numpy array, got {type(array).__name__}")
    if array.dtype.name not in _WRITE_DTYPES:
        hint = " (e.g. np.round(x).astype(np.int16))" if array.dtype.kind == "f" else ""
        raise TypeError(f"array dtype must be one of {_WRITE_DTYPES}, got {array.dtype}; convert it first{hint}")
    is_rgb = array.ndim in (3, 4) and array.shape[-1] == 3 if rgb is None else bool(rgb)
    if is_rgb and (array.shape[-1] != 3 or array.ndim not in (3, 4)):
        raise ValueError(f"rgb=True needs shape (rows, cols, 3) or (frames, rows, cols, 3), got {array.shape}")
    if is_rgb and array.dtype.name not in ("uint8", "uint16"):
        raise TypeError(f"RGB arrays must be uint8 or uint16, got {array.dtype}")
    spatial = array.ndim - (1 if is_rgb else 0)
    if spatial not in (2, 3) or 0 in array.shape:
        raise ValueError(f"array must be (rows, cols[, 3]) or (frames, rows, cols[, 3]), got shape {array.shape}")
    n_frames = array.shape[0] if spatial == 3 else 1
    return np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")), is_rgb, n_frames


def _check_pair(value: Any, name: str, *, positive: bool) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be two numbers, got {value!r}") from None
    if not (math.isfinite(a) and math.isfinite(b)) or (positive and (a <= 0 or b <= 0)):
        raise ValueError(f"{name} must be finite{' and > 0' if positive else ''}, got {value!r}")
    return a, b


def _sop_class(arr: np.ndarray, is_rgb: bool, n_frames: int) -> str:
    if n_frames == 1 and arr.ndim == (3 if is_rgb else 2):
        return _uid.SecondaryCaptureImageStorage
    if is_rgb and arr.dtype == np.uint8:
        return _uid.MultiFrameTrueColorSecondaryCaptureImageStorage
    if not is_rgb and arr.dtype == np.uint8:
        return _uid.MultiFrameGrayscaleByteSecondaryCaptureImageStorage
    if not is_rgb and arr.dtype.itemsize == 2:
        return _uid.MultiFrameGrayscaleWordSecondaryCaptureImageStorage
    raise TypeError(f"multi-frame {'RGB' if is_rgb else 'grayscale'} {arr.dtype} has no Secondary Capture "
                    "SOP class; use uint8 or 16-bit integers")


def _new_dataset(arr: np.ndarray, is_rgb: bool, n_frames: int) -> Dataset:
    sop_class, sop_instance = _sop_class(arr, is_rgb, n_frames), _uid.generate_uid()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = _uid.ExplicitVRLittleEndian
    meta.ImplementationClassUID = _uid.PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = f"PYDICOM {pydicom.__version__}"[:16]
    ds = Dataset()
    ds.file_meta = meta
    ds.preamble = b"\x00" * 128
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, sop_instance
    ds.ImageType = ["DERIVED", "SECONDARY"]
    ds.StudyInstanceUID, ds.SeriesInstanceUID = _uid.generate_uid(), _uid.generate_uid()
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime",
                    "StudyID", "AccessionNumber", "ReferringPhysicianName", "PatientOrientation"):
        setattr(ds, keyword, "")
    ds.SeriesNumber, ds.InstanceNumber = 1, 1
    ds.ConversionType = "WSD"  # workstation (PS3.3 C.8.6.1)
    _set_pixel_module(ds, arr, is_rgb, n_frames)
    return ds


def _set_pixel_module(ds: Dataset, arr: np.ndarray, is_rgb: bool, n_frames: int) -> None:
    bits = arr.dtype.itemsize * 8
    ds.SamplesPerPixel = 3 if is_rgb else 1
    ds.PhotometricInterpretation = "RGB" if is_rgb else "MONOCHROME2"
    if is_rgb:
        ds.PlanarConfiguration = 0  # R1 G1 B1 R2 ... (colour-by-pixel)
    if n_frames > 1 or arr.ndim == (4 if is_rgb else 3):
        ds.NumberOfFrames = n_frames
    rows, cols = arr.shape[-3:-1] if is_rgb else arr.shape[-2:]
    ds.Rows, ds.Columns = int(rows), int(cols)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits, bits, bits - 1
    ds.PixelRepresentation = 1 if arr.dtype.kind == "i" else 0
    ds.PixelData = arr.tobytes()
    ds["PixelData"].VR = "OB" if bits == 8 else "OW"


def _copy_like(ds: Dataset, like: Dataset) -> None:
    for keyword in _LIKE_KEYWORDS:
        if keyword in like:
            setattr(ds, keyword, like[keyword].value)
    if "Modality" in like:
        ds.Modality = like.Modality
    if "SOPClassUID" in like and "SOPInstanceUID" in like:
        ref = Dataset()
        ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID = like.SOPClassUID, like.SOPInstanceUID
        ds.SourceImageSequence = Sequence([ref])


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
