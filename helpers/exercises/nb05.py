"""Checkers of 05_classical_cv.ipynb.

Each recomputes the expected value from the notebook's own images and intermediate results, so it holds for any
image the notebook loads; the check of the scale experiment accepts any failed fit as a failure (a large error or
``np.inf``).
"""

from __future__ import annotations

from collections.abc import Mapping

import cv2
import numpy as np
from skimage import filters

from .. import classical as cl
from ._core import exercise, hint
from ._hints import array, number

SCALES = (0.7, 0.5, 0.4, 0.3)  # the second view's zoom factors of the scale Try-it
FAILED_PX = 5.0  # a corner error above this is a failed fit, as in the notebook's claim


@exercise("05-multiotsu")
def multiotsu(thresholds, ct_hu, ct=None):
    """The two thresholds (HU) of three-class Otsu on the clipped CT slice."""
    problem = array(thresholds, shape=(2,))
    if problem is not None:
        if np.ndim(thresholds) == 1 and len(thresholds) != 2:
            return hint("three classes are separated by two thresholds: use classes=3")
        return problem
    if ct is not None and np.allclose(thresholds, filters.threshold_multiotsu(ct, classes=3), atol=1.0):
        return hint("those are the thresholds of the raw slice: use the clipped `ct_hu`")
    return array(thresholds, expected=filters.threshold_multiotsu(ct_hu, classes=3), rtol=0.0, atol=1.0)


def _edge_precision(noisy, sigma: float, near_clean) -> float:
    """Share of Canny (50/150) edge pixels of ``noisy`` blurred by ``sigma`` that lie near the clean image's edges."""
    edges = cv2.Canny(cv2.GaussianBlur(noisy, (0, 0), sigma), 50, 150, L2gradient=True) > 0
    return float(near_clean[edges].mean()) if edges.any() else 0.0


@exercise("05-canny-sigma")
def canny_sigma(best_sigma, noisy80, sigmas, near_clean):
    """The smallest σ in ``sigmas`` whose Canny edges on the noisy slice reach a precision of 0.9."""
    if best_sigma not in list(sigmas):
        return hint("pick your answer from the list `sigmas` (a blur σ in pixels)")
    precise = [sigma for sigma in sigmas if _edge_precision(noisy80, sigma, near_clean) >= 0.9]
    if not precise:
        return hint("no σ in `sigmas` reaches a precision of 0.9 on this image: check `near_clean` and `noisy80`")
    if best_sigma < min(precise):
        return hint("too small: at this σ fewer than 90% of the edge pixels lie near the clean edges")
    if best_sigma > min(precise):
        return hint("too large: a smaller σ in `sigmas` already reaches a precision of 0.9")
    return None


@exercise("05-skull-area")
def skull_area(skull_cm2, skull, ct_meta):
    """The area of the skull mask in cm², from the CT's pixel spacing in mm."""
    dy, dx = ct_meta.spacing_mm
    return number(skull_cm2, expected=float(skull.sum()) * dy * dx / 100, rtol=0.001, unit="cm²")


def _mean_inside(green, circle) -> float:
    x, y, r = circle
    rows, cols = np.ogrid[: green.shape[0], : green.shape[1]]
    return float(green[(rows - y) ** 2 + (cols - x) ** 2 < r**2].mean())


@exercise("05-macula")
def macula(macula, found_sk, small):
    """The candidate circle (x, y, r) of ``found_sk`` with the darkest inside (green channel of ``small``)."""
    problem = array(np.asarray(macula, dtype=float) if np.ndim(macula) == 1 else macula, shape=(3,))
    if problem is not None:
        return hint("your answer should be one circle, (x, y, r): three numbers")
    answer = np.asarray(macula, dtype=float)
    candidates = np.asarray(found_sk, dtype=float)
    if not np.any(np.all(np.isclose(candidates, answer), axis=1)):
        if np.any(np.all(np.isclose(candidates, answer[[1, 0, 2]]), axis=1)):
            return hint("x and y are swapped: a circle is (x, y, r), column first")
        return hint("your circle is not one of the candidates in `found_sk`: pick one of its rows")
    brightness = [_mean_inside(small[..., 1], c) for c in candidates]
    if np.allclose(answer, candidates[int(np.argmin(brightness))]):
        return None
    if np.allclose(answer, candidates[int(np.argmax(brightness))]):
        return hint("that is the brightest candidate, the optic disc: the macula is the darkest")
    return hint("another candidate in `found_sk` is darker inside")


def _median_motion(ref, moved, textured, levels: int) -> np.ndarray:
    """Median Farnebäck motion (rows, cols) in pixels over the textured pixels."""
    return np.median(cl.farneback_flow(ref, moved, levels=levels)[textured], axis=0)[::-1]


