"""MRI for ``01_modalities.ipynb``: spin-echo contrast curves, k-space and motion ghosts, a TR/TE viewer.

- :func:`signal_vs_tr` and :func:`signal_vs_te`: the spin-echo equation of
  :func:`helpers.modalities.spin_echo_signal` swept over one timing parameter, one curve per tissue.
- :func:`to_kspace` / :func:`from_kspace`: an MR image and its k-space (centred 2D discrete Fourier transform).
- :func:`motion_ghost`: a shift of the patient during some phase-encode lines, written into k-space.
- :func:`ghost_energy_outside`: where the error energy of a corrupted image lies, along each axis.
- :class:`SpinEchoViewer`: TR and TE sliders over :func:`helpers.modalities.synthesise_spin_echo`.

Images are ``(y, x)`` arrays: rows (axis 0) are the phase-encode direction, columns (axis 1) the read-out
direction, so one k-space row (one ``ky``) is one phase-encode line, recorded after one excitation.
Nothing here prints; randomness is seeded.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from . import modalities as mod
from .widgets import Viewer, float_slider

__all__ = ["signal_vs_tr", "signal_vs_te", "to_kspace", "from_kspace", "motion_ghost", "ghost_energy_outside",
           "spin_echo_pair", "SpinEchoViewer"]


def _tissues(tissues):
    tissues = mod.RELAXATION_3T if tissues is None else tissues
    if not tissues:
        raise ValueError("tissues is empty; pass a mapping name -> (PD, T1 ms, T2 ms)")
    return tissues


def signal_vs_tr(tr_ms, *, te_ms: float, tissues: Mapping[str, tuple[float, float, float]] | None = None
                 ) -> dict[str, np.ndarray]:
    """Spin-echo signal of each tissue as a function of the repetition time, at a fixed echo time.

    Parameters
    ----------
    tr_ms : ndarray, (n,)
        Repetition times in ms (> 0).
    te_ms : float
        Echo time in ms (>= 0).
    tissues : mapping name -> (PD, T1 ms, T2 ms), optional
        Default :data:`helpers.modalities.RELAXATION_3T` (grey matter, white matter, CSF at 3 T).

    Returns
    -------
    dict name -> ndarray, (n,), float64
        ``PD·(1 − e^(−TR/T1))·e^(−TE/T2)`` per tissue.

    Examples
    --------
    >>> curves = signal_vs_tr(np.array([500.0, 10_000.0]), te_ms=10)
    >>> bool(curves["wm"][0] > curves["csf"][0]), bool(curves["csf"][1] > curves["wm"][1])
    (True, True)
    """
    tr = np.asarray(tr_ms, dtype=np.float64)
    if tr.size == 0 or np.any(tr <= 0):
        raise ValueError("tr_ms must be a non-empty array of repetition times > 0 ms")
    out = {}
    for name, (pd, t1, t2) in _tissues(tissues).items():  # the TR term for an array of TR, one tissue at a time
        at_long_tr = float(mod.spin_echo_signal(pd, t1, t2, tr_ms=np.inf, te_ms=te_ms))  # PD·e^(−TE/T2)
        out[name] = at_long_tr * (1.0 - np.exp(-tr / float(t1)))
    return out


def signal_vs_te(te_ms, *, tr_ms: float, tissues: Mapping[str, tuple[float, float, float]] | None = None
                 ) -> dict[str, np.ndarray]:
    """Spin-echo signal of each tissue as a function of the echo time, at a fixed repetition time.

    Parameters
    ----------
    te_ms : ndarray, (n,)
        Echo times in ms (>= 0).
    tr_ms : float
        Repetition time in ms (> 0).
    tissues : mapping name -> (PD, T1 ms, T2 ms), optional
        Default :data:`helpers.modalities.RELAXATION_3T`.

    Returns
    -------
    dict name -> ndarray, (n,), float64
        The signal per tissue; it decays with each tissue's T2.
    """
    te = np.asarray(te_ms, dtype=np.float64)
    if te.size == 0 or np.any(te < 0):
        raise ValueError("te_ms must be a non-empty array of echo times >= 0 ms")
    if not float(tr_ms) > 0:
        raise ValueError(f"tr_ms must be > 0, got {tr_ms}")
    out = {}
    for name, (pd, t1, t2) in _tissues(tissues).items():  # e^(−TE/T2) for an array of TE, one tissue at a time
        out[name] = float(mod.spin_echo_signal(pd, t1, t2, tr_ms=tr_ms, te_ms=0.0)) * np.exp(-te / float(t2))
    return out


def _image2d(image, name="image") -> np.ndarray:
    arr = np.asarray(image)
    if arr.ndim != 2 or min(arr.shape) < 2:
        raise ValueError(f"{name} must be a 2D (y, x) array with at least 2 pixels per axis, got shape {arr.shape}")
    return arr


def to_kspace(image: np.ndarray) -> np.ndarray:
    """The k-space of a 2D image: its discrete Fourier transform with the centre (k = 0) in the middle.

    Parameters
    ----------
    image : ndarray, (ny, nx), float or complex

    Returns
    -------
    ndarray, (ny, nx), complex128
        ``fftshift(fft2(image))``: row ``ny // 2`` is ``ky = 0``, column ``nx // 2`` is ``kx = 0``.
    """
    return np.fft.fftshift(np.fft.fft2(_image2d(image)))


def from_kspace(kspace: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_kspace`: the complex image ``ifft2(ifftshift(kspace))``, (ny, nx) complex128."""
    return np.fft.ifft2(np.fft.ifftshift(_image2d(kspace, "kspace")))


