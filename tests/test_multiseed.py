"""Tests of helpers.multiseed: a stack of K SmallCNNs computes and trains exactly like K separate runs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import multiseed, nets

torch.set_num_threads(1)  # unit tests share a 2-core machine with the team


def _data(n=40, size=16, seed=0):
    """A bright 3×3 spot (label 1) or none (label 0) at a random place in noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.3, 0.05, (n, size, size)).astype(np.float32)
    y = np.arange(n) % 2
    for i in np.flatnonzero(y):
        r, c = rng.integers(1, size - 4, 2)
        x[i, r:r + 3, c:c + 3] += 0.6
    return x, y


def _models(k, **options):
    out = []
    for s in range(k):
        nets.set_seed(s)
        out.append(nets.SmallCNN(width=4, **options))
    return out


@pytest.mark.parametrize("options", [{}, {"stem_stride": 1, "pool": "avg", "n_blocks": 2}])
def test_stack_computes_what_the_separate_models_compute(options):
    models = _models(3, **options)
    stack = multiseed.SeedStack(models)
    x = torch.randn(3, 5, 1, 16, 16)
    stack.train()  # batch statistics too: each model normalises its own channels only
    for m in models:
        m.train()
    expected = torch.stack([m(xi) for m, xi in zip(models, x, strict=True)])
    assert torch.allclose(stack(x), expected, atol=1e-5)
    # running statistics and weights come back to the right model
    for back, m in zip(stack.unstack(), models, strict=True):
        m.eval()
        assert torch.allclose(back(x[0]), m(x[0]), atol=1e-5)


def test_train_seeds_equals_separate_train_classifier_runs():
    x, y = _data()
    stacked = multiseed.train_seeds(x, y, seeds=[3, 5], epochs=3, batch_size=8, lr=5e-3, width=4)
    for s, model in zip([3, 5], stacked, strict=True):
        nets.set_seed(s)
        alone = nets.SmallCNN(width=4)
        nets.train_classifier(alone, x, y, epochs=3, batch_size=8, lr=5e-3, seed=s, progress=False)
        assert np.allclose(nets.predict_proba(alone, x), nets.predict_proba(model, x), atol=1e-4)
    probs = multiseed.predict_seeds(stacked, x)
    assert probs.shape == (2, len(x)) and not np.allclose(probs[0], probs[1]), "each seed its own model"


def test_train_seeds_applies_augment_to_every_model_batch():
    x, y = _data()
    shapes = []

    def spy(batch):
        shapes.append(tuple(batch.shape))
        return batch

    multiseed.train_seeds(x, y, seeds=[0, 1, 2], epochs=1, batch_size=8, width=4, augment=spy)
    assert shapes == [(24, 1, 16, 16)] * 5, "one call per step on all three models' batches"


@pytest.mark.parametrize("kwargs, match", [({"seeds": []}, "distinct"), ({"seeds": [1, 1]}, "distinct"),
                                           ({"seeds": [0], "epochs": 0}, "epochs"),
                                           ({"seeds": [0], "batch_size": 1}, "batch_size")])
def test_train_seeds_rejects_bad_arguments(kwargs, match):
    x, y = _data(8)
    with pytest.raises(ValueError, match=match):
        multiseed.train_seeds(x, y, **{"epochs": 1, **kwargs})


def test_stack_rejects_mixed_or_foreign_models():
    with pytest.raises(TypeError, match="SmallCNN"):
        multiseed.SeedStack([torch.nn.Linear(2, 2)])
    with pytest.raises(ValueError, match="same layout"):
        multiseed.SeedStack([nets.SmallCNN(width=4), nets.SmallCNN(width=8)])
    with pytest.raises(ValueError, match="shape"):
        multiseed.SeedStack(_models(2))(torch.zeros(3, 2, 1, 16, 16))


def test_paired_difference_matches_scipy_paired_t_interval():
    from scipy import stats

    a, b = np.array([0.91, 0.85, 0.95, 0.88, 0.9]), np.array([0.7, 0.8, 0.72, 0.75, 0.69])
    mean, low, high = multiseed.paired_difference(a, b)
    ci = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert np.isclose(mean, (a - b).mean()) and np.isclose(low, ci.low) and np.isclose(high, ci.high)
    with pytest.raises(ValueError, match="paired"):
        multiseed.paired_difference([0.9], [0.8])
    with pytest.raises(ValueError, match="level"):
        multiseed.paired_difference(a, b, level=95)
