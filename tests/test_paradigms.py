"""Tests of helpers.paradigms: autoencoder, anomaly maps, patch colour features, MIL pooling and training."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import paradigms

torch.set_num_threads(1)  # tiny models: one thread is fastest and keeps shared machines responsive


def _blobs(n, seed=0, size=16):
    """Smooth random images: easy to reconstruct for a small autoencoder."""
    from scipy import ndimage as ndi

    rng = np.random.default_rng(seed)
    return ndi.gaussian_filter(rng.random((n, size, size)), sigma=(0, 3, 3)).astype(np.float32)


# --- autoencoder ----------------------------------------------------------------------------------------------


def test_autoencoder_shapes_and_errors():
    model = paradigms.ConvAutoencoder(width=4, latent=2)
    out = model(torch.zeros(3, 1, 16, 24))
    assert out.shape == (3, 1, 16, 24)
    with pytest.raises(ValueError, match="divisible by 8"):
        model(torch.zeros(1, 1, 12, 16))
    with pytest.raises(ValueError, match="width"):
        paradigms.ConvAutoencoder(width=0)


def test_train_autoencoder_learns_and_is_seeded():
    images = _blobs(64)

    def run():
        torch.manual_seed(0)
        model = paradigms.ConvAutoencoder(width=4, latent=4)
        history = paradigms.train_autoencoder(model, images, epochs=8, batch_size=16, lr=1e-2, seed=1,
                                              progress=False)
        return model, history

    model, history = run()
    _, again = run()
    assert len(history) == 8 and history[-1] < 0.3 * history[0]
    assert history == again
    recon = paradigms.reconstruct(model, images[:5])
    assert recon.shape == (5, 16, 16) and recon.dtype == np.float32


def test_train_autoencoder_rejects_bad_input():
    model = paradigms.ConvAutoencoder(width=2, latent=2)
    with pytest.raises(ValueError, match="divisible by 8"):
        paradigms.train_autoencoder(model, np.zeros((4, 10, 16)), progress=False)
    with pytest.raises(ValueError, match="stack"):
        paradigms.train_autoencoder(model, np.zeros((16, 16)), progress=False)
    with pytest.raises(ValueError, match="epochs"):
        paradigms.train_autoencoder(model, np.zeros((4, 16, 16)), epochs=0, progress=False)


def test_anomaly_maps_light_up_what_the_reconstruction_misses():
    images = np.full((2, 16, 16), 0.5, np.float32)
    images[1, 6:9, 6:9] = 1.0  # a bright "lesion" the reconstruction does not contain
    recon = np.full_like(images, 0.5)
    maps, scores = paradigms.anomaly_maps(images, recon, sigma_px=1.0)
    assert maps.shape == images.shape and scores.shape == (2,)
    assert scores[1] > 0.2 and scores[0] == 0.0
    assert np.unravel_index(maps[1].argmax(), (16, 16)) == (7, 7)
    dark = 1.0 - images  # a dark anomaly: ignored with bright_only, found with the absolute error
    _, bright_scores = paradigms.anomaly_maps(dark, 1.0 - recon, sigma_px=0)
    _, abs_scores = paradigms.anomaly_maps(dark, 1.0 - recon, sigma_px=0, bright_only=False)
    assert bright_scores[1] == 0.0 and abs_scores[1] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="one shape"):
        paradigms.anomaly_maps(images, recon[:1])


# --- patch features -------------------------------------------------------------------------------------------


def test_patch_features_separate_brown_from_blue():
    brown = np.broadcast_to(np.array([0.55, 0.35, 0.2], np.float32), (8, 8, 3))  # DAB-like
    blue = np.broadcast_to(np.array([0.45, 0.45, 0.75], np.float32), (8, 8, 3))  # haematoxylin-like
    f = paradigms.patch_features(np.stack([brown, blue])[None])  # (1 bag, 2 patches, 8, 8, 3)
    assert f.shape == (1, 2, len(paradigms.PATCH_FEATURE_NAMES)) and f.dtype == np.float32
    dab = paradigms.PATCH_FEATURE_NAMES.index("dab_mean")
    assert f[0, 0, dab] > f[0, 1, dab]
    assert f[0, 0, paradigms.PATCH_FEATURE_NAMES.index("dab_std")] == pytest.approx(0.0, abs=1e-6)


def test_patch_features_residual_channel_is_empty_on_the_h_dab_sample():
    from skimage import data

    ihc = data.immunohistochemistry().astype(np.float32) / 255.0  # haematoxylin + DAB, no eosin
    f = paradigms.patch_features(ihc[None])[0]
    name = paradigms.PATCH_FEATURE_NAMES.index
    assert abs(f[name("residual_mean")]) < 0.01 * min(f[name("haematoxylin_mean")], f[name("dab_mean")])


def test_patch_features_match_a_direct_computation():
    from skimage.color import rgb2hed

    patch = np.random.default_rng(0).random((6, 6, 3)).astype(np.float32)
    f = paradigms.patch_features(patch[None])[0]
    hed = rgb2hed(patch)
    assert f[0] == pytest.approx(hed[..., 0].mean(), rel=1e-4)
    assert f[6] == pytest.approx(np.percentile(hed[..., 2], 90), rel=1e-4)
    assert f[7] == pytest.approx(patch.mean(), rel=1e-5)


def test_patch_features_errors():
    with pytest.raises(ValueError, match="RGB"):
        paradigms.patch_features(np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match="0..1"):
        paradigms.patch_features(np.full((1, 8, 8, 3), 255.0))


# --- MIL ------------------------------------------------------------------------------------------------------


def _toy_bags(n_bags=80, bag_size=8, seed=0):
    """Instances are 3 features; a 'tumour' instance has feature 0 raised by 4. Positive bags hold 1-2 of them."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n_bags, bag_size, 3)).astype(np.float32)
    labels = np.arange(n_bags) % 2
    inst = np.zeros((n_bags, bag_size), int)
    for b in np.flatnonzero(labels):
        inst[b, rng.choice(bag_size, rng.integers(1, 3), replace=False)] = 1
    x[..., 0] += 4.0 * inst
    return x, labels, inst


