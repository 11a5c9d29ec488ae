"""Can we use these clinically? Readers vs models, saliency, failure modes, calibration, regulation categories.

Used by ``notebooks/09_clinical_use.ipynb``. The model under study is the 06 notebook's small CNN
(:class:`helpers.nets.SmallCNN`): it exposes ``features`` (conv part), ``pool`` and ``classifier``, which is all
Grad-CAM needs. Every function takes arrays (or that model) and returns arrays or tables; nothing plots.

- readers: :func:`simulate_readers` (simulated, not a reader study), :data:`LIU_2019` (the meta-analysis the lecture
  cites);
- explanations: :func:`gradient_saliency`, :func:`occlusion_map`, :func:`grad_cam`, :func:`pointing_game`,
  :func:`pointing_chance`;
- failure modes: :func:`acquisition_augment` (training against scanner shift), :func:`blob_score` (the hand-tuned
  detector's score), :func:`add_marker` (a spurious shortcut), :func:`fgsm` (adversarial perturbation),
  :func:`fit_temperature` (calibration);
- regulation: :data:`IMDRF_CATEGORIES`, :func:`imdrf_category`.

The evaluation metrics (operating points, calibration, subgroup tables) live in :mod:`helpers.metrics`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import nets
from .metrics import operating_point

__all__ = [
    "ACQUISITION_RANGES",
    "IMDRF_CATEGORIES",
    "LIU_2019",
    "acquisition_augment",
    "add_marker",
    "blob_score",
    "fgsm",
    "fit_temperature",
    "grad_cam",
    "gradient_saliency",
    "imdrf_category",
    "logits",
    "occlusion_map",
    "pointing_chance",
    "pointing_game",
    "rank_correlation",
    "scanner_shift_run",
    "scanner_sweep",
    "simulate_readers",
]

# Liu X, Faes L, Kale AU, et al. A comparison of deep learning performance against health-care professionals in
# detecting diseases from medical imaging: a systematic review and meta-analysis. Lancet Digit Health
# 2019;1(6):e271-e297. https://doi.org/10.1016/S2589-7500(19)30123-2 (abstract and results). Pooled over the
# 14 studies that compared deep learning (DL) and health-care professionals (HCP) on the same held-out sample;
# values in %, (estimate, lo, hi).
LIU_2019 = {
    "doi": "10.1016/S2589-7500(19)30123-2",
    "studies_screened": 31_587,
    "studies_included": 82,
    "same_sample_comparisons": 14,
    "sensitivity": {"DL": (87.0, 83.0, 90.2), "HCP": (86.4, 79.9, 91.0)},
    "specificity": {"DL": (92.5, 85.1, 96.4), "HCP": (90.5, 80.6, 95.7)},
}

# IMDRF/SaMD WG/N12FINAL:2014 (18 Sep 2014), SaMD categories by state of the healthcare situation (rows) and
# significance of the information the software provides (columns); IV = highest impact.
# Source:
# https://www.imdrf.org/documents/software-medical-device-possible-framework-risk-categorization-and-corresponding-considerations
IMDRF_CATEGORIES = {
    "critical": {"treat or diagnose": "IV", "drive clinical management": "III", "inform clinical management": "II"},
    "serious": {"treat or diagnose": "III", "drive clinical management": "II", "inform clinical management": "I"},
    "non-serious": {"treat or diagnose": "II", "drive clinical management": "I", "inform clinical management": "I"},
}


def imdrf_category(situation: str, significance: str) -> str:
    """IMDRF SaMD category (I lowest to IV highest) of a software's intended use (IMDRF N12, 2014).

    Parameters
    ----------
    situation : {"critical", "serious", "non-serious"}
        State of the healthcare situation or condition.
    significance : {"treat or diagnose", "drive clinical management", "inform clinical management"}
        Significance of the information the software provides to the healthcare decision.

    Returns
    -------
    str
        ``"I"``, ``"II"``, ``"III"`` or ``"IV"``.

    References
    ----------
    .. [1] IMDRF SaMD Working Group. Software as a Medical Device: Possible Framework for Risk Categorization and
       Corresponding Considerations. IMDRF/SaMD WG/N12FINAL:2014.
       https://www.imdrf.org/documents/software-medical-device-possible-framework-risk-categorization-and-corresponding-considerations
    """
    if situation not in IMDRF_CATEGORIES:
        raise ValueError(f"unknown situation {situation!r}; use one of {sorted(IMDRF_CATEGORIES)}")
    row = IMDRF_CATEGORIES[situation]
    if significance not in row:
        raise ValueError(f"unknown significance {significance!r}; use one of {sorted(row)}")
    return row[significance]


# ----------------------------------------------------------------------------------------------- readers
def simulate_readers(labels, ease, *, n_readers: int = 5, skill: float = 5.0, seed: int = 0):
    """Operating points of simulated human readers (not a reader study: a stand-in with known behaviour).

    Each reader sees, for every image, an internal "suspicion" ``z``: standard normal noise for images without a
    lesion, noise plus ``skill_r × skill × ease`` for images with one (a visible lesion is easier to see). Reader
    ``r`` calls a lesion when ``z`` exceeds a personal threshold: cautious readers have high thresholds (high
    specificity), eager readers low ones (high sensitivity). This is the classic signal-detection picture of
    reading (equal-variance Gaussian model).

    Parameters
    ----------
    labels : array_like, (n,) int
        1 = lesion present.
    ease : array_like, (n,) float
        How visible each lesion is, 0..1 (ignored for negatives).
    n_readers : int
    skill : float
        Separation (in noise SDs) for the most visible lesion of an average reader.
    seed : int

    Returns
    -------
    pandas.DataFrame
        One row per reader: ``reader``, ``threshold``, ``sensitivity``, ``specificity``.
    """
    import pandas as pd

    y = np.asarray(labels).astype(bool)
    ease = np.nan_to_num(np.asarray(ease, dtype=float))
    if y.shape != ease.shape or n_readers < 1:
        raise ValueError(f"labels and ease must have equal shapes and n_readers >= 1, got {y.shape}, "
                         f"{ease.shape}, {n_readers}")
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(n_readers):
        reader_skill = rng.uniform(0.8, 1.2)
        threshold = np.linspace(0.6, 1.8, n_readers)[r]  # from eager to cautious
        z = rng.normal(size=len(y)) + np.where(y, reader_skill * skill * ease, 0.0)
        sens, spec = operating_point(y, z, threshold)
        rows.append({"reader": f"reader {r + 1}", "threshold": threshold, "sensitivity": sens, "specificity": spec})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------- saliency
def _as_batch(images) -> torch.Tensor:
    x = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3:
        raise ValueError(f"images must be (h, w) or (n, h, w) grey, got shape {tuple(x.shape)}")
    return x[:, None]


def logits(model, images, *, batch_size: int = 64) -> np.ndarray:
    """Raw logits ``(n, n_classes)`` float64 of a CNN for grey images ``(n, h, w)`` (eval mode)."""
    return nets.predict(model, _as_batch(images), batch_size=batch_size).double().numpy()


def gradient_saliency(model, images, *, target: int = 1) -> np.ndarray:
    """Vanilla gradient saliency: ``|∂ logit_target / ∂ pixel|`` (Simonyan et al. 2014).

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(n, 1, h, w)`` to logits.
    images : ndarray, (n, h, w) or (h, w)
    target : int
        Class whose logit is explained.

    Returns
    -------
    ndarray, (n, h, w) float32

    References
    ----------
    .. [1] Simonyan K, Vedaldi A, Zisserman A. Deep inside convolutional networks: visualising image
       classification models and saliency maps. ICLR Workshop 2014. https://arxiv.org/abs/1312.6034
    """
    model.eval()
    x = _as_batch(images).requires_grad_(True)
    (grad,) = torch.autograd.grad(model(x)[:, target].sum(), x)
    return grad.abs()[:, 0].numpy()


@torch.no_grad()
def occlusion_map(model, image, *, patch: int = 8, stride: int = 4, target: int = 1, fill: float | None = None):
    """Occlusion sensitivity: how much P(target) drops when a square patch is covered (Zeiler & Fergus 2014).

    Parameters
    ----------
    model : torch.nn.Module
    image : ndarray, (h, w)
    patch, stride : int
        Side of the covering square and step between positions, in pixels.
    target : int
    fill : float, optional
        Value painted into the patch (default: the image mean).

    Returns
    -------
    ndarray, (h, w) float32
        Mean probability drop over all patches covering each pixel (positive = the region supported the class).

    References
    ----------
    .. [1] Zeiler MD, Fergus R. Visualizing and understanding convolutional networks. ECCV 2014, LNCS
       8689:818-833. https://doi.org/10.1007/978-3-319-10590-1_53
    """
    img = np.asarray(image, dtype=np.float32)
    if img.ndim != 2 or not 0 < patch <= min(img.shape) or stride < 1:
        raise ValueError(f"need a 2D image and 0 < patch <= image side, stride >= 1; got {img.shape}, "
                         f"patch={patch}, stride={stride}")
    model.eval()
    h, w = img.shape
    fill = float(img.mean()) if fill is None else fill
    corners = [(y, x) for y in range(0, h - patch + 1, stride) for x in range(0, w - patch + 1, stride)]
    batch = np.repeat(img[None], len(corners), axis=0)
    for k, (y, x) in enumerate(corners):
        batch[k, y:y + patch, x:x + patch] = fill
    base = torch.softmax(model(_as_batch(img)), 1)[0, target].item()
    probs = nets.predict(model, _as_batch(batch), batch_size=64,
                         forward=lambda x: torch.softmax(model(x), 1)[:, target]).numpy()
    heat, count = np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)
    for (y, x), p in zip(corners, probs, strict=True):
        heat[y:y + patch, x:x + patch] += base - p
        count[y:y + patch, x:x + patch] += 1
    return heat / np.maximum(count, 1)


def grad_cam(model, images, *, target: int = 1) -> np.ndarray:
    """Grad-CAM of a CNN with ``features``, ``pool`` and ``classifier`` parts (Selvaraju et al., ICCV 2017).

    The last conv block's feature maps ``A_k`` are weighted by the spatial mean of ``∂ logit_target / ∂ A_k`` and
    summed; negative evidence is cut (ReLU); the map is upsampled (bilinear) to the image size.

    Parameters
    ----------
    model : helpers.nets.SmallCNN (or any module with ``features``, ``pool``, ``classifier``)
    images : ndarray, (n, h, w) or (h, w)
    target : int

    Returns
    -------
    ndarray, (n, h, w) float32, ≥ 0

    References
    ----------
    .. [1] Selvaraju RR, Cogswell M, Das A, et al. Grad-CAM: visual explanations from deep networks via
       gradient-based localization. ICCV 2017:618-626. https://doi.org/10.1109/ICCV.2017.74
    """
    if not all(hasattr(model, part) for part in ("features", "pool", "classifier")):
        raise TypeError("grad_cam needs a model with .features, .pool and .classifier (e.g. helpers.nets.SmallCNN)")
    model.eval()
    x = _as_batch(images)
    maps = model.features(x)                                   # (n, channels, h', w')
    (grad,) = torch.autograd.grad(model.classifier(model.pool(maps))[:, target].sum(), maps)
    cam = F.relu((grad.mean(dim=(2, 3), keepdim=True) * maps).sum(1, keepdim=True))
    return F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)[:, 0].detach().numpy()


def _dilate(masks: np.ndarray, tolerance_px: int) -> np.ndarray:
    from scipy import ndimage as ndi

    if tolerance_px == 0:
        return masks.astype(bool)
    structure = np.zeros((1, 3, 3), bool)
    structure[0] = ndi.generate_binary_structure(2, 1)
    return ndi.binary_dilation(masks, structure=structure, iterations=tolerance_px)


def pointing_game(maps, masks, *, tolerance_px: int = 2) -> np.ndarray:
    """Pointing game (Zhang et al., ECCV 2016): does each map's maximum fall on the lesion (± tolerance)?

    Parameters
    ----------
    maps : ndarray, (n, h, w)
        Saliency maps.
    masks : ndarray, (n, h, w) bool
        True lesion masks.
    tolerance_px : int
        The mask is dilated by this many pixels (4-connected steps) before the test.

    Returns
    -------
    ndarray, (n,) bool
        Hits.

    References
    ----------
    .. [1] Zhang J, Lin Z, Brandt J, Shen X, Sclaroff S. Top-down neural attention by excitation backprop.
       ECCV 2016, LNCS 9908:543-559. https://doi.org/10.1007/978-3-319-46493-0_33
    """
    maps, masks = np.asarray(maps), np.asarray(masks, bool)
    if maps.shape != masks.shape or maps.ndim != 3:
        raise ValueError(f"maps and masks must both be (n, h, w), got {maps.shape} and {masks.shape}")
    if tolerance_px < 0:
        raise ValueError(f"tolerance_px must be >= 0, got {tolerance_px}")
    target = _dilate(masks, tolerance_px).reshape(len(maps), -1)
    best = maps.reshape(len(maps), -1).argmax(1)
    return target[np.arange(len(maps)), best]


def pointing_chance(masks, foreground, *, tolerance_px: int = 2) -> np.ndarray:
    """Hit probability of a map that points at a random foreground pixel: (dilated lesion ∩ foreground) / foreground.

    Returns
    -------
    ndarray, (n,) float64
    """
    masks, fg = np.asarray(masks, bool), np.asarray(foreground, bool)
    if masks.shape != fg.shape or masks.ndim != 3:
        raise ValueError(f"masks and foreground must both be (n, h, w), got {masks.shape} and {fg.shape}")
    target = _dilate(masks, tolerance_px) & fg
    return target.sum((1, 2)) / np.maximum(fg.sum((1, 2)), 1)


# ---------------------------------------------------------------------------------------- failure modes
# Ranges of the acquisition augmentation: broad, and chosen to include scanner B's settings
# (helpers.datasets.SCANNERS["B"]: half resolution, blur 0.7 px, bias 0.3, gain 0.75, offset 0.08, noise 0.05).
ACQUISITION_RANGES = {
    "p_half_resolution": 0.5,
    "blur_sigma_px": (0.0, 1.0),
    "bias_amplitude": (0.0, 0.4),
    "gain": (0.65, 1.1),
    "offset": (0.0, 0.12),
    "noise_sd": (0.0, 0.07),
}


def _blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Separable Gaussian blur with one sigma per image (5 taps, edges replicated); x (n, 1, h, w)."""
    taps = torch.arange(-2, 3, dtype=x.dtype)
    kernel = torch.exp(-taps**2 / (2 * sigma.clamp_min(1e-3) ** 2))      # (n, 1, 1, 5)
    kernel = kernel / kernel.sum(-1, keepdim=True)
    h, w = x.shape[-2:]
    padded = F.pad(x, (2, 2, 0, 0), mode="replicate")
    x = sum(kernel[..., t:t + 1] * padded[..., t:t + w] for t in range(5))
    padded = F.pad(x, (0, 0, 2, 2), mode="replicate")
    return sum(kernel[..., t:t + 1] * padded[..., t:t + h, :] for t in range(5))


