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
    "mutual_information",
    "rigid_transform",
    "invert_rigid",
    "register_rigid",
    "froc_curve",
    "simulate_annotators",
    "fit_linear_upsampler",
    "apply_linear_upsampler",
    "bootstrap_ci",
]

# Scales (pixels) of the blob detector features: the lesions of helpers.datasets span a few to ~12 pixels radius.
_LOG_SIGMAS = (1.5, 3.0, 6.0)
_ENTROPY_BINS = 32
_BLOCK = 256  # images per block of filtering

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
    # blocks of images keep the filter intermediates small (~50 MB) however long the stack is
    return np.concatenate([_feature_block(x[i:i + _BLOCK]) for i in range(0, len(x), _BLOCK)])


def _feature_block(x: np.ndarray) -> np.ndarray:
    """Features of one (n, h, w) float32 block; see :func:`handcrafted_features`."""
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


# --- registration ---------------------------------------------------------------------------------------------


def mutual_information(a, b, *, bins: int = 32) -> float:
    """Mutual information (nats) between the intensities of two images of the same shape.

    ``MI = sum p(x, y) log(p(x, y) / (p(x) p(y)))`` over a joint histogram. It is high when one image's intensity
    predicts the other's, whatever the mapping (bright-to-dark works as well as bright-to-bright), which is why it
    is the classic similarity for *multimodal* registration (Maes et al. 1997; Viola & Wells 1997).

    Parameters
    ----------
    a, b : array_like, same shape, real and finite
        The two images (any units; each is binned over its own range).
    bins : int, keyword-only
        Histogram bins per image (>= 2).

    Returns
    -------
    float
        Mutual information in nats (>= 0); 0 for independent images.

    Raises
    ------
    ValueError
        On shape mismatch, ``bins < 2`` or non-finite values.

    Examples
    --------
    >>> x = np.linspace(0, 1, 400).reshape(20, 20)
    >>> bool(mutual_information(x, 1 - x) > mutual_information(x, np.random.default_rng(0).random((20, 20))))
    True
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"images must have the same shape, got {a.shape} and {b.shape}")
    if bins < 2:
        raise ValueError(f"bins must be >= 2, got {bins}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("images contain NaN or infinite values")
    joint = np.bincount(_bin_index(a, bins) * bins + _bin_index(b, bins), minlength=bins * bins)
    p_xy = joint.reshape(bins, bins) / a.size
    p_x, p_y = p_xy.sum(axis=1, keepdims=True), p_xy.sum(axis=0, keepdims=True)
    nz = p_xy > 0
    return float((p_xy[nz] * np.log(p_xy[nz] / (p_x @ p_y)[nz])).sum())


def _bin_index(image: np.ndarray, bins: int) -> np.ndarray:
    lo, hi = image.min(), image.max()
    scaled = (image.ravel() - lo) / max(hi - lo, 1e-12) * bins
    return np.minimum(scaled.astype(np.int64), bins - 1)


def _rotation(angle_deg: float) -> np.ndarray:
    t = np.deg2rad(angle_deg)
    # (row, col) coordinates with rows pointing down: this turns the displayed image counter-clockwise
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


def rigid_transform(image, *, angle_deg: float = 0.0, shift_px: Sequence[float] = (0.0, 0.0), order: int = 1,
                    cval: float = 0.0) -> np.ndarray:
    """Rotate a 2D image about its centre, then shift it (a rigid transform), by resampling.

    A point at ``p = (row, col)`` moves to ``R (p - c) + c + shift``, where ``c`` is the image centre and ``R`` turns
    the displayed image counter-clockwise by ``angle_deg``.

    Parameters
    ----------
    image : array_like, (h, w), real
    angle_deg : float, keyword-only
        Rotation in degrees, counter-clockwise as displayed (row 0 at the top).
    shift_px : (row, col), keyword-only
        Translation in pixels applied after the rotation (positive row = down).
    order : int, keyword-only
        Spline interpolation order (0 nearest, 1 bilinear, 3 bicubic).
    cval : float, keyword-only
        Value for pixels that come from outside the image.

    Returns
    -------
    ndarray, (h, w), float64

    See Also
    --------
    invert_rigid : the parameters that undo a rigid transform.
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"image must be 2D (h, w), got shape {image.shape}")
    shift = np.asarray(shift_px, dtype=np.float64)
    if shift.shape != (2,):
        raise ValueError(f"shift_px must be (row, col), got {shift_px!r}")
    rot = _rotation(angle_deg)
    centre = (np.array(image.shape) - 1) / 2.0
    # affine_transform maps each OUTPUT coordinate to the INPUT coordinate it samples: the inverse transform
    inverse = rot.T
    offset = centre - inverse @ (centre + shift)
    return ndi.affine_transform(image, inverse, offset=offset, order=order, cval=cval)


