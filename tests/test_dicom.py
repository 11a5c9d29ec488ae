"""Tests of helpers.dicom on real files from pydicom and pydicom-data, and on series built from them."""

from __future__ import annotations

import copy
import importlib
import random
import re
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixels import apply_modality_lut, apply_voi_lut, apply_windowing, get_decoder
from pydicom.sequence import Sequence
from pydicom.uid import UID, generate_uid

from helpers import dicom as hd
from helpers.dicom import deid


def tf(name: str) -> str:
    """Path of a real test file shipped by pydicom or pydicom-data (never downloaded)."""
    path = get_testdata_file(name, download=False)
    assert path is not None, f"{name} missing: pydicom-data not installed?"
    return path


@pytest.fixture(autouse=True)
def _quiet_pydicom_value_warnings():
    # pydicom warns about odd values in some third-party test files; not what these tests check.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Invalid value for VR", category=UserWarning)
        warnings.filterwarnings("ignore", message="The value length", category=UserWarning)
        yield


# ------------------------------------------------------------------------------------------------
# read / pixels
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "modality", "shape"),
    [
        ("CT_small.dcm", "CT", (128, 128)),
        ("MR_small.dcm", "MR", (64, 64)),
        ("RG3_J2KR.dcm", "CR", (1760, 1760)),
        ("US1_J2KR.dcm", "US", (480, 640, 3)),
        ("OBXXXX1A_rle.dcm", "US", (600, 800)),
        ("JPEG2000.dcm", "NM", (1024, 256)),
        ("emri_small.dcm", "MR", (10, 64, 64)),
        ("eCT_Supplemental.dcm", "CT", (2, 512, 512)),
    ],
)
def test_read_and_pixels_across_modalities(name, modality, shape):
    ds = hd.read(tf(name))
    arr = hd.pixels(ds)
    assert ds.Modality == modality
    assert arr.shape == shape
    signed = int(ds.PixelRepresentation) == 1
    assert arr.dtype.kind == ("i" if signed else "u")
    assert arr.dtype.itemsize * 8 == ds.BitsAllocated


@pytest.mark.parametrize(
    ("reference", "other"),
    [
        ("MR_small.dcm", "MR_small_implicit.dcm"),  # Implicit VR Little Endian
        ("MR_small.dcm", "MR_small_bigendian.dcm"),  # Explicit VR Big Endian
        ("MR_small.dcm", "MR_small_RLE.dcm"),  # RLE Lossless
        ("MR_small.dcm", "MR_small_jp2klossless.dcm"),  # JPEG 2000 Lossless
        ("MR_small.dcm", "MR_small_jpeg_ls_lossless.dcm"),  # JPEG-LS Lossless
        ("emri_small.dcm", "emri_small_RLE.dcm"),
        ("emri_small.dcm", "emri_small_big_endian.dcm"),
        ("emri_small.dcm", "emri_small_jpeg_2k_lossless.dcm"),
        ("emri_small.dcm", "emri_small_jpeg_ls_lossless.dcm"),
        ("US1_UNCR.dcm", "US1_J2KR.dcm"),  # colour JPEG 2000 (YBR_RCT) -> RGB
        ("OBXXXX1A.dcm", "OBXXXX1A_expb.dcm"),
        ("JPEG2000_UNC.dcm", "JPEG2000.dcm"),
    ],
)
def test_lossless_transfer_syntaxes_decode_to_identical_pixels(reference, other):
    ds = hd.read(tf(other))
    assert hd.summary(ds)["TransferSyntaxUID"] != hd.summary(hd.read(tf(reference)))["TransferSyntaxUID"]
    np.testing.assert_array_equal(hd.pixels(ds), hd.pixels(hd.read(tf(reference))))


@pytest.mark.parametrize(
    ("reference", "lossy", "max_mean_abs"),
    [("SC_rgb.dcm", "SC_rgb_jpeg_dcmtk.dcm", 2.0), ("JPEG2000_UNC.dcm", "JPGExtended.dcm", 10.0)],
)
def test_lossy_jpeg_is_close_but_not_identical(reference, lossy, max_mean_abs):
    ref = hd.pixels(hd.read(tf(reference))).astype(np.float64)
    out = hd.pixels(hd.read(tf(lossy))).astype(np.float64)
    diff = np.abs(ref - out)
    assert 0 < diff.mean() < max_mean_abs


