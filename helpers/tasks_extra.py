"""Batched statistics for notebook 03: one score's AUC against many simulated outcome vectors at once.

Functions over arrays, like :mod:`helpers.tasks`; the notebook shows the few lines each lesson rests on and uses
these for the batched or repeated versions.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["auc_per_row"]


def auc_per_row(labels, scores) -> np.ndarray:
    """ROC AUC of one fixed score against many label vectors at once (ties count one half).

    Parameters
    ----------
    labels : array_like of bool or {0, 1}, (n_draws, n_cases)
        One row of outcomes per draw; each row needs at least one positive and one negative.
    scores : array_like of float, (n_cases,)
        The score of every case, the same in every draw.

    Returns
    -------
    ndarray of float, (n_draws,)
        The AUC of ``scores`` against each row of ``labels``.

    Raises
    ------
    ValueError
        Shapes do not match, or a row has only one class.

    Examples
    --------
    >>> auc_per_row([[0, 0, 1, 1], [1, 0, 1, 0]], [0.1, 0.2, 0.3, 0.4])
    array([1.  , 0.25])
    """
    labels = np.atleast_2d(np.asarray(labels)).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 1 or labels.shape[1] != scores.size:
        raise ValueError(f"labels must be (n_draws, {scores.size}) for {scores.size} scores, got {labels.shape}")
    n_pos = labels.sum(axis=1)
    n_neg = labels.shape[1] - n_pos
    if np.any(n_pos == 0) or np.any(n_neg == 0):
        raise ValueError("every row of labels needs at least one positive and one negative case")
    ranks = stats.rankdata(scores)  # average ranks: ties count one half
    return (labels @ ranks - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
