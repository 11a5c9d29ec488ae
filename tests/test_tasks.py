"""Tests of helpers.tasks: features, mask metrics, registration, detection counting, annotators, upsampler."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import tasks


def _disk(shape, center, radius):
    rr, cc = np.mgrid[: shape[0], : shape[1]]
    return (rr - center[0]) ** 2 + (cc - center[1]) ** 2 <= radius**2


# --- handcrafted features -------------------------------------------------------------------------------------


def test_features_shape_dtype_and_names():
    images = np.random.default_rng(0).random((5, 32, 40)).astype(np.float32)
    f = tasks.handcrafted_features(images)
    assert f.shape == (5, len(tasks.FEATURE_NAMES)) and f.dtype == np.float64
    assert np.isfinite(f).all()
    assert len(set(tasks.FEATURE_NAMES)) == len(tasks.FEATURE_NAMES)


def test_features_respond_to_a_bright_blob():
    rng = np.random.default_rng(1)
    background = rng.normal(0.4, 0.02, size=(2, 64, 64))
    background[1][_disk((64, 64), (30, 34), 5)] += 0.5
    f = tasks.handcrafted_features(background)
    for name in ("p99_minus_median", "skewness", "log_max_s3", "dog_max", "local_contrast_max", "grad_p99"):
        i = tasks.FEATURE_NAMES.index(name)
        assert f[1, i] > 3 * abs(f[0, i]), name


def test_features_match_plain_definitions():
    """The simple statistics equal their textbook definitions (the notebook may compute them inline)."""
    images = np.random.default_rng(2).random((3, 16, 16))
    f = tasks.handcrafted_features(images)
    flat = images.reshape(3, -1)
    np.testing.assert_allclose(f[:, tasks.FEATURE_NAMES.index("mean")], flat.mean(1), rtol=1e-5)
    np.testing.assert_allclose(f[:, tasks.FEATURE_NAMES.index("std")], flat.std(1), rtol=1e-4)
    np.testing.assert_allclose(f[:, tasks.FEATURE_NAMES.index("p99")], np.percentile(flat, 99, axis=1), rtol=1e-5)
    one = np.histogram(flat[0], bins=32, range=(flat[0].min(), flat[0].max()))[0] / flat.shape[1]
    entropy = -(one[one > 0] * np.log2(one[one > 0])).sum()
    assert f[0, tasks.FEATURE_NAMES.index("entropy")] == pytest.approx(entropy, rel=1e-6)


def test_features_are_per_image():
    """A row depends only on its own image (no leakage across the stack)."""
    images = np.random.default_rng(3).random((4, 24, 24))
    both = tasks.handcrafted_features(images)
    alone = tasks.handcrafted_features(images[2:3])
    np.testing.assert_allclose(both[2], alone[0], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("bad, error, match", [
    (np.zeros((32, 32)), ValueError, "stack"),
    (np.zeros((0, 32, 32)), ValueError, "at least one"),
    (np.zeros((2, 4, 4)), ValueError, "8x8"),
    (np.full((1, 16, 16), np.nan), ValueError, "NaN"),
    (np.zeros((1, 16, 16), dtype=complex), TypeError, "real"),
])
def test_features_reject_bad_input(bad, error, match):
    with pytest.raises(error, match=match):
        tasks.handcrafted_features(bad)


# --- dice and Hausdorff ---------------------------------------------------------------------------------------


def test_dice_known_values():
    a = _disk((40, 40), (20, 20), 8)
    assert tasks.dice(a, a) == 1.0
    assert tasks.dice(a, ~a) == 0.0
    empty = np.zeros_like(a)
    assert tasks.dice(empty, empty) == 1.0 and tasks.dice(a, empty) == 0.0
    half = a.copy()
    half[:, 20:] = False
    assert tasks.dice(a, half) == pytest.approx(2 * half.sum() / (a.sum() + half.sum()))


def test_dice_rejects_bad_masks():
    with pytest.raises(ValueError, match="same shape"):
        tasks.dice(np.zeros((3, 3), bool), np.zeros((3, 4), bool))
    with pytest.raises(TypeError, match="bool"):
        tasks.dice(np.zeros((3, 3)), np.zeros((3, 3), bool))


def test_hausdorff_shifted_square_uses_spacing():
    a = np.zeros((30, 30), bool)
    a[5:15, 5:15] = True
    b = np.roll(a, 4, axis=0)
    assert tasks.hausdorff_mm(a, b, (0.5, 2.0)) == pytest.approx(2.0)  # 4 rows of 0.5 mm
    assert tasks.hausdorff_mm(a, a, (1.0, 1.0)) == 0.0


def test_hausdorff_concentric_disks_and_percentile():
    small, big = _disk((64, 64), (32, 32), 6), _disk((64, 64), (32, 32), 14)
    hd = tasks.hausdorff_mm(small, big, (1.0, 1.0))
    assert 7.0 <= hd <= 9.0  # radii differ by 8 px, up to pixelisation
    assert tasks.hausdorff_mm(small, big, (1.0, 1.0), percentile=50) <= hd
    # one stray pixel far away sets the classic distance but hardly the HD95
    stray = big.copy()
    stray[2, 2] = True
    assert tasks.hausdorff_mm(big, stray, (1.0, 1.0)) > 20
    assert tasks.hausdorff_mm(big, stray, (1.0, 1.0), percentile=95) < 2


def test_hausdorff_empty_masks_and_errors():
    empty, a = np.zeros((10, 10), bool), _disk((10, 10), (5, 5), 2)
    assert tasks.hausdorff_mm(empty, empty, (1, 1)) == 0.0
    assert tasks.hausdorff_mm(a, empty, (1, 1)) == float("inf")
    with pytest.raises(ValueError, match="spacing_mm"):
        tasks.hausdorff_mm(a, a, (1.0,))
    with pytest.raises(ValueError, match="spacing_mm"):
        tasks.hausdorff_mm(a, a, (1.0, 0.0))
    with pytest.raises(ValueError, match="percentile"):
        tasks.hausdorff_mm(a, a, (1.0, 1.0), percentile=101)


def test_hausdorff_3d():
    a = np.zeros((12, 12, 12), bool)
    a[3:7, 3:7, 3:7] = True
    b = np.roll(a, 2, axis=0)
    assert tasks.hausdorff_mm(a, b, (3.0, 1.0, 1.0)) == pytest.approx(6.0)