@pytest.mark.parametrize("pooling", ["max", "attention"])
def test_mil_learns_bags_and_localises_instances(pooling):
    from sklearn.metrics import roc_auc_score

    x, y, inst = _toy_bags()
    torch.manual_seed(0)
    model = paradigms.MILNet(3, hidden=8, pooling=pooling)
    history = paradigms.train_mil(model, x[:60], y[:60], epochs=120, progress=False)
    assert history[-1] < 0.5 * history[0]
    prob, weights = paradigms.predict_mil(model, x[60:])
    assert prob.shape == (20,) and weights.shape == (20, 8)
    assert roc_auc_score(y[60:], prob) > 0.9
    positive = y[60:] == 1
    assert roc_auc_score(inst[60:][positive].ravel(), weights[positive].ravel()) > 0.9  # never saw these labels
    if pooling == "attention":
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)


def test_mil_max_pooling_is_the_max_instance():
    torch.manual_seed(0)
    model = paradigms.MILNet(3, pooling="max")
    x = torch.randn(4, 5, 3)
    logits, probs = model(x)
    assert torch.allclose(torch.sigmoid(logits), probs.max(dim=1).values)


def test_mil_errors():
    with pytest.raises(ValueError, match="pooling"):
        paradigms.MILNet(3, pooling="mean")
    model = paradigms.MILNet(3)
    with pytest.raises(ValueError, match="n_bags, bag_size"):
        paradigms.train_mil(model, np.zeros((4, 3)), np.zeros(4), progress=False)
    with pytest.raises(ValueError, match="0 or 1"):
        paradigms.train_mil(model, np.zeros((4, 2, 3)), np.array([0, 1, 2, 1]), progress=False)


def test_train_mil_is_reproducible_from_the_initial_weights():
    x, y, _ = _toy_bags(n_bags=20)

    def run():
        torch.manual_seed(3)
        model = paradigms.MILNet(3, hidden=4, pooling="attention")
        return paradigms.train_mil(model, x, y, epochs=10, progress=False)

    assert run() == run()
