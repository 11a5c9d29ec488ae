"""Tests of helpers.metrics: mask overlap and distance, FROC, ROC AUC, bootstrap and Wilson intervals, calibration,
subgroups; checked against scikit-learn, SciPy and plain definitions."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from helpers import metrics


def _disk(shape, center, radius):
    rr, cc = np.mgrid[: shape[0], : shape[1]]
    return (rr - center[0]) ** 2 + (cc - center[1]) ** 2 <= radius**2


def test_metrics_import_without_torch():
    code = "import sys, helpers.metrics; print(any(m == 'torch' or m.startswith('torch.') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- dice and Hausdorff ------------------------------------------------------------------------------------------


def test_dice_known_values():
    a = _disk((40, 40), (20, 20), 8)
    assert metrics.dice(a, a) == 1.0
    assert metrics.dice(a, ~a) == 0.0
    empty = np.zeros_like(a)
    assert metrics.dice(empty, empty) == 1.0 and metrics.dice(a, empty) == 0.0
    half = a.copy()
    half[:, 20:] = False
    assert metrics.dice(a, half) == pytest.approx(2 * half.sum() / (a.sum() + half.sum()))


def test_dice_rejects_bad_masks():
    with pytest.raises(ValueError, match="same shape"):
        metrics.dice(np.zeros((3, 3), bool), np.zeros((3, 4), bool))
    with pytest.raises(TypeError, match="bool"):
        metrics.dice(np.zeros((3, 3)), np.zeros((3, 3), bool))


def test_hausdorff_shifted_square_uses_spacing():
    a = np.zeros((30, 30), bool)
    a[5:15, 5:15] = True
    b = np.roll(a, 4, axis=0)
    assert metrics.hausdorff_mm(a, b, (0.5, 2.0)) == pytest.approx(2.0)  # 4 rows of 0.5 mm
    assert metrics.hausdorff_mm(a, a, (1.0, 1.0)) == 0.0


def test_hausdorff_concentric_disks_and_percentile():
    small, big = _disk((64, 64), (32, 32), 6), _disk((64, 64), (32, 32), 14)
    hd = metrics.hausdorff_mm(small, big, (1.0, 1.0))
    assert 7.0 <= hd <= 9.0  # radii differ by 8 px, up to pixelisation
    assert metrics.hausdorff_mm(small, big, (1.0, 1.0), percentile=50) <= hd
    # one stray pixel far away sets the classic distance but hardly the HD95
    stray = big.copy()
    stray[2, 2] = True
    assert metrics.hausdorff_mm(big, stray, (1.0, 1.0)) > 20
    assert metrics.hausdorff_mm(big, stray, (1.0, 1.0), percentile=95) < 2


def test_hausdorff_empty_masks_and_errors():
    empty, a = np.zeros((10, 10), bool), _disk((10, 10), (5, 5), 2)
    assert metrics.hausdorff_mm(empty, empty, (1, 1)) == 0.0
    assert metrics.hausdorff_mm(a, empty, (1, 1)) == float("inf")
    with pytest.raises(ValueError, match="spacing_mm"):
        metrics.hausdorff_mm(a, a, (1.0,))
    with pytest.raises(ValueError, match="spacing_mm"):
        metrics.hausdorff_mm(a, a, (1.0, 0.0))
    with pytest.raises(ValueError, match="percentile"):
        metrics.hausdorff_mm(a, a, (1.0, 1.0), percentile=101)


def test_hausdorff_3d():
    a = np.zeros((12, 12, 12), bool)
    a[3:7, 3:7, 3:7] = True
    b = np.roll(a, 2, axis=0)
    assert metrics.hausdorff_mm(a, b, (3.0, 1.0, 1.0)) == pytest.approx(6.0)


def test_hausdorff_matches_scipy_directed_hausdorff():
    from scipy.spatial.distance import directed_hausdorff

    a, b = _disk((48, 48), (20, 22), 9), _disk((48, 48), (27, 25), 6)
    spacing = np.array([0.7, 1.3])
    edge = [np.argwhere(m & ~np.pad(m, 1)[2:, 1:-1] | m & ~np.pad(m, 1)[:-2, 1:-1]
                        | m & ~np.pad(m, 1)[1:-1, 2:] | m & ~np.pad(m, 1)[1:-1, :-2]) * spacing for m in (a, b)]
    expected = max(directed_hausdorff(edge[0], edge[1])[0], directed_hausdorff(edge[1], edge[0])[0])
    assert metrics.hausdorff_mm(a, b, spacing) == pytest.approx(expected)


# --- FROC --------------------------------------------------------------------------------------------------------


def test_froc_counts_hits_duplicates_and_false_positives():
    truths = [np.array([[10, 10], [40, 40]]), np.zeros((0, 2))]
    candidates = [
        np.array([[11, 10, 0.9],    # hit lesion 1
                  [10, 12, 0.8],    # duplicate on lesion 1: ignored
                  [25, 25, 0.7],    # false positive
                  [41, 39, 0.3]]),  # hit lesion 2
        np.array([[5, 5, 0.5]]),    # false positive on a lesion-free image
    ]
    fp, sens, thr = metrics.froc_curve(candidates, truths, max_distance_px=3)
    np.testing.assert_allclose(thr, [0.9, 0.7, 0.5, 0.3])
    np.testing.assert_allclose(sens, [0.5, 0.5, 0.5, 1.0])
    np.testing.assert_allclose(fp, [0.0, 0.5, 1.0, 1.0])


def test_froc_errors():
    with pytest.raises(ValueError, match="one candidate array per image"):
        metrics.froc_curve([np.zeros((0, 3))], [], max_distance_px=2)
    with pytest.raises(ValueError, match="no lesions"):
        metrics.froc_curve([np.zeros((0, 3))], [np.zeros((0, 2))], max_distance_px=2)
    with pytest.raises(ValueError, match="max_distance_px"):
        metrics.froc_curve([np.zeros((0, 3))], [np.ones((1, 2))], max_distance_px=0)


# --- ROC AUC, bootstrap, Wilson ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_auc_matches_scikit_learn_with_ties(seed):
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 300)
    s = np.round(y + rng.normal(0, 1.2, 300), 1)  # rounding makes ties
    assert metrics.roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_bootstrap_ci_contains_the_estimate_and_shrinks_with_n():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)

    def sample(n):
        y = rng.integers(0, 2, n)
        return y, y + rng.normal(0, 1.0, n)

    y, s = sample(200)
    lo, hi = metrics.bootstrap_ci(y, s, n_boot=300)
    assert lo < roc_auc_score(y, s) < hi
    assert metrics.roc_auc(y, s) == pytest.approx(roc_auc_score(y, s))
    y2, s2 = sample(2000)
    lo2, hi2 = metrics.bootstrap_ci(y2, s2, n_boot=300)
    assert hi2 - lo2 < 0.6 * (hi - lo)


def test_bootstrap_ci_errors():
    with pytest.raises(ValueError, match="one class"):
        metrics.bootstrap_ci(np.ones(10), np.arange(10.0))
    with pytest.raises(ValueError, match="n_boot"):
        metrics.bootstrap_ci(np.r_[0, 1], np.r_[0.0, 1.0], n_boot=10)


def test_operating_point():
    assert metrics.operating_point([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], 0.5) == (0.5, 0.5)
    with pytest.raises(ValueError, match="both classes"):
        metrics.operating_point([1, 1], [0.2, 0.3], 0.5)


@pytest.mark.parametrize(("k", "n"), [(0, 5), (3, 10), (47, 50), (120, 400)])
def test_wilson_interval_matches_scipy(k, n):
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert metrics.wilson_interval(k, n) == pytest.approx((ci.low, ci.high), abs=1e-6)


def test_wilson_interval_errors():
    with pytest.raises(ValueError, match="successes <= n"):
        metrics.wilson_interval(6, 5)
    with pytest.raises(ValueError, match="n >= 1"):
        metrics.wilson_interval(0, 0)


# --- calibration and subgroups -----------------------------------------------------------------------------------


def test_reliability_and_ece():
    y = np.array([0, 0, 1, 1, 1, 0, 1, 1])
    p = np.array([0.05, 0.1, 0.9, 0.95, 0.92, 0.6, 0.65, 0.7])
    table = metrics.reliability_table(y, p, bins=2)
    assert table["count"].tolist() == [2, 6]
    assert table["frequency"].tolist() == pytest.approx([0, 5 / 6])
    ece = metrics.expected_calibration_error(y, p, bins=2)
    manual = (2 * abs(0 - 0.075) + 6 * abs(5 / 6 - np.mean(p[2:]))) / 8
    assert ece == pytest.approx(manual)
    assert metrics.expected_calibration_error([0, 1], [0.0, 1.0]) == 0
    with pytest.raises(ValueError, match="probabilities"):
        metrics.reliability_table([0, 1], [0.5, 1.5])


def test_subgroup_table():
    y = np.array([1, 1, 1, 1, 0, 0])
    p = np.array([0.9, 0.8, 0.2, 0.7, 0.1, 0.6])
    table = metrics.subgroup_table(y, p, {"lesions": y == 1, "no lesion": y == 0, "all": np.ones(6, bool)})
    assert table.metric.tolist() == ["sensitivity", "specificity", "accuracy"]
    assert table.value.tolist() == pytest.approx([0.75, 0.5, 4 / 6])
    assert (table.lo < table.value).all() and (table.value < table.hi).all()
    with pytest.raises(ValueError, match="non-empty"):
        metrics.subgroup_table(y, p, {"none": np.zeros(6, bool)})


def test_paired_bootstrap_difference_is_paired_and_takes_the_median():
    diff, (low, high) = metrics.paired_bootstrap_difference(np.r_[np.ones(80), np.zeros(20)],
                                                            np.r_[np.ones(50), np.zeros(50)])
    assert diff == pytest.approx(0.3) and 0.15 < low < diff < high < 0.45
    rng = np.random.default_rng(1)
    b = rng.uniform(0.5, 0.8, 200)
    a = b + 0.05 + rng.normal(0, 0.02, 200)  # the same cases, a shade better: a tight paired interval
    diff, (low, high) = metrics.paired_bootstrap_difference(a, b, seed=3)
    assert low < 0.05 < high and high - low < 0.02
    hd95 = np.r_[np.full(150, 2.0), np.full(50, np.inf)]  # a quarter missed: the median is still finite
    assert metrics.paired_bootstrap_difference(hd95, hd95 - 1, statistic=np.median)[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="paired"):
        metrics.paired_bootstrap_difference(a, b[:-1])
