"""Checkers of 03_tasks.ipynb.

Each recomputes the expected value from the notebook's own variables (so it holds under any seed), or checks the
property the question asks for where several answers are right. None prints or returns the expected value.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi
from skimage import exposure, transform
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_predict

from .. import metrics, tasks
from ._core import exercise, hint
from ._hints import _as_scalar, integer, number, one_of

SIGMAS_PX = (0.25, 0.5, 0.75, 1, 1.5, 2, 3)  # the Gaussian widths the denoising question offers


def _real(value) -> float | None:
    """``value`` as a finite float, or None when it is not a single finite real number."""
    scalar = _as_scalar(value)
    return float(scalar) if scalar is not None and np.isfinite(float(scalar)) else None


def _close(value, reference: float, atol: float) -> bool:
    """True when ``value`` is a real number within ``atol`` of ``reference`` (to recognise a typical mistake)."""
    scalar = _real(value)
    return scalar is not None and abs(scalar - reference) <= atol


def _fraction(value, name: str):
    """A hint when a fraction (0..1) was given as a percentage, else None."""
    if _close(value, 50.0, 50.0) and _real(value) > 1:
        return hint(f"{name} is a fraction between 0 and 1, not a percentage")
    return None


@exercise("03-psnr-gain")
def psnr_gain(gain_db, truth, block_mean, psnr):
    """PSNR (dB) of bicubic minus nearest-neighbour upsampling of the 4 x 4-averaged CT."""
    low4 = block_mean(truth, 4)
    nearest, bicubic = (psnr(truth, transform.resize(low4, truth.shape, order=order)) for order in (0, 3))
    low2 = block_mean(truth, 2)
    gain_x2 = psnr(truth, transform.resize(low2, truth.shape, order=3)) - psnr(
        truth, transform.resize(low2, truth.shape, order=0))
    if _close(gain_db, gain_x2, 0.01) and abs(gain_x2 - (bicubic - nearest)) > 0.02:
        return hint("that is the gain at x2; average 4 x 4 blocks (block_mean(truth, 4)) before upsampling")
    return number(gain_db, expected=bicubic - nearest, rtol=0.02, unit="dB")


@exercise("03-best-sigma")
def best_sigma(best_sigma, truth, noisy, psnr):
    """The Gaussian sigma (pixels) among SIGMAS_PX that gives the highest PSNR."""
    scores = {s: psnr(truth, ndi.gaussian_filter(noisy, s)) for s in SIGMAS_PX}
    best = max(scores, key=scores.get)
    why = {s: ("too little smoothing: noise is left that a wider Gaussian would remove" if s < best else
               "too much smoothing: it blurs anatomy away, and PSNR drops again") for s in SIGMAS_PX}
    return one_of(best_sigma, expected=best, options=SIGMAS_PX, why=why)


@exercise("03-gap-one")
def gap_one(gap_one, on_b, lesions, fg_a, fg_b, distribution_gap, matched):
    """Gap to scanner A after matching each scanner-B slice to the one scanner-A slice ``lesions.images[0]``."""
    one_reference = np.stack([exposure.match_histograms(b, lesions.images[0]) for b in on_b])
    expected = distribution_gap(lesions.images[fg_a], one_reference[fg_b])
    if _close(gap_one, distribution_gap(lesions.images[fg_a], matched[fg_b]), 1e-4):
        return hint("that is the gap after matching to all 400 slices; use only lesions.images[0] as the reference")
    return number(gap_one, expected=expected, rtol=0.02)


@exercise("03-same-modality-error")
def same_modality_error(same_modality_error, known_angle):
    """Angle error (degrees) of SSD registration of the T1 slice to itself: any value below 1 degree."""
    error = _real(same_modality_error)
    if error is None:
        return number(same_modality_error, expected=known_angle, unit="degrees")  # says what is wrong with the type
    if abs(error - known_angle) <= 0.5:
        return hint("that is about the angle itself; the error is |found angle − known angle|")
    if error < 0:
        return hint("an error is a size: take the absolute value of the difference")
    if error < 1.0:  # the section's claim: any registration this good is right
        return None
    return hint("too high: within one modality the squared difference should recover the angle to well under "
                "a degree; did you register the moved T1 slice (not the T2-like one) back onto `fixed`?")


@exercise("03-strict-sensitivity")
def strict_sensitivity(strict_sensitivity, found, truths):
    """Sensitivity at 1 false positive per image of the brightness ranking, hits within 1.5 pixels."""
    candidates = [np.column_stack([peaks, brightness]) for peaks, _, brightness in found]
    n_lesions = sum(len(t) for t in truths)

    def at_one_fp(max_distance_px):
        fp, sens, _ = metrics.froc_curve(candidates, truths, max_distance_px=max_distance_px)
        return float(sens[fp <= 1.0].max()) if (fp <= 1.0).any() else 0.0

    expected, loose = at_one_fp(1.5), at_one_fp(3)
    if _close(strict_sensitivity, loose, 1e-9) and abs(loose - expected) > 1e-9:
        return hint("that is the sensitivity with the 3-pixel tolerance; pass max_distance_px=1.5")
    return _fraction(strict_sensitivity, "a sensitivity") or number(
        strict_sensitivity, expected=expected, atol=0.5 / max(n_lesions, 1), rtol=0)


@exercise("03-median-dice-30")
def median_dice_30(median_dice_30, segment, lesions, positives, truth_masks, dice):
    """Median Dice of the segmentations thresholded at 30% of the way from background to peak."""
    seg30 = [segment(lesions.images[i].astype(float), lesions.centers[i], fraction=0.3) for i in positives]
    expected = float(np.median([metrics.dice(s, t) for s, t in zip(seg30, truth_masks, strict=True)]))
    if _close(median_dice_30, float(np.median(dice)), 1e-9) and abs(expected - np.median(dice)) > 1e-9:
        return hint("that is the median Dice of the half-way threshold; segment again with 30%")
    return _fraction(median_dice_30, "a Dice score") or number(median_dice_30, expected=expected, atol=0.005, rtol=0)


@exercise("03-best-feature")
def best_feature(best_feature, table, malignant):
    """The column of ``table`` whose own AUC is furthest from chance, judged by max(auc, 1 - auc)."""
    strength = {col: max(a, 1 - a) for col in table for a in [roc_auc_score(malignant, table[col])]}
    best = max(strength, key=strength.get)
    raw_best = max(table, key=lambda col: roc_auc_score(malignant, table[col]))
    why = {col: "another column is further from chance: compare max(auc, 1 − auc) of every column" for col in table}
    if raw_best != best:
        why[raw_best] = "that column has the highest AUC, but another one works better 'upside down' (AUC < 0.5)"
    return one_of(best_feature, expected=best, options=list(table.columns), why=why)


@exercise("03-steps-to-detect")
def steps_to_detect(steps_to_detect, measured, smallest_real_change):
    """The first scan index (3-month steps after the first) whose burden exceeds the first by the real change."""
    grown = np.flatnonzero(np.asarray(measured) - measured[0] > smallest_real_change)
    if not grown.size:
        return hint("cannot check: no scan here exceeds the first by the smallest real change")
    expected = int(grown[0])
    if _close(steps_to_detect, 3 * expected, 0) and expected:
        return hint("that looks like months; count 3-month steps (scans after the first)")
    return integer(steps_to_detect, expected=expected, unit="steps")


@exercise("03-width-100")
def width_100(width_100, classifier, table, responds, ci_low, ci_high):
    """Width of the 95% bootstrap interval of the cross-validated AUC of the first 100 patients."""
    half = slice(0, 100)
    oof = cross_val_predict(classifier, table[half], responds[half], cv=5, method="predict_proba")[:, 1]
    low, high = metrics.bootstrap_ci(responds[half], oof, n_boot=1000, seed=0)
    if _close(width_100, ci_high - ci_low, 0.005):
        return hint("that is the width for all 200 patients; use only the first 100")
    # the bootstrap's own randomness moves the width by a few percent between seeds
    return number(width_100, expected=high - low, rtol=0.15, unit="AUC")


@exercise("03-n-patches")
def n_patches(n_patches):
    """Whole, non-overlapping 96^3 patches in a 500 x 512 x 512 volume."""
    volume, patch = (500, 512, 512), 96
    if _close(n_patches, np.prod(volume) / patch**3, 1.0) or _close(n_patches, np.prod(
            [-(-n // patch) for n in volume]), 0):
        return hint("count whole patches only: along each axis, how many 96-voxel patches fit entirely?")
    return integer(n_patches, expected=int(np.prod([n // patch for n in volume])), unit="patches")


@exercise("03-acc-zscored", answers=2)
def acc_zscored(acc_zscored, zscore_advantage, zscore, lesions, new, new_b, baseline, shift):
    """Accuracy on z-scored scanner B of a fresh baseline fitted on z-scored scanner A, and its advantage over
    histogram matching (the matched accuracy in ``shift``)."""
    model = clone(baseline).fit(tasks.handcrafted_features(zscore(lesions.images)), lesions.labels)
    expected = model.score(tasks.handcrafted_features(zscore(new_b)), new.labels)
    matched = shift.loc["scanner B, histogram-matched", "accuracy"]
    wrong_accuracy = _fraction(acc_zscored, "an accuracy") or number(acc_zscored, expected=expected, atol=0.005,
                                                                     rtol=0)
    if wrong_accuracy:
        return wrong_accuracy
    if _close(zscore_advantage, matched - expected, 1e-9) and abs(matched - expected) > 1e-9:
        return hint("zscore_advantage has the wrong sign: z-scored accuracy minus histogram-matched accuracy")
    return number(zscore_advantage, expected=expected - matched, atol=0.005, rtol=0)


@exercise("03-rare-recall")
def rare_recall(rare_recall_balanced, x_train, y_train, x_test, y_test, n_classes, rare):
    """Mean recall of the 10 rarest diagnoses with class_weight="balanced"."""
    model = LogisticRegression(max_iter=2000, tol=1e-3, class_weight="balanced")  # as in the notebook
    predicted = model.fit(x_train, y_train).predict(x_test)
    recall = np.array([np.mean(predicted[y_test == c] == c) for c in range(n_classes)])
    if _close(rare_recall_balanced, rare, 1e-9) and abs(recall[-10:].mean() - rare) > 1e-9:
        return hint("that is the recall of the unweighted model; refit with class_weight='balanced'")
    if _close(rare_recall_balanced, recall[:5].mean(), 1e-9):
        return hint("that is the recall of the 5 commonest diagnoses; average the 10 rarest (the last 10)")
    return _fraction(rare_recall_balanced, "a recall") or number(
        rare_recall_balanced, expected=recall[-10:].mean(), atol=0.02, rtol=0)


@exercise("03-accuracy-half")
def accuracy_half(accuracy_half, accuracy):
    """Test accuracy with half the training labels flipped: around chance, and below the 30%-noise accuracy."""
    value = _real(accuracy_half)
    if value is None or value > 1 or value < 0:
        return _fraction(accuracy_half, "an accuracy") or number(accuracy_half, expected=0.5)
    if value > 0.75 or value >= accuracy[(400, 0.3)]:
        return hint("too high for labels that carry no information: flip each of the 400 labels with probability 0.5")
    if value < 0.25:
        return hint("too low: a model that learned nothing cannot be wrong that systematically")
    return None


@exercise("03-my-balanced")
def my_balanced(my_balanced, plain, y_te):
    """Balanced accuracy of ``plain``: the mean of sensitivity and specificity."""
    sensitivity, specificity = np.mean(plain[y_te == 1] == 1), np.mean(plain[y_te == 0] == 0)
    expected = (sensitivity + specificity) / 2
    if _close(my_balanced, np.mean(plain == y_te), 1e-12) and abs(np.mean(plain == y_te) - expected) > 1e-12:
        return hint("that is the plain accuracy; average the sensitivity and the specificity instead")
    if any(_close(my_balanced, v, 1e-12) for v in (sensitivity, specificity)) and sensitivity != specificity:
        return hint("that is only one of the two rates; balanced accuracy is their mean")
    return _fraction(my_balanced, "a balanced accuracy") or number(my_balanced, expected=expected, atol=1e-9, rtol=0)


@exercise("03-careless-dice", answers=2)
def careless_dice(careless_dice, careless_gain, annotator_panel, careful):
    """Over the ten lesions with wobble_px=2.0: the mean pairwise Dice, and the mean gain of the consensus over
    the average annotator (Dice with the truth); ``annotator_panel`` is the notebook's function."""
    rows = annotator_panel(2.0)
    if _close(careless_dice, float(careful[:, 0].mean()), 1e-9):
        return hint("that is the mean pairwise Dice of the careful annotators; use annotator_panel(2.0)")
    wrong = _fraction(careless_dice, "a Dice score") or number(careless_dice, expected=float(rows[:, 0].mean()),
                                                               atol=0.005, rtol=0)
    if wrong:
        return wrong
    gain = float((rows[:, 2] - rows[:, 1]).mean())
    if _close(careless_gain, -gain, 1e-9) and abs(gain) > 1e-9:
        return hint("careless_gain has the wrong sign: consensus Dice minus the average annotator's Dice")
    if _close(careless_gain, float(rows[:, 2].mean()), 1e-9):
        return hint("that is the consensus Dice itself; subtract the average annotator's Dice")
    return number(careless_gain, expected=gain, atol=0.005, rtol=0)
