"""Interactive viewers: ipywidgets controls (7.7 as on Colab, or 8) driving a matplotlib figure, with a static fallback.

Each viewer is a thin widget layer over a renderer from :mod:`helpers.viz`, built on the public base
:class:`Viewer` with the sliders :func:`float_slider` and :func:`int_slider`; topic modules (``helpers.classical``,
``helpers.augment``) subclass it the same way. Every control change goes through one ``redraw()``, which renders
the figure off-screen (Agg) to PNG and updates one display in place. This design:

- works in JupyterLab and in Colab (no ``ipympl``: Colab's support for it is unreliable);
- leaves a meaningful static figure in the saved notebook when no front end is attached (nbval, nbconvert, the
  rendered site): the PNG is an ordinary display output;
- is testable without a browser: the constructor never displays anything; tests set ``slider.value`` and read
  ``viewer.png`` / ``viewer.state``.

Show a viewer by making it the last expression of a cell (or ``display(viewer)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from . import viz
from ._checks import check_range

__all__ = ["Viewer", "float_slider", "int_slider", "ImageViewer", "SliceViewer", "OrthoViewer", "TimeViewer",
           "CompareViewer"]


def float_slider(description: str, value: float, low: float, high: float, *, continuous_update: bool = False):
    """A float slider over ``low..high`` in 200 steps, its value clipped into the range.

    Parameters
    ----------
    description : str
        Label shown next to the slider.
    value : float
        Initial value; clipped to ``[low, high]``.
    low, high : float
        Slider range, finite, ``low <= high``.
    continuous_update : bool, optional
        Redraw while dragging (True) or on release (False, the default: renders can be slow).

    Returns
    -------
    ipywidgets.FloatSlider

    Raises
    ------
    ValueError
        The range is not finite or ``low > high``.

    Examples
    --------
    >>> slider = float_slider("threshold", 250.0, 0.0, 100.0)
    >>> slider.min, slider.max, slider.value
    (0.0, 100.0, 100.0)
    """
    import ipywidgets as w

    low, high = check_range(f"the range of slider {description!r}", (low, high))
    step = max((high - low) / 200.0, 1e-6)
    return w.FloatSlider(value=float(np.clip(value, low, high)), min=low, max=high, step=step,
                         description=description, continuous_update=continuous_update, readout_format=".4g")


def int_slider(description: str, value: int, low: int, high: int, *, step: int = 1,
               continuous_update: bool = False):
    """An integer slider over ``low..high`` (both included), its value clipped into the range.

    Parameters
    ----------
    description, value, continuous_update
        As in :func:`float_slider`; ``continuous_update=True`` suits a slice slider (scrolling through a volume).
    low, high : int
        Slider range, ``low <= high`` (equal is allowed: a one-frame series has one position).
    step : int, optional
        Increment, >= 1.

    Returns
    -------
    ipywidgets.IntSlider

    Raises
    ------
    ValueError
        ``low > high``, or ``step < 1``.

    Examples
    --------
    >>> slider = int_slider("slice", 40, 0, 31)
    >>> slider.min, slider.max, slider.value
    (0, 31, 31)
    """
    import ipywidgets as w

    low, high = (int(v) for v in check_range(f"the range of slider {description!r}", (low, high)))
    if int(step) < 1:
        raise ValueError(f"step of slider {description!r} must be >= 1, got {step}")
    return w.IntSlider(value=int(np.clip(value, low, high)), min=low, max=high, step=int(step),
                       description=description, continuous_update=continuous_update)


class Viewer:
    """Base of every viewer: a list of controls plus one PNG display updated in place.

    A subclass builds its controls in ``__init__``, registers them with :meth:`watch`, calls :meth:`redraw` once,
    and implements :meth:`render`, which draws the current state into a fresh matplotlib Figure. Every control
    change goes through :meth:`redraw`, which renders off-screen (Agg) to PNG (:attr:`png`) and updates the
    display if the viewer has been shown. The constructor never displays anything, so tests can set
    ``slider.value`` and read ``viewer.png`` or a ``state`` property without a browser.

    Attributes
    ----------
    controls : list of ipywidgets widgets
        Shown above the figure, in order (:attr:`ui`).
    png : bytes
        The last rendering, as PNG.
    n_redraws : int
        How many times the figure was rendered.
    dpi : int
        Resolution of the PNG (class attribute).
    figure_size : (float, float)
        Figure size in inches (class attribute; override it, or make it a property when it depends on the data).

    Examples
    --------
    A topic module subclasses it like this (``helpers.classical`` and ``helpers.augment`` do):

    >>> import numpy as np
    >>> from helpers.widgets import Viewer, float_slider
    >>> class GammaViewer(Viewer):
    ...     figure_size = (4.0, 4.0)
    ...
    ...     def __init__(self, image):
    ...         super().__init__()
    ...         self.image = image
    ...         self.gamma = float_slider("gamma", 1.0, 0.2, 5.0)
    ...         self.watch(self.gamma)
    ...         self.redraw()
    ...
    ...     def render(self, figure):
    ...         axes = figure.subplots()
    ...         axes.imshow(self.image ** self.gamma.value, cmap="gray", vmin=0, vmax=1)
    >>> viewer = GammaViewer(np.linspace(0, 1, 64).reshape(8, 8))
    >>> viewer.gamma.value = 2.0  # what a student's drag does
    >>> viewer.n_redraws, viewer.png[:4] == b"\\x89PNG"
    (2, True)
    """

    dpi = 80
    figure_size: tuple[float, float] = (5.0, 5.0)

    def __init__(self):
        self.controls: list = []
        self.png: bytes = b""
        self.n_redraws = 0
        self._handle = None

    def render(self, figure) -> None:
        """Draw the current state into ``figure`` (a new, empty matplotlib Figure). Subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement render(figure)")

    def watch(self, *controls) -> None:
        """Add controls to :attr:`controls` and redraw whenever their value changes."""
        for control in controls:
            control.observe(self.redraw, names="value")
            self.controls.append(control)

    def redraw(self, change=None) -> None:
        """Render to :attr:`png` and update the display, if shown (``change`` is the ipywidgets event, unused)."""
        from matplotlib.figure import Figure

        figure = Figure(figsize=self.figure_size, layout="constrained")
        self.render(figure)
        self.png = viz.figure_to_png(figure, dpi=self.dpi)
        self.n_redraws += 1
        if self._handle is not None:
            from IPython.display import Image

            self._handle.update(Image(data=self.png))

    @property
    def ui(self):
        """The widget box holding the controls."""
        import ipywidgets as w

        return w.VBox(self.controls)

    def _ipython_display_(self):
        from IPython.display import Image, display

        display(self.ui)
        self._handle = display(Image(data=self.png), display_id=True)


