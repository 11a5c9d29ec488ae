"""helpers.petct: SUV, the bilinear HU -> 511 keV conversion and attenuation factors."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import modalities as mod
from helpers import petct


def test_mu_at_511_kev_from_nist_water_and_electron_density():
    water = petct.MU_511KEV_PER_CM["water"]
    assert 0.0955 < water < 0.0965  # between NIST's 0.09687 (500 keV) and 0.08956 (600 keV), near 500
    bone = petct.MU_511KEV_PER_CM["cortical bone"]
    assert 1.7 < bone / water < 1.85  # Compton: electron density ratio, far below the 2.9 of 60 keV
    assert mod.MU_60KEV_PER_CM["cortical bone"] / mod.MU_60KEV_PER_CM["water"] > 2.5


def test_bilinear_conversion_hits_its_anchor_points():
    hu_bone = mod.mu_to_hu(mod.MU_60KEV_PER_CM["cortical bone"])
    mu = petct.hu_to_mu_511kev(np.array([-1000.0, -500.0, 0.0, hu_bone, -2000.0]))
    water, bone = petct.MU_511KEV_PER_CM["water"], petct.MU_511KEV_PER_CM["cortical bone"]
    assert np.allclose(mu, [0.0, water / 2, water, bone, 0.0])
    slope_soft = (mu[2] - mu[1]) / 500
    slope_bone = (bone - water) / hu_bone
    assert slope_bone < 0.7 * slope_soft  # two pieces: bone gains less per HU at 511 keV
    with pytest.raises(ValueError, match="mu_bone_ct > mu_water_ct"):
        petct.hu_to_mu_511kev(0.0, mu_water_ct=0.2, mu_bone_ct=0.1)


def test_suv_is_one_for_an_evenly_spread_tracer_and_decay_corrected():
    injected, weight, t = 370.0, 74.0, 60.0
    even = injected * mod.decay_factor(t) / weight  # kBq/mL if the tracer spread evenly (1 g ≈ 1 mL)
    assert np.isclose(petct.suv_bw(even, injected_mbq=injected, weight_kg=weight, minutes_after_injection=t), 1.0)
    uncorrected = petct.suv_bw(even, injected_mbq=injected, weight_kg=weight)
    assert np.isclose(uncorrected, 2 ** (-t / mod.F18_HALF_LIFE_MIN))
    assert petct.suv_bw(np.array([1.0, 2.0]), injected_mbq=1, weight_kg=1).shape == (2,)


@pytest.mark.parametrize("kwargs, match", [({"injected_mbq": 0, "weight_kg": 70}, "injected_mbq"),
                                           ({"injected_mbq": 300, "weight_kg": -1}, "weight_kg"),
                                           ({"injected_mbq": 300, "weight_kg": 70,
                                             "minutes_after_injection": -5}, "minutes_after_injection")])
def test_suv_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        petct.suv_bw(5.0, **kwargs)


def test_attenuation_factor_of_a_uniform_disc_is_exp_of_its_chord():
    n, radius, mu = 64, 20.0, 0.02  # per pixel
    yy, xx = np.mgrid[:n, :n] - (n - 1) / 2
    disc = np.where(np.hypot(yy, xx) < radius, mu, 0.0)
    factors = petct.attenuation_factors(disc, np.array([0.0, 45.0, 90.0]))
    centre = factors[n // 2]
    assert np.allclose(centre, np.exp(-mu * 2 * radius), rtol=0.05)  # the full chord, at every angle
    assert factors.max() == pytest.approx(1.0)  # lines that miss the disc lose nothing
    with pytest.raises(ValueError, match="square"):
        petct.attenuation_factors(np.zeros((4, 5)), np.array([0.0]))
