"""Small convolutional networks, the course's one training loop and one batched prediction (notebooks 04, 06-09).

The notebooks show the ideas (a neuron, a convolution, a loss) in a few visible lines; this module holds the
plumbing that would distract: a small CNN with a fixed, documented layout, :func:`fit` (the seeded training loop
with a progress bar and a history that every trainer of the course runs on), :func:`predict` (batched inference
in eval mode, likewise shared) and :func:`progress_bar`. It imports torch at the top, so only torch notebooks
import it.

Layout of :class:`SmallCNN` (defaults ``n_blocks=3``, ``stem_stride=2``, ``pool="max"``; ``width=w``)::

    input (N, C, H, W)
    features:   [conv3x3 stride 2 (C→w) - BN - ReLU]                 H/2  (the strided 'stem')
                [conv3x3 (w→2w)  - BN - ReLU - maxpool2]             H/4
                [conv3x3 (2w→4w) - BN - ReLU]  <- last_conv          H/4  (no pool: a finer map for saliency)
    pool:       global max pooling (or average)                      (N, 4w)
    classifier: linear(4w → n_classes)                               (N, n_classes) logits

Why these defaults (measured on the 64×64 lesion slices of :mod:`helpers.datasets`, 2-core CPU): the strided
first convolution replaces conv + 2×2 pooling at full resolution, which cost most of the time (a 1-channel
convolution's backward pass and BatchNorm/ReLU on 64×64 maps), and makes training about 4× faster. Global *max*
pooling answers "is there a lesion anywhere?"; global *average* pooling dilutes a small lesion's response over the
whole map and did not learn the task in a few epochs (test AUC ≈ 0.6 vs ≈ 0.98).
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

__all__ = [
    "SmallCNN",
    "fit",
    "predict",
    "progress_bar",
    "train_classifier",
    "predict_proba",
    "evaluate",
    "feature_maps",
    "set_seed",
    "count_parameters",
    "plot_history",
]


def set_seed(seed: int) -> None:
    """Seed Python's and torch's global random generators (NumPy code should pass its own ``default_rng(seed)``).

    Parameters
    ----------
    seed : int
        Non-negative seed.

    Notes
    -----
    Weight initialisation in ``torch.nn`` draws from torch's global generator, so call this right before building
    a model to make its initial weights reproducible. On the CPU, the same seed and thread count give the same run.
    """
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(int(seed))
    torch.manual_seed(int(seed))


class SmallCNN(nn.Module):
    """A small CNN classifier: conv blocks, global pooling, one linear layer.

    Parameters
    ----------
    in_channels : int, optional
        Channels of the input images (1 for grey, 3 for RGB).
    n_classes : int, optional
        Number of output classes (logits).
    width : int, optional
        Channels of the first conv block; block *k* has ``width * 2**k`` channels.
    n_blocks : int, optional
        Number of conv blocks (2 to 5). Every block but the last halves the image size: the first by its
        stride (``stem_stride=2``) or 2×2 max pooling (``stem_stride=1``), the others by 2×2 max pooling.
    stem_stride : {2, 1}, optional
        Stride of the first convolution. 2 is about 4× faster on 64×64 images; 1 is the textbook
        conv-BN-ReLU-pool block everywhere.
    pool : {"max", "avg"}, optional
        Global pooling over the last feature map. "max" suits "is there a small finding anywhere?" tasks.
    bn_momentum : float, optional
        Update rate of BatchNorm's running mean/variance (used in eval mode). Higher than torch's 0.1 because the
        course trains for only a few dozen steps: with 0.1 the running statistics lag and validation accuracy sits
        at chance for the first epochs although the training accuracy is already high.

    Attributes
    ----------
    features : torch.nn.Sequential
        The convolutional part: ``(N, C, H, W) -> (N, width * 2**(n_blocks-1), H / 2**(n_blocks-1), ...)``.
    pool : torch.nn.Module
        Global max (or average) pooling and flattening, ``-> (N, channels)``.
    classifier : torch.nn.Linear
        ``(N, channels) -> (N, n_classes)`` logits.
    last_conv : torch.nn.Conv2d
        The last convolution layer (the usual target of Grad-CAM style saliency).

    Notes
    -----
    Input is ``(N, C, H, W)`` float32 with ``H, W >= 2**(n_blocks-1) * 4`` (32 for the default is comfortable).
    Convolutions use padding 1, so the network takes any image size above the minimum; global pooling makes the
    output independent of it. Odd sizes are fine (the strided stem rounds up, pooling rounds down).
    """

    def __init__(self, in_channels: int = 1, n_classes: int = 2, width: int = 16, *, n_blocks: int = 3,
                 stem_stride: int = 2, pool: str = "max", bn_momentum: float = 0.3):
        super().__init__()
        for name, value, low in [("in_channels", in_channels, 1), ("n_classes", n_classes, 2),
                                 ("width", width, 1)]:
            if not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
        if not isinstance(n_blocks, int) or not 2 <= n_blocks <= 5:
            raise ValueError(f"n_blocks must be an int from 2 to 5, got {n_blocks!r}")
        if stem_stride not in (1, 2):
            raise ValueError(f"stem_stride must be 1 or 2, got {stem_stride!r}")
        if pool not in ("max", "avg"):
            raise ValueError(f"pool must be 'max' or 'avg', got {pool!r}")
        if not 0 < bn_momentum <= 1:
            raise ValueError(f"bn_momentum must be in (0, 1], got {bn_momentum!r}")
        self.in_channels, self.n_classes, self.width, self.n_blocks = in_channels, n_classes, width, n_blocks
        self.stem_stride, self.pool_mode = stem_stride, pool
        layers: list[nn.Module] = []
        c_in = in_channels
        for k in range(n_blocks):
            c_out = width * 2**k
            stride = stem_stride if k == 0 else 1
            # bias=False: the BatchNorm right after has its own shift
            layers += [nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
                       nn.BatchNorm2d(c_out, momentum=bn_momentum), nn.ReLU()]
            if k < n_blocks - 1 and stride == 1:  # a strided stem already halved the size
                layers.append(nn.MaxPool2d(2))
            c_in = c_out
        self.features = nn.Sequential(*layers)
        global_pool = nn.AdaptiveMaxPool2d(1) if pool == "max" else nn.AdaptiveAvgPool2d(1)
        self.pool = nn.Sequential(global_pool, nn.Flatten())
        self.classifier = nn.Linear(c_in, n_classes)
        self.last_conv = [m for m in self.features if isinstance(m, nn.Conv2d)][-1]

    @property
    def min_size(self) -> int:
        """Smallest input height/width in pixels (each pooled map keeps at least 4 pixels)."""
        return 4 * 2 ** (self.n_blocks - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return logits ``(N, n_classes)`` for images ``(N, C, H, W)``."""
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"expected input (N, {self.in_channels}, H, W), got {tuple(x.shape)}; "
                             "add a channel axis with x[:, None] for grey images")
        if min(x.shape[2:]) < self.min_size:
            raise ValueError(f"images must be at least {self.min_size}×{self.min_size} pixels, got "
                             f"{tuple(x.shape[2:])}; use fewer blocks (n_blocks) or larger images")
        return self.classifier(self.pool(self.features(x)))


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters of ``model``."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


