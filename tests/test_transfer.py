"""Tests of helpers.transfer: the EfficientNet-Lite0 definition, its real weights, features, fine-tuning, curves."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import transfer

torch.set_num_threads(1)  # unit tests share a 2-core machine with the team


@pytest.fixture(scope="module")
def net():
    return transfer.efficientnet_lite0(pretrained=True)


def _rng_images(n, size=64, seed=0, rgb=False):
    rng = np.random.default_rng(seed)
    return rng.random((n, size, size, 3) if rgb else (n, size, size)).astype(np.float32)


def test_state_dict_matches_the_package_file_exactly(net):
    state = torch.load(transfer.weights_path(), map_location="cpu", weights_only=True)
    ours = net.state_dict()
    assert set(ours) == set(state)
    assert all(ours[k].shape == state[k].shape for k in state)
    assert torch.equal(ours["_fc.bias"], state["_fc.bias"])
    assert sum(p.numel() for p in net.parameters()) == 4_652_008  # EfficientNet-Lite0: 4.65 M


def test_real_weights_recognise_the_cat_and_the_coffee(net):
    from skimage import data

    cats = transfer.imagenet_categories()
    for photo, expected in ((data.chelsea(), {"tabby", "tiger cat", "Egyptian cat"}),
                            (data.coffee(), {"espresso", "cup", "coffee mug"})):
        top = transfer.top_k(transfer.predict_logits(net, transfer.prepare_images(photo[None], size=224)), cats)
        assert top[0][0][0] in expected, top
        assert top[0][0][1] > 0.5


def test_random_weights_do_not_recognise_the_cat():
    from skimage import data

    model = transfer.efficientnet_lite0(pretrained=False, seed=1)
    top = transfer.top_k(transfer.predict_logits(model, transfer.prepare_images(data.chelsea()[None], size=224)),
                         transfer.imagenet_categories())
    assert not {"tabby", "tiger cat", "Egyptian cat"} & {label for label, _ in top[0]}


def test_categories_agree_with_torchvision_public_meta():
    from torchvision.models import EfficientNet_B0_Weights

    cats = transfer.imagenet_categories()
    assert cats == list(EfficientNet_B0_Weights.IMAGENET1K_V1.meta["categories"])
    assert len(cats) == 1000 and cats[281] == "tabby"


def test_same_padding_matches_tensorflow_rule():
    conv = transfer._SameConv(1, 1, 3, stride=2, bias=False)
    torch.nn.init.ones_(conv.weight)
    x = torch.ones(1, 1, 4, 4)
    y = conv(x)
    # TF SAME, stride 2, k 3, size 4: output 2, total padding 1, all of it after (bottom/right)
    assert y.shape == (1, 1, 2, 2)
    assert y[0, 0].tolist() == [[9.0, 6.0], [6.0, 4.0]]


def test_prepare_images_grey_rgb_and_uint8():
    grey = _rng_images(2, 40)
    x = transfer.prepare_images(grey, size=64)
    assert x.shape == (2, 3, 64, 64) and x.dtype == torch.float32
    assert torch.equal(x[:, 0], x[:, 1])  # grey replicated to 3 channels
    assert x.min() >= -1.0 and x.max() <= 1.0
    rgb8 = (np.ones((1, 32, 32, 3)) * 255).astype(np.uint8)
    assert torch.allclose(transfer.prepare_images(rgb8, size=32), torch.full((1, 3, 32, 32), 128 / 128))


@pytest.mark.parametrize("bad, match", [(np.zeros((4, 4)), "must be"), (np.zeros((1, 8, 8, 4)), "must be")])
def test_prepare_images_rejects_bad_shapes(bad, match):
    with pytest.raises(ValueError, match=match):
        transfer.prepare_images(bad)


def test_prepare_images_rejects_tiny_size():
    with pytest.raises(ValueError, match="at least 32"):
        transfer.prepare_images(_rng_images(1), size=16)


def test_extract_features_shapes_and_consistency(net):
    imgs = _rng_images(5, rgb=True)
    pooled = transfer.extract_features(net, imgs, size=64, batch_size=2)
    acts = transfer.extract_features(net, imgs, size=64, stop=10, batch_size=2)
    assert pooled.shape == (5, 1280) and acts.shape == (5, 112, 4, 4)
    # continuing from the cached activations gives the same result as the full pass
    assert np.allclose(transfer.pooled(net, acts, start=10), pooled, atol=1e-4)
    with torch.no_grad():
        mid = net.trunk(transfer.prepare_images(imgs, size=64), stop=11).mean(dim=(2, 3)).numpy()
    assert np.allclose(transfer.pooled(net, acts, start=10, stop=11), mid, atol=1e-4)


@pytest.mark.parametrize("kwargs", [{"stop": 0}, {"stop": 17}])
def test_extract_features_rejects_bad_stop(net, kwargs):
    with pytest.raises(ValueError, match="stop"):
        transfer.extract_features(net, _rng_images(1), **kwargs)


def test_pooled_rejects_bad_range(net):
    with pytest.raises(ValueError, match="start"):
        transfer.pooled(net, np.zeros((1, 112, 4, 4), np.float32), start=10, stop=10)


def test_block_classifier_copies_and_learns(net):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 112, 4, 4)).astype(np.float32)
    y = (x[:, :8].mean(axis=(1, 2, 3)) > 0).astype(np.int64)  # a learnable rule
    before = net._blocks[10]._project_conv.weight.clone()
    model = transfer.BlockClassifier(net, start=10, stop=11)
    losses = transfer.fit_classifier(model, x, y, steps=60, lr=3e-3)
    assert len(losses) == 60 and np.mean(losses[-10:]) < np.mean(losses[:10])
    assert torch.equal(net._blocks[10]._project_conv.weight, before), "the source network must stay unchanged"
    assert not torch.equal(model.blocks[0]._project_conv.weight, before), "the copy is trained"
    probs = transfer.class_probabilities(model, x)
    assert probs.shape == (40, 2) and np.allclose(probs.sum(1), 1)


def test_fit_classifier_is_seeded(net):
    x = np.random.default_rng(1).normal(size=(20, 112, 4, 4)).astype(np.float32)
    y = np.arange(20) % 2
    runs = [transfer.fit_classifier(transfer.BlockClassifier(net, start=10, stop=11), x, y, steps=5, seed=3)
            for _ in range(2)]
    assert runs[0] == runs[1]


def test_fit_classifier_validates():
    x, y = np.zeros((4, 3), np.float32), np.zeros(4, np.int64)
    with pytest.raises(ValueError, match="steps"):
        transfer.fit_classifier(torch.nn.Linear(3, 2), x, y, steps=0)
    with pytest.raises(ValueError, match="equal length"):
        transfer.fit_classifier(torch.nn.Linear(3, 2), x, y[:3])


def test_block_classifier_rejects_bad_blocks(net):
    with pytest.raises(ValueError, match="start"):
        transfer.BlockClassifier(net, start=5, stop=5)


def test_score_auc_and_accuracy():
    y = np.array([0, 0, 1, 1])
    assert transfer.score(y, np.array([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.2, 0.8]])) == 1.0
    y3 = np.array([0, 1, 2])
    assert transfer.score(y3, np.eye(3)[[0, 1, 1]]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="probs"):
        transfer.score(y, np.zeros(4))


def test_three_ways_matches_the_steps_written_out(net):
    """The helper runs exactly the notebook's three steps (same seeds, same settings)."""
    from helpers import nets

    rng = np.random.default_rng(0)
    images = rng.random((60, 32, 32)).astype(np.float32) * 0.2
    labels = np.arange(60) % 2
    images[labels == 1, 12:20, 12:20] += 0.8  # a bright square: a learnable "lesion"
    acts = transfer.extract_features(net, images, size=32, stop=10)
    task = {"acts": acts, "mid": transfer.pooled(net, acts, start=10, stop=11), "images": images,
            "labels": labels, "test": np.arange(30, 60)}
    idx = np.arange(30)
    got = transfer.three_ways(net, task, idx, tap=10, steps=5, scratch_steps=4)
    probe = transfer.linear_probe().fit(task["mid"][idx], labels[idx])
    tuned = transfer.BlockClassifier(net, start=10, stop=11, n_classes=2)
    transfer.fit_classifier(tuned, acts[idx], labels[idx], steps=5)
    nets.set_seed(0)
    cnn = nets.SmallCNN(1, 2, width=8)
    nets.train_classifier(cnn, images[idx, None], labels[idx], epochs=4, batch_size=30, progress=False)  # 4 steps
    p = nets.predict_proba(cnn, images[30:, None])
    test = task["test"]
    expected = {"linear probe": transfer.score(labels[test], probe.predict_proba(task["mid"][test])),
                "fine-tune block": transfer.score(labels[test], transfer.class_probabilities(tuned, acts[test])),
                "from scratch": transfer.score(labels[test], np.stack([1 - p, p], 1))}
    assert got == pytest.approx(expected, abs=1e-9)
    curve = transfer.learning_curve(net, task, [idx], tap=10, steps=5, scratch_steps=4, progress=False)
    assert list(curve.columns) == ["n", "method", "score"] and len(curve) == 3
    assert dict(zip(curve.method, curve.score, strict=True)) == pytest.approx(expected, abs=1e-9)