def acquisition_augment(x: torch.Tensor, ranges: dict | None = None) -> torch.Tensor:
    """Random acquisition changes per image: resolution, blur, bias field, intensity, noise (torch's generator).

    For ``helpers.nets.train_classifier(augment=...)``: every training image is "re-acquired" on a random
    scanner, so the network cannot rely on one scanner's look. Steps follow
    :func:`helpers.datasets.apply_scanner`'s order; every parameter is drawn uniformly from ``ranges``.

    Parameters
    ----------
    x : torch.Tensor, (n, 1, h, w) float
        A batch of grey images, intensities ~[0, 1]; h and w even.
    ranges : dict, optional
        Keys as :data:`ACQUISITION_RANGES` (the default): ``p_half_resolution`` (probability of a 2 × 2 block
        average, upsampled back), ``blur_sigma_px``, ``bias_amplitude``, ``gain``, ``offset``, ``noise_sd``
        (each a (low, high) range, intensities in image units, blur in pixels).

    Returns
    -------
    torch.Tensor, (n, 1, h, w)

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> acquisition_augment(torch.full((3, 1, 8, 8), 0.5)).shape
    torch.Size([3, 1, 8, 8])
    """
    r = {**ACQUISITION_RANGES, **(ranges or {})}
    if x.ndim != 4 or x.shape[1] != 1 or x.shape[2] % 2 or x.shape[3] % 2:
        raise ValueError(f"x must be (n, 1, h, w) with even h and w, got {tuple(x.shape)}")
    n, _, h, w = x.shape

    def draw(key):  # one value per image, shaped to broadcast over (1, h, w)
        lo, hi = r[key]
        return lo + (hi - lo) * torch.rand(n, 1, 1, 1)

    half = F.interpolate(F.avg_pool2d(x, 2), size=(h, w), mode="bilinear", align_corners=False)
    x = torch.where(torch.rand(n, 1, 1, 1) < r["p_half_resolution"], half, x)
    x = _blur(x, draw("blur_sigma_px"))
    yy = torch.linspace(-1, 1, h).view(1, 1, h, 1)
    xx = torch.linspace(-1, 1, w).view(1, 1, 1, w)
    phi = 2 * np.pi * torch.rand(n, 1, 1, 1)
    x = x * (1 + draw("bias_amplitude") * (torch.cos(phi) * xx + torch.sin(phi) * yy))  # linear bias field
    x = draw("gain") * x + draw("offset")
    return x + draw("noise_sd") * torch.randn_like(x)