def test_read_rejects_non_dicom_with_advice(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not an image\n" * 20)
    with pytest.raises(hd.NotDicomError, match=r"no DICM prefix.*force=True"):
        hd.read(path)
    with pytest.raises(hd.NotDicomError, match="force=True could not parse"):
        hd.read(path, force=True)
    short = tmp_path / "short.dcm"
    short.write_bytes(b"\x00" * 100)
    with pytest.raises(hd.NotDicomError, match="too short"):
        hd.read(short)
    with pytest.raises(FileNotFoundError):
        hd.read(tmp_path / "missing.dcm")


def test_force_reads_a_file_without_preamble():
    path = tf("ExplVR_LitEndNoMeta.dcm")
    with pytest.raises(hd.NotDicomError):
        hd.read(path)
    ds = hd.read(path, force=True)  # an RT plan written without preamble and file meta
    assert ds.Modality == "RTPLAN" and ds.SOPClassUID.name == "RT Ion Plan Storage"


def test_read_detects_truncation(tmp_path):
    with pytest.raises(hd.TruncatedDicomError, match="PixelData declares 8192 bytes"):
        hd.read(tf("MR_truncated.dcm"))
    with pytest.raises(hd.TruncatedDicomError, match="delimiter"):
        hd.read(tf("emri_small_jpeg_2k_lossless_too_short.dcm"))
    raw = open(tf("CT_small.dcm"), "rb").read()
    for cut in (410, 5000, len(raw) - 100, len(raw) - 3):  # inside elements (a cut between two is undetectable)
        path = tmp_path / f"cut{cut}.dcm"
        path.write_bytes(raw[:cut])
        with pytest.raises(hd.TruncatedDicomError):
            hd.read(path)
    whole = tmp_path / "whole.dcm"
    whole.write_bytes(raw)
    assert hd.pixels(hd.read(whole)).shape == (128, 128)


def test_pixels_without_pixel_data(tmp_path):
    with pytest.raises(hd.NoPixelDataError, match="RT Plan Storage"):
        hd.pixels(hd.read(tf("rtplan.dcm")))
    # Cut exactly before (7FE0,0010): the header is whole, the image is gone.
    raw = open(tf("CT_small.dcm"), "rb").read()
    path = tmp_path / "no_pixels.dcm"
    path.write_bytes(raw[: raw.rfind(b"\xe0\x7f\x10\x00")])
    ds = hd.read(path)
    with pytest.raises(hd.NoPixelDataError, match="truncated before its pixel data"):
        hd.pixels(ds)
    with pytest.raises(TypeError, match="read"):
        hd.pixels(tf("CT_small.dcm"))


@pytest.mark.parametrize("name", ["emri_small.dcm", "emri_small_jpeg_2k_lossless.dcm", "emri_small_RLE.dcm"])
def test_pixels_decodes_one_frame(name):
    ds = hd.read(tf(name))
    every = hd.pixels(ds)
    for k in (0, 4, 9):
        np.testing.assert_array_equal(hd.pixels(ds, frame=k), every[k])
    assert hd.pixels(ds, frame=np.int64(2)).shape == (64, 64)


@pytest.mark.parametrize(("name", "frame"), [("SC_rgb_jpeg_dcmtk.dcm", None), ("color3d_jpeg_baseline.dcm", 7),
                                             ("SC_ybr_full_422_uncompressed.dcm", None)])
def test_pixels_raw_keeps_ycbcr_and_converts_like_pydicom(name, frame):
    from pydicom.pixels import convert_color_space

    ds = hd.read(tf(name))
    assert ds.PhotometricInterpretation.startswith("YBR_FULL")
    ybr = hd.pixels(ds, frame=frame, raw=True)
    rgb = hd.pixels(ds, frame=frame)
    assert ybr.shape == rgb.shape and ybr.dtype == rgb.dtype == np.uint8
    assert not np.array_equal(ybr, rgb)
    np.testing.assert_array_equal(convert_color_space(ybr, "YBR_FULL", "RGB"), rgb)
    # Channel 0 is the luminance Y = 0.299 R + 0.587 G + 0.114 B (PS3.3 C.7.6.3.1.2); colours outside the RGB
    # gamut were clipped by the conversion, so a few pixels differ more than rounding.
    luma = rgb.astype(np.float64) @ [0.299, 0.587, 0.114]
    diff = np.abs(ybr[..., 0] - luma)
    assert np.mean(diff <= 1.0) >= 0.95 and diff.mean() < 0.5


def test_pixels_raw_is_a_no_op_for_grayscale_and_rgb():
    for name in ("CT_small.dcm", "SC_rgb_dcmtk_ebcr_dcmd.dcm"):
        ds = hd.read(tf(name))
        np.testing.assert_array_equal(hd.pixels(ds, raw=True), hd.pixels(ds))
    ds = hd.read(tf("CT_small.dcm"))
    np.testing.assert_array_equal(hd.pixels(ds, frame=0), hd.pixels(ds))


def test_pixels_frame_errors_and_missing_transfer_syntax():
    emri = hd.read(tf("emri_small.dcm"))
    for bad in (10, -1, True, 1.0):
        with pytest.raises(IndexError, match=r"0\.\.9 \(the dataset has 10 frame"):
            hd.pixels(emri, frame=bad)
    with pytest.raises(IndexError, match="1 frame"):
        hd.pixels(hd.read(tf("CT_small.dcm")), frame=1)
    ds = hd.read(tf("CT_small.dcm"))
    expected = hd.pixels(ds)
    del ds.file_meta.TransferSyntaxUID  # frame/raw fall back on the encoding the file was read with
    np.testing.assert_array_equal(hd.pixels(ds, frame=0), expected)


@pytest.mark.parametrize(
    ("name", "package"),
    [
        ("MR_small_jp2klossless.dcm", "pylibjpeg-openjpeg"),
        ("SC_rgb_jpeg_dcmtk.dcm", "pillow"),
        ("MR_small_jpeg_ls_lossless.dcm", "pylibjpeg-libjpeg"),
        ("SC_rgb_jpeg_gdcm.dcm", "pylibjpeg-libjpeg"),
        ("MR_small_RLE.dcm", "pylibjpeg-rle"),
    ],
)
def test_missing_decoder_names_the_package(monkeypatch, name, package):
    ds = hd.read(tf(name))
    uid = ds.file_meta.TransferSyntaxUID
    monkeypatch.setattr(get_decoder(uid), "_available", {})  # as if no plugin were installed
    with pytest.raises(hd.MissingDecoderError, match=f"pip install .*{package}") as info:
        hd.pixels(ds)
    assert info.value.transfer_syntax == uid
    assert any(package in p for p in info.value.packages)
    table = hd.decoders_table([tf(name)])
    assert not table.loc[0, "decoded"] and package in table.loc[0, "install"]


def test_decoders_table_covers_the_transfer_syntaxes():
    table = hd.decoders_table()
    expected = {
        "1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99",
        "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.70",
        "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.90",
        "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.5",
    }
    assert set(table["uid"]) == expected
    assert table["decoded"].all(), table[~table["decoded"]]
    compressed = table[table["compressed"]]
    assert (compressed["plugins"] != "").all()
    assert set(table.columns) >= {"file", "transfer_syntax", "plugins", "missing", "install", "shape"}


# ------------------------------------------------------------------------------------------------
# bytes first
# ------------------------------------------------------------------------------------------------
def test_hexdump_shows_preamble_and_dicm():
    text = hd.hexdump(tf("CT_small.dcm"), 160)
    lines = text.splitlines()
    assert len(lines) == 10
    assert lines[0].startswith("00000000  ")
    assert lines[8].startswith("00000080  44 49 43 4d") and "|DICM" in lines[8]
    assert hd.hexdump(b"ab\x00", 3) == "00000000  " + "61 62 00".ljust(47) + "  |ab.|"
    with pytest.raises(ValueError, match="n must be"):
        hd.hexdump(b"abc", 0)


@pytest.mark.parametrize("name", ["CT_small.dcm", "emri_small.dcm", "US1_J2KR.dcm", "MR_small_bigendian.dcm"])
def test_preamble_info_matches_pydicom_file_meta(name):
    info = hd.preamble_info(tf(name))
    meta = pydicom.dcmread(tf(name), stop_before_pixels=True).file_meta
    assert info["prefix"] == b"DICM"
    assert [m["keyword"] for m in info["meta"]] == [e.keyword for e in meta]
    for m in info["meta"]:
        if m["vr"] == "UI":
            assert m["value"] == meta[m["keyword"]].value
    assert info["meta"][0]["keyword"] == "FileMetaInformationGroupLength"
    assert info["dataset_offset"] == 132 + 12 + info["meta"][0]["value"]
    assert info["transfer_syntax"] == meta.TransferSyntaxUID


def test_preamble_info_errors(tmp_path):
    raw = open(tf("CT_small.dcm"), "rb").read()
    (tmp_path / "cut.dcm").write_bytes(raw[:200])
    with pytest.raises(hd.TruncatedDicomError, match="file meta"):
        hd.preamble_info(tmp_path / "cut.dcm")
    with pytest.raises(hd.NotDicomError):
        hd.preamble_info(tf("no_meta.dcm"))


# ------------------------------------------------------------------------------------------------
# summary
# ------------------------------------------------------------------------------------------------
def test_summary_reports_pixel_module_and_acquisition():
    ds = hd.read(tf("CT_small.dcm"))
    s = hd.summary(ds)
    for key in ("BitsAllocated", "BitsStored", "HighBit", "PixelRepresentation", "SamplesPerPixel"):
        assert s[key] == int(ds[key].value)
    assert s["PhotometricInterpretation"] == "MONOCHROME2"
    assert s["PixelSpacing"] == [float(v) for v in ds.PixelSpacing]
    assert s["TransferSyntaxName"] == "Explicit VR Little Endian"
    assert s["NumberOfFrames"] == 1 and s["Modality"] == "CT" and s["KVP"] == float(ds.KVP)
    assert s["ContrastBolusAgent"] == ds.ContrastBolusAgent
    assert s["DecodedPixelBytes"] == 128 * 128 * 2 == s["StoredPixelBytes"]
    assert s["MagneticFieldStrength"] is None


def test_summary_compressed_and_enhanced():
    s = hd.summary(hd.read(tf("RG3_J2KR.dcm")))
    assert s["StoredPixelBytes"] < s["DecodedPixelBytes"] == 1760 * 1760 * 2
    assert s["TransferSyntaxUID"] == "1.2.840.10008.1.2.4.90"
    ect = hd.read(tf("eCT_Supplemental.dcm"))
    s = hd.summary(ect)  # spacing and rescale live in the functional groups
    measures = ect.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0]
    assert s["PixelSpacing"] == [float(v) for v in measures.PixelSpacing]
    assert s["RescaleIntercept"] == -1024.0 and s["NumberOfFrames"] == 2


