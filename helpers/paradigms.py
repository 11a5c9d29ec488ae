"""Small models and training loops for the learning-paradigm notebook (04): anomaly detection and MIL.

The notebook keeps each paradigm's idea in view (train on normal images only; a bag is positive if any patch is;
attention weights the patches); this module holds the plumbing: a small convolutional autoencoder, its seeded
training loop with a progress bar, anomaly scores from reconstruction errors, colour features of pathology
patches, and a multiple-instance model with max or attention pooling (Ilse, Tomczak & Welling, "Attention-based
deep multiple instance learning", ICML 2018, https://proceedings.mlr.press/v80/ilse18a.html). It imports torch at
the top, so only torch notebooks import it.

Shapes: grey images are ``(n, h, w)`` float arrays (``h`` and ``w`` divisible by 8 for the autoencoder); MIL bags
of features are ``(n_bags, bag_size, n_features)``; RGB patches are ``(..., p, p, 3)`` floats in 0..1.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from . import nets

__all__ = [
    "ConvAutoencoder",
    "train_autoencoder",
    "reconstruct",
    "anomaly_maps",
    "PATCH_FEATURE_NAMES",
    "patch_features",
    "MILNet",
    "train_mil",
    "predict_mil",
]


# --- unsupervised anomaly detection ---------------------------------------------------------------------------


class ConvAutoencoder(nn.Module):
    """A small convolutional autoencoder for ``(N, 1, H, W)`` images (H, W divisible by 8).

    Layout (``width=w``, ``latent=c``)::

        encoder: conv3x3 stride 2 (1→w) - ReLU - conv3x3 s2 (w→2w) - ReLU - conv3x3 s2 (2w→2w) - ReLU
                 - conv1x1 (2w→c)                                   (N, c, H/8, W/8): the bottleneck
        decoder: conv1x1 (c→2w) - ReLU - convT4x4 s2 (2w→2w) - ReLU - convT4x4 s2 (2w→w) - ReLU
                 - convT4x4 s2 (w→1)                                (N, 1, H, W)

    The narrow bottleneck (``c`` numbers per 8 x 8 pixel block) forces the model to keep what is typical of its
    training images and drop the rest: trained on normal slices only, it cannot reproduce a lesion well.

    Parameters
    ----------
    width : int
        Channels of the first layer (>= 1).
    latent : int
        Channels of the bottleneck (>= 1).
    """

    def __init__(self, width: int = 8, latent: int = 8):
        super().__init__()
        if width < 1 or latent < 1:
            raise ValueError(f"width and latent must be >= 1, got width={width}, latent={latent}")
        w = width
        self.encoder = nn.Sequential(
            nn.Conv2d(1, w, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(w, 2 * w, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * w, 2 * w, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * w, latent, 1),
        )
        self.decoder = nn.Sequential(
            nn.Conv2d(latent, 2 * w, 1), nn.ReLU(),
            nn.ConvTranspose2d(2 * w, 2 * w, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(w, 1, 4, stride=2, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 1 or x.shape[2] % 8 or x.shape[3] % 8:
            raise ValueError(f"input must be (N, 1, H, W) with H, W divisible by 8, got {tuple(x.shape)}")
        return self.decoder(self.encoder(x))


def _as_image_tensor(images) -> torch.Tensor:
    arr = np.asarray(images, dtype=np.float32)
    if arr.ndim != 3 or arr.shape[0] == 0:
        raise ValueError(f"images must be a non-empty stack (n, h, w), got shape {arr.shape}")
    if arr.shape[1] % 8 or arr.shape[2] % 8:
        raise ValueError(f"image height and width must be divisible by 8, got {arr.shape[1:]}; crop or pad them")
    if not np.isfinite(arr).all():
        raise ValueError("images contain NaN or infinite values")
    return torch.from_numpy(arr[:, None].copy())


def train_autoencoder(model: nn.Module, images, *, epochs: int = 10, batch_size: int = 32, lr: float = 3e-3,
                      seed: int = 0, progress: bool = True) -> list[float]:
    """Train an autoencoder to reproduce ``images`` (mean squared error, Adam), seeded, with a progress bar.

    Parameters
    ----------
    model : nn.Module
        Maps ``(N, 1, H, W)`` to the same shape, e.g. :class:`ConvAutoencoder`. Trained in place.
    images : array_like, (n, h, w), float
        Training images (for anomaly detection: normal ones only).
    epochs, batch_size : int, keyword-only
        Passes over the data and images per step (>= 1).
    lr : float, keyword-only
        Adam learning rate.
    seed : int, keyword-only
        Seeds the batch order (initial weights come from torch's global seed: call ``torch.manual_seed`` before
        building the model).
    progress : bool, keyword-only
        Show a ``tqdm`` progress bar over the steps.

    Returns
    -------
    list of float
        Mean training loss of each epoch.
    """
    x = _as_image_tensor(images)
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be >= 1, got {epochs} and {batch_size}")
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    # the target is the input itself
    run = nets.fit(model, optimiser, (x, x), loss=_squared_error, epochs=epochs, batch_size=batch_size, seed=seed,
                   progress=progress, desc="autoencoder")
    return run["loss"]


def _squared_error(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return ((output - target) ** 2).mean()


def reconstruct(model: nn.Module, images, *, batch_size: int = 256) -> np.ndarray:
    """Return the model's reconstructions of ``images``, ``(n, h, w)`` float32."""
    return nets.predict(model, _as_image_tensor(images), batch_size=batch_size)[:, 0].numpy()


