"""Data augmentation for medical images with ``torchvision.transforms.v2``: joint image + mask transforms, two
pixel transforms torchvision lacks, per-image randomness for training batches, and a gallery widget.

Notebook 07 builds its transforms in plain sight (``v2.RandomAffine(...)``, ``v2.ElasticTransform(...)``); this
module holds the plumbing around them:

- :class:`RandomGamma` and :class:`RandomIntensity`: intensity transforms common in medical imaging (MR intensities
  have no fixed scale) that change the image and leave masks alone, like torchvision's own pixel transforms;
- :func:`augment_pair`: apply one transform to an image and its mask with the *same* random parameters
  (``tv_tensors.Image`` + ``tv_tensors.Mask``), seeded, numpy in and out;
- :func:`per_sample`: a batch augmenter for ``helpers.nets.train_classifier(augment=...)`` that draws new random
  parameters for every image (a v2 transform called on a whole batch tensor draws them once for the batch);
- :func:`random_flip_affine`: the same flips + affine changes as ``v2.RandomHorizontalFlip`` and
  ``v2.RandomAffine``, drawn per image for a whole batch in one resampling call (fast enough for many seeds);
- :class:`AugmentationGallery`: pick a transform and a seed, see an image and its mask augmented several times.

Randomness: torchvision's random transforms draw from torch's global generator. :func:`augment_pair` and the
gallery seed it inside ``torch.random.fork_rng`` so the caller's random stream is untouched; :func:`per_sample`
uses the global stream, which ``train_classifier(seed=...)`` seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import torch
from torchvision import tv_tensors
from torchvision.transforms import v2

from ._checks import check_range
from .widgets import Viewer, int_slider

__all__ = ["RandomGamma", "RandomIntensity", "augment_pair", "per_sample", "random_flip_affine", "draw_outline",
           "plot_seed_results", "AugmentationGallery"]


def _is_plain_tensor(x) -> bool:
    return type(x) is torch.Tensor


class _PixelTransform(v2.Transform):
    """Base of intensity-only transforms: images (and plain tensors) change; masks, boxes, labels pass through."""

    _transformed_types = (tv_tensors.Image, tv_tensors.Video, _is_plain_tensor)

    @staticmethod
    def _uniform(bounds: tuple[float, float]) -> float:
        lo, hi = bounds
        return float(torch.empty(()).uniform_(lo, hi))  # torch's global generator, like torchvision's transforms


class RandomGamma(_PixelTransform):
    """Random gamma curve ``y = lo + (hi - lo) * ((x - lo) / (hi - lo)) ** gamma`` per image (masks unchanged).

    ``lo`` and ``hi`` are the image's own minimum and maximum, so the intensity range is kept: gamma < 1 brightens
    the mid-tones, gamma > 1 darkens them (a different contrast between tissues, as between scanners or sequences).

    Parameters
    ----------
    gamma : (float, float), optional
        Range the exponent is drawn from (uniformly); both > 0.
    """

    def __init__(self, gamma: tuple[float, float] = (0.7, 1.5)):
        super().__init__()
        self.gamma = check_range("gamma", gamma, low=0.0, strict_low=True)

    def make_params(self, flat_inputs):
        return {"gamma": self._uniform(self.gamma)}

    def transform(self, inpt, params):
        lo = inpt.amin(dim=(-2, -1), keepdim=True)
        span = (inpt.amax(dim=(-2, -1), keepdim=True) - lo).clamp_min(1e-12)
        out = lo + span * ((inpt - lo) / span).clamp(0, 1) ** params["gamma"]
        return tv_tensors.wrap(out, like=inpt) if isinstance(inpt, tv_tensors.TVTensor) else out


class RandomIntensity(_PixelTransform):
    """Random linear intensity change ``y = a * x + b`` per image (masks unchanged), without clipping.

    Parameters
    ----------
    scale : (float, float), optional
        Range of the factor ``a`` (uniform).
    shift : (float, float), optional
        Range of the offset ``b`` (uniform), in the image's units.
    """

    def __init__(self, scale: tuple[float, float] = (0.8, 1.2), shift: tuple[float, float] = (-0.1, 0.1)):
        super().__init__()
        self.scale = check_range("scale", scale)
        self.shift = check_range("shift", shift)

    def make_params(self, flat_inputs):
        return {"scale": self._uniform(self.scale), "shift": self._uniform(self.shift)}

    def transform(self, inpt, params):
        out = inpt * params["scale"] + params["shift"]
        return tv_tensors.wrap(out, like=inpt) if isinstance(inpt, tv_tensors.TVTensor) else out


def augment_pair(image, mask=None, *, transform: Callable, seed: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """Apply one random transform to an image and its mask together (same rotation, shift, warp ...).

    Parameters
    ----------
    image : array, (H, W) float
        Grey image, e.g. in [0, 1].
    mask : array, (H, W) bool, optional
        Segmentation mask; geometric transforms move it with the image (nearest-neighbour, so it stays binary),
        pixel transforms (noise, gamma, blur ...) leave it unchanged.
    transform : callable
        A ``torchvision.transforms.v2`` transform (or ``v2.Compose``) that accepts ``(Image, Mask)``.
    seed : int, optional
        Seeds torch's generator for this call only (the caller's random stream is restored afterwards).

    Returns
    -------
    image : ndarray, (H, W) float32
    mask : ndarray, (H, W) bool, or None when no mask was given

    Examples
    --------
    >>> from torchvision.transforms import v2
    >>> img, m = augment_pair(np.eye(8, dtype=np.float32), np.eye(8, dtype=bool),
    ...                       transform=v2.RandomHorizontalFlip(p=1.0))
    >>> bool(m[0, 7])
    True
    """
    if not callable(transform):
        raise TypeError(f"transform must be a callable torchvision v2 transform, got {type(transform).__name__}")
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"image must be 2D (H, W), got shape {image.shape}")
    if not np.issubdtype(image.dtype, np.floating):
        raise TypeError(f"image must be a float array (e.g. scaled to [0, 1]), got {image.dtype}")
    if mask is not None and np.shape(mask) != image.shape:
        raise ValueError(f"mask shape {np.shape(mask)} differs from image shape {image.shape}")
    img_t = tv_tensors.Image(torch.from_numpy(image.astype(np.float32))[None])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        if mask is None:
            return transform(img_t)[0].numpy(), None
        out_img, out_mask = transform(img_t, tv_tensors.Mask(torch.from_numpy(np.asarray(mask, dtype=bool))[None]))
    return out_img[0].numpy(), out_mask[0].numpy().astype(bool)


class _PerSample:
    """Callable ``(B, C, H, W) -> (B, C, H, W)`` that transforms each image with its own random parameters."""

    def __init__(self, transform: Callable):
        self.transform = transform

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        if not isinstance(batch, torch.Tensor) or batch.ndim != 4:
            raise ValueError(f"expected a (B, C, H, W) tensor, got {getattr(batch, 'shape', type(batch))}")
        return torch.stack([self.transform(tv_tensors.Image(x)).as_subclass(torch.Tensor) for x in batch])

    def __repr__(self) -> str:
        return f"per_sample({self.transform!r})"


def per_sample(transform: Callable) -> Callable:
    """Wrap a transform so each image of a batch gets its own random parameters.

    A ``torchvision.transforms.v2`` transform called on a ``(B, C, H, W)`` tensor draws its random parameters once
    and applies them to all ``B`` images (one rotation for the whole batch). For training you want a different
    draw per image; this wrapper loops over the batch.

    Parameters
    ----------
    transform : callable
        A v2 transform for one ``(C, H, W)`` image.

    Returns
    -------
    callable
        ``augment(batch) -> batch`` for ``helpers.nets.train_classifier(augment=...)``; uses torch's global
        generator, which ``train_classifier(seed=...)`` seeds.
    """
    if not callable(transform):
        raise TypeError(f"transform must be callable, got {type(transform).__name__}")
    return _PerSample(transform)


def random_flip_affine(batch: torch.Tensor, *, degrees: float = 20.0, translate: float = 0.1,
                       scale: tuple[float, float] = (0.85, 1.15), flip: bool = True) -> torch.Tensor:
    """Random left/right flip, rotation, shift and scaling, drawn per image, for a whole batch at once.

    The batched counterpart of ``v2.Compose([v2.RandomHorizontalFlip(), v2.RandomAffine(degrees, (translate,
    translate), scale)])`` wrapped in :func:`per_sample`: the same kinds of random parameters, one set per image,
    applied by one bilinear resampling (``affine_grid`` + ``grid_sample``, zeros outside the image, like v2)
    instead of a Python loop over the images.

    Parameters
    ----------
    batch : Tensor, (B, C, H, W) float
        Images (not masks: the resampling is bilinear).
    degrees : float, optional
        Rotation angle drawn from ``[-degrees, degrees]``, in degrees.
    translate : float, optional
        Shift drawn from ``[-translate, translate]`` times the image width (and height), per axis.
    scale : (float, float), optional
        Zoom factor range (> 0).
    flip : bool, optional
        Mirror left/right with probability 0.5 first.

    Returns
    -------
    Tensor, (B, C, H, W)
        Uses torch's global generator (``train_classifier(seed=...)`` and ``multiseed.train_seeds`` seed it).

    Examples
    --------
    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> torch.equal(random_flip_affine(x, degrees=0, translate=0, scale=(1, 1), flip=False), x)
    True
    """
    if not isinstance(batch, torch.Tensor) or batch.ndim != 4 or not torch.is_floating_point(batch):
        raise ValueError(f"expected a float (B, C, H, W) tensor, got {getattr(batch, 'shape', type(batch))}")
    lo, hi = check_range("scale", scale, low=0.0, strict_low=True)
    if degrees < 0 or translate < 0:
        raise ValueError(f"degrees and translate must be >= 0, got {degrees!r} and {translate!r}")
    n = len(batch)
    angle = torch.deg2rad(torch.empty(n).uniform_(-degrees, degrees))
    zoom = torch.empty(n).uniform_(lo, hi)
    shift = torch.empty(n, 2).uniform_(-translate, translate) * 2  # normalised coordinates span [-1, 1]
    mirror = torch.where(torch.rand(n) < 0.5, -1.0, 1.0) if flip else torch.ones(n)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    # affine_grid maps output to input coordinates: undo the shift, then the rotation and zoom, then the flip
    theta = torch.stack([torch.stack([mirror * cos, mirror * sin], 1), torch.stack([-sin, cos], 1)], 1)
    theta = torch.cat([theta, -(theta @ shift[:, :, None])], dim=2)  # (n, 2, 3)
    grid = torch.nn.functional.affine_grid(theta.to(batch.dtype), list(batch.shape), align_corners=False)
    return torch.nn.functional.grid_sample(batch, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def draw_outline(axes, mask, *, spacing_mm=None, color=None, linewidth: float = 1.0):
    """Outline a boolean mask on an image drawn by ``helpers.viz`` (same pixel or mm coordinates, row 0 on top).

    Parameters
    ----------
    axes : matplotlib Axes
        Axes holding an image drawn by ``viz.render_image`` / ``viz.show_image`` / ``viz.compare``.
    mask : array, (H, W) bool
    spacing_mm : (row_mm, col_mm), optional
        The spacing the image was drawn with (``None``: pixel units).
    color : matplotlib color, optional
        Default ``viz.MASK_COLOR`` (bluish green, colour-blind-safe).
    linewidth : float, optional

    Returns
    -------
    matplotlib.contour.QuadContourSet or None
        None when the mask is empty (nothing to outline).
    """
    from . import viz

    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2D (H, W), got shape {mask.shape}")
    if not mask.any():
        return None
    dy, dx = (1.0, 1.0) if spacing_mm is None else (float(spacing_mm[0]), float(spacing_mm[1]))
    # contour levels sit at pixel centres: (index + 0.5) * spacing in render_image's extent
    rows, cols = (np.arange(n) + 0.5 for n in mask.shape)
    return axes.contour(cols * dx, rows * dy, mask.astype(float), levels=[0.5], colors=[color or viz.MASK_COLOR],
                        linewidths=linewidth)


def plot_seed_results(results: Mapping[str, object], *, ylabel: str = "test AUC", title: str | None = None,
                      axes=None):
    """Dot plot of a metric over seeds for several conditions: every run, plus mean ± standard deviation.

    Parameters
    ----------
    results : mapping of condition name -> sequence of float
        One value per seed, e.g. ``{"no augmentation": [0.71, 0.65, 0.72], "augmented": [...]}``.
    ylabel : str, optional
    title : str, optional
    axes : matplotlib Axes, optional
        Draw here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``axes`` (a new one if ``axes`` was not given).
    """
    import matplotlib.pyplot as plt

    if not results or any(len(np.atleast_1d(v)) == 0 for v in results.values()):
        raise ValueError("results must map each condition name to at least one value")
    if axes is None:
        _, axes = plt.subplots(figsize=(1.9 * len(results) + 2.5, 3.2), layout="constrained")
    for i, values in enumerate(results.values()):
        values = np.asarray(values, dtype=float)
        axes.plot(np.full(len(values), i - 0.08), values, "o", color="#0072B2", alpha=0.8,
                  label="one seed" if i == 0 else None)
        axes.errorbar(i + 0.12, values.mean(), yerr=values.std(), fmt="s", color="#D55E00", capsize=4,
                      label="mean ± SD" if i == 0 else None)
    axes.set(xticks=range(len(results)), xticklabels=list(results), xlim=(-0.6, len(results) - 0.4), ylabel=ylabel)
    if title:
        axes.set_title(title)
    axes.legend(fontsize=8)
    return axes.figure


class AugmentationGallery(Viewer):
    """An image (and mask) with several random draws of a chosen transform; pick the transform and the seed.

    Parameters
    ----------
    image : array, (H, W) float
    transforms : mapping of name -> v2 transform
        Offered in a drop-down.
    mask : array, (H, W) bool, optional
        Drawn as an outline on every panel, so you can see it move with the image.
    n : int, optional
        Number of augmented copies (besides the original).
    seed : int, optional
        Initial seed (slider 0..99); copy ``k`` uses seed ``seed * 1000 + k``.
    window : (center, width), optional
        Shared grey window; default the original's 2nd-98th percentile, so intensity changes stay visible.
    title : str, optional

    Notes
    -----
    Like the viewers in :mod:`helpers.widgets`, it renders a PNG on every change and leaves a static figure when no
    front end is attached. Tests set ``gallery.transform.value`` / ``gallery.seed.value`` and read ``state``.
    """

    def __init__(self, image, transforms: Mapping[str, Callable], *, mask=None, n: int = 5, seed: int = 0,
                 window=None, title: str | None = None):
        super().__init__()
        import ipywidgets as w

        from . import viz

        image = np.asarray(image, dtype=np.float32)
        if image.ndim != 2:
            raise ValueError(f"image must be 2D (H, W), got shape {image.shape}")
        if mask is not None and np.shape(mask) != image.shape:
            raise ValueError(f"mask shape {np.shape(mask)} differs from image shape {image.shape}")
        if not transforms:
            raise ValueError("transforms must name at least one transform, e.g. {'rotate': v2.RandomRotation(20)}")
        if not isinstance(n, int) or not 1 <= n <= 11:
            raise ValueError(f"n must be an int from 1 to 11, got {n!r}")
        self.image, self.mask, self.n, self.title = image, mask, n, title
        self.transforms = dict(transforms)
        self.window = window or viz.auto_window(image)
        self.transform = w.Dropdown(options=list(self.transforms), description="transform")
        self.seed = int_slider("seed", seed, 0, 99)
        self.watch(self.transform, self.seed)
        self.redraw()

    @property
    def figure_size(self):
        """One 1.9-inch panel per image shown."""
        return (1.9 * (self.n + 1), 2.3)

    @property
    def state(self) -> dict:
        """The current choice: transform name and seed."""
        return {"transform": self.transform.value, "seed": self.seed.value}

    def augmented(self) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """The ``n`` (image, mask) pairs currently shown."""
        transform = self.transforms[self.transform.value]
        return [augment_pair(self.image, self.mask, transform=transform, seed=self.seed.value * 1000 + k)
                for k in range(self.n)]

    def render(self, figure) -> None:
        from . import viz

        axes = figure.subplots(1, self.n + 1)
        panels = [(self.image, self.mask, "original")]
        panels += [(im, m, f"draw {k + 1}") for k, (im, m) in enumerate(self.augmented())]
        for ax, (im, m, label) in zip(axes, panels, strict=True):
            viz.render_image(ax, im, window=self.window)
            if m is not None:
                draw_outline(ax, m)
            ax.set_title(label, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel("")
            ax.set_ylabel("")
        figure.suptitle(f"{self.title + ': ' if self.title else ''}{self.transform.value} (seed {self.seed.value})",
                     fontsize=10)
