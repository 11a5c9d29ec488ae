"""A tiny DCGAN for 32×32 grey patches, a resumable training loop, and checks for its failure modes.

Notebook 07 shows the adversarial idea in a few visible lines (the two losses); this module holds the plumbing:
the two networks, a training loop that can be continued cell by cell (so each cell stays short and samples can be
shown in between), seeded sampling, and two measurements of what goes wrong with GANs: loss of diversity (mode
collapse) and copying of training images (memorisation).

Layout (DCGAN, Radford, Metz & Chintala 2016, https://arxiv.org/abs/1511.06434: strided (transposed) convolutions,
BatchNorm, ReLU in the generator, LeakyReLU in the discriminator, Adam with lr 2e-4 and beta1 0.5)::

    Generator      z (N, nz) [+ one-hot class]  -> view (N, nz + k, 1, 1)
                   convT 4×4 -> (N, 4w, 4, 4)  -> (N, 2w, 8, 8) -> (N, w, 16, 16) -> (N, 1, 32, 32), tanh
    Discriminator  image (N, 1, 32, 32) [+ k constant class planes]
                   conv 4×4 stride 2 -> (N, w, 16, 16) -> (N, 2w, 8, 8) -> (N, 4w, 4, 4) -> (N,) logit

Images are passed in and returned in ``[0, 1]`` (like ``helpers.datasets``); the networks work in ``[-1, 1]``
(the generator ends in tanh).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from . import nets

__all__ = [
    "Generator",
    "Discriminator",
    "discriminator_loss",
    "generator_loss",
    "adversarial_step",
    "train_gan",
    "sample",
    "diversity",
    "nearest_neighbours",
    "plot_losses",
]

PATCH = 32  # the networks below are laid out for 32×32 patches


class Generator(nn.Module):
    """DCGAN generator: noise (and optionally a class label) to a 32×32 image in ``[-1, 1]``.

    Parameters
    ----------
    nz : int, optional
        Length of the noise vector ``z``.
    width : int, optional
        Channels of the last hidden layer; the layers before have ``2 * width`` and ``4 * width``.
    n_classes : int, optional
        0 for an unconditional GAN; ``k >= 2`` to condition on a class label (one-hot, appended to ``z``).

    Notes
    -----
    ``forward(z, labels=None)`` takes ``z`` of shape ``(N, nz)`` float32 and ``labels`` ``(N,)`` int64 (required
    when ``n_classes >= 2``) and returns ``(N, 1, 32, 32)`` float32 in ``[-1, 1]``.
    """

    def __init__(self, nz: int = 32, width: int = 16, *, n_classes: int = 0):
        super().__init__()
        _check_sizes(nz=nz, width=width, n_classes=n_classes)
        self.nz, self.width, self.n_classes = nz, width, n_classes
        w = width

        def up(c_in, c_out, stride, padding):
            # bias=False: BatchNorm follows and has its own shift
            return [nn.ConvTranspose2d(c_in, c_out, 4, stride, padding, bias=False), nn.BatchNorm2d(c_out),
                    nn.ReLU()]

        self.net = nn.Sequential(*up(nz + n_classes, 4 * w, 1, 0), *up(4 * w, 2 * w, 2, 1), *up(2 * w, w, 2, 1),
                                 nn.ConvTranspose2d(w, 1, 4, 2, 1), nn.Tanh())
        _init_dcgan(self)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Return images ``(N, 1, 32, 32)`` in ``[-1, 1]`` for noise ``(N, nz)`` (and labels ``(N,)``)."""
        if z.ndim != 2 or z.shape[1] != self.nz:
            raise ValueError(f"z must have shape (N, {self.nz}), got {tuple(z.shape)}")
        z = torch.cat([z, _one_hot(labels, self.n_classes, len(z))], dim=1) if self.n_classes else z
        return self.net(z[:, :, None, None])