def test_summary_table_side_by_side():
    names = ["CT_small.dcm", "MR_small.dcm", "RG3_J2KR.dcm", "US1_J2KR.dcm", "JPEG2000.dcm", "emri_small.dcm"]
    table = hd.summary_table([tf(n) for n in names])
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == names
    assert table.loc["Modality"].tolist() == ["CT", "MR", "CR", "US", "NM", "MR"]
    assert table.loc["SamplesPerPixel"].tolist() == [1, 1, 1, 3, 1, 1]
    assert "Columns" in table.index and not table.isna().all(axis=1).any()
    named = hd.summary_table({"ct": hd.read(tf("CT_small.dcm"))})
    assert list(named.columns) == ["ct"]
    with pytest.raises(ValueError, match="empty"):
        hd.summary_table([])
    with pytest.raises(ValueError, match="names has 1"):
        hd.summary_table([tf("CT_small.dcm"), tf("MR_small.dcm")], names=["a"])


# ------------------------------------------------------------------------------------------------
# Modality LUT and VOI
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm", "mlut_18.dcm", "693_UNCR.dcm", "JPEG2000.dcm"])
def test_to_modality_units_matches_pydicom(name):
    ds = hd.read(tf(name))
    arr = hd.pixels(ds)
    ours, theirs = hd.to_modality_units(arr, ds), apply_modality_lut(arr, ds)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_ct_values_are_hounsfield_units():
    ds = hd.read(tf("CT_small.dcm"))
    hu = hd.to_modality_units(hd.pixels(ds), ds)
    assert hu.dtype == np.float64
    np.testing.assert_array_equal(hu, hd.pixels(ds) * float(ds.RescaleSlope) + float(ds.RescaleIntercept))


def test_enhanced_per_frame_rescale():
    ds = hd.read(tf("eCT_Supplemental.dcm"))
    arr = hd.pixels(ds)
    np.testing.assert_array_equal(hd.to_modality_units(arr, ds), arr - 1024.0)
    ds = copy.deepcopy(ds)
    # Give frame 1 its own rescale, as scanners may; apply_modality_lut ignores functional groups.
    for i, (slope, intercept) in enumerate([(1.0, -1024.0), (2.0, -1000.0)]):
        item = Dataset()
        item.RescaleSlope, item.RescaleIntercept, item.RescaleType = slope, intercept, "HU"
        ds.PerFrameFunctionalGroupsSequence[i].PixelValueTransformationSequence = Sequence([item])
    del ds.SharedFunctionalGroupsSequence[0].PixelValueTransformationSequence
    out = hd.to_modality_units(arr, ds)
    np.testing.assert_array_equal(out[0], arr[0] - 1024.0)
    np.testing.assert_array_equal(out[1], arr[1] * 2.0 - 1000.0)
    np.testing.assert_array_equal(hd.to_modality_units(arr[1], ds, frame=1), out[1])
    with pytest.raises(ValueError, match="frame="):
        hd.to_modality_units(arr[1], ds)


@pytest.mark.parametrize("name", ["MR_small.dcm", "vlut_04.dcm", "RG3_UNCR.dcm"])
def test_apply_voi_matches_pydicom_order(name):
    ds = hd.read(tf(name))
    arr = hd.pixels(ds)[::4, ::4]  # every 4th pixel keeps the 1760 x 1760 CR fast
    expected = apply_voi_lut(apply_modality_lut(arr, ds), ds)
    np.testing.assert_allclose(hd.apply_voi(arr, ds, out_range=None), expected)
    shown = hd.apply_voi(arr, ds)
    assert shown.min() >= 0 and shown.max() <= 1 and shown.max() > shown.min()


@pytest.mark.parametrize("function", ["LINEAR", "LINEAR_EXACT", "SIGMOID"])
@pytest.mark.parametrize("preset", ["brain", "lung", "bone", "stroke"])
def test_apply_window_matches_pydicom_on_real_ct(function, preset):
    ds = copy.deepcopy(hd.read(tf("CT_small.dcm")))
    ds.WindowCenter, ds.WindowWidth = hd.CT_WINDOW_PRESETS[preset][:2]
    ds.VOILUTFunction = function
    hu = hd.to_modality_units(hd.pixels(ds), ds)
    expected = apply_windowing(hu, ds)  # pydicom: output range = stored range after rescale
    y_range = (-(2**15) - 1024.0, 2**15 - 1 - 1024.0)
    ours = hd.apply_window(hu, center=ds.WindowCenter, width=ds.WindowWidth, function=function, out_range=y_range)
    np.testing.assert_allclose(ours, expected)
    np.testing.assert_allclose(hd.apply_voi(hd.pixels(ds), ds, out_range=None), expected)


def test_apply_window_linear_follows_ps33_formula():
    # PS3.3 C.11.2.1.2.1 with c = 40, w = 80: black at x <= 0, white at x > 79, mid-grey at 39.5.
    x = np.array([-1000, 0, 0.01, 39.5, 79, 79.01, 1000])
    y = hd.apply_window(x, center=40, width=80)
    np.testing.assert_allclose(y, [0, 0, 0.01 / 79, 0.5, 1, 1, 1])
    exact = hd.apply_window(np.array([0, 40, 80, 80.01]), center=40, width=80, function="linear_exact")
    np.testing.assert_allclose(exact, [0, 0.5, 1, 1])
    assert hd.window_bounds(40, 80) == (0.0, 79.0)
    assert hd.window_bounds(40, 80, function="LINEAR_EXACT") == (0.0, 80.0)
    grey = hd.apply_window(np.linspace(-200, 200, 401), center=40, width=80, out_range=(0, 255))
    assert np.all(np.diff(grey) >= 0) and grey[0] == 0 and grey[-1] == 255


@pytest.mark.parametrize("preset", ["brain", "soft tissue", "lung", "bone", "stroke"])
def test_linear_exact_is_the_notebooks_one_line_window(preset):
    """notebooks/02_dicom shows the window as np.clip((x - (L - W/2)) / W, 0, 1): it is LINEAR_EXACT and viz's range."""
    from helpers import viz

    center, width, _ = hd.CT_WINDOW_PRESETS[preset]
    hu = hd.to_modality_units(hd.pixels(hd.read(tf("CT_small.dcm"))), hd.read(tf("CT_small.dcm")))
    one_line = np.clip((hu - (center - width / 2)) / width, 0, 1)
    np.testing.assert_allclose(hd.apply_window(hu, center=center, width=width, function="LINEAR_EXACT"), one_line)
    assert hd.window_bounds(center, width, function="LINEAR_EXACT") == viz.window_to_range(center, width)
    linear = hd.apply_window(hu, center=center, width=width)  # the DICOM default differs by about one unit
    assert np.abs(linear - one_line).max() <= 1.0 / (width - 1) + 1e-12


