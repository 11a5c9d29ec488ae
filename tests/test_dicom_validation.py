"""Every DICOM file the course writes, checked by an independent validator (dicom3tools' ``dciodvfy``).

``hd.write`` outputs must have no IOD error at all; ``hd.deidentify`` outputs must have no error that their source
did not already have (PS3.15 E.1.1: the profile's compound codes keep the IOD valid). dciodvfy comes from Debian's
dicom3tools package (``make system-deps`` installs it); without it these tests fail rather than skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

from helpers import dicom as hd
from helpers.data import sample_path

# The pydicom test files and course samples that the notebooks and tests read (all de-identifiable).
_PYDICOM_FILES = (
    "CT_small.dcm", "MR_small.dcm", "emri_small.dcm", "eCT_Supplemental.dcm", "693_UNCR.dcm", "693_UNCI.dcm",
    "693_J2KR.dcm", "RG1_UNCR.dcm", "RG3_J2KR.dcm", "SC_rgb_jpeg_gdcm.dcm", "MR_small_RLE.dcm",
    "MR_small_bigendian.dcm", "MR_small_implicit.dcm", "JPEG2000.dcm",
)
_COURSE_SAMPLES = ("xray_chest", "ct_head", "ct_abdomen", "ct_small", "mr_shoulder", "mr_enhanced", "us_echo_cine",
                   "us_doppler", "nm_bone_scan")


def _dciodvfy() -> str:
    path = shutil.which("dciodvfy")
    if path is None:
        pytest.fail("dciodvfy not found: install dicom3tools ('make system-deps' as root, or "
                    "'sudo apt-get install dicom3tools' on Debian/Ubuntu), then rerun the tests")
    return path


def iod_errors(path: str | Path) -> set[str]:
    """dciodvfy's error lines for a file, with UIDs masked (de-identification replaces them) and spaces collapsed."""
    run = subprocess.run([_dciodvfy(), str(path)], capture_output=True, text=True, timeout=120, check=False)
    lines = (run.stdout + run.stderr).splitlines()
    return {" ".join(re.sub(r"\b\d+(?:\.\d+){2,}\b", "<uid>", line).split())
            for line in lines if line.startswith("Error")}


def _source(name: str) -> str:
    if name.endswith(".dcm"):
        path = get_testdata_file(name, download=False)
        assert path is not None, f"{name} missing: pydicom-data not installed?"
        return str(path)
    return str(sample_path(name))


def test_iod_errors_sees_what_the_validator_reports(tmp_path):
    ds = hd.read(_source("CT_small.dcm"))
    assert iod_errors(_source("CT_small.dcm")) == set()
    del ds.Rows  # Type 1 in the Image Pixel Module: the validator must notice
    ds.save_as(tmp_path / "broken.dcm", enforce_file_format=True)
    assert any("Rows" in line for line in iod_errors(tmp_path / "broken.dcm"))


@pytest.mark.parametrize("name", _PYDICOM_FILES + _COURSE_SAMPLES)
def test_deidentify_adds_no_iod_error(name, tmp_path):
    source = _source(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # burned-in text warnings and odd values in third-party files
        result = hd.deidentify(hd.read(source), salt="validation")
    out = tmp_path / "deid.dcm"
    result.dataset.save_as(out, enforce_file_format=True)
    before, after = iod_errors(source), iod_errors(out)
    assert after - before == set(), f"{name}: de-identification broke its IOD"


def test_deidentify_keeps_the_enhanced_mr_valid(tmp_path):
    """The case that showed the problem: emri_small's Type 1 dates and serial number get dummies, not X or Z."""
    ds = hd.read(_source("emri_small.dcm"))
    out = hd.deidentify(ds, salt="validation").dataset
    assert (out.ContentDate, out.ContentTime) == ("19000101", "000000") != (ds.ContentDate, ds.ContentTime)
    assert ds["DeviceSerialNumber"].is_empty and out["DeviceSerialNumber"].is_empty  # empty stays empty, not removed
    assert out.AcquisitionDateTime == "19000101000000" != ds.AcquisitionDateTime


def _write_kinds(folder: Path) -> dict[str, Path]:
    """One file per kind of hd.write call the notebooks and tests make."""
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        us = hd.deidentify(hd.read(sample_path("us_doppler")), salt="validation").dataset
    calls = {
        "grayscale": dict(array=rng.integers(0, 255, (16, 16), dtype=np.uint8)),
        "ct_in_hu": dict(array=rng.integers(-1000, 1000, (16, 16)).astype(np.int16), like=sample_path("ct_abdomen"),
                         spacing_mm=(0.7, 0.7), window=(40, 400), description="CT in HU"),
        "like_pydicom_ct": dict(array=np.zeros((4, 4), np.int16), like=_source("CT_small.dcm"), modality="OT"),
        "mr_slice": dict(array=rng.integers(0, 4000, (16, 16)).astype(np.uint16), modality="MR", spacing_mm=(2.0, 2.0),
                         study_uid=generate_uid(), series_uid=generate_uid(), instance_number=3,
                         position_mm=(0.0, 0.0, 8.0), orientation=(1, 0, 0, 0, 1, 0), slice_thickness_mm=4.0),
        "us_multiframe": dict(array=rng.integers(0, 255, (10, 16, 16), dtype=np.uint8), modality="US"),
        "word_multiframe": dict(array=rng.integers(0, 4000, (3, 16, 16)).astype(np.uint16)),
        "rgb_multiframe": dict(array=rng.integers(0, 255, (3, 16, 16, 3), dtype=np.uint8)),
        "rgb_like_deidentified_us": dict(array=np.zeros((16, 16, 3), np.uint8), like=us, description="masked"),
    }
    paths = {}
    for kind, kwargs in calls.items():
        paths[kind] = folder / f"{kind}.dcm"
        hd.write(paths[kind], kwargs.pop("array"), **kwargs)
    return paths


def test_every_written_kind_conforms_to_its_iod(tmp_path):
    errors = {kind: iod_errors(path) for kind, path in _write_kinds(tmp_path).items()}
    assert errors == {kind: set() for kind in errors}
