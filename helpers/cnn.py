"""Notebook 06's own data and baselines: lesion outlines (spiculated vs lobulated), shape features, paired bootstrap.

The lesion slices of :mod:`helpers.datasets` are bright blobs, which a blob filter (a matched filter) detects as well
as any CNN. This module gives notebook 06 a task where the designed features are *not* a matched filter: simulated
masses whose outline is either **spiculated** (thin radial spikes, the margin radiologists read as suspicious of
malignancy) or smooth but **lobulated** (a few broad bulges, more often benign). Both classes are irregular, so
global shape descriptors (solidity, circularity, eccentricity) overlap; what separates them is a local pattern, a
thin line leaving the mass.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import ndimage as ndi

__all__ = ["OUTLINE_FEATURES", "Outlines", "lesion_outlines", "outline_features", "paired_bootstrap_auc"]

OUTLINE_FEATURES: tuple[str, ...] = (
    "area (pixels)",
    "perimeter (pixels)",
    "circularity 4πA/P²",
    "solidity (area / convex-hull area)",
    "eccentricity",
    "extent (area / bounding-box area)",
    "mean intensity inside",
    "intensity SD inside",
    "mean intensity outside",
)


class Outlines(NamedTuple):
    """Simulated masses: ``images`` (n, size, size) float32 in ~0..1, ``labels`` (n,) int64, 1 = spiculated."""

    images: np.ndarray
    labels: np.ndarray


def lesion_outlines(n: int, *, size: int = 32, noise: float = 0.04, seed: int = 0) -> Outlines:
    """Simulate ``n`` masses on a textured background, half with a spiculated outline, half lobulated.

    Parameters
    ----------
    n : int
        Number of images (>= 2); the labels alternate before shuffling, so the classes are balanced.
    size : int, keyword-only
        Image side in pixels (>= 24); a mass has a base radius of 4 to 7 pixels.
    noise : float, keyword-only
        Standard deviation of the white noise added last (intensity units, mass contrast 0.25-0.5).
    seed : int, keyword-only
        Seed of the generator (shapes, positions, contrasts, background and noise).

    Returns
    -------
    Outlines
        ``images`` (n, size, size) float32 and ``labels`` (n,) int64 (1 = spiculated, 0 = lobulated).

    Notes
    -----
    The outline is a radius function r(θ) = r₀ (1 + Σ aₖ cos(kθ + φₖ)), k = 2, 3, 4, with r₀ of 4 to 7 pixels.
    Lobulated masses (label 0) have broad lobes of up to 40 % of the radius each; spiculated ones (label 1) have
    milder lobes (up to 10 %) plus 4 to 8 spikes, each a narrow Gaussian bump of r(θ) (SD 0.12 rad) of 60-120 % of
    the radius. Every image also gets a thin bright line (a vessel or overlapping tissue) at a random angle and
    offset. Drawn at 2× resolution and averaged (partial volume), blurred by a Gaussian PSF (σ = 0.7 px), put on
    smooth random texture and white noise. Synthetic: no patient data.

    Examples
    --------
    >>> data = lesion_outlines(6, seed=0)
    >>> data.images.shape, data.images.dtype, int(data.labels.sum())
    ((6, 32, 32), dtype('float32'), 3)
    """
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an int >= 2 (one image per class at least), got {n!r}")
    if not isinstance(size, (int, np.integer)) or size < 24:
        raise ValueError(f"size must be an int >= 24 pixels (a mass is up to ~20 pixels across), got {size!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be a standard deviation >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 2).astype(np.int64)
    shape = _random_shapes(rng, labels, size)
    up = 2  # draw at twice the resolution, then average: partial-volume edges
    drawn = np.concatenate([_draw(shape, chunk, size, up) for chunk in np.array_split(np.arange(n), -(-n // 128))])
    images = ndi.gaussian_filter(drawn, (0, 0.7, 0.7))
    texture = ndi.gaussian_filter(rng.normal(0, 1, images.shape), (0, 2.5, 2.5))
    images = 0.3 + images + 0.25 * texture + rng.normal(0, noise, images.shape)
    return Outlines(images.astype(np.float32), labels)


def _random_shapes(rng: np.random.Generator, labels: np.ndarray, size: int) -> dict:
    """Every random number that shapes the masses and lines, drawn up front, one array of n (or (n, 8)) each."""
    n = len(labels)
    shape = {"labels": labels, "centre": rng.uniform(-2, 2, size=(n, 2))}
    shape["lobes"] = [(rng.uniform(0, 1, n), rng.uniform(0, 2 * np.pi, n)) for _k in (2, 3, 4)]
    n_spikes, start = rng.integers(4, 9, n), rng.uniform(0, 2 * np.pi, n)
    spikes = []
    for s in range(8):  # spike s of each mass: its angle and height (0 where the mass has fewer spikes, or none)
        angle = start + s * 2 * np.pi / n_spikes + rng.normal(0, 0.2, n)
        spikes.append((angle, np.where((labels == 1) & (s < n_spikes), rng.uniform(0.6, 1.2, n), 0.0)))
    shape["spikes"], shape["r0"] = spikes, rng.uniform(4.0, 7.0, n)
    shape["phi"], shape["offset"] = rng.uniform(0, np.pi, n), rng.uniform(-size / 3, size / 3, n)
    shape["line_width"], shape["contrast"] = rng.uniform(0.5, 1.0, n), rng.uniform(0.25, 0.5, n)
    shape["line_level"] = rng.uniform(0.6, 1.0, n)
    return shape


def _draw(shape: dict, idx: np.ndarray, size: int, up: int) -> np.ndarray:
    """Masses and lines of the images ``idx``, drawn at ``up``× resolution and averaged: (len(idx), size, size)."""
    def per_image(key):  # (m, 1, 1), to broadcast over the pixels
        return shape[key][idx][:, None, None]

    g = (np.arange(size * up) + 0.5) / up - size / 2
    yy, xx = np.meshgrid(g, g, indexing="ij")
    cy, cx = shape["centre"][idx, 0][:, None, None], shape["centre"][idx, 1][:, None, None]
    r, theta = np.hypot(yy - cy, xx - cx), np.arctan2(yy - cy, xx - cx)    # (m, H, W), pixels and radians
    lobe_scale = np.where(per_image("labels") == 1, 0.1, 0.4)
    radius = np.ones_like(r)
    for k, (amplitude, phase) in zip((2, 3, 4), shape["lobes"], strict=True):  # broad lobes, stronger if lobulated
        radius += lobe_scale * amplitude[idx][:, None, None] * np.cos(k * theta + phase[idx][:, None, None])
    for angle, height in shape["spikes"]:  # spikes: a narrow bump of r(θ) at each spike's angle
        d = (theta - angle[idx][:, None, None] + np.pi) % (2 * np.pi) - np.pi  # angular distance, wrapped to ±π
        radius += height[idx][:, None, None] * np.exp(-0.5 * (d / 0.12) ** 2)
    mass = r < per_image("r0") * radius
    # a thin bright line (a vessel or overlapping tissue) crosses every image at a random angle and offset
    phi = per_image("phi")
    line = np.abs(yy * np.cos(phi) - xx * np.sin(phi) - per_image("offset")) < per_image("line_width")
    drawn = per_image("contrast") * np.maximum(mass, per_image("line_level") * line)
    return drawn.reshape(len(idx), size, up, size, up).mean((2, 4))


def outline_features(images) -> np.ndarray:
    """Classical shape and intensity features of the brightest central object of each image (see OUTLINE_FEATURES).

    Each image is smoothed (Gaussian, σ = 1 px), thresholded by Otsu's method and the connected component holding
    the most pixels is measured with ``skimage.measure.regionprops``: the kind of "radiomics" a designer would pick
    for a mass's size, roundness and margin, without knowing how the masses were simulated.

    Parameters
    ----------
    images : array_like, (n, h, w), real
        Grayscale images, one mass each.

    Returns
    -------
    ndarray, (n, len(OUTLINE_FEATURES)), float64
        Unscaled features (standardise before a linear model).

    Examples
    --------
    >>> im = np.zeros((1, 24, 24)); im[0, 8:16, 8:16] = 1
    >>> f = outline_features(im)
    >>> f.shape, bool(f[0, 3] > 0.9), bool(f[0, 6] > f[0, 8])  # a square is solid, brighter inside than out
    ((1, 9), True, True)
    """
    from skimage.filters import threshold_otsu
    from skimage.measure import label, regionprops

    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3 or not len(images) or not np.isfinite(images).all():
        raise ValueError(f"images must be a non-empty finite stack (n, h, w), got shape {images.shape}")
    smooth = ndi.gaussian_filter(images, (0, 1, 1))
    rows = []
    for im, sm in zip(images, smooth, strict=True):
        inside = sm > threshold_otsu(sm) if np.ptp(sm) > 0 else np.ones(sm.shape, bool)
        blob = max(regionprops(label(inside)), key=lambda p: p.area)
        mask = np.zeros(im.shape, bool)
        mask[tuple(blob.coords.T)] = True
        outside = im[~mask] if (~mask).any() else im.ravel()
        rows.append([blob.area, blob.perimeter, 4 * np.pi * blob.area / max(blob.perimeter, 1.0) ** 2,
                     blob.solidity, blob.eccentricity, blob.extent, im[mask].mean(), im[mask].std(),
                     outside.mean()])
    return np.array(rows, dtype=np.float64)


def paired_bootstrap_auc(y_true, score_a, score_b, *, n_boot: int = 2000, level: float = 0.95,
                         seed: int = 0) -> dict:
    """ROC AUCs of two scores on the same cases, with percentile bootstrap CIs of each and of their difference.

    The same resampled cases score both models (a paired bootstrap), so the interval of ``a - b`` is narrower than
    the two separate intervals suggest when the models err on the same cases. All resamples are computed at once:
    a resample is a vector of case counts, and its AUC is ``w_pos @ C @ w_neg / (sum w_pos * sum w_neg)`` with
    ``C[i, j] = 1`` if positive case *i* outscores negative case *j* (0.5 for a tie).

    Parameters
    ----------
    y_true : array_like, (n,)
        Binary labels (0/1), both classes present.
    score_a, score_b : array_like, (n,)
        Scores of the two models for the same cases.
    n_boot : int, keyword-only
        Resamples (>= 100); resamples holding one class only are left out.
    level : float, keyword-only
        Confidence level in (0, 1).
    seed : int, keyword-only
        Seed of the resampling.

    Returns
    -------
    dict
        ``"auc_a"``, ``"auc_b"``, ``"diff"`` (floats, on all cases) and ``"ci_a"``, ``"ci_b"``, ``"ci_diff"``
        ((low, high) tuples).

    Examples
    --------
    >>> y = np.array([0, 0, 1, 1] * 10)
    >>> r = paired_bootstrap_auc(y, y + 0.0, np.tile([0.1, 0.2, 0.15, 0.3], 10), n_boot=200)
    >>> r["auc_a"], r["ci_a"], r["auc_b"], r["ci_diff"][0] > 0
    (1.0, (1.0, 1.0), 0.75, True)
    """
    y = np.asarray(y_true)
    a, b = np.asarray(score_a, dtype=float), np.asarray(score_b, dtype=float)
    if y.ndim != 1 or a.shape != y.shape or b.shape != y.shape:
        raise ValueError(f"labels and both scores must be 1D of equal length, got {y.shape}, {a.shape}, {b.shape}")
    if set(np.unique(y).tolist()) != {0, 1}:
        raise ValueError("y_true must hold both classes, as 0 and 1: the AUC is undefined otherwise")
    if n_boot < 100 or not 0 < level < 1:
        raise ValueError(f"need n_boot >= 100 and 0 < level < 1, got n_boot={n_boot}, level={level}")
    pos, neg = y == 1, y == 0
    counts = np.random.default_rng(seed).multinomial(len(y), np.full(len(y), 1 / len(y)), size=n_boot).astype(float)
    w_pos, w_neg = counts[:, pos], counts[:, neg]
    keep = (w_pos.sum(1) > 0) & (w_neg.sum(1) > 0)
    w_pos, w_neg = w_pos[keep], w_neg[keep]

    def aucs(score):  # (1 + resamples,): all cases first, then each resample
        wins = (score[pos][:, None] > score[neg][None, :]) + 0.5 * (score[pos][:, None] == score[neg][None, :])
        everything = wins.mean()
        return everything, np.einsum("bi,ij,bj->b", w_pos, wins, w_neg) / (w_pos.sum(1) * w_neg.sum(1))

    (auc_a, boot_a), (auc_b, boot_b) = aucs(a), aucs(b)
    q = [100 * (1 - level) / 2, 100 * (1 + level) / 2]
    ci = {key: tuple(float(v) for v in np.percentile(values, q))
          for key, values in (("ci_a", boot_a), ("ci_b", boot_b), ("ci_diff", boot_a - boot_b))}
    return {"auc_a": float(auc_a), "auc_b": float(auc_b), "diff": float(auc_a - auc_b), **ci}
