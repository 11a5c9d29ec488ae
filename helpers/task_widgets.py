"""Sweep widgets of notebook 03: a slider over one choice, the resulting score shown live.

Each widget is a thin :class:`helpers.widgets.Viewer` over a pure function of this module, so the lesson (what the
score does as the choice moves) is unit-tested without a browser, and the saved notebook keeps a PNG snapshot:

- :func:`threshold_dice` / :class:`ThresholdDiceViewer`: a segmentation threshold and its Dice with the truth;
- :func:`rigid_costs` / :class:`RegistrationViewer`: a manual rigid transform and its MI and SSD costs;
- :func:`curve_at` / :class:`LabelNoiseViewer`: a label-noise rate and the AUC it leaves (a precomputed curve,
  because refitting models while dragging would be slow).
"""

from __future__ import annotations

import numpy as np

from . import tasks, viz
from .widgets import Viewer, float_slider

__all__ = ["threshold_dice", "rigid_costs", "curve_at", "ThresholdDiceViewer", "RegistrationViewer",
           "LabelNoiseViewer"]


def threshold_dice(image, truth, thresholds) -> np.ndarray:
    """Dice overlap of ``image > t`` with ``truth`` for each threshold ``t``.

    Parameters
    ----------
    image : array_like of float, (h, w)
        Intensities (any unit).
    truth : array_like of bool, (h, w)
        The reference mask; must not be empty.
    thresholds : float or array_like of float, (n,)
        Thresholds in the image's unit.

    Returns
    -------
    ndarray of float, (n,)
        Dice in [0, 1] for each threshold (a scalar threshold gives shape (1,)).

    Raises
    ------
    ValueError
        Shapes differ, or ``truth`` is empty (Dice against nothing is undefined).

    Examples
    --------
    >>> image = np.array([[0.0, 0.2], [0.6, 0.9]])
    >>> threshold_dice(image, image > 0.5, [0.1, 0.5, 0.8]).round(3)
    array([0.8  , 1.   , 0.667])
    """
    image, truth = np.asarray(image, dtype=np.float64), np.asarray(truth, dtype=bool)
    if image.shape != truth.shape:
        raise ValueError(f"image {image.shape} and truth {truth.shape} must have the same shape")
    if not truth.any():
        raise ValueError("truth is empty: Dice against an empty mask is undefined; pass a mask with the structure")
    t = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    masks = image[None] > t[:, None, None]  # (n, h, w)
    overlap = (masks & truth).sum(axis=(1, 2))
    return 2 * overlap / (masks.sum(axis=(1, 2)) + truth.sum())


def rigid_costs(fixed, moving, angle_deg: float, shift_px, *, bins: int = 32) -> dict[str, float]:
    """The two registration costs of moving ``moving`` by a rigid transform onto ``fixed``.

    Parameters
    ----------
    fixed, moving : array_like of float, (h, w)
        The reference image and the image to move (same shape, any units).
    angle_deg : float
        Rotation about the image centre, degrees.
    shift_px : (float, float)
        Translation (row, col) in pixels.
    bins : int, keyword-only
        Histogram bins per image for the mutual information.

    Returns
    -------
    dict
        ``"mi"``: mutual information in nats (higher is better aligned); ``"ssd"``: mean squared difference of
        the two images, each scaled to its maximum (lower is better, if the contrasts match).

    Raises
    ------
    ValueError
        Shapes differ (from :func:`helpers.tasks.mutual_information`).

    Examples
    --------
    >>> image = np.zeros((32, 32)); image[10:20, 12:22] = 1.0
    >>> aligned, moved = rigid_costs(image, image, 0.0, (0, 0)), rigid_costs(image, image, 0.0, (3, 0))
    >>> aligned["mi"] > moved["mi"], aligned["ssd"] < moved["ssd"]
    (True, True)
    """
    fixed, moving = np.asarray(fixed, dtype=np.float64), np.asarray(moving, dtype=np.float64)
    moved = tasks.rigid_transform(moving, angle_deg=angle_deg, shift_px=shift_px)
    mi = tasks.mutual_information(fixed, moved, bins=bins)
    ssd = np.mean((_unit_max(fixed) - _unit_max(moved)) ** 2)
    return {"mi": float(mi), "ssd": float(ssd)}


def _unit_max(image: np.ndarray) -> np.ndarray:
    """``image`` divided by its largest absolute value (unchanged if all zero)."""
    return image / max(float(np.abs(image).max()), 1e-12)


def curve_at(xs, ys, x: float) -> float:
    """Read a precomputed curve at ``x`` by linear interpolation (clipped to the computed range).

    Parameters
    ----------
    xs : array_like of float, (n,)
        Increasing positions where the curve was computed (e.g. label-noise rates).
    ys : array_like of float, (n,)
        The curve's values there (e.g. AUCs).
    x : float

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Lengths differ, fewer than 2 points, or ``xs`` not strictly increasing.

    Examples
    --------
    >>> curve_at([0.0, 0.5], [1.0, 0.5], 0.25), curve_at([0.0, 0.5], [1.0, 0.5], 0.9)
    (0.75, 0.5)
    """
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    if xs.shape != ys.shape or xs.ndim != 1 or xs.size < 2:
        raise ValueError(f"xs and ys must be 1D of the same length >= 2, got {xs.shape} and {ys.shape}")
    if np.any(np.diff(xs) <= 0):
        raise ValueError("xs must be strictly increasing")
    return float(np.interp(x, xs, ys))


