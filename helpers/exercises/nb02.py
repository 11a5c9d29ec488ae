"""Checkers of 02_dicom.ipynb.

Each recomputes its expected value from the notebook's own objects (the CT_small header, the echo cine, the
series volume...), so nothing here depends on one file's numbers, and no hint prints the expected value.
"""

from __future__ import annotations

from numbers import Real
from pathlib import Path

import numpy as np
from pydicom import uid as dicom_uid

from helpers import dicom as hd

from ._core import exercise, hint
from ._hints import _describe, array, integer, number, one_of

SECONDARY_CAPTURE = {  # (multi-frame?, RGB?, bytes per sample) -> the class hd.write picks, PS3.4 B.5
    (False, False, 1): dicom_uid.SecondaryCaptureImageStorage,
    (True, False, 1): dicom_uid.MultiFrameGrayscaleByteSecondaryCaptureImageStorage,
    (True, False, 2): dicom_uid.MultiFrameGrayscaleWordSecondaryCaptureImageStorage,
    (True, True, 1): dicom_uid.MultiFrameTrueColorSecondaryCaptureImageStorage,
}


def _is_number(value) -> bool:
    return isinstance(value, Real | np.number) and not isinstance(value, bool | np.bool_)


def _numbers(value, length: int) -> list[float] | None:
    """``value`` as a list of ``length`` floats when it is a sequence (or 1-D array) of real numbers, else None."""
    if isinstance(value, str | bytes) or not hasattr(value, "__len__") or len(value) != length:
        return None
    items = list(np.asarray(value).tolist()) if isinstance(value, np.ndarray) else list(value)
    return [float(v) for v in items] if all(_is_number(v) for v in items) else None


# --- §1 Bytes first ------------------------------------------------------------------------------------------
@exercise("02-image-type")
def image_type_values(image_type, ds_small):
    """The values of (0008,0008) Image Type, decoded by hand: a list of strings."""
    if isinstance(image_type, bytes):
        return hint("these are still bytes: decode them to text (ASCII) and split the values")
    if isinstance(image_type, str):
        return hint("one string holds all the values: split it at the backslash `\\`")
    if not isinstance(image_type, list | tuple) or not all(isinstance(v, str) for v in image_type):
        return hint(f"your answer should be a list of strings, not {_describe(image_type)}")
    expected = [str(v) for v in ds_small.ImageType]
    if [v.strip() for v in image_type] == expected:
        return None if list(image_type) == expected else hint("strip the padding space from the values")
    return hint(f"{len(image_type)} value(s), but not those of (0008,0008): start at `next_pos` and read the "
                "length stored at next_pos + 6")


# --- §2 Elements, tags, VRs and sequences --------------------------------------------------------------------
@exercise("02-private-creators", answers=2)
def private_creators(creators, n_private, ds_small):
    """The private creator names of CT_small.dcm, and how many private elements (creators included) it has."""
    private = [e for e in ds_small if e.tag.is_private]
    expected = sorted(str(e.value) for e in private if 0x0010 <= e.tag.element <= 0x00FF)
    if not isinstance(creators, list | tuple) or not all(isinstance(c, str) for c in creators):
        return hint(f"`creators` should be a list of strings, not {_describe(creators)}")
    got = sorted(c.strip() for c in creators)
    if set(got) - set(expected):
        return hint("`creators` holds values that are not private creators: keep the elements "
                    "(gggg,0010) to (gggg,00FF) of odd groups")
    if got != expected:
        return hint("`creators` misses some private creators: every private block has one")
    if _is_number(n_private) and int(n_private) == len(private) - len(expected):
        return hint("`n_private` is too low: the private creator elements are private elements too")
    return integer(n_private, expected=len(private))


# --- §3 The header across modalities -------------------------------------------------------------------------
def _calibrated_area(ds) -> tuple[tuple[int, int], tuple[float, float]] | None:
    """((rows, columns), (row, column) spacing in mm) of the calibrated area; None if the header gives no spacing.

    An ultrasound object is calibrated only inside its first region (PS3.3 C.8.5.5): the area is the region,
    its corners' pixel indices both included, and the spacing is the region's Physical Delta Y/X (cm -> mm).
    Otherwise the area is the whole image with its Pixel Spacing, when present and non-zero.
    """
    if "SequenceOfUltrasoundRegions" in ds:
        region = ds.SequenceOfUltrasoundRegions[0]
        size = (int(region.RegionLocationMaxY1) - int(region.RegionLocationMinY0) + 1,
                int(region.RegionLocationMaxX1) - int(region.RegionLocationMinX0) + 1)
        return size, (10.0 * float(region.PhysicalDeltaY), 10.0 * float(region.PhysicalDeltaX))
    spacing = [float(v) for v in ds.get("PixelSpacing") or []]
    if len(spacing) == 2 and min(spacing) > 0:
        return (int(ds.Rows), int(ds.Columns)), (spacing[0], spacing[1])
    return None