def _as_images(images, *, name: str = "images") -> torch.Tensor:
    """Validate and convert ``(n, H, W)`` or ``(n, C, H, W)`` arrays/tensors to a float32 ``(n, C, H, W)`` tensor."""
    x = images if isinstance(images, torch.Tensor) else torch.from_numpy(np.asarray(images))
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4:
        raise ValueError(f"{name} must have shape (n, H, W) or (n, C, H, W), got {tuple(x.shape)}")
    if not torch.is_floating_point(x):
        raise TypeError(f"{name} must be a float array (e.g. float32 scaled to ~[0, 1]), got {x.dtype}")
    return x.float()


def _as_labels(labels, n: int, *, name: str = "labels") -> torch.Tensor:
    """Validate and convert integer class labels ``(n,)`` to an int64 tensor."""
    y = labels if isinstance(labels, torch.Tensor) else torch.from_numpy(np.asarray(labels))
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},) to match the images, got {tuple(y.shape)}")
    if torch.is_floating_point(y) or y.dtype == torch.bool:
        raise TypeError(f"{name} must be integer class indices (0, 1, ...), got {y.dtype}")
    if n and int(y.min()) < 0:
        raise ValueError(f"{name} must be class indices >= 0, got minimum {int(y.min())}")
    return y.long()