class ThresholdDiceViewer(Viewer):
    """Drag a threshold; see the segmentation and its Dice with the truth (Dice-vs-threshold curve beside it).

    Parameters
    ----------
    image : ndarray of float, (h, w)
        A small image around one structure.
    truth : ndarray of bool, (h, w)
        Its exact mask.
    threshold : float
        Initial threshold (image units).
    spacing_mm : (float, float), optional
    title : str, optional
    """

    figure_size = (8.0, 3.6)

    def __init__(self, image, truth, threshold, *, spacing_mm=None, title="Threshold segmentation"):
        super().__init__()
        self.image, self.truth = np.asarray(image, dtype=np.float64), np.asarray(truth, dtype=bool)
        self.spacing_mm, self.title = spacing_mm, title
        low, high = float(self.image.min()), float(self.image.max())
        self.grid = np.linspace(low, high, 101)
        self.curve = threshold_dice(self.image, self.truth, self.grid)  # computed once: the sweep's answer
        self.threshold = float_slider("threshold", threshold, low, high)
        self.watch(self.threshold)
        self.redraw()

    @property
    def state(self) -> dict:
        """The current threshold and the Dice it gives."""
        t = self.threshold.value
        return {"threshold": t, "dice": float(threshold_dice(self.image, self.truth, t)[0])}

    def render(self, figure) -> None:
        left, right = figure.subplots(1, 2)
        viz.render_image(left, self.image, spacing_mm=self.spacing_mm)
        left.contour(self.image > self.threshold.value, [0.5], colors="#E69F00", linewidths=1.5)
        left.contour(self.truth, [0.5], colors="#56B4E9", linewidths=1.5)
        state = self.state
        left.set_title(f"{self.title}: Dice {state['dice']:.2f}", fontsize=9)
        right.plot(self.grid, self.curve, color="#0072B2")
        right.axvline(state["threshold"], color="#E69F00")
        right.set(xlabel="threshold (image units)", ylabel="Dice with the truth", ylim=(0, 1.02),
                  title="Dice against threshold")


class RegistrationViewer(Viewer):
    """Move an image by hand (angle, row and column shift); see the overlay and both costs.

    Parameters
    ----------
    fixed, moving : ndarray of float, (h, w)
    max_angle_deg : float
        Slider range of the angle, ± degrees.
    max_shift_px : float
        Slider range of each shift, ± pixels.
    """

    figure_size = (7.5, 3.8)

    def __init__(self, fixed, moving, *, max_angle_deg=15.0, max_shift_px=10.0):
        super().__init__()
        self.fixed, self.moving = np.asarray(fixed, dtype=np.float64), np.asarray(moving, dtype=np.float64)
        self.angle = float_slider("angle (°)", 0.0, -max_angle_deg, max_angle_deg)
        self.row = float_slider("row shift", 0.0, -max_shift_px, max_shift_px)
        self.col = float_slider("col shift", 0.0, -max_shift_px, max_shift_px)
        self.watch(self.angle, self.row, self.col)
        self.redraw()

    @property
    def state(self) -> dict:
        """The current transform and its costs."""
        shift = (self.row.value, self.col.value)
        return {"angle_deg": self.angle.value, "shift_px": shift,
                **rigid_costs(self.fixed, self.moving, self.angle.value, shift)}

    def render(self, figure) -> None:
        left, right = figure.subplots(1, 2)
        state = self.state
        moved = tasks.rigid_transform(self.moving, angle_deg=state["angle_deg"], shift_px=state["shift_px"])
        overlay = np.dstack([self.fixed / self.fixed.max(), moved / max(moved.max(), 1e-12), np.zeros_like(moved)])
        left.imshow(np.clip(overlay, 0, 1))
        left.set_title("fixed (red) + moved (green)", fontsize=9)
        left.axis("off")
        right.bar(["MI (nats)\nhigher = aligned", "SSD\nlower = alike"], [state["mi"], state["ssd"]],
                  color=["#0072B2", "#D55E00"])
        right.set_title(f"MI {state['mi']:.3f}, SSD {state['ssd']:.4f}", fontsize=9)


class LabelNoiseViewer(Viewer):
    """Choose a label-noise rate; read the test AUC off a precomputed curve (mean ± SD over seeds).

    Parameters
    ----------
    rates : array_like of float, (n,)
        Label-noise rates where the AUC was computed, increasing.
    auc_mean, auc_sd : array_like of float, (n,)
        Mean and standard deviation of the test AUC over seeds at each rate.
    """

    figure_size = (5.0, 3.4)

    def __init__(self, rates, auc_mean, auc_sd):
        super().__init__()
        self.rates, self.auc_mean, self.auc_sd = (np.asarray(a, dtype=np.float64) for a in (rates, auc_mean, auc_sd))
        curve_at(self.rates, self.auc_mean, 0.0)  # validates the curve
        self.rate = float_slider("noise rate", 0.0, float(self.rates[0]), float(self.rates[-1]))
        self.watch(self.rate)
        self.redraw()

    @property
    def state(self) -> dict:
        """The chosen rate and the AUC read off the curve."""
        return {"rate": self.rate.value, "auc": curve_at(self.rates, self.auc_mean, self.rate.value)}

    def render(self, figure) -> None:
        ax = figure.subplots()
        ax.fill_between(self.rates, self.auc_mean - self.auc_sd, self.auc_mean + self.auc_sd, alpha=0.25)
        ax.plot(self.rates, self.auc_mean, "o-")
        state = self.state
        ax.plot(state["rate"], state["auc"], "s", color="#D55E00", ms=10)
        ax.axhline(0.5, color="gray", ls="--", lw=1)
        ax.set(xlabel="fraction of training labels flipped", ylabel="test AUC", ylim=(0.3, 1.02),
               title=f"AUC {state['auc']:.2f} at {state['rate']:.0%} flipped (synthetic)")
