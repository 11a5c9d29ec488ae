"""The checkers of 04_learning_paradigms.ipynb on small contexts: placeholder, typical wrong answers, the answer."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from helpers.exercises import check


def verdict(exercise_id: str, **namespace):
    return check(exercise_id, namespace=namespace, quiet=True)


def assert_wrong(exercise_id: str, expected: float, **namespace) -> str:
    """The answer in ``namespace`` is judged wrong, with a hint that does not contain the expected value."""
    result = verdict(exercise_id, **namespace)
    assert result.status == "wrong", result.message
    for digits in (2, 3):
        assert f"{expected:.{digits}f}" not in result.message, result.message
    return result.message


# ------------------------------------------------------------------------------------------------- 04-mse-score
@pytest.fixture(scope="module")
def slices():
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1], 20)
    images = rng.random((40, 16, 16))
    rebuilt = images + rng.normal(0, 0.2, images.shape)
    rebuilt[labels == 1, 4:7, 4:7] -= 0.3  # a small region the "autoencoder" fails to rebuild
    mse = ((images - rebuilt) ** 2).mean(axis=(1, 2))
    return {"labels": labels, "images": images, "rebuilt": rebuilt, "auc_anomaly": 0.97}, roc_auc_score(labels, mse)


def test_mse_score_placeholder_wrong_and_right(slices):
    context, expected = slices
    assert verdict("04-mse-score", auc_mse=None, **context).status == "unanswered"
    assert "max-of-error-map" in assert_wrong("04-mse-score", expected, auc_mse=0.97, **context)
    assert "between 0 and 1" in assert_wrong("04-mse-score", expected, auc_mse=100 * expected, **context)
    assert "number" in assert_wrong("04-mse-score", expected, auc_mse="0.6", **context)
    assert_wrong("04-mse-score", expected, auc_mse=expected - 0.05, **context)
    assert verdict("04-mse-score", auc_mse=expected, **context).status == "correct"


# ---------------------------------------------------------------------------------------- 04-hard-pseudo-labels
def _hard_auc_as_in_the_notebook(features, y, pool, held_out, seeds):
    """The notebook's solution, written independently of the checker (a loop over rounds with a boolean mask)."""
    aucs = []
    for seed in seeds:
        r = np.random.default_rng(seed)
        n = int(0.01 * len(pool))
        labelled = np.r_[r.choice(pool[y[pool] == 0], n // 2, replace=False),
                         r.choice(pool[y[pool] == 1], n - n // 2, replace=False)]
        x_lab, y_lab = features[labelled], y[labelled]
        x_unlab = features[np.setdiff1d(pool, labelled)]
        model = LogisticRegression(max_iter=1000).fit(x_lab, y_lab)
        for _ in range(5):
            p = model.predict_proba(x_unlab)[:, 1]
            sure = (p > 0.9) | (p < 0.1)
            model = LogisticRegression(max_iter=1000).fit(np.vstack([x_lab, x_unlab[sure]]),
                                                          np.r_[y_lab, (p[sure] > 0.5).astype(int)])
        aucs.append(roc_auc_score(y[held_out], model.predict_proba(features[held_out])[:, 1]))
    return float(np.mean(aucs))


@pytest.fixture(scope="module")
def feature_cache():
    rng = np.random.default_rng(2)
    y = (rng.random(500) < 0.3).astype(int)
    features = rng.normal(size=(500, 4)) + 0.8 * y[:, None]
    context = {"features": features, "y": y, "pool": np.arange(300), "held_out": np.arange(300, 500), "seeds": [0],
               "summary": pd.DataFrame({"supervised": [0.61], "semi-supervised": [0.66]}, index=[1.0])}
    return context, _hard_auc_as_in_the_notebook(**{k: v for k, v in context.items() if k != "summary"})


def test_hard_pseudo_labels_placeholder_wrong_and_right(feature_cache):
    context, expected = feature_cache
    assert verdict("04-hard-pseudo-labels", auc_hard=None, **context).status == "unanswered"
    assert "soft pseudo-label" in assert_wrong("04-hard-pseudo-labels", expected, auc_hard=0.66, **context)
    assert "too low" in assert_wrong("04-hard-pseudo-labels", expected, auc_hard=expected - 0.1, **context)
    assert verdict("04-hard-pseudo-labels", auc_hard=expected, **context).status == "correct"


# ------------------------------------------------------------------------------------------- 04-naive-patch-auc
@pytest.fixture(scope="module")
def mil_context():
    rng = np.random.default_rng(3)
    bag_labels = np.repeat([0, 1], 12)
    instance_labels = np.zeros((24, 8), int)
    instance_labels[12:, :2] = 1  # two tumour patches in every positive bag
    bags = rng.normal(size=(24, 8, 3)) + 0.8 * instance_labels[..., None]
    order = rng.permutation(24)
    train, test_bags = order[:14], order[14:]
    mil = SimpleNamespace(bag_labels=bag_labels, instance_labels=instance_labels)
    positive_bags = bag_labels[test_bags] == 1
    naive = LogisticRegression(max_iter=1000).fit(bags[train].reshape(-1, 3), np.repeat(bag_labels[train], 8))
    p = naive.predict_proba(bags[test_bags][positive_bags].reshape(-1, 3))[:, 1]
    expected = roc_auc_score(instance_labels[test_bags][positive_bags].ravel(), p)
    results = {"attention": {"bag AUC": 0.9, "patch AUC of the weights (positive bags)": 0.93}}
    context = {"bags": bags, "mil": mil, "train": train, "test_bags": test_bags, "positive_bags": positive_bags,
               "results": results}
    return context, expected, naive


def test_naive_patch_auc_placeholder_wrong_and_right(mil_context):
    context, expected, naive = mil_context
    assert verdict("04-naive-patch-auc", naive_patch_auc=None, **context).status == "unanswered"
    assert "attention" in assert_wrong("04-naive-patch-auc", expected, naive_patch_auc=0.93, **context)
    all_bags = roc_auc_score(context["mil"].instance_labels[context["test_bags"]].ravel(),
                             naive.predict_proba(context["bags"][context["test_bags"]].reshape(-1, 3))[:, 1])
    assert "positive test bags" in assert_wrong("04-naive-patch-auc", expected, naive_patch_auc=all_bags, **context)
    assert verdict("04-naive-patch-auc", naive_patch_auc=expected, **context).status == "correct"