class Discriminator(nn.Module):
    """DCGAN discriminator: a 32×32 image (and optionally its class) to one logit, "real" > 0 > "fake".

    Parameters
    ----------
    width : int, optional
        Channels of the first layer; then ``2 * width`` and ``4 * width``.
    n_classes : int, optional
        0 for an unconditional GAN; ``k >= 2`` adds ``k`` constant one-hot planes to the input.

    Notes
    -----
    ``forward(x, labels=None)`` takes ``x`` of shape ``(N, 1, 32, 32)`` float32 in ``[-1, 1]`` and returns
    ``(N,)`` logits (apply a sigmoid for the probability that ``x`` is real).
    """

    def __init__(self, width: int = 16, *, n_classes: int = 0):
        super().__init__()
        _check_sizes(nz=1, width=width, n_classes=n_classes)
        self.width, self.n_classes = width, n_classes
        w = width
        self.net = nn.Sequential(
            nn.Conv2d(1 + n_classes, w, 4, 2, 1), nn.LeakyReLU(0.2),  # no BatchNorm on the input layer (DCGAN)
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 4 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(4 * w), nn.LeakyReLU(0.2),
            nn.Conv2d(4 * w, 1, 4, 1, 0))
        _init_dcgan(self)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Return logits ``(N,)`` for images ``(N, 1, 32, 32)`` (and labels ``(N,)``)."""
        if x.ndim != 4 or tuple(x.shape[1:]) != (1, PATCH, PATCH):
            raise ValueError(f"x must have shape (N, 1, {PATCH}, {PATCH}), got {tuple(x.shape)}")
        if self.n_classes:
            planes = _one_hot(labels, self.n_classes, len(x))[:, :, None, None].expand(-1, -1, PATCH, PATCH)
            x = torch.cat([x, planes], dim=1)
        return self.net(x).flatten()


def _check_sizes(*, nz, width, n_classes) -> None:
    for name, value, low in [("nz", nz, 1), ("width", width, 1)]:
        if not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    if not isinstance(n_classes, int) or n_classes < 0 or n_classes == 1:
        raise ValueError(f"n_classes must be 0 (unconditional) or an int >= 2, got {n_classes!r}")


def _one_hot(labels, n_classes: int, n: int) -> torch.Tensor:
    if labels is None:
        raise ValueError(f"this network is conditional (n_classes={n_classes}): pass labels of shape ({n},)")
    labels = torch.as_tensor(labels)
    if labels.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), got {tuple(labels.shape)}")
    if n and not 0 <= int(labels.min()) <= int(labels.max()) < n_classes:
        raise ValueError(f"labels must be class indices in 0..{n_classes - 1}")
    return nn.functional.one_hot(labels.long(), n_classes).float()


def _init_dcgan(module: nn.Module) -> None:
    """DCGAN initialisation: conv weights ~ N(0, 0.02), BatchNorm scale ~ N(1, 0.02) (draws from torch's RNG)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of the discriminator: real images should score 1, generated ones 0.

    Parameters
    ----------
    real_logits, fake_logits : Tensor, (N,)
        Discriminator logits on a batch of real and of generated images.

    Returns
    -------
    Tensor, scalar
        ``BCE(real, 1) + BCE(fake, 0)`` in nats; ``2 ln 2 ≈ 1.386`` when the discriminator answers 0.5 everywhere.
    """
    bce = nn.functional.binary_cross_entropy_with_logits
    return bce(real_logits, torch.ones_like(real_logits)) + bce(fake_logits, torch.zeros_like(fake_logits))


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss: ``BCE(D(G(z)), 1)``, small when the discriminator believes the fakes.

    Parameters
    ----------
    fake_logits : Tensor, (N,)
        Discriminator logits on generated images.

    Returns
    -------
    Tensor, scalar
        In nats; ``ln 2 ≈ 0.693`` when the discriminator answers 0.5.

    Notes
    -----
    Goodfellow et al. (2014) note that minimising ``log(1 - D(G(z)))`` gives vanishing gradients early in training,
    when the discriminator easily rejects the fakes; maximising ``log D(G(z))`` instead (this loss) does not.

    References
    ----------
    .. [1] Goodfellow IJ, Pouget-Abadie J, Mirza M, et al. Generative adversarial nets. NeurIPS 2014.
       https://arxiv.org/abs/1406.2661
    """
    return nn.functional.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def _as_gan_data(images, labels, n_classes: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Validate ``(n, 32, 32)`` images in [0, 1] (and labels) and map them to ``(n, 1, 32, 32)`` in [-1, 1]."""
    x = images if isinstance(images, torch.Tensor) else torch.from_numpy(np.asarray(images))
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 3 or tuple(x.shape[1:]) != (PATCH, PATCH):
        raise ValueError(f"images must have shape (n, {PATCH}, {PATCH}), got {tuple(x.shape)}; "
                         "downsample or crop to 32×32 first")
    if not torch.is_floating_point(x):
        raise TypeError(f"images must be float scaled to [0, 1], got {x.dtype}")
    if len(x) < 2:
        raise ValueError(f"need at least 2 training images, got {len(x)}")
    lo, hi = float(x.min()), float(x.max())
    if lo < -1e-3 or hi > 1 + 1e-3:
        raise ValueError(f"images must be scaled to [0, 1], got values in [{lo:.3g}, {hi:.3g}]; "
                         "rescale, e.g. (x - x.min()) / (x.max() - x.min())")
    x = (x.float().clamp(0, 1) * 2 - 1)[:, None]
    if not n_classes:
        if labels is not None:
            raise ValueError("labels given, but the networks are unconditional (n_classes=0)")
        return x, None
    if labels is None:
        raise ValueError(f"the networks are conditional (n_classes={n_classes}): pass labels")
    y = torch.as_tensor(np.asarray(labels)).long()
    if y.shape != (len(x),):
        raise ValueError(f"labels must have shape ({len(x)},), got {tuple(y.shape)}")
    return x, y


def train_gan(G: Generator, D: Discriminator, images, *, steps: int, labels=None, state: dict | None = None,
              batch_size: int | None = None, lr: float = 2e-4, train_discriminator: bool = True, seed: int = 0,
              progress: bool = True) -> dict:
    """Train a GAN for ``steps`` more steps; pass the returned ``state`` back in to continue where it stopped.

    One step: draw a batch of real images and of noise; update D on ``discriminator_loss(D(real), D(G(z)))``; then
    update G on ``generator_loss(D(G(z)))`` (the non-saturating loss).

    Parameters
    ----------
    G : Generator
    D : Discriminator
        Must have the same ``n_classes`` as ``G``.
    images : ndarray or Tensor, (n, 32, 32) float in [0, 1]
        Training images (also ``(n, 1, 32, 32)``); mapped to ``[-1, 1]`` internally.
    steps : int
        Number of additional steps (>= 1).
    labels : ndarray, (n,) int, optional
        Class labels; required for conditional networks (``n_classes >= 2``), refused otherwise.
    state : dict, optional
        The dict returned by an earlier call with the same ``G``, ``D`` and images; training resumes with the same
        optimiser moments, random stream and loss history. ``None`` starts fresh.
    batch_size : int, optional
        Real (and fake) images per step, >= 2. Default: 32 when starting fresh, the state's batch size when resuming
        (a given value replaces it from now on).
    lr : float, optional
        Adam learning rate of both networks (beta1 = 0.5, as in DCGAN). Only used when starting fresh.
    train_discriminator : bool, optional
        ``False`` freezes D and trains only G (used to show mode collapse: G then chases D's single favourite).
    seed : int, optional
        Seeds the stream of batches and noise when starting fresh (weights are initialised at construction:
        seed torch, e.g. ``helpers.nets.set_seed``, before building ``G`` and ``D``).
    progress : bool, optional
        Show a ``tqdm`` progress bar.

    Returns
    -------
    dict
        ``"step"`` (total steps so far), ``"d_loss"``, ``"g_loss"`` (per-step lists, nats), ``"d_real"``,
        ``"d_fake"`` (per-step mean D probability on the real and fake batch), ``"seconds"`` (total wall time),
        ``"batch_size"``, plus the optimisers and random generator used to resume.

    Raises
    ------
    ValueError, TypeError
        Bad images/labels, mismatched networks, ``steps < 1``, or a ``state`` from other networks.
    """
    if not isinstance(G, Generator) or not isinstance(D, Discriminator):
        raise TypeError("G must be a helpers.gans.Generator and D a helpers.gans.Discriminator")
    if G.n_classes != D.n_classes:
        raise ValueError(f"G and D disagree on n_classes ({G.n_classes} vs {D.n_classes})")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an int >= 1, got {steps!r}")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 2):
        raise ValueError(f"batch_size must be an int >= 2 (BatchNorm needs 2 images), got {batch_size!r}")
    x, y = _as_gan_data(images, labels, G.n_classes)
    state = _resume_or_start(state, G, D, x, lr=lr, seed=seed)
    if batch_size is not None:
        state["batch_size"] = batch_size
    batches = _random_batches(x, y, state["batch_size"], G.nz, state["rng"])
    G.train()
    D.train(train_discriminator)
    run = nets.fit(None, None, batches, step=lambda batch: _adversarial_step(G, D, batch, state, train_discriminator),
                   steps=steps, progress=progress, desc="GAN")
    G.eval()
    D.eval()
    state["seconds"] += run["seconds"]
    return state


def _random_batches(x: torch.Tensor, y: torch.Tensor | None, batch_size: int, nz: int, rng: torch.Generator):
    """Endless ``(real, real_labels, z)`` batches: real images drawn with replacement, then noise, from ``rng``."""
    while True:
        idx = torch.randint(len(x), (batch_size,), generator=rng)
        yield x[idx], (y[idx] if y is not None else None), torch.randn(batch_size, nz, generator=rng)


def adversarial_step(G: Generator, D: Discriminator, opt_g, opt_d, real: torch.Tensor, labels, z: torch.Tensor, *,
                     train_discriminator: bool = True) -> dict:
    """One step of the GAN game: update D on real vs generated images, then G to fool the updated D.

    Parameters
    ----------
    G : Generator
    D : Discriminator
    opt_g, opt_d : torch.optim.Optimizer
        Optimisers of ``G``'s and ``D``'s parameters.
    real : Tensor, (B, 1, 32, 32) float in [-1, 1]
        A batch of real images.
    labels : Tensor, (B,) int64, or None
        Their classes (generated images get the same labels); ``None`` for unconditional networks.
    z : Tensor, (B, nz) float
        Noise for the generated batch.
    train_discriminator : bool, optional
        ``False`` leaves D unchanged (its loss is still reported).

    Returns
    -------
    dict
        ``"d_loss"``, ``"g_loss"`` (nats) and ``"d_real"``, ``"d_fake"`` (mean probability "real" that D gave the
        real batch before its update and the generated batch after it), as floats.

    Notes
    -----
    ``fake.detach()`` in D's loss stops D's update from reaching G; G's loss then back-propagates through D into G,
    but only ``opt_g`` steps. Notebook 07 writes the same step out in plain code and checks it against this one.
    """
    fake = G(z, labels)
    real_logits = D(real, labels)
    if train_discriminator:
        d_loss = discriminator_loss(real_logits, D(fake.detach(), labels))
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
    fake_logits = D(fake, labels)
    g_loss = generator_loss(fake_logits)
    opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    opt_g.step()
    with torch.no_grad():
        if not train_discriminator:
            d_loss = discriminator_loss(real_logits, fake_logits)
        return {"d_loss": float(d_loss), "g_loss": float(g_loss), "d_real": float(torch.sigmoid(real_logits).mean()),
                "d_fake": float(torch.sigmoid(fake_logits).mean())}


def _adversarial_step(G: Generator, D: Discriminator, batch, state: dict, train_discriminator: bool) -> float:
    """:func:`adversarial_step` on a ``(real, labels, z)`` batch; log its losses in ``state``."""
    real, real_y, z = batch
    # fake images get the real batch's labels, so both classes are generated as often as they occur
    logged = adversarial_step(G, D, state["opt_g"], state["opt_d"], real, real_y, z,
                              train_discriminator=train_discriminator)
    for key, value in logged.items():
        state[key].append(value)
    state["step"] += 1
    return logged["g_loss"]


def _resume_or_start(state, G, D, x, *, lr, seed) -> dict:
    """Check a returned state belongs to these networks and data, or make a fresh one."""
    if state is None:
        if not lr > 0:
            raise ValueError(f"lr must be > 0, got {lr!r}")
        betas = (0.5, 0.999)  # DCGAN: beta1 = 0.5 keeps the adversarial game from oscillating
        return {"step": 0, "d_loss": [], "g_loss": [], "d_real": [], "d_fake": [], "seconds": 0.0, "batch_size": 32,
                "opt_g": torch.optim.Adam(G.parameters(), lr=lr, betas=betas),
                "opt_d": torch.optim.Adam(D.parameters(), lr=lr, betas=betas),
                "rng": torch.Generator().manual_seed(int(seed)), "ids": (id(G), id(D)), "n_images": len(x)}
    if not isinstance(state, dict) or "opt_g" not in state:
        raise TypeError("state must be the dict returned by train_gan (or None to start fresh)")
    if state["ids"] != (id(G), id(D)):
        raise ValueError("state belongs to other networks: pass the G and D it was trained with, or state=None")
    if state["n_images"] != len(x):
        raise ValueError(f"state was trained on {state['n_images']} images, got {len(x)}: pass the same images")
    return state


@torch.no_grad()
def sample(G: Generator, n: int, *, labels=None, seed: int = 0) -> np.ndarray:
    """Generate ``n`` images in ``[0, 1]`` from seeded noise (the same seed gives the same ``z``).

    Parameters
    ----------
    G : Generator
    n : int
        Number of images (>= 1).
    labels : int or ndarray (n,) of int, optional
        Class of each image for a conditional generator (an int means all the same class).
    seed : int, optional
        Seed of the noise; keep it fixed to watch the same ``z`` improve during training.

    Returns
    -------
    ndarray, (n, 32, 32) float32 in [0, 1]

    Notes
    -----
    The generator runs in eval mode (BatchNorm uses its running statistics), so a sample does not depend on the
    other images in the batch, and sampling does not change the network.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    y = None
    if G.n_classes:
        if labels is None:
            raise ValueError(f"the generator is conditional (n_classes={G.n_classes}): pass labels")
        y = torch.as_tensor(np.broadcast_to(np.asarray(labels), (n,)).copy()).long()
    elif labels is not None:
        raise ValueError("labels given, but the generator is unconditional (n_classes=0)")
    z = torch.randn(n, G.nz, generator=torch.Generator().manual_seed(int(seed)))
    was_training = G.training
    G.eval()
    out = G(z, y)
    G.train(was_training)
    return ((out[:, 0] + 1) / 2).clamp(0, 1).numpy().astype(np.float32)


def _flat(images, name: str) -> np.ndarray:
    a = np.asarray(images, dtype=np.float64)
    if a.ndim < 2 or len(a) == 0:
        raise ValueError(f"{name} must be a non-empty stack of images (n, h, w), got shape {a.shape}")
    return a.reshape(len(a), -1)


def _pairwise_rms(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """RMS pixel difference between every row of ``a`` (m, p) and of ``b`` (n, p) -> (m, n)."""
    sq = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0) / a.shape[1])


def diversity(images) -> float:
    """Mean RMS pixel difference between all pairs of images: near 0 when every image is the same (mode collapse).

    Parameters
    ----------
    images : array, (n, h, w) float, n >= 2
        E.g. generator samples in [0, 1]; compare with the same measure on real images.

    Returns
    -------
    float
        Mean over pairs ``i < j`` of ``sqrt(mean((x_i - x_j)**2))``, in image intensity units.
    """
    a = _flat(images, "images")
    if len(a) < 2:
        raise ValueError(f"diversity needs at least 2 images, got {len(a)}")
    d = _pairwise_rms(a, a)
    return float(d[np.triu_indices(len(a), k=1)].mean())


def nearest_neighbours(queries, references) -> tuple[np.ndarray, np.ndarray]:
    """For each query image, the closest reference image by RMS pixel difference.

    Parameters
    ----------
    queries : array, (m, h, w) float
        E.g. generated samples.
    references : array, (n, h, w) float
        E.g. the GAN's training images (same ``h, w``).

    Returns
    -------
    index : ndarray, (m,) int64
        Row of ``references`` nearest to each query.
    distance : ndarray, (m,) float64
        That RMS difference (0 = an exact copy).
    """
    q, r = _flat(queries, "queries"), _flat(references, "references")
    if q.shape[1] != r.shape[1]:
        raise ValueError(f"queries and references differ in image size: {np.shape(queries)[1:]} vs "
                         f"{np.shape(references)[1:]}")
    d = _pairwise_rms(q, r)
    index = d.argmin(axis=1)
    return index.astype(np.int64), d[np.arange(len(q)), index]


def plot_losses(state: dict, *, smooth: int = 25, title: str = "GAN training losses", axes=None):
    """Plot the discriminator's and generator's losses per step (moving average), with the equilibrium values.

    Parameters
    ----------
    state : dict
        As returned by :func:`train_gan`.
    smooth : int, optional
        Width of the moving average, in steps.
    title : str, optional
    axes : matplotlib Axes, optional
        Draw here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``axes`` (a new one if ``axes`` was not given).
    """
    import matplotlib.pyplot as plt

    if not state.get("d_loss"):
        raise ValueError("state has no losses yet; pass the dict returned by train_gan")
    if axes is None:
        _, axes = plt.subplots(figsize=(7, 3.2), layout="constrained")
    k = max(1, min(int(smooth), len(state["d_loss"])))
    kernel = np.ones(k) / k
    for key, label, color in [("d_loss", "discriminator", "#0072B2"), ("g_loss", "generator", "#D55E00")]:
        values = np.convolve(state[key], kernel, mode="valid")
        axes.plot(np.arange(k, len(state[key]) + 1), values, color=color, label=label)
    # reference lines: the losses when D answers 0.5 for everything (it cannot tell real from fake)
    axes.axhline(2 * np.log(2), color="#0072B2", ls=":", lw=1, label="D at 0.5: 2 ln 2")
    axes.axhline(np.log(2), color="#D55E00", ls=":", lw=1, label="D at 0.5: ln 2")
    axes.set(xlabel="training step", ylabel="loss (nats)", title=title)
    axes.legend(fontsize=8, ncols=2)
    return axes.figure
