"""Input checks and the colour palette shared by the modules of :mod:`helpers.classical`."""

from __future__ import annotations

import numpy as np

ORANGE, BLUE, GREEN, YELLOW = "#E69F00", "#0072B2", "#009E73", "#F0E442"  # Okabe-Ito colour-blind-safe


def as_2d(image, name: str = "image") -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 2:
        hint = " (pick one channel, e.g. image[..., 1], or convert with skimage.color.rgb2gray)" \
            if image.ndim == 3 and image.shape[-1] in (3, 4) else ""
        raise ValueError(f"{name} must be a 2D (rows, cols) array, got shape {image.shape}{hint}")
    if image.size == 0:
        raise ValueError(f"{name} is empty")
    return image


def as_mask(mask, name: str = "mask") -> np.ndarray:
    mask = as_2d(mask, name)
    if mask.dtype != bool:
        raise TypeError(f"{name} must be a boolean array, got dtype {mask.dtype}; use e.g. `image > threshold`")
    return mask


def as_frame(frame, name: str) -> np.ndarray:
    frame = as_2d(frame, name)
    if frame.dtype != np.uint8:
        raise TypeError(f"{name} must be uint8 for OpenCV, got {frame.dtype}; convert with to_uint8(frame)")
    return frame
