"""helpers/segmentation.py: crops, the Dice + BCE loss, 03's threshold, per-case scores and paired intervals."""

import numpy as np
import pytest
import torch

from helpers import metrics, segmentation


def _disk(shape, center, radius):
    rows, cols = np.ogrid[:shape[0], :shape[1]]
    return (rows - center[0]) ** 2 + (cols - center[1]) ** 2 <= radius**2


def test_crops_are_centred_on_the_click_and_padded_at_the_edge():
    masks = np.stack([_disk((40, 40), (20, 12), 3), _disk((40, 40), (1, 1), 2)])
    images = masks.astype(float)
    crops, mask_crops = segmentation.crops_around(images, masks, np.array([[20.0, 12.0], [1.0, 1.0]]), size=16)
    assert crops.shape == (2, 16, 16) and crops.dtype == np.float32
    assert mask_crops[0, 8, 8] and mask_crops[0].sum() == masks[0].sum()  # whole lesion, at the centre
    assert mask_crops[1, 8, 8] and crops[1, 0, 0] == images[1, 0, 0]  # edge-padded, not zero-filled
    with pytest.raises(ValueError, match="even"):
        segmentation.crops_around(images, masks, np.zeros((2, 2)), size=15)


def test_dice_bce_loss_is_low_for_the_truth_high_for_its_opposite_and_differentiable():
    masks = torch.from_numpy(np.stack([_disk((16, 16), (8, 8), 3)])[:, None].astype(np.float32))
    good = (masks * 2 - 1) * 10
    bad = (-good).requires_grad_(True)
    assert segmentation.dice_bce_loss(good, masks) < 0.05
    loss = segmentation.dice_bce_loss(bad, masks)
    assert loss > 1.5
    loss.backward()
    assert bad.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="same shape"):
        segmentation.dice_bce_loss(good[:, :, :8], masks)


def test_half_way_threshold_recovers_a_blurred_disk_and_finds_nothing_off_it():
    truth = _disk((48, 48), (24, 24), 4)
    rng = np.random.default_rng(0)
    image = 0.3 + 0.5 * truth + rng.normal(0, 0.02, truth.shape)
    found = segmentation.half_way_threshold(image, (24.3, 23.8))
    assert metrics.dice(found, truth) > 0.9
    flat = 0.3 + rng.normal(0, 0.02, truth.shape)
    assert segmentation.half_way_threshold(flat, (24, 24)).sum() < truth.sum() / 2


def test_case_scores_agree_with_metrics_and_mark_a_miss_as_infinite():
    truth = np.stack([_disk((32, 32), (16, 16), 5)] * 2)
    predicted = np.stack([_disk((32, 32), (16, 17), 5), np.zeros((32, 32), bool)])
    scores = segmentation.case_scores(predicted, truth, (2.0, 2.0))
    assert scores["dice"][0] == pytest.approx(metrics.dice(predicted[0], truth[0]))
    assert scores["hd95_mm"][0] == pytest.approx(metrics.hausdorff_mm(predicted[0], truth[0], (2, 2), percentile=95))
    assert scores["dice"][1] == 0 and np.isinf(scores["hd95_mm"][1])
