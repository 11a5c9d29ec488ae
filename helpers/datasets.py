"""Teaching datasets built from real anatomy, deterministic for a seed.

The anatomy is real: axial slices of the MNI152 T1 template and its grey/white-matter maps
(:func:`helpers.data.load_sample`), and the scikit-image immunohistochemistry image. What is added is
simulated, with exact ground truth: lesions (masks, areas, a "malignant-like" attribute), scanner effects,
lesion growth over time and "tumour" regions in a slide-like mosaic. Figures made from these data should say
"synthetic".

Everything is numpy first (``np.random.default_rng(seed)``: the same seed gives identical arrays, another seed
different ones); :func:`to_torch` wraps arrays as a ``torch.utils.data.TensorDataset`` and is the only
function that imports torch. MedMNIST (real, optional, downloaded only on request) is re-exported from
:mod:`helpers.download`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from helpers._checks import check_range
from helpers.data import load_sample
from helpers.download import download_medmnist, load_medmnist

__all__ = [
    "LesionSet",
    "TissueSet",
    "LongitudinalSet",
    "MILSet",
    "SCANNERS",
    "lesion_slices",
    "lesion_features",
    "apply_scanner",
    "tissue_patches",
    "longitudinal_series",
    "mil_bags",
    "to_torch",
    "download_medmnist",
    "load_medmnist",
]

_FOV_MM = 192.0  # square field of view of lesion slices: the whole MNI brain fits (AP extent ~180 mm)
_Z_RANGE = (32, 66)  # template slice indices used (2 mm voxels, z = 2k - 72 mm): from -8 mm to +60 mm MNI
_NOISE_SD = 0.02  # Rician noise of the reference scanner, in normalised units
_WM_LEVEL = 0.85  # typical white-matter value of the nilearn template (median of p(WM) > 0.6 voxels)
_SCALE = 1.5  # raw template-plus-lesion values are divided by this so images stay ~[0, 1]


# ------------------------------------------------------------------------------------------------ containers
@dataclass
class LesionSet:
    """Axial brain slices with and without a simulated lesion (exact masks).

    Attributes
    ----------
    images : (n, size, size) float32, intensities ~[0, 1]
    masks : (n, size, size) bool, exact lesion masks (all False for label 0)
    labels : (n,) int64, 1 = has a lesion
    area_mm2 : (n,) float64, lesion area (mask pixels × pixel area; 0 for negatives)
    centers : (n, 2) float64, lesion centre (row, col) in pixels, NaN for negatives
    malignant : (n,) int64, 1 = malignant-like, 0 = benign-like, -1 for negatives
    spacing_mm : (float, float), pixel size
    scanner : str, key of :data:`SCANNERS`
    seed : int
    radius_mm : (n,) float64, nominal lesion radius (NaN for negatives)
    contrast : (n,) float64, lesion brightness above white matter, template units (NaN for negatives)
    slice_index : (n,) int64, template slice (2 mm voxel index along z) each image comes from
    """

    images: np.ndarray
    masks: np.ndarray
    labels: np.ndarray
    area_mm2: np.ndarray
    centers: np.ndarray
    malignant: np.ndarray
    spacing_mm: tuple[float, float]
    scanner: str
    seed: int
    radius_mm: np.ndarray = field(repr=False, default=None)
    contrast: np.ndarray = field(repr=False, default=None)
    slice_index: np.ndarray = field(repr=False, default=None)

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class TissueSet:
    """Small axial T1 patches labelled by the tissue at their centre.

    Attributes
    ----------
    images : (n, patch, patch) float32, ~[0, 1]
    labels : (n,) int64, 0 = CSF, 1 = GM, 2 = WM
    class_names : tuple of str
    centers_zyx : (n, 3) int64, voxel index of the patch centre in the 2 mm template
    spacing_mm : (float, float)
    seed : int
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    centers_zyx: np.ndarray
    spacing_mm: tuple[float, float]
    seed: int

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class LongitudinalSet:
    """One subject's slice at several time points while a lesion grows or shrinks.

    Attributes
    ----------
    images : (t, size, size) float32
    masks : (t, size, size) bool, exact lesion masks
    area_mm2 : (t,) float64, lesion area
    brain_area_mm2 : (t,) float64, brain area in the slice (for normalisation)
    times_months : (t,) float64
    radius_mm : (t,) float64, nominal lesion radius
    spacing_mm : (float, float)
    seed : int
    """

    images: np.ndarray
    masks: np.ndarray
    area_mm2: np.ndarray
    brain_area_mm2: np.ndarray
    times_months: np.ndarray
    radius_mm: np.ndarray
    spacing_mm: tuple[float, float]
    seed: int


