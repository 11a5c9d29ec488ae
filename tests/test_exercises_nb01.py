"""The checkers of 01_modalities.ipynb on small contexts: placeholder, typical wrong answers, right answer."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from helpers import modalities as mod
from helpers.exercises import check, notebook_ids

DL_CM = 0.25


def verdict(exercise_id: str, **namespace):
    return check(exercise_id, namespace=namespace, quiet=True)


def assert_hint_hides(message: str, expected: float) -> None:
    """No number in the hint is within 10 % of the expected value (nor the value itself, rounded)."""
    for token in re.findall(r"-?\d+(?:\.\d+)?", message.split(":", 1)[1]):
        assert not np.isclose(float(token), expected, rtol=0.1), (message, expected)


# ------------------------------------------------------------------------------------------------ small contexts
@pytest.fixture
def study():
    """A patient of two radiology rows (3 GB) and 5 slides of 30 GB each."""
    return pd.DataFrame({"department": ["Radiology", "Radiology", "Pathology"],
                         "bytes": [2e9, 1e9, 5 * 30e9], "count": [1, 2, 5]})


@pytest.fixture
def growth():
    t_h = np.arange(0, 24.5, 0.5)
    return {"t_h": t_h, "od_curve": mod.logistic_growth(t_h, rate_per_h=0.8)}


@pytest.fixture(scope="module")
def ct():
    """A 64-pixel disc of water in air as slice 28 of a small volume."""
    yy, xx = np.mgrid[:64, :64] - 31.5
    hu_slice = np.where(np.hypot(yy, xx) < 20, 0.0, -1000.0)
    hu = np.zeros((29, 64, 64))
    hu[28] = hu_slice
    return {"slice_mu": mod.hu_to_mu(hu_slice) * DL_CM, "hu": hu, "dl_cm": DL_CM}


@pytest.fixture
def bolus():
    """DSA curves peaking at distance / 50 mm/s + 1 s along a 10 x 10 vessel map."""
    t_s = np.arange(48) * 0.25
    distance_mm = np.tile(np.linspace(0, 200, 10), (10, 1))
    arrival = 1.0 + distance_mm / 50.0
    dsa = np.exp(-((t_s[:, None, None] - arrival) ** 2))
    return {"dsa": dsa, "thickness_mm": np.full((10, 10), 3.0), "distance_mm": distance_mm, "t_s": t_s}


@pytest.fixture
def tissues():
    """One pure voxel of each tissue."""
    gm, wm, csf = np.eye(3)
    return {"gm": gm, "wm": wm, "csf": csf, "pure": {"gm": gm > 0.9, "wm": wm > 0.9, "csf": csf > 0.9}}


@pytest.fixture
def arrays():
    overview = pd.DataFrame({"category": ["planar", "volume", "dynamic 4D", "dynamic 4D"],
                             "data": ["x-ray", "MRI", "fMRI (real)", "PET"],
                             "bytes": [100, 400, 16, 150]})  # the volume leads until fMRI has 300 volumes
    return {"overview": overview, "fmri": np.zeros((2, 2, 2, 2), np.uint8)}  # 8 bytes a volume -> 2400 bytes


# ------------------------------------------------------------------------------------------------------ the tests
def test_every_exercise_of_the_notebook_has_a_checker():
    assert notebook_ids("01") == sorted(["01-disk-total", "01-mid-log-time", "01-attenuation", "01-tiles-decoded",
                                         "01-limited-angle", "01-bolus-speed", "01-pd-weighting", "01-f18-decay",
                                         "01-compounding", "01-largest-category"])


def test_disk_total(study):
    assert verdict("01-disk-total", total_on_disk_gb=None, study=study).status == "unanswered"
    expected = 3.0 + 5 * 2.0
    for wrong, says in [(153.0, "uncompressed"), (3.0, "slides are missing"), (expected * 1e9, "units"),
                        (expected * 1.5, "too high")]:
        result = verdict("01-disk-total", total_on_disk_gb=wrong, study=study)
        assert result.status == "wrong" and says in result.message
        assert_hint_hides(result.message, expected)
    assert verdict("01-disk-total", total_on_disk_gb=expected, study=study).status == "correct"


def test_mid_log_time(growth):
    assert verdict("01-mid-log-time", t_mid_h=None, **growth).status == "unanswered"
    expected = float(np.interp(0.5, growth["od_curve"], growth["t_h"]))
    minutes = verdict("01-mid-log-time", t_mid_h=expected * 60, **growth)
    assert minutes.status == "wrong" and "minutes" in minutes.message
    late = verdict("01-mid-log-time", t_mid_h=expected + 1, **growth)
    assert late.status == "wrong" and "too high" in late.message
    assert_hint_hides(late.message, expected)
    assert verdict("01-mid-log-time", t_mid_h=expected + 0.05, **growth).status == "correct"


def test_attenuation():
    mu_water, mu_bone = mod.MU_60KEV_PER_CM["water"], mod.MU_60KEV_PER_CM["cortical bone"]
    fraction, bone = np.exp(-20 * mu_water), 20 * mu_water / mu_bone
    assert verdict("01-attenuation", water_fraction=None, bone_cm=None).status == "unanswered"
    assert verdict("01-attenuation", water_fraction=fraction, bone_cm=None).status == "unanswered"
    for water, bone_cm, says in [(100 * fraction, bone, "percentage"), (1 - fraction, bone, "absorbed"),
                                 (fraction, 20 * mu_bone / mu_water, "upside down"), (fraction, 2 * bone, "too high")]:
        result = verdict("01-attenuation", water_fraction=water, bone_cm=bone_cm)
        assert result.status == "wrong" and says in result.message
        assert_hint_hides(result.message, bone)
    assert verdict("01-attenuation", water_fraction=fraction, bone_cm=bone).status == "correct"


def test_tiles_decoded():
    region = np.zeros((600, 800, 3), np.uint8)
    assert verdict("01-tiles-decoded", region=None, n_tiles=None).status == "unanswered"
    shape = verdict("01-tiles-decoded", region=region[:, :400], n_tiles=16)
    assert shape.status == "wrong" and "region" in shape.message
    aligned = verdict("01-tiles-decoded", region=region, n_tiles=12)
    assert aligned.status == "wrong" and "tile corner" in aligned.message
    assert_hint_hides(aligned.message, 16)
    assert verdict("01-tiles-decoded", region=region, n_tiles=16.5).status == "wrong"
    assert verdict("01-tiles-decoded", region=region, n_tiles=16).status == "correct"


def test_limited_angle(ct):
    def rmse_hu(arc):
        return mod.rmse(mod.mu_to_hu(mod.fbp(*mod.ct_scan(ct["slice_mu"], n_views=120, arc_deg=arc)) / DL_CM),
                        ct["hu"][28])

    assert verdict("01-limited-angle", rmse_limited=None, **ct).status == "unanswered"
    expected, full = rmse_hu(120), rmse_hu(180)
    assert expected > 1.5 * full  # the exercise's claim holds on this disc too
    result = verdict("01-limited-angle", rmse_limited=full, **ct)
    assert result.status == "wrong" and "180°" in result.message
    assert_hint_hides(result.message, expected)
    assert verdict("01-limited-angle", rmse_limited=expected, **ct).status == "correct"


def test_bolus_speed(bolus):
    assert verdict("01-bolus-speed", speed_mm_s=None, **bolus).status == "unanswered"
    slope = verdict("01-bolus-speed", speed_mm_s=1 / 50, **bolus)
    assert slope.status == "wrong" and "inverse" in slope.message
    metres = verdict("01-bolus-speed", speed_mm_s=0.05, **bolus)
    assert metres.status == "wrong" and "units" in metres.message
    assert_hint_hides(metres.message, 50)
    assert verdict("01-bolus-speed", speed_mm_s=50.0, **bolus).status == "correct"


def test_pd_weighting(tissues):
    assert verdict("01-pd-weighting", tr=None, te=None, **tissues).status == "unanswered"
    for tr, te, says in [(500, 15, "TR"), (8000, 100, "TE"), ("long", 10, "positive"), (10, 500, "TE < TR")]:
        result = verdict("01-pd-weighting", tr=tr, te=te, **tissues)
        assert result.status == "wrong" and says in result.message, result.message
    assert verdict("01-pd-weighting", tr=8000, te=10, **tissues).status == "correct"


def test_f18_decay():
    half_life = mod.F18_HALF_LIFE_MIN
    left, minutes = 370 * 2 ** (-60 / half_life), half_life * np.log2(10)
    assert verdict("01-f18-decay", mbq_at_scan=None, minutes_to_10pct=None).status == "unanswered"
    for mbq, t, says in [(370 * np.exp(-60 / half_life), minutes, "mean life"),
                         (left, half_life * np.log(10), "base 2"), (left / 1000, minutes, "units"),
                         (left, minutes * 1.2, "too high")]:
        result = verdict("01-f18-decay", mbq_at_scan=mbq, minutes_to_10pct=t)
        assert result.status == "wrong" and says in result.message
        assert_hint_hides(result.message, left)
        assert_hint_hides(result.message, minutes)
    assert verdict("01-f18-decay", mbq_at_scan=left, minutes_to_10pct=minutes).status == "correct"


def test_compounding():
    single = mod.RAYLEIGH_MEAN_TO_SD
    assert verdict("01-compounding", compound_ratio=None).status == "unanswered"
    one_look = verdict("01-compounding", compound_ratio=single)
    assert one_look.status == "wrong" and "single look" in one_look.message
    too_high = verdict("01-compounding", compound_ratio=4 * single)
    assert too_high.status == "wrong" and "too high" in too_high.message
    assert_hint_hides(too_high.message, 2 * single)
    assert verdict("01-compounding", compound_ratio=np.float64(2.05 * single)).status == "correct"


def test_largest_category(arrays):
    assert verdict("01-largest-category", largest_category=None, **arrays).status == "unanswered"
    stale = verdict("01-largest-category", largest_category="volume", **arrays)
    assert stale.status == "wrong" and "as it stands" in stale.message and "dynamic" not in stale.message
    fewer = verdict("01-largest-category", largest_category="planar", **arrays)
    assert fewer.status == "wrong" and "fewer bytes" in fewer.message and "dynamic" not in fewer.message
    unknown = verdict("01-largest-category", largest_category="4D", **arrays)
    assert unknown.status == "wrong" and "one of" in unknown.message
    assert verdict("01-largest-category", largest_category="Dynamic 4D", **arrays).status == "correct"