def test_draw_labelled_plain_and_per_class():
    labels = np.repeat(np.arange(3), 10)
    pool = np.arange(24)  # classes 0 and 1 complete, class 2 only 4 images
    plain = transfer.draw_labelled(labels, pool, n=7, seed=1)
    assert len(set(plain)) == 7 and set(plain) <= set(pool)
    assert not np.array_equal(plain, transfer.draw_labelled(labels, pool, n=7, seed=2))  # the seed matters
    per = transfer.draw_labelled(labels, pool, per_class=2, seed=1)
    assert sorted(np.bincount(labels[per]).tolist()) == [2, 2, 2] and set(per) <= set(pool)
    with pytest.raises(ValueError, match="exactly one"):
        transfer.draw_labelled(labels, pool, n=3, per_class=1)
    with pytest.raises(ValueError, match="smallest class"):
        transfer.draw_labelled(labels, pool, per_class=5)
    with pytest.raises(ValueError, match="pool's size"):
        transfer.draw_labelled(labels, pool, n=25)


def test_probe_vs_scratch_repeats_three_ways_per_seed(net):
    """Each seed's row is the probe and CNN rows of three_ways on that seed's draw."""
    rng = np.random.default_rng(0)
    images = rng.random((60, 32, 32)).astype(np.float32) * 0.2
    labels = np.arange(60) % 2
    images[labels == 1, 12:20, 12:20] += 0.8
    acts = transfer.extract_features(net, images, size=32, stop=10)
    task = {"acts": acts, "mid": transfer.pooled(net, acts, start=10, stop=11), "images": images,
            "labels": labels, "test": np.arange(30, 60)}
    table = transfer.probe_vs_scratch(task, np.arange(30), seeds=[3, 4], n=12, scratch_steps=4)
    assert list(table.index) == [3, 4] and list(table.columns) == ["linear probe", "from scratch"]
    for seed in (3, 4):
        idx = transfer.draw_labelled(labels, np.arange(30), n=12, seed=seed)
        full = transfer.three_ways(net, task, idx, tap=10, steps=2, scratch_steps=4, seed=seed)
        assert table.loc[seed].to_dict() == pytest.approx({k: full[k] for k in table.columns}, abs=1e-9)
