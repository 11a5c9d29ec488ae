"""Static figures for medical images: windowing, physical aspect ratio, planes, overlays, montages.

Nothing here calls ``plt.show()``. Volumes are ``(z, y, x)`` arrays (see ``helpers.data``): an axial slice
is ``volume[k]`` shown with row 0 (anterior) at the top; coronal and sagittal slices are shown with superior up.

Display rule (as in SimpleITK-Notebooks' viewers and DICOM's VOI window): a window of centre ``c`` and width ``w``
maps ``c - w/2`` to black and ``c + w/2`` to white. The default window spans the 2nd to 98th percentile so that a
few extreme pixels do not set the contrast.

Figure keywords (one policy for every plotting helper in ``helpers``, nilearn's convention)
-------------------------------------------------------------------------------------------
- ``axes=``: a matplotlib Axes to draw into (or, for a helper that always draws a fixed set of panels, the sequence
  of its Axes, as in ``nets.plot_history``). ``figure=``: a matplotlib Figure to lay the helper's own panels out
  in (it is cleared first). Parameters are never called ``ax`` or ``fig``; colours are spelled ``color``.
- Layer functions add one thing to an Axes the caller already has (:func:`render_image`, :func:`render_slice`,
  :func:`draw_overlay`, ``augment.draw_outline``, ``classical.draw_flow``): ``axes`` is their first, required
  argument and they return the artist they added (e.g. for a colour bar).
- Figure functions make a whole figure (:func:`show_image`, :func:`show_planes`, :func:`compare`,
  :func:`montage`, ``augment.plot_seed_results``, ``gans.plot_losses``, ``nets.plot_history``): ``axes=`` or
  ``figure=`` is optional (default: a new pyplot figure) and they return the matplotlib Figure they drew into,
  so ``fig = viz.show_image(...)`` then ``fig.axes[0]`` reaches the panel.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["window_to_range", "auto_window", "physical_extent", "plane", "render_image", "render_slice",
           "show_image", "show_planes", "compare", "montage", "overlay_cmap", "draw_overlay", "new_figure",
           "figure_to_png"]

PLANES = ("axial", "coronal", "sagittal")
OVERLAY_CMAP = "viridis"  # perceptually uniform and colour-blind-safe
MASK_COLOR = (0.0, 0.62, 0.45)  # bluish green from the Okabe-Ito colour-blind-safe palette


def window_to_range(center: float, width: float) -> tuple[float, float]:
    """Return the display range ``(vmin, vmax)`` of a window.

    Parameters
    ----------
    center : float
        Window centre (level), in the image's units (e.g. HU).
    width : float
        Window width, same units; must be > 0.

    Returns
    -------
    (float, float)
        ``(center - width / 2, center + width / 2)``.

    Examples
    --------
    >>> window_to_range(40, 80)   # the CT brain window, W80 L40
    (0.0, 80.0)
    """
    if not width > 0:
        raise ValueError(f"window width must be > 0, got {width}")
    return float(center - width / 2), float(center + width / 2)


def auto_window(image: np.ndarray, *, percentiles: tuple[float, float] = (2.0, 98.0)) -> tuple[float, float]:
    """Return a ``(center, width)`` window spanning two percentiles of the finite pixel values.

    Parameters
    ----------
    image : ndarray
        Any shape; NaNs are ignored.
    percentiles : (float, float)
        Lower and upper percentile, in 0..100.

    Returns
    -------
    (float, float)
        Window centre and width (width at least 1e-6 so a flat image still displays).
    """
    values = np.asarray(image, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise ValueError("image has no finite values to window")
    lo, hi = np.percentile(values, percentiles)
    return float((lo + hi) / 2), float(max(hi - lo, 1e-6))


def physical_extent(shape: Sequence[int], spacing_mm: Sequence[float] | None) -> tuple[float, float, float, float]:
    """Return the imshow ``extent`` (left, right, bottom, top) in mm of a 2D image, row 0 at the top.

    Parameters
    ----------
    shape : (rows, cols)
        Image shape.
    spacing_mm : (row_mm, col_mm) or None
        Pixel spacing (DICOM (0028,0030) Pixel Spacing order: row spacing first). ``None`` means 1 pixel = 1 unit.
    """
    rows, cols = shape[:2]
    dy, dx = (1.0, 1.0) if spacing_mm is None else (float(spacing_mm[0]), float(spacing_mm[1]))
    return (0.0, cols * dx, rows * dy, 0.0)


def plane(volume: np.ndarray, index: int, *, axis: int = 0) -> np.ndarray:
    """Return one slice of a ``(z, y, x)`` volume, oriented for display.

    Axial (axis 0) slices keep row 0 = anterior at the top; coronal (axis 1) and sagittal (axis 2) slices are
    flipped vertically so that superior (high z) is at the top.
    """
    if volume.ndim != 3:
        raise ValueError(f"volume must be 3D (z, y, x), got shape {volume.shape}")
    if axis not in (0, 1, 2):
        raise ValueError(f"axis must be 0 (axial), 1 (coronal) or 2 (sagittal), got {axis}")
    if not 0 <= index < volume.shape[axis]:
        raise IndexError(f"slice {index} outside 0..{volume.shape[axis] - 1} along axis {axis}")
    image = np.take(volume, index, axis=axis)
    return image if axis == 0 else image[::-1]


def _plane_spacing(spacing_mm: Sequence[float] | None, axis: int) -> tuple[float, float] | None:
    if spacing_mm is None:
        return None
    dz, dy, dx = (float(s) for s in spacing_mm)
    return {0: (dy, dx), 1: (dz, dx), 2: (dz, dy)}[axis]


def render_image(axes, image: np.ndarray, *, spacing_mm=None, window=None, cmap="gray", invert=False, **kwargs):
    """Draw a 2D image (or RGB image) on ``axes`` with physical aspect ratio and a window.

    Parameters
    ----------
    axes : matplotlib Axes
    image : ndarray, (rows, cols) or (rows, cols, 3)
        Grayscale values in any unit, or RGB (uint8 or floats in 0..1).
    spacing_mm : (row_mm, col_mm), optional
        Pixel spacing; axes are then labelled in mm and the aspect ratio is physical.
    window : (center, width), optional
        Display window for grayscale images; default :func:`auto_window`.
    invert : bool
        Show low values as white (for DICOM MONOCHROME1 images such as many CR radiographs).
    **kwargs
        Passed to ``axes.imshow``.

    Returns
    -------
    matplotlib.image.AxesImage
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
        raise ValueError(f"image must be (rows, cols) or (rows, cols, 3), got shape {image.shape}")
    extent = physical_extent(image.shape, spacing_mm)
    if image.ndim == 3:
        artist = axes.imshow(image, extent=extent, interpolation="nearest", **kwargs)
    else:
        vmin, vmax = window_to_range(*(window or auto_window(image)))
        cmap = cmap + "_r" if invert and isinstance(cmap, str) else cmap
        artist = axes.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax, extent=extent, interpolation="nearest",
                             **kwargs)
    unit = "mm" if spacing_mm is not None else "pixels"
    axes.set_xlabel(unit)
    axes.set_ylabel(unit)
    return artist