def anomaly_maps(images, reconstructions, *, sigma_px: float = 1.0, bright_only: bool = True):
    """Reconstruction-error maps and one anomaly score per image.

    Parameters
    ----------
    images, reconstructions : array_like, (n, h, w), same shape
    sigma_px : float, keyword-only
        Gaussian smoothing (pixels) of the error map, so one noisy pixel does not make an anomaly (0 = none).
    bright_only : bool, keyword-only
        Keep only ``image - reconstruction > 0`` (the simulated lesions are brighter than tissue); ``False``
        uses the absolute error, for anomalies of either sign.

    Returns
    -------
    maps : ndarray, (n, h, w), float32
        Smoothed error maps.
    scores : ndarray, (n,), float64
        The maximum of each map: the image's anomaly score.
    """
    from scipy import ndimage as ndi

    images, reconstructions = np.asarray(images, np.float32), np.asarray(reconstructions, np.float32)
    if images.shape != reconstructions.shape or images.ndim != 3:
        raise ValueError(f"images and reconstructions must be (n, h, w) of one shape, got {images.shape} and "
                         f"{reconstructions.shape}")
    if sigma_px < 0:
        raise ValueError(f"sigma_px must be >= 0, got {sigma_px}")
    error = images - reconstructions
    error = np.clip(error, 0, None) if bright_only else np.abs(error)
    maps = ndi.gaussian_filter(error, sigma=(0, sigma_px, sigma_px)) if sigma_px > 0 else error
    return maps.astype(np.float32), maps.reshape(len(maps), -1).max(axis=1).astype(np.float64)


# --- multiple-instance learning -------------------------------------------------------------------------------

PATCH_FEATURE_NAMES: tuple[str, ...] = (
    "haematoxylin_mean", "haematoxylin_std",  # nuclei stain (blue): dense, dark nuclei in tumour
    "residual_mean", "residual_std",          # rgb2hed's eosin axis: no eosin in H-DAB, so what H and DAB leave
    "dab_mean", "dab_std", "dab_p90",         # DAB (brown): the immunohistochemistry marker
    "brightness_mean",                        # mean RGB: tumour regions are darker overall
)


def patch_features(patches) -> np.ndarray:
    """Colour features of RGB pathology patches from stain separation (colour deconvolution).

    ``skimage.color.rgb2hed`` splits each pixel along the haematoxylin, eosin and DAB stain vectors (Ruifrok &
    Johnston 2001). The patches are H-DAB immunohistochemistry, which has no eosin: the middle axis keeps only
    the absorbance that haematoxylin and DAB do not explain, hence its name ``residual``. The features are the
    means and spreads of the three channels per patch (see :data:`PATCH_FEATURE_NAMES`).

    Parameters
    ----------
    patches : array_like, (..., p, p, 3), float in 0..1
        Any number of leading axes, e.g. bags ``(n_bags, bag_size, p, p, 3)``.

    Returns
    -------
    ndarray, (..., len(PATCH_FEATURE_NAMES)), float32

    References
    ----------
    .. [1] Ruifrok AC, Johnston DA. Quantification of histochemical staining by color deconvolution. Anal
       Quant Cytol Histol 2001;23(4):291-299. https://pubmed.ncbi.nlm.nih.gov/11531144/
    """
    from skimage.color import rgb2hed

    arr = np.asarray(patches, dtype=np.float32)
    if arr.ndim < 3 or arr.shape[-1] != 3:
        raise ValueError(f"patches must be (..., p, p, 3) RGB, got shape {arr.shape}")
    if arr.min() < 0 or arr.max() > 1:
        raise ValueError("patch values must lie in 0..1 (divide uint8 images by 255)")
    lead, p_h, p_w = arr.shape[:-3], arr.shape[-3], arr.shape[-2]
    flat = arr.reshape(-1, p_h * p_w, 3)
    hed = rgb2hed(flat.reshape(-1, p_w, 3)).reshape(flat.shape)
    h, residual, dab = hed[..., 0], hed[..., 1], hed[..., 2]
    columns = [h.mean(1), h.std(1), residual.mean(1), residual.std(1), dab.mean(1), dab.std(1),
               np.percentile(dab, 90, axis=1), flat.mean(axis=(1, 2))]
    return np.stack(columns, axis=-1).astype(np.float32).reshape(*lead, len(PATCH_FEATURE_NAMES))