def test_window_validation_errors():
    with pytest.raises(ValueError, match="Window Width must be >= 1"):
        hd.apply_window(np.zeros(3), center=0, width=0.5)
    with pytest.raises(ValueError, match="> 0 for SIGMOID"):
        hd.apply_window(np.zeros(3), center=0, width=0, function="SIGMOID")
    with pytest.raises(ValueError, match="function must be one of"):
        hd.apply_window(np.zeros(3), center=0, width=10, function="GAMMA")
    with pytest.raises(ValueError, match="out_range"):
        hd.apply_window(np.zeros(3), center=0, width=10, out_range=(0,))
    with pytest.raises(TypeError, match="numeric"):
        hd.apply_window(np.array(["a"]), center=0, width=10)
    with pytest.raises(ValueError, match="no hard bounds"):
        hd.window_bounds(0, 10, function="SIGMOID")


def test_apply_voi_refuses_colour_and_warns_without_window():
    ds = copy.deepcopy(hd.read(tf("SC_rgb.dcm")))
    arr = hd.pixels(ds)
    with pytest.warns(UserWarning, match="no VOI LUT or window"):
        out = hd.apply_voi(arr, ds)
    np.testing.assert_array_equal(out, arr)
    ds.WindowCenter, ds.WindowWidth = 128, 256
    with pytest.raises(ValueError, match="MONOCHROME1/2"):
        hd.apply_voi(arr, ds)


def test_ct_window_presets_are_cited_data():
    required = {"brain", "subdural", "stroke", "lung", "mediastinum", "soft tissue", "bone"}
    assert required <= set(hd.CT_WINDOW_PRESETS)
    assert hd.CT_WINDOW_PRESETS["brain"][:2] == (40, 80)
    assert hd.CT_WINDOW_PRESETS["stroke"][:2] == (32, 8)
    assert hd.CT_WINDOW_PRESETS["lung"].center < 0
    bibliography = (Path(__file__).resolve().parents[1] / "REFERENCES.md").read_text(encoding="utf-8")
    for name, preset in hd.CT_WINDOW_PRESETS.items():
        cited = [url.rstrip(".,;:)") for url in re.findall(r"https://\S+", preset.source)]
        assert preset.width >= 1 and cited, f"preset {name!r} must cite its source by URL"
        assert all(url in bibliography for url in cited), f"{name!r} cites {cited}, not all in REFERENCES.md"
    with pytest.raises(TypeError):
        hd.CT_WINDOW_PRESETS["brain"] = hd.WindowPreset(0, 1, "x")  # read-only mapping
    # Air (-1000 HU) is black and dense bone (+1000 HU) white in a brain window; the lung window
    # keeps air grey so lung texture shows (air is -1000 HU by the definition of the scale).
    air_bone = np.array([-1000.0, 1000.0])
    brain, lung = hd.CT_WINDOW_PRESETS["brain"], hd.CT_WINDOW_PRESETS["lung"]
    np.testing.assert_allclose(hd.apply_window(air_bone, center=brain.center, width=brain.width), [0, 1])
    air_in_lung = hd.apply_window(air_bone[:1], center=lung.center, width=lung.width)[0]
    assert 0.1 < air_in_lung < 0.5


# ------------------------------------------------------------------------------------------------
# load_series on series built from a real CT slice
# ------------------------------------------------------------------------------------------------
SPACING = 2.5


def _make_series(folder, *, n, uid, skip=(), seed=0, offset=0.0, tag="a", mutate=None):
    """Write n slices derived from CT_small.dcm: shuffled names, scrambled InstanceNumber.

    Slice k sits k * SPACING mm along the normal (+offset) and carries k in its pixel (0, 0)."""
    base = pydicom.dcmread(tf("CT_small.dcm"))
    iop = np.array(base.ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    ipp0 = np.array(base.ImagePositionPatient, dtype=float)
    rng = random.Random(seed)
    order = [k for k in range(n) if k not in skip]
    rng.shuffle(order)
    study = generate_uid()
    for rank, k in enumerate(order):
        ds = copy.deepcopy(base)
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = study, uid, generate_uid()
        ipp = ipp0 + (k * SPACING + offset) * normal
        ds.ImagePositionPatient = [f"{v:.4f}" for v in ipp]
        ds.SliceLocation = f"{k * SPACING + offset:.4f}"
        ds.InstanceNumber = rank + 1  # deliberately unrelated to position
        ds.SeriesDescription = f"series {tag}"
        pix = base.pixel_array.copy()
        pix[0, 0] = k
        ds.PixelData = pix.tobytes()
        if mutate is not None:
            mutate(ds, k)
        ds.save_as(folder / f"IM{rng.randrange(10**6):06d}_{tag}{k}", enforce_file_format=True)
    return normal, ipp0


@pytest.fixture(scope="module")
def series_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("series")
    uid_a, uid_b = generate_uid(), generate_uid()
    normal, ipp0 = _make_series(folder, n=10, uid=uid_a, skip=(6,), tag="a")
    _make_series(folder, n=4, uid=uid_b, seed=1, offset=1.0, tag="b")  # interleaved second series
    (folder / "README.txt").write_text("not a DICOM file")
    return folder, uid_a, uid_b, normal, ipp0


def test_load_series_requires_choice_between_series(series_folder):
    folder, uid_a, uid_b, *_ = series_folder
    with pytest.raises(hd.MixedSeriesError, match="2 series found") as info:
        hd.load_series(folder)
    assert uid_a in str(info.value) and uid_b in str(info.value)
    assert {k: v["n_files"] for k, v in info.value.series.items()} == {uid_a: 9, uid_b: 4}
    with pytest.raises(hd.MixedSeriesError, match="not found"):
        hd.load_series(folder, series_uid="1.2.3")


def test_load_series_sorts_by_position_and_reports_gap(series_folder):
    folder, uid_a, _, normal, ipp0 = series_folder
    with pytest.warns(hd.SeriesWarning) as record:
        vol = hd.load_series(folder, series_uid=uid_a)
    assert vol.shape == (9, 128, 128) and vol.series_uid == uid_a and vol.units == "HU"
    markers = vol.array[:, 0, 0] + 1024  # HU = stored - 1024
    np.testing.assert_array_equal(markers, [0, 1, 2, 3, 4, 5, 7, 8, 9])
    np.testing.assert_allclose(vol.spacing_mm, (SPACING, 0.661468, 0.661468))
    messages = " ".join(str(r.message) for r in record)
    assert "1 missing slice" in messages and "README.txt" in messages
    assert any("missing" in w for w in vol.warnings)
    np.testing.assert_allclose(vol.direction.T @ vol.direction, np.eye(3), atol=1e-6)
    np.testing.assert_allclose(vol.direction[:, 0], normal, atol=1e-6)
    for z in (0, 3, 5):  # before the gap the affine gives each file's own position
        ipp = np.array(pydicom.dcmread(vol.files[z], stop_before_pixels=True).ImagePositionPatient, dtype=float)
        np.testing.assert_allclose(vol.affine @ [z, 0, 0, 1], np.r_[ipp, 1], atol=1e-3)
    np.testing.assert_allclose(vol.origin_mm, ipp0, atol=1e-3)
    assert vol.header.SeriesInstanceUID == uid_a and "PixelData" not in vol.header


def test_load_series_strict_and_fill_gaps(series_folder):
    folder, uid_a, uid_b, *_ = series_folder
    with pytest.raises(hd.SeriesGeometryError, match="missing slice.*strict=True"):
        hd.load_series(folder, series_uid=uid_a, strict=True)
    with pytest.warns(hd.SeriesWarning):
        vol = hd.load_series(folder, series_uid=uid_a, fill_gaps=np.nan)
    assert vol.shape == (10, 128, 128) and vol.array.dtype == np.float32
    assert np.isnan(vol.array[6]).all() and vol.files[6] is None
    np.testing.assert_array_equal(vol.array[[5, 7], 0, 0] + 1024, [5, 7])
    ipp9 = np.array(pydicom.dcmread(vol.files[9], stop_before_pixels=True).ImagePositionPatient, dtype=float)
    np.testing.assert_allclose(vol.affine @ [9, 0, 0, 1], np.r_[ipp9, 1], atol=1e-3)
    with pytest.warns(hd.SeriesWarning, match="README"):
        other = hd.load_series(folder, series_uid=uid_b, rescale=False)
    assert other.shape == (4, 128, 128) and other.array.dtype == np.int16 and other.units == "stored value"
    assert not any("missing" in w for w in other.warnings)


def test_load_series_from_list_of_paths(series_folder):
    folder, uid_a, *_ = series_folder
    files = sorted(p for p in folder.iterdir() if p.name.endswith(("a0", "a1", "a2", "a3")))
    vol = hd.load_series(files)
    assert vol.shape == (4, 128, 128) and vol.warnings == []
    assert [int(v) for v in vol.array[:, 0, 0] + 1024] == [0, 1, 2, 3]


def test_load_series_uneven_gap_and_tilt(tmp_path):
    def shift(ds, k):
        if k == 3:  # 1 mm further than a regular slice would be: an uneven gap
            ds.ImagePositionPatient[2] = float(ds.ImagePositionPatient[2]) + 1.0

    _make_series(tmp_path, n=5, uid=generate_uid(), mutate=shift)
    with pytest.warns(hd.SeriesWarning, match="uneven gap"):
        hd.load_series(tmp_path)
    tilted = tmp_path / "tilt"
    tilted.mkdir()

    def tilt(ds, k):  # each slice also moves 1 mm along y: a tilted gantry
        ds.ImagePositionPatient[1] = float(ds.ImagePositionPatient[1]) + k * 1.0

    _make_series(tilted, n=4, uid=generate_uid(), mutate=tilt)
    with pytest.warns(hd.SeriesWarning, match="gantry tilt"):
        hd.load_series(tilted)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ImageOrientationPatient", [0, 1, 0, 0, 0, -1], "Image Orientation"),
        ("PixelSpacing", [0.5, 0.5], "Pixel Spacing"),
    ],
)
def test_load_series_rejects_inconsistent_slices(tmp_path, field, value, message):
    def change(ds, k):
        if k == 1:
            setattr(ds, field, value)

    _make_series(tmp_path, n=3, uid=generate_uid(), mutate=change)
    with pytest.raises(hd.SeriesGeometryError, match=message):
        hd.load_series(tmp_path)


