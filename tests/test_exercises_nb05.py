"""The checkers of 05_classical_cv.ipynb on small contexts: placeholder, typical wrong answers, the answer."""

from __future__ import annotations

from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage import data, filters

from helpers import classical as cl
from helpers.exercises import check


def verdict(exercise_id: str, **namespace):
    return check(exercise_id, namespace=namespace, quiet=True)


def assert_wrong(exercise_id: str, expected_text: list[str], **namespace) -> str:
    """The answer is judged wrong, with a hint that contains none of ``expected_text`` (the answer, printed)."""
    result = verdict(exercise_id, **namespace)
    assert result.status == "wrong", result.message
    assert not any(text in result.message for text in expected_text), result.message
    return result.message


# ------------------------------------------------------------------------------------------------- 05-multiotsu
def test_multiotsu():
    rng = np.random.default_rng(0)
    ct_hu = rng.choice([-1000.0, 40.0, 1000.0], size=(64, 64), p=[0.5, 0.4, 0.1]) + rng.normal(0, 30, (64, 64))
    ct = ct_hu.copy()
    ct[:8] = -3024  # padding outside the reconstruction circle
    context = {"ct_hu": ct_hu, "ct": ct}
    expected = filters.threshold_multiotsu(ct_hu, classes=3)
    shown = [f"{t:.0f}" for t in expected]
    assert verdict("05-multiotsu", thresholds=None, **context).status == "unanswered"
    assert "raw slice" in assert_wrong("05-multiotsu", shown, thresholds=filters.threshold_multiotsu(ct, classes=3),
                                       **context)
    assert "two thresholds" in assert_wrong("05-multiotsu", shown,
                                            thresholds=filters.threshold_multiotsu(ct_hu, classes=4), **context)
    assert "numpy array" in assert_wrong("05-multiotsu", shown, thresholds=list(expected), **context)
    assert_wrong("05-multiotsu", shown, thresholds=expected + 50, **context)
    assert verdict("05-multiotsu", thresholds=expected, **context).status == "correct"


# ------------------------------------------------------------------------------------------------ 05-canny-sigma
@pytest.fixture(scope="module")
def noisy_edges():
    image = np.full((128, 128), 60, np.uint8)
    cv2.circle(image, (45, 60), 25, 200, -1)
    cv2.rectangle(image, (80, 20), (115, 100), 150, -1)
    clean = cv2.Canny(cv2.GaussianBlur(image, (0, 0), 2), 50, 150, L2gradient=True) > 0
    near_clean = ndi.distance_transform_edt(~clean) <= 2
    noisy80 = np.clip(image + np.random.default_rng(1).normal(0, 40, image.shape), 0, 255).astype(np.uint8)
    sigmas = [1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0]
    precision = []
    for sigma in sigmas:
        edges = cv2.Canny(cv2.GaussianBlur(noisy80, (0, 0), sigma), 50, 150, L2gradient=True) > 0
        precision.append(near_clean[edges].mean())
    best = next(s for s, p in zip(sigmas, precision, strict=True) if p >= 0.9)
    assert sigmas[0] < best < sigmas[-1], "the test image should make both a smaller and a larger σ wrong"
    return {"noisy80": noisy80, "sigmas": sigmas, "near_clean": near_clean}, best


def test_canny_sigma(noisy_edges):
    context, best = noisy_edges
    sigmas = context["sigmas"]
    assert verdict("05-canny-sigma", best_sigma=None, **context).status == "unanswered"
    assert "too small" in assert_wrong("05-canny-sigma", [str(best)], best_sigma=sigmas[0], **context)
    assert "too large" in assert_wrong("05-canny-sigma", [str(best)], best_sigma=sigmas[-1], **context)
    assert "from the list" in assert_wrong("05-canny-sigma", [str(best)], best_sigma=best + 0.1, **context)
    assert verdict("05-canny-sigma", best_sigma=best, **context).status == "correct"