def render_slice(axes, volume: np.ndarray, index: int, *, axis: int = 0, spacing_mm=None, window=None,
                 overlay: np.ndarray | None = None, alpha: float = 0.4, crosshair: tuple[float, float] | None = None,
                 **kwargs):
    """Draw one plane of a ``(z, y, x)`` volume, with an optional overlay and crosshair.

    Parameters
    ----------
    axes : matplotlib Axes
    volume : ndarray, (z, y, x)
    index : int
        Slice index along ``axis``.
    axis : {0, 1, 2}
        0 axial, 1 coronal, 2 sagittal.
    spacing_mm : (dz, dy, dx), optional
        Voxel spacing in mm.
    window : (center, width), optional
    overlay : ndarray, (z, y, x), optional
        A mask (bool) or heatmap (float) of the volume's shape, drawn with ``alpha``.
    crosshair : (row, col), optional
        Position in the displayed image's pixel coordinates.

    Returns
    -------
    matplotlib.image.AxesImage
        The anatomy image artist.
    """
    spacing = _plane_spacing(spacing_mm, axis)
    window = window or auto_window(volume)
    artist = render_image(axes, plane(volume, index, axis=axis), spacing_mm=spacing, window=window, **kwargs)
    if overlay is not None:
        draw_overlay(axes, plane(overlay, index, axis=axis), spacing_mm=spacing, alpha=alpha)
    if crosshair is not None:
        sy, sx = spacing or (1.0, 1.0)
        axes.axhline((crosshair[0] + 0.5) * sy, color="#E69F00", lw=0.8)
        axes.axvline((crosshair[1] + 0.5) * sx, color="#E69F00", lw=0.8)
    axes.set_title(f"{PLANES[axis]} slice {index}")
    return artist


