"""Checkers of 02_dicom.ipynb: placeholder -> unanswered, typical mistakes -> a hint without the answer, right ->
correct. Contexts are small synthetic objects (or one small real file), never the whole notebook."""

from __future__ import annotations

import shutil

import nibabel as nib
import numpy as np
import pytest
from pydicom.dataset import Dataset

from helpers import dicom as hd
from helpers.data import sample_path
from helpers.exercises import check


def _verdict(exercise_id: str, **namespace):
    return check(exercise_id, namespace=namespace, quiet=True)


def _wrong(exercise_id: str, hidden=(), **namespace) -> str:
    """The hint for a wrong answer, after checking it spells none of the ``hidden`` expected values."""
    verdict = _verdict(exercise_id, **namespace)
    assert verdict.status == "wrong", verdict.message
    for value in hidden:
        forms = {str(value), repr(value)} | ({f"{value:.{d}f}" for d in range(1, 4)} if isinstance(value, float)
                                             else set())
        assert not any(form in verdict.message for form in forms), (value, verdict.message)
    return verdict.message


@pytest.fixture(scope="module")
def ds_small():
    return hd.read(sample_path("ct_small"))


@pytest.fixture
def rng():
    return np.random.default_rng(2)


# --- 02-image-type ---------------------------------------------------------------------------------------------
def test_image_type(ds_small):
    right = list(ds_small.ImageType)
    assert _verdict("02-image-type", image_type=None, ds_small=ds_small).status == "unanswered"
    assert "split it at the backslash" in _wrong("02-image-type", image_type="\\".join(right), ds_small=ds_small)
    assert "decode" in _wrong("02-image-type", image_type=b"X\\Y", ds_small=ds_small)
    assert "padding" in _wrong("02-image-type", image_type=[v + " " for v in right], ds_small=ds_small)
    message = _wrong("02-image-type", image_type=right[::-1], ds_small=ds_small)
    assert not any(v in message for v in right)
    assert _verdict("02-image-type", image_type=right, ds_small=ds_small)


# --- 02-private-creators ---------------------------------------------------------------------------------------
def test_private_creators(ds_small):
    private = [e for e in ds_small if e.tag.is_private]
    creators = [e.value for e in private if 0x10 <= e.tag.element <= 0xFF]
    context = {"ds_small": ds_small}
    assert _verdict("02-private-creators", creators=None, n_private=None, **context).status == "unanswered"
    assert _verdict("02-private-creators", creators=creators, n_private=None, **context).status == "unanswered"
    too_few = _wrong("02-private-creators", hidden=[len(private)], creators=creators,
                     n_private=len(private) - len(creators), **context)
    assert "creator elements are private elements too" in too_few
    assert "misses" in _wrong("02-private-creators", creators=creators[1:], n_private=len(private), **context)
    assert "not private creators" in _wrong("02-private-creators", creators=[*creators, "CT"],
                                            n_private=len(private), **context)
    assert "too high" in _wrong("02-private-creators", hidden=[len(private)], creators=creators,
                                n_private=len(private) + 3, **context)
    assert _verdict("02-private-creators", creators=creators[::-1], n_private=len(private), **context)


# --- 02-field-of-view ------------------------------------------------------------------------------------------
def _header(rows, columns, spacing=None, region_cm=None, corners=(0, 0, 0, 0)):
    """A header with Pixel Spacing, or an ultrasound region with deltas in cm and corners (x0, y0, x1, y1)."""
    ds = Dataset()
    ds.Rows, ds.Columns = rows, columns
    if spacing is not None:
        ds.PixelSpacing = list(spacing)
    if region_cm is not None:
        region = Dataset()
        region.PhysicalDeltaY, region.PhysicalDeltaX = region_cm
        (region.RegionLocationMinX0, region.RegionLocationMinY0,
         region.RegionLocationMaxX1, region.RegionLocationMaxY1) = corners
        ds.SequenceOfUltrasoundRegions = [region]
    return ds


@pytest.fixture
def headers():
    return {"CT": _header(512, 512, [0.5, 0.5]), "CR": _header(100, 80, [0, 0]), "NM": _header(100, 40, [1.5, 2.0]),
            "US echo": _header(480, 640, region_cm=(0.04, 0.05), corners=(20, 10, 519, 409)),
            "US Doppler": _header(200, 300)}