def blob_score(images, *, sigma: float = 1.0, rank: int = 3) -> np.ndarray:
    """Score of a hand-made bright-blob detector: the `rank`-th brightest pixel after Gaussian smoothing.

    ``helpers.classical.threshold_detector`` (smooth, fixed threshold, at least a few pixels) fires roughly when
    this score exceeds its threshold; as a score it gives the detector a ROC curve and an AUC.

    Parameters
    ----------
    images : ndarray, (n, h, w)
    sigma : float
        Smoothing in pixels.
    rank : int
        1 = the brightest pixel; 3 asks for a blob of a few pixels.

    Returns
    -------
    ndarray, (n,) float
    """
    from scipy import ndimage as ndi

    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3 or not 1 <= rank <= images.shape[1] * images.shape[2]:
        raise ValueError(f"images must be (n, h, w) and 1 <= rank <= h*w, got {images.shape}, rank={rank}")
    smooth = ndi.gaussian_filter(images, sigma=(0, sigma, sigma)).reshape(len(images), -1)
    return -np.partition(-smooth, rank - 1, axis=1)[:, rank - 1]


def add_marker(images, where, *, box: tuple[int, int, int, int] = (2, 2, 1, 12), value: float = 1.0) -> np.ndarray:
    """Burn a bright mark (like a ruler or a text bar) into the selected images: a spurious shortcut.

    Parameters
    ----------
    images : ndarray, (n, h, w)
    where : array_like, (n,) bool
        Which images get the mark.
    box : (row, col, height, width)
        Rectangle painted, in pixels (default: a 1 × 12 px line near the top-left corner).
    value : float
        Intensity painted.

    Returns
    -------
    ndarray, (n, h, w) float32 (a copy)
    """
    out = np.array(images, dtype=np.float32, copy=True)
    where = np.asarray(where, bool)
    if out.ndim != 3 or where.shape != (len(out),):
        raise ValueError(f"images must be (n, h, w) and where (n,), got {out.shape} and {where.shape}")
    r, c, height, width = box
    if not (0 <= r and 0 <= c and height > 0 and width > 0 and r + height <= out.shape[1]
            and c + width <= out.shape[2]):
        raise ValueError(f"marker box {box} does not fit in {out.shape[1:]} images")
    out[where, r:r + height, c:c + width] = value
    return out


