"""Checkers of 07_augmentation_gans.ipynb.

Each checker recomputes its expected value from the notebook's own variables (data, transforms, the notebook's
``train_and_test``), so it holds under any seed; training runs inside ``preserved_random_state`` and is remembered,
as in ``nb06``.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ._core import correct, exercise, hint
from ._hints import array, number
from ._magic import fingerprint
from .nb06 import labelled, memo, preserved_random_state


def _matches(value, expected: float, tol: float) -> bool:
    """Whether ``value`` is a single number within ``tol`` of ``expected``."""
    return number(value, expected=expected, atol=tol, rtol=0) is None


@exercise("07-dice-separate")
def dice_separate(dice, affine, image, mask, seed):
    """Dice overlap of the mask moved by a second, separate call of ``affine`` (seeded with the notebook's ``seed``)
    with the jointly moved mask."""
    with preserved_random_state():
        torch.manual_seed(int(seed))
        _, joint = affine(image, mask)
        torch.manual_seed(int(seed))
        affine(image)  # the first call takes the first random draw ...
        separate = affine(mask)  # ... so the mask gets the second one
    a, b = separate[0].bool(), joint[0].bool()
    expected = float(2 * (a & b).sum() / (a.sum() + b.sum()))
    if _matches(dice, 1.0, 1e-9) and expected < 0.99:
        return hint("a Dice of 1 means identical masks: compare the separately moved mask with the jointly moved one")
    return number(dice, expected=expected, atol=0.01, rtol=0)


@exercise("07-laterality-flip")
def laterality_flip(changed_fraction, data, y_train):
    """Fraction of the training lesions whose left/right label a left/right flip changes."""
    columns = data.images.shape[-1]
    midline = (columns - 1) / 2  # 15.5 for 32 columns: column 0 is the patient's right
    centre_columns = np.asarray(data.centers)[: len(y_train)][np.asarray(y_train) == 1][:, 1]
    left_before, left_after = centre_columns > midline, (columns - 1 - centre_columns) > midline
    expected = float(np.mean(left_before != left_after))
    return number(changed_fraction, expected=expected, atol=1e-6, rtol=0, unit="a fraction of the lesions, 0 to 1")


@exercise("07-per-seed-gain")
def per_seed_gains(per_seed_gain, auc_aug, auc_plain):
    """The AUC gain of augmentation for each seed: ``auc_aug[i] - auc_plain[i]``."""
    expected = np.asarray(auc_aug, dtype=float) - np.asarray(auc_plain, dtype=float)
    if number(per_seed_gain, expected=0.0, atol=math.inf) is None:  # a single number
        return hint(f"one gain per seed: an array of {len(expected)} numbers, not a single number")
    return array(per_seed_gain, expected=expected, rtol=0, atol=1e-6)


def _trained_auc(exercise_id: str, train_and_test, images, labels, **options) -> float:
    """The test AUC the notebook's ``train_and_test`` gives (remembered per inputs; global generators untouched)."""
    def train():
        with preserved_random_state():
            return float(train_and_test(images, labels, **options)[1])

    key = (exercise_id, id(train_and_test), fingerprint(images), fingerprint(labels), options.get("seed"),
           options.get("epochs"))
    return memo(key, train)


@exercise("07-trivial-augment")
def trivial_augment(auc_trivial, train_and_test, x_train, y_train, auc_plain, auc_aug, seeds):
    """Test AUC of one model (the first of the notebook's ``seeds``) trained with TrivialAugment on each image."""
    from torchvision.transforms import v2

    from helpers import augment

    expected = _trained_auc("07-trivial-augment", train_and_test, x_train, y_train, seed=int(seeds[0]),
                            augment_fn=augment.per_sample(v2.TrivialAugmentWide()))
    problem = number(auc_trivial, expected=expected, atol=0.01, rtol=0)
    if problem is None:
        return None
    for name, other in (("without augmentation", auc_plain[0]), ("with flips + affine", auc_aug[0])):
        if _matches(auc_trivial, float(other), 1e-6):
            return hint(f"that is the AUC of the first seed's run {name}: train one with TrivialAugment")
    return problem


@exercise("07-fooled-losses", answers=2)
def fooled_losses(fooled_d_loss, fooled_g_loss):
    """The two GAN losses (nats) when D answers "real" with probability 0.99 for real and generated images."""
    p_real = 0.99
    d_expected = -math.log(p_real) - math.log(1 - p_real)  # real -> 1 costs -ln p, generated -> 0 costs -ln(1 - p)
    g_expected = -math.log(p_real)
    if _matches(fooled_d_loss, g_expected, 1e-3) and _matches(fooled_g_loss, d_expected, 1e-3):
        return hint("you swapped the two losses")
    problem = labelled(number(fooled_d_loss, expected=d_expected, rtol=0.001, unit="nats"), "fooled_d_loss") or \
        labelled(number(fooled_g_loss, expected=g_expected, rtol=0.05, atol=1e-4, unit="nats"), "fooled_g_loss")
    return problem or correct("D pays for believing the generated images; G's loss is almost zero: D must improve")


@exercise("07-copier-test")
def copier_test(copier_fraction, x_gan, d_new):
    """Fraction of 200 noisy copies of training images closer to a training image than any new image is."""
    from helpers import gans

    rng = np.random.default_rng(0)
    fake = x_gan[rng.integers(len(x_gan), size=200)] + rng.normal(0, 0.01, (200, *x_gan.shape[1:]))
    expected = float(np.mean(gans.nearest_neighbours(fake, x_gan)[1] < np.min(d_new)))
    return number(copier_fraction, expected=expected, atol=0.01, rtol=0, unit="a fraction, 0 to 1")


@exercise("07-synthetic-only")
def synthetic_only(auc_synthetic_only, train_and_test, synthetic, syn_labels, seeds):
    """Test AUC (real test images) of one model (first seed, 11 epochs) trained on the 400 synthetic images only."""
    expected = _trained_auc("07-synthetic-only", train_and_test, synthetic, syn_labels, seed=int(seeds[0]), epochs=11)
    return number(auc_synthetic_only, expected=expected, atol=0.01, rtol=0)
