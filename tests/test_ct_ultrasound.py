"""helpers.ct (FBP sweep, slice counts, viewer) and helpers.ultrasound (the Doppler equation)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import ct, ultrasound
from helpers import modalities as mod

PIXEL_CM = 0.25


@pytest.fixture(scope="module")
def disc():
    yy, xx = np.mgrid[:64, :64] - 31.5
    hu = np.where(np.hypot(yy, xx) < 20, 0.0, -1000.0)
    return mod.hu_to_mu(hu) * PIXEL_CM, hu


def test_fbp_sweep_more_views_and_a_full_arc_are_better(disc):
    mu, hu = disc
    few, many = (ct.fbp_sweep(mu, hu, n_views=n, arc_deg=180, pixel_cm=PIXEL_CM)["rmse_hu"] for n in (8, 90))
    short = ct.fbp_sweep(mu, hu, n_views=90, arc_deg=90, pixel_cm=PIXEL_CM)["rmse_hu"]
    assert many < 0.5 * few and many < 0.7 * short
    result = ct.fbp_sweep(mu, hu, n_views=90, arc_deg=180, pixel_cm=PIXEL_CM)
    assert abs(np.median(result["hu"][np.hypot(*(np.mgrid[:64, :64] - 31.5)) < 10])) < 30  # water ≈ 0 HU


def test_fbp_sweep_validates(disc):
    mu, hu = disc
    with pytest.raises(ValueError, match="same shape"):
        ct.fbp_sweep(mu, hu[:10], n_views=10, arc_deg=180, pixel_cm=PIXEL_CM)
    with pytest.raises(ValueError, match="arc_deg"):
        ct.fbp_sweep(mu, hu, n_views=10, arc_deg=0, pixel_cm=PIXEL_CM)


def test_slices_per_study_is_the_product_of_its_factors():
    assert ct.slices_per_study(100, increment_mm=1) == 101
    assert ct.slices_per_study(700, increment_mm=0.625, n_phases=3, n_kernels=2) == (1120 + 1) * 6
    with pytest.raises(ValueError, match="increment_mm"):
        ct.slices_per_study(100, increment_mm=0)
    with pytest.raises(ValueError, match="n_phases"):
        ct.slices_per_study(100, increment_mm=1, n_phases=0)


def test_fbp_viewer_reports_the_error_of_its_sliders(disc):
    mu, hu = disc
    viewer = ct.FBPViewer(mu, hu, pixel_cm=PIXEL_CM, n_views=90, arc_deg=180)
    full = viewer.state["rmse_hu"]
    viewer.n_views.value = 6  # a student's drag
    assert viewer.state["n_views"] == 6 and viewer.state["rmse_hu"] > full and viewer.png[:4] == b"\x89PNG"
    viewer.arc.value = 60
    assert viewer.state["arc_deg"] == 60.0 and viewer.n_redraws == 3


def test_doppler_equation():
    assert np.isclose(ultrasound.doppler_shift_hz(1.0, f0_mhz=1.54, angle_deg=0), 2000.0)  # 2·f0·v/c
    assert abs(ultrasound.doppler_shift_hz(0.5, f0_mhz=5, angle_deg=90)) < 1e-9
    assert ultrasound.doppler_shift_hz(-0.5, f0_mhz=5, angle_deg=0) < 0  # flow away from the probe
    with pytest.raises(ValueError, match="f0_mhz"):
        ultrasound.doppler_shift_hz(0.5, f0_mhz=0, angle_deg=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pulsed_doppler_spectrum_peaks_at_the_doppler_shift(seed):
    for angle in (0, 45, 70):
        iq = ultrasound.slow_time_signal(0.4, f0_mhz=4, angle_deg=angle, prf_hz=8000, n_pulses=128, noise=0.7,
                                         seed=seed)
        expected = ultrasound.doppler_shift_hz(0.4, f0_mhz=4, angle_deg=angle)
        assert abs(ultrasound.peak_frequency_hz(iq, prf_hz=8000) - expected) < 8000 / 128


def test_slow_time_validates():
    with pytest.raises(ValueError, match="n_pulses"):
        ultrasound.slow_time_signal(0.5, f0_mhz=5, angle_deg=0, prf_hz=5000, n_pulses=4)
    with pytest.raises(ValueError, match="8 samples"):
        ultrasound.peak_frequency_hz(np.ones(3), prf_hz=1000)
