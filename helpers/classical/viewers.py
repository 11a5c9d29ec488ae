"""Viewers of :mod:`helpers.classical`: each wraps one computation of the package in sliders.

They subclass :class:`helpers.widgets.Viewer`: they render to PNG, leave a static figure when no front end is
attached, and tests drive them by setting ``slider.value``.
"""

from __future__ import annotations

import numpy as np

from .. import viz
from ..widgets import Viewer, float_slider, int_slider
from ._common import BLUE, ORANGE, YELLOW, as_2d, as_frame, as_mask
from .features import _detector, corner_error, estimate_homography, match_features, similarity_view
from .flow import draw_flow, farneback_flow
from .regions import split_touching
from .thresholds import otsu_threshold, to_uint8

__all__ = ["ThresholdViewer", "LocalThresholdViewer", "CannyViewer", "WatershedViewer", "FlowViewer", "MatchViewer"]


def _eight_bit(image, window) -> np.ndarray:
    """uint8 images pass unchanged (unless a window is given); anything else goes through :func:`to_uint8`."""
    image = as_2d(image)
    return image if image.dtype == np.uint8 and window is None else to_uint8(image, window=window)


def _no_ticks(axes) -> None:
    axes.set_xticks([])
    axes.set_yticks([])


class ThresholdViewer(Viewer):
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

    figure_size = (10.0, 4.2)

    def __init__(self, image, *, threshold=None, value_range=None, spacing_mm=None, window=None, units="a.u.",
                 title=None, nbins=256):
        super().__init__()
        self.image = as_2d(image).astype(np.float32)
        if not np.all(np.isfinite(self.image)):
            raise ValueError("image has NaN or infinite values")
        self.spacing_mm, self.window, self.units, self.title, self.nbins = spacing_mm, window, units, title, nbins
        self.otsu = otsu_threshold(self.image, nbins=nbins)
        lo, hi = value_range or (float(self.image.min()), float(self.image.max()))
        self.threshold = float_slider("threshold", self.otsu if threshold is None else threshold, lo, hi)
        self.watch(self.threshold)
        self.redraw()

    @property
    def mask(self) -> np.ndarray:
        """``image > threshold`` for the current slider value."""
        return self.image > self.threshold.value

    @property
    def state(self) -> dict:
        """Current threshold, Otsu's threshold and the fraction of pixels above the threshold."""
        return {"threshold": self.threshold.value, "otsu": self.otsu, "fraction_above": float(self.mask.mean())}

    def render(self, figure) -> None:
        ax_img, ax_hist = figure.subplots(1, 2, width_ratios=[1, 1.2])
        viz.render_image(ax_img, self.image, spacing_mm=self.spacing_mm, window=self.window)
        viz.draw_overlay(ax_img, self.mask, spacing_mm=self.spacing_mm, alpha=0.45)
        ax_img.set_title(f"{self.title or 'image'}: > {self.threshold.value:.4g} ({100 * self.mask.mean():.1f}%)")
        ax_hist.hist(self.image.ravel(), bins=self.nbins, color="0.45", log=True, histtype="stepfilled")
        ax_hist.axvline(self.threshold.value, color=ORANGE, lw=2, label=f"threshold {self.threshold.value:.4g}")
        ax_hist.axvline(self.otsu, color=BLUE, lw=1.5, ls="--", label=f"Otsu {self.otsu:.4g}")
        ax_hist.set_xlabel(f"pixel value ({self.units})")
        ax_hist.set_ylabel("pixels (log scale)")
        ax_hist.set_title("histogram")
        ax_hist.legend(loc="upper right", fontsize=8)


