"""Regions and contours: splitting touching objects (distance-transform watershed), measuring regions, and
circles to start an active contour."""

from __future__ import annotations

import numpy as np

from ._common import as_2d, as_mask

__all__ = ["split_touching", "region_table", "circle_points"]


def split_touching(mask, *, min_distance: int = 5, backend: str = "skimage") -> np.ndarray:
    """Split touching blobs of a binary mask with a distance-transform watershed.

    Parameters
    ----------
    mask : ndarray of bool, (rows, cols)
        Foreground (e.g. thresholded nuclei).
    min_distance : int
        Smallest distance in pixels between two seeds (about the radius of the smallest object). Smaller values
        over-split, larger values under-split.
    backend : {"skimage", "opencv"}
        ``"skimage"``: ``scipy.ndimage.distance_transform_edt`` + ``skimage.feature.peak_local_max`` +
        ``skimage.segmentation.watershed`` on the negated distance. ``"opencv"``: ``cv2.distanceTransform``, seeds
        where the distance equals its ``cv2.dilate`` maximum, ``cv2.watershed`` (which floods by colour differences
        between neighbours, so on a bare mask the fronts grow from the seeds at equal speed).

    Returns
    -------
    ndarray, (rows, cols), int32
        0 background, 1..n one label per object.

    Notes
    -----
    Each blob's distance-to-background peaks at the centre of every roughly round part; flooding the negated
    distance from those peaks draws the dividing line along the "neck" between touching objects.
    """
    mask = as_mask(mask)
    if int(min_distance) < 1:
        raise ValueError(f"min_distance must be >= 1 pixel, got {min_distance}")
    if backend == "skimage":
        return _split_skimage(mask, int(min_distance))
    if backend == "opencv":
        return _split_opencv(mask, int(min_distance))
    raise ValueError(f"backend must be 'skimage' or 'opencv', got {backend!r}")


def _split_skimage(mask: np.ndarray, min_distance: int) -> np.ndarray:
    from scipy import ndimage as ndi
    from skimage.feature import peak_local_max
    from skimage.measure import label
    from skimage.segmentation import watershed

    distance = ndi.distance_transform_edt(mask)
    components = label(mask)
    peaks = peak_local_max(distance, min_distance=min_distance, labels=components, exclude_border=False)
    # a blob too small or too flat to have a peak still gets one seed (its deepest pixel), so nothing is dropped
    seeded = np.unique(components[tuple(peaks.T)])
    missing = np.setdiff1d(np.arange(1, components.max() + 1), seeded)
    if missing.size:
        extra = np.array(ndi.maximum_position(distance, components, missing), dtype=int).reshape(-1, 2)
        peaks = np.vstack([peaks.reshape(-1, 2), extra])
    markers = np.zeros(mask.shape, np.int32)
    markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    return watershed(-distance, markers, mask=mask, connectivity=2).astype(np.int32)  # 8-neighbours, as label()


def _split_opencv(mask: np.ndarray, min_distance: int) -> np.ndarray:
    import cv2

    m8 = mask.astype(np.uint8)
    distance = cv2.distanceTransform(m8, cv2.DIST_L2, 5)
    size = 2 * min_distance + 1
    local_max = cv2.dilate(distance, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    seeds = ((distance >= local_max) & (distance > 0)).astype(np.uint8)  # plateaus give one seed blob each
    _, markers = cv2.connectedComponents(seeds)
    markers = markers.astype(np.int32)
    background = markers.max() + 1  # the background floods from its own marker
    markers[m8 == 0] = background
    # cv2.watershed floods in order of colour difference between neighbours; a flat relief makes the fronts grow
    # from all seeds at the same speed, so touching objects split where the fronts meet (at the neck)
    relief = np.zeros((*mask.shape, 3), np.uint8)
    labels = cv2.watershed(relief, markers)
    labels[(labels == background) | (labels < 0) | (m8 == 0)] = 0
    # ridge pixels (-1) inside the mask go to the neighbouring object, as skimage's watershed does
    if np.any((labels == 0) & mask):
        from scipy import ndimage as ndi

        _, (rr, cc) = ndi.distance_transform_edt(labels == 0, return_indices=True)
        filled = labels[rr, cc]
        labels = np.where(mask, filled, 0)
    return _relabel(labels)


def _relabel(labels: np.ndarray) -> np.ndarray:
    values = np.unique(labels[labels > 0])
    lut = np.zeros(int(labels.max()) + 1, np.int32)
    lut[values] = np.arange(1, len(values) + 1)
    return lut[labels]


def region_table(labels, *, spacing_mm: tuple[float, float] | None = None, intensity=None):
    """Measure every labelled region: area (pixels and, with a known spacing, mm²), centroid, shape, intensity.

    Parameters
    ----------
    labels : ndarray of int, (rows, cols)
        0 background, 1..n regions (e.g. from :func:`split_touching` or ``skimage.measure.label``).
    spacing_mm : (row_mm, col_mm), optional
        Pixel spacing. Without it areas stay in pixels (say so: an area in pixels is not comparable between
        images of different resolution).
    intensity : ndarray, (rows, cols), optional
        Image to average inside each region (column ``mean_intensity``).

    Returns
    -------
    pandas.DataFrame
        One row per region: ``label, area_px, [area_mm2], centroid_row, centroid_col, eccentricity,
        solidity, [mean_intensity]``.
    """
    import pandas as pd
    from skimage.measure import regionprops_table

    labels = as_2d(labels, "labels")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must be an integer array, got {labels.dtype}; label a mask with skimage.measure.label")
    if intensity is not None and np.shape(intensity) != labels.shape:
        raise ValueError(f"intensity shape {np.shape(intensity)} differs from labels shape {labels.shape}")
    props = ["label", "area", "centroid", "eccentricity", "solidity"]
    props += ["intensity_mean"] if intensity is not None else []
    table = pd.DataFrame(regionprops_table(labels, intensity_image=intensity, properties=props))
    table = table.rename(columns={"area": "area_px", "centroid-0": "centroid_row", "centroid-1": "centroid_col",
                                  "intensity_mean": "mean_intensity"})
    if spacing_mm is not None:
        dy, dx = (float(s) for s in spacing_mm)
        if not (dy > 0 and dx > 0):
            raise ValueError(f"spacing_mm must be positive, got {spacing_mm}")
        table.insert(2, "area_mm2", table["area_px"] * dy * dx)
    return table


def circle_points(center_rc: tuple[float, float], radius: float, *, n: int = 200) -> np.ndarray:
    """Points on a circle, e.g. to start an active contour (``skimage.segmentation.active_contour``).

    Parameters
    ----------
    center_rc : (row, col)
    radius : float
        In pixels, > 0.
    n : int
        Number of points.

    Returns
    -------
    ndarray, (n, 2), float64
        ``(row, col)`` coordinates, counter-clockwise on screen, not closed (first != last).
    """
    if not radius > 0:
        raise ValueError(f"radius must be > 0, got {radius}")
    angle = np.linspace(0.0, 2.0 * np.pi, int(n), endpoint=False)
    return np.column_stack([center_rc[0] + radius * np.sin(angle), center_rc[1] + radius * np.cos(angle)])
