"""Checkers of 04_learning_paradigms.ipynb.

Each recomputes the expected AUC from the notebook's own variables (the test slices and their reconstructions, the
cached features, the MIL bags), so it holds whatever the seeds gave.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from ._core import exercise, hint
from ._hints import number


def _auc_hint(value, expected: float, mistakes: dict[str, float], *, atol: float):
    """None if ``value`` is an AUC within ``atol`` of ``expected``, else what is off.

    ``mistakes`` maps a description of a typical wrong computation to the AUC it gives; an answer matching one of
    them (and not the expected value) gets that description as its hint.
    """
    problem = number(value, expected=expected, atol=atol, rtol=0.0)
    if problem is None:
        return None
    if number(value, expected=0.5, atol=0.5) is not None:  # not a finite number in [0, 1]
        return problem if "number" in problem.text else hint(
            "an AUC lies between 0 and 1: pass the true labels first and the scores second to roc_auc_score")
    close = [what for what, auc in mistakes.items() if abs(float(value) - auc) <= atol / 5]
    return hint(f"that is {close[0]}") if close else problem


@exercise("04-mse-score")
def mse_score(auc_mse, labels, images, rebuilt, auc_anomaly=None):
    """The test AUC of the mean squared reconstruction error per slice."""
    expected = roc_auc_score(labels, ((images - rebuilt) ** 2).mean(axis=(1, 2)))
    mistakes = {} if auc_anomaly is None else {
        "the AUC of the max-of-error-map score from above: score by the mean squared error instead": auc_anomaly}
    return _auc_hint(auc_mse, expected, mistakes, atol=0.005)


def _balanced_labels(pool, y, n: int, seed: int) -> np.ndarray:
    """The indices the notebook's ``labelled_subset(n, seed)`` draws: n // 2 normal slices, then the rest lesions."""
    rng = np.random.default_rng(seed)
    normal = rng.choice(pool[y[pool] == 0], n // 2, replace=False)
    lesion = rng.choice(pool[y[pool] == 1], n - n // 2, replace=False)
    return np.concatenate([normal, lesion])


def _hard_pseudo_label_auc(features, y, pool, held_out, seed: int, *, rounds: int = 5, sure: float = 0.9) -> float:
    """Held-out AUC after ``rounds`` refits on the labelled slices plus the unlabelled ones ≥ ``sure`` sure."""
    labelled = _balanced_labels(pool, y, int(0.01 * len(pool)), seed)
    x_unlabelled = features[np.setdiff1d(pool, labelled)]
    x, target = features[labelled], y[labelled]
    model = LogisticRegression(max_iter=1000).fit(x, target)
    for _ in range(rounds):
        belief = model.predict_proba(x_unlabelled)[:, 1]
        keep = np.maximum(belief, 1 - belief) > sure
        model = LogisticRegression(max_iter=1000).fit(np.concatenate([x, x_unlabelled[keep]]),
                                                      np.concatenate([target, (belief[keep] > 0.5).astype(int)]))
    return roc_auc_score(y[held_out], model.predict_proba(features[held_out])[:, 1])


@exercise("04-hard-pseudo-labels")
def hard_pseudo_labels(auc_hard, features, y, pool, held_out, seeds, summary=None):
    """The mean held-out AUC at 1% labels with hard pseudo-labels (p ≥ 90% sure, label p > 0.5, weight 1).

    ``seeds`` are the notebook's seeds of the labelled subsets (one subset each), so the expected value follows the
    notebook when its seeds change.
    """
    expected = float(np.mean([_hard_pseudo_label_auc(features, y, pool, held_out, seed) for seed in seeds]))
    mistakes = {}
    if summary is not None:
        mistakes = {"the soft pseudo-label AUC at 1% from the table above: replace the soft labels by hard ones":
                    summary.loc[1.0, "semi-supervised"],
                    "the supervised baseline at 1% from the table above: add the confident unlabelled slices":
                    summary.loc[1.0, "supervised"]}
    return _auc_hint(auc_hard, expected, mistakes, atol=0.01)


@exercise("04-naive-patch-auc")
def naive_patch_auc(naive_patch_auc, bags, mil, train, test_bags, positive_bags, results=None):
    """The patch AUC, within the positive test bags, of a patch classifier trained on its bags' labels."""
    n_features = bags.shape[-1]
    classifier = LogisticRegression(max_iter=1000).fit(bags[train].reshape(-1, n_features),
                                                       np.repeat(mil.bag_labels[train], bags.shape[1]))
    test_patches = bags[test_bags].reshape(-1, n_features)
    probability = classifier.predict_proba(test_patches)[:, 1].reshape(len(test_bags), -1)
    truth = mil.instance_labels[test_bags]
    expected = roc_auc_score(truth[positive_bags].ravel(), probability[positive_bags].ravel())
    mistakes = {"the AUC over the patches of all test bags: keep only the positive test bags":
                roc_auc_score(truth.ravel(), probability.ravel())}
    for pooling, scores in (results or {}).items():
        mistakes[f"the {pooling}-pooling model's patch AUC from the table: train the naive patch classifier "
                 "instead"] = scores["patch AUC of the weights (positive bags)"]
    return _auc_hint(naive_patch_auc, expected, mistakes, atol=0.005)
