"""helpers.pseudolabels: the threshold sweep of hard pseudo-labels and its viewer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.pseudolabels import PseudoLabelViewer, pseudo_label_curve


@pytest.fixture(scope="module")
def split():
    rng = np.random.default_rng(4)
    y = (rng.random(600) < 0.4).astype(int)
    x = rng.normal(size=(600, 3)) + 1.2 * y[:, None]
    labelled = np.r_[np.flatnonzero(y == 0)[:4], np.flatnonzero(y == 1)[:4]]
    rest = np.setdiff1d(np.arange(400), labelled)
    return x[labelled], y[labelled], x[rest], y[rest], x[400:], y[400:]


def test_curve_counts_fall_and_precision_rises_with_the_threshold(split):
    curve = pseudo_label_curve(*split, thresholds=[0.5, 0.7, 0.9, 0.98])
    assert curve["pseudo-labels"].is_monotonic_decreasing
    assert curve.loc[0.5, "pseudo-labels"] == len(split[2])  # at 0.5 every unlabelled row gets a guess
    assert curve["precision"].iloc[-1] > curve["precision"].iloc[0]  # confident guesses are right more often
    assert curve["AUC"].between(0.5, 1).all() and 0.5 < curve.attrs["supervised AUC"] <= 1


def test_curve_precision_matches_a_direct_count(split):
    from sklearn.linear_model import LogisticRegression

    x_lab, y_lab, x_un, y_un, _, _ = split
    p = LogisticRegression(max_iter=1000).fit(x_lab, y_lab).predict_proba(x_un)[:, 1]
    sure = np.maximum(p, 1 - p) >= 0.8
    curve = pseudo_label_curve(*split, thresholds=[0.8])
    assert curve.loc[0.8, "pseudo-labels"] == sure.sum()
    assert curve.loc[0.8, "precision"] == pytest.approx(((p[sure] > 0.5) == y_un[sure]).mean())


@pytest.mark.parametrize("thresholds, match", [([0.4], r"\[0.5, 1\)"), ([1.0], r"\[0.5, 1\)"), ([], "non-empty")])
def test_curve_rejects_bad_thresholds(split, thresholds, match):
    with pytest.raises(ValueError, match=match):
        pseudo_label_curve(*split, thresholds=thresholds)


def test_curve_rejects_one_class_and_mismatched_rows(split):
    x_lab, y_lab, *rest = split
    with pytest.raises(ValueError, match="one class only"):
        pseudo_label_curve(x_lab, np.zeros_like(y_lab), *rest)
    with pytest.raises(ValueError, match="labelled: 8 rows"):
        pseudo_label_curve(x_lab, y_lab[:-1], *rest)


def test_viewer_follows_the_slider(split):
    curve = pseudo_label_curve(*split, thresholds=[0.6, 0.8, 0.95])
    viewer = PseudoLabelViewer(curve, threshold=0.6)
    first = viewer.png
    viewer.threshold.value = 0.95
    assert viewer.state["pseudo-labels"] == curve.loc[0.95, "pseudo-labels"]
    assert viewer.n_redraws == 2 and viewer.png != first and viewer.png[:4] == b"\x89PNG"


def test_viewer_rejects_a_table_without_the_curve_columns():
    with pytest.raises(ValueError, match="missing columns"):
        PseudoLabelViewer(pd.DataFrame({"AUC": [0.7]}, index=[0.9]))