def test_load_series_rejects_duplicate_positions_and_empty_input(tmp_path):
    def same(ds, k):
        ds.ImagePositionPatient = [0, 0, 0]

    _make_series(tmp_path, n=3, uid=generate_uid(), mutate=same)
    with pytest.raises(hd.SeriesGeometryError, match="share the position"):
        hd.load_series(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(hd.DicomError, match="no files"):
        hd.load_series(empty)
    (empty / "a.txt").write_text("x")
    with pytest.raises(hd.DicomError, match="no DICOM image.*a.txt: not a DICOM file"):
        hd.load_series(empty)


def test_load_series_enhanced_multiframe_uses_per_frame_positions():
    ds = hd.read(tf("eCT_Supplemental.dcm"))
    vol = hd.load_series([tf("eCT_Supplemental.dcm")])
    # Normal = (-1,0,0) x (0,1,0) = (0,0,-1): frame 1 (z = -149) comes before frame 0 (z = -159).
    assert vol.frames == [1, 0]
    assert vol.spacing_mm[0] == pytest.approx(10.0) and vol.units == "HU"
    np.testing.assert_array_equal(vol.array, hd.pixels(ds)[[1, 0]].astype(np.float32) - 1024)
    np.testing.assert_allclose(vol.affine @ [0, 0, 0, 1], [99.5, -301.5, -149.0, 1])
    np.testing.assert_allclose(vol.affine @ [1, 0, 0, 1], [99.5, -301.5, -159.0, 1])


def test_load_series_legacy_multiframe_keeps_frame_order():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        vol = hd.load_series([tf("emri_small.dcm")])
    messages = [str(r.message) for r in record if r.category is hd.SeriesWarning]
    assert messages == vol.warnings and any("file order" in m for m in messages)
    assert vol.shape == (10, 64, 64) and vol.frames == list(range(10))
    assert vol.spacing_mm[0] == pytest.approx(1.2)  # (0018,0088) Spacing Between Slices
    np.testing.assert_array_equal(vol.array, hd.pixels(hd.read(tf("emri_small.dcm"))))


# ------------------------------------------------------------------------------------------------
# deidentify
# ------------------------------------------------------------------------------------------------
_TEXT_VRS = {"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"}
_BINARY_VRS = {"OB", "OW", "OD", "OF", "OL", "OV", "UN"}
_NUMERIC_VRS = {"US", "SS", "UL", "SL", "FL", "FD", "SV", "UV", "AT"}


def _plant_value(vr: str, i: int):
    """An identifying value for element number i, and the bytes to search for (None: numeric)."""
    if vr in _TEXT_VRS:
        text = f"PLANT{i:04d}"
        return text, text.encode()
    if vr == "DA":
        text = f"{1930 + i % 60}{1 + i % 12:02d}{1 + i % 28:02d}"
        return text, text.encode()
    if vr == "TM":
        text = f"{i % 24:02d}{i % 60:02d}11.{i:06d}"
        return text, text.encode()
    if vr == "DT":
        text = f"{1930 + i % 60}0203{i % 24:02d}1111.{i:06d}"
        return text, text.encode()
    if vr == "AS":
        return f"{i % 90 + 5:03d}Y", None  # 4 bytes: too short to search for safely
    if vr in ("DS", "IS"):
        text = f"{987650000 + i}"
        return text, text.encode()
    if vr == "UI":
        text = f"1.2.826.0.1.3680043.9.7777.{i}.99"
        return text, text.encode()
    if vr in _BINARY_VRS:
        data = f"PLANTB{i:04d}".encode()
        return data, data
    if vr in _NUMERIC_VRS:
        return 4242, None
    raise AssertionError(vr)


def _planted_dataset():
    """A dataset with an identifying value in every attribute of the basic profile, nested sequences
    and private tags. Returns the dataset and the list of (tag, bytes or None, value) planted."""
    ds = Dataset()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = pydicom.uid.CTImageStorage
    meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.9.7777.424242.99"
    meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    meta.SourceApplicationEntityTitle = "PLANTAE"
    ds.file_meta = meta
    ds.SOPClassUID = pydicom.uid.CTImageStorage
    planted = [(None, b"PLANTAE", None)]
    for i, key in enumerate(sorted(hd.BASIC_PROFILE)):
        if "x" in key or key.startswith(("(0000,", "(0002,")):
            continue  # repeating groups below; command and file-meta groups are not data set elements
        tag = int(key[1:5] + key[6:10], 16)
        vr = dictionary_VR(tag).split(" or ")[0]
        if vr == "SQ":
            item = Dataset()
            item.PatientName = f"PLANTSQ{i:04d}"
            item.add_new(0x00091010, "LO", "PLANTCREATOR")
            item.add_new(0x00091011, "LO", f"PLANTPRIVSQ{i:04d}")
            ds.add_new(tag, "SQ", Sequence([item]))
            planted += [(tag, f"PLANTSQ{i:04d}".encode(), None), (tag, f"PLANTPRIVSQ{i:04d}".encode(), None)]
            continue
        value, needle = _plant_value(vr, i)
        ds.add_new(tag, vr, value)
        planted.append((tag, needle, value))
    # Repeating groups: curve data (50xx,xxxx), overlay data and comments (60xx,3000/4000).
    ds.add_new(0x50003000, "OB", b"PLANTCURVE")
    ds.add_new(0x60003000, "OB", b"PLANTOVLY0")
    ds.add_new(0x60004000, "LT", "PLANTOVLYC")
    planted += [(0x50003000, b"PLANTCURVE", None), (0x60003000, b"PLANTOVLY0", None), (0x60004000, b"PLANTOVLYC", None)]
    # Private tags at the top level, including a private sequence.
    ds.add_new(0x00090010, "LO", "PLANTCREATOR")
    ds.add_new(0x00091001, "LO", "PLANTPRIV1")
    inner = Dataset()
    inner.PatientName = "PLANTPRIVNESTED"
    ds.add_new(0x00091002, "SQ", Sequence([inner]))
    planted += [(0x00090010, b"PLANTCREATOR", None), (0x00091001, b"PLANTPRIV1", None),
                (0x00091002, b"PLANTPRIVNESTED", None)]
    # A sequence outside the profile (kept) whose nested items carry identifiers two levels down.
    instance = Dataset()
    instance.ReferencedSOPClassUID = pydicom.uid.CTImageStorage
    instance.ReferencedSOPInstanceUID = "1.2.826.0.1.3680043.9.7777.515151.99"
    instance.PatientID = "PLANTNESTEDID"
    series = Dataset()
    series.SeriesInstanceUID = "1.2.826.0.1.3680043.9.7777.616161.99"
    series.ReferencedInstanceSequence = Sequence([instance])
    series.add_new(0x00111010, "LO", "PLANTCREATOR2")
    series.add_new(0x00111001, "LO", "PLANTPRIVDEEP")
    ds.ReferencedSeriesSequence = Sequence([series])
    planted += [(None, b"1.2.826.0.1.3680043.9.7777.515151.99", None), (None, b"PLANTNESTEDID", None),
                (None, b"1.2.826.0.1.3680043.9.7777.616161.99", None), (None, b"PLANTPRIVDEEP", None),
                (None, b"PLANTCREATOR2", None)]
    return ds, planted


def test_deidentify_removes_every_planted_value_from_the_written_file(tmp_path):
    ds, planted = _planted_dataset()
    assert len(planted) > 500
    original = tmp_path / "planted.dcm"
    ds.save_as(original, enforce_file_format=True)
    raw = original.read_bytes()
    needles = [needle for _, needle, _ in planted if needle is not None]
    missing_from_original = [n for n in needles if n not in raw]
    assert missing_from_original == []  # the search can find what was planted
    before = ds.to_json_dict()
    result = hd.deidentify(ds, salt="test-salt")
    assert ds.to_json_dict() == before  # the original is not modified
    out = tmp_path / "deid.dcm"
    result.dataset.save_as(out, enforce_file_format=True)
    deid_raw = out.read_bytes()
    leaked = [n.decode(errors="replace") for n in needles if n in deid_raw]
    assert leaked == []
    back = pydicom.dcmread(out)
    for tag, needle, value in planted:  # numeric values cannot be searched as bytes: check elements
        if needle is None and tag is not None and tag in back:
            assert back[tag].value in (None, "", 0, 0.0, "000Y") and back[tag].value != value
    assert not any(elem.tag.is_private for elem in back.iterall())
    assert back.PatientIdentityRemoved == "YES"
    assert back.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
    assert back.file_meta.MediaStorageSOPInstanceUID == back.SOPInstanceUID
    counts = result.counts()
    assert counts["X"] > 300 and counts["U"] > 40 and counts["Z"] > 20 and counts["D"] > 50


def test_deidentify_actions_follow_the_profile():
    ds = hd.read(tf("CT_small.dcm"))
    result = hd.deidentify(ds, salt="s")
    out = result.dataset
    assert out["PatientName"].is_empty and out["PatientBirthDate"].is_empty  # Z: present, zero length
    assert "PatientAge" not in out and "PatientWeight" not in out  # X
    assert "InstitutionName" not in out  # X/Z/D: first code applied
    assert out.Modality == "CT" and out.KVP == ds.KVP  # not in the profile: kept
    np.testing.assert_array_equal(hd.pixels(out), hd.pixels(ds))
    by_path = {a.path: a for a in result.actions}
    assert by_path["PatientName"].action == "Z" and by_path["InstitutionName"].rule == "X/Z/D"
    assert by_path["StudyInstanceUID"].action == "U"
    assert any(a.rule == "private" for a in result.actions)
    assert result.flags == []
    assert ds.PatientName != ""  # the input keeps its values
    kept = hd.deidentify(ds, salt="s", keep=["PatientAge", 0x00101030])
    assert kept.dataset.PatientAge == ds.PatientAge and kept.dataset.PatientWeight == ds.PatientWeight
    with pytest.raises(ValueError, match="keep"):
        hd.deidentify(ds, keep=["NotAKeyword"])
    with pytest.raises(TypeError):
        hd.deidentify(tf("CT_small.dcm"))


def test_deidentify_uids_are_consistent_and_deterministic():
    a = hd.read(tf("CT_small.dcm"))
    b = copy.deepcopy(a)
    b.SOPInstanceUID = generate_uid()
    ref = Dataset()
    ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID = a.SOPClassUID, a.SOPInstanceUID
    series_ref = Dataset()
    series_ref.ReferencedInstanceSequence = Sequence([ref])
    b.ReferencedSeriesSequence = Sequence([series_ref])
    shared: dict[str, str] = {}
    da, db = hd.deidentify(a, uid_map=shared).dataset, hd.deidentify(b, uid_map=shared).dataset
    assert da.StudyInstanceUID == db.StudyInstanceUID != a.StudyInstanceUID
    assert da.SeriesInstanceUID == db.SeriesInstanceUID and da.SOPInstanceUID != db.SOPInstanceUID
    # The reference inside b's nested sequences points at a's new SOP Instance UID.
    assert db.ReferencedSeriesSequence[0].ReferencedInstanceSequence[0].ReferencedSOPInstanceUID == da.SOPInstanceUID
    assert shared[a.SOPInstanceUID] == da.SOPInstanceUID
    for uid in (da.StudyInstanceUID, da.SOPInstanceUID, da.FrameOfReferenceUID):
        assert UID(uid).is_valid and uid.startswith("2.25.")
    same_salt = [hd.deidentify(a, salt="k").dataset.SOPInstanceUID for _ in range(2)]
    assert same_salt[0] == same_salt[1] != hd.deidentify(a, salt="other").dataset.SOPInstanceUID
    assert hd.deidentify(a).dataset.SOPInstanceUID != hd.deidentify(a).dataset.SOPInstanceUID  # random salt


@pytest.mark.parametrize(
    ("name", "change", "reason"),
    [
        ("US1_UNCR.dcm", None, "Modality US"),
        ("SC_rgb.dcm", None, "Secondary Capture"),
        ("CT_small.dcm", ("BurnedInAnnotation", "YES"), "Burned In Annotation is YES"),
        ("MR_small.dcm", ("RecognizableVisualFeatures", "YES"), "Recognizable Visual Features"),
    ],
)
def test_deidentify_flags_burned_in_text(name, change, reason):
    ds = copy.deepcopy(hd.read(tf(name)))
    if change:
        setattr(ds, *change)
    with pytest.warns(hd.BurnedInTextWarning, match=reason):
        result = hd.deidentify(ds)
    assert any(reason in flag for flag in result.flags)


def test_basic_profile_table_is_complete_data():
    profile = hd.BASIC_PROFILE
    assert len(profile) > 550
    assert profile["(0010,0010)"] == ("Z", "PatientName")
    assert profile["(0020,000D)"] == ("U", "StudyInstanceUID")
    assert profile["(0010,0020)"][0] == "Z/D" and profile["(0008,0080)"][0] == "X/Z/D"
    assert profile["(0008,1140)"][0] == "X/Z/U*"
    assert "(50xx,xxxx)" in profile and "(60xx,3000)" in profile
    for code, _ in profile.values():
        assert set(code.replace("/", "").replace("*", "")) <= set("DZXKCU")


def test_basic_profile_loads_from_package_data():
    data = resources.files("helpers.dicom").joinpath("basic_profile.tsv")
    assert data.is_file()  # package data, found through importlib.resources as in an installed wheel
    lines = data.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith(f"# DICOM PS3.15 {hd.BASIC_PROFILE_EDITION} Table E.1-1")
    assert hd.BASIC_PROFILE_EDITION == "2024b"
    assert f"PS3.15 {hd.BASIC_PROFILE_EDITION}" in deid.__doc__ and f"PS3.15 {hd.BASIC_PROFILE_EDITION}" in hd.__doc__
    # Table E.1-1 of 2024b has 620 attributes with a Basic Profile action: one row each, after the header row.
    data_rows = [line for line in lines if line and not line.startswith("#")]
    assert data_rows[0] == "tag\taction\tkeyword"
    assert len(hd.BASIC_PROFILE) == len(data_rows) - 1 == 620
    with pytest.raises(TypeError):
        hd.BASIC_PROFILE["(0010,0010)"] = ("K", "PatientName")  # read-only mapping


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("tag\taction\tkeyword\n0010,0010\tZ\tPatientName\n", "expected one '# DICOM PS3.15"),
        ("# DICOM PS3.15 2024b Table E.1-1\ntag\taction\tkeyword\n0010,0010\tZ\n", "three columns"),
        ("# DICOM PS3.15 2024b Table E.1-1\n0010,0010\tZ\tPatientName\n", "header"),
        ("# DICOM PS3.15 2024b Table E.1-1\ntag\taction\tkeyword\n0010,0010\tZ\tPatientName\n"
         "0010,0010\tX\tPatientName\n", "listed twice"),
    ],
)
def test_basic_profile_parser_rejects_a_malformed_table(text, match):
    with pytest.raises(ValueError, match=match):
        deid._parse_profile(text, "bad.tsv")