def motion_ghost(image: np.ndarray, *, shift_px: tuple[float, float], fraction: float = 0.25,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Simulate a patient who lies shifted during some phase-encode lines: the image's motion ghosts.

    Parameters
    ----------
    image : ndarray, (ny, nx), float
        The motion-free image (rows = phase-encode direction).
    shift_px : (dy, dx)
        Displacement of the patient during the corrupted lines, in pixels (any direction).
    fraction : float
        Fraction of the phase-encode lines (k-space rows) recorded while shifted, in (0, 1).
    seed : int
        Seed of which lines are corrupted.

    Returns
    -------
    corrupted : ndarray, (ny, nx), float64
        Magnitude of the image reconstructed from the mixed k-space.
    lines : ndarray, (n,), int
        Indices of the corrupted k-space rows.

    Notes
    -----
    A shift by ``d`` multiplies k-space by ``exp(−2πi k·d)`` (the Fourier shift theorem). Each phase-encode line is
    recorded after its own excitation, at its own time, so motion corrupts whole rows of k-space: the error is
    smooth along ``kx`` but jumps from row to row along ``ky``, which spreads it along y, the phase-encode
    direction, across the whole field of view ("ghosts"), while along x it stays where the object is.
    """
    image = _image2d(image).astype(np.float64)
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    if len(shift_px) != 2:
        raise ValueError(f"shift_px must be (dy, dx) in pixels, got {shift_px}")
    ny, nx = image.shape
    rng = np.random.default_rng(seed)
    lines = np.sort(rng.choice(ny, size=max(1, round(fraction * ny)), replace=False))
    ky = np.fft.fftshift(np.fft.fftfreq(ny))[:, None]  # cycles per pixel
    kx = np.fft.fftshift(np.fft.fftfreq(nx))[None, :]
    k = to_kspace(image)
    phase = np.exp(-2j * np.pi * (ky * shift_px[0] + kx * shift_px[1]))
    k[lines] *= phase[lines]  # these rows were recorded while the patient lay shifted
    return np.abs(from_kspace(k)), lines


def ghost_energy_outside(error: np.ndarray, support: np.ndarray, *, margin_px: int = 0) -> dict[str, float]:
    """Fraction of an error image's energy outside the object's extent, along each axis.

    Parameters
    ----------
    error : ndarray, (ny, nx)
        Corrupted minus clean image.
    support : ndarray, (ny, nx), bool
        Where the object is.
    margin_px : int
        Extra pixels around the object's extent that still count as "inside" (e.g. the size of the shift).

    Returns
    -------
    dict
        ``"y"``: share of the energy in rows beyond the object's first/last row (± margin);
        ``"x"``: share in columns beyond its first/last column (± margin). Ghosts of motion lie along the
        phase-encode direction, so ``y`` is large and ``x`` near 0.
    """
    error, support = _image2d(error), _image2d(support, "support").astype(bool)
    if error.shape != support.shape or not support.any():
        raise ValueError(f"support must be a non-empty mask of the error's shape {error.shape}, "
                         f"got {support.shape}")
    energy = np.abs(error) ** 2
    total = energy.sum()
    if total == 0:
        return {"y": 0.0, "x": 0.0}
    out = {}
    for axis, name in ((0, "y"), (1, "x")):
        occupied = np.flatnonzero(support.any(axis=1 - axis))
        lo, hi = occupied[0] - margin_px, occupied[-1] + margin_px
        index = np.arange(error.shape[axis])
        outside = (index < lo) | (index > hi)
        out[name] = float(energy.sum(axis=1 - axis)[outside].sum() / total)
    return out


def spin_echo_pair(fractions: Mapping[str, np.ndarray], *, tr_ms: float, te_ms: float,
                   tissues: Mapping[str, tuple[float, float, float]] | None = None) -> dict:
    """The state a TR/TE sweep shows: the synthetic image and each pure tissue's mean signal.

    Parameters
    ----------
    fractions : mapping name -> ndarray
        Tissue fraction maps (as for :func:`helpers.modalities.synthesise_spin_echo`), any shape.
    tr_ms, te_ms : float
        Repetition and echo time (ms), ``0 <= TE < TR``.
    tissues : mapping, optional
        Relaxation values (default :data:`helpers.modalities.RELAXATION_3T`).

    Returns
    -------
    dict
        ``image`` (float32, the maps' shape); ``means`` (tissue -> mean signal in voxels ≥ 90 % that tissue);
        ``order`` (tissue names from brightest to darkest).
    """
    if not 0 <= te_ms < tr_ms:
        raise ValueError(f"need 0 <= TE < TR (the echo comes before the next excitation), got TR={tr_ms}, "
                         f"TE={te_ms}")
    image = mod.synthesise_spin_echo(fractions, tr_ms=tr_ms, te_ms=te_ms, tissues=tissues)
    means = {}
    for name, fraction in fractions.items():
        pure = np.asarray(fraction) > 0.9
        means[name] = float(image[pure].mean()) if pure.any() else float("nan")
    order = sorted(means, key=lambda n: -means[n])
    return {"image": image, "means": means, "order": order}


class SpinEchoViewer(Viewer):
    """TR and TE sliders over a synthetic spin-echo slice, with each tissue's mean signal as bars.

    Parameters
    ----------
    fractions : mapping name -> ndarray, (y, x)
        Tissue fraction maps of one slice (e.g. ``{"gm": gm[50], "wm": wm[50], "csf": csf[50]}``).
    tr_ms, te_ms : float
        Starting repetition and echo time (ms).
    spacing_mm : (dy, dx), optional
        Pixel size, for the aspect ratio.

    Notes
    -----
    Every redraw calls :func:`spin_echo_pair`, a pure function, so what the sliders show is unit-tested without a
    browser; :attr:`state` holds its last result.
    """

    figure_size = (8.0, 3.6)

    def __init__(self, fractions, *, tr_ms: float = 500.0, te_ms: float = 15.0, spacing_mm=None):
        super().__init__()
        self.fractions = {k: np.asarray(v, np.float32) for k, v in fractions.items()}
        if any(v.ndim != 2 for v in self.fractions.values()):
            raise ValueError("SpinEchoViewer shows one slice: pass 2D (y, x) fraction maps")
        self.spacing_mm = spacing_mm
        self.tr = float_slider("TR (ms)", tr_ms, 100.0, 8000.0)
        self.te = float_slider("TE (ms)", te_ms, 5.0, 300.0)
        self.state: dict = {}
        self.watch(self.tr, self.te)
        self.redraw()

    def render(self, figure) -> None:
        from . import viz

        te = min(self.te.value, 0.9 * self.tr.value)  # the echo must come before the next excitation
        self.state = spin_echo_pair(self.fractions, tr_ms=self.tr.value, te_ms=te)
        ax_image, ax_bars = figure.subplots(1, 2, width_ratios=(1.3, 1))
        viz.render_image(ax_image, self.state["image"], spacing_mm=self.spacing_mm, window=(0.4, 0.8))
        ax_image.set_title(f"Synthetic spin echo, TR {self.tr.value:.0f} ms, TE {te:.0f} ms", fontsize=9)
        names = list(self.state["means"])
        ax_bars.bar(names, [self.state["means"][n] for n in names], color=["#0072B2", "#E69F00", "#009E73"][
            :len(names)])
        ax_bars.set(ylim=(0, 1), ylabel="mean signal (× PD of water)",
                    title="Brightest first: " + " > ".join(self.state["order"]))
        ax_bars.title.set_fontsize(9)