def _motion_hint(value, expected, name: str):
    problem = array(np.asarray(value, dtype=float) if isinstance(value, list | tuple) else value, shape=(2,))
    if problem is not None:
        return hint(f"`{name}` should be a numpy array of two numbers, (rows, cols) in pixels")
    if np.allclose(value, expected, atol=0.05):
        return None
    if np.allclose(np.asarray(value)[::-1], expected, atol=0.05):
        return hint(f"`{name}` is in (x, y) order: Farnebäck returns (dx, dy); reverse it to (rows, cols)")
    return hint(f"`{name}` is not the median motion over `textured` for that number of pyramid levels")


@exercise("05-flow-pyramid", answers=2)
def flow_pyramid(flat, pyramid, ref, big, textured):
    """The median motion (rows, cols) recovered by Farnebäck with levels=0 (``flat``) and levels=3 (``pyramid``)."""
    return (_motion_hint(flat, _median_motion(ref, big, textured, levels=0), "flat")
            or _motion_hint(pyramid, _median_motion(ref, big, textured, levels=3), "pyramid"))


def _corner_error(image, view, truth, detector: str) -> float:
    try:
        matches = cl.match_features(image, view, detector=detector)
        return cl.corner_error(cl.estimate_homography(matches.points0, matches.points1)[0], truth, image.shape)
    except ValueError:  # too few matches or no consistent transform: a failed fit
        return np.inf


def _same_error(value, expected: float) -> bool:
    """Equal within 5% + 0.1 px, or both failed fits (any error above FAILED_PX, inf included)."""
    if expected > FAILED_PX:
        return value > FAILED_PX
    return abs(value - expected) <= 0.1 + 0.05 * expected


@exercise("05-scale-errors")
def scale_errors(errors, retina):
    """Corner errors (px) of OpenCV's SIFT and ORB for the view shrunk to each of SCALES, no rotation."""
    if not isinstance(errors, Mapping):
        return hint("`errors` should be a dict {scale: (sift_error, orb_error)}")
    if sorted(errors) != sorted(SCALES):
        return hint("the keys of `errors` should be the four scales 0.7, 0.5, 0.4 and 0.3")
    pairs = {}
    for scale, pair in errors.items():
        if np.ndim(pair) != 1 or len(pair) != 2 or np.asarray(pair).dtype.kind not in "fiu":
            return hint(f"errors[{scale}] should be a pair of numbers (sift_error, orb_error) in pixels")
        pairs[scale] = tuple(float(v) for v in pair)
    if any(np.isnan(v) or v < 0 for pair in pairs.values() for v in pair):
        return hint("a corner error is a distance in pixels: never negative or NaN (a failed fit is np.inf)")
    for scale in SCALES:
        view, truth = cl.similarity_view(retina, angle_deg=0, scale=scale)
        expected = (_corner_error(retina, view, truth, "sift"), _corner_error(retina, view, truth, "orb"))
        if all(map(_same_error, pairs[scale], expected)):
            continue
        if all(map(_same_error, pairs[scale][::-1], expected)):
            return hint(f"at scale {scale} the pair looks swapped: the order is (sift_error, orb_error)")
        return hint(f"the errors at scale {scale} differ from OpenCV's SIFT and ORB with the notebook's matching "
                    "and RANSAC fit (no rotation)")
    return None


def _normalised(images) -> np.ndarray:
    """Each image divided by its own 99th percentile."""
    return images / np.percentile(images, 99, axis=(1, 2), keepdims=True)


def _accuracy(images, labels, threshold: float) -> float:
    _, predicted = cl.threshold_detector(images, sigma=0.5, threshold=threshold, min_area_px=3)
    return cl.detection_scores(predicted, labels)["accuracy"]


@exercise("05-normalise", answers=2)
def normalise(acc_a, acc_b, data_a, data_b, candidates):
    """Accuracies on scanner A and B of the detector retuned on 99th-percentile-normalised A images."""
    norm_a, norm_b = _normalised(data_a.images), _normalised(data_b.images)
    tuned_accuracy = [_accuracy(norm_a, data_a.labels, t) for t in np.asarray(candidates) * 1.5]
    best = float(np.asarray(candidates)[int(np.argmax(tuned_accuracy))] * 1.5)  # the first best, like max()
    step = 0.5 / len(data_a.labels)  # half of one image's share of the accuracy
    problem = number(acc_a, expected=tuned_accuracy[int(np.argmax(tuned_accuracy))], atol=step, rtol=0.0)
    if problem is not None:
        return hint(f"`acc_a`: {problem.text} (tune the threshold on the normalised A images, `candidates * 1.5`)")
    problem = number(acc_b, expected=_accuracy(norm_b, data_b.labels, best), atol=step, rtol=0.0)
    if problem is not None:
        return hint(f"`acc_b`: {problem.text} (apply A's tuned threshold to the normalised B images)")
    return None