def fgsm(model, images, labels, *, eps: float, batch_size: int = 64) -> np.ndarray:
    """Fast gradient sign method (Goodfellow et al., ICLR 2015): ``x + eps · sign(∇x loss)``.

    Parameters
    ----------
    model : torch.nn.Module
    images : ndarray, (n, h, w), intensities ~[0, 1]
    labels : array_like, (n,) int
        The labels whose loss is increased (use the model's own predictions to flip them).
    eps : float
        Size of the perturbation per pixel, in image intensity units (not clipped).
    batch_size : int, optional
        Images per backward pass (memory); each image's gradient depends only on itself (eval mode).

    Returns
    -------
    ndarray, (n, h, w) float32

    References
    ----------
    .. [1] Goodfellow IJ, Shlens J, Szegedy C. Explaining and harnessing adversarial examples. ICLR 2015.
       https://arxiv.org/abs/1412.6572
    """
    if eps < 0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    model.eval()
    x_all = _as_batch(images)
    y_all = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    out = []
    for start in range(0, len(x_all), batch_size):
        x = x_all[start : start + batch_size].clone().requires_grad_(True)
        # summed loss: each image gets its own loss gradient (the sign is what FGSM uses)
        loss = F.cross_entropy(model(x), y_all[start : start + batch_size], reduction="sum")
        (grad,) = torch.autograd.grad(loss, x)
        out.append((x + eps * grad.sign()).detach()[:, 0])
    return torch.cat(out).numpy()


