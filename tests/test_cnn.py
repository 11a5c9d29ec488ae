"""helpers.cnn: the spiculated/lobulated mass simulator, its designed features and the paired bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from helpers import cnn


def test_lesion_outlines_are_balanced_reproducible_and_seeded():
    a, b, c = cnn.lesion_outlines(40, seed=0), cnn.lesion_outlines(40, seed=0), cnn.lesion_outlines(40, seed=1)
    assert a.images.shape == (40, 32, 32) and a.images.dtype == np.float32 and a.labels.sum() == 20
    assert np.array_equal(a.images, b.images) and not np.array_equal(a.images, c.images)
    assert cnn.lesion_outlines(4, size=40).images.shape == (4, 40, 40)


@pytest.mark.parametrize("kwargs", [{"n": 1}, {"n": 10, "size": 16}, {"n": 10, "noise": -0.1}])
def test_lesion_outlines_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        cnn.lesion_outlines(**kwargs)


def test_spiculated_masses_are_less_solid_without_noise():
    data = cnn.lesion_outlines(200, noise=0.0, seed=0)
    solidity = cnn.outline_features(data.images)[:, cnn.OUTLINE_FEATURES.index("solidity (area / convex-hull area)")]
    # spikes (and the crossing line, in both classes) lower the solidity; the classes overlap but differ on average
    assert solidity[data.labels == 1].mean() < solidity[data.labels == 0].mean()


def test_outline_features_of_a_disk_and_a_star():
    yy, xx = np.mgrid[:32, :32] - 15.5
    r, theta = np.hypot(yy, xx), np.arctan2(yy, xx)
    disk = (r < 8).astype(float)
    star = (r < 5 + 4 * (np.cos(6 * theta) > 0.8)).astype(float)
    f = cnn.outline_features(np.stack([disk, star]))
    names = cnn.OUTLINE_FEATURES
    assert f.shape == (2, len(names))
    for name in ("solidity (area / convex-hull area)", "circularity 4πA/P²"):
        assert f[0, names.index(name)] > f[1, names.index(name)], name  # the disk is the more compact shape
    with pytest.raises(ValueError):
        cnn.outline_features(np.zeros((32, 32)))


def test_paired_bootstrap_auc_matches_sklearn_and_brackets_it():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    a, b = y + rng.normal(0, 1, 300), y + rng.normal(0, 2, 300)
    r = cnn.paired_bootstrap_auc(y, a, b, n_boot=500, seed=0)
    assert r["auc_a"] == pytest.approx(roc_auc_score(y, a)) and r["auc_b"] == pytest.approx(roc_auc_score(y, b))
    assert r["ci_a"][0] < r["auc_a"] < r["ci_a"][1] and r["ci_diff"][0] < r["diff"] < r["ci_diff"][1]
    assert r["ci_diff"][0] > 0  # a is much the better score
    # the paired interval of the difference is narrower than the gap between the separate intervals' ends
    assert r["ci_diff"][1] - r["ci_diff"][0] < (r["ci_a"][1] - r["ci_b"][0]) - (r["ci_a"][0] - r["ci_b"][1])
    with pytest.raises(ValueError):
        cnn.paired_bootstrap_auc(np.ones(10), a[:10], b[:10])
    with pytest.raises(ValueError):
        cnn.paired_bootstrap_auc(y, a, b[:-1])
