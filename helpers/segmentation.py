"""Lesion segmentation, learned and classic, on the same footing: crops around a click, losses, scores, intervals.

Notebook 06 trains a small U-Net (its code is in the notebook: encoder, decoder, skip connections) and compares
it with notebook 03's semi-automatic threshold. Both methods get the same information: the reader's click on the
lesion. The threshold grows a region from the click; the network sees a crop centred on the click. This module
holds what the comparison needs around the network:

- :func:`crops_around` cuts those crops (and their masks) from the lesion slices;
- :func:`dice_bce_loss`, the training loss (soft Dice + binary cross-entropy, as in nnU-Net);
- :func:`half_way_threshold`, 03's method (its code is shown in 03, this copy is checked against it there);
- :func:`case_scores` (Dice, HD95 per case); the paired interval is :func:`helpers.metrics.paired_bootstrap_difference`.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from . import metrics

__all__ = ["crops_around", "dice_bce_loss", "half_way_threshold", "case_scores"]


def crops_around(images, masks, clicks, *, size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Square crops of ``size`` pixels centred on each click (edge-padded where they leave the image).

    Parameters
    ----------
    images : ndarray, (n, h, w) float
    masks : ndarray, (n, h, w) bool
    clicks : ndarray, (n, 2) float
        (row, col) in pixels, one per image.
    size : int
        Crop side in pixels (even).

    Returns
    -------
    crops : ndarray, (n, size, size) float32
    mask_crops : ndarray, (n, size, size) bool

    Examples
    --------
    >>> image = np.arange(64.0).reshape(1, 8, 8)
    >>> crops, masks = crops_around(image, image > 60, np.array([[4.0, 4.0]]), size=4)
    >>> crops[0, 0].tolist(), crops.shape
    ([18.0, 19.0, 20.0, 21.0], (1, 4, 4))
    """
    images, masks, clicks = np.asarray(images), np.asarray(masks, bool), np.asarray(clicks, float)
    if images.ndim != 3 or masks.shape != images.shape or clicks.shape != (len(images), 2):
        raise ValueError(f"need images and masks (n, h, w) and clicks (n, 2); got {images.shape}, {masks.shape}, "
                         f"{clicks.shape}")
    if size % 2 or size < 4:
        raise ValueError(f"size must be even and >= 4, got {size}")
    half = size // 2
    pad = ((0, 0), (half, half), (half, half))
    padded_images, padded_masks = np.pad(images, pad, mode="edge"), np.pad(masks, pad)
    corners = np.round(clicks).astype(int)  # the click's (row, col) in the padded image is the crop's corner
    crops = np.stack([padded_images[i, r:r + size, c:c + size] for i, (r, c) in enumerate(corners)])
    mask_crops = np.stack([padded_masks[i, r:r + size, c:c + size] for i, (r, c) in enumerate(corners)])
    return crops.astype(np.float32), mask_crops


def dice_bce_loss(logits, masks, *, smooth: float = 1.0):
    """Soft Dice loss plus binary cross-entropy, averaged over the batch (a torch scalar).

    Parameters
    ----------
    logits : torch.Tensor, (n, 1, h, w)
        The network's raw outputs.
    masks : torch.Tensor, (n, 1, h, w) float
        Target masks (0/1).
    smooth : float
        Added to numerator and denominator, so an empty mask predicted empty scores Dice 1.

    Returns
    -------
    torch.Tensor
        ``BCE + (1 - soft Dice)``: cross-entropy gives every pixel a gradient from the start; Dice weighs the small
        lesion as much as the large background.
    """
    import torch.nn.functional as F

    if logits.shape != masks.shape:
        raise ValueError(f"logits {tuple(logits.shape)} and masks {tuple(masks.shape)} must have the same shape")
    probs = logits.sigmoid()
    overlap = (probs * masks).sum(dim=(1, 2, 3))
    soft_dice = (2 * overlap + smooth) / (probs.sum(dim=(1, 2, 3)) + masks.sum(dim=(1, 2, 3)) + smooth)
    return F.binary_cross_entropy_with_logits(logits, masks) + (1 - soft_dice).mean()


def half_way_threshold(image, click, *, radius_px: float = 7, fraction: float = 0.5) -> np.ndarray:
    """Notebook 03's semi-automatic segmentation: threshold half-way from background to peak, grown from a click.

    Parameters
    ----------
    image : ndarray, (h, w) float
    click : (float, float)
        (row, col) of the reader's click, pixels.
    radius_px : float
        Only pixels within this distance of the seed count (background estimate and region).
    fraction : float
        Threshold = background + ``fraction`` × (peak − background).

    Returns
    -------
    ndarray, (h, w) bool
        The connected region under the seed, holes filled; all False when the seed is below the threshold.
    """
    smooth = ndi.gaussian_filter(np.asarray(image, float), 0.7)
    r0, c0 = np.round(click).astype(int)
    box = smooth[r0 - 2:r0 + 3, c0 - 2:c0 + 3]  # the brightest pixel near the click is the seed
    r, c = np.array([r0, c0]) - 2 + np.array(np.unravel_index(box.argmax(), box.shape))
    rows, cols = np.ogrid[:smooth.shape[0], :smooth.shape[1]]
    near = (rows - r) ** 2 + (cols - c) ** 2 <= radius_px**2
    background = np.median(smooth[near])
    regions, _ = ndi.label((smooth > background + fraction * (smooth[r, c] - background)) & near)
    return ndi.binary_fill_holes(regions == regions[r, c]) if regions[r, c] else np.zeros(smooth.shape, bool)


def case_scores(predicted, truth, spacing_mm) -> dict[str, np.ndarray]:
    """Dice and HD95 (mm) of every case.

    Parameters
    ----------
    predicted, truth : ndarray, (n, h, w) bool
    spacing_mm : (float, float)

    Returns
    -------
    dict
        ``"dice"`` (n,) in 0..1 and ``"hd95_mm"`` (n,), ``inf`` where the prediction is empty (a missed lesion).
    """
    predicted, truth = np.asarray(predicted, bool), np.asarray(truth, bool)
    if predicted.shape != truth.shape or predicted.ndim != 3:
        raise ValueError(f"need two (n, h, w) mask stacks of one shape, got {predicted.shape} and {truth.shape}")
    dice = np.array([metrics.dice(p, t) for p, t in zip(predicted, truth, strict=True)])
    hd95 = np.array([metrics.hausdorff_mm(p, t, spacing_mm, percentile=95) for p, t in zip(predicted, truth,
                                                                                            strict=True)])
    return {"dice": dice, "hd95_mm": hd95}