def _fov_entry_problem(label: str, got, ds):
    """A hint for one entry of ``fov`` (None when right)."""
    where = f"fov[{label!r}]"
    area = _calibrated_area(ds)
    if area is None:
        return None if got is None else hint(f"{where}: is the spacing in this header usable (present, non-zero)?")
    if got is None:
        return hint(f"{where} should be (height_mm, width_mm): this header has a usable spacing")
    pair = _numbers(got, 2)
    if pair is None:
        return hint(f"{where} should be a pair of numbers (height_mm, width_mm), not {_describe(got)}")
    (rows, columns), spacing = area
    expected = [rows * spacing[0], columns * spacing[1]]
    if np.allclose(pair, expected, rtol=0.01):
        return None
    whole_screen = [int(ds.Rows) * spacing[0], int(ds.Columns) * spacing[1]]
    if "SequenceOfUltrasoundRegions" in ds and np.allclose(pair, whole_screen, rtol=0.01):
        return hint(f"{where} covers the whole screen: the ultrasound spacing holds only inside the region; take "
                    "its size from RegionLocationMinX0/MinY0/MaxX1/MaxY1")
    if np.allclose(pair[::-1], expected, rtol=0.01):
        return hint(f"{where}: the order is (height, width): Rows with the row spacing first")
    if np.allclose(np.multiply(pair, 10), expected, rtol=0.01):
        return hint(f"{where} is 10 times too small: the ultrasound region's deltas are in cm, convert to mm")
    if not np.isclose(pair[0], expected[0], rtol=0.01):
        return hint(f"{where}: the height is off; multiply Rows by the spacing between rows")
    return hint(f"{where}: the width is off; multiply Columns by the spacing between columns")


@exercise("02-field-of-view")
def field_of_view(fov, headers):
    """Field of view (height_mm, width_mm) per file, or None where the header has no usable spacing."""
    if not isinstance(fov, dict):
        return hint(f"`fov` should be a dict label -> (height_mm, width_mm) or None, not {_describe(fov)}")
    missing = [label for label in headers if label not in fov]
    if missing:
        return hint(f"`fov` has no entry for {missing}: give one per label of `headers`")
    for label, ds in headers.items():
        problem = _fov_entry_problem(label, fov[label], ds)
        if problem:
            return problem
    return None


# --- §4 Pixel data: stored integers, physical units ----------------------------------------------------------
def _rescale(stored_value: float, ds) -> float:
    return float(ds.RescaleSlope) * stored_value + float(ds.RescaleIntercept)


@exercise("02-padding", answers=2)
def padding(pad_hu, outside_fraction, ct_head_ds):
    """The Pixel Padding Value in HU, and the fraction of the head CT's pixels that carry it."""
    pad_stored = ct_head_ds.PixelPaddingValue
    expected_hu = _rescale(pad_stored, ct_head_ds)
    if _is_number(pad_hu) and pad_hu == pad_stored != expected_hu:
        return hint("`pad_hu` is the stored value: apply the rescale (slope and intercept) to get HU")
    problem = number(pad_hu, expected_hu, rtol=0, atol=0.5, unit="HU")
    if problem:
        return hint(f"`pad_hu`: {problem.text}")
    fraction = float(np.mean(hd.pixels(ct_head_ds) == pad_stored))
    geometric = 1 - np.pi / 4  # outside a circle inscribed in the square
    if _is_number(outside_fraction) and 1 < outside_fraction <= 100:
        return hint("`outside_fraction` should be a fraction between 0 and 1, not a percentage")
    says_geometric = _is_number(outside_fraction) and abs(outside_fraction - geometric) < 1e-9
    if says_geometric and abs(fraction - geometric) > 5e-4:
        return hint("`outside_fraction` is the geometric 1 − π/4: measure the share of padding pixels in the image")
    if _is_number(outside_fraction) and abs(outside_fraction - (1 - fraction)) < 5e-4:
        return hint("`outside_fraction` is the share of pixels inside the circle: count those equal to the padding")
    problem = number(outside_fraction, fraction, rtol=0, atol=5e-4)
    return hint(f"`outside_fraction`: {problem.text}") if problem else None