def invert_rigid(angle_deg: float, shift_px: Sequence[float]) -> tuple[float, tuple[float, float]]:
    """Return ``(angle_deg, shift_px)`` of the rigid transform that undoes ``rigid_transform(angle_deg, shift_px)``.

    Both transforms rotate about the same image centre. From ``p' = R (p - c) + c + t`` follows
    ``p = R^T (p' - c) + c - R^T t``: the inverse turns by ``-angle`` and shifts by ``-R^T t``.

    Examples
    --------
    >>> angle, shift = invert_rigid(90.0, (1.0, 0.0))
    >>> round(angle, 6), tuple(round(s, 6) + 0.0 for s in shift)
    (-90.0, (0.0, 1.0))
    """
    back = -(_rotation(angle_deg).T @ np.asarray(shift_px, dtype=np.float64))
    return -float(angle_deg), (float(back[0]), float(back[1]))


def register_rigid(moving, fixed, *, metric: str = "mi", bins: int = 32, initial=(0.0, 0.0, 0.0),
                   smoothing_px: Sequence[float] = (2.0, 0.0)) -> tuple[float, tuple[float, float]]:
    """Find the rigid transform that aligns ``moving`` to ``fixed`` by optimisation.

    Maximises the similarity between ``fixed`` and ``rigid_transform(moving, ...)`` over (angle, row shift,
    col shift) with Powell's derivative-free method, coarse to fine: first on Gaussian-smoothed images (a smoother
    cost surface with fewer local optima), then refined on less smoothed ones.

    Parameters
    ----------
    moving, fixed : array_like, (h, w), same shape
        The image to move and the reference.
    metric : {"mi", "ssd"}, keyword-only
        ``"mi"`` maximises mutual information (works across modalities); ``"ssd"`` minimises the sum of squared
        differences (assumes equal intensities for equal tissue: same modality only).
    bins : int, keyword-only
        Histogram bins for mutual information.
    initial : (angle_deg, row_px, col_px), keyword-only
        Starting guess.
    smoothing_px : sequence of float, keyword-only
        Gaussian sigma (pixels) of each level, coarse to fine; 0 means no smoothing.

    Returns
    -------
    (float, (float, float))
        ``(angle_deg, shift_px)`` such that ``rigid_transform(moving, angle_deg=..., shift_px=...)`` ≈ ``fixed``.

    Raises
    ------
    ValueError
        On shape mismatch or an unknown metric.
    """
    from scipy.optimize import minimize

    moving, fixed = np.asarray(moving, dtype=np.float64), np.asarray(fixed, dtype=np.float64)
    if moving.shape != fixed.shape or moving.ndim != 2:
        raise ValueError(f"moving and fixed must be 2D of the same shape, got {moving.shape} and {fixed.shape}")
    if metric not in ("mi", "ssd"):
        raise ValueError(f"metric must be 'mi' or 'ssd', got {metric!r}")
    params = np.asarray(initial, dtype=np.float64)
    for sigma in smoothing_px:
        mov = ndi.gaussian_filter(moving, sigma) if sigma > 0 else moving
        fix = ndi.gaussian_filter(fixed, sigma) if sigma > 0 else fixed

        def cost(p, mov=mov, fix=fix):
            warped = rigid_transform(mov, angle_deg=p[0], shift_px=p[1:])
            if metric == "mi":
                return -mutual_information(warped, fix, bins=bins)
            return float(np.mean((warped - fix) ** 2))

        params = minimize(cost, params, method="Powell", options={"xtol": 1e-3, "ftol": 1e-6}).x
    return float(params[0]), (float(params[1]), float(params[2]))


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


# --- subjectivity ---------------------------------------------------------------------------------------------


def simulate_annotators(mask, *, n_annotators: int = 4, bias_px: float = 1.0, wobble_px: float = 1.0,
                        smoothness_px: float = 3.0, seed: int = 0) -> np.ndarray:
    """Simulate several annotators outlining the same structure, each in their own way.

    Each annotator draws the boundary of ``mask`` moved outwards or inwards by a personal bias (some draw
    generously, some tightly) plus a smooth random wobble along the outline.

    Parameters
    ----------
    mask : array_like of bool, (h, w)
        The structure to outline (e.g. an exact simulated lesion mask).
    n_annotators : int, keyword-only
        Number of annotators (>= 1).
    bias_px : float, keyword-only
        Standard deviation (pixels) of each annotator's outward (+) or inward (-) offset.
    wobble_px : float, keyword-only
        Amplitude (standard deviation, pixels) of the smooth boundary wobble.
    smoothness_px : float, keyword-only
        Correlation length (Gaussian sigma, pixels) of the wobble.
    seed : int, keyword-only

    Returns
    -------
    ndarray of bool, (n_annotators, h, w)
    """
    mask = np.asarray(mask)
    if mask.dtype != bool or mask.ndim != 2:
        raise ValueError(f"mask must be a 2D bool array, got {mask.dtype} with shape {mask.shape}")
    if n_annotators < 1:
        raise ValueError(f"n_annotators must be >= 1, got {n_annotators}")
    rng = np.random.default_rng(seed)
    # signed distance (pixels): positive inside, negative outside; thresholding it at -d grows the mask by d
    signed = ndi.distance_transform_edt(mask) - ndi.distance_transform_edt(~mask)
    out = np.empty((n_annotators, *mask.shape), bool)
    for k in range(n_annotators):
        noise = ndi.gaussian_filter(rng.standard_normal(mask.shape), smoothness_px)
        noise *= wobble_px / max(noise.std(), 1e-12)
        out[k] = signed + rng.normal(0.0, bias_px) + noise > 0
    return out