def overlay_cmap(color=MASK_COLOR):
    """Return a two-colour map (transparent, ``color``: an RGB triple in 0..1) for drawing boolean masks."""
    from matplotlib.colors import ListedColormap

    return ListedColormap([(0, 0, 0, 0), (*color, 1.0)])


def draw_overlay(axes, layer: np.ndarray, *, spacing_mm=None, alpha: float = 0.4, cmap=None, **kwargs):
    """Draw a mask (bool: one colour) or heatmap (float: ``viridis``) over an image already on ``axes``.

    Parameters
    ----------
    axes : matplotlib Axes
        Holding an image drawn with the same ``spacing_mm`` (e.g. by :func:`render_image`).
    layer : ndarray, (rows, cols)
        Boolean mask, or float heatmap.
    spacing_mm : (row_mm, col_mm), optional
    alpha : float
        Opacity, 0..1.
    cmap : matplotlib colormap, optional
        Default :func:`overlay_cmap` for masks, ``viridis`` for heatmaps.
    **kwargs
        Passed to ``axes.imshow``.

    Returns
    -------
    matplotlib.image.AxesImage
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in 0..1, got {alpha}")
    extent = physical_extent(layer.shape, spacing_mm)
    if layer.dtype == bool:
        return axes.imshow(layer.astype(np.uint8), cmap=cmap or overlay_cmap(), vmin=0, vmax=1, alpha=alpha,
                           extent=extent, interpolation="nearest", **kwargs)
    return axes.imshow(layer, cmap=cmap or OVERLAY_CMAP, alpha=alpha, extent=extent, interpolation="nearest",
                       **kwargs)


def new_figure(ncols: int = 1, nrows: int = 1, *, size: float = 3.2):
    """Return ``(figure, axes)`` made without pyplot, so it is only shown when the caller displays it."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(size * ncols, size * nrows), layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=False)
    return figure, axes.ravel()


def figure_to_png(figure, *, dpi: int = 80) -> bytes:
    """Render a matplotlib Figure to PNG bytes."""
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _cleared_or_new_figure(figure, figsize: tuple[float, float]):
    """The caller's ``figure`` cleared, or a new pyplot figure (so the notebook's inline backend shows it)."""
    if figure is None:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=figsize, layout="constrained")
    figure.clear()
    return figure


def show_image(image: np.ndarray, *, spacing_mm=None, window=None, title: str | None = None, axes=None,
               colorbar: bool = False, units: str | None = None, **kwargs):
    """Show a 2D image with physical aspect ratio, a window, a title and an optional colour bar.

    Parameters
    ----------
    image : ndarray, (rows, cols) or (rows, cols, 3)
    spacing_mm : (row_mm, col_mm), optional
    window : (center, width), optional
    title : str, optional
    axes : matplotlib Axes, optional
        Draw here instead of a new figure.
    colorbar : bool
        Add a colour bar labelled with ``units``.
    units : str, optional
        Pixel value units (e.g. "HU") for the colour bar.
    **kwargs
        Passed to :func:`render_image` (e.g. ``invert=True``, ``cmap``).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``axes`` (a new one if ``axes`` was not given).
    """
    if axes is None:
        axes = _cleared_or_new_figure(None, (4.0, 4.0)).subplots()
    artist = render_image(axes, image, spacing_mm=spacing_mm, window=window, **kwargs)
    if title:
        axes.set_title(title)
    if colorbar:
        axes.figure.colorbar(artist, ax=axes, label=units or "")
    return axes.figure


