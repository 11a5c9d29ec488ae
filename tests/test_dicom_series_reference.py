"""hd.load_series against a maintained reader: SimpleITK's ImageSeriesReader with GDCM's sorted file names.

Both read the same shuffled folders (real MNI152 slices written by hd.write, random names and instance numbers,
axial and oblique); they must agree on the slice order, the voxels, the spacing, the origin, the axes and the
world position of every voxel. A Secondary Capture file may carry the Image Plane attributes, and GDCM reads them.
"""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from pydicom.uid import generate_uid

from helpers import dicom as hd
from helpers.data import load_sample

SLICE_GAP_MM = 3.0
PIXEL_SPACING_MM = (2.0, 1.5)  # (between rows, between columns): unequal, so a swap would show


@pytest.fixture(scope="module")
def stored_t1():
    t1, _ = load_sample("mri_brain_t1")
    return np.round(t1 * 1000).astype(np.uint16)  # (z, y, x), thousandths of the 0..1 scale


def _write_series(folder, stored, *, tilt_deg: float, n: int = 12, seed: int = 0) -> np.ndarray:
    """Write n slices rotated by tilt_deg about the patient's x axis, in random order; return the slice normal."""
    angle = np.radians(tilt_deg)
    row, column = np.array([1.0, 0.0, 0.0]), np.array([0.0, np.cos(angle), -np.sin(angle)])
    normal = np.cross(row, column)
    origin = np.array([-90.0, -120.0, -70.0])
    rng = np.random.default_rng(seed)
    study, series = generate_uid(), generate_uid()
    for rank, k in enumerate(rng.permutation(n)):
        hd.write(folder / f"IM{rng.integers(10**6):06d}", stored[20 + 4 * k], modality="MR",
                 spacing_mm=PIXEL_SPACING_MM, study_uid=study, series_uid=series, instance_number=rank + 1,
                 position_mm=origin + k * SLICE_GAP_MM * normal, orientation=np.r_[row, column],
                 slice_thickness_mm=SLICE_GAP_MM)
    return normal


def _sitk_read(folder):
    """GDCM's sorted file names and the image SimpleITK builds from them.

    GDCM sorts by position only once its data dictionary is loaded, which reading one file through GDCMImageIO
    does; in a fresh process it would otherwise fall back to Instance Number order (found while writing this test).
    """
    sitk.ReadImage(str(next(folder.iterdir())), imageIO="GDCMImageIO")
    names = list(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(folder)))
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(names)
    return names, reader.Execute()


@pytest.mark.parametrize("tilt_deg", [0.0, 25.0, -40.0])
def test_load_series_agrees_with_simpleitk(tmp_path, stored_t1, tilt_deg):
    normal = _write_series(tmp_path, stored_t1, tilt_deg=tilt_deg)
    names, image = _sitk_read(tmp_path)
    vol = hd.load_series(tmp_path, rescale=False)

    assert [str(p) for p in vol.files] == names, "same slice order as GDCM"
    np.testing.assert_array_equal(vol.array, sitk.GetArrayFromImage(image))  # both (z, y, x)
    np.testing.assert_array_equal(vol.array, stored_t1[20 : 20 + 4 * 12 : 4])  # and that order is anatomical
    np.testing.assert_allclose(vol.spacing_mm, image.GetSpacing()[::-1], atol=1e-3)  # DS text: ~1e-4 mm
    np.testing.assert_allclose(vol.origin_mm, image.GetOrigin(), atol=1e-3)
    sitk_axes = np.array(image.GetDirection()).reshape(3, 3)  # columns: x, y, z axes in LPS
    np.testing.assert_allclose(vol.direction, sitk_axes[:, ::-1], atol=1e-6)
    np.testing.assert_allclose(vol.direction[:, 0], normal, atol=1e-6)
    for z, y, x in [(0, 0, 0), (5, 40, 70), (11, 116, 98)]:
        np.testing.assert_allclose(vol.affine @ [z, y, x, 1],
                                   [*image.TransformIndexToPhysicalPoint((x, y, z)), 1], atol=5e-3)  # DS text


def test_sorting_by_z_alone_fails_where_the_normal_does_not(tmp_path, stored_t1):
    """The lesson of 02 §8: on steeply tilted slices the z coordinate does not order them; n · IPP does."""
    normal = _write_series(tmp_path, stored_t1, tilt_deg=-100.0)  # nearly coronal: n ≈ -y, z falls as d grows
    headers = {p: hd.read(p, stop_before_pixels=True) for p in tmp_path.iterdir()}
    ipp = {p: np.array(ds.ImagePositionPatient, dtype=float) for p, ds in headers.items()}
    by_normal = sorted(headers, key=lambda p: float(normal @ ipp[p]))
    by_z = sorted(headers, key=lambda p: float(ipp[p][2]))
    names, _ = _sitk_read(tmp_path)
    assert [str(p) for p in by_normal] == names == [str(p) for p in hd.load_series(tmp_path).files]
    assert by_z != by_normal