# ------------------------------------------------------------------------------------------ calibration
def fit_temperature(logits_val, labels_val, *, bounds=(0.05, 20.0)) -> float:
    """Temperature scaling (Guo et al., ICML 2017): the T > 0 minimising the NLL of ``softmax(logits / T)``.

    Fitted on a validation set, never on the test set. A single scalar: the ranking of the predictions (hence
    the AUC and accuracy) does not change, only their confidence.

    Parameters
    ----------
    logits_val : ndarray, (n, n_classes)
    labels_val : ndarray, (n,) int
    bounds : (float, float)
        Search interval for T (searched on log T).

    Returns
    -------
    float

    References
    ----------
    .. [1] Guo C, Pleiss G, Sun Y, Weinberger KQ. On calibration of modern neural networks. ICML, PMLR
       2017;70:1321-1330. https://proceedings.mlr.press/v70/guo17a.html
    """
    from scipy.optimize import minimize_scalar

    z = torch.as_tensor(np.asarray(logits_val), dtype=torch.float64)
    y = torch.as_tensor(np.asarray(labels_val), dtype=torch.long)
    if z.ndim != 2 or len(z) != len(y):
        raise ValueError(f"logits must be (n, classes) and labels (n,), got {tuple(z.shape)} and {tuple(y.shape)}")

    def nll(log_t: float) -> float:
        return float(F.cross_entropy(z / np.exp(log_t), y))

    result = minimize_scalar(nll, bounds=np.log(bounds), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(result.x))