class _WindowMixin:
    """Window centre/width sliders whose range comes from the data (2nd-98th percentile default)."""

    def _make_window_controls(self, data: np.ndarray, window) -> None:
        finite = np.asarray(data, dtype=np.float64)
        lo, hi = float(np.nanmin(finite)), float(np.nanmax(finite))
        hi = hi if hi > lo else lo + 1.0
        center, width = window or viz.auto_window(data)
        self.center = float_slider("level", center, lo, hi)
        self.width = float_slider("window", width, (hi - lo) / 500.0, 2.0 * (hi - lo))

    @property
    def window(self) -> tuple[float, float]:
        """The current ``(center, width)``."""
        return (self.center.value, self.width.value)


class ImageViewer(_WindowMixin, Viewer):
    """A 2D image with window/level sliders and optional presets (e.g. CT windows).

    Parameters
    ----------
    image : ndarray, (rows, cols)
        Grayscale image in its units (e.g. HU).
    spacing_mm : (row_mm, col_mm), optional
        Pixel spacing for a physical aspect ratio.
    window : (center, width), optional
        Initial window; default the 2nd-98th percentile.
    presets : mapping of name -> (center, width), optional
        Named windows offered in a drop-down (choosing one moves the sliders).
    title : str, optional
    invert : bool
        Show low values white (MONOCHROME1).
    """

    def __init__(self, image, *, spacing_mm=None, window=None, presets: Mapping | None = None, title=None,
                 invert=False):
        super().__init__()
        image = np.asarray(image)
        if image.ndim != 2:
            raise ValueError(f"ImageViewer needs a 2D grayscale image, got shape {image.shape}")
        self.image, self.spacing_mm, self.title, self.invert = image, spacing_mm, title, invert
        self._make_window_controls(image, window)
        self.presets = dict(presets or {})
        if self.presets:
            import ipywidgets as w

            self.preset = w.Dropdown(options=["(custom)", *self.presets], value="(custom)", description="preset")
            self.preset.observe(self._apply_preset, names="value")
            self.controls.append(self.preset)
        self.watch(self.center, self.width)
        self.redraw()

    def _apply_preset(self, change) -> None:
        if change["new"] in self.presets:
            center, width = tuple(self.presets[change["new"]])[:2]  # (center, width[, source])
            # set width first so the centre is not clipped by a stale range; one redraw per slider is fine
            self.width.value, self.center.value = width, center

    @property
    def state(self) -> dict:
        """The current view: window centre and width."""
        return {"center": self.center.value, "width": self.width.value}

    def render(self, figure) -> None:
        ax = figure.subplots()
        viz.render_image(ax, self.image, spacing_mm=self.spacing_mm, window=self.window, invert=self.invert)
        lo, hi = viz.window_to_range(*self.window)
        ax.set_title(f"{self.title or ''}  window [{lo:.4g}, {hi:.4g}]".strip())