# ------------------------------------------------------------------------------------------------- 05-skull-area
def test_skull_area():
    skull = np.zeros((10, 10), bool)
    skull[2:5, :] = True  # 30 pixels
    context = {"skull": skull, "ct_meta": SimpleNamespace(spacing_mm=(0.5, 0.4))}
    expected = 30 * 0.5 * 0.4 / 100
    shown = [f"{expected:g}", f"{expected:.3f}"]
    assert verdict("05-skull-area", skull_cm2=None, **context).status == "unanswered"
    assert "units" in assert_wrong("05-skull-area", shown, skull_cm2=expected * 100, **context)  # mm²
    assert "units" in assert_wrong("05-skull-area", shown, skull_cm2=30, **context)  # pixels
    assert verdict("05-skull-area", skull_cm2=expected, **context).status == "correct"


# ----------------------------------------------------------------------------------------------------- 05-macula
def test_macula():
    small = np.full((64, 64, 3), 120, np.uint8)
    cv2.circle(small, (10, 30), 5, (250, 250, 250), -1)  # a bright disc at x=10, y=30
    cv2.circle(small, (40, 28), 6, (20, 20, 20), -1)  # a dark macula at x=40, y=28
    found_sk = np.array([[10.0, 30.0, 5.0], [40.0, 28.0, 6.0], [50.0, 52.0, 5.0]])
    context = {"found_sk": found_sk, "small": small}
    assert verdict("05-macula", macula=None, **context).status == "unanswered"
    assert "brightest" in assert_wrong("05-macula", ["40.0", "(40"], macula=found_sk[0], **context)
    assert "darker" in assert_wrong("05-macula", ["40.0", "(40"], macula=found_sk[2], **context)
    assert "swapped" in assert_wrong("05-macula", ["40.0", "(40"], macula=(28.0, 40.0, 6.0), **context)
    assert "not one of the candidates" in assert_wrong("05-macula", ["40.0", "(40"], macula=(1, 2, 3), **context)
    assert "three numbers" in assert_wrong("05-macula", ["40.0", "(40"], macula=(40.0, 28.0), **context)
    assert verdict("05-macula", macula=tuple(found_sk[1]), **context).status == "correct"


# --------------------------------------------------------------------------------------------- 05-flow-pyramid
def test_flow_pyramid():
    rng = np.random.default_rng(4)
    ref = cl.to_uint8(filters.gaussian(rng.random((96, 96)), sigma=2), window=(0.5, 0.3))
    big = cl.to_uint8(cl.shift_image(ref, (6, 2)), window=(127.5, 255))
    textured = np.zeros(ref.shape, bool)
    textured[20:-20, 20:-20] = True
    context = {"ref": ref, "big": big, "textured": textured}
    flat = np.median(cl.farneback_flow(ref, big, levels=0)[textured], axis=0)[::-1]
    pyramid = np.median(cl.farneback_flow(ref, big, levels=3)[textured], axis=0)[::-1]
    shown = [f"{v:.2f}" for v in (*flat, *pyramid)]
    assert verdict("05-flow-pyramid", flat=None, pyramid=None, **context).status == "unanswered"
    assert verdict("05-flow-pyramid", flat=flat, pyramid=None, **context).status == "unanswered"
    assert "(x, y) order" in assert_wrong("05-flow-pyramid", shown, flat=flat, pyramid=pyramid[::-1], **context)
    assert "pyramid levels" in assert_wrong("05-flow-pyramid", shown, flat=pyramid, pyramid=pyramid, **context)
    assert "two numbers" in assert_wrong("05-flow-pyramid", shown, flat=flat, pyramid=pyramid[0], **context)
    assert verdict("05-flow-pyramid", flat=flat, pyramid=pyramid, **context).status == "correct"


# --------------------------------------------------------------------------------------------- 05-scale-errors
def _errors_as_in_the_notebook(retina):
    errors = {}
    for s in [0.7, 0.5, 0.4, 0.3]:
        view, truth = cl.similarity_view(retina, angle_deg=0, scale=s)
        pair = []
        for detector in ("sift", "orb"):
            try:
                m = cl.match_features(retina, view, detector=detector)
                pair.append(cl.corner_error(cl.estimate_homography(m.points0, m.points1)[0], truth, retina.shape))
            except ValueError:
                pair.append(np.inf)
        errors[s] = tuple(pair)
    return errors


