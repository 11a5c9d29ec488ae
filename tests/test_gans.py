"""Tests of helpers.gans on tiny synthetic data (fast: a few seconds for the whole file)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from helpers import gans

torch.set_num_threads(1)  # unit tests share a 2-core machine with the team


def _bars(n=64, seed=0):
    """Two classes of 32×32 images in [0, 1]: a bright horizontal (0) or vertical (1) bar at a random place."""
    rng = np.random.default_rng(seed)
    images = rng.uniform(0.0, 0.1, (n, 32, 32)).astype(np.float32)
    labels = np.arange(n) % 2
    for i in range(n):
        k = rng.integers(4, 24)
        if labels[i]:
            images[i, :, k:k + 4] = 0.9
        else:
            images[i, k:k + 4, :] = 0.9
    return images, labels


def _nets(n_classes=0, seed=0, width=4):
    torch.manual_seed(seed)
    return gans.Generator(8, width, n_classes=n_classes), gans.Discriminator(width, n_classes=n_classes)


def test_shapes_and_output_range():
    G, D = _nets(n_classes=2)
    z = torch.randn(5, 8)
    y = torch.tensor([0, 1, 0, 1, 1])
    x = G(z, y)
    assert x.shape == (5, 1, 32, 32)
    assert float(x.min().detach()) >= -1 and float(x.max().detach()) <= 1  # tanh
    assert D(x, y).shape == (5,)
    # the label matters: the same z with another label gives another image
    assert not torch.allclose(G(z, 1 - y), x)


@pytest.mark.parametrize("kwargs, match", [
    ({"nz": 0}, "nz"), ({"width": 2.0}, "width"), ({"n_classes": 1}, "n_classes"), ({"n_classes": -2}, "n_classes"),
])
def test_generator_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gans.Generator(**kwargs)


def test_networks_reject_bad_input():
    G, D = _nets(n_classes=2)
    with pytest.raises(ValueError, match=r"shape \(N, 8\)"):
        G(torch.randn(3, 5), torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="conditional"):
        G(torch.randn(3, 8))
    with pytest.raises(ValueError, match="class indices"):
        G(torch.randn(3, 8), torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="32, 32"):
        D(torch.randn(3, 1, 28, 28), torch.zeros(3, dtype=torch.long))


def test_losses_match_the_formulas_and_equilibrium_values():
    torch.manual_seed(0)
    real, fake = torch.randn(16), torch.randn(16)
    sig = torch.sigmoid
    # written out from the definition: -log D(real) - log(1 - D(fake)), and -log D(fake)
    d_expected = -(torch.log(sig(real)).mean() + torch.log(1 - sig(fake)).mean())
    g_expected = -torch.log(sig(fake)).mean()
    assert torch.allclose(gans.discriminator_loss(real, fake), d_expected, atol=1e-5)
    assert torch.allclose(gans.generator_loss(fake), g_expected, atol=1e-5)
    zeros = torch.zeros(4)  # D answers 0.5 everywhere
    assert math.isclose(float(gans.discriminator_loss(zeros, zeros)), 2 * math.log(2), rel_tol=1e-6)
    assert math.isclose(float(gans.generator_loss(zeros)), math.log(2), rel_tol=1e-6)


def test_training_resumes_exactly_like_one_long_run():
    images, labels = _bars(32)
    G1, D1 = _nets(n_classes=2)
    one = gans.train_gan(G1, D1, images, labels=labels, steps=6, batch_size=8, progress=False)
    G2, D2 = _nets(n_classes=2)
    state = gans.train_gan(G2, D2, images, labels=labels, steps=4, batch_size=8, progress=False)
    two = gans.train_gan(G2, D2, images, labels=labels, steps=2, state=state, progress=False)  # keeps batch 8
    assert two is state and two["step"] == 6 and len(two["d_loss"]) == 6 and two["batch_size"] == 8
    assert np.allclose(one["d_loss"], two["d_loss"]) and np.allclose(one["g_loss"], two["g_loss"])
    for a, b in zip(G1.state_dict().values(), G2.state_dict().values(), strict=True):
        assert torch.allclose(a.float(), b.float())
    assert not G2.training  # left in eval mode, ready to sample


def test_training_moves_samples_towards_the_data():
    """A short run brings the generator's samples closer to the training images (nearest-neighbour distance)."""
    images, labels = _bars(64)
    G, D = _nets(n_classes=2, width=8)
    before = gans.nearest_neighbours(gans.sample(G, 16, labels=labels[:16]), images)[1].mean()
    state = gans.train_gan(G, D, images, labels=labels, steps=100, batch_size=16, lr=2e-3, progress=False)
    after = gans.nearest_neighbours(gans.sample(G, 16, labels=labels[:16]), images)[1].mean()
    assert after < 0.85 * before, (before, after)
    assert np.all(np.isfinite(state["d_loss"])) and all(0 <= p <= 1 for p in state["d_real"] + state["d_fake"])


