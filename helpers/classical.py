"""Classical ("traditional") computer vision for ``05_classical_cv.ipynb``: thresholds, edges, regions, Hough,
optical flow, keypoint matching and a hand-tuned detector, plus small interactive viewers.

The notebook shows each idea in a few visible lines of OpenCV and scikit-image; this module holds what would
distract there: conversions, the plumbing of multi-step pipelines, plotting and the viewers.

Conventions
-----------
- Images are 2D ``(rows, cols)`` arrays. OpenCV functions mostly want ``uint8``: :func:`to_uint8` maps any range
  (e.g. HU) through a window to 0..255.
- Points follow OpenCV: ``(x, y)`` = ``(col, row)`` in pixels. Flow fields follow OpenCV too: ``(rows, cols, 2)``
  with ``[..., 0]`` the column (x) and ``[..., 1]`` the row (y) displacement, in pixels per frame.
- Homographies are 3x3 arrays mapping ``(x, y, 1)`` of the first image to the second.
- Viewers subclass :class:`helpers.widgets._Viewer`: they render to PNG, leave a static figure when no front end is
  attached, and tests drive them by setting ``slider.value``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import viz
from .widgets import _float_slider, _Viewer

__all__ = [
    "to_uint8", "otsu_curve", "otsu_threshold",
    "split_touching", "region_table",
    "circle_points", "shift_image", "farneback_flow", "lucas_kanade_tracks", "textured_mask", "draw_flow",
    "similarity_view", "Matches", "match_features", "estimate_homography", "corner_error",
    "threshold_detector", "detection_scores",
    "ThresholdViewer", "LocalThresholdViewer", "CannyViewer", "WatershedViewer", "FlowViewer", "MatchViewer",
]

_ORANGE, _BLUE, _GREEN, _YELLOW = "#E69F00", "#0072B2", "#009E73", "#F0E442"  # Okabe-Ito colour-blind-safe


# ----------------------------------------------------------------------------------------------- validation
def _as_2d(image, name: str = "image") -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 2:
        hint = " (pick one channel, e.g. image[..., 1], or convert with skimage.color.rgb2gray)" \
            if image.ndim == 3 and image.shape[-1] in (3, 4) else ""
        raise ValueError(f"{name} must be a 2D (rows, cols) array, got shape {image.shape}{hint}")
    if image.size == 0:
        raise ValueError(f"{name} is empty")
    return image


def _as_mask(mask, name: str = "mask") -> np.ndarray:
    mask = _as_2d(mask, name)
    if mask.dtype != bool:
        raise TypeError(f"{name} must be a boolean array, got dtype {mask.dtype}; use e.g. `image > threshold`")
    return mask


def _as_frame(frame, name: str) -> np.ndarray:
    frame = _as_2d(frame, name)
    if frame.dtype != np.uint8:
        raise TypeError(f"{name} must be uint8 for OpenCV, got {frame.dtype}; convert with to_uint8(frame)")
    return frame


# ----------------------------------------------------------------------------------------------- thresholds
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
    image = _as_2d(image)
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
       9(1):62-66, 1979. doi:10.1109/TSMC.1979.4310076
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


# ----------------------------------------------------------------------------------------------- regions
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
    mask = _as_mask(mask)
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

    labels = _as_2d(labels, "labels")
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


# ----------------------------------------------------------------------------------------------- curves
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


# ----------------------------------------------------------------------------------------------- optical flow
def shift_image(image, shift_rc: tuple[float, float], *, order: int = 3) -> np.ndarray:
    """Move an image by a known (sub-pixel) amount: content at ``(r, c)`` appears at ``(r + dr, c + dc)``.

    Parameters
    ----------
    image : ndarray, (rows, cols)
    shift_rc : (d_row, d_col)
        Shift in pixels (fractions allowed: spline interpolation).
    order : int
        Spline order (3 = cubic).

    Returns
    -------
    ndarray, (rows, cols), float32
        Edges are padded with the nearest pixel.
    """
    from scipy import ndimage as ndi

    image = _as_2d(image)
    if len(shift_rc) != 2:
        raise ValueError(f"shift_rc must be (d_row, d_col), got {shift_rc}")
    return ndi.shift(image.astype(np.float32), tuple(float(s) for s in shift_rc), order=order, mode="nearest")


def farneback_flow(frame0, frame1, *, pyr_scale: float = 0.5, levels: int = 3, winsize: int = 15,
                   iterations: int = 3, poly_n: int = 5, poly_sigma: float = 1.2) -> np.ndarray:
    """Dense optical flow from ``frame0`` to ``frame1`` (Farnebäck's polynomial expansion, OpenCV).

    Parameters
    ----------
    frame0, frame1 : ndarray, (rows, cols), uint8
    pyr_scale, levels, winsize, iterations, poly_n, poly_sigma
        ``cv2.calcOpticalFlowFarneback`` options (pyramid scale and depth, averaging window in pixels, iterations
        per level, neighbourhood and Gaussian sigma of the polynomial fit). Larger ``winsize`` = smoother,
        more robust to noise, blurrier motion boundaries.

    Returns
    -------
    ndarray, (rows, cols, 2), float32
        ``[..., 0]`` column (x) and ``[..., 1]`` row (y) displacement in pixels: ``frame1[y + dy, x + dx] ≈
        frame0[y, x]``.

    References
    ----------
    .. [1] G. Farnebäck, "Two-frame motion estimation based on polynomial expansion," SCIA 2003, LNCS 2749:363-370.
    """
    import cv2

    frame0, frame1 = _as_frame(frame0, "frame0"), _as_frame(frame1, "frame1")
    if frame0.shape != frame1.shape:
        raise ValueError(f"frames differ in shape: {frame0.shape} vs {frame1.shape}")
    return cv2.calcOpticalFlowFarneback(frame0, frame1, None, pyr_scale, int(levels), int(winsize),
                                        int(iterations), int(poly_n), poly_sigma, 0)


def lucas_kanade_tracks(frame0, frame1, *, max_corners: int = 200, quality: float = 0.01, min_distance: int = 7,
                        window: int = 21, levels: int = 3, mask=None) -> tuple[np.ndarray, np.ndarray]:
    """Sparse optical flow: Shi-Tomasi corners in ``frame0`` tracked into ``frame1`` (pyramidal Lucas-Kanade).

    Parameters
    ----------
    frame0, frame1 : ndarray, (rows, cols), uint8
    max_corners, quality, min_distance
        ``cv2.goodFeaturesToTrack`` options (number of corners, minimum corner quality relative to the best,
        minimum spacing in pixels).
    window : int
        Side of the Lucas-Kanade window in pixels.
    levels : int
        Pyramid levels (for motions larger than the window).
    mask : ndarray of bool, (rows, cols), optional
        Only look for corners here.

    Returns
    -------
    points0, points1 : ndarray, (n, 2), float32
        ``(x, y)`` positions in ``frame0`` and where they were found in ``frame1`` (only successfully tracked
        points).
    """
    import cv2

    frame0, frame1 = _as_frame(frame0, "frame0"), _as_frame(frame1, "frame1")
    if frame0.shape != frame1.shape:
        raise ValueError(f"frames differ in shape: {frame0.shape} vs {frame1.shape}")
    m8 = None if mask is None else _as_mask(mask).astype(np.uint8)
    corners = cv2.goodFeaturesToTrack(frame0, maxCorners=int(max_corners), qualityLevel=quality,
                                      minDistance=min_distance, mask=m8)
    if corners is None:
        empty = np.zeros((0, 2), np.float32)
        return empty, empty
    moved, status, _ = cv2.calcOpticalFlowPyrLK(frame0, frame1, corners, None, winSize=(window, window),
                                                maxLevel=int(levels))
    ok = status.ravel() == 1
    return corners.reshape(-1, 2)[ok], moved.reshape(-1, 2)[ok]


def textured_mask(image, *, sigma: float = 2.0, min_gradient: float = 3.0) -> np.ndarray:
    """Where an image has enough texture for motion to be measurable (gradient magnitude above a floor).

    In a flat region every displacement looks the same (the aperture problem), so flow there is a guess.

    Parameters
    ----------
    image : ndarray, (rows, cols)
    sigma : float
        Gaussian smoothing of the gradient, in pixels.
    min_gradient : float
        Threshold on the gradient magnitude, in image units per pixel.

    Returns
    -------
    ndarray of bool, (rows, cols)
    """
    from scipy import ndimage as ndi

    image = _as_2d(image).astype(np.float32)
    return ndi.gaussian_gradient_magnitude(image, sigma) > min_gradient


def draw_flow(ax, flow, *, step: int = 16, gain: float = 4.0, mask=None, spacing_mm=None, color: str = _YELLOW,
              **kwargs):
    """Draw a flow field as arrows on an image already shown on ``ax``.

    Parameters
    ----------
    ax : matplotlib Axes
    flow : ndarray, (rows, cols, 2)
        OpenCV layout (``[..., 0]`` = x, ``[..., 1]`` = y), pixels per frame.
    step : int
        One arrow every ``step`` pixels.
    gain : float
        Arrows are drawn ``gain`` times longer than the motion (say so in the title).
    mask : ndarray of bool, (rows, cols), optional
        Draw arrows only where True.
    spacing_mm : (row_mm, col_mm), optional
        If the image was drawn in mm (``viz.render_image(..., spacing_mm=)``).
    **kwargs
        Passed to ``ax.quiver``.

    Returns
    -------
    matplotlib.quiver.Quiver
    """
    flow = np.asarray(flow)
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise ValueError(f"flow must be (rows, cols, 2), got shape {flow.shape}")
    if int(step) < 1:
        raise ValueError(f"step must be >= 1, got {step}")
    rows, cols = np.mgrid[step // 2:flow.shape[0]:step, step // 2:flow.shape[1]:step]
    keep = np.ones(rows.shape, bool) if mask is None else _as_mask(mask)[rows, cols]
    dy_mm, dx_mm = (1.0, 1.0) if spacing_mm is None else (float(spacing_mm[0]), float(spacing_mm[1]))
    u, v = flow[rows, cols, 0][keep], flow[rows, cols, 1][keep]
    x, y = (cols[keep] + 0.5) * dx_mm, (rows[keep] + 0.5) * dy_mm
    # angles="xy" with scale_units="xy": an arrow spans gain * displacement in data units (y axis points down)
    return ax.quiver(x, y, gain * u * dx_mm, gain * v * dy_mm, angles="xy", scale_units="xy", scale=1.0,
                     color=color, width=0.004, **kwargs)


# ----------------------------------------------------------------------------------------------- keypoints
def similarity_view(image, *, angle_deg: float = 25.0, scale: float = 0.8, shift_xy: tuple[float, float] = (0, 0),
                    crop: tuple[int, int, int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A second "view" of an image: rotated about its centre, scaled, shifted and cropped, with the true transform.

    Parameters
    ----------
    image : ndarray, (rows, cols)
    angle_deg : float
        Counter-clockwise rotation on screen, in degrees.
    scale : float
        Zoom factor, > 0.
    shift_xy : (dx, dy)
        Translation in pixels after rotation and scaling.
    crop : (row0, row1, col0, col1), optional
        Keep only this window of the warped image.

    Returns
    -------
    view : ndarray, same dtype as ``image``
    homography : ndarray, (3, 3), float64
        Maps ``(x, y, 1)`` of ``image`` to ``view`` (the ground truth for :func:`estimate_homography`).
    """
    import cv2

    image = _as_2d(image)
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    rows, cols = image.shape
    affine = cv2.getRotationMatrix2D((cols / 2.0, rows / 2.0), float(angle_deg), float(scale))
    affine[:, 2] += shift_xy
    view = cv2.warpAffine(image, affine, (cols, rows), flags=cv2.INTER_LINEAR)
    homography = np.vstack([affine, [0.0, 0.0, 1.0]])
    if crop is not None:
        r0, r1, c0, c1 = (int(v) for v in crop)
        if not (0 <= r0 < r1 <= rows and 0 <= c0 < c1 <= cols):
            raise ValueError(f"crop {crop} is not a window inside the image of shape {image.shape}")
        view = view[r0:r1, c0:c1]
        homography = np.array([[1.0, 0.0, -c0], [0.0, 1.0, -r0], [0.0, 0.0, 1.0]]) @ homography
    return view, homography


@dataclass
class Matches:
    """Keypoints of two images and their putative matches (all coordinates ``(x, y)`` in pixels).

    Attributes
    ----------
    detector : str
    keypoints0, keypoints1 : ndarray, (n0, 2) and (n1, 2), float32
    points0, points1 : ndarray, (m, 2), float32
        Matched positions (row i of ``points0`` matches row i of ``points1``).
    """

    detector: str
    keypoints0: np.ndarray
    keypoints1: np.ndarray
    points0: np.ndarray
    points1: np.ndarray

    def __len__(self) -> int:
        return len(self.points0)


def _detector(name: str, n_features: int):
    import cv2

    if name == "sift":
        return cv2.SIFT_create(nfeatures=n_features), cv2.NORM_L2
    if name == "orb":
        return cv2.ORB_create(nfeatures=n_features), cv2.NORM_HAMMING
    raise ValueError(f"detector must be 'sift' or 'orb' (OpenCV's main build), got {name!r}")


def match_features(image0, image1, *, detector: str = "sift", backend: str = "opencv", ratio: float = 0.75,
                   n_features: int = 0) -> Matches:
    """Detect keypoints in two images and match their descriptors, keeping matches that pass Lowe's ratio test.

    Parameters
    ----------
    image0, image1 : ndarray, (rows, cols), uint8
    detector : {"sift", "orb"}
        SIFT (float descriptors, L2 distance) or ORB (binary descriptors, Hamming distance).
    backend : {"opencv", "skimage"}
        OpenCV (``cv2.SIFT_create`` / ``cv2.ORB_create`` + brute-force k-NN matching) or scikit-image
        (``skimage.feature.SIFT`` / ``ORB`` + ``match_descriptors`` with cross-checking).
    ratio : float
        Lowe's ratio test: keep a match only if its distance is below ``ratio`` times the second-best's.
    n_features : int
        Keypoints to keep per image (0 = all for SIFT; ORB then uses 2000 in OpenCV, 1000 in scikit-image).

    Returns
    -------
    Matches
    """
    image0, image1 = _as_frame(image0, "image0"), _as_frame(image1, "image1")
    if not 0 < ratio <= 1:
        raise ValueError(f"ratio must be in (0, 1], got {ratio}")
    if detector not in ("sift", "orb"):
        raise ValueError(f"detector must be 'sift' or 'orb' (both free; SURF is not in OpenCV's main build), "
                         f"got {detector!r}")
    if backend == "opencv":
        return _match_opencv(image0, image1, detector, ratio, int(n_features))
    if backend == "skimage":
        return _match_skimage(image0, image1, detector, ratio, int(n_features))
    raise ValueError(f"backend must be 'opencv' or 'skimage', got {backend!r}")


def _match_opencv(image0, image1, detector: str, ratio: float, n_features: int) -> Matches:
    import cv2

    algorithm, norm = _detector(detector, n_features or (0 if detector == "sift" else 2000))
    kp0, des0 = algorithm.detectAndCompute(image0, None)
    kp1, des1 = algorithm.detectAndCompute(image1, None)
    xy0 = np.float32([k.pt for k in kp0]).reshape(-1, 2)
    xy1 = np.float32([k.pt for k in kp1]).reshape(-1, 2)
    good = []
    if des0 is not None and des1 is not None and len(kp1) >= 2:
        pairs = cv2.BFMatcher(norm).knnMatch(des0, des1, k=2)
        good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < ratio * p[1].distance]
    points0 = np.float32([xy0[g.queryIdx] for g in good]).reshape(-1, 2)
    points1 = np.float32([xy1[g.trainIdx] for g in good]).reshape(-1, 2)
    return Matches(detector, xy0, xy1, points0, points1)


