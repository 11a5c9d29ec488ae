"""Evaluation metrics of the course, in one place: overlap and distance of masks, detection, ROC AUC, honest
uncertainty, calibration and subgroup performance.

Every function takes numpy arrays and returns numbers or tables; nothing here imports torch, so the metrics work
for scikit-learn baselines and networks alike (``tests/test_metrics.py`` checks them against scikit-learn, SciPy
and plain definitions). Notebooks 03 (segmentation, detection, validation), 04, 06 and 09 (readers, calibration,
subgroups) use them.

- segmentation: :func:`dice`, :func:`hausdorff_mm` (``percentile=95`` for HD95);
- detection: :func:`froc_curve`;
- classification: :func:`roc_auc`, :func:`operating_point`, :func:`bootstrap_ci`, :func:`wilson_interval`;
- calibration: :func:`reliability_table`, :func:`expected_calibration_error`;
- subgroups: :func:`subgroup_table`.

Conventions: masks are bool arrays of the same shape, pixel spacing is ``(row_mm, col_mm)`` in millimetres,
labels are 0/1 and scores are probabilities (or any scores, where only their order matters).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage as ndi

__all__ = [
    "bootstrap_ci",
    "dice",
    "expected_calibration_error",
    "froc_curve",
    "hausdorff_mm",
    "operating_point",
    "paired_bootstrap_difference",
    "reliability_table",
    "roc_auc",
    "subgroup_table",
    "wilson_interval",
]


# --- segmentation ---------------------------------------------------------------------------------------------


def _as_mask_pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"masks must have the same shape, got {a.shape} and {b.shape}")
    for name, m in (("a", a), ("b", b)):
        if m.dtype != bool:
            raise TypeError(f"mask {name} must be bool, got dtype {m.dtype}; threshold it first (e.g. m > 0.5)")
    return a, b


def dice(a, b) -> float:
    """Dice overlap ``2|A ∩ B| / (|A| + |B|)`` of two boolean masks.

    Parameters
    ----------
    a, b : array_like of bool, same shape (any dimension)
        Binary masks, e.g. a segmentation and its reference.

    Returns
    -------
    float
        In 0..1; 1 means identical masks. Two empty masks agree perfectly and give 1.0 (a common convention,
        e.g. for slices without a lesion); one empty and one non-empty mask give 0.0.

    Raises
    ------
    ValueError, TypeError
        If the shapes differ or a mask is not bool.

    Examples
    --------
    >>> a = np.zeros((4, 4), bool); a[:2] = True
    >>> b = np.zeros((4, 4), bool); b[1:3] = True
    >>> dice(a, b)
    0.5
    """
    a, b = _as_mask_pair(a, b)
    total = int(a.sum()) + int(b.sum())
    if total == 0:
        return 1.0
    return 2.0 * int(np.logical_and(a, b).sum()) / total


def _boundary(mask: np.ndarray) -> np.ndarray:
    """Pixels of the mask that touch the outside (face connectivity); the image border counts as outside."""
    return mask & ~ndi.binary_erosion(mask, border_value=0)


def hausdorff_mm(a, b, spacing_mm: Sequence[float], *, percentile: float = 100.0) -> float:
    """Symmetric Hausdorff distance (mm) between the boundaries of two boolean masks.

    The largest distance from a boundary point of one mask to the nearest boundary point of the other, taken in
    both directions. With ``percentile=95`` it is the robust "HD95" used in segmentation challenges (the larger of
    the two directed 95th percentiles).

    Parameters
    ----------
    a, b : array_like of bool, same shape, 2D or 3D
        Binary masks.
    spacing_mm : sequence of float, one per axis
        Pixel/voxel spacing in mm, e.g. ``(row_mm, col_mm)`` (DICOM Pixel Spacing order).
    percentile : float, keyword-only
        100 for the classic (maximum) Hausdorff distance, e.g. 95 for HD95.

    Returns
    -------
    float
        Distance in mm. 0.0 if both masks are empty; ``inf`` if exactly one is empty (no boundary to measure to).

    Raises
    ------
    ValueError, TypeError
        On shape/dtype mismatch, a spacing of the wrong length or not > 0, or a percentile outside 0..100.

    Examples
    --------
    >>> a = np.zeros((20, 20), bool); a[5:10, 5:10] = True
    >>> b = np.zeros((20, 20), bool); b[5:10, 8:13] = True     # shifted 3 columns
    >>> hausdorff_mm(a, b, (1.0, 0.5))                           # 3 columns of 0.5 mm
    1.5
    """
    a, b = _as_mask_pair(a, b)
    spacing = tuple(float(s) for s in spacing_mm)
    if len(spacing) != a.ndim or not all(s > 0 for s in spacing):
        raise ValueError(f"spacing_mm must hold {a.ndim} positive values (one per axis), got {spacing_mm}")
    if not 0 <= percentile <= 100:
        raise ValueError(f"percentile must be in 0..100, got {percentile}")
    if not a.any() and not b.any():
        return 0.0
    if not a.any() or not b.any():
        return float("inf")
    edge_a, edge_b = _boundary(a), _boundary(b)
    # distance (mm) from every pixel to the nearest boundary pixel of the other mask
    to_b = ndi.distance_transform_edt(~edge_b, sampling=spacing)
    to_a = ndi.distance_transform_edt(~edge_a, sampling=spacing)
    # the larger of the two directed distances (as MONAI's HD95 does for percentile < 100)
    return float(max(np.percentile(to_b[edge_a], percentile), np.percentile(to_a[edge_b], percentile)))


# --- detection ------------------------------------------------------------------------------------------------


def froc_curve(candidates: Sequence, truths: Sequence, *, max_distance_px: float):
    """Free-response ROC: lesion sensitivity against false positives per image, over all score thresholds.

    Within each image, candidates are taken from the highest score down; a candidate within ``max_distance_px`` of
    a lesion not found yet is a true positive, one near an already found lesion is ignored (several hits on one
    lesion count once, as in the CAMELYON16 FROC), anything else is a false positive.

    Parameters
    ----------
    candidates : sequence (one per image) of array_like, (k_i, 3)
        Detections as ``(row, col, score)``; ``k_i`` may be 0.
    truths : sequence (one per image) of array_like, (m_i, 2)
        True lesion centres ``(row, col)``; ``m_i`` may be 0 (an image without lesions).
    max_distance_px : float, keyword-only
        Largest centre distance (pixels) at which a detection counts as a hit (> 0).

    Returns
    -------
    fp_per_image : ndarray, (t,)
        Mean number of false positives per image at each threshold.
    sensitivity : ndarray, (t,)
        Fraction of all lesions found at each threshold.
    thresholds : ndarray, (t,)
        The score thresholds (descending): keeping candidates with ``score >= threshold``.

    Raises
    ------
    ValueError
        If the two sequences differ in length, there are no lesions at all, or an array has the wrong shape.
    """
    if len(candidates) != len(truths):
        raise ValueError(f"need one candidate array per image: got {len(candidates)} and {len(truths)} truths")
    if not max_distance_px > 0:
        raise ValueError(f"max_distance_px must be > 0, got {max_distance_px}")
    scores, outcome = [], []  # outcome: 1 true positive, 0 false positive (duplicates are dropped)
    n_lesions = 0
    for i, (cand, true) in enumerate(zip(candidates, truths, strict=True)):
        cand = np.asarray(cand, dtype=np.float64).reshape(-1, 3) if np.size(cand) else np.zeros((0, 3))
        true = np.asarray(true, dtype=np.float64).reshape(-1, 2) if np.size(true) else np.zeros((0, 2))
        if cand.shape[1] != 3 or true.shape[1] != 2:
            raise ValueError(f"image {i}: candidates must be (k, 3) and truths (m, 2)")
        n_lesions += len(true)
        found = np.zeros(len(true), bool)
        for row, col, score in cand[np.argsort(-cand[:, 2], kind="stable")]:
            dist = np.hypot(true[:, 0] - row, true[:, 1] - col) if len(true) else np.zeros(0)
            near = dist <= max_distance_px
            if near.any() and not (near & ~found).any():
                continue  # another hit on a lesion already found
            if near.any():
                found[np.argmin(np.where(near & ~found, dist, np.inf))] = True
            scores.append(score)
            outcome.append(int(near.any()))
    if n_lesions == 0:
        raise ValueError("truths hold no lesions: sensitivity is undefined")
    order = np.argsort(-np.asarray(scores), kind="stable")
    scores, outcome = np.asarray(scores)[order], np.asarray(outcome)[order]
    tp, fp = np.cumsum(outcome), np.cumsum(1 - outcome)
    last = np.r_[scores[1:] != scores[:-1], True] if len(scores) else np.zeros(0, bool)  # one point per threshold
    return fp[last] / len(truths), tp[last] / n_lesions, scores[last]


# --- ROC AUC and honest uncertainty ------------------------------------------------------------------------------


def bootstrap_ci(y_true, y_score, *, metric=None, n_boot: int = 1000, level: float = 0.95,
                 seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of a metric (default ROC AUC) over cases.

    Parameters
    ----------
    y_true : array_like, (n,)
        Binary labels (0/1).
    y_score : array_like, (n,)
        Scores or predicted probabilities (e.g. out-of-fold predictions of a cross-validation).
    metric : callable ``metric(y_true, y_score) -> float``, keyword-only
        Default: ROC AUC (the Mann-Whitney statistic, equal to ``sklearn.metrics.roc_auc_score``).
    n_boot : int, keyword-only
        Bootstrap resamples (>= 100). Resamples holding one class only are skipped.
    level : float, keyword-only
        Confidence level in (0, 1).
    seed : int, keyword-only

    Returns
    -------
    (float, float)
        Lower and upper bound.
    """
    metric = metric or roc_auc
    y_true, y_score = np.asarray(y_true), np.asarray(y_score)
    if y_true.shape != y_score.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_score must be 1D of equal length, got {y_true.shape} and {y_score.shape}")
    if n_boot < 100 or not 0 < level < 1:
        raise ValueError(f"need n_boot >= 100 and 0 < level < 1, got n_boot={n_boot}, level={level}")
    if len(np.unique(y_true)) < 2:
        raise ValueError("y_true holds one class only: the metric is undefined")
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y_true), len(y_true))
        if len(np.unique(y_true[idx])) == 2:
            values.append(metric(y_true[idx], y_score[idx]))
    lo, hi = np.percentile(values, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    return float(lo), float(hi)


def paired_bootstrap_difference(a, b, *, statistic=np.mean, n_boot: int = 2000, level: float = 0.95,
                                seed: int = 0) -> tuple[float, tuple[float, float]]:
    """``statistic(a) - statistic(b)`` over paired cases, with a percentile bootstrap interval.

    Cases are resampled together, so both methods are always compared on the same cases (paired): the interval is
    much narrower than one built from two separate intervals.

    Parameters
    ----------
    a, b : array_like, (n,)
        One value per case for each method (e.g. 1 = correct / 0 = wrong, a Dice, an HD95 in mm), same cases in the
        same order.
    statistic : callable, keyword-only
        ``statistic(values, axis=...)``: ``np.mean`` (default) or ``np.median`` (robust to a few infinite HD95s).
    n_boot, level, seed : keyword-only
        Resamples (>= 100), confidence level in (0, 1), seed of the resampling.

    Returns
    -------
    (float, (float, float))
        The difference on all cases, and its (low, high) interval.

    Examples
    --------
    >>> diff, (low, high) = paired_bootstrap_difference([1, 1, 1, 0] * 25, [1, 0, 0, 0] * 25)
    >>> diff, low > 0.3
    (0.5, True)
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or not len(a):
        raise ValueError(f"a and b must be 1D, non-empty and of equal length (paired), got shapes {a.shape}, {b.shape}")
    if n_boot < 100 or not 0 < level < 1:
        raise ValueError(f"need n_boot >= 100 and 0 < level < 1, got n_boot={n_boot}, level={level}")
    index = np.random.default_rng(seed).integers(0, len(a), (n_boot, len(a)))
    diffs = statistic(a[index], axis=1) - statistic(b[index], axis=1)
    low, high = np.percentile(diffs, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    return float(statistic(a) - statistic(b)), (float(low), float(high))


def roc_auc(y_true, y_score) -> float:
    """Area under the ROC curve, computed as the Mann-Whitney U statistic (ties count one half).

    The probability that a random positive case scores higher than a random negative one; equal to
    ``sklearn.metrics.roc_auc_score`` and fast enough to bootstrap.

    Parameters
    ----------
    y_true : array_like, (n,)
        Binary labels (0/1), both classes present.
    y_score : array_like, (n,)
        Scores or predicted probabilities of class 1.

    Returns
    -------
    float
        In 0..1; 0.5 is chance.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    from scipy.stats import rankdata

    y_true, y_score = np.asarray(y_true), np.asarray(y_score)
    positive = y_true == 1
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    ranks = rankdata(y_score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def operating_point(labels, scores, threshold: float) -> tuple[float, float]:
    """Sensitivity and specificity of ``scores >= threshold`` against binary ``labels``.

    Returns
    -------
    (float, float)
        ``(sensitivity, specificity)``, each in [0, 1].
    """
    y, s = np.asarray(labels).astype(bool), np.asarray(scores)
    if y.shape != s.shape or y.ndim != 1 or y.all() or not y.any():
        raise ValueError("labels and scores must be 1D, of equal length, with both classes present")
    positive = s >= threshold
    return float(positive[y].mean()), float((~positive[~y]).mean())


# --- calibration and subgroups -------------------------------------------------------------------------------


def _check_probs(labels, probs):
    y, p = np.asarray(labels), np.asarray(probs, dtype=float)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError(f"labels and probs must be 1D of equal length, got {y.shape} and {p.shape}")
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError("probs must be probabilities in [0, 1]")
    return y, p


def reliability_table(labels, probs, *, bins: int = 10):
    """Reliability diagram data for a binary classifier: mean predicted P(class 1) vs observed frequency per bin.

    Parameters
    ----------
    labels : array_like, (n,) 0/1
    probs : array_like, (n,)
        Predicted probability of class 1.
    bins : int
        Equal-width bins on [0, 1].

    Returns
    -------
    pandas.DataFrame
        Columns ``bin_lo``, ``bin_hi``, ``count``, ``mean_prob``, ``frequency`` (empty bins dropped).
    """
    import pandas as pd

    y, p = _check_probs(labels, probs)
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)  # bin index; p = 1 goes to the last bin
    rows = [{"bin_lo": edges[b], "bin_hi": edges[b + 1], "count": int((which == b).sum()),
             "mean_prob": float(p[which == b].mean()), "frequency": float(y[which == b].mean())}
            for b in range(bins) if (which == b).any()]
    return pd.DataFrame(rows)


def expected_calibration_error(labels, probs, *, bins: int = 10) -> float:
    """ECE: the count-weighted mean of ``|observed frequency − mean predicted probability|`` over bins.

    ``ECE = Σ_b (n_b / n) · |freq_b − conf_b|`` with equal-width bins of P(class 1) (Naeini et al. 2015; Guo et
    al. 2017 use the top-class confidence, which for two classes bins the same predictions differently).

    References
    ----------
    .. [1] Naeini MP, Cooper GF, Hauskrecht M. Obtaining well calibrated probabilities using Bayesian binning.
       Proc AAAI Conf Artif Intell 2015;29(1):2901-2907. https://doi.org/10.1609/aaai.v29i1.9602
    .. [2] Guo C, Pleiss G, Sun Y, Weinberger KQ. On calibration of modern neural networks. ICML, PMLR
       2017;70:1321-1330. https://proceedings.mlr.press/v70/guo17a.html
    """
    table = reliability_table(labels, probs, bins=bins)
    return float((table["count"] * (table["frequency"] - table["mean_prob"]).abs()).sum() / table["count"].sum())


def subgroup_table(labels, probs, groups: dict, *, threshold: float = 0.5):
    """Sensitivity (lesion images) or specificity (others) per subgroup, with Wilson 95% intervals.

    Parameters
    ----------
    labels, probs : array_like, (n,)
    groups : dict of str → boolean mask (n,)
        Subgroups, e.g. lesions by size.
    threshold : float
        Decision threshold on ``probs``.

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``n``, ``metric`` ("sensitivity" if the group holds only positives, "specificity" if only
        negatives, else "accuracy"), ``value``, ``lo``, ``hi``.
    """
    import pandas as pd

    y, p = _check_probs(labels, probs)
    rows = []
    for name, mask in groups.items():
        mask = np.asarray(mask, bool)
        if mask.shape != y.shape or not mask.any():
            raise ValueError(f"group {name!r} must be a non-empty boolean mask of shape {y.shape}")
        correct = ((p[mask] >= threshold).astype(int) == y[mask])
        kind = "sensitivity" if y[mask].all() else "specificity" if not y[mask].any() else "accuracy"
        lo, hi = wilson_interval(int(correct.sum()), int(mask.sum()))
        rows.append({"group": name, "n": int(mask.sum()), "metric": kind, "value": float(correct.mean()),
                     "lo": lo, "hi": hi})
    return pd.DataFrame(rows)


def wilson_interval(successes: int, n: int, *, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion ``successes / n`` (95% by default).

    Unlike the normal approximation ``p ± z·sqrt(p(1-p)/n)`` it stays inside [0, 1] and keeps its coverage for
    small ``n`` and proportions near 0 or 1 (Wilson 1927; Brown, Cai & DasGupta 2001).

    Parameters
    ----------
    successes : int
        Number of successes, ``0 <= successes <= n``.
    n : int
        Number of trials (>= 1).
    z : float, keyword-only
        Standard normal quantile of the level (1.959964 for 95%).

    Returns
    -------
    (float, float)
        Lower and upper bound, in [0, 1].

    References
    ----------
    .. [1] Wilson EB. Probable inference, the law of succession, and statistical inference. J Am Stat Assoc
       1927;22(158):209-212. https://doi.org/10.1080/01621459.1927.10502953
    .. [2] Brown LD, Cai TT, DasGupta A. Interval estimation for a binomial proportion. Stat Sci 2001;16(2):101-133.
       https://doi.org/10.1214/ss/1009213286

    Examples
    --------
    >>> [round(v, 4) for v in wilson_interval(8, 10)]
    [0.4902, 0.9433]
    """
    if not 0 <= successes <= n or n < 1:
        raise ValueError(f"need 0 <= successes <= n and n >= 1, got successes={successes}, n={n}")
    phat = successes / n
    centre = (phat + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return float(centre - half), float(centre + half)
