"""Tests of helpers.clinical: readers, saliency, pointing game, shortcut marker, FGSM, temperature scaling, IMDRF."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from helpers import clinical, metrics, nets

torch.set_num_threads(1)  # unit tests share a 2-core machine with the team


def _blob_data(n=64, size=32, seed=0):
    """Grey images, half with a bright 6 × 6 square at a random place (label 1), with exact masks."""
    rng = np.random.default_rng(seed)
    images = rng.normal(0.3, 0.05, (n, size, size)).astype(np.float32)
    labels = np.arange(n) % 2
    masks = np.zeros((n, size, size), bool)
    for i in np.flatnonzero(labels):
        r, c = rng.integers(4, size - 10, 2)
        masks[i, r:r + 6, c:c + 6] = True
    images[masks] += 0.6
    return images, labels, masks


@pytest.fixture(scope="module")
def trained():
    images, labels, masks = _blob_data()
    nets.set_seed(0)
    model = nets.SmallCNN(1, 2, width=4)
    nets.train_classifier(model, images[:, None], labels, epochs=15, batch_size=16, lr=1e-2, progress=False)
    return model, images, labels, masks


def test_imdrf_table_and_errors():
    assert clinical.imdrf_category("critical", "treat or diagnose") == "IV"
    assert clinical.imdrf_category("serious", "inform clinical management") == "I"
    assert clinical.imdrf_category("non-serious", "treat or diagnose") == "II"
    with pytest.raises(ValueError, match="situation"):
        clinical.imdrf_category("urgent", "treat or diagnose")
    with pytest.raises(ValueError, match="significance"):
        clinical.imdrf_category("serious", "advise")


def test_liu_numbers_are_consistent():
    for metric in ("sensitivity", "specificity"):
        for who in ("DL", "HCP"):
            est, lo, hi = clinical.LIU_2019[metric][who]
            assert lo < est < hi
    assert clinical.LIU_2019["same_sample_comparisons"] == 14


def test_simulated_readers_trade_sensitivity_for_specificity():
    labels = np.arange(2000) % 2
    ease = np.where(labels == 1, 0.6, np.nan)
    readers = clinical.simulate_readers(labels, ease, n_readers=4, seed=0)
    assert list(readers.columns) == ["reader", "threshold", "sensitivity", "specificity"]
    assert readers.specificity.is_monotonic_increasing  # cautious readers (higher threshold) are more specific
    assert readers.sensitivity.iloc[0] > readers.sensitivity.iloc[-1]
    # without a lesion signal a reader's sensitivity equals 1 − specificity (on average)
    blind = clinical.simulate_readers(labels, np.zeros(2000), n_readers=1, seed=1)
    assert abs(blind.sensitivity[0] - (1 - blind.specificity[0])) < 0.06


def test_grad_cam_matches_manual_computation(trained):
    model, images, _, _ = trained
    x = torch.as_tensor(images[:3, None])
    maps = model.features(x)
    (grad,) = torch.autograd.grad(model.classifier(model.pool(maps))[:, 1].sum(), maps)
    weights = grad.mean(dim=(2, 3))  # (3, channels)
    manual = np.maximum(np.einsum("nc,nchw->nhw", weights.numpy(), maps.detach().numpy()), 0)
    small = torch.nn.functional.interpolate(torch.as_tensor(manual)[:, None], size=32, mode="bilinear",
                                            align_corners=False)[:, 0].numpy()
    got = clinical.grad_cam(model, images[:3])
    assert got.shape == (3, 32, 32) and (got >= 0).all()
    assert np.allclose(got, small, atol=1e-5)


def test_grad_cam_rejects_models_without_parts():
    with pytest.raises(TypeError, match="features"):
        clinical.grad_cam(nn.Linear(4, 2), np.zeros((1, 4, 4)))


def test_saliency_maps_point_at_the_blob(trained):
    model, images, labels, masks = trained
    pos = np.flatnonzero(labels)[:12]
    head = np.ones_like(masks[pos])
    chance = clinical.pointing_chance(masks[pos], head, tolerance_px=1).mean()
    for maps in (clinical.gradient_saliency(model, images[pos]), clinical.grad_cam(model, images[pos]),
                 np.stack([clinical.occlusion_map(model, im, patch=6, stride=3) for im in images[pos]])):
        assert maps.shape == (12, 32, 32)
        assert clinical.pointing_game(maps, masks[pos], tolerance_px=1).mean() > 2 * chance


def test_gradient_saliency_of_a_linear_model_is_its_weights():
    w = torch.arange(16, dtype=torch.float32).reshape(1, 16) - 8
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 2, bias=False))
    with torch.no_grad():
        model[1].weight.copy_(torch.cat([torch.zeros_like(w), w]))
    sal = clinical.gradient_saliency(model, np.zeros((1, 4, 4)), target=1)
    assert np.allclose(sal[0], np.abs(w.numpy().reshape(4, 4)))


def test_occlusion_of_a_pixel_detector():
    """A model whose P(class 1) rises with pixel (1, 1): only patches covering that pixel matter."""
    class Pixel(nn.Module):
        def forward(self, x):
            v = x[:, 0, 1, 1]
            return torch.stack([-v, v], 1) * 10

    image = np.zeros((6, 6), np.float32)
    image[1, 1] = 1.0
    heat = clinical.occlusion_map(Pixel(), image, patch=2, stride=2, fill=0.0)
    assert heat[0:2, 0:2].min() > 0.4 and np.allclose(heat[2:, 2:], 0)
    with pytest.raises(ValueError, match="patch"):
        clinical.occlusion_map(Pixel(), image, patch=7)


def test_pointing_game_and_chance():
    maps = np.zeros((2, 5, 5))
    maps[0, 1, 1] = 1  # on the lesion
    maps[1, 4, 4] = 1  # far from it
    masks = np.zeros((2, 5, 5), bool)
    masks[:, 1, 1] = True
    assert clinical.pointing_game(maps, masks, tolerance_px=0).tolist() == [True, False]
    maps[1] = 0
    maps[1, 1, 2] = 1  # one pixel off: a hit only with tolerance
    assert clinical.pointing_game(maps, masks, tolerance_px=1).tolist() == [True, True]
    assert clinical.pointing_chance(masks, np.ones((2, 5, 5)), tolerance_px=1) == pytest.approx([5 / 25] * 2)
    with pytest.raises(ValueError, match="both be"):
        clinical.pointing_game(maps[0], masks[0])


def test_add_marker():
    images = np.zeros((3, 8, 8), np.float32)
    out = clinical.add_marker(images, [True, False, True], box=(1, 2, 1, 4), value=0.9)
    assert out[0, 1, 2:6].tolist() == pytest.approx([0.9] * 4) and out[1].max() == 0
    assert out[0].sum() == pytest.approx(3.6) and out.dtype == np.float32
    assert images.max() == 0, "the input is not modified"
    with pytest.raises(ValueError, match="does not fit"):
        clinical.add_marker(images, [True] * 3, box=(7, 0, 2, 2))


def test_fgsm_moves_every_pixel_by_eps_and_raises_the_loss(trained):
    model, images, labels, _ = trained
    adv = clinical.fgsm(model, images[:16], labels[:16], eps=0.05)
    delta = np.abs(adv - images[:16])
    assert np.allclose(delta[delta > 0], 0.05, atol=1e-6)
    loss = lambda x: nn.functional.cross_entropy(  # noqa: E731
        model(torch.as_tensor(x[:, None])), torch.as_tensor(labels[:16])).item()
    assert loss(adv) > loss(images[:16])
    assert np.array_equal(clinical.fgsm(model, images[:2], labels[:2], eps=0.0), images[:2])
    with pytest.raises(ValueError, match="eps"):
        clinical.fgsm(model, images[:2], labels[:2], eps=-1)


def test_fgsm_in_batches_equals_one_pass(trained):
    """Batching (for memory) does not change the perturbation: each image's gradient is its own."""
    model, images, labels, _ = trained
    one_pass = clinical.fgsm(model, images[:16], labels[:16], eps=0.05, batch_size=16)
    assert np.array_equal(clinical.fgsm(model, images[:16], labels[:16], eps=0.05, batch_size=3), one_pass)


