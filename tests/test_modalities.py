"""Tests of helpers.modalities: each physics model against a result known independently of the code."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import hilbert

from helpers import modalities as mod

# ---------------------------------------------------------------------------------------------------------------
# 1D read-outs
# ---------------------------------------------------------------------------------------------------------------


def test_plate_image_round_trips_to_the_optical_densities():
    od = np.random.default_rng(1).uniform(0.05, 1.5, (8, 12))
    image = mod.plate_image(od, well_px=20, noise=0.005, seed=2)
    assert image.shape == (160, 240) and image.dtype == np.float32
    np.testing.assert_allclose(mod.read_plate(image), od, atol=0.02)


def test_plate_reader_without_noise_is_exact():
    od = np.full((2, 3), 0.5)
    np.testing.assert_allclose(mod.read_plate(mod.plate_image(od, well_px=16, noise=0.0), shape=(2, 3)), od, atol=1e-6)


@pytest.mark.parametrize("bad, match", [(np.ones(5), "2D array"), (-np.ones((2, 2)), "non-negative")])
def test_plate_image_rejects_bad_od(bad, match):
    with pytest.raises(ValueError, match=match):
        mod.plate_image(bad)


def test_read_plate_rejects_image_that_does_not_divide():
    with pytest.raises(ValueError, match="does not divide"):
        mod.read_plate(np.ones((100, 100)), shape=(8, 12))


def test_logistic_growth_starts_at_od0_and_saturates():
    od = mod.logistic_growth(np.array([0.0, 100.0]), od0=0.05, od_max=1.0, rate_per_h=1.0)
    np.testing.assert_allclose(od, [0.05, 1.0], rtol=1e-9)
    # half of od_max is reached at t = ln(od_max/od0 - 1) / rate
    t_half = math.log(1.0 / 0.05 - 1.0)
    assert mod.logistic_growth(t_half, od0=0.05, od_max=1.0, rate_per_h=1.0) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="od0 < od_max"):
        mod.logistic_growth(1.0, od0=2.0, od_max=1.0)


# ---------------------------------------------------------------------------------------------------------------
# X-ray
# ---------------------------------------------------------------------------------------------------------------


def test_hu_and_mu_conversions():
    mu_w = mod.MU_60KEV_PER_CM["water"]
    np.testing.assert_allclose(mod.hu_to_mu([-1000.0, 0.0, 1000.0]), [0.0, mu_w, 2 * mu_w])
    hu = np.array([-800.0, -100.0, 40.0, 1000.0])
    np.testing.assert_allclose(mod.mu_to_hu(mod.hu_to_mu(hu)), hu)
    # NIST SRD 126 cortical bone (ICRU-44) at 60 keV is ~1930 HU: near the top of the published cortical-bone range
    assert 1500 < mod.mu_to_hu(mod.MU_60KEV_PER_CM["cortical bone"]) < 2100


def test_beer_lambert_through_a_uniform_slab():
    mu, thickness_cm = 0.2059, 20.0  # 20 cm of water at 60 keV
    slab = np.full((3, 80, 4), mu)  # 80 voxels of 0.25 cm along y
    intensity = mod.xray_projection(slab, spacing_cm=0.25, axis=1, i0=1000.0)
    assert intensity.shape == (3, 4)
    np.testing.assert_allclose(intensity, 1000.0 * math.exp(-mu * thickness_cm))


def test_xray_projection_rejects_negative_attenuation():
    with pytest.raises(ValueError, match="hu_to_mu"):
        mod.xray_projection(np.full((4, 4), -1000.0), spacing_cm=0.1)


def test_chest_phantom_anatomy():
    hu, labels = mod.chest_phantom()
    names = mod.CHEST_LABELS
    assert hu.shape == labels.shape == (40, 128, 128) and hu.dtype == np.float32
    assert set(np.unique(labels)) == set(range(len(names)))
    for k, name in enumerate(names):
        assert np.all(hu[labels == k] == mod.TISSUE_HU[name])
    _, ys, xs = np.nonzero(labels == names.index("cancellous bone"))
    assert ys.mean() > 64 + 20, "spine must be posterior (large y)"
    zs, _, xs = np.nonzero(labels == names.index("blood"))
    assert xs.mean() > 64, "heart must lie on the patient's left (large x)"
    assert zs.mean() < 20, "heart must be in the lower chest"


def test_chest_phantom_rejects_bad_shape():
    with pytest.raises(ValueError, match="shape"):
        mod.chest_phantom(shape=(4, 64, 64))


# ---------------------------------------------------------------------------------------------------------------
# Whole-slide imaging
# ---------------------------------------------------------------------------------------------------------------


def test_pyramid_halves_each_level_and_keeps_the_mean():
    image = np.random.default_rng(0).integers(0, 256, (64, 48, 3), dtype=np.uint8)
    levels = mod.pyramid(image, n_levels=4)
    assert [lv.shape for lv in levels] == [(64, 48, 3), (32, 24, 3), (16, 12, 3), (8, 6, 3)]
    assert all(lv.dtype == np.uint8 for lv in levels)
    assert abs(levels[3].mean() - image.mean()) < 1.0
    with pytest.raises(ValueError, match="impossible"):
        mod.pyramid(image, n_levels=8)


def _source():
    rng = np.random.default_rng(5)
    return rng.integers(0, 256, (96, 80, 3), dtype=np.uint8)


def test_pyramid_tiff_round_trip(tmp_path):
    shape, tile = (128, 192), 32
    full = np.concatenate([np.concatenate(row, axis=1) for row in np.array_split(
        list(mod.slide_tiles(_source(), shape=shape, tile=tile, seed=1)), shape[0] // tile)], axis=0)
    path = tmp_path / "slide.tif"
    levels = mod.write_pyramid_tiff(path, mod.slide_tiles(_source(), shape=shape, tile=tile, seed=1), shape=shape,
                                  tile=tile, n_levels=3)
    assert levels == [(128, 192, 3), (64, 96, 3), (32, 48, 3)]
    rebuilt = np.zeros_like(full)
    count = 0
    for top, left, t in mod.iter_tiles(path):
        rebuilt[top:top + t.shape[0], left:left + t.shape[1]] = t
        count += 1
    assert count == (128 // 32) * (192 // 32)
    np.testing.assert_array_equal(rebuilt, full)
    np.testing.assert_array_equal(mod.read_region(path, 10, 20, 50, 100), full[10:60, 20:120])
    np.testing.assert_array_equal(mod.read_region(path, 0, 0, 64, 96, level=1), mod.pyramid(full, n_levels=2)[1])
    lowest = np.zeros((32, 48, 3), np.uint8)
    for top, left, t in mod.iter_tiles(path, level=2):  # smaller than one tile: a single cropped tile
        lowest[top:top + t.shape[0], left:left + t.shape[1]] = t
    assert abs(float(lowest.mean()) - float(full.mean())) < 1.0


def test_pyramid_tiff_errors(tmp_path):
    with pytest.raises(ValueError, match="multiple of 16"):
        mod.write_pyramid_tiff(tmp_path / "a.tif", [], shape=(64, 64), tile=24)
    with pytest.raises(ValueError, match="got 1 tiles, expected 4"):
        mod.write_pyramid_tiff(tmp_path / "b.tif", [np.zeros((32, 32, 3), np.uint8)], shape=(64, 64), tile=32)
    path = tmp_path / "c.tif"
    mod.write_pyramid_tiff(path, mod.slide_tiles(_source(), shape=(64, 64), tile=32), shape=(64, 64), tile=32,
                         n_levels=2)
    with pytest.raises(ValueError, match="outside"):
        mod.read_region(path, 40, 0, 40, 10)
    with pytest.raises(ValueError, match="level 5 does not exist"):
        next(mod.iter_tiles(path, level=5))


def test_slide_tiles_are_crops_of_the_source():
    src = _source()
    tiles = list(mod.slide_tiles(src, shape=(64, 96), tile=32, seed=3))
    assert len(tiles) == 6 and all(t.shape == (32, 32, 3) for t in tiles)
    assert all(np.isin(t[..., 0], src[..., 0]).all() for t in tiles)
    with pytest.raises(ValueError, match="multiples of tile"):
        next(mod.slide_tiles(src, shape=(50, 64), tile=32))


# ---------------------------------------------------------------------------------------------------------------
# CT
# ---------------------------------------------------------------------------------------------------------------


def _disc(n=128, radius=40.0):
    yy, xx = np.mgrid[:n, :n] - n // 2  # skimage's rotation centre is pixel n // 2
    return (yy**2 + xx**2 <= radius**2).astype(float)


def test_radon_of_a_centred_disc_is_its_chord_length_at_every_angle():
    radius = 40.0
    sinogram, theta = mod.ct_scan(_disc(radius=radius), n_views=12)
    s = np.arange(sinogram.shape[0]) - sinogram.shape[0] // 2
    expected = mod.disc_projection(s, radius=radius)
    assert sinogram.shape == (128, 12) and theta[1] == pytest.approx(15.0)
    for k in range(theta.size):
        assert np.abs(sinogram[:, k] - expected).mean() < 0.01 * 2 * radius, f"angle {theta[k]}"
    # every projection preserves the total (up to interpolation when rotating)
    np.testing.assert_allclose(sinogram.sum(axis=0), _disc(radius=radius).sum(), rtol=1e-3)


def test_fbp_with_more_views_is_closer_to_the_object():
    disc = _disc() * 0.2
    errors = {}
    for n in (20, 180):
        recon = mod.fbp(*mod.ct_scan(disc, n_views=n), output_size=128)
        errors[n] = mod.rmse(recon, disc)
    assert errors[180] < 0.5 * errors[20]
    assert errors[180] < 0.02  # 10 % of the disc's value


def test_ct_and_fbp_validate_inputs():
    with pytest.raises(ValueError, match="square"):
        mod.ct_scan(np.zeros((10, 12)), n_views=4)
    with pytest.raises(ValueError, match="n_views"):
        mod.fbp(np.zeros((10, 3)), np.arange(4.0))
    with pytest.raises(ValueError, match="shapes differ"):
        mod.rmse(np.zeros(3), np.zeros(4))


# ---------------------------------------------------------------------------------------------------------------
# Fluoroscopy
# ---------------------------------------------------------------------------------------------------------------


def test_vessel_tree_geometry():
    thickness, distance = mod.vessel_tree((96, 96), depth=3, root_radius_mm=4.0, spacing_mm=1.0, seed=4)
    vessel = thickness > 0
    assert thickness.max() <= 8.0 + 1e-6, "a chord cannot exceed the root diameter"
    assert np.array_equal(vessel, np.isfinite(distance))
    assert vessel[0, 48], "the inlet is at the top centre"
    assert np.nanmin(distance[:5]) < 5.0 < np.nanmax(distance)
    again, _ = mod.vessel_tree((96, 96), depth=3, root_radius_mm=4.0, seed=4)
    np.testing.assert_array_equal(thickness, again)
    with pytest.raises(ValueError, match="depth"):
        mod.vessel_tree((96, 96), depth=0)


def test_gamma_variate_peaks_at_t0_plus_alpha_beta():
    t = np.linspace(0, 30, 30001)
    g = mod.gamma_variate(t, t0=2.0, alpha=3.0, beta=1.5)
    assert t[np.argmax(g)] == pytest.approx(2.0 + 3.0 * 1.5, abs=1e-3)
    assert g.max() == pytest.approx(1.0, abs=1e-6)
    assert np.all(g[t <= 2.0] == 0)


# ---------------------------------------------------------------------------------------------------------------
# MRI
# ---------------------------------------------------------------------------------------------------------------


def test_spin_echo_limits():
    # TR >> T1 and TE = 0: the signal is the proton density
    assert mod.spin_echo_signal(0.8, 1000.0, 100.0, tr_ms=1e6, te_ms=0.0) == pytest.approx(0.8)
    # TE = T2 leaves 1/e; TR = T1 recovers 1 - 1/e
    assert mod.spin_echo_signal(1.0, 1000.0, 100.0, tr_ms=1e6, te_ms=100.0) == pytest.approx(math.exp(-1))
    assert mod.spin_echo_signal(1.0, 1000.0, 100.0, tr_ms=1000.0, te_ms=0.0) == pytest.approx(1 - math.exp(-1))
    with pytest.raises(ValueError, match="> 0"):
        mod.spin_echo_signal(1.0, 0.0, 100.0, tr_ms=500.0, te_ms=10.0)


def _tissue_signal(name, tr, te):
    pd, t1, t2 = mod.RELAXATION_3T[name]
    return pd * (1 - math.exp(-tr / t1)) * math.exp(-te / t2)  # the textbook formula, written out


def test_t1_and_t2_weighting_order_the_tissues():
    t1w = {k: _tissue_signal(k, 500.0, 15.0) for k in ("gm", "wm", "csf")}
    t2w = {k: _tissue_signal(k, 4000.0, 100.0) for k in ("gm", "wm", "csf")}
    assert t1w["wm"] > t1w["gm"] > t1w["csf"]
    assert t2w["csf"] > t2w["gm"] > t2w["wm"]


def test_synthesised_image_is_the_fraction_weighted_sum():
    rng = np.random.default_rng(0)
    gm = rng.uniform(0, 1, (4, 5))
    wm = (1 - gm) * 0.7
    csf = 1 - gm - wm
    image = mod.synthesise_spin_echo({"gm": gm, "wm": wm, "csf": csf}, tr_ms=500.0, te_ms=15.0)
    expected = sum(f * _tissue_signal(k, 500.0, 15.0) for k, f in (("gm", gm), ("wm", wm), ("csf", csf)))
    np.testing.assert_allclose(image, expected, rtol=1e-6)
    with pytest.raises(KeyError, match="bone"):
        mod.synthesise_spin_echo({"bone": gm}, tr_ms=500.0, te_ms=15.0)
    with pytest.raises(ValueError, match="differ in shape"):
        mod.synthesise_spin_echo({"gm": gm, "wm": wm[:2]}, tr_ms=500.0, te_ms=15.0)


# ---------------------------------------------------------------------------------------------------------------
# PET
# ---------------------------------------------------------------------------------------------------------------


def _measured_fwhm(profile, spacing):
    """Width of a peaked profile at half its maximum, with linear interpolation between samples."""
    half = profile.max() / 2
    above = np.nonzero(profile >= half)[0]
    left, right = above[0], above[-1]
    xl = left - 1 + (half - profile[left - 1]) / (profile[left] - profile[left - 1])
    xr = right + (profile[right] - half) / (profile[right] - profile[right + 1])
    return (xr - xl) * spacing


@pytest.mark.parametrize("fwhm", [4.0, 5.0])
def test_psf_blur_of_a_point_has_the_requested_fwhm(fwhm):
    volume = np.zeros((41, 41, 41))
    volume[20, 20, 20] = 1000.0
    blurred = mod.psf_blur(volume, fwhm_mm=fwhm, spacing_mm=(1.0, 1.0, 1.0))
    assert blurred.sum() == pytest.approx(1000.0, rel=1e-4)
    for axis in range(3):
        profile = np.moveaxis(blurred, axis, 0)[:, 20, 20]
        assert _measured_fwhm(profile, 1.0) == pytest.approx(fwhm, rel=0.05)
    assert mod.fwhm_to_sigma(2.3548200450309493) == pytest.approx(1.0)


def test_psf_blur_needs_one_spacing_per_axis():
    with pytest.raises(ValueError, match="spacing_mm has 2 entries"):
        mod.psf_blur(np.zeros((4, 4, 4)), fwhm_mm=4.0, spacing_mm=(1.0, 1.0))


def test_f18_decay():
    np.testing.assert_allclose(mod.decay_factor([0.0, 109.8, 219.6]), [1.0, 0.5, 0.25])
    assert mod.decay_factor(60.0) == pytest.approx(math.exp(-math.log(2) * 60 / 109.8))


# ---------------------------------------------------------------------------------------------------------------
# Ultrasound
# ---------------------------------------------------------------------------------------------------------------


def test_pulse_envelope_is_its_gaussian():
    t = np.arange(-2.0, 2.0, 1 / 200.0)  # µs, sampled at 200 MHz
    pulse = mod.gaussian_pulse(t, f0_mhz=5.0, fractional_bandwidth=0.6)
    sigma_t = 1 / (2 * math.pi * 0.6 * 5.0 / (2 * math.sqrt(2 * math.log(2))))
    np.testing.assert_allclose(np.abs(hilbert(pulse)), np.exp(-(t**2) / (2 * sigma_t**2)), atol=0.01)
    np.testing.assert_allclose(mod.envelope(pulse), np.abs(hilbert(pulse)))


@pytest.mark.parametrize("seed", [0, 1])
def test_fully_developed_speckle_is_rayleigh(seed):
    env = mod.envelope(mod.simulate_rf(np.ones((3000, 64)), seed=seed))[100:-100]  # drop the edges of the convolution
    assert env.mean() / env.std() == pytest.approx(mod.RAYLEIGH_MEAN_TO_SD, rel=0.03)
    assert mod.RAYLEIGH_MEAN_TO_SD == pytest.approx(1.91, abs=0.005)  # speckle SNR of Wagner et al. 1983
    # Rayleigh: the mean envelope is sqrt(pi/4) times the RMS envelope
    assert env.mean() / np.sqrt(np.mean(env**2)) == pytest.approx(math.sqrt(math.pi / 4), rel=0.02)


def test_cyst_is_dark_and_log_compression_range():
    echo = np.ones((1200, 48))
    echo[500:700, 14:34] = 0.0
    env = mod.envelope(mod.simulate_rf(echo, seed=2))
    assert env[560:640, 20:28].mean() < 0.1 * env[100:300].mean()
    db = mod.log_compress(env, dynamic_range_db=40.0)
    assert db.max() == 0.0 and db.min() == -40.0
    with pytest.raises(ValueError, match="Nyquist"):
        mod.simulate_rf(echo, f0_mhz=5.0, fs_mhz=8.0)
    with pytest.raises(ValueError, match="magnitude"):
        mod.log_compress(-env)


# ---------------------------------------------------------------------------------------------------------------
# Overview
# ---------------------------------------------------------------------------------------------------------------


def test_human_bytes_and_describe_array():
    assert mod.human_bytes(512) == "512 B"
    assert mod.human_bytes(512 * 512 * 2) == "512.0 KiB"
    assert mod.human_bytes(30e9) == "27.9 GiB"
    row = mod.describe_array(np.zeros((2, 3, 4), np.int16), axes="zyx", spacing=(2.0, 1.0, 1.0))
    assert row["ndim"] == 3 and row["bytes"] == 48 and row["dtype"] == "int16" and row["spacing"] == (2.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="axes"):
        mod.describe_array(np.zeros((2, 3)), axes="zyx")