def test_field_of_view(headers):
    right = {"CT": (256.0, 256.0), "CR": None, "NM": (150.0, 80.0), "US echo": (160.0, 250.0), "US Doppler": None}
    assert _verdict("02-field-of-view", fov=None, headers=headers).status == "unanswered"
    assert _verdict("02-field-of-view", fov=right, headers=headers)
    assert "no entry for ['US Doppler']" in _wrong("02-field-of-view", fov={k: v for k, v in right.items()
                                                                            if k != "US Doppler"}, headers=headers)
    zero_spacing = _wrong("02-field-of-view", fov={**right, "CR": (0.0, 0.0)}, headers=headers)
    assert "fov['CR']" in zero_spacing and "usable" in zero_spacing
    assert "order is (height, width)" in _wrong("02-field-of-view", hidden=[150.0, 80.0],
                                                fov={**right, "NM": (80.0, 150.0)}, headers=headers)
    assert "in cm" in _wrong("02-field-of-view", hidden=[160.0, 250.0], fov={**right, "US echo": (16.0, 25.0)},
                             headers=headers)
    whole_screen = _wrong("02-field-of-view", hidden=[160.0, 250.0], fov={**right, "US echo": (192.0, 320.0)},
                          headers=headers)
    assert "only inside the region" in whole_screen
    # the corners are both included: 400 x 500 pixels, not 399 x 499 (within the checker's 1 % tolerance either way)
    assert _verdict("02-field-of-view", fov={**right, "US echo": (159.6, 249.5)}, headers=headers)
    assert "width is off" in _wrong("02-field-of-view", hidden=[80.0], fov={**right, "NM": (150.0, 60.0)},
                                    headers=headers)
    assert "pair of numbers" in _wrong("02-field-of-view", fov={**right, "CT": "256 mm"}, headers=headers)
    assert "should be (height_mm, width_mm)" in _wrong("02-field-of-view", fov={**right, "CT": None},
                                                       headers=headers)


def test_field_of_view_follows_the_headers(headers):
    right = {"CT": (256.0, 256.0), "CR": None, "NM": (150.0, 80.0), "US echo": (160.0, 250.0), "US Doppler": None}
    headers["CT"].PixelSpacing = [0.25, 0.25]
    assert _verdict("02-field-of-view", fov=right, headers=headers).status == "wrong"
    assert _verdict("02-field-of-view", fov={**right, "CT": (128, 128)}, headers=headers)
    headers["US echo"].SequenceOfUltrasoundRegions[0].RegionLocationMaxX1 = 269  # a narrower region
    assert _verdict("02-field-of-view", fov={**right, "CT": (128, 128)}, headers=headers).status == "wrong"
    assert _verdict("02-field-of-view", fov={**right, "CT": (128, 128), "US echo": (160.0, 125.0)}, headers=headers)


# --- 02-padding ------------------------------------------------------------------------------------------------
@pytest.fixture
def ct_head_ds(tmp_path):
    """A small CT-like file: a disc of stored values in a square of padding, slope 1, intercept -1024."""
    y, x = np.mgrid[:64, :64]
    image = np.where((y - 31.5) ** 2 + (x - 31.5) ** 2 < 32**2, 1000, -2000).astype(np.int16)
    hd.write(tmp_path / "ct.dcm", image, modality="CT")
    ds = hd.read(tmp_path / "ct.dcm")
    ds.PixelPaddingValue, ds.RescaleSlope, ds.RescaleIntercept = -2000, 1, -1024
    return ds


def test_padding(ct_head_ds):
    fraction = float(np.mean(hd.pixels(ct_head_ds) == -2000))
    context = {"ct_head_ds": ct_head_ds}
    assert _verdict("02-padding", pad_hu=None, outside_fraction=None, **context).status == "unanswered"
    assert "stored value" in _wrong("02-padding", hidden=[-3024], pad_hu=-2000, outside_fraction=fraction,
                                    **context)
    assert "sign" in _wrong("02-padding", hidden=[-3024], pad_hu=3024.0, outside_fraction=fraction, **context)
    assert "percentage" in _wrong("02-padding", pad_hu=-3024.0, outside_fraction=100 * fraction, **context)
    assert "inside the circle" in _wrong("02-padding", pad_hu=-3024.0, outside_fraction=1 - fraction, **context)
    assert "geometric" in _wrong("02-padding", hidden=[fraction], pad_hu=-3024.0, outside_fraction=1 - np.pi / 4,
                                 **context)
    assert _verdict("02-padding", pad_hu=-3024.0, outside_fraction=np.float64(fraction), **context)
    ct_head_ds.RescaleIntercept = -1000  # another file: the checker follows its header
    assert _verdict("02-padding", pad_hu=-3024.0, outside_fraction=fraction, **context).status == "wrong"