# dicom-anonymizer (a maintained copy of Table E.1-1, one module per edition) lists tags per action code.
_ANONYMIZER_CODES = {
    "D_TAGS": "D", "Z_TAGS": "Z", "X_TAGS": "X", "U_TAGS": "U", "Z_D_TAGS": "Z/D", "X_Z_TAGS": "X/Z",
    "X_D_TAGS": "X/D", "X_Z_D_TAGS": "X/Z/D", "X_Z_U_STAR_TAGS": "X/Z/U*",
}
# Rows where the packaged table and dicom-anonymizer's copy of the same edition legitimately differ:
# "(gggg,eeee)" -> (our code, their code, why). Empty: the two copies of 2024b agree row by row, and any
# new divergence (a typo, a dropped row, an update of one copy only) fails the test below.
_KNOWN_PROFILE_DIFFERENCES: dict[str, tuple[str | None, str | None, str]] = {}


def _anonymizer_key(tag: tuple[int, ...]) -> str:
    """dicom-anonymizer's (group, element[, group mask, element mask]) -> "(gggg,eeee)" with "xx" wildcards."""
    if len(tag) == 2:
        return f"({tag[0]:04X},{tag[1]:04X})"
    group, element, group_mask, element_mask = tag
    assert group_mask == 0xFF00 and element_mask in (0x0000, 0xFFFF), tag  # the only masks Table E.1-1 needs
    return f"({group >> 8:02X}xx,{'xxxx' if element_mask == 0 else f'{element:04X}'})"