def test_frozen_discriminator_is_not_updated():
    images, _ = _bars(16)
    G, D = _nets()
    before = {k: v.clone() for k, v in D.state_dict().items()}
    g_before = [p.clone() for p in G.parameters()]
    gans.train_gan(G, D, images, steps=3, batch_size=8, train_discriminator=False, progress=False)
    assert all(torch.equal(before[k], v) for k, v in D.state_dict().items())  # incl. BatchNorm statistics
    assert any(not torch.equal(a, b) for a, b in zip(g_before, G.parameters(), strict=True))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"images": np.zeros((4, 28, 28), np.float32)}, ValueError, "32, 32"),
    ({"images": np.zeros((4, 32, 32), np.uint8)}, TypeError, "float"),
    ({"images": np.full((4, 32, 32), 255.0, np.float32)}, ValueError, r"\[0, 1\]"),
    ({"labels": None}, ValueError, "conditional"),
    ({"labels": np.zeros(3, int)}, ValueError, "shape"),
    ({"steps": 0}, ValueError, "steps"),
    ({"batch_size": 1}, ValueError, "batch_size"),
    ({"state": {"x": 1}}, TypeError, "state"),
])
def test_train_gan_rejects_bad_input(kwargs, error, match):
    G, D = _nets(n_classes=2)
    args = {"images": np.zeros((4, 32, 32), np.float32), "labels": np.array([0, 1, 0, 1]), "steps": 1,
            "progress": False} | kwargs
    with pytest.raises(error, match=match):
        gans.train_gan(G, D, args.pop("images"), **args)


def test_state_must_belong_to_the_networks_and_data():
    images, labels = _bars(8)
    G, D = _nets(n_classes=2)
    state = gans.train_gan(G, D, images, labels=labels, steps=1, batch_size=4, progress=False)
    G2, D2 = _nets(n_classes=2)
    with pytest.raises(ValueError, match="other networks"):
        gans.train_gan(G2, D2, images, labels=labels, steps=1, state=state, progress=False)
    with pytest.raises(ValueError, match="same images"):
        gans.train_gan(G, D, images[:6], labels=labels[:6], steps=1, state=state, progress=False)
    with pytest.raises(ValueError, match="n_classes"):
        gans.train_gan(G, gans.Discriminator(4), images, labels=labels, steps=1, progress=False)


def test_sample_is_seeded_in_range_and_side_effect_free():
    G, _ = _nets(n_classes=2)
    G.train()
    before = {k: v.clone() for k, v in G.state_dict().items()}
    a, b = gans.sample(G, 6, labels=[0, 1, 0, 1, 0, 1], seed=3), gans.sample(G, 6, labels=[0, 1] * 3, seed=3)
    assert a.shape == (6, 32, 32) and a.dtype == np.float32 and np.array_equal(a, b)
    assert a.min() >= 0 and a.max() <= 1
    assert not np.array_equal(a, gans.sample(G, 6, labels=[0, 1] * 3, seed=4))
    assert G.training and all(torch.equal(before[k], v) for k, v in G.state_dict().items())
    # sampling runs in eval mode: an image does not depend on the rest of the batch
    G.eval()
    z, y = torch.randn(4, 8), torch.tensor([0, 1, 1, 0])
    with torch.no_grad():
        assert torch.allclose(G(z, y)[:1], G(z[:1], y[:1]), atol=1e-6)
    with pytest.raises(ValueError, match="labels"):
        gans.sample(G, 2)
    with pytest.raises(ValueError, match="n must be"):
        gans.sample(G, 0, labels=0)


def test_diversity_and_nearest_neighbours_against_brute_force():
    rng = np.random.default_rng(1)
    a, b = rng.random((5, 4, 4)), rng.random((7, 4, 4))
    pairs = [np.sqrt(((a[i] - a[j]) ** 2).mean()) for i in range(5) for j in range(i + 1, 5)]
    assert math.isclose(gans.diversity(a), np.mean(pairs), rel_tol=1e-9)
    assert gans.diversity(np.repeat(a[:1], 4, axis=0)) == pytest.approx(0.0, abs=1e-6)  # a collapsed set
    index, dist = gans.nearest_neighbours(a, b)
    brute = np.sqrt(((a[:, None] - b[None]) ** 2).mean(axis=(2, 3)))
    assert np.array_equal(index, brute.argmin(1)) and np.allclose(dist, brute.min(1))
    index, dist = gans.nearest_neighbours(b[[2, 5]], b)  # exact copies are found at distance 0
    assert list(index) == [2, 5] and np.allclose(dist, 0, atol=1e-6)
    with pytest.raises(ValueError, match="image size"):
        gans.nearest_neighbours(a, rng.random((3, 5, 5)))
    with pytest.raises(ValueError, match="at least 2"):
        gans.diversity(a[:1])


def test_plot_losses_draws_both_curves():
    import matplotlib.pyplot as plt

    state = {"d_loss": list(np.linspace(1.4, 1.0, 60)), "g_loss": list(np.linspace(0.7, 1.2, 60))}
    fig = gans.plot_losses(state, smooth=10)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 4 and len(lines[0].get_xdata()) == 51
    plt.close(fig)
    with pytest.raises(ValueError, match="no losses"):
        gans.plot_losses({"d_loss": []})


def test_adversarial_step_detaches_the_fake_images_for_the_discriminator_update():
    G, D = _nets(n_classes=2)
    opt_g, opt_d = torch.optim.SGD(G.parameters(), lr=0.0), torch.optim.SGD(D.parameters(), lr=0.1)
    real = torch.rand(8, 1, 32, 32) * 2 - 1
    labels = torch.arange(8) % 2
    g_before = [p.detach().clone() for p in G.parameters()]
    d_before = [p.detach().clone() for p in D.parameters()]
    logged = gans.adversarial_step(G, D, opt_g, opt_d, real, labels, torch.randn(8, 8))
    assert set(logged) == {"d_loss", "g_loss", "d_real", "d_fake"} and all(math.isfinite(v) for v in logged.values())
    assert all(torch.equal(a, b) for a, b in zip(g_before, G.parameters(), strict=True)), "G's lr is 0: G must not move"
    assert any(not torch.equal(a, b) for a, b in zip(d_before, D.parameters(), strict=True)), "D was updated"
    assert all(p.grad is not None for p in G.parameters()), "G's loss reaches G through D"
