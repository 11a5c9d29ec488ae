"""Checkers of 09_clinical_use.ipynb.

Each recomputes its expected value from the notebook's own variables (predictions, labels, temperature), so it
holds for any seed; the IMDRF categories come from the table in ``helpers.clinical``. torch is imported here only.
"""

import numpy as np
import torch

from helpers import clinical, metrics

from ._core import exercise, hint
from ._hints import _as_scalar, number, one_of

CATEGORIES = ["I", "II", "III", "IV"]


def _pair(value, what: str):
    """The two numbers of a (sensitivity, specificity)-like answer, or a hint."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        return hint(f"your answer should be a tuple of two numbers ({what})")
    if any(_as_scalar(v) is None for v in value):
        return hint(f"both entries should be numbers ({what})")
    return None


@exercise("09-test-point")
def threshold_point(test_point, threshold, p_val, val, target_spec, p_test, test):
    """Test (sensitivity, specificity) at the lowest validation threshold that meets the reader's specificity."""
    problem = _pair(test_point, "sensitivity, specificity")
    if problem:
        return problem
    val_sens, val_spec = metrics.operating_point(val.labels, p_val, threshold)
    if val_spec < target_spec:
        return hint("at your threshold the validation specificity is below the most cautious reader's: raise it")
    best = next(t for t in np.sort(p_val) if metrics.operating_point(val.labels, p_val, t)[1] >= target_spec)
    if val_sens < metrics.operating_point(val.labels, p_val, best)[0]:
        return hint("a lower threshold would still meet the specificity target on the validation set and find "
                    "more lesions: take the lowest one that does")
    expected = metrics.operating_point(test.labels, p_test, threshold)
    got = tuple(float(v) for v in test_point)
    if np.allclose(got, expected, atol=1e-9):
        return None
    if np.allclose(got[::-1], expected, atol=1e-9):
        return hint("the two numbers are swapped: sensitivity first, then specificity")
    if np.allclose(got, (val_sens, val_spec), atol=1e-9):
        return hint("these are the validation numbers; report the test set's at the same threshold")
    return hint("not the test set's sensitivity and specificity at your threshold: use test.labels and p_test")


@exercise("09-gradcam-hits", answers=2)
def gradcam_hits(hit_detected, hit_missed, hits, detected):
    """Grad-CAM pointing-game hit rates of the detected and of the missed lesions."""
    hits, detected = np.asarray(hits, dtype=float), np.asarray(detected, dtype=bool)
    expected = {"hit_detected": hits[detected].mean()}
    if (~detected).any():  # with no missed lesion at all, hit_missed has nothing to be checked against
        expected["hit_missed"] = hits[~detected].mean()
    answers = {"hit_detected": hit_detected, "hit_missed": hit_missed}
    got = {k: _as_scalar(v) for k, v in answers.items()}
    if len(expected) == 2 and None not in got.values():
        if np.isclose(got["hit_detected"], expected["hit_missed"]) and np.isclose(got["hit_missed"],
                                                                                  expected["hit_detected"]):
            return hint("the two rates are swapped")
        if any(np.isclose(got[k], hits.mean()) and not np.isclose(got[k], v) for k, v in expected.items()):
            return hint("that is the hit rate over all lesions; split `hits` with `detected`")
    for name, value in expected.items():
        wrong = number(answers[name], expected=float(value), atol=1e-9, rtol=0)
        if wrong:
            return hint(f"`{name}`: {wrong.text}")
    return None


def _ece_pair(labels, probs, logits, temperature) -> dict[str, float]:
    scaled = torch.softmax(torch.as_tensor(logits / temperature), dim=1)[:, 1].numpy()
    return {"before": metrics.expected_calibration_error(labels, probs),
            "after": metrics.expected_calibration_error(labels, scaled)}


@exercise("09-ece-b")
def ece_b(ece_b, test_b, p_test_b, logits_b, T):
    """Scanner-B ECE before and after dividing the logits by the temperature fitted on scanner A."""
    if not isinstance(ece_b, dict) or set(ece_b) != {"before", "after"}:
        return hint('your answer should be a dict with the keys "before" and "after"')
    expected = _ece_pair(test_b.labels, p_test_b, logits_b, T)
    got = [_as_scalar(ece_b[k]) for k in ("before", "after")]
    if None not in got and np.allclose(got[::-1], list(expected.values()), atol=1e-6) and \
            not np.allclose(got, list(expected.values()), atol=1e-6):
        return hint('"before" and "after" are swapped')
    if None not in got and np.isclose(got[1], _ece_pair(test_b.labels, p_test_b, logits_b, 1 / T)["after"],
                                      atol=1e-6) and not np.isclose(got[1], expected["after"], atol=1e-6):
        return hint('"after": divide the logits by T, do not multiply them')
    for key in ("before", "after"):
        wrong = number(ece_b[key], expected=expected[key], atol=1e-6, rtol=1e-4)
        if wrong:
            return hint(f'"{key}": {wrong.text} (the ECE of the scanner-B test predictions)')
    return None


@exercise("09-imdrf-categories", answers=2)
def imdrf_categories(category_a, category_b):
    """IMDRF N12 categories of (a) worklist triage of a serious condition, (b) diagnosing a critical one."""
    expected = {"category_a": clinical.imdrf_category("serious", "drive clinical management"),
                "category_b": clinical.imdrf_category("critical", "treat or diagnose")}
    why = {"category_a": "(a): look up the row of a serious condition and the column of information that drives "
                         "clinical management (it decides which images are read first)",
           "category_b": "(b): look up the row of a critical condition and the column of software whose output "
                         "is the diagnosis"}
    for name, value in {"category_a": category_a, "category_b": category_b}.items():
        wrong = one_of(value, expected=expected[name], options=CATEGORIES,
                       why={c: why[name] for c in CATEGORIES})
        if wrong:
            return hint(f"`{name}`: {wrong.text}")
    return None