class LocalThresholdViewer(Viewer):
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

    figure_size = (10.0, 4.8)

    def __init__(self, image, *, block_size=31, offset=4.0, dark=False, window=None, title=None):
        super().__init__()
        self.image = _eight_bit(image, window)
        if int(block_size) < 3 or int(block_size) % 2 == 0:
            raise ValueError(f"block_size must be an odd number >= 3, got {block_size}")
        self.dark, self.title = dark, title
        largest = max(3, (min(self.image.shape) // 2) | 1)
        self.block_size = int_slider("block size", block_size, 3, largest, step=2)
        self.offset = float_slider("offset C", offset, -30.0, 30.0)
        self.watch(self.block_size, self.offset)
        self.redraw()

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

    def render(self, figure) -> None:
        ax_img, ax_mask = figure.subplots(1, 2)
        viz.render_image(ax_img, self.image, window=(127.5, 255))
        ax_img.set_title(self.title or "image")
        ax_mask.imshow(self.mask, cmap="gray", interpolation="nearest")
        kind = "darker" if self.dark else "brighter"
        ax_mask.set_title(f"{kind} than local mean by > {self.offset.value:.3g} "
                          f"(block {self.block_size.value} px)", fontsize=9)
        ax_mask.set_xlabel("pixels")


class CannyViewer(Viewer):
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

    figure_size = (10.0, 4.8)

    def __init__(self, image, *, low=50.0, high=150.0, sigma=1.0, window=None, spacing_mm=None, title=None):
        super().__init__()
        self.image = _eight_bit(image, window)
        if not 0 <= low <= high:
            raise ValueError(f"need 0 <= low <= high, got low={low}, high={high}")
        self.spacing_mm, self.title = spacing_mm, title
        self.low = float_slider("low", low, 0.0, 500.0)
        self.high = float_slider("high", high, 0.0, 500.0)
        self.sigma = float_slider("blur σ (px)", sigma, 0.0, 6.0)
        self.watch(self.sigma, self.low, self.high)
        self.redraw()

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

    def render(self, figure) -> None:
        ax_img, ax_edge = figure.subplots(1, 2)
        viz.render_image(ax_img, self.image, spacing_mm=self.spacing_mm, window=(127.5, 255))
        ax_img.set_title(self.title or "image")
        edges = self.edges
        viz.render_image(ax_edge, edges.astype(np.float32), spacing_mm=self.spacing_mm, window=(0.5, 1.0))
        ax_edge.set_title(f"Canny σ={self.sigma.value:.2g}, thresholds {self.low.value:.0f}/{self.high.value:.0f}: "
                          f"{int(edges.sum())} edge px", fontsize=9)


class WatershedViewer(Viewer):
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

    figure_size = (5.6, 5.6)

    def __init__(self, mask, *, image=None, min_distance=5, spacing_mm=None, title=None):
        super().__init__()
        self.mask = as_mask(mask)
        if image is not None and np.shape(image)[:2] != self.mask.shape:
            raise ValueError(f"image shape {np.shape(image)} does not match mask shape {self.mask.shape}")
        self.image = self.mask.astype(np.float32) if image is None else np.asarray(image)
        self.spacing_mm, self.title = spacing_mm, title
        self.min_distance = int_slider("min distance", min_distance, 1, 40)
        self.watch(self.min_distance)
        self.redraw()

    @property
    def labels(self) -> np.ndarray:
        """Labels for the current ``min_distance``."""
        return split_touching(self.mask, min_distance=self.min_distance.value)

    @property
    def state(self) -> dict:
        """Seed distance and number of objects."""
        return {"min_distance": self.min_distance.value, "n_objects": int(self.labels.max())}

    def render(self, figure) -> None:
        from skimage.segmentation import find_boundaries

        ax = figure.subplots()
        labels = self.labels
        viz.render_image(ax, self.image, spacing_mm=self.spacing_mm)
        viz.draw_overlay(ax, find_boundaries(labels, mode="thick"), spacing_mm=self.spacing_mm, alpha=1.0,
                         cmap=viz.overlay_cmap((0.94, 0.89, 0.26)))
        ax.set_title(f"{self.title or 'watershed'}: {labels.max()} objects (min distance "
                     f"{self.min_distance.value} px)", fontsize=10)


class FlowViewer(Viewer):
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

    figure_size = (6.4, 5.0)

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
        self.frame = int_slider("frame", 0, 0, frames.shape[0] - 2)
        self.step = int_slider("arrow step", step, 4, 64, step=2)
        self.watch(self.frame, self.step)
        self.redraw()

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

    def render(self, figure) -> None:
        ax = figure.subplots()
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


class MatchViewer(Viewer):
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

    figure_size = (10.0, 4.8)

    def __init__(self, image, *, angle_deg=25.0, scale=0.8, detector="sift", ratio=0.75, max_lines=60):
        super().__init__()
        import ipywidgets as w

        self.image = as_frame(image, "image")
        _detector(detector, 10)  # validates the name early
        self.ratio, self.max_lines = ratio, max_lines
        self.angle = float_slider("angle (°)", angle_deg, -180.0, 180.0)
        self.scale = float_slider("scale", scale, 0.25, 2.0)
        self.detector = w.Dropdown(options=["sift", "orb"], value=detector, description="detector")
        self.watch(self.detector, self.angle, self.scale)
        self.redraw()

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

    def render(self, figure) -> None:
        r = self.result()
        ax = figure.subplots()
        a, b = self.image, r["view"]
        canvas = np.zeros((max(a.shape[0], b.shape[0]), a.shape[1] + b.shape[1]), np.uint8)
        canvas[:a.shape[0], :a.shape[1]] = a
        canvas[:b.shape[0], a.shape[1]:] = b
        ax.imshow(canvas, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        m, keep = r["matches"], np.flatnonzero(r["inliers"])[:self.max_lines]
        for (x0, y0), (x1, y1) in zip(m.points0[keep], m.points1[keep], strict=True):
            ax.plot([x0, x1 + a.shape[1]], [y0, y1], color=YELLOW, lw=0.7)
        ax.plot(m.keypoints0[:, 0], m.keypoints0[:, 1], ".", color=ORANGE, ms=2)
        ax.plot(m.keypoints1[:, 0] + a.shape[1], m.keypoints1[:, 1], ".", color=ORANGE, ms=2)
        _no_ticks(ax)
        ax.set_title(f"{self.detector.value.upper()}: {len(m)} matches, {int(r['inliers'].sum())} RANSAC inliers, "
                     f"corner error {r['corner_error_px']:.2f} px (rotated {self.angle.value:.0f}°, "
                     f"scaled ×{self.scale.value:.2f})", fontsize=9)
