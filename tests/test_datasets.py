"""Tests of helpers.datasets: determinism, exact ground truth, learnable but not trivial lesions, errors."""

import time

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_predict

from helpers import datasets
from helpers import download as dl


@pytest.fixture(scope="module")
def lesions():
    return datasets.lesion_slices(600, seed=0)


# ------------------------------------------------------------------------------------------------ lesions
def test_lesion_set_structure(lesions):
    n, size = 600, 64
    assert lesions.images.shape == (n, size, size) and lesions.images.dtype == np.float32
    assert lesions.masks.shape == (n, size, size) and lesions.masks.dtype == bool
    assert lesions.labels.dtype == np.int64 and lesions.labels.sum() == 300
    assert lesions.spacing_mm == (3.0, 3.0) and lesions.scanner == "A" and lesions.seed == 0
    assert 0 <= lesions.images.min() and np.percentile(lesions.images, 99.9) < 1.3
    pos, neg = lesions.labels == 1, lesions.labels == 0
    assert not lesions.masks[neg].any() and lesions.masks[pos].any(axis=(1, 2)).all()
    assert np.array_equal(lesions.area_mm2, lesions.masks.sum(axis=(1, 2)) * 9.0)
    assert np.isnan(lesions.centers[neg]).all() and np.isfinite(lesions.centers[pos]).all()
    assert (lesions.malignant[neg] == -1).all() and lesions.malignant[pos].sum() == 150
    rows, cols = np.round(lesions.centers[pos]).astype(int).T
    assert lesions.masks[pos][np.arange(pos.sum()), rows, cols].mean() > 0.95  # centres lie in their lesion


def test_lesion_size_and_contrast_follow_parameters(lesions):
    pos = lesions.labels == 1
    assert (lesions.radius_mm[pos] >= 4).all() and (lesions.radius_mm[pos] <= 12).all()
    assert (lesions.contrast[pos] >= 0.25).all() and (lesions.contrast[pos] <= 0.6).all()
    nominal = np.pi * lesions.radius_mm[pos] ** 2
    assert np.corrcoef(nominal, lesions.area_mm2[pos])[0, 1] > 0.9
    big = datasets.lesion_slices(40, radius_mm=(15.0, 16.0), positive_fraction=1.0, seed=2)
    assert np.median(big.area_mm2) > 3 * np.median(lesions.area_mm2[pos])
    # lesions are brighter than their surroundings
    inside = np.array([img[m].mean() for img, m in zip(lesions.images[pos], lesions.masks[pos], strict=True)])
    assert np.mean(inside > np.median(lesions.images[pos], axis=(1, 2))) > 0.95


def test_lesions_are_deterministic_per_seed(lesions):
    again = datasets.lesion_slices(600, seed=0)
    assert np.array_equal(again.images, lesions.images) and np.array_equal(again.masks, lesions.masks)
    other = datasets.lesion_slices(600, seed=1)
    assert not np.array_equal(other.images, lesions.images)
    assert not np.array_equal(other.labels, lesions.labels)


def test_mean_intensity_does_not_give_the_label_away(lesions):
    assert roc_auc_score(lesions.labels, lesions.images.mean(axis=(1, 2))) < 0.65
    assert len(np.unique(lesions.slice_index)) > 20  # many slice levels


def test_malignant_attribute_is_moderately_separable():
    data = datasets.lesion_slices(1200, seed=3)
    f = datasets.lesion_features(data)
    assert np.array_equal(f["index"], np.flatnonzero(data.labels))
    x = np.c_[f["area_mm2"], f["mean_intensity"], f["contrast"], f["irregularity"]]
    x = (x - x.mean(0)) / x.std(0)
    p = cross_val_predict(LogisticRegression(), x, f["malignant"], cv=5, method="predict_proba")[:, 1]
    auc = roc_auc_score(f["malignant"], p)
    assert 0.75 <= auc <= 0.95, auc
    for key in ("area_mm2", "irregularity", "contrast"):  # every cue points the same way
        assert roc_auc_score(f["malignant"], f[key]) > 0.55, key


def test_lesion_generation_time():
    datasets.lesion_slices(10, seed=0)  # template and slice bank cached
    start = time.perf_counter()
    datasets.lesion_slices(2000, size=64, seed=5)
    elapsed = time.perf_counter() - start
    assert elapsed < 15.0, (
        f"2000 slices took {elapsed:.1f} s (budget 5 s; this guards only gross regressions)"
    )