# --- 02-window-linear ------------------------------------------------------------------------------------------
def _simple(x, c, w):
    return np.clip((x - (c - w / 2)) / w, 0, 1)


def _linear(x, c, w):
    inside = (x - (c - 0.5)) / (w - 1) + 0.5
    return np.where(x <= c - 0.5 - (w - 1) / 2, 0.0, np.where(x > c - 0.5 + (w - 1) / 2, 1.0, inside))


def test_window_linear(rng):
    ct = rng.normal(40, 300, size=(32, 32)).astype(np.float32)
    largest = float(np.abs(_linear(ct, 50, 400) - _simple(ct, 50, 400)).max())
    context = {"ct": ct}
    assert _verdict("02-window-linear", window_dicom=_simple, largest_difference=None, **context).status \
        == "unanswered"
    assert "does not follow LINEAR" in _wrong("02-window-linear", window_dicom=_simple, largest_difference=0.0,
                                              **context)
    assert "should be a function" in _wrong("02-window-linear", window_dicom=0.5, largest_difference=largest,
                                            **context)
    assert "far too large" in _wrong("02-window-linear", hidden=[largest], window_dicom=_linear,
                                     largest_difference=400 * largest, **context)
    assert _verdict("02-window-linear", window_dicom=_linear, largest_difference=largest, **context)


# --- 02-duplicate-frames ---------------------------------------------------------------------------------------
def test_duplicate_frames(rng):
    ybr = rng.integers(0, 256, size=(12, 4, 5, 3), dtype=np.uint8)
    ybr[5], ybr[9] = ybr[4], ybr[8]
    ybr[7, ..., 1:] = ybr[6, ..., 1:]  # same colour channels, another Y: not a repeat
    echo = Dataset()
    echo.NumberOfFrames, echo.FrameTime = 12, 100.0  # 1.2 s, 10 frames per second
    context = {"ybr": ybr, "echo": echo}
    new_rate = 10 / 1.2
    assert _verdict("02-duplicate-frames", duplicates=None, new_per_second=None, **context).status == "unanswered"
    assert "off by one" in _wrong("02-duplicate-frames", duplicates=[4, 8], new_per_second=new_rate, **context)
    assert "too many" in _wrong("02-duplicate-frames", duplicates=[5, 7, 9], new_per_second=new_rate, **context)
    assert "header's frame rate" in _wrong("02-duplicate-frames", hidden=[new_rate], duplicates=[5, 9],
                                           new_per_second=10.0, **context)
    assert "list of frame indices" in _wrong("02-duplicate-frames", duplicates=5, new_per_second=new_rate,
                                             **context)
    assert _verdict("02-duplicate-frames", duplicates=np.array([9, 5]), new_per_second=new_rate, **context)


# --- 02-echo-ratio ---------------------------------------------------------------------------------------------
def test_echo_ratio():
    echo = Dataset()
    echo.Rows, echo.Columns, echo.NumberOfFrames, echo.SamplesPerPixel, echo.BitsAllocated = 8, 10, 6, 3, 8
    echo.PixelData = bytes(72)  # 1440 decoded bytes in 72 stored: 20:1
    assert _verdict("02-echo-ratio", echo_ratio=None, echo=echo).status == "unanswered"
    assert "divide decoded by stored" in _wrong("02-echo-ratio", hidden=[20.0], echo_ratio=1 / 20, echo=echo)
    assert "too low" in _wrong("02-echo-ratio", hidden=[20.0], echo_ratio=6.7, echo=echo)
    assert _verdict("02-echo-ratio", echo_ratio=20.0, echo=echo)


# --- 02-series-gap ---------------------------------------------------------------------------------------------
@pytest.fixture
def series(tmp_path, rng):
    """A 6-slice series 3 mm apart, its Volume, and a copy of it without slice 2."""
    full, gap_dir = tmp_path / "full", tmp_path / "gap"
    full.mkdir(), gap_dir.mkdir()
    stack = rng.integers(0, 4000, size=(6, 8, 9), dtype=np.uint16)
    for k in rng.permutation(6):
        hd.write(full / f"IM{k:03d}", stack[k], modality="MR", spacing_mm=(1.0, 1.0), study_uid="1.2.3",
                 series_uid="1.2.3.4", position_mm=(0.0, 0.0, 3.0 * k), orientation=(1, 0, 0, 0, 1, 0))
    vol = hd.load_series(full, rescale=False)
    for f in vol.files[:2] + vol.files[3:]:
        shutil.copy(f, gap_dir)
    return vol, gap_dir


