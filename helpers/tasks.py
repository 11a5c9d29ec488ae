"""Small, tested building blocks for the analysis tasks of notebook 03 (and the baselines other notebooks reuse).

The lecture lists what we want to do with medical images: preprocessing, registration, detection, segmentation,
classification, monitoring and prediction. This module holds the parts of those examples that would distract in a
notebook cell: a fixed set of hand-crafted image features (the *classical-features baseline*), mutual information
and a rigid registration, simulated annotators and a least-squares "learned" upsampler. The evaluation metrics of
these tasks (Dice, Hausdorff, FROC, bootstrap intervals) live in :mod:`helpers.metrics`.

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
    "mutual_information",
    "rigid_transform",
    "invert_rigid",
    "register_rigid",
    "simulate_annotators",
    "fit_linear_upsampler",
    "apply_linear_upsampler",
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

    References
    ----------
    .. [1] Lindeberg T. Feature detection with automatic scale selection. Int J Comput Vis 1998;30(2):79-116.
       https://doi.org/10.1023/A:1008045108935

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

    References
    ----------
    .. [1] Maes F, Collignon A, Vandermeulen D, Marchal G, Suetens P. Multimodality image registration by maximization
       of mutual information. IEEE Trans Med Imaging 1997;16(2):187-198. https://doi.org/10.1109/42.563664
    .. [2] Viola P, Wells WM III. Alignment by maximization of mutual information. Int J Comput Vis 1997;24(2):137-154.
       https://doi.org/10.1023/A:1007958904918

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
