"""03's sweep widgets: the pure functions against independent computations, and the viewers driven as a student
would (move a slider) to check that the shown score and the picture follow."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from helpers import metrics, tasks
from helpers.task_widgets import (
    LabelNoiseViewer,
    RegistrationViewer,
    ThresholdDiceViewer,
    curve_at,
    rigid_costs,
    threshold_dice,
)
from helpers.tasks_extra import auc_per_row


def _blob(shape=(32, 32), centre=(16, 16), radius=6):
    rows, cols = np.ogrid[:shape[0], :shape[1]]
    return (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius**2


def test_threshold_dice_matches_the_metric_and_peaks_between_leak_and_shrink():
    truth = _blob()
    image = np.where(truth, 1.0, 0.0) + np.random.default_rng(0).normal(0, 0.2, truth.shape)
    grid = np.linspace(image.min(), image.max(), 41)
    curve = threshold_dice(image, truth, grid)
    for t, d in zip(grid[::10], curve[::10], strict=True):
        if (image > t).any():
            assert d == pytest.approx(metrics.dice(image > t, truth))
    best = grid[np.argmax(curve)]
    assert 0.2 < best < 0.8 and curve.max() > 0.9  # the best threshold lies between background and lesion
    assert curve[0] < 0.5 and curve[-1] < 0.5  # too low leaks everywhere, too high keeps almost nothing


def test_threshold_dice_rejects_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        threshold_dice(np.zeros((4, 4)), np.zeros((4, 5), bool), 0.5)
    with pytest.raises(ValueError, match="empty"):
        threshold_dice(np.zeros((4, 4)), np.zeros((4, 4), bool), 0.5)


def test_rigid_costs_are_best_at_the_true_transform():
    fixed = np.zeros((48, 48))
    fixed[12:30, 14:34] = 1.0
    fixed[20:26, 18:24] = 0.4
    moving = tasks.rigid_transform(fixed, angle_deg=-5.0, shift_px=(-3.0, 2.0))  # undone by about +5°, (3, -2)
    undo = tasks.invert_rigid(-5.0, (-3.0, 2.0))
    right = rigid_costs(fixed, moving, undo[0], undo[1])
    for wrong in [(0.0, (0.0, 0.0)), (undo[0] + 6, undo[1]), (undo[0], (undo[1][0] + 3, undo[1][1]))]:
        costs = rigid_costs(fixed, moving, *wrong)
        assert right["mi"] > costs["mi"] and right["ssd"] < costs["ssd"], (wrong, costs, right)
    assert right["mi"] == pytest.approx(tasks.mutual_information(
        fixed, tasks.rigid_transform(moving, angle_deg=undo[0], shift_px=undo[1])))


def test_curve_at_interpolates_and_validates():
    assert curve_at([0.0, 0.1, 0.2], [1.0, 0.8, 0.7], 0.15) == pytest.approx(0.75)
    assert curve_at([0.0, 0.1], [1.0, 0.8], -1.0) == 1.0
    with pytest.raises(ValueError, match="increasing"):
        curve_at([0.0, 0.0], [1.0, 0.8], 0.0)
    with pytest.raises(ValueError, match="same length"):
        curve_at([0.0, 0.1], [1.0], 0.0)


def test_auc_per_row_agrees_with_scikit_learn_including_ties():
    rng = np.random.default_rng(1)
    labels = rng.random((6, 40)) < 0.4
    scores = rng.integers(0, 5, 40).astype(float)  # many ties
    np.testing.assert_allclose(auc_per_row(labels, scores), [roc_auc_score(row, scores) for row in labels])
    with pytest.raises(ValueError, match="one positive and one negative"):
        auc_per_row(np.zeros((1, 40), bool), scores)
    with pytest.raises(ValueError, match="must be"):
        auc_per_row(labels[:, :10], scores)


def test_threshold_viewer_follows_its_slider():
    truth = _blob()
    image = np.where(truth, 1.0, 0.0) + np.linspace(0, 0.4, 32)  # a lesion on a background ramp
    viewer = ThresholdDiceViewer(image, truth, 0.7)
    assert viewer.state["dice"] == pytest.approx(1.0) and viewer.png.startswith(b"\x89PNG")
    first = viewer.png
    viewer.threshold.value = viewer.threshold.min  # everything above the lowest value: a leak
    assert viewer.state["dice"] < 0.5 and viewer.png != first and viewer.n_redraws == 2


def test_registration_viewer_costs_improve_when_moved_back():
    fixed = np.zeros((40, 40))
    fixed[10:25, 12:30] = 1.0
    moving = tasks.rigid_transform(fixed, shift_px=(-4.0, 0.0))
    viewer = RegistrationViewer(fixed, moving)
    before = viewer.state
    viewer.row.value = 4.0
    after = viewer.state
    assert after["mi"] > before["mi"] and after["ssd"] < before["ssd"] and viewer.n_redraws == 2


def test_label_noise_viewer_reads_the_curve():
    viewer = LabelNoiseViewer([0.0, 0.25, 0.5], [0.95, 0.8, 0.5], [0.01, 0.03, 0.05])
    assert viewer.state["auc"] == pytest.approx(0.95)
    viewer.rate.value = 0.5
    assert viewer.state["auc"] == pytest.approx(0.5) and viewer.n_redraws == 2
