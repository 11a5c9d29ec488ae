"""Optical flow: known shifts, dense Farnebäck flow, sparse Lucas-Kanade tracks, where motion is measurable, and
arrows to draw a flow field."""

from __future__ import annotations

import numpy as np

from ._common import YELLOW, as_2d, as_frame, as_mask

__all__ = ["shift_image", "farneback_flow", "lucas_kanade_tracks", "textured_mask", "draw_flow"]


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

    image = as_2d(image)
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
       https://doi.org/10.1007/3-540-45103-X_50
    """
    import cv2

    frame0, frame1 = as_frame(frame0, "frame0"), as_frame(frame1, "frame1")
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

    frame0, frame1 = as_frame(frame0, "frame0"), as_frame(frame1, "frame1")
    if frame0.shape != frame1.shape:
        raise ValueError(f"frames differ in shape: {frame0.shape} vs {frame1.shape}")
    m8 = None if mask is None else as_mask(mask).astype(np.uint8)
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

    image = as_2d(image).astype(np.float32)
    return ndi.gaussian_gradient_magnitude(image, sigma) > min_gradient


def draw_flow(axes, flow, *, step: int = 16, gain: float = 4.0, mask=None, spacing_mm=None, color: str = YELLOW,
              **kwargs):
    """Draw a flow field as arrows on an image already shown on ``axes``.

    Parameters
    ----------
    axes : matplotlib Axes
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
        Passed to ``axes.quiver``.

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
    keep = np.ones(rows.shape, bool) if mask is None else as_mask(mask)[rows, cols]
    dy_mm, dx_mm = (1.0, 1.0) if spacing_mm is None else (float(spacing_mm[0]), float(spacing_mm[1]))
    u, v = flow[rows, cols, 0][keep], flow[rows, cols, 1][keep]
    x, y = (cols[keep] + 0.5) * dx_mm, (rows[keep] + 0.5) * dy_mm
    # angles="xy" with scale_units="xy": an arrow spans gain * displacement in data units (y axis points down)
    return axes.quiver(x, y, gain * u * dx_mm, gain * v * dy_mm, angles="xy", scale_units="xy", scale=1.0,
                       color=color, width=0.004, **kwargs)
