"""Tests of helpers.nets on small synthetic tensors (fast: the whole file runs in a few seconds)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import nets

torch.set_num_threads(1)  # unit tests share a 2-core machine with the team


def _bright_square_task(n=128, size=32, seed=0):
    """Class 1 = a bright 6×6 square somewhere on noise; easy enough to learn in a couple of epochs."""
    rng = np.random.default_rng(seed)
    images = rng.normal(0.5, 0.1, (n, size, size)).astype(np.float32)
    labels = rng.integers(0, 2, n)
    for i in np.flatnonzero(labels):
        r, c = rng.integers(4, size - 10, 2)
        images[i, r:r + 6, c:c + 6] += 0.6
    return images, labels


def test_small_cnn_shapes_and_attributes():
    model = nets.SmallCNN(in_channels=3, n_classes=4, width=4)
    x = torch.rand(5, 3, 40, 40)
    assert model(x).shape == (5, 4)
    assert isinstance(model.last_conv, torch.nn.Conv2d) and model.last_conv.out_channels == 16
    assert model.last_conv is [m for m in model.features if isinstance(m, torch.nn.Conv2d)][-1]
    assert model.classifier.in_features == model.features(x).shape[1] == 16
    assert model.features(x).shape[2:] == (10, 10)  # two 2×2 pools
    # global average pooling: any size above the minimum gives the same output shape
    assert model(torch.rand(2, 3, 64, 48)).shape == (2, 4)


@pytest.mark.parametrize("stem_stride, pool", [(1, "avg"), (1, "max"), (2, "avg")])
def test_small_cnn_variants_downsample_alike(stem_stride, pool):
    model = nets.SmallCNN(width=4, n_blocks=4, stem_stride=stem_stride, pool=pool)
    x = torch.rand(2, 1, 64, 64)
    assert model.features(x).shape == (2, 32, 8, 8)  # 64 / 2**(n_blocks - 1)
    with torch.no_grad():
        maps = model.features(x)
        expected = maps.amax(dim=(2, 3)) if pool == "max" else maps.mean(dim=(2, 3))
        torch.testing.assert_close(model.pool(maps), expected)
    n_pools = sum(isinstance(m, torch.nn.MaxPool2d) for m in model.features)
    assert n_pools == (3 if stem_stride == 1 else 2)


@pytest.mark.parametrize("kwargs, match", [
    ({"in_channels": 0}, "in_channels"),
    ({"n_classes": 1}, "n_classes"),
    ({"width": 2.5}, "width"),
    ({"n_blocks": 7}, "n_blocks"),
    ({"bn_momentum": 0.0}, "bn_momentum"),
    ({"stem_stride": 3}, "stem_stride"),
    ({"pool": "mean"}, "pool"),
])
def test_small_cnn_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nets.SmallCNN(**kwargs)


def test_small_cnn_rejects_bad_input():
    model = nets.SmallCNN(width=4)
    with pytest.raises(ValueError, match="channel axis"):
        model(torch.rand(2, 32, 32))
    with pytest.raises(ValueError, match="at least 16"):
        model(torch.rand(2, 1, 8, 8))


def test_set_seed_makes_initial_weights_reproducible():
    nets.set_seed(3)
    a = nets.SmallCNN(width=4).state_dict()
    nets.set_seed(3)
    b = nets.SmallCNN(width=4).state_dict()
    nets.set_seed(4)
    c = nets.SmallCNN(width=4).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["features.0.weight"], c["features.0.weight"])
    with pytest.raises(ValueError, match="non-negative"):
        nets.set_seed(-1)


def test_train_classifier_learns_and_reports_history():
    images, labels = _bright_square_task(n=160)
    nets.set_seed(0)
    model = nets.SmallCNN(width=4)
    hist = nets.train_classifier(model, images[:128], labels[:128], val=(images[128:], labels[128:]), epochs=5,
                                 batch_size=16, lr=1e-2, progress=False)
    assert set(hist) == {"loss", "train_acc", "val_loss", "val_acc", "seconds"}
    assert len(hist["loss"]) == len(hist["val_acc"]) == 5 and hist["seconds"] > 0
    assert hist["loss"][-1] < hist["loss"][0]
    assert hist["val_acc"][-1] >= 0.85, hist
    assert not model.training  # left in eval mode
    p = nets.predict_proba(model, images[128:])
    assert p.shape == (32,) and np.all((p >= 0) & (p <= 1))
    assert np.mean((p > 0.5) == labels[128:]) == pytest.approx(hist["val_acc"][-1])


def test_train_classifier_is_reproducible_for_a_seed():
    images, labels = _bright_square_task(n=48)
    runs = []
    for seed in (0, 0, 1):
        nets.set_seed(0)
        model = nets.SmallCNN(width=4)
        runs.append(nets.train_classifier(model, images, labels, epochs=1, batch_size=16, seed=seed,
                                          progress=False)["loss"])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]  # the seed drives the batch order


def test_train_classifier_applies_augment_to_every_batch():
    images, labels = _bright_square_task(n=40)
    shapes = []

    def augment(batch):
        shapes.append(tuple(batch.shape))
        return torch.flip(batch, dims=[3])

    nets.set_seed(0)
    nets.train_classifier(nets.SmallCNN(width=4), images, labels, epochs=2, batch_size=16, augment=augment,
                          progress=False)
    assert shapes == [(16, 1, 32, 32), (16, 1, 32, 32), (8, 1, 32, 32)] * 2


def test_train_classifier_skips_a_single_image_batch():
    images, labels = _bright_square_task(n=17)
    nets.set_seed(0)
    hist = nets.train_classifier(nets.SmallCNN(width=4), images, labels, epochs=1, batch_size=16, progress=False)
    assert np.isfinite(hist["loss"][0])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"epochs": 0}, ValueError, "epochs"),
    ({"batch_size": 1}, ValueError, "batch_size"),
    ({"lr": 0}, ValueError, "lr"),
    ({"val": [np.zeros((2, 32, 32), np.float32)]}, TypeError, "val"),
])
def test_train_classifier_rejects_bad_options(kwargs, error, match):
    images, labels = _bright_square_task(n=8)
    with pytest.raises(error, match=match):
        nets.train_classifier(nets.SmallCNN(width=4), images, labels, progress=False, **kwargs)


@pytest.mark.parametrize("images, labels, error, match", [
    (np.zeros((4, 32), np.float32), np.zeros(4, int), ValueError, r"\(n, H, W\)"),
    (np.zeros((4, 32, 32), np.uint8), np.zeros(4, int), TypeError, "float"),
    (np.zeros((4, 32, 32), np.float32), np.zeros(3, int), ValueError, r"shape \(4,\)"),
    (np.zeros((4, 32, 32), np.float32), np.zeros(4), TypeError, "integer"),
    (np.zeros((4, 32, 32), np.float32), -np.ones(4, int), ValueError, ">= 0"),
])
def test_train_classifier_rejects_bad_data(images, labels, error, match):
    with pytest.raises(error, match=match):
        nets.train_classifier(nets.SmallCNN(width=4), images, labels, progress=False)


def test_predict_proba_multiclass_rows_sum_to_one_and_match_logits():
    nets.set_seed(0)
    model = nets.SmallCNN(n_classes=3, width=4).eval()
    x = np.random.default_rng(0).random((7, 1, 32, 32)).astype(np.float32)
    p = nets.predict_proba(model, x, batch_size=3)  # batching must not change the answer
    assert p.shape == (7, 3)
    np.testing.assert_allclose(p.sum(1), 1, atol=1e-6)
    with torch.no_grad():
        expected = torch.softmax(model(torch.from_numpy(x)), 1).numpy()
    np.testing.assert_allclose(p, expected, atol=1e-6)
    with pytest.raises(ValueError, match="batch_size"):
        nets.predict_proba(model, x, batch_size=0)


def test_evaluate_agrees_with_predict_proba():
    images, labels = _bright_square_task(n=20)
    nets.set_seed(0)
    model = nets.SmallCNN(width=4)
    loss, acc = nets.evaluate(model, images, labels)
    p = nets.predict_proba(model, images)
    assert acc == pytest.approx(np.mean((p > 0.5) == labels))
    nll = -np.mean(np.log(np.where(labels == 1, p, 1 - p)))
    assert loss == pytest.approx(nll, rel=1e-5)
    assert model.training  # restored


def test_feature_maps_follow_the_blocks():
    nets.set_seed(0)
    model = nets.SmallCNN(width=4, n_blocks=3)
    maps = nets.feature_maps(model, np.random.default_rng(0).random((32, 32)).astype(np.float32))
    # strided stem (no pool) → 16×16; block 2 (ReLU before its pool) 16×16; block 3 after the pool 8×8
    assert [m.shape for m in maps] == [(4, 16, 16), (8, 16, 16), (16, 8, 8)]
    assert all((m >= 0).all() for m in maps)  # after ReLU


def test_count_parameters_by_hand():
    model = nets.SmallCNN(in_channels=1, n_classes=2, width=2, n_blocks=2)
    # conv 1→2 (18) + BN (4) + conv 2→4 (72) + BN (8) + linear 4→2 (10)
    assert nets.count_parameters(model) == 18 + 4 + 72 + 8 + 10


def test_plot_history_draws_train_and_validation():
    hist = {"loss": [1.0, 0.5], "train_acc": [0.5, 0.8], "val_loss": [0.9, 0.6], "val_acc": [0.6, 0.7]}
    fig = nets.plot_history(hist, title="t")
    assert len(fig.axes) == 2 and len(fig.axes[1].lines) == 2
    with pytest.raises(ValueError, match="loss"):
        nets.plot_history({})


# --- the shared loops: fit, predict, progress_bar --------------------------------------------------------------


def _regression(n=50, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    return x, x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3


def test_fit_matches_a_plain_loop_with_the_same_generator():
    x, y = _regression()
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    plain = torch.nn.Linear(3, 1)
    plain.load_state_dict(model.state_dict())
    run = nets.fit(model, torch.optim.SGD(model.parameters(), lr=0.1), (x, y), loss=torch.nn.functional.mse_loss,
                   epochs=3, batch_size=16, seed=5, progress=False)
    opt, gen, losses = torch.optim.SGD(plain.parameters(), lr=0.1), torch.Generator().manual_seed(5), []
    for _ in range(3):
        order = torch.randperm(len(x), generator=gen)
        for start in range(0, len(x), 16):
            idx = order[start:start + 16]
            loss = torch.nn.functional.mse_loss(plain(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    assert run["step_loss"] == losses and len(run["loss"]) == 3 and run["seconds"] > 0
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), plain.parameters(), strict=True))
    assert run["loss"][-1] < run["loss"][0] and not model.training


def test_fit_steps_full_batch_and_train_mode():
    x, y = _regression(n=10)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Dropout(0.5))
    modes = []
    model.register_forward_pre_hook(lambda m, _: modes.append(m.training))
    run = nets.fit(model, torch.optim.SGD(model.parameters(), lr=0.01), (x, y), loss=torch.nn.functional.mse_loss,
                   steps=7, batch_size=4, train_mode=False, progress=False)
    assert len(run["step_loss"]) == 7 and len(run["loss"]) == 3  # 3 + 3 + 1 steps: the last epoch is partial
    assert modes == [False] * 7
    run = nets.fit(model, torch.optim.SGD(model.parameters(), lr=0.01), (x, y), loss=torch.nn.functional.mse_loss,
                   epochs=4, progress=False)  # batch_size=None: one full batch per epoch
    assert len(run["step_loss"]) == 4 and run["loss"] == run["step_loss"] and modes[-1] is True


def test_fit_with_a_dataloader_and_on_epoch():
    x, y = _regression(n=20)
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8)
    run = nets.fit(model, torch.optim.SGD(model.parameters(), lr=0.1), loader, loss=torch.nn.functional.mse_loss,
                   epochs=2, on_epoch=lambda history: {"epochs_seen": len(history["loss"])}, progress=False)
    assert len(run["step_loss"]) == 6 and run["epochs_seen"] == [1, 2]


@pytest.mark.filterwarnings("ignore:Detected call of")
def test_fit_step_callback_can_skip_batches_and_update_itself():
    x, y = _regression(n=9)
    model = torch.nn.Linear(3, 1)
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    schedule = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    run = nets.fit(model, opt, (x, y), step=lambda batch: None, epochs=2, batch_size=3, scheduler=schedule,
                   progress=False)
    assert run["step_loss"] == [] and np.isnan(run["loss"]).all()
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**6)  # the scheduler still advanced every batch
    calls = iter(range(100))
    run = nets.fit(None, None, calls, step=lambda i: float(i), steps=5, progress=False)
    assert run["step_loss"] == [0.0, 1.0, 2.0, 3.0, 4.0] and next(calls) == 5  # no batch drawn beyond the last step


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"loss": None}, TypeError, "exactly one"),
    ({"step": lambda b: None}, TypeError, "exactly one"),
    ({"optimizer": None}, TypeError, "needs an optimizer"),
    ({"epochs": 0}, ValueError, "epochs"),
    ({"steps": 0}, ValueError, "steps"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"data": (torch.zeros(4, 3), torch.zeros(5, 1))}, ValueError, "equal length"),
    ({"data": iter([])}, ValueError, "pass steps="),
    ({"data": iter([]), "steps": 2}, ValueError, "ran out"),
    ({"no_model": True}, TypeError, "needs a model"),
])
def test_fit_rejects_bad_arguments(kwargs, error, match):
    model = torch.nn.Linear(3, 1)
    if kwargs.pop("no_model", False):
        model = None
    args = {"optimizer": torch.optim.SGD(torch.nn.Linear(3, 1).parameters(), lr=0.1), "data": _regression(n=8),
            "loss": torch.nn.functional.mse_loss, "progress": False} | kwargs
    with pytest.raises(error, match=match):
        nets.fit(model, args.pop("optimizer"), args.pop("data"), **args)


def test_predict_batches_in_eval_mode_and_restores_the_mode():
    nets.set_seed(0)
    model = nets.SmallCNN(width=4)  # training mode: BatchNorm would use batch statistics
    x = torch.rand(10, 1, 32, 32)
    with torch.no_grad():
        expected = model.eval()(x)
    model.train()
    for batch_size in (1, 3, 10, 64):
        out = nets.predict(model, x, batch_size=batch_size, progress=batch_size == 3)
        torch.testing.assert_close(out, expected)
        assert model.training and not out.requires_grad
    chunks = nets.predict(model, x.numpy(), batch_size=4, prepare=torch.from_numpy, forward=lambda b: b.sum((1, 2, 3)))
    torch.testing.assert_close(chunks, x.sum((1, 2, 3)))
    with pytest.raises(ValueError, match="empty"):
        nets.predict(model, x[:0])
    with pytest.raises(ValueError, match="batch_size"):
        nets.predict(model, x, batch_size=0)


def test_progress_bar_wraps_an_iterable_or_counts_by_hand():
    assert list(nets.progress_bar(range(3), enabled=False)) == [0, 1, 2]
    assert nets.progress_bar(total=4, enabled=False).disable
    bar = nets.progress_bar(total=4, desc="t")
    bar.update(2)
    assert bar.n == 2 and bar.total == 4 and bar.desc.startswith("t")
    bar.close()
