"""The DICOM display pipeline: Modality LUT (stored values to physical units), then VOI LUT or window.

:func:`to_modality_units` applies (0028,1052) Rescale Intercept and (0028,1053) Rescale Slope or a Modality LUT
Sequence (Hounsfield units for CT); :func:`window_bounds`, :func:`apply_window` and :func:`apply_voi` map
those values to display grey levels following PS3.3 C.11.2 (LINEAR, LINEAR_EXACT and SIGMOID);
:data:`CT_WINDOW_PRESETS` holds cited CT windows.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from .io import _describe, _lookup, _transfer_syntax


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
    HU = RescaleSlope * stored + RescaleIntercept (PS3.3 C.11.1 [1]_). A LUT maps input
    values below the first mapped value (2nd LUT Descriptor value) to the first entry and values past
    the table end to the last entry. Matches ``pydicom.pixels.apply_modality_lut`` for top-level
    attributes, and also reads the (0028,9145) Pixel Value Transformation Sequence of enhanced objects.

    References
    ----------
    .. [1] NEMA. DICOM PS3.3 2024b, C.11.1 Modality LUT Module.
       https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.11.html#sect_C.11.1

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> from helpers.dicom import pixels, read
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


# Each preset's source names a REFERENCES.md entry by its URL: Radiopaedia's "Windowing (CT)" article (a
# peer-edited secondary reference; the usual W/L table) and, for the stroke window, Lev et al. 1999 (primary).
_RADIOPAEDIA_WINDOWING = "Radiopaedia, Windowing (CT), https://radiopaedia.org/articles/windowing-ct"
_LEV_1999 = (
    "Lev MH et al., Radiology 1999;213(1):150-155 (W8 L32 raised sensitivity 57% -> 71%), "
    "https://doi.org/10.1148/radiology.213.1.r99oc10150"
)
CT_WINDOW_PRESETS: Mapping[str, WindowPreset] = MappingProxyType(
    {
        "brain": WindowPreset(40, 80, _RADIOPAEDIA_WINDOWING),
        "subdural": WindowPreset(75, 215, f"{_RADIOPAEDIA_WINDOWING} (W 130-300, L 50-100; midpoints taken)"),
        "stroke": WindowPreset(32, 8, _LEV_1999),
        "lung": WindowPreset(-600, 1500, _RADIOPAEDIA_WINDOWING),
        "mediastinum": WindowPreset(50, 350, _RADIOPAEDIA_WINDOWING),
        "soft tissue": WindowPreset(50, 400, f"{_RADIOPAEDIA_WINDOWING} (abdomen soft tissue)"),
        "bone": WindowPreset(400, 1800, f"{_RADIOPAEDIA_WINDOWING} (spine bone)"),
        "liver": WindowPreset(30, 150, _RADIOPAEDIA_WINDOWING),
        "temporal bone": WindowPreset(600, 2800, _RADIOPAEDIA_WINDOWING),
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
    LINEAR_EXACT (C.11.2.1.3.2): c -/+ w/2. The two differ by about one unit [1]_.

    References
    ----------
    .. [1] NEMA. DICOM PS3.3 2024b, C.11.2 VOI LUT Module (C.11.2.1.2 Window Center and Window Width).
       https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.11.2.html

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
    DICOM PS3.3 C.11.2.1.2.1 LINEAR [1]_, with c = center, w = width, [ymin, ymax] = out_range::

        x <= c - 0.5 - (w-1)/2   ->  ymin
        x >  c - 0.5 + (w-1)/2   ->  ymax
        else  y = ((x - (c - 0.5)) / (w-1) + 0.5) * (ymax - ymin) + ymin

    LINEAR_EXACT (C.11.2.1.3.2) uses c and w in place of c - 0.5 and w - 1; SIGMOID (C.11.2.1.3.1) is
    y = (ymax - ymin) / (1 + exp(-4 (x - c) / w)) + ymin. Same numbers as
    ``pydicom.pixels.apply_windowing`` when `out_range` is pydicom's output range.

    References
    ----------
    .. [1] NEMA. DICOM PS3.3 2024b, C.11.2 VOI LUT Module (C.11.2.1.2 Window Center and Window Width).
       https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.11.2.html

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
    Order (PS3.3 C.11 [1]_ [2]_; pydicom's Notes): Modality LUT first (stored -> HU), then VOI LUT or window
    (HU -> display). MONOCHROME1 images (e.g. CR) display low values as white: invert the result for
    display (``1 - y`` with the default range).

    References
    ----------
    .. [1] NEMA. DICOM PS3.3 2024b, C.11.1 Modality LUT Module.
       https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.11.html#sect_C.11.1
    .. [2] NEMA. DICOM PS3.3 2024b, C.11.2 VOI LUT Module.
       https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.11.2.html

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> from helpers.dicom import pixels, read
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