def test_temperature_scaling_recovers_a_known_temperature():
    rng = np.random.default_rng(0)
    true_logit = rng.normal(0, 2, 4000)
    labels = (rng.random(4000) < 1 / (1 + np.exp(-true_logit))).astype(int)
    overconfident = np.stack([np.zeros(4000), true_logit * 3], 1)  # the model's logits are 3× too large
    T = clinical.fit_temperature(overconfident, labels)
    assert T == pytest.approx(3, rel=0.1)
    p_before = 1 / (1 + np.exp(-overconfident[:, 1]))
    p_after = 1 / (1 + np.exp(-overconfident[:, 1] / T))
    assert metrics.expected_calibration_error(labels, p_after) < metrics.expected_calibration_error(labels, p_before)


def test_logits_agree_with_predict_proba(trained):
    model, images, _, _ = trained
    z = clinical.logits(model, images[:5])
    p = torch.softmax(torch.as_tensor(z), 1)[:, 1].numpy()
    assert np.allclose(p, nets.predict_proba(model, images[:5, None]), atol=1e-6)



def test_acquisition_augment_varies_per_image_and_follows_the_seed():
    x = torch.full((6, 1, 16, 16), 0.5)
    torch.manual_seed(0)
    a = clinical.acquisition_augment(x)
    torch.manual_seed(0)
    assert torch.equal(a, clinical.acquisition_augment(x))  # torch's generator drives it
    means = a.mean(dim=(1, 2, 3))
    assert means.std() > 0.01  # each image gets its own gain and offset
    lo, hi = clinical.ACQUISITION_RANGES["gain"], clinical.ACQUISITION_RANGES["offset"]
    assert (means > 0.5 * lo[0] - 0.05).all() and (means < 0.5 * lo[1] + hi[1] + 0.05).all()
    quiet = {k: (0.0, 0.0) for k in ("blur_sigma_px", "bias_amplitude", "offset", "noise_sd")}
    same = clinical.acquisition_augment(x, {**quiet, "gain": (1.0, 1.0), "p_half_resolution": 1.0})
    assert torch.allclose(same, x, atol=1e-6)  # identity settings leave a flat image unchanged
    with pytest.raises(ValueError, match="even"):
        clinical.acquisition_augment(torch.zeros(2, 1, 15, 16))


