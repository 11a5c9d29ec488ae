"""How each imaging modality forms its data: small, tested physics models for ``01_modalities.ipynb``.

One section per modality, in the lecture's order:

- **1D read-outs**: a synthetic 96-well plate image reduced to optical densities; a logistic growth curve.
- **X-ray**: HU ↔ linear attenuation μ, Beer–Lambert projection through a volume, a 3D chest phantom with bone.
- **Whole-slide imaging**: a multi-resolution pyramid; a tiled, pyramidal TIFF written and read one tile at a time.
- **CT**: parallel-beam sinogram (Radon transform) and filtered back-projection; the analytic projection of a disc.
- **Fluoroscopy**: a branching vessel tree and the gamma-variate shape of a contrast bolus.
- **MRI**: the spin-echo signal equation and tissue relaxation times.
- **PET**: the scanner's point-spread function (FWHM) and radioactive decay.
- **Ultrasound**: RF echoes from random scatterers, envelope detection and log compression (B-mode).
- **Overview**: a one-row description (ndim, shape, dtype, bytes) of any array.

Volumes are ``(z, y, x)`` arrays as in :mod:`helpers.data`: z inferior→superior, y anterior→posterior (row 0
anterior), x patient right→left. Nothing here plots or prints; randomness is seeded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

__all__ = [
    # constants
    "MU_60KEV_PER_CM", "TISSUE_HU", "CHEST_LABELS", "RELAXATION_3T", "F18_HALF_LIFE_MIN", "SPEED_OF_SOUND_M_S",
    "RAYLEIGH_MEAN_TO_SD",
    # 1D
    "plate_image", "read_plate", "logistic_growth",
    # X-ray
    "hu_to_mu", "mu_to_hu", "xray_projection", "chest_phantom",
    # WSI
    "pyramid", "slide_tiles", "write_pyramid_tiff", "iter_tiles", "read_region",
    # CT
    "disc_projection", "ct_scan", "fbp", "rmse",
    # fluoroscopy
    "vessel_tree", "gamma_variate",
    # MRI
    "spin_echo_signal", "synthesise_spin_echo",
    # PET
    "fwhm_to_sigma", "psf_blur", "decay_factor",
    # ultrasound
    "gaussian_pulse", "simulate_rf", "envelope", "log_compress",
    # overview
    "describe_array", "human_bytes",
]

# ----------------------------------------------------------------------------------------------------------------
# Constants, each with its source (the URLs are entries of REFERENCES.md)
# ----------------------------------------------------------------------------------------------------------------

#: Linear attenuation coefficients at 60 keV in cm⁻¹ = (μ/ρ)·ρ from NIST SRD 126, Table 4: water 0.2059 cm²/g ×
#: 1.00 g/cm³, muscle (ICRU-44) 0.2048 × 1.05, cortical bone (ICRU-44) 0.3148 × 1.92; air ≈ 0.
#: Hubbell & Seltzer, NIST SRD 126, https://physics.nist.gov/PhysRefData/XrayMassCoef/tab4.html
MU_60KEV_PER_CM: dict[str, float] = {"air": 0.0, "water": 0.2059, "muscle": 0.2048 * 1.05,
                                     "cortical bone": 0.3148 * 1.92}

#: Representative CT numbers (HU) used by :func:`chest_phantom`. CT numbers measure attenuation relative to water
#: (Hounsfield 1973, https://doi.org/10.1259/0007-1285-46-552-1016); with HU = 1000·(μ − μw)/(μw − μair), water is
#: 0 and air −1000 by definition. The tissue values are typical, not exact (they vary with tube voltage and
#: reconstruction kernel): lung −800, fat −100, soft tissue / muscle +40, blood +40, cancellous bone +350, cortical
#: bone +1000. Typical ranges: Buzug, Computed Tomography, Springer 2008, https://doi.org/10.1007/978-3-540-39408-2
#: and Radiopaedia, "Hounsfield unit" (secondary), https://radiopaedia.org/articles/hounsfield-unit
TISSUE_HU: dict[str, float] = {"air": -1000.0, "lung": -800.0, "fat": -100.0, "soft tissue": 40.0, "blood": 40.0,
                               "cancellous bone": 350.0, "cortical bone": 1000.0}

#: Label names of :func:`chest_phantom`'s label volume, by label value.
CHEST_LABELS: tuple[str, ...] = ("air", "fat", "soft tissue", "lung", "blood", "cancellous bone", "cortical bone")

#: Tissue (relative proton density, T1 ms, T2 ms) at 3 T for the spin-echo equation.
#: T1/T2: grey matter 1331/110 and white matter 832/79.2 (Wansapura et al., JMRI 1999;9(4):531-538,
#: https://doi.org/10.1002/(SICI)1522-2586(199904)9:4<531::AID-JMRI4>3.0.CO;2-L); CSF T1 3817 (Lu et al., JMRI
#: 2005;22(1):13-22, https://doi.org/10.1002/jmri.20356) and T2 503 (Piechnik et al., MRM 2009;61(3):579-586,
#: https://doi.org/10.1002/mrm.21897). Relative PD (water = 1): WM 0.70, GM 0.80, CSF 1.00, the simulation values
#: of Grussu et al., NeuroImage 2020;217:116884, Table 2 (https://doi.org/10.1016/j.neuroimage.2020.116884).
RELAXATION_3T: dict[str, tuple[float, float, float]] = {"gm": (0.80, 1331.0, 110.0), "wm": (0.70, 832.0, 79.2),
                                                         "csf": (1.00, 3817.0, 503.0)}

#: Fluorine-18 half-life in minutes, rounded: 109.77 min in NuDat 3
#: (https://www.nndc.bnl.gov/nudat3/decaysearchdirect.jsp?nuc=18F&unc=NDS), 1.82890 h = 109.73 min in the DDEP
#: evaluation (https://www.lnhb.fr/nuclides/F-18_tables.pdf).
F18_HALF_LIFE_MIN = 109.8

#: Speed of sound in soft tissue, m/s: the conventional average that scanners assume to turn echo times into
#: depths; measured tissue values are tabulated in ICRU Report 61,
#: https://www.icru.org/report/tissues-substitutes-phantoms-and-computation-modelling-in-medical-ultrasound-report-61
SPEED_OF_SOUND_M_S = 1540.0

#: Mean / standard deviation of a Rayleigh-distributed envelope, sqrt(π / (4 − π)) ≈ 1.91: the "speckle SNR" of
#: fully developed speckle (Wagner et al., IEEE Trans Sonics Ultrason 1983;30(3):156-163,
#: https://doi.org/10.1109/T-SU.1983.31404; Wagner, Insana & Brown, JOSA A 1987;4(5):910-922,
#: https://doi.org/10.1364/JOSAA.4.000910).
RAYLEIGH_MEAN_TO_SD = math.sqrt(math.pi / (4.0 - math.pi))

_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))  # ≈ 2.3548 for a Gaussian


def _as_float_array(x, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; found NaN or inf")
    return arr


def _positive(value: float, name: str) -> float:
    value = float(value)
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


# ----------------------------------------------------------------------------------------------------------------
# 1D "image data": a plate reader's image reduced to numbers
# ----------------------------------------------------------------------------------------------------------------

def plate_image(od: np.ndarray, *, well_px: int = 24, i0: float = 1.0, noise: float = 0.01,
                seed: int = 0) -> np.ndarray:
    """Render a synthetic transmitted-light image of a microplate whose wells have optical densities ``od``.

    Parameters
    ----------
    od : ndarray, (rows, cols), float
        Optical density of each well (≥ 0; e.g. (8, 12) for a 96-well plate).
    well_px : int
        Well pitch in pixels (≥ 8).
    i0 : float
        Light intensity through a blank (OD 0) well.
    noise : float
        Standard deviation of additive Gaussian noise, in units of ``i0``.
    seed : int
        Seed of the noise.

    Returns
    -------
    ndarray, (rows·well_px, cols·well_px), float32
        Transmitted intensity: ``i0·10^(−OD)`` inside each well, ``0.8·i0`` on the plastic between wells.

    Notes
    -----
    Optical density is defined by Beer–Lambert in base 10: OD = −log10(I / I0).
    """
    od = _as_float_array(od, "od")
    if od.ndim != 2 or np.any(od < 0):
        raise ValueError(f"od must be a 2D array of non-negative optical densities, got shape {od.shape}")
    if int(well_px) < 8:
        raise ValueError(f"well_px must be >= 8 pixels, got {well_px}")
    well_px = int(well_px)
    yy, xx = np.mgrid[:well_px, :well_px] - (well_px - 1) / 2.0
    inside = yy**2 + xx**2 <= (0.42 * well_px) ** 2
    wells = np.kron(i0 * 10.0 ** (-od), np.ones((well_px, well_px)))
    image = np.where(np.tile(inside, od.shape), wells, 0.8 * i0)
    image += np.random.default_rng(seed).normal(0.0, noise * i0, image.shape)
    return image.astype(np.float32)


def read_plate(image: np.ndarray, *, shape: tuple[int, int] = (8, 12), i0: float = 1.0) -> np.ndarray:
    """Reduce a plate image to one optical density per well (what a plate reader reports).

    Parameters
    ----------
    image : ndarray, (rows·pitch, cols·pitch)
        Transmitted-light image, e.g. from :func:`plate_image`.
    shape : (rows, cols)
        Well layout; the image must divide evenly into it.
    i0 : float
        Intensity through a blank well.

    Returns
    -------
    ndarray, shape, float64
        OD = −log10(mean intensity in the central disc of each well / i0).
    """
    image = _as_float_array(image, "image")
    rows, cols = shape
    if image.ndim != 2 or image.shape[0] % rows or image.shape[1] % cols:
        raise ValueError(f"image shape {image.shape} does not divide into {rows}x{cols} wells")
    pitch = image.shape[0] // rows
    if image.shape[1] // cols != pitch:
        raise ValueError(f"wells must be square: image {image.shape} gives {pitch} x {image.shape[1] // cols} px")
    yy, xx = np.mgrid[:pitch, :pitch] - (pitch - 1) / 2.0
    centre = yy**2 + xx**2 <= (0.25 * pitch) ** 2  # avoid the well's rim
    wells = image.reshape(rows, pitch, cols, pitch).transpose(0, 2, 1, 3)
    mean = wells[..., centre].mean(axis=-1)
    return -np.log10(np.clip(mean, 1e-12, None) / _positive(i0, "i0"))


def logistic_growth(t_h: np.ndarray, *, od0: float = 0.02, od_max: float = 1.2, rate_per_h: float = 0.8
                    ) -> np.ndarray:
    """Optical density of a bacterial culture growing logistically (Verhulst model).

    Parameters
    ----------
    t_h : ndarray
        Time in hours (≥ 0).
    od0, od_max : float
        Starting and saturating optical density (0 < od0 < od_max).
    rate_per_h : float
        Growth rate in 1/h.

    Returns
    -------
    ndarray, like ``t_h``, float64
        ``od_max / (1 + (od_max/od0 − 1)·exp(−rate·t))``: starts at ``od0``, saturates at ``od_max``.
    """
    t = _as_float_array(t_h, "t_h")
    if not 0 < od0 < od_max:
        raise ValueError(f"need 0 < od0 < od_max, got od0={od0}, od_max={od_max}")
    return od_max / (1.0 + (od_max / od0 - 1.0) * np.exp(-_positive(rate_per_h, "rate_per_h") * t))


# ----------------------------------------------------------------------------------------------------------------
# X-ray: attenuation and projection
# ----------------------------------------------------------------------------------------------------------------

def hu_to_mu(hu: np.ndarray, *, mu_water: float = MU_60KEV_PER_CM["water"]) -> np.ndarray:
    """Convert CT numbers (HU) to linear attenuation coefficients μ (cm⁻¹).

    Parameters
    ----------
    hu : ndarray
        Hounsfield units.
    mu_water : float
        μ of water at the effective energy (default 60 keV, NIST SRD 126 [2]_), cm⁻¹.

    Returns
    -------
    ndarray, float64
        ``μ = μ_water·(1 + HU/1000)``, clipped at 0 (HU = 1000·(μ − μw)/(μw − μair) [1]_, with μair ≈ 0).

    References
    ----------
    .. [1] Hounsfield GN. Computerized transverse axial scanning (tomography). 1. Description of system.
       Br J Radiol 1973;46(552):1016-1022. https://doi.org/10.1259/0007-1285-46-552-1016
    .. [2] Hubbell JH, Seltzer SM. X-Ray Mass Attenuation Coefficients, NIST Standard Reference Database 126,
       Table 4. https://physics.nist.gov/PhysRefData/XrayMassCoef/tab4.html
    """
    return np.clip(mu_water * (1.0 + _as_float_array(hu, "hu") / 1000.0), 0.0, None)


def mu_to_hu(mu: np.ndarray, *, mu_water: float = MU_60KEV_PER_CM["water"]) -> np.ndarray:
    """Convert linear attenuation coefficients μ (cm⁻¹) to Hounsfield units: ``1000·(μ − μ_water)/μ_water``."""
    return 1000.0 * (_as_float_array(mu, "mu") - mu_water) / _positive(mu_water, "mu_water")


def xray_projection(mu_per_cm: np.ndarray, *, spacing_cm: float, axis: int = 1, i0: float = 1.0) -> np.ndarray:
    """Transmitted intensity of parallel X-rays through a volume (Beer–Lambert law).

    Parameters
    ----------
    mu_per_cm : ndarray, (z, y, x) or any ndim, float
        Linear attenuation coefficients in cm⁻¹ (≥ 0).
    spacing_cm : float
        Voxel size along ``axis`` in cm (the path length of one voxel).
    axis : int
        The direction the rays travel (1 = y: anterior→posterior, a PA/AP radiograph of a ``(z, y, x)`` volume).
    i0 : float
        Incident intensity.

    Returns
    -------
    ndarray, float64, ``mu_per_cm.shape`` without ``axis``
        ``I = I0·exp(−Σ μ·Δl)``, the discrete form of the Beer–Lambert law I = I0·e^(−∫μ dl).
    """
    mu = _as_float_array(mu_per_cm, "mu_per_cm")
    if np.any(mu < 0):
        raise ValueError("mu_per_cm must be >= 0 (attenuation cannot be negative); convert HU with hu_to_mu()")
    if not -mu.ndim <= axis < mu.ndim:
        raise ValueError(f"axis {axis} is out of range for a {mu.ndim}D volume")
    return i0 * np.exp(-mu.sum(axis=axis) * _positive(spacing_cm, "spacing_cm"))


def chest_phantom(*, shape: tuple[int, int, int] = (40, 128, 128), spacing_mm: tuple[float, float, float] =
                  (5.0, 2.5, 2.5)) -> tuple[np.ndarray, np.ndarray]:
    """A simple 3D thorax: body with fat layer, two lungs, heart, aorta, spine and ribs.

    Parameters
    ----------
    shape : (z, y, x)
        Volume size in voxels.
    spacing_mm : (dz, dy, dx)
        Voxel size in mm; the anatomy is defined in mm, so other shapes/spacings give the same body.

    Returns
    -------
    hu : ndarray, (z, y, x), float32
        CT numbers (HU) from :data:`TISSUE_HU`.
    labels : ndarray, (z, y, x), uint8
        Tissue labels, names in :data:`CHEST_LABELS`.

    Notes
    -----
    Axes follow :mod:`helpers.data`: z inferior→superior, y anterior→posterior, x patient right→left, so the heart
    lies at larger x (patient's left) and the spine at large y (posterior).
    """
    if len(shape) != 3 or min(shape) < 8:
        raise ValueError(f"shape must be (z, y, x) with every size >= 8, got {shape}")
    dz, dy, dx = (_positive(s, "spacing_mm") for s in spacing_mm)
    nz, ny, nx = shape
    z = (np.arange(nz) - (nz - 1) / 2) * dz
    y = (np.arange(ny) - (ny - 1) / 2) * dy
    x = (np.arange(nx) - (nx - 1) / 2) * dx
    Z, Y, X = np.meshgrid(z, y, x, indexing="ij")
    half_height = nz * dz / 2

    def ellipse(cy, cx, ry, rx):
        return ((Y - cy) / ry) ** 2 + ((X - cx) / rx) ** 2 <= 1.0

    def ellipsoid(cz, cy, cx, rz, ry, rx):
        return ((Z - cz) / rz) ** 2 + ((Y - cy) / ry) ** 2 + ((X - cx) / rx) ** 2 <= 1.0

    lab = {name: i for i, name in enumerate(CHEST_LABELS)}
    labels = np.zeros(shape, np.uint8)
    labels[ellipse(0, 0, 110, 150)] = lab["fat"]
    labels[ellipse(0, 0, 98, 138)] = lab["soft tissue"]
    for side in (-1, 1):  # lungs: domed at the base (diaphragm) and narrowing to the apex
        labels[ellipsoid(0.25 * half_height, -5, side * 65, 1.15 * half_height, 75, 55)] = lab["lung"]
    labels[ellipsoid(-0.45 * half_height, -30, 22, 0.55 * half_height, 45, 50)] = lab["blood"]  # heart, left
    labels[ellipse(40, 18, 11, 11)] = lab["blood"]  # descending aorta
    # ribs: bands of cortical bone just inside the fat layer, every 25 mm in z, sloping down anteriorly
    rib_ring = ellipse(0, 0, 96, 136) & ~ellipse(0, 0, 89, 129)
    labels[rib_ring & (np.abs((Z + 0.15 * Y + 1000.0) % 25.0 - 12.5) < 4.0)] = lab["cortical bone"]
    # spine: vertebral bodies (cortex around cancellous bone) separated by soft-tissue discs every 25 mm
    vertebra = np.abs((Z + 1000.0) % 25.0 - 12.5) < 10.0
    labels[ellipse(75, 0, 17, 19) & vertebra] = lab["cortical bone"]
    labels[ellipse(75, 0, 14, 16) & vertebra] = lab["cancellous bone"]
    lut = np.array([TISSUE_HU[name] for name in CHEST_LABELS], np.float32)
    return lut[labels], labels


# ----------------------------------------------------------------------------------------------------------------
# Whole-slide imaging: pyramids and tiles
# ----------------------------------------------------------------------------------------------------------------

def _downsample2(image: np.ndarray) -> np.ndarray:
    """Halve height and width by 2×2 block means (odd edges dropped), keeping the dtype."""
    h, w = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
    if image.dtype.kind == "f" or image.dtype.itemsize > 2:
        acc = np.float64
    else:  # a sum of four 8-bit (16-bit) values fits in 16 (32) bits
        acc = np.int32 if image.dtype.itemsize == 2 or image.dtype.kind == "i" else np.uint16
    a = image[:h, :w]
    total = a[0::2, 0::2].astype(acc) + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2]  # strided sums: fast
    if np.issubdtype(image.dtype, np.integer):
        return ((total + 2) // 4).astype(image.dtype)  # rounded integer mean
    return (total / 4).astype(image.dtype)


def pyramid(image: np.ndarray, *, n_levels: int = 4) -> list[np.ndarray]:
    """Multi-resolution pyramid: the image, then copies halved in height and width, level by level.

    Parameters
    ----------
    image : ndarray, (H, W) or (H, W, C)
    n_levels : int
        Number of levels including the full-resolution one (≥ 1).

    Returns
    -------
    list of ndarray
        ``levels[k]`` has shape ``(H // 2**k, W // 2**k[, C])`` (2×2 block means), same dtype as ``image``.
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"image must be (H, W) or (H, W, C), got shape {image.shape}")
    if int(n_levels) < 1 or min(image.shape[:2]) < 2 ** (int(n_levels) - 1):
        raise ValueError(f"n_levels={n_levels} is impossible for an image of shape {image.shape[:2]}")
    levels = [image]
    for _ in range(int(n_levels) - 1):
        levels.append(_downsample2(levels[-1]))
    return levels


def slide_tiles(source: np.ndarray, *, shape: tuple[int, int], tile: int = 256, seed: int = 0
                ) -> Iterator[np.ndarray]:
    """Yield the tiles of a large slide-like mosaic, row by row, made of random crops of a real image.

    Parameters
    ----------
    source : ndarray, (h, w, 3), uint8
        A real RGB image at least ``tile`` pixels on each side (e.g. the IHC sample).
    shape : (H, W)
        Size of the mosaic in pixels; multiples of ``tile``.
    tile : int
        Tile edge in pixels.
    seed : int
        Seed for crop positions, rotations and flips.

    Yields
    ------
    ndarray, (tile, tile, 3), uint8
        One tile at a time, so the mosaic never has to exist in memory as a whole.
    """
    source = np.asarray(source)
    if source.ndim != 3 or min(source.shape[:2]) < tile:
        raise ValueError(f"source must be (h, w, 3) with h, w >= tile={tile}, got {source.shape}")
    if shape[0] % tile or shape[1] % tile:
        raise ValueError(f"shape {shape} must be multiples of tile={tile}")
    rng = np.random.default_rng(seed)
    for _ in range((shape[0] // tile) * (shape[1] // tile)):
        y, x = rng.integers(0, source.shape[0] - tile + 1), rng.integers(0, source.shape[1] - tile + 1)
        crop = np.rot90(source[y:y + tile, x:x + tile], k=int(rng.integers(4)))
        yield np.ascontiguousarray(crop[:, ::-1] if rng.random() < 0.5 else crop)


def write_pyramid_tiff(path, tiles: Iterable[np.ndarray], *, shape: tuple[int, int], tile: int = 256,
                       n_levels: int = 3) -> list[tuple[int, ...]]:
    """Write a tiled, pyramidal RGB TIFF from a stream of tiles (as slide scanners store whole-slide images).

    Parameters
    ----------
    path : str or Path
        Output file (BigTIFF).
    tiles : iterable of ndarray, each (tile, tile, 3) uint8
        Full-resolution tiles in row-major order (left to right, top to bottom).
    shape : (H, W)
        Full-resolution size, multiples of ``tile``.
    tile : int
        Tile edge in pixels, a multiple of 16 (TIFF rule) and of ``2**(n_levels - 1)``.
    n_levels : int
        Pyramid levels (full resolution + ``n_levels - 1`` halvings, stored as SubIFDs).

    Returns
    -------
    list of tuple
        Shape of each level, ``[(H, W, 3), (H/2, W/2, 3), ...]``.

    Notes
    -----
    Only one full-resolution tile is in memory at a time; the lower levels (1/4 + 1/16 + … of the pixels) are
    assembled in memory from downsampled tiles, then written.
    """
    import tifffile

    if tile % 16 or tile % 2 ** (n_levels - 1):
        raise ValueError(f"tile={tile} must be a multiple of 16 and of 2**(n_levels-1)={2 ** (n_levels - 1)}")
    if shape[0] % tile or shape[1] % tile:
        raise ValueError(f"shape {shape} must be multiples of tile={tile}")
    ncols = shape[1] // tile
    lower = [np.zeros((shape[0] >> k, shape[1] >> k, 3), np.uint8) for k in range(1, n_levels)]

    def stream():
        count = 0
        for count, t in enumerate(tiles, start=1):  # noqa: B007 (count is checked after the loop)
            if t.shape != (tile, tile, 3) or t.dtype != np.uint8:
                raise ValueError(f"tile {count - 1} has shape {t.shape} {t.dtype}, expected ({tile}, {tile}, 3) uint8")
            r, c = divmod(count - 1, ncols)
            small = t
            for k, level in enumerate(lower, start=1):
                small = _downsample2(small)
                s = tile >> k
                level[r * s:(r + 1) * s, c * s:(c + 1) * s] = small
            yield t
        if count != (shape[0] // tile) * ncols:
            raise ValueError(f"got {count} tiles, expected {(shape[0] // tile) * ncols} for shape {shape}")

    with tifffile.TiffWriter(path, bigtiff=True) as tw:
        tw.write(stream(), shape=(*shape, 3), dtype=np.uint8, tile=(tile, tile), photometric="rgb",
                 subifds=n_levels - 1)
        for level in lower:
            tw.write(level, tile=(tile, tile), photometric="rgb", subfiletype=1)
    return [(*shape, 3)] + [lv.shape for lv in lower]


def _level_page(tif, level: int):
    levels = tif.series[0].levels
    if not 0 <= level < len(levels):
        raise ValueError(f"level {level} does not exist; this file has levels 0..{len(levels) - 1}")
    page = levels[level].pages[0]
    if not page.is_tiled:
        raise ValueError("the TIFF is not tiled; write it with write_pyramid_tiff()")
    return page


def _read_tile(tif, page, index: int) -> np.ndarray:
    """Read and decode tile ``index`` of ``page`` only (seek to its bytes in the file)."""
    fh = tif.filehandle
    fh.seek(page.dataoffsets[index])
    segment, _, _ = page.decode(fh.read(page.databytecounts[index]), index)
    return segment.reshape(page.tilelength, page.tilewidth, -1)


def iter_tiles(path, *, level: int = 0) -> Iterator[tuple[int, int, np.ndarray]]:
    """Read a tiled TIFF one tile at a time.

    Parameters
    ----------
    path : str or Path
        A tiled (pyramidal) TIFF, e.g. from :func:`write_pyramid_tiff`.
    level : int
        Pyramid level (0 = full resolution).

    Yields
    ------
    (top, left, tile)
        Pixel position of the tile and its pixels, ``(th, tw, 3)`` (edge tiles cropped to the image).
    """
    import tifffile

    with tifffile.TiffFile(Path(path)) as tif:
        page = _level_page(tif, level)
        h, w = page.shape[:2]
        th, tw = page.tilelength, page.tilewidth
        ncols = -(-w // tw)
        for index in range(len(page.dataoffsets)):
            top, left = divmod(index, ncols)
            top, left = top * th, left * tw
            yield top, left, _read_tile(tif, page, index)[: h - top, : w - left]


def read_region(path, top: int, left: int, height: int, width: int, *, level: int = 0) -> np.ndarray:
    """Read a rectangle of a tiled TIFF, decoding only the tiles it overlaps (a viewer's viewport).

    Parameters
    ----------
    path : str or Path
    top, left : int
        Upper-left corner in pixels of ``level``.
    height, width : int
        Size of the region in pixels.
    level : int
        Pyramid level.

    Returns
    -------
    ndarray, (height, width, 3), uint8
    """
    import tifffile

    with tifffile.TiffFile(Path(path)) as tif:
        page = _level_page(tif, level)
        h, w = page.shape[:2]
        if not (0 <= top and 0 <= left and height > 0 and width > 0 and top + height <= h and left + width <= w):
            raise ValueError(f"region (top={top}, left={left}, {height}x{width}) is outside the {h}x{w} level {level}")
        th, tw = page.tilelength, page.tilewidth
        ncols = -(-w // tw)
        out = np.empty((height, width, page.shape[2]), page.dtype)
        for r in range(top // th, (top + height - 1) // th + 1):
            for c in range(left // tw, (left + width - 1) // tw + 1):
                t = _read_tile(tif, page, r * ncols + c)
                y0, x0 = max(top, r * th), max(left, c * tw)
                y1, x1 = min(top + height, (r + 1) * th), min(left + width, (c + 1) * tw)
                out[y0 - top:y1 - top, x0 - left:x1 - left] = t[y0 - r * th:y1 - r * th, x0 - c * tw:x1 - c * tw]
        return out


# ----------------------------------------------------------------------------------------------------------------
# CT: Radon transform and filtered back-projection
# ----------------------------------------------------------------------------------------------------------------

def disc_projection(s: np.ndarray, *, radius: float) -> np.ndarray:
    """Analytic parallel projection of a uniform disc (value 1) centred on the rotation axis.

    Parameters
    ----------
    s : ndarray
        Detector position (signed distance of the ray from the centre), same units as ``radius``.
    radius : float
        Disc radius.

    Returns
    -------
    ndarray, float64
        Chord length ``2·sqrt(radius² − s²)`` for ``|s| < radius``, else 0; the same at every angle.
    """
    s = _as_float_array(s, "s")
    r = _positive(radius, "radius")
    return 2.0 * np.sqrt(np.clip(r**2 - s**2, 0.0, None))


def ct_scan(image: np.ndarray, *, n_views: int, arc_deg: float = 180.0) -> tuple[np.ndarray, np.ndarray]:
    """Parallel-beam CT acquisition: the sinogram (Radon transform) of a 2D slice.

    Parameters
    ----------
    image : ndarray, (N, N), float
        Attenuation map (e.g. μ in cm⁻¹ per pixel); zero outside the inscribed circle.
    n_views : int
        Number of projection angles, evenly spread over ``arc_deg``.
    arc_deg : float
        Angular range in degrees (180° is a complete parallel-beam scan).

    Returns
    -------
    sinogram : ndarray, (detector bins, n_views), float64
        Line integrals: each column is one projection (units of ``image`` × pixels).
    theta : ndarray, (n_views,), float64
        Projection angles in degrees.
    """
    from skimage.transform import radon

    image = _as_float_array(image, "image")
    if image.ndim != 2 or image.shape[0] != image.shape[1]:
        raise ValueError(f"image must be a square 2D slice, got shape {image.shape}")
    if int(n_views) < 1:
        raise ValueError(f"n_views must be >= 1, got {n_views}")
    theta = np.linspace(0.0, float(arc_deg), int(n_views), endpoint=False)
    return radon(image, theta=theta, circle=True), theta


def fbp(sinogram: np.ndarray, theta: np.ndarray, *, output_size: int | None = None,
        filter_name: str = "ramp") -> np.ndarray:
    """Filtered back-projection: reconstruct a slice from its sinogram.

    Parameters
    ----------
    sinogram : ndarray, (detector bins, n_views)
    theta : ndarray, (n_views,)
        Angles in degrees.
    output_size : int, optional
        Side of the reconstructed image (default: the number of detector bins).
    filter_name : str
        Ramp-type filter of :func:`skimage.transform.iradon` ("ramp", "shepp-logan", "cosine", "hamming", "hann").

    Returns
    -------
    ndarray, (output_size, output_size), float64
        Reconstructed attenuation map, in the units of the image that was scanned.
    """
    from skimage.transform import iradon

    sinogram = _as_float_array(sinogram, "sinogram")
    theta = np.asarray(theta, dtype=np.float64)
    if sinogram.ndim != 2 or sinogram.shape[1] != theta.size:
        raise ValueError(f"sinogram {sinogram.shape} must be (bins, n_views) with n_views = len(theta) = {theta.size}")
    return iradon(sinogram, theta=theta, output_size=output_size, filter_name=filter_name, circle=True)


def rmse(estimate: np.ndarray, reference: np.ndarray, *, mask: np.ndarray | None = None) -> float:
    """Root-mean-square error between two arrays of the same shape (optionally inside a boolean ``mask``)."""
    a, b = np.asarray(estimate, np.float64), np.asarray(reference, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: estimate {a.shape} vs reference {b.shape}")
    diff = (a - b) if mask is None else (a - b)[np.asarray(mask, bool)]
    if diff.size == 0:
        raise ValueError("mask selects no pixels")
    return float(np.sqrt(np.mean(diff**2)))


# ----------------------------------------------------------------------------------------------------------------
# Fluoroscopy: vessels and a contrast bolus
# ----------------------------------------------------------------------------------------------------------------

def vessel_tree(shape: tuple[int, int], *, depth: int = 4, root_radius_mm: float = 3.0, spacing_mm: float = 1.0,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A 2D projection of a branching vessel tree (cylinders), entering from the top edge.

    Parameters
    ----------
    shape : (rows, cols)
        Image size in pixels.
    depth : int
        Number of branching generations (1 = a single vessel).
    root_radius_mm : float
        Radius of the first vessel; each branch is 0.75× its parent's.
    spacing_mm : float
        Pixel size in mm.
    seed : int
        Seed of branching angles and lengths.

    Returns
    -------
    thickness_mm : ndarray, (rows, cols), float32
        X-ray path length through the vessels at each pixel (chord of a cylinder: 2·sqrt(r² − d²)); 0 outside.
    distance_mm : ndarray, (rows, cols), float32
        Distance along the tree from the inlet to each vessel pixel (how far the contrast must travel); NaN outside.
    """
    rows, cols = shape
    if rows < 16 or cols < 16 or not 1 <= int(depth) <= 8:
        raise ValueError(f"need shape >= (16, 16) and 1 <= depth <= 8, got shape={shape}, depth={depth}")
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:rows, :cols] * float(spacing_mm)
    thickness = np.zeros(shape, np.float64)
    distance = np.full(shape, np.inf)
    height = rows * spacing_mm
    # (start y, start x, angle from "down", length, radius, distance at start, generation)
    stack = [(0.0, cols * spacing_mm / 2, 0.0, 0.3 * height, float(root_radius_mm), 0.0, 1)]
    while stack:
        y0, x0, angle, length, radius, d0, gen = stack.pop()
        y1, x1 = y0 + length * math.cos(angle), x0 + length * math.sin(angle)
        # distance of every pixel to the segment, and where along it the closest point lies
        vy, vx = y1 - y0, x1 - x0
        u = np.clip(((yy - y0) * vy + (xx - x0) * vx) / (vy**2 + vx**2), 0.0, 1.0)
        dist = np.hypot(yy - (y0 + u * vy), xx - (x0 + u * vx))
        inside = dist < radius
        chord = 2.0 * np.sqrt(np.clip(radius**2 - dist**2, 0.0, None))
        thickness = np.where(inside, np.maximum(thickness, chord), thickness)
        distance = np.where(inside, np.minimum(distance, d0 + u * length), distance)
        if gen < depth:
            for side in (-1.0, 1.0):
                stack.append((y1, x1, angle + side * rng.uniform(0.3, 0.7), length * rng.uniform(0.6, 0.8),
                              radius * 0.75, d0 + length, gen + 1))
    distance[~np.isfinite(distance)] = np.nan
    return thickness.astype(np.float32), distance.astype(np.float32)


def gamma_variate(t: np.ndarray, *, t0: float = 0.0, alpha: float = 3.0, beta: float = 1.0) -> np.ndarray:
    """Gamma-variate bolus shape, normalised to a peak of 1 at ``t0 + alpha·beta``.

    Parameters
    ----------
    t : ndarray
        Time (any unit; ``t0`` and ``beta`` in the same unit).
    t0 : float
        Arrival time (0 before it).
    alpha : float
        Shape (> 0): larger is more symmetric.
    beta : float
        Time scale (> 0).

    Returns
    -------
    ndarray, float64
        ``(τ/(αβ))^α · exp(α − τ/β)`` with ``τ = t − t0`` for ``τ > 0``, else 0: the classic fit to first-pass
        contrast curves [1]_.

    References
    ----------
    .. [1] Thompson HK Jr, Starmer CF, Whalen RE, McIntosh HD. Indicator transit time considered as a gamma
       variate. Circ Res 1964;14(6):502-515. https://doi.org/10.1161/01.RES.14.6.502
    """
    tau = _as_float_array(t, "t") - t0
    a, b = _positive(alpha, "alpha"), _positive(beta, "beta")
    pos = np.clip(tau, 0.0, None)
    return np.where(tau > 0, (pos / (a * b)) ** a * np.exp(a - pos / b), 0.0)


# ----------------------------------------------------------------------------------------------------------------
# MRI: the spin-echo signal equation
# ----------------------------------------------------------------------------------------------------------------

def spin_echo_signal(pd, t1_ms, t2_ms, *, tr_ms: float, te_ms: float) -> np.ndarray:
    """Spin-echo signal ``S = PD·(1 − e^(−TR/T1))·e^(−TE/T2)`` [1]_.

    Parameters
    ----------
    pd : float or ndarray
        Proton density (relative, water = 1).
    t1_ms, t2_ms : float or ndarray
        Longitudinal and transverse relaxation times in ms (> 0); broadcast with ``pd``.
    tr_ms, te_ms : float
        Repetition and echo time in ms (TR > 0, TE ≥ 0).

    Returns
    -------
    ndarray, float64
        Signal in units of PD. Short TR and TE give T1 weighting; long TR and TE give T2 weighting.

    References
    ----------
    .. [1] Elster AD. Image contrast: TR and TE. Questions and Answers in MRI (an educational page, secondary).
       https://mriquestions.com/image-contrast-trte.html
    """
    t1, t2 = _as_float_array(t1_ms, "t1_ms"), _as_float_array(t2_ms, "t2_ms")
    if np.any(t1 <= 0) or np.any(t2 <= 0):
        raise ValueError("t1_ms and t2_ms must be > 0")
    if not tr_ms > 0 or te_ms < 0:
        raise ValueError(f"need tr_ms > 0 and te_ms >= 0, got TR={tr_ms}, TE={te_ms}")
    return _as_float_array(pd, "pd") * (1.0 - np.exp(-tr_ms / t1)) * np.exp(-te_ms / t2)


def synthesise_spin_echo(fractions: Mapping[str, np.ndarray], *, tr_ms: float, te_ms: float,
                         tissues: Mapping[str, tuple[float, float, float]] | None = None) -> np.ndarray:
    """Synthesise a spin-echo image from tissue fraction maps (partial-volume weighted sum of tissue signals).

    Parameters
    ----------
    fractions : mapping name -> ndarray
        Fraction (0..1) of each tissue per voxel, all the same shape; names are keys of ``tissues``.
    tr_ms, te_ms : float
        Repetition and echo time in ms.
    tissues : mapping name -> (PD, T1 ms, T2 ms), optional
        Default :data:`RELAXATION_3T` (grey matter, white matter, CSF at 3 T).

    Returns
    -------
    ndarray, float32, the maps' shape
        ``Σ_tissue fraction · spin_echo_signal(PD, T1, T2)``.
    """
    tissues = RELAXATION_3T if tissues is None else tissues
    if not fractions:
        raise ValueError("fractions is empty; pass e.g. {'gm': gm, 'wm': wm, 'csf': csf}")
    unknown = set(fractions) - set(tissues)
    if unknown:
        raise KeyError(f"no relaxation values for {sorted(unknown)}; known tissues: {sorted(tissues)}")
    shapes = {np.shape(f) for f in fractions.values()}
    if len(shapes) != 1:
        raise ValueError(f"fraction maps differ in shape: {sorted(shapes)}")
    image = np.zeros(shapes.pop(), np.float64)
    for name, fraction in fractions.items():
        pd, t1, t2 = tissues[name]
        image += np.asarray(fraction, np.float64) * spin_echo_signal(pd, t1, t2, tr_ms=tr_ms, te_ms=te_ms)
    return image.astype(np.float32)


# ----------------------------------------------------------------------------------------------------------------
# PET: resolution and decay
# ----------------------------------------------------------------------------------------------------------------

def fwhm_to_sigma(fwhm):
    """Standard deviation of a Gaussian with full width at half maximum ``fwhm``: ``fwhm / (2·sqrt(2·ln 2))``."""
    return np.asarray(fwhm, dtype=np.float64) / _FWHM_PER_SIGMA


def psf_blur(volume: np.ndarray, *, fwhm_mm: float, spacing_mm: Sequence[float]) -> np.ndarray:
    """Blur an image or volume with an isotropic Gaussian point-spread function of the given FWHM.

    Parameters
    ----------
    volume : ndarray, (z, y, x) or (y, x)
        Activity (or any quantity) per voxel.
    fwhm_mm : float
        Resolution of the scanner (clinical PET: 4–5 mm [1]_, set by detector size, positron range and
        photon non-collinearity [2]_).
    spacing_mm : sequence of float
        Voxel size per axis in mm (one per axis of ``volume``).

    Returns
    -------
    ndarray, float32, ``volume.shape``
        The blurred volume (total activity preserved; edges reflected).

    References
    ----------
    .. [1] Wang K. Feasibility of high spatial resolution working modes for clinical PET scanner. Int J Med Phys
       Clin Eng Radiat Oncol 2018;7(4). https://doi.org/10.4236/ijmpcero.2018.74045
    .. [2] Moses WW. Fundamental limits of spatial resolution in PET. Nucl Instrum Methods Phys Res A
       2011;648(Suppl 1):S236-S240. https://doi.org/10.1016/j.nima.2010.11.092
    """
    from scipy.ndimage import gaussian_filter

    volume = _as_float_array(volume, "volume")
    if len(spacing_mm) != volume.ndim:
        raise ValueError(f"spacing_mm has {len(spacing_mm)} entries for a {volume.ndim}D volume")
    sigma = [float(fwhm_to_sigma(_positive(fwhm_mm, "fwhm_mm"))) / _positive(s, "spacing_mm") for s in spacing_mm]
    return gaussian_filter(volume, sigma=sigma, mode="reflect").astype(np.float32)


def decay_factor(t_min, *, half_life_min: float = F18_HALF_LIFE_MIN):
    """Fraction of a radioactive sample left after ``t_min`` minutes: ``2^(−t / T½)`` (default ¹⁸F, 109.8 min)."""
    return np.exp2(-_as_float_array(t_min, "t_min") / _positive(half_life_min, "half_life_min"))


# ----------------------------------------------------------------------------------------------------------------
# Ultrasound: speckle, envelope, B-mode
# ----------------------------------------------------------------------------------------------------------------

def gaussian_pulse(t_us: np.ndarray, *, f0_mhz: float = 5.0, fractional_bandwidth: float = 0.6) -> np.ndarray:
    """A transducer pulse: a cosine at ``f0_mhz`` under a Gaussian envelope (peak 1 at t = 0).

    Parameters
    ----------
    t_us : ndarray
        Time in µs.
    f0_mhz : float
        Centre frequency in MHz (diagnostic scanners: 2–18 MHz, British Medical Ultrasound Society,
        https://www.bmus.org/about-ultrasound/).
    fractional_bandwidth : float
        −6 dB bandwidth as a fraction of ``f0`` (0 < b ≤ 2).

    Returns
    -------
    ndarray, float64
        ``exp(−t²/(2σt²))·cos(2π f0 t)`` with ``σt = 1/(2π σf)`` and ``σf = b·f0 / (2·sqrt(2 ln 2))``.
    """
    t = _as_float_array(t_us, "t_us")
    f0 = _positive(f0_mhz, "f0_mhz")
    if not 0 < fractional_bandwidth <= 2:
        raise ValueError(f"fractional_bandwidth must be in (0, 2], got {fractional_bandwidth}")
    sigma_t = 1.0 / (2 * math.pi * fractional_bandwidth * f0 / _FWHM_PER_SIGMA)
    return np.exp(-(t**2) / (2 * sigma_t**2)) * np.cos(2 * math.pi * f0 * t)


def simulate_rf(echogenicity: np.ndarray, *, f0_mhz: float = 5.0, fs_mhz: float = 40.0,
                fractional_bandwidth: float = 0.6, lateral_sigma_lines: float = 1.0, seed: int = 0) -> np.ndarray:
    """Radio-frequency echo lines from a dense field of random point scatterers.

    Parameters
    ----------
    echogenicity : ndarray, (depth samples, lines), float
        Mean backscattered power per sample (≥ 0): 1 = normal tissue, 0 = an anechoic cyst, > 1 = brighter.
    f0_mhz, fractional_bandwidth : float
        The transmitted pulse (:func:`gaussian_pulse`).
    fs_mhz : float
        Sampling rate of the echo signal in MHz (> 2·f0); one depth sample is ``c / (2·fs)`` deep.
    lateral_sigma_lines : float
        Width (Gaussian σ, in scan lines) of the beam; neighbouring lines share scatterers.
    seed : int
        Seed of the scatterer amplitudes.

    Returns
    -------
    ndarray, (depth samples, lines), float64
        RF signal: scatterers (zero-mean Gaussian amplitudes, variance = echogenicity) convolved with the pulse
        along depth and the beam profile across lines. With many scatterers per resolution cell the envelope is
        Rayleigh distributed ("fully developed speckle").
    """
    from scipy.ndimage import convolve1d, gaussian_filter1d

    echo = _as_float_array(echogenicity, "echogenicity")
    if echo.ndim != 2 or np.any(echo < 0):
        raise ValueError(f"echogenicity must be a 2D (depth, lines) map of values >= 0, got shape {echo.shape}")
    if not fs_mhz > 2 * f0_mhz:
        raise ValueError(f"fs_mhz={fs_mhz} must exceed twice f0_mhz={f0_mhz} (Nyquist)")
    rng = np.random.default_rng(seed)
    scatterers = rng.standard_normal(echo.shape) * np.sqrt(echo)
    half = int(math.ceil(3.0 * fs_mhz / (fractional_bandwidth * f0_mhz)))  # ±several envelope σ, in samples
    kernel = gaussian_pulse(np.arange(-half, half + 1) / fs_mhz, f0_mhz=f0_mhz,
                            fractional_bandwidth=fractional_bandwidth)
    rf = convolve1d(scatterers, kernel, axis=0, mode="constant")
    if lateral_sigma_lines > 0:
        rf = gaussian_filter1d(rf, lateral_sigma_lines, axis=1, mode="nearest")
    return rf


def envelope(rf: np.ndarray, *, axis: int = 0) -> np.ndarray:
    """Envelope of RF lines: the magnitude of the analytic signal (Hilbert transform) along ``axis``."""
    from scipy.signal import hilbert

    rf = _as_float_array(rf, "rf")
    return np.abs(hilbert(rf, axis=axis))


def log_compress(env: np.ndarray, *, dynamic_range_db: float = 50.0, reference: float | None = None) -> np.ndarray:
    """Log-compress an envelope to decibels for display (a B-mode image).

    Parameters
    ----------
    env : ndarray
        Envelope (≥ 0).
    dynamic_range_db : float
        Range shown; values more than this below the reference are clipped.
    reference : float, optional
        Amplitude shown as 0 dB (default: the maximum of ``env``).

    Returns
    -------
    ndarray, float64
        ``20·log10(env / reference)`` clipped to ``[−dynamic_range_db, 0]``.
    """
    env = _as_float_array(env, "env")
    if np.any(env < 0):
        raise ValueError("env must be >= 0 (an envelope is a magnitude)")
    ref = float(env.max()) if reference is None else _positive(reference, "reference")
    db = 20.0 * np.log10(np.clip(env, ref * 1e-12, None) / ref)
    return np.clip(db, -_positive(dynamic_range_db, "dynamic_range_db"), 0.0)


# ----------------------------------------------------------------------------------------------------------------
# Overview
# ----------------------------------------------------------------------------------------------------------------

def human_bytes(n: float) -> str:
    """Format a byte count with binary prefixes: ``human_bytes(524288) == '512.0 KiB'``."""
    n = float(n)
    if n < 0:
        raise ValueError(f"byte count must be >= 0, got {n}")
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def describe_array(array: np.ndarray, *, axes: str | None = None, spacing=None) -> dict:
    """One row describing an image array: ndim, shape, axes, dtype, spacing and size in memory.

    Parameters
    ----------
    array : ndarray
    axes : str, optional
        Axis letters, e.g. ``"zyx"`` or ``"tyxc"``.
    spacing : sequence, optional
        Voxel spacing (mm) per spatial axis.

    Returns
    -------
    dict
        Keys ``ndim, shape, axes, dtype, spacing, bytes, size``.
    """
    array = np.asarray(array)
    if axes is not None and len(axes) != array.ndim:
        raise ValueError(f"axes {axes!r} has {len(axes)} letters for a {array.ndim}D array {array.shape}")
    spacing_text = None if spacing is None else tuple(None if s is None else round(float(s), 3) for s in spacing)
    return {"ndim": array.ndim, "shape": tuple(array.shape), "axes": axes, "dtype": str(array.dtype),
            "spacing": spacing_text, "bytes": int(array.nbytes), "size": human_bytes(array.nbytes)}