@dataclass
class MILSet:
    """Bags of RGB patches from a slide-like IHC mosaic with simulated "tumour" regions.

    Attributes
    ----------
    bags : (n_bags, bag_size, patch, patch, 3) float32 RGB in [0, 1]
    bag_labels : (n_bags,) int64, 1 = the bag holds at least one tumour patch
    instance_labels : (n_bags, bag_size) int64, hidden truth per patch (1 = tumour)
    positions : (n_bags, bag_size, 2) int64, (row, col) of each patch's top-left corner in `slide`
    slide : (H, W, 3) float32, the mosaic the patches come from
    tumour_mask : (H, W) bool, where tumour was simulated
    seed : int
    """

    bags: np.ndarray
    bag_labels: np.ndarray
    instance_labels: np.ndarray
    positions: np.ndarray
    slide: np.ndarray
    tumour_mask: np.ndarray
    seed: int


# ------------------------------------------------------------------------------------------------ validation
def _check_int(value, name: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return int(value)


def _check_fraction(value, name: str) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return value


# ---------------------------------------------------------------------------------------------- anatomy bank
_ANGLES_DEG = (-12.0, -8.0, -4.0, 0.0, 4.0, 8.0, 12.0)  # in-plane head rotations pre-computed in the bank


@functools.lru_cache(maxsize=2)
def _slice_bank(size: int) -> dict[str, np.ndarray]:
    """Axial template slices resampled to a size×size grid (spacing _FOV_MM/size) centred on the brain.

    Returns ``t1`` (A, S, size+2p, size+2p) float32 in 0..1 and ``dist`` (same shape, distance in pixels to
    the outside of the brain), one per rotation angle A and slice S, zero-padded by ``pad`` pixels so that a
    shifted size×size window is a plain crop; ``z`` holds the template slice indices.
    """
    from scipy import ndimage as ndi

    t1, _ = load_sample("mri_brain_t1")
    mask, meta = load_sample("mri_brain_mask")
    vox = meta.spacing_mm[1]
    rows, cols = np.nonzero(mask.any(axis=0))
    cy, cx = rows.mean(), cols.mean()
    pad = int(np.ceil(3 * size / 64)) + 1
    spacing = _FOV_MM / size
    grid = (np.arange(-pad, size + pad) - (size - 1) / 2) * spacing / vox
    yy, xx = np.meshgrid(grid, grid, indexing="ij")
    z = np.arange(_Z_RANGE[0], _Z_RANGE[1] + 1)
    t1_out, dist_out = [], []
    for deg in _ANGLES_DEG:
        a = np.deg2rad(deg)
        ys = np.cos(a) * yy - np.sin(a) * xx + cy  # sample the template on a rotated grid
        xs = np.sin(a) * yy + np.cos(a) * xx + cx
        t1_a, dist_a = [], []
        for k in z:
            t1_a.append(ndi.map_coordinates(t1[k], [ys, xs], order=1, cval=0.0))
            m = ndi.map_coordinates(mask[k].astype(np.float32), [ys, xs], order=1, cval=0.0) > 0.5
            dist_a.append(ndi.distance_transform_edt(m))
        t1_out.append(t1_a)
        dist_out.append(dist_a)
    bank = {
        "t1": np.asarray(t1_out, np.float32),
        "dist": np.asarray(dist_out, np.float32),
        "z": z,
        "pad": np.int64(pad),
    }
    for v in bank.values():
        v.setflags(write=False)
    return bank


def _crop(stack: np.ndarray, a: np.ndarray, k: np.ndarray, dy: np.ndarray, dx: np.ndarray, size: int):
    """Windows ``stack[a, k, dy:dy+size, dx:dx+size]`` for every item, as one gather; (n, size, size)."""
    full = stack.shape[-1]
    base = (a * stack.shape[1] + k) * full * full + dy * full + dx
    offs = (np.arange(size)[:, None] * full + np.arange(size)[None, :]).astype(np.int64)
    return stack.reshape(-1).take(base[:, None, None] + offs)


def _anatomy(n: int, size: int, rng: np.random.Generator):
    """Random slice level, rotation and shift for n images: (t1, dist, slice indices)."""
    bank = _slice_bank(size)
    pad = int(bank["pad"])
    a = rng.integers(0, len(_ANGLES_DEG), n)
    k = rng.integers(0, len(bank["z"]), n)
    dy, dx = rng.integers(0, 2 * pad + 1, (2, n))
    return _crop(bank["t1"], a, k, dy, dx, size), _crop(bank["dist"], a, k, dy, dx, size), bank["z"][k]


def _move(images: np.ndarray, angle_deg: np.ndarray, shift: np.ndarray, order: int = 1) -> np.ndarray:
    """Rotate about the centre and shift (pixels, (row, col)) each image; zero outside. (n, h, w) float32."""
    from scipy import ndimage as ndi

    out = np.empty(images.shape, np.float32)
    centre = (np.array(images.shape[1:]) - 1) / 2
    for i, img in enumerate(images):
        a = np.deg2rad(angle_deg[i])
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        offset = centre - rot @ (centre + shift[i])  # output pixel o samples input rot @ o + offset
        out[i] = ndi.affine_transform(img, rot, offset=offset, order=order, cval=0.0)
    return out


def _rician(image: np.ndarray, sd: float, rng: np.random.Generator) -> np.ndarray:
    """Magnitude of the image plus complex Gaussian noise (MRI magnitude images are Rician); float32."""
    if sd <= 0:
        return image.astype(np.float32)
    real = image + np.float32(sd) * rng.standard_normal(image.shape, dtype=np.float32)
    imag = np.float32(sd) * rng.standard_normal(image.shape, dtype=np.float32)
    return np.sqrt(real * real + imag * imag)


def _bias_fields(n: int, h: int, w: int, amplitude: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Smooth multiplicative fields 1 + a·(linear + quadratic ramp), one per image; (n, h, w) float32."""
    y = np.linspace(-1, 1, h, dtype=np.float32)[None, :, None]
    x = np.linspace(-1, 1, w, dtype=np.float32)[None, None, :]
    phi = rng.uniform(0, 2 * np.pi, n).astype(np.float32)[:, None, None]
    quad = rng.uniform(-0.5, 0.5, n).astype(np.float32)[:, None, None]
    ramp = np.cos(phi) * x + np.sin(phi) * y + quad * (x * x + y * y - 0.66)
    return (1.0 + amplitude.astype(np.float32)[:, None, None] * ramp).astype(np.float32)


# ------------------------------------------------------------------------------------------------- lesions
def _lesion_params(malignant_like: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Shape and enhancement of each lesion, driven by a hidden "aggressiveness" (higher if malignant)."""
    m = len(malignant_like)
    latent = rng.normal(np.where(malignant_like, 1.0, -1.0), 1.0)
    irregular = np.clip(0.04 + 0.05 * (latent + 0.8 * rng.normal(size=m)), 0.0, 0.3)
    n_harm = 4
    return {
        "latent": latent,
        "irregularity": irregular,
        "elong": 1.0 + np.abs(rng.normal(0, 0.25, m)),
        "theta0": rng.uniform(0, np.pi, m),
        "harm_amp": irregular[:, None] * rng.uniform(0.3, 1.0, (m, n_harm)) / np.arange(1, n_harm + 1) ** 0.5,
        "harm_phase": rng.uniform(0, 2 * np.pi, (m, n_harm)),
        "rim": np.clip(0.45 + 0.3 * (latent + rng.normal(size=m)), 0.0, 1.0),
    }


def _draw_lesions(
    base: np.ndarray,
    centers: np.ndarray,
    radius_px: np.ndarray,
    contrast: np.ndarray,
    params: dict[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Paint one lesion into each image of `base` (m, h, w), in template units; returns (images, masks).

    The outline is r(θ) = R (1 + Σ_k a_k cos(kθ + φ_k)), k = 2..5, on an ellipse of elongation e; pixel
    centres with ρ ≤ r(θ) form the exact mask. Work is done in a window around each lesion only.
    """
    m, h, w = base.shape
    reach = radius_px * np.sqrt(params["elong"]) * (1 + params["harm_amp"].sum(axis=1))
    half = int(np.ceil(reach.max())) + 1
    win = 2 * half + 1
    top = np.round(centers).astype(np.int64) - half  # window origin in image coordinates
    rows = top[:, 0, None] + np.arange(win)  # (m, win)
    cols = top[:, 1, None] + np.arange(win)
    dy = (rows - centers[:, 0, None])[:, :, None].astype(np.float32)
    dx = (cols - centers[:, 1, None])[:, None, :].astype(np.float32)
    c, s = np.cos(params["theta0"])[:, None, None], np.sin(params["theta0"])[:, None, None]
    e = np.sqrt(params["elong"])[:, None, None]
    u, v = (c * dx + s * dy) / e, (-s * dx + c * dy) * e
    theta = np.arctan2(v, u)
    boundary = np.ones_like(theta)
    for k in range(params["harm_amp"].shape[1]):
        boundary += params["harm_amp"][:, k, None, None] * np.cos(
            (k + 2) * theta + params["harm_phase"][:, k, None, None]
        )
    r = np.hypot(u, v) / (radius_px[:, None, None] * boundary)
    inside = (r <= 1.0) & (rows[:, :, None] >= 0) & (rows[:, :, None] < h) & (cols[:, None, :] >= 0)
    inside &= cols[:, None, :] < w
    # benign-like: homogeneous; malignant-like: darker core and an enhancing rim (ring enhancement)
    rim = params["rim"][:, None, None]
    profile = 1.0 - 0.2 * rim + 1.2 * rim * np.exp(-(((r - 0.8) / 0.22) ** 2))
    value = (_WM_LEVEL + contrast[:, None, None] * profile).astype(np.float32)
    images = base.copy()
    masks = np.zeros(base.shape, bool)
    i, yy, xx = np.nonzero(inside)
    ri, ci = rows[i, yy], cols[i, xx]
    images[i, ri, ci] = value[i, yy, xx]
    masks[i, ri, ci] = True
    return images, masks


def _choose_centers(dist: np.ndarray, radius_px: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random centre per image where the brain extends at least `radius_px` + 1.5 px around it; (m, 2)."""
    m, _, w = dist.shape
    centers = np.empty((m, 2))
    for i in range(m):
        cand = np.flatnonzero(dist[i] >= radius_px[i] + 1.5)
        if cand.size == 0:  # a very small brain section: fall back to its deepest point
            cand = np.array([int(np.argmax(dist[i]))])
        centers[i] = divmod(int(cand[rng.integers(cand.size)]), w)
    return centers + rng.uniform(-0.5, 0.5, (m, 2))


def lesion_slices(
    n: int = 2000,
    *,
    size: int = 64,
    positive_fraction: float = 0.5,
    radius_mm: tuple[float, float] = (4.0, 12.0),
    contrast: tuple[float, float] = (0.25, 0.6),
    scanner: str = "A",
    seed: int = 0,
) -> LesionSet:
    """Axial brain MRI slices, half of them with one simulated lesion, with exact masks.

    Each image is a real axial slice of the MNI152 T1 template (a random level between -8 and +60 mm MNI z),
    rotated (±12°), shifted (±3 px at 64 px), scaled in brightness (×0.8-1.2), multiplied by a smooth bias
    field and given Rician noise, so that neither the mean intensity nor the slice level gives the label away.
    Positive images get one bright lesion inside the brain: an ellipse with an irregular outline, of the
    given radius and contrast, blurred by the point-spread function. ``masks`` are the exact lesion pixels
    before blurring.

    Parameters
    ----------
    n : int, optional
        Number of images.
    size : int, optional
        Image side in pixels (16-256); the field of view is 192 mm, so the pixel size is 192/size mm.
    positive_fraction : float, optional
        Fraction of images with a lesion (exactly ``round(n * positive_fraction)``).
    radius_mm : (float, float), optional
        Range of nominal lesion radii in mm.
    contrast : (float, float), optional
        Range of lesion brightness above normal white matter (0.85 in template units, where the template
        spans 0..1), before the brightness, bias field and normalisation steps.
    scanner : {"A", "B"}, optional
        Acquisition domain, see :data:`SCANNERS` and :func:`apply_scanner`.
    seed : int, optional
        Same seed → identical dataset.

    Returns
    -------
    LesionSet

    Notes
    -----
    Among positives, half (rounded) are "malignant-like". A hidden aggressiveness score, higher on average for
    malignant-like lesions, raises the radius, the outline irregularity and the rim enhancement (darker core,
    brighter ring) together, with noise, so that simple measurements (area, intensity, irregularity) separate
    the two groups well but not perfectly.

    Examples
    --------
    >>> data = lesion_slices(200, seed=1)
    >>> data.images.shape, float(data.labels.mean())
    ((200, 64, 64), 0.5)
    """
    n = _check_int(n, "n", 1)
    size = _check_int(size, "size", 16, 256)
    pf = _check_fraction(positive_fraction, "positive_fraction")
    r_lo, r_hi = check_range("radius_mm", radius_mm, low=0.5, high=40.0)
    c_lo, c_hi = check_range("contrast", contrast, low=0.0, high=2.0)
    _check_scanner(scanner)
    seed = _check_int(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    spacing = _FOV_MM / size

    n_pos = int(round(n * pf))
    labels = np.zeros(n, np.int64)
    labels[rng.permutation(n)[:n_pos]] = 1
    images, dist, z = _anatomy(n, size, rng)
    pos = np.flatnonzero(labels)
    mal_pos = np.zeros(n_pos, bool)
    mal_pos[rng.permutation(n_pos)[: n_pos // 2]] = True
    malignant = np.full(n, -1, np.int64)
    malignant[pos] = mal_pos
    masks = np.zeros((n, size, size), bool)
    radius = np.full(n, np.nan)
    contrast_v = np.full(n, np.nan)
    centers = np.full((n, 2), np.nan)
    if n_pos:
        # malignant-like lesions tend to be larger: the radius quantile follows a noisy class-shifted score
        score = rng.normal(np.where(mal_pos, 0.6, -0.6), 1.0)
        radius[pos] = r_lo + (r_hi - r_lo) / (1.0 + np.exp(-1.3 * score))
        contrast_v[pos] = rng.uniform(c_lo, c_hi, n_pos)
        radius_px = radius[pos] / spacing
        params = _lesion_params(mal_pos, rng)
        reach_px = radius_px * np.sqrt(params["elong"]) * (1 + params["harm_amp"].sum(axis=1))
        centers[pos] = _choose_centers(dist[pos], reach_px, rng)  # the whole outline stays in the brain
        images[pos], masks[pos] = _draw_lesions(images[pos], centers[pos], radius_px, contrast_v[pos], params)
    images = _acquire(images, rng, psf_sigma_px=0.5 * size / 64)
    images = apply_scanner(images, scanner, seed=seed + 1)
    area = masks.sum(axis=(1, 2)) * spacing**2
    return LesionSet(
        images=images,
        masks=masks,
        labels=labels,
        area_mm2=area.astype(np.float64),
        centers=centers,
        malignant=malignant,
        spacing_mm=(spacing, spacing),
        scanner=scanner,
        seed=seed,
        radius_mm=radius,
        contrast=contrast_v,
        slice_index=z,
    )


def _acquire(raw: np.ndarray, rng: np.random.Generator, *, psf_sigma_px: float) -> np.ndarray:
    """Reference acquisition: blur (PSF), brightness, bias field, normalisation, Rician noise; float32."""
    from scipy import ndimage as ndi

    n, h, w = raw.shape
    img = ndi.gaussian_filter(raw, sigma=(0, psf_sigma_px, psf_sigma_px), mode="constant")
    gain = rng.uniform(0.8, 1.2, n).astype(np.float32)[:, None, None] / np.float32(_SCALE)
    img *= gain * _bias_fields(n, h, w, rng.uniform(0.0, 0.12, n), rng)
    return _rician(img, _NOISE_SD, rng)


def lesion_features(data: LesionSet) -> dict[str, np.ndarray]:
    """Simple hand-crafted features of every lesion, measured from the image and its mask.

    Parameters
    ----------
    data : LesionSet

    Returns
    -------
    dict of str to ndarray
        For the positive images only (in order): ``index`` (position in `data`), ``area_mm2``,
        ``mean_intensity`` (inside the mask), ``contrast`` (mean inside minus mean of a 2-pixel ring around),
        ``irregularity`` (1 - solidity: the share of the convex hull not covered by the lesion),
        ``malignant`` (the label to predict).
    """
    from scipy import ndimage as ndi
    from skimage.measure import regionprops

    idx = np.flatnonzero(data.labels == 1)
    out = {k: np.empty(len(idx)) for k in ("area_mm2", "mean_intensity", "contrast", "irregularity")}
    for j, i in enumerate(idx):
        m, img = data.masks[i], data.images[i]
        ring = ndi.binary_dilation(m, iterations=2) & ~m
        props = regionprops(m.astype(np.uint8))[0]
        out["area_mm2"][j] = data.area_mm2[i]
        out["mean_intensity"][j] = img[m].mean()
        out["contrast"][j] = img[m].mean() - img[ring].mean()
        out["irregularity"][j] = 1.0 - props.solidity
    out["index"] = idx
    out["malignant"] = data.malignant[idx]
    return out


# ------------------------------------------------------------------------------------------------ scanners
SCANNERS: dict[str, dict] = {
    "A": {
        "description": "reference scanner (the training domain): no change",
        "downsample": 1,
        "blur_sigma_px": 0.0,
        "bias_amplitude": 0.0,
        "gain": 1.0,
        "offset": 0.0,
        "noise_sd": 0.0,
    },
    "B": {
        "description": "another vendor: half the resolution, extra blur, a stronger bias field, darker "
        "with a raised floor, and more noise",
        "downsample": 2,
        "blur_sigma_px": 0.7,
        "bias_amplitude": 0.3,
        "gain": 0.75,
        "offset": 0.08,
        "noise_sd": 0.05,
    },
}


def _check_scanner(scanner: str) -> dict:
    if scanner not in SCANNERS:
        raise ValueError(f"unknown scanner {scanner!r}; available: {', '.join(SCANNERS)}")
    return SCANNERS[scanner]


def apply_scanner(images: np.ndarray, scanner: str, *, seed: int = 0) -> np.ndarray:
    """Simulate acquiring `images` on another scanner (a domain shift), as a pure function.

    Parameters
    ----------
    images : (n, h, w) array_like
        Intensities ~[0, 1].
    scanner : str
        Key of :data:`SCANNERS`. ``"A"`` returns an unchanged float32 copy.
    seed : int, optional
        Seeds the random parts (bias-field direction, noise).

    Returns
    -------
    (n, h, w) float32 ndarray

    Notes
    -----
    Applied in acquisition order: lower resolution (block average by ``downsample`` then bilinear
    upsampling), blur (Gaussian, ``blur_sigma_px``), a smooth multiplicative bias field of random direction
    and up to ``bias_amplitude``, ``gain`` × image + ``offset``, Gaussian noise ``noise_sd``.
    """
    from scipy import ndimage as ndi

    params = _check_scanner(scanner)
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3:
        raise ValueError(f"images must be (n, h, w), got shape {images.shape}")
    seed = _check_int(seed, "seed", 0)
    out = images.copy()
    n, h, w = out.shape
    f = params["downsample"]
    if f > 1:
        hh, ww = h // f * f, w // f * f
        small = out[:, :hh, :ww].reshape(n, hh // f, f, ww // f, f).mean(axis=(2, 4))
        out = ndi.zoom(small, (1, h / small.shape[1], w / small.shape[2]), order=1, mode="nearest")
    if params["blur_sigma_px"] > 0:
        out = ndi.gaussian_filter(out, sigma=(0, params["blur_sigma_px"], params["blur_sigma_px"]))
    rng = np.random.default_rng(seed)
    if params["bias_amplitude"] > 0:
        out = out * _bias_fields(n, h, w, np.full(n, params["bias_amplitude"]), rng)
    out = params["gain"] * out + params["offset"]
    if params["noise_sd"] > 0:
        out = out + rng.normal(0.0, params["noise_sd"], out.shape)
    return out.astype(np.float32)


# ------------------------------------------------------------------------------------------- tissue patches
def tissue_patches(n: int = 1500, *, patch: int = 16, seed: int = 0) -> TissueSet:
    """Axial T1 patches of the MNI152 template labelled CSF, GM or WM by the tissue at their centre.

    Parameters
    ----------
    n : int, optional
        Number of patches, split as evenly as possible over the three classes.
    patch : int, optional
        Patch side in pixels (4-64) at 2 mm per pixel.
    seed : int, optional

    Returns
    -------
    TissueSet

    Notes
    -----
    Centre classes come from the template's probability maps: GM where p(GM) ≥ 0.6 and above p(WM), WM where
    p(WM) ≥ 0.6, CSF inside the brain mask where both p(GM) and p(WM) < 0.2. Each patch gets a random
    brightness (×0.9-1.1), a random quarter turn / flip and Rician noise (sd 0.02).
    """
    n = _check_int(n, "n", 3)
    patch = _check_int(patch, "patch", 4, 64)
    seed = _check_int(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    t1, _ = load_sample("mri_brain_t1")
    gm, _ = load_sample("mri_brain_gm")
    wm, _ = load_sample("mri_brain_wm")
    mask, meta = load_sample("mri_brain_mask")
    classes = [mask & (gm < 0.2) & (wm < 0.2), (gm >= 0.6) & (gm > wm), wm >= 0.6]
    counts = [n // 3 + (i < n % 3) for i in range(3)]
    half = patch // 2
    padded = np.pad(t1, ((0, 0), (half, half), (half, half)))
    images = np.empty((n, patch, patch), np.float32)
    labels = np.empty(n, np.int64)
    centers = np.empty((n, 3), np.int64)
    k = 0
    for label, (where, count) in enumerate(zip(classes, counts, strict=True)):
        vox = np.argwhere(where)
        pick = vox[rng.choice(len(vox), count, replace=count > len(vox))]
        for z, y, x in pick:
            images[k] = padded[z, y : y + patch, x : x + patch]
            labels[k], centers[k] = label, (z, y, x)
            k += 1
    order = rng.permutation(n)
    images, labels, centers = images[order], labels[order], centers[order]
    for i in range(n):  # quarter turns and flips: tissue has no preferred direction at this scale
        images[i] = np.rot90(images[i], int(rng.integers(4)))
        if rng.random() < 0.5:
            images[i] = images[i, :, ::-1]
    images *= rng.uniform(0.9, 1.1, n).astype(np.float32)[:, None, None]
    images = _rician(images, 0.02, rng).astype(np.float32)
    sp = float(meta.spacing_mm[1])
    return TissueSet(
        images=images,
        labels=labels,
        class_names=("CSF", "GM", "WM"),
        centers_zyx=centers,
        spacing_mm=(sp, sp),
        seed=seed,
    )


# ------------------------------------------------------------------------------------------- longitudinal
def longitudinal_series(
    n_timepoints: int = 6,
    *,
    growth_mm_per_step: float = 1.0,
    seed: int = 0,
    size: int = 64,
    radius0_mm: float = 5.0,
    months_per_step: float = 3.0,
) -> LongitudinalSet:
    """One subject's axial slice scanned repeatedly while a lesion grows (or shrinks).

    Parameters
    ----------
    n_timepoints : int, optional
        Number of scans (2-50).
    growth_mm_per_step : float, optional
        Change of the lesion radius between scans in mm; negative shrinks (the lesion vanishes at radius 0).
    seed : int, optional
        Chooses the subject slice, lesion place and shape, and the scan-to-scan variation.
    size : int, optional
        Image side in pixels (field of view 192 mm).
    radius0_mm : float, optional
        Radius at the first scan.
    months_per_step : float, optional
        Time between scans.

    Returns
    -------
    LongitudinalSet

    Notes
    -----
    The lesion keeps its centre and outline; each scan is repositioned slightly (±1.5 px, ±3°) and has its own
    brightness, bias field and noise, as real follow-up scans do, so a registration step is worth showing.
    """
    t = _check_int(n_timepoints, "n_timepoints", 2, 50)
    size = _check_int(size, "size", 16, 256)
    seed = _check_int(seed, "seed", 0)
    growth = float(growth_mm_per_step)
    r0 = float(radius0_mm)
    if not 0 < r0 <= 40:
        raise ValueError(f"radius0_mm must be in (0, 40], got {radius0_mm}")
    if float(months_per_step) <= 0:
        raise ValueError(f"months_per_step must be > 0, got {months_per_step}")
    rng = np.random.default_rng(seed)
    spacing = _FOV_MM / size
    bank = _slice_bank(size)
    pad, upright = int(bank["pad"]), _ANGLES_DEG.index(0.0)
    k = int(rng.integers(len(bank["z"]) // 3, 2 * len(bank["z"]) // 3))  # a mid-level slice
    anatomy = bank["t1"][upright, k, pad : pad + size, pad : pad + size]
    dist = bank["dist"][upright, k, pad : pad + size, pad : pad + size]
    radius = np.clip(r0 + growth * np.arange(t), 0.0, None)
    center = _choose_centers(dist[None], np.array([radius.max() / spacing]), rng)[0]
    params = {key: np.repeat(v, t, axis=0) for key, v in _lesion_params(np.zeros(1, bool), rng).items()}
    # each follow-up scan sees the head slightly moved: move the anatomy, then paint the same lesion where
    # the motion puts it, so every mask stays exact in its own scan
    angle = rng.uniform(-3, 3, t)
    shift = rng.uniform(-1.5, 1.5, (t, 2)) * size / 64
    moved = _move(np.tile(np.stack([anatomy, dist]), (t, 1, 1)), np.repeat(angle, 2), np.repeat(shift, 2, 0))
    moved_t1, brain = moved[0::2], moved[1::2] > 0.5
    centre_px = (size - 1) / 2
    a = np.deg2rad(angle)
    rel = center - centre_px
    # forward motion of a point: p_out = R(-a) p_in + shift about the image centre (inverse of _move's map)
    centers = np.stack([np.cos(a) * rel[0] + np.sin(a) * rel[1], -np.sin(a) * rel[0] + np.cos(a) * rel[1]], 1)
    centers += centre_px + shift
    params["theta0"] = params["theta0"] + a
    has = radius > 0
    images, masks = moved_t1.copy(), np.zeros((t, size, size), bool)
    if has.any():
        sub = {key: v[has] for key, v in params.items()}
        images[has], masks[has] = _draw_lesions(
            moved_t1[has], centers[has], radius[has] / spacing, np.full(has.sum(), 0.4), sub
        )
    images = _acquire(images, rng, psf_sigma_px=0.5 * size / 64)
    return LongitudinalSet(
        images=images,
        masks=masks,
        area_mm2=masks.sum(axis=(1, 2)) * spacing**2,
        brain_area_mm2=brain.sum(axis=(1, 2)) * spacing**2,
        times_months=np.arange(t) * float(months_per_step),
        radius_mm=radius,
        spacing_mm=(spacing, spacing),
        seed=seed,
    )


# ------------------------------------------------------------------------------------------------ MIL bags
def _ihc_slide(tiles: int, rng: np.random.Generator) -> np.ndarray:
    """A tiles×tiles mosaic of randomly turned/flipped copies of the IHC image, RGB float in [0, 1]."""
    ihc, _ = load_sample("pathology_ihc")
    rows = []
    for _ in range(tiles):
        row = []
        for _ in range(tiles):
            tile = np.rot90(ihc, int(rng.integers(4)))
            row.append(tile[:, ::-1] if rng.random() < 0.5 else tile)
        rows.append(np.concatenate(row, axis=1))
    return np.concatenate(rows, axis=0).astype(np.float32) / 255.0


def _tumour_regions(shape: tuple[int, int], fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth random blobs covering about `fraction` of the slide (thresholded low-pass noise)."""
    from scipy import ndimage as ndi

    small = rng.normal(size=(shape[0] // 16, shape[1] // 16))
    smooth = ndi.gaussian_filter(small, sigma=3.0, mode="wrap")
    field_ = ndi.zoom(smooth, (shape[0] / small.shape[0], shape[1] / small.shape[1]), order=1)
    return field_ > np.quantile(field_, 1.0 - fraction)


def _add_tumour(slide: np.ndarray, tumour: np.ndarray, *, band_rows: int = 256) -> np.ndarray:
    """Denser, darker haematoxylin and more DAB inside `tumour`, via colour deconvolution (rgb2hed)."""
    from scipy import ndimage as ndi
    from skimage.color import hed2rgb, rgb2hed

    weight = ndi.gaussian_filter(tumour.astype(np.float32), 4.0)  # soft edges
    out = np.empty_like(slide, dtype=np.float32)
    # per-pixel colour maths in bands of rows: rgb2hed works in float64, the whole slide at once costs ~300 MB
    for r in range(0, slide.shape[0], band_rows):
        hed, w = rgb2hed(slide[r : r + band_rows]), weight[r : r + band_rows]
        hed[..., 0] *= 1.0 + 0.7 * w  # haematoxylin: crowded, hyperchromatic nuclei
        hed[..., 2] = hed[..., 2] * (1.0 + 1.2 * w) + 0.015 * w  # DAB: over-expression
        out[r : r + band_rows] = np.clip(hed2rgb(hed), 0, 1)
    return out


def mil_bags(
    n_bags: int = 60, *, bag_size: int = 16, patch: int = 32, positive_fraction: float = 0.5, seed: int = 0
) -> MILSet:
    """Multiple-instance bags of patches from a slide-like IHC mosaic with simulated tumour regions.

    Parameters
    ----------
    n_bags : int, optional
    bag_size : int, optional
        Patches per bag.
    patch : int, optional
        Patch side in pixels (8-128).
    positive_fraction : float, optional
        Share of bags with at least one tumour patch (exactly ``round(n_bags * positive_fraction)``).
    seed : int, optional

    Returns
    -------
    MILSet

    Notes
    -----
    The slide is a mosaic of the real IHC image (colonic glands, scikit-image) in random orientations;
    "tumour" blobs (~15 % of the area) get more haematoxylin and DAB through colour deconvolution. A patch
    is a tumour instance when ≥ 50 % of it lies in a blob and normal when none of it does (in-between patches
    are not used). A positive bag holds 1 to ``max(1, bag_size // 4)`` tumour patches, the rest normal; no
    patch is used twice. Bags share one slide, so train/test splits of bags are not independent patients.
    """
    n_bags = _check_int(n_bags, "n_bags", 1)
    bag_size = _check_int(bag_size, "bag_size", 1, 256)
    patch = _check_int(patch, "patch", 8, 128)
    pf = _check_fraction(positive_fraction, "positive_fraction")
    seed = _check_int(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    n_pos = int(round(n_bags * pf))
    k_max = max(1, bag_size // 4)
    n_tumour = rng.integers(1, k_max + 1, n_pos)
    need_pos, need_neg = int(n_tumour.sum()), n_bags * bag_size - int(n_tumour.sum())
    # enough grid cells that the normal pool (~80 %) and the tumour pool (~10 %) are not exhausted
    cells_needed = max(need_neg / 0.7, need_pos / 0.07)
    tiles = max(2, int(np.ceil(np.sqrt(cells_needed) * patch / 512)))
    slide = _ihc_slide(tiles, rng)
    tumour = _tumour_regions(slide.shape[:2], 0.15, rng)
    slide = _add_tumour(slide, tumour)
    g = slide.shape[0] // patch
    frac = tumour[: g * patch, : g * patch].reshape(g, patch, g, patch).mean(axis=(1, 3))
    cells = np.argwhere(np.ones((g, g), bool))
    pos_pool = rng.permutation(cells[(frac >= 0.5).ravel()])
    neg_pool = rng.permutation(cells[(frac == 0).ravel()])
    if len(pos_pool) < need_pos or len(neg_pool) < need_neg:  # guarded by the tiling above; be explicit
        raise RuntimeError("not enough distinct patches on the slide; use fewer or smaller bags")
    bag_labels = np.zeros(n_bags, np.int64)
    bag_labels[rng.permutation(n_bags)[:n_pos]] = 1
    inst = np.zeros((n_bags, bag_size), np.int64)
    where = np.empty((n_bags, bag_size, 2), np.int64)
    ip = ineg = 0
    for b, k in zip(np.flatnonzero(bag_labels), n_tumour, strict=True):
        inst[b, rng.permutation(bag_size)[:k]] = 1
    for b in range(n_bags):
        for j in range(bag_size):
            if inst[b, j]:
                where[b, j], ip = pos_pool[ip] * patch, ip + 1
            else:
                where[b, j], ineg = neg_pool[ineg] * patch, ineg + 1
    rr = where[..., 0, None, None] + np.arange(patch)[:, None]
    cc = where[..., 1, None, None] + np.arange(patch)[None, :]
    bags = slide[rr, cc]  # (n_bags, bag_size, patch, patch, 3)
    return MILSet(
        bags=bags.astype(np.float32),
        bag_labels=bag_labels,
        instance_labels=inst,
        positions=where,
        slide=slide,
        tumour_mask=tumour,
        seed=seed,
    )


# ----------------------------------------------------------------------------------------------- torch
def to_torch(images: np.ndarray, labels: np.ndarray, *, masks: np.ndarray | None = None):
    """Wrap numpy arrays as a ``torch.utils.data.TensorDataset`` (channels first, float32).

    Parameters
    ----------
    images : ndarray
        (n, h, w) grey → items (1, h, w); (n, h, w, 3) RGB → (3, h, w); (n, k, h, w, 3) MIL bags →
        (k, 3, h, w).
    labels : (n,) or (n, ...) array_like
        Converted to int64.
    masks : (n, h, w) array_like, optional
        Returned as a third item, (1, h, w) float32 (0/1), e.g. for segmentation.

    Returns
    -------
    torch.utils.data.TensorDataset
        Items ``(image, label)`` or ``(image, label, mask)``.
    """
    import torch

    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim not in (3, 4, 5):
        raise ValueError(
            f"images must be (n, h, w), (n, h, w, 3) or (n, k, h, w, 3); got shape {images.shape}"
        )
    if images.ndim >= 4 and images.shape[-1] != 3:
        raise ValueError(f"colour images must have 3 channels last; got shape {images.shape}")
    if len(labels) != len(images):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    if images.ndim == 3:
        x = images[:, None]
    else:
        x = np.moveaxis(images, -1, -3)
    tensors = [
        torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)),
        torch.from_numpy(labels.astype(np.int64)),
    ]
    if masks is not None:
        masks = np.asarray(masks)
        if masks.shape != images.shape[:3] or images.ndim != 3:
            raise ValueError(
                f"masks must match grey images (n, h, w) = {images.shape[:3]}; got {masks.shape}"
            )
        tensors.append(torch.from_numpy(np.ascontiguousarray(masks[:, None], dtype=np.float32)))
    return torch.utils.data.TensorDataset(*tensors)