class SliceViewer(_WindowMixin, Viewer):
    """Scroll through one plane of a ``(z, y, x)`` volume, with window/level and an optional overlay.

    Parameters
    ----------
    volume : ndarray, (z, y, x)
    spacing_mm : (dz, dy, dx), optional
    axis : {0, 1, 2}
        0 axial, 1 coronal, 2 sagittal.
    window : (center, width), optional
    overlay : ndarray, (z, y, x), optional
        Mask (bool) or heatmap (float); an opacity slider is added.
    alpha : float
        Initial overlay opacity.
    title : str, optional
    """

    def __init__(self, volume, *, spacing_mm=None, axis=0, window=None, overlay=None, alpha=0.4, title=None):
        super().__init__()
        volume = np.asarray(volume)
        if volume.ndim != 3:
            raise ValueError(f"SliceViewer needs a 3D (z, y, x) volume, got shape {volume.shape}")
        if overlay is not None and np.shape(overlay) != volume.shape:
            raise ValueError(f"overlay shape {np.shape(overlay)} differs from volume shape {volume.shape}")
        self.volume, self.spacing_mm, self.axis, self.overlay, self.title = volume, spacing_mm, axis, overlay, title
        n = volume.shape[axis]
        self.slice = int_slider(viz.PLANES[axis], n // 2, 0, n - 1, continuous_update=True)
        self._make_window_controls(volume, window)
        controls = [self.slice, self.center, self.width]
        if overlay is not None:
            self.opacity = float_slider("opacity", alpha, 0.0, 1.0)
            controls.append(self.opacity)
        self.watch(*controls)
        self.redraw()

    @property
    def state(self) -> dict:
        """The current view: slice index, window, overlay opacity."""
        return {"slice": self.slice.value, "center": self.center.value, "width": self.width.value,
                "opacity": getattr(self, "opacity", None) and self.opacity.value}

    def current_image(self) -> np.ndarray:
        """The 2D plane currently shown (display orientation)."""
        return viz.plane(self.volume, self.slice.value, axis=self.axis)

    def render(self, figure) -> None:
        ax = figure.subplots()
        alpha = self.opacity.value if self.overlay is not None else 0.0
        viz.render_slice(ax, self.volume, self.slice.value, axis=self.axis, spacing_mm=self.spacing_mm,
                         window=self.window, overlay=self.overlay, alpha=alpha)
        if self.title:
            ax.set_title(f"{self.title}: {viz.PLANES[self.axis]} slice {self.slice.value}")


class OrthoViewer(_WindowMixin, Viewer):
    """Axial, coronal and sagittal planes through one voxel, with crosshairs and three sliders.

    Parameters
    ----------
    volume : ndarray, (z, y, x)
    spacing_mm : (dz, dy, dx), optional
    window : (center, width), optional
    overlay : ndarray, (z, y, x), optional
    title : str, optional
    """

    figure_size = (11.0, 3.8)

    def __init__(self, volume, *, spacing_mm=None, window=None, overlay=None, title=None):
        super().__init__()
        volume = np.asarray(volume)
        if volume.ndim != 3:
            raise ValueError(f"OrthoViewer needs a 3D (z, y, x) volume, got shape {volume.shape}")
        self.volume, self.spacing_mm, self.overlay, self.title = volume, spacing_mm, overlay, title
        self.z, self.y, self.x = (int_slider(name, n // 2, 0, n - 1, continuous_update=True)
                                  for name, n in zip("zyx", volume.shape, strict=True))
        self._make_window_controls(volume, window)
        self.watch(self.z, self.y, self.x, self.center, self.width)
        self.redraw()

    @property
    def state(self) -> dict:
        """The current view: voxel (z, y, x) and window."""
        return {"z": self.z.value, "y": self.y.value, "x": self.x.value, "center": self.center.value,
                "width": self.width.value}

    def render(self, figure) -> None:
        viz.show_planes(self.volume, spacing_mm=self.spacing_mm, index=(self.z.value, self.y.value, self.x.value),
                        window=self.window, overlay=self.overlay, title=self.title, figure=figure)


class TimeViewer(_WindowMixin, Viewer):
    """Play through a time series: ``(t, y, x)``, ``(t, y, x, 3)`` colour, or ``(t, z, y, x)`` volumes.

    Parameters
    ----------
    series : ndarray
        ``(t, y, x)``, ``(t, y, x, 3)`` (RGB cine) or ``(t, z, y, x)`` (4D; a slice slider is added).
    frame_time_ms : float, optional
        Time between frames, shown in the title.
    spacing_mm : tuple, optional
        In-plane ``(row_mm, col_mm)`` for 2D+t, ``(dz, dy, dx)`` for 4D.
    window : (center, width), optional
    title : str, optional
    """

    def __init__(self, series, *, frame_time_ms=None, spacing_mm=None, window=None, title=None):
        super().__init__()
        import ipywidgets as w

        series = np.asarray(series)
        self.is_rgb = series.ndim == 4 and series.shape[-1] == 3
        if series.ndim not in (3, 4):
            raise ValueError(f"TimeViewer needs (t, y, x), (t, y, x, 3) or (t, z, y, x), got {series.shape}")
        self.series, self.frame_time_ms, self.spacing_mm, self.title = series, frame_time_ms, spacing_mm, title
        nt = series.shape[0]
        self.time = int_slider("frame", 0, 0, nt - 1, continuous_update=True)
        self.play = w.Play(value=0, min=0, max=nt - 1, interval=int(frame_time_ms or 100), description="play")
        w.jslink((self.play, "value"), (self.time, "value"))
        self.controls.append(self.play)
        controls = [self.time]
        if series.ndim == 4 and not self.is_rgb:
            self.slice = int_slider("axial", series.shape[1] // 2, 0, series.shape[1] - 1, continuous_update=True)
            controls.append(self.slice)
        if not self.is_rgb:
            self._make_window_controls(series, window)
            controls += [self.center, self.width]
        self.watch(*controls)
        self.redraw()

    @property
    def state(self) -> dict:
        """The current view: frame index (and slice for 4D)."""
        return {"frame": self.time.value, "slice": getattr(self, "slice", None) and self.slice.value}

    def current_image(self) -> np.ndarray:
        """The 2D (or RGB) frame currently shown."""
        frame = self.series[self.time.value]
        return frame[self.slice.value] if hasattr(self, "slice") else frame

    def render(self, figure) -> None:
        ax = figure.subplots()
        spacing = self.spacing_mm[-2:] if self.spacing_mm is not None else None
        window = None if self.is_rgb else self.window
        viz.render_image(ax, self.current_image(), spacing_mm=spacing, window=window)
        t = self.time.value
        when = f", t = {t * self.frame_time_ms / 1000:.2f} s" if self.frame_time_ms else ""
        ax.set_title(f"{self.title or ''} frame {t}{when}".strip())


class CompareViewer(_WindowMixin, Viewer):
    """Images side by side under one shared window; stacks ``(n, rows, cols)`` get a shared slice slider.

    Parameters
    ----------
    images : sequence of ndarray
        All 2D ``(rows, cols)`` or all 3D ``(z, rows, cols)`` with the same number of slices.
    titles : sequence of str, optional
    spacing_mm : (row_mm, col_mm), optional
    window : (center, width), optional
    """

    def __init__(self, images: Sequence[np.ndarray], titles: Sequence[str] | None = None, *, spacing_mm=None,
                 window=None):
        super().__init__()
        images = [np.asarray(im) for im in images]
        ndims = {im.ndim for im in images}
        if not images or ndims - {2, 3} or len(ndims) != 1:
            raise ValueError("CompareViewer needs 2D images or 3D stacks, all of the same ndim")
        if ndims == {3} and len({im.shape[0] for im in images}) != 1:
            raise ValueError(f"stacks differ in length: {[im.shape[0] for im in images]}")
        self.images, self.spacing_mm = images, spacing_mm
        self.titles = list(titles) if titles is not None else [f"image {i}" for i in range(len(images))]
        self._make_window_controls(images[0], window)
        controls = [self.center, self.width]
        if ndims == {3}:
            n = images[0].shape[0]
            self.slice = int_slider("slice", n // 2, 0, n - 1, continuous_update=True)
            controls.insert(0, self.slice)
        self.watch(*controls)
        self.redraw()

    @property
    def figure_size(self):
        """One 3.6-inch panel per image."""
        return (3.6 * len(self.images), 3.8)

    @property
    def state(self) -> dict:
        """The current view: slice (for stacks) and window."""
        return {"slice": getattr(self, "slice", None) and self.slice.value, "center": self.center.value,
                "width": self.width.value}

    def render(self, figure) -> None:
        frames = [image[self.slice.value] if image.ndim == 3 else image for image in self.images]
        viz.compare(frames, self.titles, spacing_mm=self.spacing_mm, window=self.window, figure=figure)