class MILNet(nn.Module):
    """Multiple-instance classifier: embed each instance, pool the bag, classify the bag.

    ``pooling="max"``: each instance gets a tumour logit and the bag's logit is the largest (a bag is positive if
    its most suspicious instance is). ``pooling="attention"`` (Ilse et al. 2018): instance embeddings ``h_k`` are
    averaged with weights ``a_k = softmax_k(w^T tanh(V h_k))`` learned from the bag labels alone, then classified.

    Parameters
    ----------
    n_features : int
        Features per instance.
    hidden : int
        Size of the instance embedding.
    pooling : {"max", "attention"}

    Notes
    -----
    ``forward(x)`` takes ``(n_bags, bag_size, n_features)`` and returns ``(bag_logits (n_bags,),
    instance_weights (n_bags, bag_size))``: the attention weights (summing to 1 per bag), or for max pooling the
    instance probabilities. Either shows which instances drove the decision.

    References
    ----------
    .. [1] Ilse M, Tomczak JM, Welling M. Attention-based deep multiple instance learning. ICML, PMLR
       2018;80:2127-2136. https://proceedings.mlr.press/v80/ilse18a.html
    """

    def __init__(self, n_features: int, *, hidden: int = 16, pooling: str = "attention"):
        super().__init__()
        if pooling not in ("max", "attention"):
            raise ValueError(f"pooling must be 'max' or 'attention', got {pooling!r}")
        if n_features < 1 or hidden < 1:
            raise ValueError(f"n_features and hidden must be >= 1, got {n_features} and {hidden}")
        self.pooling = pooling
        self.embed = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU())
        self.attention = nn.Sequential(nn.Linear(hidden, 8), nn.Tanh(), nn.Linear(8, 1))
        self.classify = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.ndim != 3:
            raise ValueError(f"input must be (n_bags, bag_size, n_features), got {tuple(x.shape)}")
        h = self.embed(x)
        if self.pooling == "max":
            instance_logits = self.classify(h).squeeze(-1)
            return instance_logits.max(dim=1).values, torch.sigmoid(instance_logits)
        weights = torch.softmax(self.attention(h).squeeze(-1), dim=1)
        bag = (weights.unsqueeze(-1) * h).sum(dim=1)
        return self.classify(bag).squeeze(-1), weights


def _as_bags(bags, labels=None):
    x = np.asarray(bags, dtype=np.float32)
    if x.ndim != 3 or x.shape[0] == 0:
        raise ValueError(f"bags must be (n_bags, bag_size, n_features), got shape {x.shape}")
    if labels is None:
        return torch.from_numpy(x.copy()), None
    y = np.asarray(labels)
    if y.shape != (len(x),) or not np.isin(y, (0, 1)).all():
        raise ValueError(f"bag labels must be {len(x)} values of 0 or 1, got shape {y.shape}")
    return torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.float32))


def train_mil(model: MILNet, bags, labels, *, epochs: int = 100, lr: float = 1e-2, weight_decay: float = 1e-4,
              progress: bool = True) -> list[float]:
    """Train a MIL model on bag labels only (full batch, Adam, binary cross-entropy).

    Parameters
    ----------
    model : MILNet
        Trained in place (build it right after ``torch.manual_seed`` for reproducible weights).
    bags : array_like, (n_bags, bag_size, n_features)
        Instance features (standardise them first).
    labels : array_like, (n_bags,)
        Bag labels, 0 or 1. Instance labels are never used.
    epochs : int, keyword-only
    lr, weight_decay : float, keyword-only
        Adam settings.
    progress : bool, keyword-only
        Show a ``tqdm`` progress bar over the epochs.

    Returns
    -------
    list of float
        The loss at each epoch.
    """
    x, y = _as_bags(bags, labels)
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    # full-batch gradient descent without dropout: the run is deterministic given the initial weights
    optimiser = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    run = nets.fit(model, optimiser, (x, y), loss=_bag_loss, epochs=epochs, progress=progress,
                   desc=f"MIL ({model.pooling})")
    return run["step_loss"]  # one step per epoch


def _bag_loss(output: tuple[torch.Tensor, torch.Tensor], bag_labels: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of the bag logits (the model's instance weights are not used)."""
    return nn.functional.binary_cross_entropy_with_logits(output[0], bag_labels)


@torch.no_grad()
def predict_mil(model: MILNet, bags) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(bag_probabilities (n_bags,), instance_weights (n_bags, bag_size))`` as float64 arrays."""
    x, _ = _as_bags(bags)
    model.eval()
    logits, weights = model(x)
    return torch.sigmoid(logits).double().numpy(), weights.double().numpy()
