"""Checkers of 07_augmentation_gans.ipynb on small contexts: placeholder, typical mistakes, right answer."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from helpers.exercises import check


def _status(exercise_id, **namespace):
    return check(exercise_id, namespace=namespace, quiet=True)


# ------------------------------------------------------------------------------------------ 07-dice-separate
def _rolling_affine(*inputs):
    """A stand-in for v2.RandomAffine: one random shift (1-6 columns) per call, applied to every input."""
    shift = int(torch.randint(1, 7, ()))
    moved = tuple(torch.roll(x, shift, dims=-1) for x in inputs)
    return moved if len(moved) > 1 else moved[0]


def test_dice_separate():
    mask = torch.zeros(1, 8, 24, dtype=torch.bool)
    mask[:, :, 4:16] = True  # a 12-column stripe
    context = {"affine": _rolling_affine, "image": mask.float(), "mask": mask, "seed": 1}
    torch.manual_seed(1)
    first, second = int(torch.randint(1, 7, ())), int(torch.randint(1, 7, ()))  # joint call; separate mask call
    overlap = max(0, 12 - abs(first - second))
    right = 2 * overlap / 24
    assert _status("07-dice-separate", dice=None, **context).status == "unanswered"
    assert _status("07-dice-separate", dice=right, **context).status == "correct"
    if first != second:  # the stand-in's two draws differ for seed 1, so the masks do
        identical = _status("07-dice-separate", dice=1.0, **context)
        assert identical.status == "wrong" and "identical masks" in identical.message
    assert "far too large" in _status("07-dice-separate", dice=100 * right, **context).message


def test_dice_checker_leaves_the_notebooks_torch_generator_alone():
    mask = torch.ones(1, 4, 8, dtype=torch.bool)
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    _status("07-dice-separate", dice=0.5, affine=_rolling_affine, image=mask.float(), mask=mask, seed=1)
    assert torch.equal(torch.rand(2), expected)


# ------------------------------------------------------------------------------------------ 07-laterality-flip
def test_laterality_flip():
    # Lesion centres (row, column) in 32 columns: column 5 and 20 change sides; 15.5 sits on the midline.
    centers = np.array([[10, 5], [np.nan, np.nan], [12, 20], [3, 15.5]])
    data = SimpleNamespace(images=np.zeros((4, 32, 32)), centers=centers)
    context = {"data": data, "y_train": np.array([1, 0, 1, 1])}
    assert _status("07-laterality-flip", changed_fraction=None, **context).status == "unanswered"
    assert _status("07-laterality-flip", changed_fraction=2 / 3, **context).status == "correct"
    assert "too high" in _status("07-laterality-flip", changed_fraction=1.0, **context).message
    percent = _status("07-laterality-flip", changed_fraction=200 / 3, **context)
    assert "far too large" in percent.message and "0.67" not in percent.message


# ------------------------------------------------------------------------------------------ 07-per-seed-gain
def test_per_seed_gain():
    context = {"auc_aug": [0.9, 0.92, 0.88], "auc_plain": [0.7, 0.75, 0.8]}
    right = np.array([0.2, 0.17, 0.08])
    assert _status("07-per-seed-gain", per_seed_gain=None, **context).status == "unanswered"
    assert _status("07-per-seed-gain", per_seed_gain=right, **context).status == "correct"
    assert "sign of your values is flipped" in _status("07-per-seed-gain", per_seed_gain=-right, **context).message
    single = _status("07-per-seed-gain", per_seed_gain=float(right.mean()), **context)
    assert "an array of 3 numbers" in single.message
    assert "numpy array" in _status("07-per-seed-gain", per_seed_gain=right.tolist(), **context).message


# ------------------------------------------------------------------------------------------ 07-trivial-augment
def _fake_train_and_test(images, labels, *, seed, augment_fn=None, epochs=45):
    """A stand-in for the notebook's train_and_test: the AUC says which options it was given."""
    return None, 0.5 + 0.2 * (augment_fn is not None) + epochs / 1000 + seed / 100