def _match_skimage(image0, image1, detector: str, ratio: float, n_features: int) -> Matches:
    from skimage import feature

    def extract(image):
        extractor = feature.SIFT(n_octaves=4) if detector == "sift" else feature.ORB(n_keypoints=n_features or 1000)
        extractor.detect_and_extract(image.astype(np.float32) / 255.0)
        return extractor.keypoints[:, ::-1].astype(np.float32), extractor.descriptors  # (row, col) -> (x, y)

    (xy0, des0), (xy1, des1) = extract(image0), extract(image1)
    if detector == "sift" and n_features:
        xy0, des0, xy1, des1 = xy0[:n_features], des0[:n_features], xy1[:n_features], des1[:n_features]
    pairs = feature.match_descriptors(des0, des1, cross_check=True, max_ratio=ratio)
    return Matches(detector, xy0, xy1, xy0[pairs[:, 0]].reshape(-1, 2), xy1[pairs[:, 1]].reshape(-1, 2))


def estimate_homography(points0, points1, *, ransac_px: float = 3.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Fit the homography mapping ``points0`` to ``points1`` with RANSAC (OpenCV ``findHomography``).

    Parameters
    ----------
    points0, points1 : ndarray, (m, 2)
        Matched ``(x, y)`` positions, m >= 4.
    ransac_px : float
        A match is an inlier if the fitted transform maps it within this many pixels.
    seed : int
        Seeds OpenCV's random generator so RANSAC is reproducible.

    Returns
    -------
    homography : ndarray, (3, 3), float64
    inliers : ndarray of bool, (m,)

    Raises
    ------
    ValueError
        Fewer than 4 matches, or RANSAC found no consistent transform.
    """
    import cv2

    p0, p1 = np.asarray(points0, np.float32).reshape(-1, 2), np.asarray(points1, np.float32).reshape(-1, 2)
    if len(p0) != len(p1):
        raise ValueError(f"points0 and points1 differ in length: {len(p0)} vs {len(p1)}")
    if len(p0) < 4:
        raise ValueError(f"a homography needs at least 4 matches, got {len(p0)}; lower the ratio test or try SIFT")
    cv2.setRNGSeed(int(seed))
    homography, inliers = cv2.findHomography(p0, p1, cv2.RANSAC, float(ransac_px))
    if homography is None:
        raise ValueError("RANSAC found no consistent homography: the matches are mostly wrong")
    return homography, inliers.ravel().astype(bool)


def corner_error(estimated, true, shape: tuple[int, int]) -> float:
    """Mean distance in pixels between where two homographies send the four corners of an image.

    Parameters
    ----------
    estimated, true : ndarray, (3, 3)
    shape : (rows, cols)
        Shape of the first image.

    Returns
    -------
    float
        0 for identical transforms; a geometric error independent of how the matrices are scaled.
    """
    rows, cols = shape[:2]
    corners = np.array([[0, 0, 1], [cols, 0, 1], [cols, rows, 1], [0, rows, 1]], float).T
    mapped = []
    for h in (estimated, true):
        h = np.asarray(h, float)
        if h.shape != (3, 3):
            raise ValueError(f"homographies must be 3x3, got {h.shape}")
        p = h @ corners
        mapped.append(p[:2] / p[2])
    return float(np.mean(np.hypot(*(mapped[0] - mapped[1]))))


# ----------------------------------------------------------------------------------------------- detector
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
        inter = (pm & tm).sum(axis=(1, 2))
        total = pm.sum(axis=(1, 2)) + tm.sum(axis=(1, 2))
        dice = 2.0 * inter[positives] / np.maximum(total[positives], 1)
        scores["dice"] = float(dice.mean()) if dice.size else float("nan")
    return scores


# ----------------------------------------------------------------------------------------------- viewers
def _int_slider(description: str, value: int, lo: int, hi: int, step: int = 1):
    import ipywidgets as w

    return w.IntSlider(value=int(np.clip(value, lo, hi)), min=lo, max=hi, step=step, description=description,
                       continuous_update=False)


def _eight_bit(image, window) -> np.ndarray:
    """uint8 images pass unchanged (unless a window is given); anything else goes through :func:`to_uint8`."""
    image = _as_2d(image)
    return image if image.dtype == np.uint8 and window is None else to_uint8(image, window=window)


def _no_ticks(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


class ThresholdViewer(_Viewer):
    """A fixed threshold with a slider, the mask it makes, and the histogram with Otsu's choice marked.

    Parameters
    ----------
    image : ndarray, (rows, cols)
        Grayscale, in its units (e.g. HU).
    threshold : float, optional
        Initial threshold; default Otsu's.
    value_range : (lo, hi), optional
        Slider range; default the image's min..max.
    spacing_mm : (row_mm, col_mm), optional
    window : (center, width), optional
        Display window of the image.
    units : str
        Pixel value units for the histogram axis.
    title : str, optional
    nbins : int
        Histogram bins (also used for Otsu).

    Attributes
    ----------
    threshold : ipywidgets.FloatSlider
    otsu : float
        Otsu's threshold of ``image``.
    """

    def __init__(self, image, *, threshold=None, value_range=None, spacing_mm=None, window=None, units="a.u.",
                 title=None, nbins=256):
        super().__init__()
        self.image = _as_2d(image).astype(np.float32)
        if not np.all(np.isfinite(self.image)):
            raise ValueError("image has NaN or infinite values")
        self.spacing_mm, self.window, self.units, self.title, self.nbins = spacing_mm, window, units, title, nbins
        self.otsu = otsu_threshold(self.image, nbins=nbins)
        lo, hi = value_range or (float(self.image.min()), float(self.image.max()))
        self.threshold = _float_slider("threshold", self.otsu if threshold is None else threshold, lo, hi)
        self._watch(self.threshold)
        self._redraw()

    def _figure_size(self):
        return (10.0, 4.2)

    @property
    def mask(self) -> np.ndarray:
        """``image > threshold`` for the current slider value."""
        return self.image > self.threshold.value

    @property
    def state(self) -> dict:
        """Current threshold, Otsu's threshold and the fraction of pixels above the threshold."""
        return {"threshold": self.threshold.value, "otsu": self.otsu, "fraction_above": float(self.mask.mean())}

    def _render(self, fig) -> None:
        ax_img, ax_hist = fig.subplots(1, 2, width_ratios=[1, 1.2])
        viz.render_image(ax_img, self.image, spacing_mm=self.spacing_mm, window=self.window)
        viz.draw_overlay(ax_img, self.mask, spacing_mm=self.spacing_mm, alpha=0.45)
        ax_img.set_title(f"{self.title or 'image'}: > {self.threshold.value:.4g} ({100 * self.mask.mean():.1f}%)")
        ax_hist.hist(self.image.ravel(), bins=self.nbins, color="0.45", log=True, histtype="stepfilled")
        ax_hist.axvline(self.threshold.value, color=_ORANGE, lw=2, label=f"threshold {self.threshold.value:.4g}")
        ax_hist.axvline(self.otsu, color=_BLUE, lw=1.5, ls="--", label=f"Otsu {self.otsu:.4g}")
        ax_hist.set_xlabel(f"pixel value ({self.units})")
        ax_hist.set_ylabel("pixels (log scale)")
        ax_hist.set_title("histogram")
        ax_hist.legend(loc="upper right", fontsize=8)


class LocalThresholdViewer(_Viewer):
    """Adaptive (local) threshold, OpenCV's ``adaptiveThreshold`` (Gaussian mean), with two sliders.

    A pixel is foreground when it differs from the Gaussian-weighted mean of its ``block_size`` neighbourhood by
    more than ``offset`` grey levels (brighter, or darker with ``dark=True``).

    Parameters
    ----------
    image : ndarray, (rows, cols)
        uint8 is used as is; other types are mapped to uint8 with :func:`to_uint8` (``window``).
    block_size : int
        Odd neighbourhood size in pixels, >= 3.
    offset : float
        The ``C`` of OpenCV, in grey levels (0..255 scale).
    dark : bool
        Look for objects darker than their surroundings (e.g. vessels in a fundus photo).
    window : (center, width), optional
    title : str, optional
    """

    def __init__(self, image, *, block_size=31, offset=4.0, dark=False, window=None, title=None):
        super().__init__()
        self.image = _eight_bit(image, window)
        if int(block_size) < 3 or int(block_size) % 2 == 0:
            raise ValueError(f"block_size must be an odd number >= 3, got {block_size}")
        self.dark, self.title = dark, title
        largest = max(3, (min(self.image.shape) // 2) | 1)
        self.block_size = _int_slider("block size", block_size, 3, largest, step=2)
        self.offset = _float_slider("offset C", offset, -30.0, 30.0)
        self._watch(self.block_size, self.offset)
        self._redraw()

    def _figure_size(self):
        return (10.0, 4.8)

    @property
    def mask(self) -> np.ndarray:
        """The current adaptive-threshold mask (bool)."""
        import cv2

        kind = cv2.THRESH_BINARY_INV if self.dark else cv2.THRESH_BINARY
        block = int(self.block_size.value) | 1  # OpenCV insists on an odd size
        # THRESH_BINARY: pixel > mean - C. Flip C's sign so a positive offset asks for a clearer difference
        # in both polarities (INV: pixel <= mean - C).
        c = self.offset.value if self.dark else -self.offset.value
        return cv2.adaptiveThreshold(self.image, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, kind, block, c) > 0

    @property
    def state(self) -> dict:
        """Block size, offset and the foreground fraction."""
        return {"block_size": self.block_size.value, "offset": self.offset.value,
                "fraction": float(self.mask.mean())}

    def _render(self, fig) -> None:
        ax_img, ax_mask = fig.subplots(1, 2)
        viz.render_image(ax_img, self.image, window=(127.5, 255))
        ax_img.set_title(self.title or "image")
        ax_mask.imshow(self.mask, cmap="gray", interpolation="nearest")
        kind = "darker" if self.dark else "brighter"
        ax_mask.set_title(f"{kind} than local mean by > {self.offset.value:.3g} "
                          f"(block {self.block_size.value} px)", fontsize=9)
        ax_mask.set_xlabel("pixels")


class CannyViewer(_Viewer):
    """Canny edges (OpenCV) with sliders for the Gaussian pre-blur and the two hysteresis thresholds.

    Parameters
    ----------
    image : ndarray, (rows, cols)
        uint8 is used as is; other types are mapped to uint8 with :func:`to_uint8` (``window``).
    low, high : float
        Hysteresis thresholds on the Sobel gradient magnitude (L2 norm) of the uint8 image: pixels above ``high``
        start an edge, pixels above ``low`` continue one.
    sigma : float
        Gaussian blur in pixels before Canny (0 = none).
    window : (center, width), optional
    spacing_mm : (row_mm, col_mm), optional
    title : str, optional
    """

    def __init__(self, image, *, low=50.0, high=150.0, sigma=1.0, window=None, spacing_mm=None, title=None):
        super().__init__()
        self.image = _eight_bit(image, window)
        if not 0 <= low <= high:
            raise ValueError(f"need 0 <= low <= high, got low={low}, high={high}")
        self.spacing_mm, self.title = spacing_mm, title
        self.low = _float_slider("low", low, 0.0, 500.0)
        self.high = _float_slider("high", high, 0.0, 500.0)
        self.sigma = _float_slider("blur σ (px)", sigma, 0.0, 6.0)
        self._watch(self.sigma, self.low, self.high)
        self._redraw()

    def _figure_size(self):
        return (10.0, 4.8)

    @property
    def edges(self) -> np.ndarray:
        """The current edge map (bool)."""
        import cv2

        blurred = cv2.GaussianBlur(self.image, (0, 0), self.sigma.value) if self.sigma.value > 0 else self.image
        low, high = sorted((self.low.value, self.high.value))  # keep working if the sliders cross
        return cv2.Canny(blurred, low, high, L2gradient=True) > 0

    @property
    def state(self) -> dict:
        """Thresholds, blur and the number of edge pixels."""
        return {"low": self.low.value, "high": self.high.value, "sigma": self.sigma.value,
                "edge_pixels": int(self.edges.sum())}

    def _render(self, fig) -> None:
        ax_img, ax_edge = fig.subplots(1, 2)
        viz.render_image(ax_img, self.image, spacing_mm=self.spacing_mm, window=(127.5, 255))
        ax_img.set_title(self.title or "image")
        edges = self.edges
        viz.render_image(ax_edge, edges.astype(np.float32), spacing_mm=self.spacing_mm, window=(0.5, 1.0))
        ax_edge.set_title(f"Canny σ={self.sigma.value:.2g}, thresholds {self.low.value:.0f}/{self.high.value:.0f}: "
                          f"{int(edges.sum())} edge px", fontsize=9)


class WatershedViewer(_Viewer):
    """Split touching objects with :func:`split_touching`; a slider sets the seeds' minimum distance.

    Parameters
    ----------
    mask : ndarray of bool, (rows, cols)
    image : ndarray, (rows, cols) or (rows, cols, 3), optional
        Background to draw the outlines on (default the mask).
    min_distance : int
        Initial seed distance in pixels.
    spacing_mm : (row_mm, col_mm), optional
    title : str, optional
    """

    def __init__(self, mask, *, image=None, min_distance=5, spacing_mm=None, title=None):
        super().__init__()
        self.mask = _as_mask(mask)
        if image is not None and np.shape(image)[:2] != self.mask.shape:
            raise ValueError(f"image shape {np.shape(image)} does not match mask shape {self.mask.shape}")
        self.image = self.mask.astype(np.float32) if image is None else np.asarray(image)
        self.spacing_mm, self.title = spacing_mm, title
        self.min_distance = _int_slider("min distance", min_distance, 1, 40)
        self._watch(self.min_distance)
        self._redraw()

    def _figure_size(self):
        return (5.6, 5.6)

    @property
    def labels(self) -> np.ndarray:
        """Labels for the current ``min_distance``."""
        return split_touching(self.mask, min_distance=self.min_distance.value)

    @property
    def state(self) -> dict:
        """Seed distance and number of objects."""
        return {"min_distance": self.min_distance.value, "n_objects": int(self.labels.max())}

    def _render(self, fig) -> None:
        from skimage.segmentation import find_boundaries

        ax = fig.subplots()
        labels = self.labels
        viz.render_image(ax, self.image, spacing_mm=self.spacing_mm)
        viz.draw_overlay(ax, find_boundaries(labels, mode="thick"), spacing_mm=self.spacing_mm, alpha=1.0,
                         cmap=viz.overlay_cmap((0.94, 0.89, 0.26)))
        ax.set_title(f"{self.title or 'watershed'}: {labels.max()} objects (min distance "
                     f"{self.min_distance.value} px)", fontsize=10)


class FlowViewer(_Viewer):
    """Play through a grayscale cine with Farnebäck motion vectors to the next frame drawn on top.

    Parameters
    ----------
    frames : ndarray, (t, rows, cols), uint8
    frame_time_ms : float, optional
        Time between frames; speeds are then given per second.
    spacing_mm : (row_mm, col_mm), optional
        Pixel spacing; speeds are then in mm/s.
    step : int
        Initial arrow spacing in pixels.
    gain : float
        Arrows are drawn this many times longer than the motion.
    mask : ndarray of bool, (rows, cols), optional
        Draw arrows only here (e.g. inside the ultrasound sector).
    title : str, optional
    """

    def __init__(self, frames, *, frame_time_ms=None, spacing_mm=None, step=20, gain=4.0, mask=None, title=None):
        super().__init__()
        frames = np.asarray(frames)
        if frames.ndim != 3 or frames.shape[0] < 2 or frames.dtype != np.uint8:
            raise ValueError(f"frames must be a uint8 (t, rows, cols) stack with t >= 2, got {frames.shape} "
                             f"{frames.dtype}")
        if mask is not None and np.shape(mask) != frames.shape[1:]:
            raise ValueError(f"mask shape {np.shape(mask)} differs from frame shape {frames.shape[1:]}")
        self.frames, self.frame_time_ms, self.spacing_mm = frames, frame_time_ms, spacing_mm
        self.gain, self.mask, self.title = gain, mask, title
        self.frame = _int_slider("frame", 0, 0, frames.shape[0] - 2)
        self.step = _int_slider("arrow step", step, 4, 64, step=2)
        self._watch(self.frame, self.step)
        self._redraw()

    def _figure_size(self):
        return (6.4, 5.0)

    def flow(self) -> np.ndarray:
        """Farnebäck flow from the current frame to the next, ``(rows, cols, 2)`` in pixels per frame."""
        t = self.frame.value
        return farneback_flow(self.frames[t], self.frames[t + 1])

    @property
    def state(self) -> dict:
        """Frame index, arrow step and the mean motion (pixels per frame) inside the mask."""
        speed = np.hypot(*np.moveaxis(self.flow(), -1, 0))
        inside = speed if self.mask is None else speed[self.mask]
        return {"frame": self.frame.value, "step": self.step.value, "mean_px_per_frame": float(inside.mean())}

    def _render(self, fig) -> None:
        ax = fig.subplots()
        t = self.frame.value
        flow = self.flow()
        viz.render_image(ax, self.frames[t], spacing_mm=self.spacing_mm, window=(127.5, 255))
        draw_flow(ax, flow, step=self.step.value, gain=self.gain, mask=self.mask, spacing_mm=self.spacing_mm)
        speed = np.hypot(flow[..., 0], flow[..., 1])
        mean = float((speed if self.mask is None else speed[self.mask]).mean())
        if self.spacing_mm is not None and self.frame_time_ms:
            what = f"mean {mean * float(self.spacing_mm[0]) / self.frame_time_ms * 1000:.1f} mm/s"
        else:
            what = f"mean {mean:.2f} px/frame"
        when = f" (t = {t * self.frame_time_ms / 1000:.2f} s)" if self.frame_time_ms else ""
        ax.set_title(f"{self.title or 'flow'}: frame {t}→{t + 1}{when}, {what}; arrows ×{self.gain:g}", fontsize=9)


class MatchViewer(_Viewer):
    """Match an image to a rotated and scaled copy of itself; sliders set the transform, a menu the detector.

    The view is made with :func:`similarity_view`, matched with :func:`match_features` and the transform
    recovered with :func:`estimate_homography`; the title reports inliers and the corner error in pixels.

    Parameters
    ----------
    image : ndarray, (rows, cols), uint8
    angle_deg, scale : float
        Initial transform of the second view.
    detector : {"sift", "orb"}
    ratio : float
        Lowe's ratio test.
    max_lines : int
        Draw at most this many inlier matches.
    """

    def __init__(self, image, *, angle_deg=25.0, scale=0.8, detector="sift", ratio=0.75, max_lines=60):
        super().__init__()
        import ipywidgets as w

        self.image = _as_frame(image, "image")
        _detector(detector, 10)  # validates the name early
        self.ratio, self.max_lines = ratio, max_lines
        self.angle = _float_slider("angle (°)", angle_deg, -180.0, 180.0)
        self.scale = _float_slider("scale", scale, 0.25, 2.0)
        self.detector = w.Dropdown(options=["sift", "orb"], value=detector, description="detector")
        self._watch(self.detector, self.angle, self.scale)
        self._redraw()

    def _figure_size(self):
        return (10.0, 4.8)

    def result(self) -> dict:
        """Run the current experiment: view, matches, homography, inliers and corner error (inf on failure)."""
        view, true_h = similarity_view(self.image, angle_deg=self.angle.value, scale=self.scale.value)
        matches = match_features(self.image, view, detector=self.detector.value, ratio=self.ratio)
        try:
            h, inliers = estimate_homography(matches.points0, matches.points1)
            error = corner_error(h, true_h, self.image.shape)
        except ValueError:
            h, inliers, error = None, np.zeros(len(matches), bool), float("inf")
        return {"view": view, "matches": matches, "homography": h, "inliers": inliers, "corner_error_px": error}

    @property
    def state(self) -> dict:
        """Transform, detector, number of matches and inliers, corner error in pixels."""
        r = self.result()
        return {"angle": self.angle.value, "scale": self.scale.value, "detector": self.detector.value,
                "matches": len(r["matches"]), "inliers": int(r["inliers"].sum()),
                "corner_error_px": r["corner_error_px"]}

    def _render(self, fig) -> None:
        r = self.result()
        ax = fig.subplots()
        a, b = self.image, r["view"]
        canvas = np.zeros((max(a.shape[0], b.shape[0]), a.shape[1] + b.shape[1]), np.uint8)
        canvas[:a.shape[0], :a.shape[1]] = a
        canvas[:b.shape[0], a.shape[1]:] = b
        ax.imshow(canvas, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        m, keep = r["matches"], np.flatnonzero(r["inliers"])[:self.max_lines]
        for (x0, y0), (x1, y1) in zip(m.points0[keep], m.points1[keep], strict=True):
            ax.plot([x0, x1 + a.shape[1]], [y0, y1], color=_YELLOW, lw=0.7)
        ax.plot(m.keypoints0[:, 0], m.keypoints0[:, 1], ".", color=_ORANGE, ms=2)
        ax.plot(m.keypoints1[:, 0] + a.shape[1], m.keypoints1[:, 1], ".", color=_ORANGE, ms=2)
        _no_ticks(ax)
        ax.set_title(f"{self.detector.value.upper()}: {len(m)} matches, {int(r['inliers'].sum())} RANSAC inliers, "
                     f"corner error {r['corner_error_px']:.2f} px (rotated {self.angle.value:.0f}°, "
                     f"scaled ×{self.scale.value:.2f})", fontsize=9)
