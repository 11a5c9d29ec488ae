"""Train the same small CNN with several seeds at once, so a claim can be checked over seeds within the budget.

A claim like "augmentation helps" needs several training runs (seeds) and their spread. Run one after the other,
five seeds of ``helpers.nets.SmallCNN`` cost five times the Python overhead of the loop. :class:`SeedStack` packs
``K`` SmallCNNs into one network with grouped convolutions: model ``k`` sees only its own channels, its own
BatchNorm statistics and its own linear layer, so the stack computes exactly what the ``K`` networks compute
apart, in one call. :func:`train_seeds` trains such a stack; each model gets its own initial weights
(``nets.set_seed(seed)`` then ``SmallCNN(...)``, as a single run would), its own batch order and its own
augmentation draws, and the loss is the sum of the ``K`` mean cross-entropies, so each model's gradient is the one
it would get alone (Adam works element by element). ``tests/test_multiseed.py`` checks the stack against separate
networks.

Layout: images of the ``K`` models travel as channels, ``(B, K * C, H, W)``; a model's channels are contiguous.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from . import nets

__all__ = ["SeedStack", "train_seeds", "predict_seeds", "paired_difference"]


def _stack_layer(layers: list[nn.Module]) -> nn.Module:
    """One grouped layer that runs ``layers`` (the same layer of ``K`` models) side by side on stacked channels."""
    first, k = layers[0], len(layers)
    if isinstance(first, nn.Conv2d):
        out = nn.Conv2d(first.in_channels * k, first.out_channels * k, first.kernel_size, stride=first.stride,
                        padding=first.padding, bias=first.bias is not None, groups=k)
        out.weight.data.copy_(torch.cat([m.weight.data for m in layers]))
        if first.bias is not None:
            out.bias.data.copy_(torch.cat([m.bias.data for m in layers]))
        return out
    if isinstance(first, nn.BatchNorm2d):
        out = nn.BatchNorm2d(first.num_features * k, eps=first.eps, momentum=first.momentum)
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(out, name).data.copy_(torch.cat([getattr(m, name).data for m in layers]))
        return out
    if isinstance(first, (nn.ReLU, nn.MaxPool2d)):
        return first
    raise TypeError(f"cannot stack a {type(first).__name__}: SeedStack handles SmallCNN's layers only")


class SeedStack(nn.Module):
    """``K`` SmallCNNs (same layout, different weights) run as one network.

    Parameters
    ----------
    models : sequence of helpers.nets.SmallCNN
        ``K >= 1`` networks with the same constructor arguments; their weights are copied.

    Notes
    -----
    ``forward(x)`` takes ``x`` of shape ``(K, B, C, H, W)`` (model ``k`` gets ``x[k]``) and returns logits
    ``(K, B, n_classes)``. :meth:`unstack` gives the ``K`` models back as separate SmallCNNs.
    """

    def __init__(self, models: Sequence[nets.SmallCNN]):
        super().__init__()
        models = list(models)
        if not models or not all(isinstance(m, nets.SmallCNN) for m in models):
            raise TypeError("models must be a non-empty list of helpers.nets.SmallCNN")
        if len({repr(m) for m in models}) != 1:
            raise ValueError("all models must have the same layout (build them with the same SmallCNN arguments)")
        self.k, self.template = len(models), models[0]
        self.features = nn.Sequential(*[_stack_layer(list(layers))
                                        for layers in zip(*[m.features for m in models], strict=True)])
        self.global_pool = self.template.pool[0]
        self.weight = nn.Parameter(torch.stack([m.classifier.weight.data for m in models]))  # (K, out, c)
        self.bias = nn.Parameter(torch.stack([m.classifier.bias.data for m in models]))  # (K, out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(K, B, n_classes)`` for images ``(K, B, C, H, W)``."""
        if x.ndim != 5 or x.shape[0] != self.k:
            raise ValueError(f"x must have shape ({self.k}, B, C, H, W), got {tuple(x.shape)}")
        k, b, c, h, w = x.shape
        maps = self.features(x.transpose(0, 1).reshape(b, k * c, h, w))
        pooled = self.global_pool(maps).reshape(b, k, -1)  # (B, K, channels)
        return torch.einsum("bkc,koc->kbo", pooled, self.weight) + self.bias[:, None]

    def unstack(self) -> list[nets.SmallCNN]:
        """The ``K`` models as separate SmallCNNs (copies, in eval mode)."""
        out = []
        for i in range(self.k):
            model = _clone_layout(self.template)
            for small, big in zip(model.features, self.features, strict=True):
                for name, tensor in list(small.named_parameters()) + list(small.named_buffers()):
                    if name == "num_batches_tracked":
                        continue
                    size = len(tensor)
                    tensor.data.copy_(getattr(big, name).data[i * size:(i + 1) * size])
            model.classifier.weight.data.copy_(self.weight.data[i])
            model.classifier.bias.data.copy_(self.bias.data[i])
            out.append(model.eval())
        return out