def scanner_shift_run(seed: int = 0, *, n_train: int = 1000, n_test: int = 400, epochs: int = 6,
                      lesions: dict | None = None) -> dict[str, float]:
    """One run of the scanner-shift experiment: test AUCs on scanners A and B of four detectors.

    The hand-made blob detector (:func:`blob_score`), the small CNN trained on scanner A without and with
    :func:`acquisition_augment`, and the same CNN trained on the same slices acquired on scanner B (the ceiling:
    what B's images still contain). Data seeds ``10 * seed`` (training) and ``10 * seed + 1`` (test); the
    network's initialisation and batch order use ``seed``. Seed 0 is the notebook's live run.

    Parameters
    ----------
    seed : int
    n_train, n_test : int
        Images per set.
    epochs : int
    lesions : dict, optional
        ``contrast`` and ``radius_mm`` ranges for :func:`helpers.datasets.lesion_slices` (default: the 09
        notebook's harder lesions).

    Returns
    -------
    dict
        ``{"<detector> on <scanner>": AUC}`` for detectors "blob detector", "CNN (A)", "CNN (A + augmentation)",
        "CNN (B)" and scanners "A", "B".
    """
    from . import datasets
    from .metrics import roc_auc

    lesions = lesions or {"contrast": (0.1, 0.4), "radius_mm": (3.0, 10.0)}
    test = {s: datasets.lesion_slices(n_test, seed=10 * seed + 1, scanner=s, **lesions) for s in "AB"}
    scores = {f"blob detector on {s}": roc_auc(test[s].labels, blob_score(test[s].images)) for s in "AB"}
    for name, scanner, augment in [("CNN (A)", "A", None), ("CNN (A + augmentation)", "A", acquisition_augment),
                                   ("CNN (B)", "B", None)]:
        train = datasets.lesion_slices(n_train, seed=10 * seed, scanner=scanner, **lesions)
        nets.set_seed(seed)
        model = nets.SmallCNN(1, 2, width=8)
        nets.train_classifier(model, train.images[:, None], train.labels, epochs=epochs, batch_size=32,
                              seed=seed, augment=augment, progress=False)
        for s in "AB":
            scores[f"{name} on {s}"] = roc_auc(test[s].labels, nets.predict_proba(model, test[s].images[:, None]))
    return scores