def test_series_gap(series):
    vol, gap_dir = series
    context = {"vol": vol, "gap_dir": gap_dir}
    with pytest.warns(hd.SeriesWarning):
        short = hd.load_series(gap_dir)
    with pytest.warns(hd.SeriesWarning):
        zero_filled = hd.load_series(gap_dir, fill_gaps=0)
    with pytest.warns(hd.SeriesWarning):
        right = hd.load_series(gap_dir, fill_gaps=np.nan)
    assert _verdict("02-series-gap", vol_gap=None, **context).status == "unanswered"
    assert "no slice where the file is missing" in _wrong("02-series-gap", vol_gap=short, **context)
    assert "NaN" in _wrong("02-series-gap", vol_gap=zero_filled, **context)
    assert "a Volume" in _wrong("02-series-gap", vol_gap=right.array, **context)
    assert _verdict("02-series-gap", vol_gap=right, **context)


# --- 02-burned-in ----------------------------------------------------------------------------------------------
def test_burned_in(rng):
    us_pixels = rng.integers(1, 256, size=(130, 40, 3), dtype=np.uint8)
    masked = us_pixels.copy()
    masked[:100] = 0
    context = {"us_pixels": us_pixels}
    assert _verdict("02-burned-in", masked_back=None, **context).status == "unanswered"
    assert "not all black" in _wrong("02-burned-in", masked_back=us_pixels, **context)
    too_much = masked.copy()
    too_much[:110] = 0
    assert "rows from 100 on changed" in _wrong("02-burned-in", masked_back=too_much, **context)
    assert "shape" in _wrong("02-burned-in", masked_back=masked[..., 0], **context)
    assert _verdict("02-burned-in", masked_back=masked, **context)


# --- 02-multiframe-write ---------------------------------------------------------------------------------------
def test_multiframe_write(rng, tmp_path):
    luma = rng.integers(0, 256, size=(12, 6, 7), dtype=np.uint8)
    written = hd.write(tmp_path / "frames.dcm", luma[:10], modality="US")
    name = written.SOPClassUID.name
    context = {"luma": luma}
    assert _verdict("02-multiframe-write", frames_back=None, sop_name=None, **context).status == "unanswered"
    assert "shape" in _wrong("02-multiframe-write", frames_back=luma, sop_name=name, **context)
    assert "UID itself" in _wrong("02-multiframe-write", frames_back=luma[:10], sop_name=str(written.SOPClassUID),
                                  **context)
    single = _wrong("02-multiframe-write", hidden=[name], frames_back=luma[:10],
                    sop_name="Secondary Capture Image Storage", **context)
    assert "single frame" in single
    assert _verdict("02-multiframe-write", frames_back=hd.pixels(hd.read(tmp_path / "frames.dcm")), sop_name=name,
                    **context)


# --- 02-origin-voxel -------------------------------------------------------------------------------------------
def test_origin_voxel():
    affine = np.array([[-2.0, 0, 0, 40.3], [0, 2.0, 0, -12.0], [0, 0, 2.5, -7.6], [0, 0, 0, 1]])
    img = nib.Nifti1Image(np.zeros((30, 20, 10), dtype=np.float32), affine)
    right = (20, 6, 3)  # (40.3 / 2, 12 / 2, 7.6 / 2.5) rounded
    context = {"img": img}
    assert _verdict("02-origin-voxel", origin_voxel=None, **context).status == "unanswered"
    assert "round each index" in _wrong("02-origin-voxel", origin_voxel=(20.15, 6.0, 3.04), **context)
    assert "reverse order" in _wrong("02-origin-voxel", hidden=[right], origin_voxel=right[::-1], **context)
    assert "one voxel off" in _wrong("02-origin-voxel", origin_voxel=(21, 6, 3), **context)
    assert "inverse of img.affine" in _wrong("02-origin-voxel", origin_voxel=(0, 0, 0), **context)
    assert "tuple of 3" in _wrong("02-origin-voxel", origin_voxel=(20, 6), **context)
    assert _verdict("02-origin-voxel", origin_voxel=right, **context)
    assert _verdict("02-origin-voxel", origin_voxel=np.array(right), **context)
