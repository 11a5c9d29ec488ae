"""helpers.mri: spin-echo curves, k-space, motion ghosts and the TR/TE viewer."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import modalities as mod
from helpers import mri


def test_signal_curves_agree_with_the_spin_echo_equation():
    tr, te = np.array([300.0, 2000.0, 9000.0]), np.array([0.0, 50.0, 200.0])
    by_tr, by_te = mri.signal_vs_tr(tr, te_ms=20), mri.signal_vs_te(te, tr_ms=3000)
    for name, (pd, t1, t2) in mod.RELAXATION_3T.items():
        for i in range(3):
            assert np.isclose(by_tr[name][i], mod.spin_echo_signal(pd, t1, t2, tr_ms=tr[i], te_ms=20))
            assert np.isclose(by_te[name][i], mod.spin_echo_signal(pd, t1, t2, tr_ms=3000, te_ms=te[i]))


def test_curves_rank_tissues_by_t1_then_pd_and_by_t2():
    by_tr = mri.signal_vs_tr(np.array([300.0, 50_000.0]), te_ms=0)
    assert by_tr["wm"][0] > by_tr["gm"][0] > by_tr["csf"][0]  # short TR: shortest T1 brightest
    assert np.allclose([by_tr[k][1] for k in ("gm", "wm", "csf")],
                       [mod.RELAXATION_3T[k][0] for k in ("gm", "wm", "csf")], rtol=1e-3)  # long TR: PD
    by_te = mri.signal_vs_te(np.array([150.0]), tr_ms=20_000)
    assert by_te["csf"][0] > by_te["gm"][0] > by_te["wm"][0]  # long TE: longest T2 brightest


@pytest.mark.parametrize("call, match", [
    (lambda: mri.signal_vs_tr(np.array([0.0, 100.0]), te_ms=10), "repetition times > 0"),
    (lambda: mri.signal_vs_te(np.array([-1.0]), tr_ms=100), "echo times >= 0"),
    (lambda: mri.signal_vs_te(np.array([1.0]), tr_ms=0), "tr_ms must be > 0"),
    (lambda: mri.signal_vs_tr(np.array([1.0]), te_ms=1, tissues={}), "tissues is empty"),
])
def test_curves_reject_bad_times(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_kspace_round_trip_and_centre_is_the_sum():
    image = np.random.default_rng(0).random((16, 12))
    k = mri.to_kspace(image)
    assert np.isclose(k[8, 6], image.sum())  # k = 0 sits in the middle after fftshift
    assert np.allclose(mri.from_kspace(k).real, image)
    with pytest.raises(ValueError, match="2D"):
        mri.to_kspace(np.zeros(5))


def _square(n=64):
    image = np.zeros((n, n))
    image[24:40, 20:44] = 1.0
    return image


def test_motion_ghost_lies_along_the_phase_encode_direction():
    image = _square()
    for shift in [(0, 3), (3, 0), (2, -2)]:
        moved, lines = mri.motion_ghost(image, shift_px=shift, fraction=0.3, seed=1)
        assert len(lines) == round(0.3 * 64) and np.all(np.diff(lines) > 0)
        share = mri.ghost_energy_outside(moved - image, image > 0, margin_px=3)
        assert share["y"] > 0.1 and share["x"] < 1e-9, (shift, share)


def test_motion_ghost_without_motion_changes_nothing_and_validates():
    image = _square()
    same, _ = mri.motion_ghost(image, shift_px=(0, 0), seed=0)
    assert np.allclose(same, image)
    with pytest.raises(ValueError, match="fraction"):
        mri.motion_ghost(image, shift_px=(0, 1), fraction=1.0)
    with pytest.raises(ValueError, match="dy, dx"):
        mri.motion_ghost(image, shift_px=(1,))


def test_ghost_energy_outside_counts_the_right_rows_and_columns():
    support = np.zeros((10, 10), bool)
    support[4:6, 4:6] = True
    error = np.zeros((10, 10))
    error[0, 5] = 1.0  # outside along y only
    error[5, 0] = 1.0  # outside along x only
    assert mri.ghost_energy_outside(error, support) == {"y": 0.5, "x": 0.5}
    assert mri.ghost_energy_outside(error, support, margin_px=5) == {"y": 0.0, "x": 0.0}
    assert mri.ghost_energy_outside(np.zeros((10, 10)), support) == {"y": 0.0, "x": 0.0}
    with pytest.raises(ValueError, match="non-empty mask"):
        mri.ghost_energy_outside(error, np.zeros((10, 10), bool))


def _fractions():
    gm, wm, csf = (np.zeros((4, 6)) for _ in range(3))
    gm[:, :2], wm[:, 2:4], csf[:, 4:] = 1.0, 1.0, 1.0
    return {"gm": gm, "wm": wm, "csf": csf}


def test_spin_echo_pair_orders_the_tissues_as_the_weighting_says():
    t1w = mri.spin_echo_pair(_fractions(), tr_ms=500, te_ms=15)
    t2w = mri.spin_echo_pair(_fractions(), tr_ms=4000, te_ms=100)
    assert t1w["order"] == ["wm", "gm", "csf"] and t2w["order"] == ["csf", "gm", "wm"]
    assert t1w["image"].shape == (4, 6)
    with pytest.raises(ValueError, match="TE < TR"):
        mri.spin_echo_pair(_fractions(), tr_ms=100, te_ms=100)


def test_spin_echo_viewer_follows_its_sliders():
    viewer = mri.SpinEchoViewer(_fractions(), tr_ms=500, te_ms=15)
    assert viewer.state["order"][0] == "wm" and viewer.png[:4] == b"\x89PNG"
    viewer.tr.value, viewer.te.value = 5000.0, 120.0  # what a student's drags do
    assert viewer.state["order"][0] == "csf" and viewer.n_redraws == 3
    viewer.te.value = 300.0
    viewer.tr.value = 200.0  # TE is clipped below TR rather than failing
    assert viewer.state["means"]["csf"] >= 0
    with pytest.raises(ValueError, match="one slice"):
        mri.SpinEchoViewer({"gm": np.zeros((2, 2, 2))})
