"""CT sweeps for ``01_modalities.ipynb``: reconstruction error against views and arc, and a viewer over it.

- :func:`fbp_sweep`: scan a slice with ``n_views`` over ``arc_deg`` and reconstruct it by filtered
  back-projection (:func:`helpers.modalities.ct_scan`, :func:`helpers.modalities.fbp`); return the image in HU
  and its error against the truth.
- :func:`slices_per_study`: how many reconstructed images thin slices over a long coverage produce.
- :class:`FBPViewer`: sliders for the number of views and the arc, over :func:`fbp_sweep`.
"""

from __future__ import annotations

import math

import numpy as np

from . import modalities as mod
from .widgets import Viewer, int_slider

__all__ = ["fbp_sweep", "slices_per_study", "FBPViewer"]


def fbp_sweep(mu_per_pixel: np.ndarray, hu_true: np.ndarray, *, n_views: int, arc_deg: float, pixel_cm: float
              ) -> dict:
    """Scan a slice with ``n_views`` angles over ``arc_deg`` degrees, reconstruct by FBP, and score it in HU.

    Parameters
    ----------
    mu_per_pixel : ndarray, (N, N)
        Attenuation per pixel (μ in cm⁻¹ × pixel size in cm), zero outside the inscribed circle.
    hu_true : ndarray, (N, N)
        The same slice in HU (the truth the reconstruction is scored against).
    n_views : int
        Number of projection angles (>= 1).
    arc_deg : float
        Angular range of the scan, degrees (0 < arc <= 360; 180 is complete for parallel beams).
    pixel_cm : float
        Pixel size in cm, to turn the reconstruction back into μ in cm⁻¹ and then HU.

    Returns
    -------
    dict
        ``hu`` (the reconstruction in HU, (N, N)); ``rmse_hu`` (against ``hu_true``); ``n_views``; ``arc_deg``.
    """
    mu_per_pixel, hu_true = np.asarray(mu_per_pixel), np.asarray(hu_true)
    if mu_per_pixel.shape != hu_true.shape:
        raise ValueError(f"mu_per_pixel {mu_per_pixel.shape} and hu_true {hu_true.shape} must have the same shape")
    if not 0 < arc_deg <= 360:
        raise ValueError(f"arc_deg must be in (0, 360], got {arc_deg}")
    sinogram, theta = mod.ct_scan(mu_per_pixel, n_views=n_views, arc_deg=arc_deg)
    hu = mod.mu_to_hu(mod.fbp(sinogram, theta) / mod._positive(pixel_cm, "pixel_cm"))
    return {"hu": hu, "rmse_hu": mod.rmse(hu, hu_true), "n_views": int(n_views), "arc_deg": float(arc_deg)}


def slices_per_study(coverage_mm: float, *, increment_mm: float, n_phases: int = 1, n_kernels: int = 1) -> int:
    """Number of axial images a CT study reconstructs.

    Parameters
    ----------
    coverage_mm : float
        Length of the body scanned (z), mm.
    increment_mm : float
        Distance between reconstructed slices, mm (thin: 0.5–1 mm; overlapping when smaller than the thickness).
    n_phases : int
        Contrast phases scanned (e.g. non-contrast, arterial, portal venous = 3).
    n_kernels : int
        Reconstructions of each phase (e.g. a soft-tissue and a lung kernel = 2).

    Returns
    -------
    int
        ``(floor(coverage / increment) + 1) · phases · kernels``.

    Examples
    --------
    >>> slices_per_study(500, increment_mm=5)
    101
    """
    coverage, step = mod._positive(coverage_mm, "coverage_mm"), mod._positive(increment_mm, "increment_mm")
    if int(n_phases) < 1 or int(n_kernels) < 1:
        raise ValueError(f"n_phases and n_kernels must be >= 1, got {n_phases}, {n_kernels}")
    return (math.floor(coverage / step + 1e-9) + 1) * int(n_phases) * int(n_kernels)


class FBPViewer(Viewer):
    """Sliders for the number of projection angles and the arc they cover, over :func:`fbp_sweep`.

    Parameters
    ----------
    mu_per_pixel, hu_true, pixel_cm
        As in :func:`fbp_sweep`.
    n_views, arc_deg : int
        Starting values.
    window : (center, width)
        Display window in HU.

    Notes
    -----
    :attr:`state` holds the last :func:`fbp_sweep` result (without the image), so tests read the RMSE the figure
    shows.
    """

    figure_size = (4.6, 4.4)

    def __init__(self, mu_per_pixel, hu_true, *, pixel_cm: float, n_views: int = 60, arc_deg: int = 180,
                 window=(0, 2000)):
        super().__init__()
        self.mu, self.hu_true, self.pixel_cm, self.window = mu_per_pixel, hu_true, pixel_cm, window
        self.n_views = int_slider("views", n_views, 2, 360)
        self.arc = int_slider("arc (°)", arc_deg, 10, 180, step=10)
        self.state: dict = {}
        self.watch(self.n_views, self.arc)
        self.redraw()

    def render(self, figure) -> None:
        from . import viz

        result = fbp_sweep(self.mu, self.hu_true, n_views=self.n_views.value, arc_deg=self.arc.value,
                           pixel_cm=self.pixel_cm)
        self.state = {k: v for k, v in result.items() if k != "hu"}
        ax = figure.subplots()
        viz.render_image(ax, result["hu"], window=self.window)
        ax.set_title(f"FBP, {result['n_views']} views over {result['arc_deg']:.0f}°: "
                     f"RMSE {result['rmse_hu']:.0f} HU", fontsize=9)