@pytest.fixture(scope="module")
def scale_context():
    retina = cv2.resize(data.retina()[..., 1], (256, 256), interpolation=cv2.INTER_AREA)
    return {"retina": retina}, _errors_as_in_the_notebook(retina)


def test_scale_errors(scale_context):
    context, errors = scale_context
    sift_07, orb_07 = errors[0.7]
    assert abs(sift_07 - orb_07) > 0.2 + 0.05 * max(sift_07, orb_07), "the swap test needs distinct errors at 0.7"
    assert verdict("05-scale-errors", errors=None, **context).status == "unanswered"
    assert "dict" in assert_wrong("05-scale-errors", [], errors=list(errors.values()), **context)
    assert "four scales" in assert_wrong("05-scale-errors", [], errors={0.7: errors[0.7]}, **context)
    negative = {**errors, 0.5: (-1.0, 2.0)}
    assert "never negative" in assert_wrong("05-scale-errors", [], errors=negative, **context)
    swapped = {**errors, 0.7: (orb_07, sift_07)}
    assert "swapped" in assert_wrong("05-scale-errors", [], errors=swapped, **context)
    assert verdict("05-scale-errors", errors=errors, **context).status == "correct"


# ------------------------------------------------------------------------------------------------ 05-normalise
def _two_scanners(n=40, size=32):
    """Synthetic slices with a bright blob in every other one, as scanner A and a darker, noisier scanner B."""
    rng = np.random.default_rng(5)
    labels = np.arange(n) % 2
    images = 0.5 + 0.05 * rng.normal(size=(n, size, size))
    rows, cols = np.mgrid[:size, :size]
    for i in np.flatnonzero(labels):
        r, c = rng.integers(8, size - 8, 2)
        images[i] += 0.6 * ((rows - r) ** 2 + (cols - c) ** 2 < 9)
    scanner_b = 0.6 * images + 0.15 + 0.08 * rng.normal(size=images.shape)
    return SimpleNamespace(images=images, labels=labels), SimpleNamespace(images=scanner_b, labels=labels)


def test_normalise():
    data_a, data_b = _two_scanners()
    candidates = np.round(np.arange(0.55, 1.2, 0.05), 3)
    context = {"data_a": data_a, "data_b": data_b, "candidates": candidates}

    def accuracy(images, labels, threshold):
        predicted = cl.threshold_detector(images, sigma=0.5, threshold=threshold, min_area_px=3)[1]
        return cl.detection_scores(predicted, labels)["accuracy"]

    norm_a, norm_b = (d.images / np.percentile(d.images.reshape(len(d.images), -1), 99, axis=1)[:, None, None]
                      for d in (data_a, data_b))
    best = max(candidates * 1.5, key=lambda t: accuracy(norm_a, data_a.labels, t))
    acc_a, acc_b = accuracy(norm_a, data_a.labels, best), accuracy(norm_b, data_b.labels, best)
    raw_b = accuracy(data_b.images, data_b.labels, best)
    shown = [f"{acc_a:.3f}", f"{acc_b:.3f}"]
    assert verdict("05-normalise", acc_a=None, acc_b=None, **context).status == "unanswered"
    if abs(raw_b - acc_b) > 0.05:
        assert "`acc_b`" in assert_wrong("05-normalise", shown, acc_a=acc_a, acc_b=raw_b, **context)
    assert "`acc_a`" in assert_wrong("05-normalise", shown, acc_a=acc_b - 0.2, acc_b=acc_b, **context)
    assert "`acc_b`" in assert_wrong("05-normalise", shown, acc_a=acc_a, acc_b=100 * acc_b, **context)
    assert verdict("05-normalise", acc_a=acc_a, acc_b=acc_b, **context).status == "correct"
