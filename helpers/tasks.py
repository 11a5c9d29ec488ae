"""Small, tested building blocks for the analysis tasks of notebook 03 (and the baselines other notebooks reuse).

The lecture lists what we want to do with medical images: preprocessing, registration, detection, segmentation,
classification, monitoring and prediction. This module holds the parts of those examples that would distract in a
notebook cell: a fixed set of hand-crafted image features (the *classical-features baseline*), overlap and
distance metrics for masks, mutual information and a rigid registration, FROC counting for detections, simulated
annotators and a least-squares "learned" upsampler.

Conventions: images are ``(n, h, w)`` or ``(h, w)`` float arrays, masks are bool arrays of the same shape, pixel
spacing is ``(row_mm, col_mm)`` in millimetres, angles are in degrees, shifts in pixels as ``(row, col)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage as ndi

__all__ = [
    "FEATURE_NAMES",
    "handcrafted_features",
    "dice",
    "hausdorff_mm",
]

# Scales (pixels) of the blob detector features: the lesions of helpers.datasets span a few to ~12 pixels radius.
_LOG_SIGMAS = (1.5, 3.0, 6.0)
_ENTROPY_BINS = 32

FEATURE_NAMES: tuple[str, ...] = (
    "mean",                 # mean intensity
    "std",                  # intensity standard deviation
    "p99",                  # 99th percentile (bright structures)
    "p99_minus_median",     # how far the brightest pixels stand out
    "skewness",             # asymmetry of the intensity histogram (a bright blob adds a right tail)
    "entropy",              # Shannon entropy (bits) of a 32-bin histogram over the image's own range
    "log_max_s1.5",         # strongest bright-blob response, scale-normalised LoG, sigma 1.5 px
    "log_max_s3",           # ... sigma 3 px
    "log_max_s6",           # ... sigma 6 px
    "dog_max",              # strongest difference of Gaussians (sigma 2 px minus sigma 6 px)
    "local_contrast_max",   # max of (mean in 5x5) - (mean in 15x15): a bright spot on its surroundings
    "grad_mean",            # mean gradient magnitude (Gaussian derivatives, sigma 1 px): edge content
    "grad_p99",             # 99th percentile of the gradient magnitude: the sharpest edges
    "laplacian_energy",     # mean squared Laplacian (sigma 1 px): fine texture / noise
    "local_std_max",        # max local standard deviation in 5x5 windows: the most textured spot
)


def _as_stack(images, name: str = "images") -> np.ndarray:
    arr = np.asarray(images)
    if arr.ndim != 3:
        raise ValueError(f"{name} must be a stack (n, h, w), got shape {arr.shape}; use image[None] for one image")
    if arr.shape[0] == 0 or min(arr.shape[1:]) < 8:
        raise ValueError(f"{name} must hold at least one image of at least 8x8 pixels, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float32, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contain NaN or infinite values; replace them (e.g. np.nan_to_num) first")
    return arr


def _per_image_max(stack: np.ndarray) -> np.ndarray:
    return stack.reshape(len(stack), -1).max(axis=1)


def handcrafted_features(images) -> np.ndarray:
    """Compute simple per-image features: intensity statistics, blob (LoG/DoG) response, local contrast, texture.

    A linear model on these features is the *classical-features baseline* of the course: it is what image analysis
    looked like before features were learned (notebook 06 compares a CNN with it). Every feature is a single number
    per image, listed with its meaning in :data:`FEATURE_NAMES`.

    Parameters
    ----------
    images : array_like, (n, h, w), real
        A stack of grayscale images (any units; the lesion slices of :mod:`helpers.datasets` are in ~0..1),
        at least 8x8 pixels, all finite.

    Returns
    -------
    ndarray, (n, len(FEATURE_NAMES)), float64
        One row per image, columns in the order of :data:`FEATURE_NAMES`. Features are not standardised: scale
        them (e.g. ``sklearn.preprocessing.StandardScaler``) before fitting a linear model.

    Raises
    ------
    ValueError
        If ``images`` is not a non-empty 3D stack of finite values.

    Notes
    -----
    Blob features use the scale-normalised negative Laplacian of Gaussian, ``-sigma**2 * LoG``, which is large and
    positive at the centre of a bright blob of radius about ``sigma * sqrt(2)`` (Lindeberg 1998). All filters run
    on the whole stack at once (``sigma = (0, s, s)``): 2,000 images of 64x64 take about a second.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> flat = rng.normal(0.5, 0.01, size=(2, 32, 32))
    >>> blob = flat.copy(); blob[1, 12:20, 12:20] += 0.5
    >>> f = handcrafted_features(blob)
    >>> f.shape == (2, len(FEATURE_NAMES))
    True
    >>> bool(f[1, FEATURE_NAMES.index("log_max_s3")] > f[0, FEATURE_NAMES.index("log_max_s3")])
    True
    """
    x = _as_stack(images)
    n = len(x)
    flat = x.reshape(n, -1)
    mean = flat.mean(axis=1)
    std = flat.std(axis=1)
    p99, median = np.percentile(flat, [99, 50], axis=1)
    centred = (flat - mean[:, None]) / np.maximum(std, 1e-12)[:, None]
    skewness = (centred**3).mean(axis=1)
    entropy = _histogram_entropy(flat)

    # ndimage's gaussian_laplace/gradient would treat the sigma-0 stack axis as a derivative axis too, so the
    # in-plane derivatives are taken explicitly: smooth each image, then finite differences along rows/cols.
    smooth = {s: ndi.gaussian_filter(x, sigma=(0, s, s)) for s in (1.0, 2.0, *_LOG_SIGMAS)}
    log_max = [_per_image_max(-(s**2) * _laplacian_2d(smooth[s])) for s in _LOG_SIGMAS]
    dog = smooth[2.0] - smooth[6.0]
    local_mean = ndi.uniform_filter(x, size=(1, 5, 5))
    local_contrast = local_mean - ndi.uniform_filter(x, size=(1, 15, 15))

    grow, gcol = np.gradient(smooth[1.0], axis=(1, 2))
    grad = np.hypot(grow, gcol).reshape(n, -1)
    laplacian = _laplacian_2d(smooth[1.0]).reshape(n, -1)
    local_var = ndi.uniform_filter(x * x, size=(1, 5, 5)) - local_mean**2
    local_std = np.sqrt(np.clip(local_var, 0, None))

    columns = [mean, std, p99, p99 - median, skewness, entropy, *log_max, _per_image_max(dog),
               _per_image_max(local_contrast), grad.mean(axis=1), np.percentile(grad, 99, axis=1),
               (laplacian.astype(np.float64) ** 2).mean(axis=1), _per_image_max(local_std)]
    return np.stack(columns, axis=1).astype(np.float64)


def _laplacian_2d(stack: np.ndarray) -> np.ndarray:
    """Five-point Laplacian of each image of an (n, h, w) stack (edges replicated)."""
    padded = np.pad(stack, ((0, 0), (1, 1), (1, 1)), mode="edge")
    return (padded[:, :-2, 1:-1] + padded[:, 2:, 1:-1] + padded[:, 1:-1, :-2] + padded[:, 1:-1, 2:]
            - 4 * padded[:, 1:-1, 1:-1])


def _histogram_entropy(flat: np.ndarray) -> np.ndarray:
    """Shannon entropy (bits) of each row's histogram over its own min..max range."""
    n, m = flat.shape
    lo = flat.min(axis=1, keepdims=True)
    span = np.maximum(flat.max(axis=1, keepdims=True) - lo, 1e-12)
    bins = np.minimum(((flat - lo) / span * _ENTROPY_BINS).astype(np.int64), _ENTROPY_BINS - 1)
    counts = np.bincount((bins + _ENTROPY_BINS * np.arange(n)[:, None]).ravel(), minlength=n * _ENTROPY_BINS)
    p = counts.reshape(n, _ENTROPY_BINS) / m
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log2(p), 0.0).sum(axis=1)


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