# --- §5 Window and level -------------------------------------------------------------------------------------
def _simple_window(x, level, width):
    return np.clip((x - (level - width / 2)) / width, 0, 1)


@exercise("02-window-linear", answers=2)
def window_linear(window_dicom, largest_difference, ct):
    """DICOM's LINEAR window function, and its largest difference from the simple window on ``ct`` (W400 L50)."""
    if not callable(window_dicom):
        return hint(f"`window_dicom` should be a function window_dicom(x, c, w), not {_describe(window_dicom)}")
    for c, w in [(50, 400), (40, 80), (-600, 1500)]:
        x = np.linspace(c - w, c + w, 1601)
        got = np.asarray(window_dicom(x, c, w), dtype=float)
        if got.shape != x.shape or not np.allclose(got, hd.apply_window(x, center=c, width=w), atol=1e-6):
            return hint(f"`window_dicom` does not follow LINEAR yet (for c={c}, w={w}): use c − 0.5 and w − 1, "
                        "0 at or below the low edge, 1 above the high edge")
    expected = float(np.abs(hd.apply_window(ct, center=50, width=400) - _simple_window(ct, 50, 400)).max())
    problem = number(largest_difference, expected, rtol=0.02)
    return hint(f"`largest_difference`: {problem.text}") if problem else None


# --- §6 Multi-frame ------------------------------------------------------------------------------------------
def _repeated_frames(frames: np.ndarray) -> list[int]:
    """Indices k where frame k equals frame k - 1."""
    same = np.all(frames[1:] == frames[:-1], axis=tuple(range(1, frames.ndim)))
    return (np.flatnonzero(same) + 1).tolist()


def _indices_problem(duplicates, expected: list[int]):
    if isinstance(duplicates, str | bytes | dict) or not hasattr(duplicates, "__iter__"):
        return hint(f"`duplicates` should be a list of frame indices, not {_describe(duplicates)}")
    got = list(np.asarray(duplicates).ravel().tolist()) if isinstance(duplicates, np.ndarray) else list(duplicates)
    if not all(isinstance(k, int | np.integer) and not isinstance(k, bool) for k in got):
        return hint("`duplicates` should hold whole numbers: the indices k of the repeated frames")
    if sorted(got) == expected:
        return None
    if sorted(k + 1 for k in got) == expected:
        return hint("`duplicates` is off by one: give k, the frame that repeats frame k - 1, not k - 1")
    if len(got) != len(expected):
        return hint(f"`duplicates` has too {'many' if len(got) > len(expected) else 'few'} indices: compare "
                    "every whole frame (all rows, columns and channels) with the one before it")
    return hint("`duplicates` has the right count but some indices are wrong")


@exercise("02-duplicate-frames", answers=2)
def duplicate_frames(duplicates, new_per_second, ybr, echo):
    """Frames that repeat the previous one, and the rate of new images per second."""
    expected = _repeated_frames(ybr)
    problem = _indices_problem(duplicates, expected)
    if problem:
        return problem
    duration_s = int(echo.NumberOfFrames) * float(echo.FrameTime) / 1000
    header_rate = int(echo.NumberOfFrames) / duration_s
    if expected and _is_number(new_per_second) and abs(new_per_second - header_rate) < 1e-3 * header_rate:
        return hint("`new_per_second` is the header's frame rate: count only the new images")
    problem = number(new_per_second, (int(echo.NumberOfFrames) - len(expected)) / duration_s, rtol=0.005,
                     unit="images per second")
    return hint(f"`new_per_second`: {problem.text}") if problem else None


# --- §7 Compressed transfer syntaxes -------------------------------------------------------------------------
@exercise("02-echo-ratio")
def echo_compression_ratio(echo_ratio, echo):
    """Decoded pixel bytes / pixel bytes in the file of the echo cine."""
    sizes = hd.summary(echo)
    if _is_number(echo_ratio) and 0 < echo_ratio < 1:
        return hint("a ratio below 1 says the file is bigger than the decoded frames: divide decoded by stored")
    return number(echo_ratio, sizes["DecodedPixelBytes"] / sizes["StoredPixelBytes"], rtol=0.01)