def rank_correlation(maps_a, maps_b) -> np.ndarray:
    """Spearman rank correlation between paired saliency maps, one value per image (Adebayo et al. 2018).

    Parameters
    ----------
    maps_a, maps_b : ndarray, (n, h, w)

    Returns
    -------
    ndarray, (n,) float
        In -1..1; 0 where either map is constant (e.g. all zero after Grad-CAM's ReLU), which has no ranking.

    References
    ----------
    .. [1] Adebayo J, Gilmer J, Muelly M, Goodfellow I, Hardt M, Kim B. Sanity checks for saliency maps.
       NeurIPS 2018. https://arxiv.org/abs/1810.03292
    """
    from scipy.stats import rankdata

    a, b = np.asarray(maps_a, dtype=float), np.asarray(maps_b, dtype=float)
    if a.shape != b.shape or a.ndim != 3:
        raise ValueError(f"maps must both be (n, h, w), got {a.shape} and {b.shape}")
    ra = rankdata(a.reshape(len(a), -1), axis=1)
    rb = rankdata(b.reshape(len(b), -1), axis=1)
    ra -= ra.mean(1, keepdims=True)
    rb -= rb.mean(1, keepdims=True)
    norm = np.sqrt((ra**2).sum(1) * (rb**2).sum(1))
    return np.divide((ra * rb).sum(1), norm, out=np.zeros(len(a)), where=norm > 0)


SWEEP_CSV = Path(__file__).parent / "data" / "scanner_sweep.csv"  # written by ``python -m tools.scanner_sweep``


def scanner_sweep():
    """The precomputed :func:`scanner_shift_run` over seeds 0-4: a DataFrame, one row per seed (index ``seed``)."""
    import pandas as pd

    if not SWEEP_CSV.exists():
        raise FileNotFoundError(f"{SWEEP_CSV} is missing: run `python -m tools.scanner_sweep` from the repository")
    return pd.read_csv(SWEEP_CSV, index_col="seed")