def test_basic_profile_matches_the_maintained_copy_of_the_same_edition():
    fields = importlib.import_module(
        f"dicomanonymizer.dicom_anonymization_databases.dicomfields_{hd.BASIC_PROFILE_EDITION}"
    )
    reference: dict[str, str] = {}
    for category, code in _ANONYMIZER_CODES.items():
        for tag in getattr(fields, category):
            key = _anonymizer_key(tag)
            assert key not in reference, f"{key} listed under two action codes in dicom-anonymizer"
            reference[key] = code
    assert len(reference) > 600  # the reference was read, not an empty module
    ours = {key: code for key, (code, _) in hd.BASIC_PROFILE.items()}
    differences = {
        key: (ours.get(key), reference.get(key))
        for key in sorted(ours.keys() | reference.keys())
        if ours.get(key) != reference.get(key)
    }
    assert differences == {key: (a, b) for key, (a, b, _) in _KNOWN_PROFILE_DIFFERENCES.items()}


def test_basic_profile_keywords_are_pydicoms():
    for key, (_, keyword) in hd.BASIC_PROFILE.items():
        if "x" not in key:  # repeating groups have no single dictionary entry
            assert keyword_for_tag(int(key[1:5] + key[6:10], 16)) == keyword, key


# ------------------------------------------------------------------------------------------------
# write
# ------------------------------------------------------------------------------------------------
_RNG = np.random.default_rng(7)


@pytest.mark.parametrize(
    "array",
    [
        _RNG.integers(0, 256, (20, 30), dtype=np.uint8),
        _RNG.integers(0, 4096, (20, 31), dtype=np.uint16),
        _RNG.integers(-1024, 3072, (21, 30), dtype=np.int16),
        _RNG.integers(0, 256, (20, 30, 3), dtype=np.uint8),
        _RNG.integers(0, 65535, (3, 8, 9), dtype=np.uint16),
        _RNG.integers(0, 256, (3, 5, 7), dtype=np.uint8),
    ],
    ids=["uint8", "uint16", "int16", "rgb", "multiframe-uint16", "multiframe-uint8-odd"],
)
def test_write_round_trip(tmp_path, array):
    path = tmp_path / "out.dcm"
    written = hd.write(path, array, spacing_mm=(0.5, 0.75), window=(40, 400))
    raw = path.read_bytes()
    assert raw[:128] == b"\x00" * 128 and raw[128:132] == b"DICM"
    info = hd.preamble_info(path)
    assert info["transfer_syntax"] == "1.2.840.10008.1.2.1"
    meta = {m["keyword"]: m["value"] for m in info["meta"]}
    back = hd.read(path)
    assert meta["MediaStorageSOPInstanceUID"] == back.SOPInstanceUID == written.SOPInstanceUID
    pix = hd.pixels(back)
    assert pix.dtype == array.dtype
    np.testing.assert_array_equal(pix, array)
    rgb = array.ndim == 3 and array.shape[-1] == 3
    assert back.PhotometricInterpretation == ("RGB" if rgb else "MONOCHROME2")
    assert back.SamplesPerPixel == (3 if rgb else 1)
    assert back.BitsAllocated == back.BitsStored == array.dtype.itemsize * 8 == back.HighBit + 1
    assert back.PixelRepresentation == (1 if array.dtype.kind == "i" else 0)
    assert [float(v) for v in back.PixelSpacing] == [0.5, 0.75]
    assert (float(back.WindowCenter), float(back.WindowWidth)) == (40.0, 400.0)
    assert back.Modality == "OT" and UID(back.SOPInstanceUID).is_valid


