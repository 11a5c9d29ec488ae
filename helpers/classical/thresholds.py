"""Thresholds: 8-bit conversion for OpenCV, Otsu's criterion, and a hand-tuned threshold detector with its scores."""

from __future__ import annotations

import numpy as np

from .. import metrics, viz
from ._common import as_2d

__all__ = ["to_uint8", "otsu_curve", "otsu_threshold", "threshold_detector", "detection_scores"]


def to_uint8(image, *, window: tuple[float, float] | None = None) -> np.ndarray:
    """Map an image to ``uint8`` 0..255 through a display window (for OpenCV functions that need 8 bits).

    Parameters
    ----------
    image : ndarray, (rows, cols)
        Any real dtype and unit (e.g. HU). Must be finite.
    window : (center, width), optional
        Values ``center - width/2`` → 0 and ``center + width/2`` → 255, clipped outside. Default: the image's own
        minimum to maximum.

    Returns
    -------
    ndarray, (rows, cols), uint8

    Examples
    --------
    >>> to_uint8(np.array([[-1000.0, 0.0, 1000.0]]), window=(0, 2000)).tolist()
    [[0, 128, 255]]
    """
    image = as_2d(image)
    values = image.astype(np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError("image has NaN or infinite values; replace them first (e.g. np.nan_to_num)")
    if window is None:
        lo, hi = float(values.min()), float(values.max())
        hi = hi if hi > lo else lo + 1.0
    else:
        lo, hi = viz.window_to_range(*window)
    scaled = (values - lo) / (hi - lo) * 255.0
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def otsu_curve(image, *, nbins: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Between-class variance of every candidate threshold (Otsu's criterion).

    Parameters
    ----------
    image : ndarray
        Any shape; finite values.
    nbins : int
        Histogram bins over the image's min..max.

    Returns
    -------
    thresholds : ndarray, (nbins - 1,)
        Candidate thresholds (bin centres); the foreground is ``image > threshold``.
    variance : ndarray, (nbins - 1,)
        Between-class variance ``w0 * w1 * (m0 - m1)**2`` (fractions ``w``, class means ``m``), in squared image
        units.

    Notes
    -----
    Otsu (1979) picks the threshold that maximises the between-class variance, which is the same as minimising the
    pixel-weighted sum of the two classes' variances. Only the histogram matters: where pixels are, not what they
    look like. The binning is scikit-image's, so ``thresholds[argmax(variance)]`` equals
    ``skimage.filters.threshold_otsu(image.astype(float), nbins)``.

    References
    ----------
    .. [1] N. Otsu, "A threshold selection method from gray-level histograms," IEEE Trans. Syst. Man Cybern.
       9(1):62-66, 1979. https://doi.org/10.1109/TSMC.1979.4310076
    """
    values = np.asarray(image, dtype=np.float64).ravel()
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError("image must be non-empty and finite")
    if int(nbins) < 2:
        raise ValueError(f"nbins must be >= 2, got {nbins}")
    if values.min() == values.max():
        raise ValueError(f"image is constant ({values.min():g}): there is no threshold to find")
    counts, edges = np.histogram(values, bins=int(nbins))
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(counts)  # pixels at or below each candidate
    w1 = np.cumsum(counts[::-1])[::-1]  # pixels at or above each bin
    m0 = np.cumsum(counts * centres) / np.maximum(w0, 1)
    m1 = (np.cumsum((counts * centres)[::-1]) / np.maximum(w1[::-1], 1))[::-1]
    # class 0 = bins 0..k, class 1 = bins k+1..end
    variance = w0[:-1] * w1[1:] * (m0[:-1] - m1[1:]) ** 2 / values.size**2
    return centres[:-1], variance


def otsu_threshold(image, *, nbins: int = 256) -> float:
    """Otsu's threshold: the candidate of :func:`otsu_curve` with the largest between-class variance.

    Parameters
    ----------
    image : ndarray
        Any shape, finite.
    nbins : int

    Returns
    -------
    float
        Threshold in the image's units; the foreground is ``image > threshold``.
    """
    thresholds, variance = otsu_curve(image, nbins=nbins)
    return float(thresholds[int(np.argmax(variance))])


def threshold_detector(images, *, sigma: float = 1.0, threshold: float = 0.5, min_area_px: int = 10,
                       bright: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A hand-tuned lesion detector: smooth → fixed threshold → drop small blobs → "lesion" if anything is left.

    Parameters
    ----------
    images : ndarray, (n, rows, cols) or (rows, cols)
        Intensities (e.g. ``LesionSet.images``, normalised to about 0..1).
    sigma : float
        Gaussian smoothing in pixels (0 = none).
    threshold : float
        Fixed intensity threshold, in the images' units.
    min_area_px : int
        Connected blobs smaller than this many pixels are ignored.
    bright : bool
        Lesions are brighter (True) or darker (False) than the threshold.

    Returns
    -------
    masks : ndarray of bool, (n, rows, cols)
        Detected lesion pixels.
    labels : ndarray of int64, (n,)
        1 where a lesion was detected.
    """
    from scipy import ndimage as ndi

    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 2:
        images = images[None]
    if images.ndim != 3:
        raise ValueError(f"images must be (n, rows, cols) or (rows, cols), got shape {images.shape}")
    if sigma < 0 or int(min_area_px) < 0:
        raise ValueError(f"sigma and min_area_px must be >= 0, got {sigma} and {min_area_px}")
    smooth = ndi.gaussian_filter(images, sigma=(0, sigma, sigma)) if sigma > 0 else images
    raw = smooth > threshold if bright else smooth < threshold
    # label the whole stack at once; the structuring element never connects neighbouring images
    structure = np.zeros((3, 3, 3), bool)
    structure[1] = ndi.generate_binary_structure(2, 2)
    lab, _ = ndi.label(raw, structure=structure)
    sizes = np.bincount(lab.ravel())
    big = sizes >= max(int(min_area_px), 1)
    big[0] = False
    masks = big[lab]
    return masks, masks.any(axis=(1, 2)).astype(np.int64)


def detection_scores(predicted, truth, *, predicted_masks=None, true_masks=None) -> dict[str, float]:
    """Accuracy, sensitivity, specificity and (with masks) mean Dice of a detector.

    Parameters
    ----------
    predicted, truth : ndarray of int, (n,)
        1 = lesion, 0 = none.
    predicted_masks, true_masks : ndarray of bool, (n, rows, cols), optional
        Dice is averaged over images that truly contain a lesion.

    Returns
    -------
    dict
        ``accuracy``, ``sensitivity`` (recall of lesions), ``specificity``, and ``dice`` if masks were given
        (NaN where undefined).
    """
    predicted, truth = np.asarray(predicted).astype(int).ravel(), np.asarray(truth).astype(int).ravel()
    if predicted.shape != truth.shape:
        raise ValueError(f"predicted and truth differ in length: {predicted.shape} vs {truth.shape}")
    positives, negatives = truth == 1, truth == 0
    scores = {"accuracy": float(np.mean(predicted == truth)),
              "sensitivity": float(np.mean(predicted[positives] == 1)) if positives.any() else float("nan"),
              "specificity": float(np.mean(predicted[negatives] == 0)) if negatives.any() else float("nan")}
    if predicted_masks is not None and true_masks is not None:
        pm, tm = np.asarray(predicted_masks, bool), np.asarray(true_masks, bool)
        if pm.shape != tm.shape or len(pm) != len(truth):
            raise ValueError(f"mask shapes differ or do not match the labels: {pm.shape}, {tm.shape}, {truth.shape}")
        dice = [metrics.dice(p, t) for p, t in zip(pm[positives], tm[positives], strict=True)]
        scores["dice"] = float(np.mean(dice)) if dice else float("nan")
    return scores