def show_planes(volume: np.ndarray, *, spacing_mm=None, index: Sequence[int] | None = None, window=None,
                overlay=None, alpha: float = 0.4, title: str | None = None, figure=None):
    """Show the axial, coronal and sagittal planes through one voxel, with crosshairs.

    Parameters
    ----------
    volume : ndarray, (z, y, x)
    spacing_mm : (dz, dy, dx), optional
    index : (z, y, x), optional
        The voxel the planes pass through; default the centre.
    window : (center, width), optional
    overlay : ndarray, (z, y, x), optional
    title : str, optional
    figure : matplotlib Figure, optional
        Draw into this (cleared) figure, e.g. one made by :func:`new_figure` or a viewer's.

    Returns
    -------
    matplotlib.figure.Figure
        ``figure``, or a new one.
    """
    if volume.ndim != 3:
        raise ValueError(f"volume must be 3D (z, y, x), got shape {volume.shape}")
    z, y, x = index if index is not None else [s // 2 for s in volume.shape]
    nz = volume.shape[0]
    figure = _cleared_or_new_figure(figure, (11.0, 3.8))
    axes = figure.subplots(1, 3)
    window = window or auto_window(volume)
    # crosshair (row, col) in each displayed plane; coronal/sagittal rows are flipped (superior up)
    crosses = {0: (y, x), 1: (nz - 1 - z, x), 2: (nz - 1 - z, y)}
    for axis, idx in enumerate((z, y, x)):
        render_slice(axes[axis], volume, idx, axis=axis, spacing_mm=spacing_mm, window=window, overlay=overlay,
                     alpha=alpha, crosshair=crosses[axis])
    if title:
        figure.suptitle(title)
    return figure


def compare(images: Sequence[np.ndarray], titles: Sequence[str] | None = None, *, spacing_mm=None, window=None,
            suptitle: str | None = None, size: float = 3.5, figure=None, **kwargs):
    """Show images side by side with one shared window (so their grey levels are comparable).

    Parameters
    ----------
    images : sequence of ndarray, each (rows, cols) or (rows, cols, 3)
    titles : sequence of str, optional
    spacing_mm : (row_mm, col_mm), optional
        Shared pixel spacing.
    window : (center, width), optional
        Shared window; default from the first grayscale image.
    suptitle : str, optional
    size : float
        Panel size in inches.
    figure : matplotlib Figure, optional
        Draw into this (cleared) figure instead of a new one.
    **kwargs
        Passed to :func:`render_image`.

    Returns
    -------
    matplotlib.figure.Figure
        ``figure``, or a new one.
    """
    if not images:
        raise ValueError("compare() needs at least one image")
    titles = list(titles) if titles is not None else [""] * len(images)
    if len(titles) != len(images):
        raise ValueError(f"got {len(images)} images but {len(titles)} titles")
    grey = next((im for im in images if np.ndim(im) == 2), None)
    window = window or (auto_window(grey) if grey is not None else None)
    figure = _cleared_or_new_figure(figure, (size * len(images), size))
    axes = figure.subplots(1, len(images), squeeze=False)
    for ax, image, title in zip(axes.ravel(), images, titles, strict=True):
        render_image(ax, image, spacing_mm=spacing_mm, window=window, **kwargs)
        ax.set_title(title)
    if suptitle:
        figure.suptitle(suptitle)
    return figure


def montage(images: Sequence[np.ndarray], titles: Sequence[str] | None = None, *, ncols: int = 4,
            size: float = 2.6, suptitle: str | None = None, windows=None, figure=None, **kwargs):
    """Show many images in a grid, each with its own window (e.g. a gallery of samples).

    Parameters
    ----------
    images : sequence of ndarray, each (rows, cols) or (rows, cols, 3)
    titles : sequence of str, optional
    ncols : int
    windows : sequence of (center, width) or None, optional
        One window per image; default each image's own :func:`auto_window`.
    suptitle : str, optional
    figure : matplotlib Figure, optional
        Draw into this (cleared) figure instead of a new one.
    **kwargs
        Passed to :func:`render_image`.

    Returns
    -------
    matplotlib.figure.Figure
        ``figure``, or a new one.
    """
    n = len(images)
    if n == 0:
        raise ValueError("montage() needs at least one image")
    nrows = -(-n // ncols)
    figure = _cleared_or_new_figure(figure, (size * min(ncols, n), size * nrows))
    axes = figure.subplots(nrows, min(ncols, n), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        if i >= n:
            ax.axis("off")
            continue
        window = windows[i] if windows is not None else None
        render_image(ax, images[i], window=window, **kwargs)
        ax.set_title(titles[i] if titles is not None else "", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
    if suptitle:
        figure.suptitle(suptitle)
    return figure