# --- §8 From a series of files to a 3D volume ----------------------------------------------------------------
@exercise("02-series-gap")
def series_gap(vol_gap, vol, gap_dir):
    """The series without one file, loaded on a regular grid with an empty (NaN) slice at the gap."""
    if not isinstance(vol_gap, hd.Volume):
        return hint(f"`vol_gap` should be what hd.load_series returns (a Volume), not {_describe(vol_gap)}")
    gap = [k for k, f in enumerate(vol.files) if f is not None and not (Path(gap_dir) / Path(f).name).exists()]
    if vol_gap.shape[0] == vol.shape[0] - len(gap) and vol_gap.shape[1:] == vol.shape[1:]:
        return hint("`vol_gap` has no slice where the file is missing: ask load_series to fill the gap")
    if vol_gap.shape != vol.shape:
        return hint(f"`vol_gap` has shape {vol_gap.shape}; it should have the full series' shape {vol.shape}")
    if not np.allclose(vol_gap.spacing_mm, vol.spacing_mm):
        return hint("`vol_gap` has the wrong spacing: keep the regular grid of the full series")
    if not np.isnan(vol_gap.array[gap]).all():
        return hint("the missing slice should be empty (NaN), not filled with values: fill_gaps=np.nan")
    others = np.delete(np.arange(vol.shape[0]), gap)
    if not np.array_equal(vol_gap.array[others], vol.array[others]):
        return hint("the slices around the gap differ from the full series: load the copied files as they are")
    return None


# --- §9 De-identification ------------------------------------------------------------------------------------
@exercise("02-burned-in")
def burned_in(masked_back, us_pixels):
    """The ultrasound image read back from the new file, with rows 0-99 black and the rest unchanged."""
    problem = array(masked_back, shape=us_pixels.shape)
    if problem:
        return hint(f"`masked_back`: {problem.text}")
    if np.any(masked_back[:100] != 0):
        return hint("rows 0-99 of `masked_back` are not all black yet")
    if not np.array_equal(masked_back[100:], us_pixels[100:]):
        return hint("rows from 100 on changed: blank only the top rows, and write without any lossy step")
    return None


# --- §10 Writing a new DICOM file ----------------------------------------------------------------------------
@exercise("02-multiframe-write", answers=2)
def multiframe_write(frames_back, sop_name, luma):
    """The first 10 echo frames written as one file and read back, and the SOP class hd.write chose."""
    problem = array(frames_back, expected=luma[:10])
    if problem:
        return hint(f"`frames_back`: {problem.text}")
    if isinstance(sop_name, str) and sop_name.replace(".", "").isdigit():
        return hint("`sop_name` is the UID itself: give its name (the UID's `.name`)")
    expected = SECONDARY_CAPTURE[(True, False, luma.dtype.itemsize)].name
    why = {SECONDARY_CAPTURE[key].name: text for key, text in [
        ((False, False, 1), "that class holds a single frame; your file holds 10"),
        ((True, True, 1), "True Color means RGB; the luminance has one sample per pixel"),
        ((True, False, 1), "Byte means 8-bit samples; look at the dtype of what you wrote"),
        ((True, False, 2), "Word means 16-bit samples; look at the dtype of what you wrote")]}
    return one_of(sop_name, expected, [u.name for u in SECONDARY_CAPTURE.values()], why=why)


# --- §11 DICOM vs NIfTI --------------------------------------------------------------------------------------
@exercise("02-origin-voxel")
def nifti_origin_voxel(origin_voxel, img):
    """The voxel (i, j, k) of ``img`` at world point (0, 0, 0) mm, rounded to integers."""
    ijk = (np.linalg.inv(img.affine) @ [0, 0, 0, 1])[:3]
    got = _numbers(origin_voxel, 3)
    if got is None:
        return hint(f"`origin_voxel` should be a tuple of 3 indices (i, j, k), not {_describe(origin_voxel)}")
    if not all(float(v).is_integer() for v in got):
        return hint("round each index to an integer: a voxel index is a whole number")
    error = np.abs(np.subtract(got, ijk))
    if np.all(error <= 0.5 + 1e-6):
        return None
    if np.all(np.abs(np.subtract(got[::-1], ijk)) <= 0.5 + 1e-6):
        return hint("your indices are in reverse order: NIfTI's (i, j, k) follow x, y, z")
    if np.all(error < 1 + 1e-6):
        return hint("an index is one voxel off: round to the nearest integer (int() truncates)")
    return hint("that voxel is not at (0, 0, 0) mm: apply the inverse of img.affine to (0, 0, 0, 1)")