def _clone_layout(model: nets.SmallCNN) -> nets.SmallCNN:
    """A new SmallCNN with ``model``'s constructor arguments (weights are overwritten by the caller)."""
    bn = next(m for m in model.features if isinstance(m, nn.BatchNorm2d))
    return nets.SmallCNN(model.in_channels, model.n_classes, model.width, n_blocks=model.n_blocks,
                         stem_stride=model.stem_stride, pool=model.pool_mode, bn_momentum=bn.momentum)


def train_seeds(images, labels, *, seeds: Sequence[int], epochs: int, batch_size: int = 32, lr: float = 5e-3,
                augment: Callable | None = None, **cnn_options) -> list[nets.SmallCNN]:
    """Train one SmallCNN per seed, all at once; each run is what ``nets.train_classifier`` would do alone.

    Parameters
    ----------
    images : ndarray or Tensor, (n, H, W) or (n, C, H, W) float32
        Training images.
    labels : ndarray or Tensor, (n,) int
        Class indices.
    seeds : sequence of int
        One model per seed: the seed sets its initial weights (``nets.set_seed(seed)`` then ``SmallCNN``) and its
        batch order; augmentation draws come from torch's global generator, seeded with ``seeds[0]``.
    epochs : int
        Passes over the training set (every model sees every image once per epoch, in its own order).
    batch_size : int, optional
        Images per step and model.
    lr : float, optional
        Peak learning rate of Adam's one-cycle schedule (as ``nets.train_classifier``).
    augment : callable, optional
        ``augment(batch) -> batch`` on ``(K * B, C, H, W)``; it must draw new parameters per image (e.g.
        ``helpers.augment.per_sample(...)`` or ``helpers.augment.random_flip_affine``).
    **cnn_options
        Passed to ``nets.SmallCNN`` (e.g. ``width=8``).

    Returns
    -------
    list of helpers.nets.SmallCNN
        The trained models, in the order of ``seeds``, in eval mode.

    Raises
    ------
    ValueError
        No seeds, repeated seeds, or bad ``epochs``/``batch_size``.
    """
    seeds = [int(s) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct non-negative ints, got {seeds!r}")
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an int >= 1, got {epochs!r}")
    if not isinstance(batch_size, int) or batch_size < 2:
        raise ValueError(f"batch_size must be an int >= 2 (BatchNorm needs 2 images), got {batch_size!r}")
    x, y = nets._as_images(images), nets._as_labels(labels, len(images))
    models = []
    for s in seeds:
        nets.set_seed(s)
        models.append(nets.SmallCNN(x.shape[1], int(y.max()) + 1 if len(y) else 2, **cnn_options))
    stack = SeedStack(models)
    optimizer = torch.optim.Adam(stack.parameters(), lr=lr)
    steps_per_epoch = -(-len(x) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * steps_per_epoch)
    orders = [torch.Generator().manual_seed(s) for s in seeds]
    nets.set_seed(seeds[0])  # augmentation draws
    stack.train()
    for _ in range(epochs):
        perms = torch.stack([torch.randperm(len(x), generator=g) for g in orders])  # (K, n)
        for start in range(0, len(x), batch_size):
            idx = perms[:, start:start + batch_size]  # (K, B)
            if idx.shape[1] < 2:  # BatchNorm cannot train on a single image
                schedule.step()
                continue
            xb = x[idx]  # (K, B, C, H, W)
            if augment is not None:
                xb = augment(xb.flatten(0, 1)).reshape(xb.shape)
            logits = stack(xb)
            loss = nn.functional.cross_entropy(logits.flatten(0, 1), y[idx].flatten(), reduction="none")
            loss = loss.reshape(idx.shape).mean(dim=1).sum()  # each model's mean loss: its own gradient
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
    stack.eval()
    return stack.unstack()


def predict_seeds(models: Sequence[nn.Module], images) -> np.ndarray:
    """Probability of class 1 for every model and image, ``(K, n)`` float (one row per model)."""
    return np.stack([nets.predict_proba(m, images) for m in models])


def paired_difference(a, b, *, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``a - b`` over paired runs (same seed) and its t confidence interval.

    Parameters
    ----------
    a, b : sequence of float, (K,)
        A metric of two conditions, run ``i`` of both with the same seed (same initial weights), ``K >= 2``.
    level : float, optional
        Confidence level of the interval.

    Returns
    -------
    (mean, low, high) : tuple of float
        Mean difference and the bounds of its Student-t interval (``K - 1`` degrees of freedom).

    Examples
    --------
    >>> mean, low, high = paired_difference([0.9, 0.92, 0.95], [0.8, 0.8, 0.83])
    >>> round(mean, 3), low > 0
    (0.113, True)
    """
    from scipy import stats

    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if d.ndim != 1 or len(d) < 2:
        raise ValueError(f"a and b must be paired sequences of at least 2 runs, got shapes {np.shape(a)} and "
                         f"{np.shape(b)}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    half = stats.t.ppf((1 + level) / 2, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)