def test_edge_fractions():
    none = datasets.lesion_slices(20, positive_fraction=0.0, seed=0)
    assert none.labels.sum() == 0 and not none.masks.any() and (none.malignant == -1).all()
    every = datasets.lesion_slices(20, positive_fraction=1.0, seed=0, size=32)
    assert every.labels.all() and every.images.shape == (20, 32, 32) and every.spacing_mm == (6.0, 6.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n": 0}, ValueError, "n must be"),
        ({"n": 2.5}, TypeError, "n must be an int"),
        ({"size": 8}, ValueError, "size must be"),
        ({"radius_mm": (5, 2)}, ValueError, "radius_mm"),
        ({"contrast": 0.3}, TypeError, "contrast must be a"),
        ({"positive_fraction": 1.5}, ValueError, "positive_fraction"),
        ({"scanner": "C"}, ValueError, "available: A, B"),
        ({"seed": -1}, ValueError, "seed"),
    ],
)
def test_lesion_validation(kwargs, error, match):
    with pytest.raises(error, match=match):
        datasets.lesion_slices(**{"n": 4, **kwargs})


def test_tiny_cnn_learns_lesions_quickly():
    """The default task is learnable: a 3-layer CNN reaches AUC >= 0.95 after 3 short epochs (~2 s of CPU)."""
    import torch
    from torch import nn

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # on a shared 2-core machine one thread is faster than two fighting ones
    try:
        torch.manual_seed(0)
        train, test = datasets.lesion_slices(1000, seed=10), datasets.lesion_slices(400, seed=11)
        net = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveMaxPool2d(1),
            nn.Flatten(), nn.Linear(32, 1),
        )  # fmt: skip
        opt = torch.optim.Adam(net.parameters(), lr=5e-3)
        data = datasets.to_torch(train.images, train.labels)
        loader = torch.utils.data.DataLoader(data, batch_size=32, shuffle=True)
        for _ in range(3):
            for x, y in loader:
                opt.zero_grad()
                nn.functional.binary_cross_entropy_with_logits(net(x).squeeze(1), y.float()).backward()
                opt.step()
        with torch.no_grad():
            scores = net(torch.from_numpy(test.images[:, None])).squeeze(1).numpy()
    finally:
        torch.set_num_threads(threads)
    assert roc_auc_score(test.labels, scores) >= 0.95


# ------------------------------------------------------------------------------------------------ scanners
def test_apply_scanner(lesions):
    imgs = lesions.images[:50]
    same = datasets.apply_scanner(imgs, "A")
    assert np.array_equal(same, imgs) and same is not imgs
    b1, b2 = datasets.apply_scanner(imgs, "B", seed=1), datasets.apply_scanner(imgs, "B", seed=1)
    assert np.array_equal(b1, b2) and not np.array_equal(b1, datasets.apply_scanner(imgs, "B", seed=2))
    p = datasets.SCANNERS["B"]
    assert abs(b1.mean() - (p["gain"] * imgs.mean() + p["offset"])) < 0.03
    corner = (slice(None), slice(0, 6), slice(0, 6))  # background: noise only
    assert b1[corner].std() > 2 * imgs[corner].std()
    with pytest.raises(ValueError, match=r"\(n, h, w\)"):
        datasets.apply_scanner(imgs[0], "B")
    with pytest.raises(ValueError, match="unknown scanner"):
        datasets.apply_scanner(imgs, "Z")


def test_scanner_b_loses_resolution(monkeypatch):
    imgs = datasets.lesion_slices(30, seed=4).images
    monkeypatch.setitem(datasets.SCANNERS, "B_clean", dict(datasets.SCANNERS["B"], noise_sd=0.0, bias_amplitude=0.0))
    soft = datasets.apply_scanner(imgs, "B_clean")

    def edges(a):
        return np.abs(np.diff(a, axis=-1)).mean() / a.mean()

    assert edges(soft) < 0.6 * edges(imgs)


def test_lesion_set_on_scanner_b():
    a = datasets.lesion_slices(40, seed=7)
    b = datasets.lesion_slices(40, seed=7, scanner="B")
    assert b.scanner == "B" and np.array_equal(a.masks, b.masks) and np.array_equal(a.labels, b.labels)
    assert not np.allclose(a.images, b.images)


# ------------------------------------------------------------------------------------------- tissue patches
def test_tissue_patches():
    t = datasets.tissue_patches(301, patch=16, seed=0)
    assert t.images.shape == (301, 16, 16) and t.images.dtype == np.float32
    assert t.class_names == ("CSF", "GM", "WM") and list(np.bincount(t.labels)) == [101, 100, 100]
    centre = t.images[:, 7:9, 7:9].mean(axis=(1, 2))
    med = [np.median(centre[t.labels == k]) for k in range(3)]
    assert med[0] < med[1] < med[2]  # T1: CSF dark, grey matter mid, white matter bright
    gm, _ = datasets.load_sample("mri_brain_gm")
    z, y, x = t.centers_zyx[t.labels == 1].T
    assert (gm[z, y, x] >= 0.6).all()
    again = datasets.tissue_patches(301, patch=16, seed=0)
    assert np.array_equal(again.images, t.images)
    assert not np.array_equal(datasets.tissue_patches(301, patch=16, seed=1).images, t.images)
    with pytest.raises(ValueError, match="patch"):
        datasets.tissue_patches(10, patch=2)