def progress_bar(iterable=None, *, total: int | None = None, desc: str | None = None, unit: str = "step",
                 enabled: bool = True):
    """A ``tqdm.auto`` progress bar (notebook widget or text) over ``iterable``, or a manual one of ``total`` steps.

    Parameters
    ----------
    iterable : iterable, optional
        What to loop over; omit it for a bar advanced by hand with ``bar.update(1)``.
    total : int, optional
        Number of steps (taken from ``len(iterable)`` when possible).
    desc, unit : str, optional
        Label in front of the bar and name of one step.
    enabled : bool, optional
        ``False`` gives a silent stand-in with the same methods (for tests and nested loops).

    Returns
    -------
    tqdm.auto.tqdm
    """
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=not enabled, leave=True)


@torch.no_grad()
def predict(model: nn.Module, inputs, *, batch_size: int = 256, prepare: Callable | None = None,
            forward: Callable | None = None, progress: bool = False, desc: str = "predicting") -> torch.Tensor:
    """Run a model over ``inputs`` in batches, in eval mode and without gradients; the outputs concatenated.

    The one batched-inference loop of the course: every helper that applies a network to many images (class
    probabilities, logits, reconstructions, features, text embeddings) goes through it.

    Parameters
    ----------
    model : torch.nn.Module
        Put in eval mode for the run (BatchNorm uses its running statistics), then back in the mode it was in.
    inputs : Tensor, ndarray or sequence, length n
        Sliced along the first axis into batches of ``batch_size``.
    batch_size : int, optional
        Items per forward pass (memory vs speed); the result does not depend on it in eval mode.
    prepare : callable, optional
        ``prepare(chunk) -> batch`` turns a slice of ``inputs`` into the model's input (e.g. resize and normalise
        images, tokenise texts). Default: the slice itself.
    forward : callable, optional
        ``forward(batch) -> Tensor`` used instead of ``model(batch)``, e.g. a part of the network or the softmax of
        its logits. Its output's first axis must match the batch.
    progress : bool, optional
        Show a progress bar over the batches.
    desc : str, optional
        Label of the progress bar.

    Returns
    -------
    torch.Tensor
        ``(n, ...)``: the batch outputs concatenated along the first axis.

    Raises
    ------
    ValueError
        If ``inputs`` is empty or ``batch_size`` is not a positive int.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
    if len(inputs) == 0:
        raise ValueError("inputs is empty: nothing to predict")
    starts = range(0, len(inputs), batch_size)
    if progress:
        starts = progress_bar(starts, desc=desc, unit="batch")
    forward = model if forward is None else forward
    was_training = model.training
    model.eval()
    try:
        outputs = [forward(_prepared(inputs[s:s + batch_size], prepare)) for s in starts]
    finally:
        model.train(was_training)
    return torch.cat(outputs)


def _prepared(chunk, prepare: Callable | None):
    return chunk if prepare is None else prepare(chunk)


def fit(model: nn.Module | None, optimizer, data, *, loss: Callable | None = None, step: Callable | None = None,
        epochs: int = 1, steps: int | None = None, batch_size: int | None = None, seed: int = 0, scheduler=None,
        train_mode: bool = True, on_epoch: Callable | None = None, progress: bool = True,
        desc: str = "training") -> dict:
    """Train with mini-batches: the one training loop of the course (CNNs, autoencoder, MIL, heads, GAN).

    Each step draws a batch, computes a loss and, with an ``optimizer``, zeroes the gradients, back-propagates and
    updates the weights (then advances ``scheduler``). Each epoch ends with ``on_epoch``, e.g. a validation pass.

    Parameters
    ----------
    model : torch.nn.Module or None
        Put in train mode (or eval mode, see ``train_mode``) at the start of every epoch and left in eval mode.
        ``None``: modes are the caller's business (e.g. a GAN's two networks).
    optimizer : torch.optim.Optimizer or None
        Updated after every batch. ``None``: ``step`` updates the weights itself and returns a float for the history.
    data : tuple of Tensors, or an iterable of batches
        A tuple ``(inputs, targets, ...)`` of tensors of equal length is cut into batches of ``batch_size`` in a new
        random order every epoch (a ``torch.Generator`` seeded with ``seed``; ``batch_size=None``: one batch
        holding everything, in order). Anything else is iterated as it is: a ``DataLoader`` once per epoch, an
        iterator (e.g. an endless generator of random batches) until ``steps`` batches were drawn.
    loss : callable, optional
        ``loss(model(inputs), targets) -> Tensor`` for batches ``(inputs, targets)``.
    step : callable, optional
        ``step(batch) -> loss`` instead of ``loss``, for anything else (augmentation, counting correct predictions,
        an alternating GAN update). Returning ``None`` skips the batch (no update; the scheduler still advances).
    epochs : int, optional
        Passes over ``data`` (ignored when ``steps`` is given).
    steps : int, optional
        Stop after this many batches in all, whatever the epochs (the last epoch may be partial).
    batch_size : int, optional
        Items per batch for tensor ``data``.
    seed : int, optional
        Seeds the batch order of tensor ``data`` (nothing else: weights come from torch's global generator).
    scheduler : optional
        A learning-rate scheduler stepped after every batch.
    train_mode : bool, optional
        ``False`` trains in eval mode: BatchNorm keeps its (pretrained) statistics, dropout is off.
    on_epoch : callable, optional
        ``on_epoch(history) -> dict`` after every epoch; each returned value is appended to ``history[key]`` and
        shown on the progress bar.
    progress : bool, optional
        Show a progress bar over the steps.
    desc : str, optional
        Label of the progress bar.

    Returns
    -------
    dict
        ``"loss"``: mean loss of each epoch (weighted by batch size, skipped batches left out), ``"step_loss"``: the
        loss of every batch that was not skipped, ``"seconds"``: wall time (s), plus the keys ``on_epoch`` returns.

    Raises
    ------
    ValueError, TypeError
        Neither or both of ``loss`` and ``step``, no ``optimizer`` for ``loss``, non-positive ``epochs``, ``steps``
        or ``batch_size``, tensors of unequal length, or an iterator without ``steps``.
    """
    if loss is not None and model is None:
        raise TypeError("loss= needs a model to compute loss(model(inputs), targets); pass step= instead")
    total = _check_fit(optimizer, data, loss=loss, step=step, epochs=epochs, steps=steps, batch_size=batch_size)
    compute = step if step is not None else (lambda batch: loss(model(batch[0]), *batch[1:]))
    generator = torch.Generator().manual_seed(int(seed))
    history: dict = {"loss": [], "step_loss": []}
    bar = progress_bar(total=total, desc=desc, enabled=progress)
    t0, done = time.perf_counter(), 0
    while done < total:
        if model is not None:
            model.train(train_mode)
        loss_sum, seen, first = 0.0, 0, done
        for batch in itertools.islice(_epoch_batches(data, batch_size, generator), total - done):
            value = _update(compute(batch), optimizer, scheduler)
            done += 1
            bar.update(1)
            if value is None:
                continue
            history["step_loss"].append(value)
            loss_sum += value * _batch_length(batch)
            seen += _batch_length(batch)
            if done % 25 == 0:
                bar.set_postfix(loss=f"{value:.3f}")
        if done == first:
            raise ValueError("data ran out of batches before the last step; pass fewer steps or re-iterable data")
        history["loss"].append(loss_sum / seen if seen else float("nan"))
        _record(history, on_epoch(history) if on_epoch is not None else {}, bar)
    bar.close()
    if model is not None:
        model.eval()
    history["seconds"] = time.perf_counter() - t0
    return history


def _check_fit(optimizer, data, *, loss, step, epochs, steps, batch_size) -> int:
    """Validate :func:`fit`'s arguments; return the total number of steps."""
    if (loss is None) == (step is None):
        raise TypeError("pass exactly one of loss=loss(outputs, targets) or step=step(batch)")
    if loss is not None and optimizer is None:
        raise TypeError("loss= needs an optimizer (or pass a step= that updates the weights itself)")
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an int >= 1, got {epochs!r}")
    if steps is not None and (not isinstance(steps, int) or steps < 1):
        raise ValueError(f"steps must be an int >= 1, got {steps!r}")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
    if _is_tensor_tuple(data):
        if len({len(t) for t in data}) != 1 or not len(data[0]):
            raise ValueError(f"data tensors must be non-empty and of equal length, got {[len(t) for t in data]}")
        per_epoch = 1 if batch_size is None else -(-len(data[0]) // batch_size)
    else:
        per_epoch = len(data) if hasattr(data, "__len__") else None
    if steps is None and per_epoch is None:
        raise ValueError("data has no length (an iterator): pass steps=")
    return steps if steps is not None else epochs * per_epoch


def _is_tensor_tuple(data) -> bool:
    return isinstance(data, tuple) and bool(data) and all(isinstance(t, torch.Tensor) for t in data)


def _epoch_batches(data, batch_size: int | None, generator: torch.Generator):
    """One epoch of batches: shuffled slices of a tensor tuple, or ``data``'s own batches."""
    if not _is_tensor_tuple(data):
        return iter(data)
    if batch_size is None:
        return iter([data])
    return _shuffled(data, batch_size, generator)


def _shuffled(tensors: tuple, batch_size: int, generator: torch.Generator):
    order = torch.randperm(len(tensors[0]), generator=generator)  # drawn when the epoch's first batch is
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        yield tuple(t[idx] for t in tensors)


def _batch_length(batch) -> int:
    """Items in a batch: the length of its first tensor (of the batch itself; 1 for anything without a length)."""
    first = batch[0] if isinstance(batch, (tuple, list)) else batch
    return len(first) if hasattr(first, "__len__") else 1


def _update(loss, optimizer, scheduler) -> float | None:
    """Back-propagate ``loss`` and update (if there is an optimizer); step the scheduler; the loss as a float."""
    if loss is not None and optimizer is not None:
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    if scheduler is not None:
        scheduler.step()
    if loss is None:
        return None
    return loss.item() if isinstance(loss, torch.Tensor) else float(loss)


def _record(history: dict, values: dict, bar) -> None:
    """Append an epoch's values to the history and show them on the bar."""
    for key, value in values.items():
        history.setdefault(key, []).append(value)
    bar.set_postfix({"loss": f"{history['loss'][-1]:.3f}"} | {k: f"{v:.3f}" for k, v in values.items()})


@torch.no_grad()
def evaluate(model: nn.Module, images, labels, *, batch_size: int = 256) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy of ``model`` on a labelled set (eval mode, no gradients).

    Parameters
    ----------
    model : torch.nn.Module
        A classifier returning logits ``(N, n_classes)``.
    images : ndarray or Tensor, shape (n, H, W) or (n, C, H, W), float
        Images.
    labels : ndarray or Tensor, shape (n,), int
        Class indices.
    batch_size : int, optional
        Images per forward pass.

    Returns
    -------
    loss : float
        Mean cross-entropy (nats).
    accuracy : float
        Fraction of correct arg-max predictions, in [0, 1].
    """
    x = _as_images(images)
    y = _as_labels(labels, len(x))
    if not len(x):
        return 0.0, 0.0
    logits = predict(model, x, batch_size=batch_size)
    # summed per batch, as the batches come: the same float sums whatever the batch size of the caller's loop
    total_loss = sum(float(nn.functional.cross_entropy(z, t, reduction="sum"))
                     for z, t in zip(logits.split(batch_size), y.split(batch_size), strict=True))
    return total_loss / len(x), int((logits.argmax(1) == y).sum()) / len(x)


def train_classifier(model: nn.Module, images, labels, *, val=None, epochs: int = 8, batch_size: int = 64,
                     lr: float = 3e-3, seed: int = 0, augment: Callable | None = None,
                     progress: bool = True) -> dict:
    """Train a classifier with Adam and cross-entropy; returns the per-epoch history.

    Parameters
    ----------
    model : torch.nn.Module
        Returns logits ``(N, n_classes)`` for ``(N, C, H, W)`` input; trained in place, left in eval mode.
    images : ndarray or Tensor, shape (n, H, W) or (n, C, H, W), float32
        Training images (scaled to roughly [0, 1]).
    labels : ndarray or Tensor, shape (n,), int
        Class indices.
    val : tuple (images, labels), optional
        A validation set, evaluated after every epoch (eval mode, no augmentation).
    epochs : int, optional
        Passes over the training set.
    batch_size : int, optional
        Images per gradient step.
    lr : float, optional
        Peak learning rate; it follows a one-cycle schedule (warm up, then anneal), which makes short runs stable.
    seed : int, optional
        Seeds the batch order and any randomness in ``augment`` (torch's global generator).
    augment : callable, optional
        ``augment(batch) -> batch`` on a float tensor ``(B, C, H, W)``, applied to every training batch.
    progress : bool, optional
        Show a ``tqdm`` progress bar over the training steps.

    Returns
    -------
    dict
        ``{"loss", "train_acc", "val_loss", "val_acc"}``: lists with one value per epoch (train values are running
        means over the epoch's batches; val lists are empty without ``val``), and ``"seconds"``: wall time (s).

    Raises
    ------
    ValueError, TypeError
        Bad shapes, non-integer labels, or non-positive ``epochs``/``batch_size``/``lr``.
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an int >= 1, got {epochs!r}")
    if not isinstance(batch_size, int) or batch_size < 2:
        raise ValueError(f"batch_size must be an int >= 2 (BatchNorm needs 2 images), got {batch_size!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    x = _as_images(images)
    y = _as_labels(labels, len(x))
    if len(x) < 2:
        raise ValueError(f"need at least 2 training images, got {len(x)}")
    if val is not None:
        if not (isinstance(val, (tuple, list)) and len(val) == 2):
            raise TypeError("val must be a tuple (images, labels)")
        val = (_as_images(val[0], name="val images"), _as_labels(val[1], len(val[0]), name="val labels"))

    set_seed(seed)  # also drives torch-based augmentation
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    total_steps = epochs * -(-len(x) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=total_steps)
    counts = {"correct": 0, "seen": 0}

    def step(batch):
        xb, yb = batch
        if len(xb) < 2:  # BatchNorm cannot train on a single image
            return None
        logits = model(augment(xb) if augment is not None else xb)
        counts["correct"] += int((logits.argmax(1) == yb).sum())
        counts["seen"] += len(yb)
        return nn.functional.cross_entropy(logits, yb)

    def end_of_epoch(_history) -> dict:
        record = {"train_acc": counts["correct"] / counts["seen"]}
        counts.update(correct=0, seen=0)
        if val is not None:
            record["val_loss"], record["val_acc"] = evaluate(model, *val)
        return record

    run = fit(model, optimizer, (x, y), step=step, epochs=epochs, batch_size=batch_size, seed=seed,
              scheduler=schedule, on_epoch=end_of_epoch, progress=progress)
    return {"loss": run["loss"], "train_acc": run["train_acc"], "val_loss": run.get("val_loss", []),
            "val_acc": run.get("val_acc", []), "seconds": run["seconds"]}


@torch.no_grad()
def predict_proba(model: nn.Module, images, *, batch_size: int = 256) -> np.ndarray:
    """Class probabilities of ``model`` (softmax of its logits), in eval mode.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier returning logits ``(N, n_classes)``.
    images : ndarray or Tensor, shape (n, H, W) or (n, C, H, W), float
        Images.
    batch_size : int, optional
        Images per forward pass (memory vs speed).

    Returns
    -------
    ndarray, float64
        ``(n,)`` probability of class 1 for a two-class model, else ``(n, n_classes)`` with rows summing to 1.
    """
    x = _as_images(images)
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
    if not len(x):
        return np.zeros(0)
    proba = predict(model, x, batch_size=batch_size, forward=lambda b: torch.softmax(model(b), dim=1))
    proba = proba.double().numpy()
    return proba[:, 1] if proba.shape[1] == 2 else proba


@torch.no_grad()
def feature_maps(model: SmallCNN, image) -> list[np.ndarray]:
    """Activations after each ReLU of ``model.features`` for one image.

    Parameters
    ----------
    model : SmallCNN
        Or any module with a ``features`` ``nn.Sequential`` containing ReLU layers.
    image : ndarray or Tensor, shape (H, W) or (C, H, W), float
        One image.

    Returns
    -------
    list of ndarray, float32
        One ``(channels, h, w)`` array per conv block, in order.
    """
    x = _as_images(np.asarray(image)[None] if not isinstance(image, torch.Tensor) else image[None])
    was_training = model.training
    model.eval()
    maps = []
    for layer in model.features:
        x = layer(x)
        if isinstance(layer, nn.ReLU):
            maps.append(x[0].numpy().copy())
    model.train(was_training)
    return maps


def plot_history(history: dict, *, title: str = "Training history", axes=None):
    """Loss and accuracy curves per epoch (train and, if present, validation).

    Parameters
    ----------
    history : dict
        As returned by :func:`train_classifier`.
    title : str, optional
        Figure title.
    axes : sequence of two matplotlib Axes, optional
        Where to draw; a new 1×2 figure if omitted.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if not history.get("loss"):
        raise ValueError("history has no 'loss' values; pass the dict returned by train_classifier")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    fig = axes[0].figure
    epochs = np.arange(1, len(history["loss"]) + 1)
    for ax, key, label in [(axes[0], "loss", "cross-entropy loss (nats)"), (axes[1], "acc", "accuracy")]:
        train_key = "loss" if key == "loss" else "train_acc"
        ax.plot(epochs, history[train_key], "o-", label="train")
        if history.get(f"val_{key}"):
            ax.plot(epochs, history[f"val_{key}"], "s--", label="validation")
        ax.set(xlabel="epoch", ylabel=label)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig
