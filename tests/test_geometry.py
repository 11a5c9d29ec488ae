"""Tests of helpers.geometry: the course's (z, y, x) orientation convention and resampling."""

import nibabel as nib
import numpy as np
import pytest

from helpers import geometry


def test_resample_to_spacing_on_a_ramp():
    # a linear ramp along i (value = x in mm) must stay a ramp on a 2 mm grid: cubic splines reproduce it inside
    data = np.tile(np.arange(20, dtype=np.float32)[:, None, None], (1, 12, 10))
    affine = np.diag([1.0, 1.0, 1.0, 1.0])
    affine[:3, 3] = (-5.0, 3.0, 0.0)
    out, new_affine = geometry.resample_to_spacing(data.copy(), affine, 2.0)
    assert out.shape == (11, 7, 6) and out.dtype == np.float32  # ceil(19 / 2) + 1 points along i, and so on
    assert np.allclose(np.diag(new_affine)[:3], 2.0) and np.allclose(new_affine[:3, 3], (-5.0, 3.0, 0.0))
    x_mm = new_affine[0, 0] * np.arange(11) + new_affine[0, 3]
    inner = slice(2, 8)
    assert np.allclose(out[inner, 3, 2], x_mm[inner] + 5.0, atol=0.05)
    assert out.min() >= 0 and out.max() <= 19  # clipped to the input's range
    ints = np.tile(np.arange(20, dtype=np.int16)[:, None, None], (1, 12, 10))
    # integers: a float32 copy, same result
    assert np.array_equal(geometry.resample_to_spacing(ints, affine, 2.0)[0], out)
    assert ints.dtype == np.int16 and ints[5, 0, 0] == 5  # and the caller's array is left alone
    with pytest.raises(ValueError, match="3D"):
        geometry.resample_to_spacing(np.zeros((4, 4), np.float32), affine, 2.0)


def _lps_image(shape=(6, 5, 4)):
    """Synthetic NIfTI whose axes run i → left, j → posterior, k → superior, with 2×3×4 mm voxels."""
    data = np.zeros(shape, np.int16)
    data[1, 2, 3] = 7
    affine = np.diag([-2.0, -3.0, 4.0, 1.0])  # i -> -x (left in RAS+ is -x), j -> -y (posterior)
    affine[:3, 3] = [10, 20, -30]
    return nib.Nifti1Image(data, affine), affine


def test_nifti_to_zyx_on_synthetic_image():
    img, affine = _lps_image()
    out, spacing, a_zyx = geometry.nifti_to_zyx(img)
    assert out.shape == (4, 5, 6) and spacing == (4.0, 3.0, 2.0)
    z, y, x = np.argwhere(out == 7)[0]
    world_true = affine @ [1, 2, 3, 1]
    assert np.allclose(a_zyx @ [z, y, x, 1], world_true)
    assert z == 3  # the superior-most index stays superior
    # row 0 must be the most anterior row, column 0 the patient's right (largest RAS x)
    worlds = [a_zyx @ [0, yy, 0, 1] for yy in range(out.shape[1])]
    assert worlds[0][1] == max(w[1] for w in worlds)
    worlds = [a_zyx @ [0, 0, xx, 1] for xx in range(out.shape[2])]
    assert worlds[0][0] == max(w[0] for w in worlds)


@pytest.mark.parametrize(
    ("iop", "flips"),
    [
        ([1, 0, 0, 0, 1, 0], ()),
        ([1, 0, 0, 0, -1, 0], ("y",)),
        ([-1, 0, 0, 0, 1, 0], ("x",)),
        ([-1, 0, 0, 0, -1, 0], ("y", "x")),
        ([0.57, 0.82, 0, 0, 0, -1], ()),
    ],
)
def test_axial_flips(iop, flips):
    assert geometry.axial_flips(iop) == flips


def test_flip_axial_updates_the_orientation():
    image = np.arange(6).reshape(2, 3)
    out, iop, flips = geometry.flip_axial(image, [-1, 0, 0, 0, -1, 0])  # rows posterior-first, columns left-first
    assert flips == ("y", "x") and np.array_equal(out, image[::-1, ::-1])
    assert iop == [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]  # the returned array runs right->left, anterior->posterior
    coronal = [1, 0, 0, 0, 0, -1]
    out, iop, flips = geometry.flip_axial(image, coronal)
    assert flips == () and out is image and iop == [1.0, 0.0, 0.0, 0.0, 0.0, -1.0]