@pytest.fixture
def training_context():
    return {"train_and_test": _fake_train_and_test, "x_train": np.zeros((4, 8, 8)), "y_train": np.array([0, 1, 0, 1]),
            "auc_plain": [0.545, 0.6, 0.6], "auc_aug": [0.9, 0.92, 0.93], "seeds": range(0, 3)}


def test_trivial_augment(training_context):
    right = 0.5 + 0.2 + 0.045  # seed 0, with an augment_fn, the default 45 epochs
    assert _status("07-trivial-augment", auc_trivial=None, **training_context).status == "unanswered"
    assert _status("07-trivial-augment", auc_trivial=right, **training_context).status == "correct"
    plain = _status("07-trivial-augment", auc_trivial=0.545, **training_context)
    assert "without augmentation" in plain.message and str(right) not in plain.message
    assert "flips + affine" in _status("07-trivial-augment", auc_trivial=0.9, **training_context).message
    assert "too low" in _status("07-trivial-augment", auc_trivial=0.7, **training_context).message


# ------------------------------------------------------------------------------------------ 07-synthetic-only
def test_synthetic_only():
    context = {"train_and_test": _fake_train_and_test, "synthetic": np.ones((4, 8, 8)), "syn_labels": np.arange(4) % 2,
               "seeds": range(0, 5)}
    right = 0.5 + 11 / 1000  # seed 0, no augmentation, 11 epochs
    assert _status("07-synthetic-only", auc_synthetic_only=None, **context).status == "unanswered"
    assert _status("07-synthetic-only", auc_synthetic_only=right, **context).status == "correct"
    wrong = _status("07-synthetic-only", auc_synthetic_only=0.9, **context)
    assert "too high" in wrong.message and "0.51" not in wrong.message
    shifted = {**context, "seeds": range(3, 8)}  # the notebook re-run with other seeds: the checker follows them
    assert _status("07-synthetic-only", auc_synthetic_only=right + 0.03, **shifted).status == "correct"


# ------------------------------------------------------------------------------------------ 07-fooled-losses
def test_fooled_losses():
    d_right, g_right = -math.log(0.99) - math.log(0.01), -math.log(0.99)
    assert _status("07-fooled-losses", fooled_d_loss=None, fooled_g_loss=None).status == "unanswered"
    right = _status("07-fooled-losses", fooled_d_loss=torch.tensor(d_right), fooled_g_loss=g_right)
    assert right.status == "correct" and "D must improve" in right.message
    assert "swapped" in _status("07-fooled-losses", fooled_d_loss=g_right, fooled_g_loss=d_right).message
    real_term_only = _status("07-fooled-losses", fooled_d_loss=-math.log(0.01), fooled_g_loss=g_right)
    assert "`fooled_d_loss`: too low" in real_term_only.message and "4.6" not in real_term_only.message
    assert "`fooled_g_loss`: the sign is wrong" in _status("07-fooled-losses", fooled_d_loss=d_right,
                                                           fooled_g_loss=math.log(0.99)).message


# ------------------------------------------------------------------------------------------ 07-copier-test
@pytest.mark.parametrize("nearest_new, right", [(0.05, 1.0), (0.001, 0.0)])
def test_copier_test(nearest_new, right):
    # Noisy copies (noise 0.01) lie about 0.01 from a training image: all closer than 0.05, none closer than 0.001.
    context = {"x_gan": np.random.default_rng(1).random((100, 8, 8)), "d_new": np.array([0.3, nearest_new])}
    assert _status("07-copier-test", copier_fraction=None, **context).status == "unanswered"
    assert _status("07-copier-test", copier_fraction=right, **context).status == "correct"
    wrong = _status("07-copier-test", copier_fraction=0.5, **context)
    assert wrong.status == "wrong" and ("too low" if right else "too high") in wrong.message
    if right:
        assert "far too large" in _status("07-copier-test", copier_fraction=200, **context).message
