"""Checkers of 09_clinical_use: placeholder, typical wrong answers (hints without the answer), right answers.

Small synthetic contexts (scores with some signal, a temperature, a hit vector) stand in for the notebook's.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from helpers import metrics
from helpers.exercises import check


def verdict(exercise_id, **namespace):
    return check(exercise_id, namespace=namespace, quiet=True)


def _no_number_of(values, message):
    """None of ``values`` appears in ``message`` (as 0.xx, .xxx or xx%)."""
    shown = {f"{v:.2f}" for v in values} | {f"{v:.3f}"[1:] for v in values} | {f"{v:.0%}" for v in values}
    return not any(s in message for s in shown)


# ------------------------------------------------------------------------------------------------- 09-test-point
@pytest.fixture(scope="module")
def operating_context():
    rng = np.random.default_rng(0)

    def scored(n):
        labels = rng.integers(0, 2, n)
        return labels, 1 / (1 + np.exp(-(2.5 * labels - 1.2 + rng.normal(0, 1, n))))

    val_labels, p_val = scored(300)
    test_labels, p_test = scored(400)
    context = {"p_val": p_val, "val": SimpleNamespace(labels=val_labels), "target_spec": 0.8, "p_test": p_test,
               "test": SimpleNamespace(labels=test_labels)}
    best = next(t for t in np.sort(p_val) if metrics.operating_point(val_labels, p_val, t)[1] >= 0.8)
    return context, best


def test_test_point_right_answer_is_correct(operating_context):
    context, best = operating_context
    point = metrics.operating_point(context["test"].labels, context["p_test"], best)
    assert verdict("09-test-point", test_point=point, threshold=best, **context).status == "correct"
    assert verdict("09-test-point", test_point=list(point), threshold=best, **context).status == "correct"


@pytest.mark.parametrize("case, words", [
    ("swapped", "swapped"),
    ("validation numbers", "validation numbers"),
    ("threshold too low", "raise it"),
    ("threshold too high", "lower threshold"),
    ("one number", "tuple of two numbers"),
])
def test_test_point_wrong_answers_get_a_hint(operating_context, case, words):
    context, best = operating_context
    labels, p_test = context["test"].labels, context["p_test"]
    point = metrics.operating_point(labels, p_test, best)
    answer, threshold = {
        "swapped": (point[::-1], best),
        "validation numbers": (metrics.operating_point(context["val"].labels, context["p_val"], best), best),
        "threshold too low": (metrics.operating_point(labels, p_test, 0.05), 0.05),
        "threshold too high": (metrics.operating_point(labels, p_test, 0.99), 0.99),
        "one number": (point[0], best),
    }[case]
    result = verdict("09-test-point", test_point=answer, threshold=threshold, **context)
    assert result.status == "wrong" and words in result.message
    assert _no_number_of([*point, best], result.message)


# ----------------------------------------------------------------------------------------------- 09-gradcam-hits
@pytest.fixture(scope="module")
def hits_context():
    rng = np.random.default_rng(1)
    detected = rng.random(100) < 0.7
    hits = np.where(detected, rng.random(100) < 0.8, rng.random(100) < 0.3)
    return {"hits": hits, "detected": detected}, (hits[detected].mean(), hits[~detected].mean())


def test_gradcam_hits_right_answer_is_correct(hits_context):
    context, (hit_detected, hit_missed) = hits_context
    assert verdict("09-gradcam-hits", hit_detected=hit_detected, hit_missed=hit_missed, **context)


@pytest.mark.parametrize("case, words", [
    ("swapped", "swapped"),
    ("overall", "all lesions"),
    ("percent", "hit_missed"),
    ("counts", "hit_detected"),
])
def test_gradcam_hits_wrong_answers_get_a_hint(hits_context, case, words):
    context, (hit_detected, hit_missed) = hits_context
    hits, detected = context["hits"], context["detected"]
    answer = {"swapped": (hit_missed, hit_detected), "overall": (hits.mean(), hit_missed),
              "percent": (hit_detected, 100 * hit_missed), "counts": (hits[detected].sum(), hit_missed)}[case]
    result = verdict("09-gradcam-hits", hit_detected=answer[0], hit_missed=answer[1], **context)
    assert result.status == "wrong" and words in result.message
    assert _no_number_of([hit_detected, hit_missed], result.message)


# ---------------------------------------------------------------------------------------------------- 09-ece-b
@pytest.fixture(scope="module")
def ece_context():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, 400)
    logits = np.stack([np.zeros(400), 3 * (labels - 0.5) + rng.normal(0, 2.5, 400)], axis=1)
    p = torch.softmax(torch.as_tensor(logits), dim=1)[:, 1].numpy()
    T = 1.8
    scaled = torch.softmax(torch.as_tensor(logits / T), dim=1)[:, 1].numpy()
    expected = {"before": metrics.expected_calibration_error(labels, p),
                "after": metrics.expected_calibration_error(labels, scaled)}
    return {"test_b": SimpleNamespace(labels=labels), "p_test_b": p, "logits_b": logits, "T": T}, expected


def test_ece_b_right_answer_is_correct(ece_context):
    context, expected = ece_context
    assert verdict("09-ece-b", ece_b=dict(expected), **context).status == "correct"


def test_ece_b_wrong_answers_get_a_hint(ece_context):
    context, expected = ece_context
    multiplied = torch.softmax(torch.as_tensor(context["logits_b"] * context["T"]), dim=1)[:, 1].numpy()
    cases = {
        "swapped": ({"before": expected["after"], "after": expected["before"]}, "swapped"),
        "multiplied": ({"before": expected["before"],
                        "after": metrics.expected_calibration_error(context["test_b"].labels, multiplied)}, "divide"),
        "half answered": ({"before": expected["before"], "after": None}, '"after"'),
        "a list": ([expected["before"], expected["after"]], "dict"),
        "percent": ({"before": 100 * expected["before"], "after": expected["after"]}, '"before"'),
    }
    for answer, words in cases.values():
        result = verdict("09-ece-b", ece_b=answer, **context)
        assert result.status == "wrong" and words in result.message, (answer, result.message)
        assert _no_number_of(expected.values(), result.message)


# ----------------------------------------------------------------------------------------- 09-imdrf-categories
def test_imdrf_right_answer_is_correct_in_any_case():
    assert verdict("09-imdrf-categories", category_a="II", category_b="IV").status == "correct"
    assert verdict("09-imdrf-categories", category_a=" ii", category_b="iv").status == "correct"


@pytest.mark.parametrize("a, b, words", [
    ("III", "IV", "(a)"),
    ("II", "III", "(b)"),
    (2, "IV", "one of"),
    ("II", "Class III", "category_b"),
])
def test_imdrf_wrong_answers_get_a_hint(a, b, words):
    result = verdict("09-imdrf-categories", category_a=a, category_b=b)
    assert result.status == "wrong" and words in result.message


@pytest.mark.parametrize("exercise_id, answers, fixture", [
    ("09-test-point", {"test_point": None, "threshold": 0.5}, "operating_context"),
    ("09-gradcam-hits", {"hit_detected": None, "hit_missed": None}, "hits_context"),
    ("09-ece-b", {"ece_b": None}, "ece_context"),
    ("09-imdrf-categories", {"category_a": None, "category_b": None}, None),
])
def test_placeholder_is_unanswered(request, exercise_id, answers, fixture):
    context = request.getfixturevalue(fixture)[0] if fixture else {}
    assert verdict(exercise_id, **answers, **context).status == "unanswered"
