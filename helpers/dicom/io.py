"""Read DICOM files and their pixels, and look at the bytes of a file.

:func:`read` fails loudly on files that are not DICOM or are truncated, :func:`pixels` decodes one frame or all
of them and names the pip package to install when no decoder plugin is available, :func:`hexdump` and
:func:`preamble_info` show the 128-byte preamble, the ``DICM`` prefix and the file meta group byte by byte.
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pydicom
import pydicom.uid as _uid
from pydicom.datadict import keyword_for_tag
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.errors import BytesLengthException, InvalidDicomError
from pydicom.tag import Tag

from .errors import MissingDecoderError, NoPixelDataError, NotDicomError, TruncatedDicomError

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