# --- super-resolution -----------------------------------------------------------------------------------------


def _neighbourhoods(low: np.ndarray, size: int) -> np.ndarray:
    """(n, h, w, size*size) patches around every low-resolution pixel (edges reflected)."""
    r = size // 2
    padded = np.pad(low, ((0, 0), (r, r), (r, r)), mode="reflect")
    windows = np.lib.stride_tricks.sliding_window_view(padded, (size, size), axis=(1, 2))
    return windows.reshape(*low.shape, size * size)


def fit_linear_upsampler(low, high, *, factor: int = 2, size: int = 5) -> np.ndarray:
    """Fit a tiny learned upsampler: one linear filter per sub-pixel position, by least squares.

    Each high-resolution pixel at sub-pixel position ``(a, b)`` of low-resolution pixel ``(i, j)`` is predicted as
    a weighted sum of the ``size x size`` low-resolution neighbourhood of ``(i, j)`` plus a bias. With ``factor=2``
    and ``size=5`` that is 4 x 26 = 104 numbers, "learned" from example pairs in one ``lstsq`` call.

    Parameters
    ----------
    low : array_like, (n, h, w)
        Low-resolution training images.
    high : array_like, (n, h * factor, w * factor)
        The matching high-resolution images.
    factor : int, keyword-only
        Upsampling factor (>= 2).
    size : int, keyword-only
        Odd neighbourhood size (>= 1).

    Returns
    -------
    ndarray, (factor, factor, size * size + 1), float64
        The filters (last entry of each = bias); use with :func:`apply_linear_upsampler`.
    """
    low, high = _check_upsampling_pair(low, high, factor, size)
    patches = _neighbourhoods(low, size)
    design = np.concatenate([patches, np.ones((*patches.shape[:-1], 1))], axis=-1).reshape(-1, size * size + 1)
    filters = np.empty((factor, factor, size * size + 1))
    for a in range(factor):
        for b in range(factor):
            target = high[:, a::factor, b::factor].reshape(-1)
            filters[a, b] = np.linalg.lstsq(design, target, rcond=None)[0]
    return filters


def apply_linear_upsampler(low, filters) -> np.ndarray:
    """Upsample images with filters from :func:`fit_linear_upsampler`.

    Parameters
    ----------
    low : array_like, (n, h, w) or (h, w)
    filters : ndarray, (factor, factor, size * size + 1)

    Returns
    -------
    ndarray, (n, h * factor, w * factor) or (h * factor, w * factor), float64
    """
    filters = np.asarray(filters, dtype=np.float64)
    if filters.ndim != 3 or filters.shape[0] != filters.shape[1]:
        raise ValueError(f"filters must be (factor, factor, size*size + 1), got shape {filters.shape}")
    size = int(round(np.sqrt(filters.shape[2] - 1)))
    if size * size + 1 != filters.shape[2]:
        raise ValueError(f"filters' last axis must be size*size + 1, got {filters.shape[2]}")
    single = np.ndim(low) == 2
    low = np.asarray(low, dtype=np.float64)[None] if single else np.asarray(low, dtype=np.float64)
    factor = filters.shape[0]
    patches = _neighbourhoods(low, size)
    n, h, w = low.shape
    out = np.empty((n, h * factor, w * factor))
    for a in range(factor):
        for b in range(factor):
            out[:, a::factor, b::factor] = patches @ filters[a, b, :-1] + filters[a, b, -1]
    return out[0] if single else out


def _check_upsampling_pair(low, high, factor, size):
    low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    if factor < 2 or size < 1 or size % 2 == 0:
        raise ValueError(f"need factor >= 2 and an odd size >= 1, got factor={factor}, size={size}")
    if low.ndim != 3 or high.shape != (low.shape[0], low.shape[1] * factor, low.shape[2] * factor):
        raise ValueError(f"low must be (n, h, w) and high (n, h*{factor}, w*{factor}); got {low.shape} and "
                         f"{high.shape}")
    if min(low.shape[1:]) <= size // 2:
        raise ValueError(f"low-resolution images of {low.shape[1:]} are too small for size={size} neighbourhoods")
    return low, high


# --- honest uncertainty ---------------------------------------------------------------------------------------


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
    metric = metric or _auc
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


def _auc(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney U statistic (ties count one half); fast enough to bootstrap."""
    from scipy.stats import rankdata

    positive = y_true == 1
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    ranks = rankdata(y_score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