# ------------------------------------------------------------------------------------------- longitudinal
def test_longitudinal_growth_and_shrinkage():
    grow = datasets.longitudinal_series(6, growth_mm_per_step=1.5, seed=0)
    assert grow.images.shape == (6, 64, 64) and grow.masks.shape == (6, 64, 64)
    assert np.array_equal(grow.times_months, [0, 3, 6, 9, 12, 15])
    assert np.allclose(grow.radius_mm, 5 + 1.5 * np.arange(6))
    assert (np.diff(grow.area_mm2) >= 0).all() and grow.area_mm2[-1] > 3 * grow.area_mm2[0]
    assert np.array_equal(grow.area_mm2, grow.masks.sum(axis=(1, 2)) * 9.0)
    assert grow.brain_area_mm2.std() / grow.brain_area_mm2.mean() < 0.03  # same subject, same slice
    shrink = datasets.longitudinal_series(5, growth_mm_per_step=-2.0, radius0_mm=6.0, seed=0)
    assert (np.diff(shrink.area_mm2) <= 0).all() and shrink.area_mm2[-1] == 0 and shrink.area_mm2[0] > 0
    again = datasets.longitudinal_series(6, growth_mm_per_step=1.5, seed=0)
    assert np.array_equal(again.images, grow.images)
    assert not np.array_equal(datasets.longitudinal_series(6, growth_mm_per_step=1.5, seed=1).images, grow.images)
    with pytest.raises(ValueError, match="n_timepoints"):
        datasets.longitudinal_series(1)


def test_longitudinal_lesion_moves_with_the_head():
    s = datasets.longitudinal_series(4, growth_mm_per_step=0.0, seed=5)
    # same radius every time: areas agree up to rasterisation of a slightly moved outline
    assert s.area_mm2.max() <= 1.6 * s.area_mm2.min()
    # scans differ (motion, noise) but the lesion is always brighter than the brain around it
    for img, m in zip(s.images, s.masks, strict=True):
        assert img[m].mean() > np.percentile(img[img > 0.2], 90)


# ------------------------------------------------------------------------------------------------ MIL bags
def test_mil_bags():
    m = datasets.mil_bags(20, bag_size=8, patch=32, seed=0)
    assert m.bags.shape == (20, 8, 32, 32, 3) and m.bags.dtype == np.float32
    assert 0 <= m.bags.min() and m.bags.max() <= 1
    assert m.bag_labels.sum() == 10
    assert np.array_equal(m.bag_labels, m.instance_labels.max(axis=1))
    assert (m.instance_labels[m.bag_labels == 1].sum(axis=1) <= 2).all()
    pos = m.positions.reshape(-1, 2)
    assert len(np.unique(pos, axis=0)) == len(pos)  # no patch used twice
    for b in range(20):
        for j in range(8):
            r, c = m.positions[b, j]
            assert np.array_equal(m.bags[b, j], m.slide[r : r + 32, c : c + 32])
            frac = m.tumour_mask[r : r + 32, c : c + 32].mean()
            assert (frac >= 0.5) if m.instance_labels[b, j] else (frac == 0)
    from skimage.color import rgb2hed

    haem = rgb2hed(m.bags.reshape(-1, 32, 32, 3).reshape(-1, 32 * 32, 3))[..., 0].mean(axis=1)
    inst = m.instance_labels.ravel()
    assert haem[inst == 1].mean() > haem[inst == 0].mean()  # tumour patches carry more haematoxylin
    again = datasets.mil_bags(20, bag_size=8, patch=32, seed=0)
    assert np.array_equal(again.bags, m.bags)
    assert not np.array_equal(datasets.mil_bags(20, bag_size=8, patch=32, seed=1).positions, m.positions)


# --------------------------------------------------------------------------------------------------- torch
def test_to_torch_shapes(lesions):
    import torch

    d = datasets.to_torch(lesions.images[:10], lesions.labels[:10], masks=lesions.masks[:10])
    x, y, mask = d[3]
    assert x.shape == (1, 64, 64) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert mask.shape == (1, 64, 64) and float(mask.sum()) == lesions.masks[3].sum()
    rgb = datasets.to_torch(np.zeros((4, 8, 8, 3), np.uint8), np.arange(4))
    assert rgb[0][0].shape == (3, 8, 8)
    bags = datasets.to_torch(np.zeros((2, 5, 8, 8, 3), np.float32), np.array([0, 1]))
    assert bags[1][0].shape == (5, 3, 8, 8) and int(bags[1][1]) == 1
    with pytest.raises(ValueError, match="10 images but 9 labels"):
        datasets.to_torch(lesions.images[:10], lesions.labels[:9])


def test_medmnist_functions_are_reexported():
    assert datasets.download_medmnist is dl.download_medmnist and datasets.load_medmnist is dl.load_medmnist