def test_blob_score_ranks_a_bright_blob_above_background():
    images, labels, _ = _blob_data(seed=1)
    score = clinical.blob_score(images)
    assert metrics.roc_auc(labels, score) > 0.95
    assert np.all(clinical.blob_score(images, rank=1) >= score)  # the brightest pixel is at least the third
    with pytest.raises(ValueError, match="rank"):
        clinical.blob_score(images, rank=0)


def test_rank_correlation_of_maps():
    rng = np.random.default_rng(0)
    a = rng.random((3, 8, 8))
    assert np.allclose(clinical.rank_correlation(a, a), 1.0)
    assert np.allclose(clinical.rank_correlation(a, -a), -1.0)
    assert np.allclose(clinical.rank_correlation(a, 2 * a + 1), 1.0)  # ranks only: monotonic maps agree
    assert clinical.rank_correlation(a, np.zeros_like(a)).tolist() == [0.0, 0.0, 0.0]  # constant: no ranking
    from scipy.stats import spearmanr

    b = rng.random((3, 8, 8))
    expected = [spearmanr(a[i].ravel(), b[i].ravel()).statistic for i in range(3)]
    assert np.allclose(clinical.rank_correlation(a, b), expected)
    with pytest.raises(ValueError, match="maps"):
        clinical.rank_correlation(a, b[:2])


def test_stored_scanner_sweep_reproduces():
    """The stored sweep is what tools/scanner_sweep.py computes: re-run seed 0 and compare."""
    stored = clinical.scanner_sweep()
    assert list(stored.index) == [0, 1, 2, 3, 4]
    again = clinical.scanner_shift_run(0)
    assert set(again) == set(stored.columns)
    for column, value in again.items():
        assert abs(value - stored.loc[0, column]) < 0.02, (column, value, stored.loc[0, column])
