"""Tests of helpers.tasks: features, registration, annotators, upsampler (the metrics are in test_metrics.py)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import metrics, tasks


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


def test_features_of_a_long_stack_are_computed_in_blocks_identically():
    images = np.random.default_rng(4).random((tasks._BLOCK + 5, 16, 16)).astype(np.float32)
    everything = tasks.handcrafted_features(images)
    for i in (0, tasks._BLOCK - 1, tasks._BLOCK + 3):
        np.testing.assert_allclose(everything[i], tasks.handcrafted_features(images[i:i + 1])[0], rtol=1e-5,
                                   atol=1e-7)


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


# --- registration ---------------------------------------------------------------------------------------------


def _phantom(shape=(64, 72)):
    """An asymmetric, smooth test image: two disks and a bar (so rotations are identifiable), blurred."""
    from scipy import ndimage as ndi

    image = 0.2 * _disk(shape, (30, 30), 20) + 0.5 * _disk(shape, (22, 38), 6)
    image[40:44, 20:40] += 0.8
    return ndi.gaussian_filter(image, 1.5)


def test_mutual_information_properties():
    rng = np.random.default_rng(0)
    x = _phantom()
    noise = rng.random(x.shape)
    assert tasks.mutual_information(x, x) == pytest.approx(tasks.mutual_information(x, 1 - x), rel=1e-9)
    assert tasks.mutual_information(x, x) > 5 * tasks.mutual_information(x, noise)
    assert tasks.mutual_information(x, noise) >= 0
    # MI equals its textbook definition from numpy's own joint histogram
    joint, _, _ = np.histogram2d(x.ravel(), noise.ravel(), bins=16)
    p = joint / joint.sum()
    px, py = p.sum(1, keepdims=True), p.sum(0, keepdims=True)
    nz = p > 0
    expected = (p[nz] * np.log(p[nz] / (px @ py)[nz])).sum()
    assert tasks.mutual_information(x, noise, bins=16) == pytest.approx(expected, rel=1e-6)


def test_mutual_information_errors():
    with pytest.raises(ValueError, match="same shape"):
        tasks.mutual_information(np.zeros((3, 3)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="bins"):
        tasks.mutual_information(np.zeros((3, 3)), np.zeros((3, 3)), bins=1)


def test_rigid_transform_moves_a_point_as_documented():
    image = np.zeros((41, 41))
    image[10, 20] = 1.0  # 10 rows above the centre (20, 20)
    turned = tasks.rigid_transform(image, angle_deg=90.0, order=0)
    # counter-clockwise as displayed: "up" goes to "left"
    assert np.unravel_index(turned.argmax(), turned.shape) == (20, 10)
    moved = tasks.rigid_transform(image, shift_px=(3, -2), order=0)
    assert np.unravel_index(moved.argmax(), moved.shape) == (13, 18)


def test_invert_rigid_round_trip():
    x = _phantom()
    angle, shift = 12.0, (3.5, -2.0)
    back = tasks.invert_rigid(angle, shift)
    restored = tasks.rigid_transform(tasks.rigid_transform(x, angle_deg=angle, shift_px=shift, order=3),
                                     angle_deg=back[0], shift_px=back[1], order=3)
    inside = _disk(x.shape, (32, 36), 20)
    assert np.abs(restored - x)[inside].mean() < 0.02


@pytest.mark.parametrize("metric", ["mi", "ssd"])
def test_register_rigid_recovers_a_known_transform(metric):
    fixed = _phantom()
    truth = (6.0, (2.5, -3.0))
    inverse = tasks.invert_rigid(*truth)
    moving = tasks.rigid_transform(fixed, angle_deg=inverse[0], shift_px=inverse[1])
    angle, shift = tasks.register_rigid(moving, fixed, metric=metric)
    assert abs(angle - truth[0]) < 1.0
    assert np.hypot(shift[0] - truth[1][0], shift[1] - truth[1][1]) < 1.0


def test_mi_registers_across_modalities_where_ssd_fails():
    fixed = _phantom()
    other_modality = np.where(fixed > 0.01, 1.0 - fixed, 0.0)  # tissue intensities inverted, background kept
    truth = (8.0, (3.0, 2.0))
    inverse = tasks.invert_rigid(*truth)
    moving = tasks.rigid_transform(other_modality, angle_deg=inverse[0], shift_px=inverse[1])
    angle_mi, _ = tasks.register_rigid(moving, fixed, metric="mi")
    angle_ssd, _ = tasks.register_rigid(moving, fixed, metric="ssd")
    assert abs(angle_mi - truth[0]) < 1.0
    assert abs(angle_ssd - truth[0]) > abs(angle_mi - truth[0])


def test_register_rigid_errors():
    with pytest.raises(ValueError, match="metric"):
        tasks.register_rigid(np.zeros((8, 8)), np.zeros((8, 8)), metric="ncc")
    with pytest.raises(ValueError, match="same shape"):
        tasks.register_rigid(np.zeros((8, 8)), np.zeros((8, 9)))
    with pytest.raises(ValueError, match="2D"):
        tasks.rigid_transform(np.zeros((2, 8, 8)))


# --- annotators -----------------------------------------------------------------------------------------------


def test_annotators_differ_but_agree_roughly():
    mask = _disk((64, 64), (32, 32), 10)
    drawn = tasks.simulate_annotators(mask, n_annotators=5, seed=1)
    assert drawn.shape == (5, 64, 64) and drawn.dtype == bool
    scores = [metrics.dice(d, mask) for d in drawn]
    assert all(0.7 < s < 1.0 for s in scores), scores
    assert len({d.sum() for d in drawn}) > 1  # not all the same
    again = tasks.simulate_annotators(mask, n_annotators=5, seed=1)
    assert np.array_equal(drawn, again)  # seeded
    exact = tasks.simulate_annotators(mask, n_annotators=2, bias_px=0.0, wobble_px=0.0)
    assert all(metrics.dice(d, mask) == 1.0 for d in exact)


def test_annotators_errors():
    with pytest.raises(ValueError, match="bool"):
        tasks.simulate_annotators(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="n_annotators"):
        tasks.simulate_annotators(np.zeros((8, 8), bool), n_annotators=0)


# --- upsampler ------------------------------------------------------------------------------------------------


def _block_mean(x, f):
    n, h, w = x.shape
    return x.reshape(n, h // f, f, w // f, f).mean(axis=(2, 4))


def test_linear_upsampler_learns_and_beats_nearest():
    rng = np.random.default_rng(0)
    smooth = np.stack([np.sin(np.linspace(0, 6, 48))[:, None] * np.cos(np.linspace(0, 4 + k, 48))[None]
                       for k in range(4)])
    smooth += 0.01 * rng.standard_normal(smooth.shape)
    low = _block_mean(smooth, 2)
    filters = tasks.fit_linear_upsampler(low[:3], smooth[:3], factor=2, size=3)
    assert filters.shape == (2, 2, 10)
    up = tasks.apply_linear_upsampler(low[3], filters)
    nearest = np.repeat(np.repeat(low[3], 2, 0), 2, 1)
    assert up.shape == (48, 48)
    assert np.mean((up - smooth[3]) ** 2) < 0.5 * np.mean((nearest - smooth[3]) ** 2)


def test_linear_upsampler_recovers_an_exact_linear_rule():
    """If the high-res image IS a linear function of the low-res one, least squares finds it exactly."""
    low = np.random.default_rng(1).random((2, 10, 12))
    high = np.repeat(np.repeat(low, 2, axis=1), 2, axis=2) * 2.0 + 0.5
    filters = tasks.fit_linear_upsampler(low, high, factor=2, size=3)
    np.testing.assert_allclose(tasks.apply_linear_upsampler(low, filters), high, atol=1e-9)


def test_linear_upsampler_errors():
    with pytest.raises(ValueError, match="odd size"):
        tasks.fit_linear_upsampler(np.zeros((1, 8, 8)), np.zeros((1, 16, 16)), size=4)
    with pytest.raises(ValueError, match="high"):
        tasks.fit_linear_upsampler(np.zeros((1, 8, 8)), np.zeros((1, 15, 16)))
    with pytest.raises(ValueError, match="filters"):
        tasks.apply_linear_upsampler(np.zeros((8, 8)), np.zeros((2, 3, 10)))