def test_write_like_joins_the_study(tmp_path):
    ct = hd.read(tf("CT_small.dcm"))
    first = hd.write(tmp_path / "a.dcm", np.zeros((4, 4), np.int16), like=tf("CT_small.dcm"))
    second = hd.write(tmp_path / "b.dcm", np.zeros((4, 4), np.int16), like=ct, modality="OT")
    back = hd.read(tmp_path / "a.dcm")
    assert back.PatientName == ct.PatientName and back.StudyInstanceUID == ct.StudyInstanceUID
    assert back.SeriesInstanceUID != ct.SeriesInstanceUID and back.Modality == "CT"
    assert back.SourceImageSequence[0].ReferencedSOPInstanceUID == ct.SOPInstanceUID
    assert first.SOPInstanceUID != second.SOPInstanceUID and second.Modality == "OT"


def test_write_keeps_the_sources_burned_in_annotation(tmp_path):
    # a multi-frame write says NO burned-in text by default; derived from a source that has some, it must say YES
    source = hd.read(tf("CT_small.dcm"))
    source.BurnedInAnnotation = "YES"
    frames = np.zeros((3, 4, 4), np.uint8)
    assert hd.write(tmp_path / "plain.dcm", frames).BurnedInAnnotation == "NO"
    assert hd.write(tmp_path / "derived.dcm", frames, like=source).BurnedInAnnotation == "YES"


def test_write_series_with_geometry_loads_back_as_a_volume(tmp_path):
    rng = np.random.default_rng(0)
    volume = rng.integers(0, 4000, size=(6, 5, 7)).astype(np.uint16)
    study, series = generate_uid(), generate_uid()
    origin, dz = np.array([-10.0, 20.0, -30.5]), 3.0
    for rank, k in enumerate(rng.permutation(6)):  # shuffled names and instance numbers
        hd.write(tmp_path / f"IM{rng.integers(10**6):06d}.dcm", volume[k], spacing_mm=(0.5, 0.8),
                 study_uid=study, series_uid=series, instance_number=rank + 1,
                 position_mm=origin + [0, 0, k * dz], orientation=(1, 0, 0, 0, 1, 0), slice_thickness_mm=dz)
    vol = hd.load_series(tmp_path, rescale=False)
    assert vol.warnings == [] and vol.series_uid == series
    np.testing.assert_array_equal(vol.array, volume)
    np.testing.assert_allclose(vol.spacing_mm, (dz, 0.5, 0.8))
    np.testing.assert_allclose(vol.affine @ [5, 0, 0, 1], np.r_[origin + [0, 0, 5 * dz], 1])
    headers = [hd.read(f, stop_before_pixels=True) for f in vol.files]
    assert {h.StudyInstanceUID for h in headers} == {study}
    assert len({h.FrameOfReferenceUID for h in headers}) == 1 and len({h.SOPInstanceUID for h in headers}) == 6
    assert float(headers[0].SliceThickness) == dz
    assert sorted(int(h.InstanceNumber) for h in headers) == list(range(1, 7))
    derived = hd.write(tmp_path / "derived.dcm", np.zeros((4, 4), np.int16), like=tf("CT_small.dcm"),
                       position_mm=(0, 0, 0), orientation=(1, 0, 0, 0, 1, 0))  # same frame of reference as its source
    assert derived.FrameOfReferenceUID == hd.read(tf("CT_small.dcm")).FrameOfReferenceUID


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"position_mm": (0, 0, 0)}, "go together"),
        ({"orientation": (1, 0, 0, 0, 1, 0)}, "go together"),
        ({"position_mm": (0, 0), "orientation": (1, 0, 0, 0, 1, 0)}, "position_mm must be 3 finite"),
        ({"position_mm": (0, 0, "a"), "orientation": (1, 0, 0, 0, 1, 0)}, "position_mm must be 3 numbers"),
        ({"position_mm": (0, 0, 0), "orientation": (1, 0, 0, 1, 0, 0)}, "orthogonal unit vectors"),
        ({"position_mm": (0, 0, 0), "orientation": (2, 0, 0, 0, 1, 0)}, "orthogonal unit vectors"),
        ({"series_uid": "1.2.abc"}, "series_uid must be a valid DICOM UID"),
        ({"study_uid": 12}, "study_uid must be a valid DICOM UID"),
        ({"instance_number": -1}, "instance_number must be an integer >= 0"),
        ({"slice_thickness_mm": 0}, "slice_thickness_mm must be a finite number > 0"),
        ({"slice_thickness_mm": "thick"}, "slice_thickness_mm must be a finite number > 0"),
    ],
)
def test_write_validates_geometry(tmp_path, kwargs, message):
    path = tmp_path / "x.dcm"
    with pytest.raises(ValueError, match=message):
        hd.write(path, np.zeros((4, 4), np.uint8), **kwargs)
    with pytest.raises(ValueError, match="one file per slice"):
        hd.write(path, np.zeros((2, 4, 4), np.uint8), position_mm=(0, 0, 0), orientation=(1, 0, 0, 0, 1, 0))
    assert not path.exists()


def test_write_validates_input(tmp_path):
    path = tmp_path / "x.dcm"
    with pytest.raises(TypeError, match=r"astype\(np.int16\)"):
        hd.write(path, np.zeros((4, 4)))
    with pytest.raises(TypeError, match="numpy array"):
        hd.write(path, [[1, 2]])
    with pytest.raises(ValueError, match="shape"):
        hd.write(path, np.zeros(5, np.uint8))
    with pytest.raises(TypeError, match="RGB arrays must be uint8 or uint16"):
        hd.write(path, np.zeros((4, 4, 3), np.int16))
    with pytest.raises(ValueError, match="spacing_mm"):
        hd.write(path, np.zeros((4, 4), np.uint8), spacing_mm=(0, 1))
    with pytest.raises(ValueError, match="Window Width"):
        hd.write(path, np.zeros((4, 4), np.uint8), window=(0, 0))
    assert not path.exists()


_SUBMODULES = ("errors", "io", "inspect", "display", "series", "deid", "write")


def test_package_reexports_every_public_name_of_its_modules():
    defined = set()
    for name in _SUBMODULES:
        module = importlib.import_module(f"helpers.dicom.{name}")
        # Names defined here (constants have no __module__), not imported from pydicom, numpy or a sibling.
        defined |= {attr for attr, obj in vars(module).items()
                    if not attr.startswith("_") and not isinstance(obj, type(module))
                    and getattr(obj, "__module__", module.__name__) == module.__name__}
    assert defined == set(hd.__all__)
    assert all(getattr(hd, name) is not None for name in hd.__all__)


def test_docstring_examples_run():
    import doctest

    # The examples live in the submodules (hd.write is the function, not the module: import by name).
    modules = [importlib.import_module(f"helpers.dicom.{name}")
               for name in _SUBMODULES if name != "errors"]
    results = [doctest.testmod(m, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE) for m in modules]
    assert sum(r.failed for r in results) == 0
    assert all(r.attempted > 0 for r in results) and sum(r.attempted for r in results) >= 20
