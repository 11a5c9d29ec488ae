# %% [markdown] slideshow={"slide_type": "slide"}
# # 06 · From the lecture's neural network to a working CNN
#
# **Lecture slides:** "How do we analyse images without feature engineering?", "Deep Learning discovers feature
# representations", "Artificial Neural Network", "Convolutions capture spatial relations" and "Aside: CNNs can be
# used for non-image spatial data" of Lecture 3, *Medical Imaging*.
#
# **Learning objectives**
# - write the lecture's two-layer network (outputs *Y*₁, *Y*₂) in NumPy and in `torch.nn`, and train it by
#   [**backpropagation**](../GLOSSARY.md#backpropagation) (the chain rule, applied from the loss back to every weight);
# - compute a 2D convolution by hand, get identical results from OpenCV, SciPy and PyTorch, and know the kernel flip
#   that separates convolution from correlation;
# - work out output sizes from the [**stride**](../GLOSSARY.md#stride) (how far the kernel moves per step), the
#   [**padding**](../GLOSSARY.md#padding) (a border added around the input) and pooling, and the
#   [**receptive field**](../GLOSSARY.md#receptive-field) of a unit (the input patch that can change it);
# - train a small CNN on lesion slices with a train/validation/test split, read its curves, confusion matrix and ROC,
#   and compare it fairly with hand-crafted features, with bootstrap confidence intervals, in both directions;
# - recognise residual blocks and attention as building blocks, and convolution-like layers on DNA, read pileups and
#   graphs;
# - train a small U-Net to segment lesions and compare it fairly with a classic threshold (Dice, HD95, paired
#   confidence intervals).
#
# <!-- badges -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medimg-course/medical-imaging-companion/blob/main/notebooks/06_cnns.ipynb) [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medimg-course/medical-imaging-companion/main?urlpath=lab/tree/notebooks/06_cnns.ipynb)
# <!-- /badges -->

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# --- Colab bootstrap: does nothing outside Google Colab (stamped by tools/nbtool.py) ---
import os
import subprocess
import sys
COURSE_REPO, COURSE_REF = "https://github.com/medimg-course/medical-imaging-companion.git", "main"
if "google.colab" in sys.modules:
    if not os.path.isdir("medimg-course"):
        subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", COURSE_REF, COURSE_REPO,
                        "medimg-course"], check=True)
        installed = subprocess.run([sys.executable, "medimg-course/tools/colab_install.py", *sys.modules],
                                   capture_output=True, text=True)
        print(installed.stdout, end="")
        installed.check_returncode()
    sys.path.insert(0, os.path.abspath("medimg-course"))
# --- end of Colab bootstrap ---
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle torch threads sleep instead of spinning on a busy CPU
import cv2
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from matplotlib.collections import LineCollection
from scipy import ndimage as ndi
from scipy.spatial import cKDTree
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, roc_auc_score, roc_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from helpers import datasets, metrics, nets, segmentation, tasks, viz
from helpers.cnn import OUTLINE_FEATURES, lesion_outlines, outline_features, paired_bootstrap_auc
from helpers.data import load_sample
from helpers.exercises import check

torch.set_num_threads(2)  # the course's reference laptop has 2 cores

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · The lecture's network, in NumPy
# The slide writes a network with two inputs *x*₁, *x*₂, three hidden units and two outputs:
#
# $$Y_1 = f(x_1 w_{11} + x_2 w_{21})\, w'_{11} + f(x_1 w_{12} + x_2 w_{22})\, w'_{21} + f(x_1 w_{13} + x_2 w_{23})\, w'_{31}$$
#
# and *Y*₂ the same with $w'_{12}, w'_{22}, w'_{32}$. Hidden unit *j* computes $h_j = f(x_1 w_{1j} + x_2 w_{2j})$, a
# weighted sum of the inputs passed through an activation *f*; each output is a weighted sum of the hidden units.
# Put the weights in a 2×3 matrix *W* and a 3×2 matrix *W′* and the whole formula is two matrix products,
# $Y = f(xW)\,W'$. The next cell computes it both ways: term by term as on the slide, then as matrices.

# %% slideshow={"slide_type": "fragment"}
rng = np.random.default_rng(0)
W = rng.normal(size=(2, 3))   # W[i, j] = w_ij: input i -> hidden unit j  (0-based: w_11 is W[0, 0])
W_ = rng.normal(size=(3, 2))  # W_[j, k] = w'_jk: hidden unit j -> output k
f = np.tanh                   # the activation; the slide leaves f open (tanh, sigmoid, ReLU, ...)
x1, x2 = 0.5, -1.0

Y1 = (f(x1 * W[0, 0] + x2 * W[1, 0]) * W_[0, 0] + f(x1 * W[0, 1] + x2 * W[1, 1]) * W_[1, 0]
      + f(x1 * W[0, 2] + x2 * W[1, 2]) * W_[2, 0])
Y2 = (f(x1 * W[0, 0] + x2 * W[1, 0]) * W_[0, 1] + f(x1 * W[0, 1] + x2 * W[1, 1]) * W_[1, 1]
      + f(x1 * W[0, 2] + x2 * W[1, 2]) * W_[2, 1])
Y = f(np.array([x1, x2]) @ W) @ W_  # the same network as two matrix products
print(f"slide, term by term: Y1 = {Y1:+.6f}, Y2 = {Y2:+.6f}\nmatrix form:         {Y.round(6)}")

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert np.allclose(Y, [Y1, Y2], atol=1e-12), "the matrix form must equal the slide's formula"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The same network in `torch.nn`
# `nn.Linear(2, 3, bias=False)` holds the 2×3 weights (stored transposed, as *(out, in)*), `nn.Tanh()` is *f*.
# Copy our weights in, and PyTorch gives the same *Y*₁, *Y*₂:

# %% slideshow={"slide_type": "fragment"}
net = nn.Sequential(nn.Linear(2, 3, bias=False), nn.Tanh(), nn.Linear(3, 2, bias=False)).double()
with torch.no_grad():
    net[0].weight.copy_(torch.from_numpy(W.T))  # torch stores (out_features, in_features)
    net[2].weight.copy_(torch.from_numpy(W_.T))
Y_torch = net(torch.tensor([x1, x2], dtype=torch.float64)).detach().numpy()
Y_torch

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert np.allclose(Y_torch, [Y1, Y2], atol=1e-12), "torch.nn must reproduce the slide's Y1, Y2"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Training by backpropagation
# Training adjusts the weights until the outputs are right on examples. A toy problem (synthetic): points in the plane,
# class 1 inside a circle, class 0 outside. A softmax turns *Y*₁, *Y*₂ into two class probabilities, and the loss is the
# cross-entropy, −log of the probability given to the right class. **Backpropagation**
# ([Rumelhart et al. 1986](https://doi.org/10.1038/323533a0)) is the chain rule applied from the loss back to every
# weight: first ∂loss/∂*Y*, then through *W′* and *f* to ∂loss/∂*W*. We add one bias per unit (the slide leaves them
# out; without them every hidden unit's boundary passes through the origin).

# %% slideshow={"slide_type": "fragment"}
X = rng.uniform(-2, 2, size=(300, 2))               # 300 synthetic points (x1, x2)
t = (np.hypot(X[:, 0], X[:, 1]) < 1.2).astype(int)  # class 1 inside a circle of radius 1.2


def forward(X, p):
    h = np.tanh(X @ p["W"] + p["b"])   # hidden units, (n, 3)
    return h, h @ p["W_"] + p["b_"]    # and outputs Y1, Y2, (n, 2)


def loss_and_gradients(X, t, p):
    h, Y = forward(X, p)
    P = np.exp(Y - Y.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)                          # softmax: class probabilities
    loss = -np.mean(np.log(P[np.arange(len(t)), t]))      # cross-entropy
    dY = (P - np.eye(2)[t]) / len(t)                      # backpropagation: ∂loss/∂Y ...
    dA = (dY @ p["W_"].T) * (1 - h**2)                    # ... through W' and tanh (tanh' = 1 − tanh²) ...
    return loss, {"W_": h.T @ dY, "b_": dY.sum(0), "W": X.T @ dA, "b": dA.sum(0)}  # ... to every weight


# %% [markdown] slideshow={"slide_type": "fragment"}
# Are the hand-written gradients right? PyTorch's automatic differentiation (`loss.backward()`) computes the same
# derivatives without being told the chain rule; the largest difference per weight array:

# %% slideshow={"slide_type": "fragment"}
p0 = {"W": rng.normal(size=(2, 3)), "b": np.zeros(3), "W_": rng.normal(size=(3, 2)), "b_": np.zeros(2)}
loss0, grads = loss_and_gradients(X, t, p0)
pt = {k: torch.tensor(v, requires_grad=True) for k, v in p0.items()}
Y_t = torch.tanh(torch.from_numpy(X) @ pt["W"] + pt["b"]) @ pt["W_"] + pt["b_"]
F.cross_entropy(Y_t, torch.from_numpy(t)).backward()
grad_error = {k: float(np.abs(grads[k] - pt[k].grad.numpy()).max()) for k in p0}
grad_error

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert max(grad_error.values()) < 1e-12, f"hand-written backpropagation disagrees with autograd: {grad_error}"

# %% [markdown] slideshow={"slide_type": "fragment"}
# Gradient descent: move every weight a small step against its gradient, *w* ← *w* − η ∂loss/∂*w*, 2,000 times.

# %% slideshow={"slide_type": "fragment"}
p = {k: v.copy() for k, v in p0.items()}
losses = []
for _ in range(2000):
    loss, grads = loss_and_gradients(X, t, p)
    for k in p:
        p[k] -= 0.5 * grads[k]  # learning rate η = 0.5
    losses.append(loss)
accuracy = np.mean(forward(X, p)[1].argmax(1) == t)
print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}, training accuracy {accuracy:.1%}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# *Figure:* left, the cross-entropy loss falling over 2,000 gradient-descent steps (log scale); right, the synthetic
# points coloured by class, the region the trained network assigns to class 1 shaded, and the three dashed lines where
# each hidden unit changes sign: three lines are enough to fence in the circle with a triangle. (From some starting
# weights gradient descent settles on a worse boundary; the check below tries three more starts.)

# %% slideshow={"slide_type": "fragment"}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
ax1.plot(losses)
ax1.set(xlabel="gradient-descent step", ylabel="cross-entropy loss (nats)", yscale="log", title="Training loss")
g = np.linspace(-2, 2, 200)
region = forward(np.stack(np.meshgrid(g, g), -1).reshape(-1, 2), p)[1].argmax(1).reshape(200, 200)
ax2.contourf(g, g, region, levels=[-0.5, 0.5, 1.5], cmap="cividis", alpha=0.3)
ax2.scatter(*X.T, c=t, cmap="cividis", s=10, edgecolors="k", linewidths=0.3)
for j in range(3):  # hidden unit j switches sign on the line w_1j x1 + w_2j x2 + b_j = 0
    ax2.plot(g, -(p["W"][0, j] * g + p["b"][j]) / p["W"][1, j], "--", lw=1.2, label=f"hidden unit {j + 1}")
ax2.set(xlim=(-2, 2), ylim=(-2, 2), aspect="equal", xlabel="x₁ (a.u.)", ylabel="x₂ (a.u.)",
        title=f"Synthetic points: learned class-1 region ({accuracy:.0%} correct)")
ax2.legend(loc="lower right", fontsize=8);

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert losses[-1] < 0.75 * losses[0], "gradient descent must lower the loss"  # (0.5 even from a poor start)


def accuracy_from(start_seed, n_hidden, steps=2000):
    """Training accuracy of the network with n_hidden units after gradient descent from seeded weights."""
    r = np.random.default_rng(start_seed)
    q = {"W": r.normal(size=(2, n_hidden)), "b": np.zeros(n_hidden), "W_": r.normal(size=(n_hidden, 2)),
         "b_": np.zeros(2)}
    for _ in range(steps):
        grads = loss_and_gradients(X, t, q)[1]
        q = {k: v - 0.5 * grads[k] for k, v in q.items()}
    return np.mean(forward(X, q)[1].argmax(1) == t)


starts = {n: [accuracy_from(s, n) for s in range(3)] for n in (2, 3)}  # three starting points each
assert max(accuracy, *starts[3]) > 0.9, f"three hidden units can enclose the circle: {starts[3]}"
assert max(starts[2]) < 0.88 < max(starts[3]), f"two lines cannot fence in a circle, three can: {starts}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Two straight lines cannot fence in a circle. Train the same network with `n_hidden = 2`, then with 8 hidden units.
# Record the training accuracy (the fraction of points classified right, 0 to 1) for 2, 3 and 8 units in the
# dictionary `acc_by_units`, as `{2: ..., 3: ..., 8: ...}`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
n_hidden = 3  # try 2, 3 and 8
SEED = 1      # seeds the starting weights (the checker uses the same seed)
r = np.random.default_rng(SEED)
q = {"W": r.normal(size=(2, n_hidden)), "b": np.zeros(n_hidden), "W_": r.normal(size=(n_hidden, 2)),
     "b_": np.zeros(2)}
for _ in range(2000):
    loss, grads = loss_and_gradients(X, t, q)
    for k in q:
        q[k] -= 0.5 * grads[k]
print(f"{n_hidden} hidden units: training accuracy {np.mean(forward(X, q)[1].argmax(1) == t):.3f}")
acc_by_units = None  # your answer: {2: ..., 3: ..., 8: ...}, training accuracy as a fraction (0 to 1)
check("06-hidden-units")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 06-hidden-units
acc_by_units = {}
for n_hidden in (2, 3, 8):
    r = np.random.default_rng(SEED)
    q = {"W": r.normal(size=(2, n_hidden)), "b": np.zeros(n_hidden), "W_": r.normal(size=(n_hidden, 2)),
         "b_": np.zeros(2)}
    for _ in range(2000):
        loss, grads = loss_and_gradients(X, t, q)
        for k in q:
            q[k] -= 0.5 * grads[k]
    acc_by_units[n_hidden] = float(np.mean(forward(X, q)[1].argmax(1) == t))
assert acc_by_units[2] < 0.88 < acc_by_units[8], acc_by_units  # two lines cannot fence in the circle; eight can
acc_by_units


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Convolutions capture spatial relations
# A fully connected layer on a 512 × 512 image needs 262,144 weights *per hidden unit* and ignores which pixels are
# neighbours. A **convolution** slides one small kernel over the image: each output pixel is a weighted sum of its
# neighbourhood, with the same weights everywhere. Mathematically
# $(f * k)(y, x) = \sum_{i,j} k(i, j)\, f(y - i, x - j)$: the kernel is *flipped* before it slides. In plain NumPy,
# one shifted copy of the image per kernel weight ("valid" output: only where the kernel fits):

# %% slideshow={"slide_type": "fragment"}
def conv2d(image, kernel):
    """'Valid' 2D convolution of a 2D image with a 2D kernel (flip, slide, multiply, sum)."""
    k = kernel[::-1, ::-1]  # the flip that makes it a convolution (a correlation would skip it)
    kh, kw = k.shape
    H, W = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((H, W))
    for dy in range(kh):
        for dx in range(kw):
            out += k[dy, dx] * image[dy:dy + H, dx:dx + W]
    return out


ct, ct_meta = load_sample("ct_head")  # a real CT slice, 512 × 512, in HU
img = np.clip(ct, -100, 150).astype(np.float64)  # clip to soft tissue so the skull edge does not dominate
sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)  # responds to left-right changes
ours = conv2d(img, sobel_x)
ours.shape

# %% [markdown] slideshow={"slide_type": "fragment"}
# The same with three libraries. **Mind the flip:** `scipy.ndimage.convolve` flips the kernel (a true convolution);
# `cv2.filter2D` and `torch.nn.functional.conv2d` do not: they compute a *correlation*, so we hand them the flipped
# kernel. (CNN layers are correlations too; since the kernel is learned, nobody notices.) SciPy and OpenCV return a
# same-size image with padded borders, so we compare the interior.

# %% slideshow={"slide_type": "fragment"}
flipped = sobel_x[::-1, ::-1].copy()
results = {
    "scipy.ndimage.convolve": ndi.convolve(img, sobel_x)[1:-1, 1:-1],
    "cv2.filter2D (flipped kernel)": cv2.filter2D(img, -1, flipped)[1:-1, 1:-1],
    "torch conv2d (flipped kernel)": F.conv2d(torch.from_numpy(img)[None, None],
                                              torch.from_numpy(flipped)[None, None])[0, 0].numpy(),
}
correlation = cv2.filter2D(img, -1, sobel_x)[1:-1, 1:-1]  # no flip: for Sobel, the sign of every edge inverts
{name: float(np.abs(out - ours).max()) for name, out in results.items()} | {
    "correlation + ours (sign flip)": float(np.abs(correlation + ours).max())}

# %% slideshow={"slide_type": "skip"} tags=["check"]
for name, out in results.items():
    assert out.shape == ours.shape and np.allclose(out, ours, atol=1e-9), f"{name} differs from the NumPy conv2d"
assert np.allclose(correlation, -ours) and not np.allclose(correlation, ours), "correlation = flipped convolution"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Classic kernels
# Before networks learned their kernels, people designed them: averaging blurs, differences find edges, the
# Laplacian (sum of second derivatives) finds blobs and edges in every direction, and "sharpen" adds the Laplacian
# back to the image.
#
# *Figure:* a real CT head slice (clipped to −100…150 HU) and the output of five classic 3 × 3 or 5 × 5 kernels
# applied with our `conv2d`: box blur, Sobel x, Sobel y, Laplacian and sharpen.

# %% slideshow={"slide_type": "fragment"}
kernels = {
    "box blur 5×5": np.full((5, 5), 1 / 25),
    "Sobel x (vertical edges)": sobel_x,
    "Sobel y (horizontal edges)": sobel_x.T,
    "Laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
}
filtered = {name: conv2d(img, k) for name, k in kernels.items()}
fig = viz.montage([img, *filtered.values()], ["CT head (input)", *filtered], ncols=3, size=3.0,
            suptitle="Real CT head slice under classic convolution kernels")

# %% slideshow={"slide_type": "skip"} tags=["check"]
flat = np.full((20, 20), 40.0)  # a uniform region, in HU
assert np.allclose(conv2d(flat, kernels["box blur 5×5"]), 40.0), "a blur kernel sums to 1: keeps flat regions"
for name in ("Sobel x (vertical edges)", "Sobel y (horizontal edges)", "Laplacian"):
    assert np.allclose(conv2d(flat, kernels[name]), 0.0), f"{name} sums to 0: no response on a flat region"
assert filtered["box blur 5×5"].std() < img.std(), "blurring lowers the contrast"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Stride, padding and pooling
# Three knobs set the output size. **Padding** *p* adds a border so the kernel also fits at the edges; **stride** *s*
# moves the kernel *s* pixels at a time; a **pooling** layer summarises each 2 × 2 block (here by its maximum). For
# an input of *n* pixels and a kernel of *k*: $n_\text{out} = \lfloor (n + 2p - k)/s \rfloor + 1$
# ([Dumoulin & Visin 2016](https://arxiv.org/abs/1603.07285)).

# %% slideshow={"slide_type": "fragment"}
x = torch.from_numpy(img.astype(np.float32))[None, None]  # (N=1, C=1, 512, 512): the layout torch expects
k3 = torch.from_numpy(sobel_x.astype(np.float32))[None, None]


def out_size(n, k, s=1, p=0):
    return (n + 2 * p - k) // s + 1


sizes = {(s, pad): (F.conv2d(x, k3, stride=s, padding=pad).shape[-1], out_size(512, 3, s, pad))
         for s, pad in [(1, 0), (1, 1), (2, 1), (4, 0)]}
pooled = {n: F.max_pool2d(x, n)[0, 0].numpy() for n in (2, 4, 8)}  # n × n max pooling
sizes  # (stride, padding): (torch's output size, the formula)

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the CT slice after 2 × 2, 4 × 4 and 8 × 8 max pooling, drawn at the same physical size: each step keeps
# the brightest pixel of every block, so fewer pixels cover the same anatomy and fine detail disappears.

# %% slideshow={"slide_type": "fragment"}
pixel_mm = ct_meta.spacing_mm[0]
fig = viz.montage([img, *pooled.values()],
            [f"{m.shape[0]}×{m.shape[1]}, {pixel_mm * img.shape[0] / m.shape[0]:.2f} mm pixels"
             for m in [img, *pooled.values()]],
            ncols=4, size=2.6, suptitle="Real CT head: max pooling halves the resolution at every step")

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert all(torch_size == formula for torch_size, formula in sizes.values()), sizes
assert pooled[2].shape == (256, 256) and pooled[8].shape == (64, 64)
assert pooled[2].max() == img.max() and pooled[2].min() >= img.min(), "max pooling keeps the maximum"


# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Receptive field
# The **receptive field** of a unit is the patch of input pixels that can change its value. A unit of the first layer
# sees a 3 × 3 patch of the image; a unit of the second sees 3 × 3 first-layer units, which together see a larger patch;
# every stride or pooling layer doubles the distance between neighbouring units (the "jump" *j*). Layer by layer,
# $r \leftarrow r + (k - 1)\, j$ and $j \leftarrow j \cdot s$
# ([Araujo et al. 2019](https://doi.org/10.23915/distill.00021)). We apply that to the small CNN that section 3 trains
# (`helpers.nets.SmallCNN`), and then check it by asking torch which input pixels influence one output unit: the
# gradient of that unit is non-zero exactly on its receptive field.

# %% slideshow={"slide_type": "fragment"}
def receptive_field(layers):
    r, j = 1, 1  # receptive field (pixels) and jump between neighbouring units (pixels)
    for layer in layers:
        if isinstance(layer, (nn.Conv2d, nn.MaxPool2d)):
            k, s = np.atleast_1d(layer.kernel_size)[0], np.atleast_1d(layer.stride)[0]
            r, j = r + (k - 1) * j, j * s
    return int(r), int(j)


cnn = nets.SmallCNN(width=8).eval()
print(cnn.features)
receptive_field(cnn.features)  # (receptive field, jump) of the last conv layer, in input pixels

# %% slideshow={"slide_type": "fragment"}
probe = torch.rand(1, 1, 64, 64, requires_grad=True)
out = cnn.features(probe)                      # (1, 32, 16, 16)
out[0, :, 8, 8].sum().backward()               # one position of the last feature map
influence = probe.grad[0, 0].abs().numpy()
rows, cols = np.nonzero(influence)
rf_measured = (int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1))
rf_measured

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* gradient magnitude of one unit of the last feature map with respect to a 64 × 64 input: only the pixels
# inside the receptive field (bright square) can change that unit; everything outside is exactly zero.

# %% slideshow={"slide_type": "fragment"}
fig, ax = plt.subplots(figsize=(4.2, 4.2))
ax.imshow(influence > 0, cmap="cividis", interpolation="nearest")
ax.set(title=f"Receptive field of one unit: {rf_measured[0]}×{rf_measured[1]} pixels",
       xlabel="input column (pixels)", ylabel="input row (pixels)");

# %% slideshow={"slide_type": "skip"} tags=["check"]
r_formula, _ = receptive_field(cnn.features)
assert rf_measured == (r_formula, r_formula), f"measured {rf_measured}, formula {r_formula}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# 1. `cv2.filter2D(img, -1, k)` computes a correlation. Which kernel must you give our `conv2d` to get the same
#    result (interior) for the asymmetric kernel `k = np.array([[0, 0, 0], [0, 1, 2], [0, 0, 0]])`? Put it in `k_conv`.
# 2. What receptive field does the last conv layer of `nets.SmallCNN(n_blocks=4)` have? Put it in `rf_4`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
k = np.array([[0, 0, 0], [0, 1, 2], [0, 0, 0]], dtype=float)
k_conv = None  # your answer: the 3 × 3 kernel to give conv2d (try it: compare with cv2.filter2D(img, -1, k))
rf_4 = None  # your answer: receptive field (pixels) of the last conv layer of nets.SmallCNN(n_blocks=4)
check("06-flip-and-rf")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 06-flip-and-rf
k_conv = k[::-1, ::-1]  # flipping the kernel turns the correlation into a convolution (and back)
cnn4 = nets.SmallCNN(width=8, n_blocks=4).eval()
rf_4 = receptive_field(cnn4.features)[0]
probe4 = torch.rand(1, 1, 128, 128, requires_grad=True)
cnn4.features(probe4)[0, :, 8, 8].sum().backward()  # measure it as above, on a larger input
rows4, cols4 = np.nonzero(probe4.grad[0, 0].numpy())
assert np.allclose(conv2d(img, k_conv), cv2.filter2D(img, -1, k)[1:-1, 1:-1])
assert rows4.max() - rows4.min() + 1 == rf_4 == cols4.max() - cols4.min() + 1, rf_4
rf_4

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · A CNN on medical images
# Now the real task: does an axial brain MRI slice contain a lesion? `helpers.datasets.lesion_slices` takes real slices
# of the MNI152 T1 template ([Fonov et al. 2009](https://doi.org/10.1016/S1053-8119(09)70884-5),
# [2011](https://doi.org/10.1016/j.neuroimage.2010.07.033)), moves, scales and adds noise to them, and puts a
# **simulated** bright lesion in half of them, so we know the truth exactly. 1,600 images of 64 × 64 pixels (3 mm). We
# split them once: **training** (1,100 images, to fit the weights), **validation** (250, to watch training and choose
# settings) and **test** (250, looked at once, at the end).
#
# **Know what the data are.** Every slice, in all three splits, is cut from the *same* template brain: MNI152 is one
# smooth average of many people's MRIs, not a patient. So every split is within one "patient": the same anatomy, the
# same scanner and the same simulated lesion type appear in training and test. The test numbers below say how well a
# model finds these lesions *on this brain*; they are an upper bound for new patients, scanners or real lesions,
# which would need a test set of other people (a patient-level split, so that no person is in two splits).

# %% slideshow={"slide_type": "fragment"}
lesions = datasets.lesion_slices(1600, size=64, seed=0)
order = np.random.default_rng(7).permutation(len(lesions))  # a shuffle independent of the generator's own
split = {"train": order[:1100], "val": order[1100:1350], "test": order[1350:]}
Xtr, ytr = lesions.images[split["train"]], lesions.labels[split["train"]]
Xva, yva = lesions.images[split["val"]], lesions.labels[split["val"]]
Xte, yte = lesions.images[split["test"]], lesions.labels[split["test"]]
{name: (len(idx), float(lesions.labels[idx].mean())) for name, idx in split.items()}  # size, fraction with lesion

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* eight training images, grayscale, titled with their label; the lesions (bright, 8–24 mm across) are
# simulated, the anatomy is the real MNI152 template.

# %% slideshow={"slide_type": "fragment"}
show = np.r_[np.flatnonzero(ytr == 1)[:4], np.flatnonzero(ytr == 0)[:4]]
fig = viz.montage(list(Xtr[show]), [("lesion" if ytr[i] else "no lesion") for i in show], ncols=8, size=1.6,
            windows=[(0.5, 1.0)] * 8, suptitle="Real MNI152 T1 slices with simulated lesions (64×64, 3 mm pixels)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The classical baseline
# First what notebooks 03 and 05 did: 15 hand-crafted features per image (`helpers.tasks.handcrafted_features`,
# listed below: intensity statistics, blob filters, contrast, texture) and a linear model (logistic regression),
# trained on the same training set and scored on the same test set by the area under the ROC curve
# ([AUC](../GLOSSARY.md#auc): 0.5 = chance, 1 = perfect ranking). Note the blob filters (`log_max_*`, `dog_max`): a
# person who knew the lesions are bright blobs put them there.

# %% slideshow={"slide_type": "fragment"}
print(*(f"{i:2d}. {name}" for i, name in enumerate(tasks.FEATURE_NAMES, 1)), sep="\n")

# %% slideshow={"slide_type": "fragment"}
# (1600, n_features), one row per image; in 4 chunks of 400 images to keep memory low
features = np.concatenate([tasks.handcrafted_features(chunk) for chunk in np.array_split(lesions.images, 4)])
baseline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
baseline.fit(features[split["train"]], ytr)
p_base = baseline.predict_proba(features[split["test"]])[:, 1]
auc_base = roc_auc_score(yte, p_base)
print(f"hand-crafted features + logistic regression: test AUC = {auc_base:.3f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Training the CNN
# `nets.SmallCNN` is three conv blocks (conv 3 × 3 → batch normalisation → ReLU, with downsampling), global max pooling
# ("is there a lesion anywhere?") and one linear layer to two outputs; print it to see the layers.
# The training loop is section 1's gradient descent on **mini-batches**: shuffle the training set, and for each batch
# of 32 images run forward, cross-entropy, `loss.backward()` and an Adam step (gradient descent with a per-weight step
# size). The learning rate follows a **one-cycle schedule** (it warms up, then anneals towards 0), which keeps short
# runs stable. After each [**epoch**](../GLOSSARY.md#epoch) (one pass over the training set) we score the validation
# set. (`nets.train_classifier` is the same loop for reuse in later notebooks; a check below proves they agree.)

# %% slideshow={"slide_type": "fragment"}
def train(model, images, labels, *, epochs, batch_size=32, lr=1e-2, seed=0, val=None):
    """Train a classifier in place on (n, H, W) images; return the per-epoch loss and accuracies."""
    x, y = torch.from_numpy(images[:, None]).float(), torch.from_numpy(labels).long()
    order = torch.Generator().manual_seed(seed)                  # a new shuffle every epoch, reproducible
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n_steps = epochs * -(-len(x) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=n_steps)  # warm up, then anneal
    history = {"loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    for _epoch in range(epochs):
        model.train()                                            # BatchNorm: use each batch's statistics
        loss_sum = correct = 0.0
        for idx in torch.randperm(len(x), generator=order).split(batch_size):
            logits = model(x[idx])                               # forward
            loss = F.cross_entropy(logits, y[idx])
            opt.zero_grad()
            loss.backward()                                      # backpropagation
            opt.step()                                           # Adam update
            schedule.step()
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == y[idx]).sum().item()
        history["loss"].append(loss_sum / len(x))
        history["train_acc"].append(correct / len(x))
        if val is not None:                                      # eval mode: BatchNorm's running statistics
            for key, value in zip(("val_loss", "val_acc"), nets.evaluate(model, *val)):
                history[key].append(value)
    model.eval()
    return history


nets.set_seed(0)  # same initial weights on every run
model = nets.SmallCNN(in_channels=1, n_classes=2, width=8)
history = train(model, Xtr, ytr, epochs=3, val=(Xva, yva), seed=0)
print(f"{nets.count_parameters(model):,} weights; validation accuracy per epoch: {np.round(history['val_acc'], 3)}")

# %% slideshow={"slide_type": "skip"} tags=["check"]
twins = []
for _ in range(2):  # the loop above and the course's helper, from the same initial weights
    nets.set_seed(1)
    twins.append(nets.SmallCNN(width=4))
train(twins[0], Xtr[:96], ytr[:96], epochs=2, seed=1)
nets.train_classifier(twins[1], Xtr[:96], ytr[:96], epochs=2, batch_size=32, lr=1e-2, seed=1, progress=False)
np.testing.assert_allclose(*(nets.predict_proba(m, Xva[:32]) for m in twins), atol=1e-5,
                           err_msg="the visible loop and nets.train_classifier should train the same weights")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* cross-entropy loss (left) and accuracy (right) per epoch on the training set and on the validation set.
# Curves that move together mean the network is learning something that generalises; a training curve that keeps
# improving while validation gets worse would be overfitting.

# %% slideshow={"slide_type": "fragment"}
fig = nets.plot_history(history, title="SmallCNN on simulated lesion slices: loss and accuracy per epoch")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Test set: confusion matrix and ROC
# Only now do we touch the test set. The confusion matrix counts right and wrong decisions at a threshold of 0.5;
# the ROC curve shows all thresholds at once (true-positive rate against false-positive rate).
#
# With 250 test images an AUC is itself uncertain, so each comes with a 95 % **bootstrap confidence interval**: redraw
# the test set with replacement 2,000 times and take the middle 95 % of the AUCs (paired: both models scored on the
# same redrawn images, which also gives an interval for their difference).
#
# *Figure:* left, the CNN's confusion matrix on the 250 test images (rows: truth, columns: prediction); right, ROC
# curves of the CNN and of the hand-crafted baseline on the same test images, with their AUC.

# %% slideshow={"slide_type": "fragment"}
p_cnn = nets.predict_proba(model, Xte)
auc_cnn = roc_auc_score(yte, p_cnn)
cm = confusion_matrix(yte, p_cnn > 0.5)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.5, 4), layout="constrained")
ax1.imshow(cm, cmap="cividis")
for (i, j), count in np.ndenumerate(cm):
    ax1.text(j, i, count, ha="center", va="center", color="w" if count < cm.max() / 2 else "k", fontsize=14)
ax1.set(xticks=[0, 1], yticks=[0, 1], xticklabels=["no lesion", "lesion"], yticklabels=["no lesion", "lesion"],
        xlabel="predicted", ylabel="true", title="CNN confusion matrix (test, threshold 0.5)")
for name, prob, style in [("CNN", p_cnn, "-"), ("hand-crafted + logistic", p_base, "--")]:
    fpr, tpr, _ = roc_curve(yte, prob)
    ax2.plot(fpr, tpr, style, label=f"{name} (AUC {roc_auc_score(yte, prob):.3f})")
ax2.plot([0, 1], [0, 1], ":", color="grey", label="chance")
ax2.set(xlabel="false-positive rate", ylabel="true-positive rate", title="ROC on the test set", aspect="equal")
ax2.legend(loc="lower right")
headline = paired_bootstrap_auc(yte, p_cnn, p_base, seed=0)
print(f"test AUC (95 % bootstrap CI): CNN {auc_cnn:.3f} ({headline['ci_a'][0]:.3f}-{headline['ci_a'][1]:.3f}), "
      f"hand-crafted baseline {auc_base:.3f} ({headline['ci_b'][0]:.3f}-{headline['ci_b'][1]:.3f}); "
      f"difference {headline['diff']:+.3f} ({headline['ci_diff'][0]:+.3f} to {headline['ci_diff'][1]:+.3f})")

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert auc_cnn >= 0.95, f"the CNN should reach a test AUC of at least 0.95, got {auc_cnn:.3f}"
assert auc_base >= 0.90, f"the hand-crafted baseline should be strong too, got {auc_base:.3f}"
assert history["val_acc"][-1] > 0.85 and history["loss"][-1] < history["loss"][0]
assert np.isclose(headline["auc_a"], auc_cnn) and headline["ci_a"][0] <= auc_cnn <= headline["ci_a"][1]

# %% [markdown] slideshow={"slide_type": "fragment"}
# Both do well here, and the intervals show the test set cannot tell them apart by much. The difference is *who*
# designed the features: for the baseline a person who knew that lesions are bright blobs chose blob filters (a
# matched filter for this simulator); the CNN found its own from the pixels and labels alone. Whether that helps is
# tested at the end of this section, on a task where no blob filter fits.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What did it learn?
# The first layer's kernels are 3 × 3 weights, like the classic kernels above but learned. The **feature maps** are
# the outputs of each block for one image: early ones look like filtered images, later ones respond to larger,
# more specific patterns (here: the lesion).
#
# *Figure:* top row, the 8 learned 3 × 3 kernels of the first layer (grayscale, white = positive weight); below, one
# test image with a lesion and the strongest feature map of each of the three blocks (colour: activation, viridis).

# %% slideshow={"slide_type": "fragment"}
kernels_learned = model.features[0].weight.detach()[:, 0].numpy()  # (8, 3, 3)
fig = viz.montage(list(kernels_learned), [f"kernel {i + 1}" for i in range(8)], ncols=8, size=1.3,
            suptitle="Learned first-layer kernels (3×3)")

# %% slideshow={"slide_type": "fragment"}
i_example = np.flatnonzero(yte == 1)[0]
example, example_mask = Xte[i_example], lesions.masks[split["test"]][i_example]
maps = nets.feature_maps(model, example)  # list of (channels, h, w), one per block
fig, axes = plt.subplots(1, 4, figsize=(11, 3), layout="constrained")
axes[0].imshow(example, cmap="gray")
axes[0].set_title("test image with a lesion")
for b, (ax, m) in enumerate(zip(axes[1:], maps)):
    strongest = m.reshape(len(m), -1).max(1).argmax()
    ax.imshow(m[strongest], cmap="viridis")
    ax.set_title(f"block {b + 1}: channel {strongest} ({m.shape[1]}×{m.shape[2]})")
for ax in axes:
    ax.set(xticks=[], yticks=[])
fig.suptitle("Feature maps of the trained CNN (simulated lesion on real anatomy)");

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert kernels_learned.shape == (8, 3, 3) and [m.shape[0] for m in maps] == [8, 16, 32]
lesion_rc = np.argwhere(example_mask).mean(0)  # lesion centre, pixels
last = maps[-1][maps[-1].reshape(32, -1).max(1).argmax()]
peak = np.array(np.unravel_index(last.argmax(), last.shape)) * 64 / last.shape[0]
assert np.hypot(*(peak - lesion_rc)) < 12, f"the strongest late feature should sit on the lesion: {peak} vs {lesion_rc}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The same code on tissue patches
# A three-class task with the same helpers: patches of the T1 template labelled by the tissue at their **centre**
# (CSF, grey matter, white matter). A CNN with global pooling does not know where the centre is: it weighs the
# patch's border as much as its middle. So we give it only the central 8 × 8 pixels (16 mm) of each 16 × 16 patch,
# and two blocks suffice for such small images.

# %% slideshow={"slide_type": "fragment"}
tissue = datasets.tissue_patches(1500, patch=16, seed=0)
centre = np.ascontiguousarray(tissue.images[:, 4:12, 4:12])  # (1500, 8, 8): the middle of each patch
t_order = np.random.default_rng(7).permutation(len(tissue))
t_tr, t_te = t_order[:1200], t_order[1200:]
nets.set_seed(0)
tissue_model = nets.SmallCNN(n_classes=3, width=8, n_blocks=2)
nets.train_classifier(tissue_model, centre[t_tr], tissue.labels[t_tr], epochs=4, batch_size=32, lr=1e-2)
t_pred = nets.predict_proba(tissue_model, centre[t_te]).argmax(1)
t_acc = np.mean(t_pred == tissue.labels[t_te])
chance = np.bincount(tissue.labels).max() / len(tissue)
print(f"tissue patches, 3 classes: test accuracy {t_acc:.1%} (chance: {chance:.0%})")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* confusion matrix of the tissue CNN on 300 test patches (rows: true tissue, columns: predicted); most
# mistakes are between neighbours in intensity (CSF/GM, GM/WM).

# %% slideshow={"slide_type": "fragment"}
t_cm = confusion_matrix(tissue.labels[t_te], t_pred)
fig, ax = plt.subplots(figsize=(4.2, 3.8), layout="constrained")
ax.imshow(t_cm, cmap="cividis")
for (i, j), count in np.ndenumerate(t_cm):
    ax.text(j, i, count, ha="center", va="center", color="w" if count < t_cm.max() / 2 else "k")
ax.set(xticks=range(3), yticks=range(3), xticklabels=tissue.class_names, yticklabels=tissue.class_names,
       xlabel="predicted", ylabel="true", title="Tissue CNN: confusion matrix (test)");

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert t_acc > 0.75, f"tissue accuracy should be well above chance, got {t_acc:.2f}"
csf, gm, wm = (tissue.class_names.index(c) for c in ("CSF", "GM", "WM"))
neighbour_errors = t_cm[csf, gm] + t_cm[gm, csf] + t_cm[gm, wm] + t_cm[wm, gm]
assert t_cm[csf, wm] + t_cm[wm, csf] < neighbour_errors / 4, f"most mistakes should be between neighbours: {t_cm}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Where learned features win, and where they do not
# The lesion task above suits the baseline: its blob filters are a matched filter for the simulator's blobs. A fairer
# test is a task where no designed feature is built for the answer. In mammography a mass's **margin** matters: in
# 492 biopsied lesions a *spiculated* margin (thin lines radiating from the mass) was the mass feature most predictive
# of cancer, 81 % of such masses being carcinomas ([Liberman et al. 1998](https://doi.org/10.2214/ajr.171.1.9648759)).
# `helpers.cnn.lesion_outlines` simulates 32 × 32 images of masses that are either **spiculated** ("malignant-like",
# label 1) or smooth but **lobulated** ("benign-like", label 0), both irregular, each crossed by a thin bright line
# (a vessel or overlapping tissue), with noise. Synthetic, no patient data.
#
# The designed baseline is what a careful person would measure without knowing how the images were made: segment the
# mass (Otsu threshold, largest component) and compute 9 shape and intensity features (area, perimeter, circularity,
# solidity, ...; listed below) for a logistic regression. The CNN gets the pixels at full resolution (no strided stem:
# spicules are 1-2 pixels wide) and is trained with the loop above. Both learn from the same **600** training images,
# and then from only **40** of them; all are scored on the same 300 test images, with paired bootstrap CIs.

# %% slideshow={"slide_type": "fragment"}
outl = lesion_outlines(900, seed=0)                       # (900, 32, 32) images, labels 1 = spiculated
o_order = np.random.default_rng(7).permutation(len(outl.labels))
o_te, o_tr = o_order[:300], {600: o_order[300:], 40: o_order[300:340]}  # test; two training sets (40 ⊂ 600)
o_feats = outline_features(outl.images)                   # (900, 9), one row of designed features per image
print(*(f"{i}. {name}" for i, name in enumerate(OUTLINE_FEATURES, 1)), sep="\n")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* eight simulated test images, four spiculated (top) and four lobulated (bottom), grayscale; each is a
# 32 × 32 pixel image of one mass crossed by a thin bright line.

# %% slideshow={"slide_type": "fragment"}
o_show = np.r_[o_te[outl.labels[o_te] == 1][:4], o_te[outl.labels[o_te] == 0][:4]]
fig = viz.montage(list(outl.images[o_show]), [("spiculated" if outl.labels[i] else "lobulated") for i in o_show],
                  ncols=4, size=1.8,
                  suptitle="Simulated masses: spiculated (malignant-like) vs lobulated (benign-like)")

# %% slideshow={"slide_type": "fragment"}
outline_results = {}
for n_train, epochs in [(600, 6), (40, 20)]:  # 40 images get more epochs (and still fewer steps)
    idx = o_tr[n_train]
    designed = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(o_feats[idx], outl.labels[idx])
    nets.set_seed(0)
    learned = nets.SmallCNN(width=8, n_blocks=2, stem_stride=1)   # full resolution: conv, pool, conv, global max
    train(learned, outl.images[idx], outl.labels[idx], epochs=epochs, seed=0)
    outline_results[n_train] = paired_bootstrap_auc(outl.labels[o_te], nets.predict_proba(learned, outl.images[o_te]),
                                                    designed.predict_proba(o_feats[o_te])[:, 1], seed=0)
for n_train, r in outline_results.items():
    print(f"{n_train:3d} training images: CNN AUC {r['auc_a']:.3f} ({r['ci_a'][0]:.3f}-{r['ci_a'][1]:.3f}), "
          f"designed features {r['auc_b']:.3f} ({r['ci_b'][0]:.3f}-{r['ci_b'][1]:.3f}); CNN minus designed "
          f"{r['diff']:+.3f} (95 % CI {r['ci_diff'][0]:+.3f} to {r['ci_diff'][1]:+.3f})")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* test AUC of the CNN (circles) and of the designed features (squares) when trained on 40 and on 600
# images, with 95 % bootstrap confidence intervals as vertical bars.

# %% slideshow={"slide_type": "fragment"}
fig, ax = plt.subplots(figsize=(5, 3.6), layout="constrained")
for k, (name, marker) in enumerate([("CNN (learned features)", "o"), ("designed features + logistic", "s")]):
    n_list = sorted(outline_results)
    auc = [outline_results[n]["auc_a" if k == 0 else "auc_b"] for n in n_list]
    ci = np.array([outline_results[n]["ci_a" if k == 0 else "ci_b"] for n in n_list]).T
    ax.errorbar(np.arange(2) + 0.08 * (2 * k - 1), auc, yerr=[auc - ci[0], ci[1] - auc], fmt=marker, capsize=4,
                label=name)
ax.set(xticks=[0, 1], xticklabels=[f"{n} images" for n in sorted(outline_results)], xlim=(-0.5, 1.5),
       ylabel="test AUC (300 images)", xlabel="training set", title="Spiculated vs lobulated masses (simulated)")
ax.legend(loc="lower right");

# %% slideshow={"slide_type": "skip"} tags=["check"]
many, few = outline_results[600], outline_results[40]
assert many["ci_diff"][0] > 0, f"with 600 images the CNN should beat the designed features: {many}"
assert many["auc_a"] - few["auc_a"] > 0.05 and many["diff"] - few["diff"] > 0.05, \
    f"the CNN should need the larger training set more than the designed features do: {few} vs {many}"

# %% [markdown] slideshow={"slide_type": "fragment"}
# What the numbers show, in both directions. With 600 labelled images the CNN ranks the masses better than the
# designed features, and the interval of the difference lies above 0: it found a local pattern (a thin line leaving
# the mass, as opposed to a line crossing it) that global descriptors such as solidity blur, because the crossing
# vessel and the lobes change them too. With 40 images the advantage shrinks or reverses: nine features chosen by a
# person need few examples to weigh, a CNN's thousands of weights need many. (Across three runs with different
# seeds, those above and every seed shifted by 3 or by 11, the CNN led by 0.07 to 0.11 AUC with 600 images; with 40
# the two tied or the designed features led by up to 0.13.) Neither result is about these two
# methods in general; each is about this simulator, these features and this much data, which is why a comparison
# must report its data, its intervals and the settings where the other method wins.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Which single designed feature separates spiculated from lobulated masses best? For each of the 9 columns of
# `o_feats`, compute the test AUC of the feature alone (on `o_te`; a feature may rank the classes either way round,
# so count max(AUC, 1 − AUC)). Put the name of the best feature (an entry of `OUTLINE_FEATURES`) in `best_feature`
# and its AUC in `best_feature_auc`. Is it the one you would have guessed?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
best_feature = None      # your answer: a name from OUTLINE_FEATURES
best_feature_auc = None  # your answer: its test AUC, counted as max(AUC, 1 - AUC)
check("06-best-feature")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 06-best-feature
single = [roc_auc_score(outl.labels[o_te], o_feats[o_te, j]) for j in range(o_feats.shape[1])]
single = np.maximum(single, 1 - np.array(single))
best_feature, best_feature_auc = OUTLINE_FEATURES[int(single.argmax())], float(single.max())
dict(zip(OUTLINE_FEATURES, single.round(3))), best_feature


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Convolutions in more complex architectures
# The lecture: "Can use convolutions in more complex architectures (attention, resnets, transformers etc)". Two
# building blocks, each a few lines:
#
# - a **residual block** (ResNet, [He et al. 2016](https://doi.org/10.1109/CVPR.2016.90)) adds its input to its output,
#   $y = \mathrm{ReLU}(x + F(x))$: the convolutions only learn a correction, and gradients flow straight through the
#   "+", which lets networks be hundreds of layers deep;
# - an **attention** layer ([Vaswani et al. 2017](https://arxiv.org/abs/1706.03762)) lets every position look at every
#   other: it compares a *query* at each position with a *key* at all positions, turns the similarities into weights
#   with a softmax, and averages the *values* with them.

# %% slideshow={"slide_type": "fragment"}
class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return torch.relu(x + self.conv2(torch.relu(self.conv1(x))))  # the skip connection: x + F(x)


class SelfAttention2d(nn.Module):
    def __init__(self, channels, d=8):
        super().__init__()
        self.q, self.k, self.v = nn.Conv2d(channels, d, 1), nn.Conv2d(channels, d, 1), nn.Conv2d(channels, channels, 1)

    def forward(self, x, return_weights=False):
        n, c, h, w = x.shape
        q, k = self.q(x).flatten(2).transpose(1, 2), self.k(x).flatten(2)    # (n, hw, d), (n, d, hw)
        weights = torch.softmax(q @ k / k.shape[1] ** 0.5, dim=-1)          # (n, hw, hw): rows sum to 1
        out = (weights @ self.v(x).flatten(2).transpose(1, 2)).transpose(1, 2).reshape(n, c, h, w)
        return (x + out, weights) if return_weights else x + out             # residual again


feats = torch.rand(2, 32, 16, 16)  # e.g. the last feature maps of SmallCNN for 2 images
res, att = ResidualBlock(32), SelfAttention2d(32)
tuple(res(feats).shape), tuple(att(feats).shape), nets.count_parameters(res), nets.count_parameters(att)

# %% [markdown] slideshow={"slide_type": "fragment"}
# What attention adds: a convolution only sees its receptive field (17 pixels here), attention links positions
# anywhere in the image by *content*. A test slice gets three simulated lesions (pasted from other test images); we
# take the trained lesion CNN's last feature maps, one 32-number vector per position, use them directly as queries
# and keys (no learned projections; normalised, so each score is a cosine similarity) and ask where the most active
# position on the first lesion "looks".

# %% slideshow={"slide_type": "fragment"}
test_masks = lesions.masks[split["test"]]
multi = Xte[np.flatnonzero(yte == 0)[0]].copy()   # a test slice without a lesion ...
lesion_id, centres = np.zeros(multi.shape, dtype=int), []
with_lesion = np.flatnonzero(yte == 1)
for i in with_lesion[np.argsort(-p_cnn[with_lesion])]:  # ... gets lesions of other test slices (clearest first),
    m = test_masks[i]                                     # inside the brain, further apart than the receptive field
    centre = np.argwhere(m).mean(0)
    if multi[m].min() > 0.25 and all(np.hypot(*(centre - c)) > r_formula for c in centres):
        multi[m], lesion_id[m] = Xte[i][m], len(centres) + 1
        centres.append(centre)
    if len(centres) == 3:
        break
with torch.no_grad():
    fmap = model.features(torch.from_numpy(multi)[None, None])[0]  # (32, 16, 16)
tokens = F.normalize(fmap.flatten(1).T, dim=1)                       # (256 positions, 32 features), length 1
attention = torch.softmax(tokens @ tokens.T / 0.1, dim=-1)           # similarity of every pair -> weights
ids_16 = lesion_id.reshape(16, 4, 16, 4).max(axis=(1, 3)).ravel()   # which lesion (1-3) each map position covers
on_first = np.flatnonzero(ids_16 == 1)
query = int(on_first[fmap.amax(0).flatten()[on_first].argmax()])    # the most active position on the first lesion

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* left, a real test slice with three simulated lesions and the query position (orange cross); right, the
# attention weights of that position over the 16 × 16 positions of the feature map (viridis): its weight concentrates
# on the lesions, although they lie further apart than the receptive field, and little goes anywhere else.

# %% slideshow={"slide_type": "fragment"}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.5, 3.6), layout="constrained")
ax1.imshow(multi, cmap="gray")
ax1.plot((query % 16) * 4 + 1.5, (query // 16) * 4 + 1.5, "x", color="orange", ms=12, mew=2)
ax1.set(title="three simulated lesions; query (×)", xticks=[], yticks=[])
ax2.imshow(attention[query].reshape(16, 16), cmap="viridis")
ax2.set(title="attention weights of the query", xticks=[], yticks=[]);

# %% slideshow={"slide_type": "skip"} tags=["check"]
with torch.no_grad():
    res.conv2.weight.zero_()
    res.conv2.bias.zero_()
    assert torch.equal(res(feats), feats), "with F(x) = 0 a residual block is the identity (for x ≥ 0)"
    out_att, w_att = att(feats, return_weights=True)
    torch.testing.assert_close(w_att.sum(-1), torch.ones(2, 256))
    q_, k_, v_ = (m(feats).flatten(2).transpose(1, 2) for m in (att.q, att.k, att.v))
    ref = F.scaled_dot_product_attention(q_, k_, v_).transpose(1, 2).reshape(feats.shape)
    torch.testing.assert_close(out_att, feats + ref)  # our attention = torch's scaled_dot_product_attention
w_query = attention[query].numpy()
enrichment = np.array([w_query[ids_16 == k].mean() for k in (1, 2, 3)]) / w_query[ids_16 == 0].mean()
assert len(centres) == 3 and (enrichment[1:] > 3).any(), \
    f"the first lesion should attend to another, further away than the receptive field: {enrichment}"
assert np.allclose(attention.sum(1).numpy(), 1, atol=1e-5)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# How many weights does `SelfAttention2d(32, d=8)` have? Work it out by hand (a 1 × 1 convolution from *c* to *d*
# channels has *c·d* weights and *d* biases) and put the number in `n_attention`. (`nets.count_parameters` would count
# them for you: work it out first.)

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
n_attention = None  # your answer: weights + biases; q: 32*8 + 8, k: ..., v: ...
check("06-attention-params")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 06-attention-params
n_attention = (32 * 8 + 8) + (32 * 8 + 8) + (32 * 32 + 32)  # query, key, value 1×1 convolutions
assert n_attention == nets.count_parameters(SelfAttention2d(32, d=8))
n_attention

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A network that segments: a small U-Net
# <a id="sec-unet"></a>
#
# Segmentation is one of the lecture's core tasks, and every network so far only classified. A **U-Net**
# ([Ronneberger et al. 2015](https://doi.org/10.1007/978-3-319-24574-4_28)) outputs one score per pixel: an
# encoder (convolutions and pooling, as in the CNN above) shrinks the image into coarse features, a decoder
# (transposed convolutions) grows them back to full size, and **skip connections** hand each decoder level the
# encoder's features at the same size, so fine detail is not lost on the way down. We compare it with notebook 03's
# semi-automatic method on the same footing: both get the reader's click near the lesion. The threshold grows a
# region from the click; the U-Net sees a 24 × 24 pixel crop centred on it (72 mm; the lesions' radii are 4–12 mm).
# Training minimises Dice loss plus cross-entropy (`segmentation.dice_bce_loss`).

# %% slideshow={"slide_type": "fragment"}
def conv_block(n_in, n_out):  # two 3x3 convolutions, each followed by ReLU
    return nn.Sequential(nn.Conv2d(n_in, n_out, 3, padding=1), nn.ReLU(), nn.Conv2d(n_out, n_out, 3, padding=1),
                         nn.ReLU())


class TinyUNet(nn.Module):
    def __init__(self, c=8):
        super().__init__()
        self.enc1, self.enc2, self.bottom = conv_block(1, c), conv_block(c, 2 * c), conv_block(2 * c, 4 * c)
        self.up2, self.dec2 = nn.ConvTranspose2d(4 * c, 2 * c, 2, stride=2), conv_block(4 * c, 2 * c)
        self.up1, self.dec1 = nn.ConvTranspose2d(2 * c, c, 2, stride=2), conv_block(2 * c, c)
        self.out = nn.Conv2d(c, 1, 1)  # one logit per pixel

    def forward(self, x):                          # x: (n, 1, 24, 24)
        e1 = self.enc1(x)                          # (n, c, 24, 24)
        e2 = self.enc2(F.max_pool2d(e1, 2))        # (n, 2c, 12, 12)
        b = self.bottom(F.max_pool2d(e2, 2))       # (n, 4c, 6, 6)
        d2 = self.dec2(torch.cat([self.up2(b), e2], dim=1))   # skip connection: concatenate e2
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))  # skip connection: concatenate e1
        return self.out(d1)                        # (n, 1, 24, 24)


seg_train = datasets.lesion_slices(500, size=64, positive_fraction=1.0, seed=20)
seg_test = datasets.lesion_slices(200, size=64, positive_fraction=1.0, seed=21)
click_rng = np.random.default_rng(22)  # the reader clicks within ±2 px of the centre
clicks_train = seg_train.centers + click_rng.uniform(-2, 2, seg_train.centers.shape)
clicks_test = seg_test.centers + click_rng.uniform(-2, 2, seg_test.centers.shape)
crops_train, masks_train = segmentation.crops_around(seg_train.images, seg_train.masks, clicks_train, size=24)
crops_test, masks_test = segmentation.crops_around(seg_test.images, seg_test.masks, clicks_test, size=24)
crops_train.shape, crops_test.shape

# %% slideshow={"slide_type": "fragment"}
def standardise(crops):  # each crop to mean 0, SD 1: brightness differs between slices
    return (crops - crops.mean(axis=(1, 2), keepdims=True)) / (crops.std(axis=(1, 2), keepdims=True) + 1e-6)


torch.manual_seed(23)
unet = TinyUNet()
unet_history = nets.fit(unet, torch.optim.Adam(unet.parameters(), lr=3e-3),
                        (torch.from_numpy(standardise(crops_train)[:, None]),
                         torch.from_numpy(masks_train[:, None].astype(np.float32))),
                        loss=segmentation.dice_bce_loss, epochs=12, batch_size=32, seed=24, desc="U-Net")
print(f"{nets.count_parameters(unet):,} weights; final training loss {unet_history['loss'][-1]:.3f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Now both methods segment the 200 held-out lesions from the same clicks. We score each case with Dice and HD95
# (notebook 03) and put a bootstrap confidence interval on the paired difference (same cases, two methods).
#
# *Figure:* four held-out lesions with the true outline (blue), the U-Net's (orange) and the threshold's (green),
# and each case's Dice for the two methods.

# %% slideshow={"slide_type": "fragment"}
with torch.no_grad():
    unet_masks = (unet(torch.from_numpy(standardise(crops_test)[:, None]))[:, 0] > 0).numpy()
threshold_masks = np.stack([segmentation.half_way_threshold(crop, (12, 12)) for crop in crops_test])
unet_scores = segmentation.case_scores(unet_masks, masks_test, seg_test.spacing_mm)
threshold_scores = segmentation.case_scores(threshold_masks, masks_test, seg_test.spacing_mm)
dice_gap, dice_ci = metrics.paired_bootstrap_difference(unet_scores["dice"], threshold_scores["dice"], seed=25)
hd95_gap, hd95_ci = metrics.paired_bootstrap_difference(unet_scores["hd95_mm"], threshold_scores["hd95_mm"],
                                                        statistic=np.median, seed=26)
seg_table = pd.DataFrame({
    "median Dice": [np.median(unet_scores["dice"]), np.median(threshold_scores["dice"])],
    "mean Dice": [unet_scores["dice"].mean(), threshold_scores["dice"].mean()],
    "median HD95 (mm)": [np.median(unet_scores["hd95_mm"]), np.median(threshold_scores["hd95_mm"])],
    "missed (empty)": [int((~unet_masks.any(axis=(1, 2))).sum()), int((~threshold_masks.any(axis=(1, 2))).sum())],
}, index=["U-Net (learned)", "half-way threshold (03)"]).round(3)
print(f"U-Net − threshold, mean Dice: {dice_gap:+.3f} (95% CI {dice_ci[0]:+.3f} to {dice_ci[1]:+.3f}); "
      f"median HD95: {hd95_gap:+.2f} mm (95% CI {hd95_ci[0]:+.2f} to {hd95_ci[1]:+.2f})")
fig, axes = plt.subplots(1, 5, figsize=(15, 3.2), layout="constrained")
for ax, i in zip(axes[:4], [0, 1, 2, 3], strict=True):
    ax.imshow(crops_test[i], cmap="gray")
    for mask, colour in ((masks_test[i], "#0072B2"), (unet_masks[i], "#E69F00"), (threshold_masks[i], "#009E73")):
        ax.contour(mask, [0.5], colors=colour, linewidths=1.5)
    ax.set_title(f"Dice U-Net {unet_scores['dice'][i]:.2f}, thr. {threshold_scores['dice'][i]:.2f}", fontsize=9)
    ax.axis("off")
axes[4].scatter(threshold_scores["dice"], unet_scores["dice"], s=8, alpha=0.6)
axes[4].plot([0, 1], [0, 1], color="gray", linewidth=1)
axes[4].set(xlabel="Dice, threshold", ylabel="Dice, U-Net", xlim=(0, 1.02), ylim=(0, 1.02), title="Per case")
plt.show()
seg_table

# %% [markdown] slideshow={"slide_type": "fragment"}
# What the numbers show: the U-Net learns to segment from 500 examples in a few seconds and matches the threshold,
# but on these lesions it does **not** beat it: the confidence interval of the difference in mean Dice sits around
# zero or below it, never clearly above. That is not a failure of deep learning but a property of the data: each
# simulated lesion is a bright ellipse blurred by the scanner, so the half-way line between background and peak *is*
# its true outline. The threshold is a matched model of how these lesions were made; the network has to learn the
# same rule from examples. Learned segmentation pays off where no simple rule fits: lesions that are not brighter
# than their surroundings, organs defined by shape and context, many structures at once (nnU-Net,
# [Isensee et al. 2021](https://doi.org/10.1038/s41592-020-01008-z), wins most segmentation challenges this way).

# %% slideshow={"slide_type": "skip"} tags=["check"]
# both methods segment these lesions well, from the same click
assert np.median(unet_scores["dice"]) > 0.8 and np.median(threshold_scores["dice"]) > 0.8, seg_table
# the claim: the U-Net does not beat the matched threshold here (its mean Dice is at most 0.02 above, with 95 %
# confidence) and stays close (within 0.1 below)
assert dice_ci[1] < 0.02 and dice_gap > -0.1, (dice_gap, dice_ci)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Aside: CNNs for non-image spatial data
# Convolutions need only a notion of "neighbour". In a DNA sequence the neighbours of a base are the bases before and
# after it, so a **1D convolution** over a one-hot sequence (4 channels: A, C, G, T) is a motif detector: a kernel of
# width 6 that matches a 6-base pattern anywhere. (That is motif finding; the lecture's "mutation calling" example
# follows after it.) Synthetic data:
# 1,200 random sequences of 60 bases; half carry the motif `TGACGT` at a random position.

# %% slideshow={"slide_type": "fragment"}
BASES, motif = "ACGT", "TGACGT"
dna_rng = np.random.default_rng(0)
seqs = dna_rng.integers(0, 4, size=(1200, 60))
has_motif = dna_rng.integers(0, 2, 1200)
where = dna_rng.integers(0, 60 - len(motif), 1200)
for i in np.flatnonzero(has_motif):
    seqs[i, where[i]:where[i] + len(motif)] = [BASES.index(b) for b in motif]
onehot = torch.from_numpy(np.eye(4, dtype=np.float32)[seqs].transpose(0, 2, 1))  # (1200, 4 bases, 60 positions)
dna_y = torch.from_numpy(has_motif)
"".join(BASES[b] for b in seqs[np.flatnonzero(has_motif)[0]])  # one positive sequence

# %% slideshow={"slide_type": "fragment"}
torch.manual_seed(0)
net1d = nn.Sequential(nn.Conv1d(4, 8, kernel_size=6), nn.ReLU(),   # 8 motif detectors of width 6
                      nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Linear(8, 2))  # "found anywhere?"
opt = torch.optim.Adam(net1d.parameters(), lr=0.03)
batches = torch.randperm(900, generator=torch.Generator().manual_seed(0)).split(100)
for _epoch in range(20):
    for idx in batches:  # the first 900 sequences train, the last 300 test
        loss = F.cross_entropy(net1d(onehot[idx]), dna_y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
with torch.no_grad():
    dna_acc = (net1d(onehot[900:]).argmax(1) == dna_y[900:]).float().mean().item()
dna_acc

# %% [markdown] slideshow={"slide_type": "fragment"}
# Which kernel found the motif? The one whose output weighs most for "motif present". Its 4 × 6 weights read like a
# sequence logo: the highest weight in each column should be the motif's base at that position.
#
# *Figure:* left, the weights of that kernel (rows A, C, G, T; columns the 6 positions; viridis); right, its
# response along one test sequence that carries the motif, with the true motif position marked.

# %% slideshow={"slide_type": "fragment"}
best = int((net1d[4].weight[1] - net1d[4].weight[0]).argmax())
kernel = net1d[0].weight[best].detach().numpy()  # (4, 6)
learned_motif = "".join(BASES[b] for b in kernel.argmax(0))
i_pos = 900 + int(np.flatnonzero(has_motif[900:])[0])
with torch.no_grad():
    response = torch.relu(net1d[0](onehot[i_pos:i_pos + 1]))[0, best].numpy()
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3), layout="constrained", width_ratios=[1, 2])
ax1.imshow(kernel, cmap="viridis")
ax1.set(yticks=range(4), yticklabels=list(BASES), xticks=range(6), xlabel="position in kernel",
        title=f"Learned kernel: reads {learned_motif}")
ax2.plot(response)
ax2.axvline(where[i_pos], color="orange", ls="--", label="true motif start")
ax2.set(xlabel="position in sequence (bases)", ylabel="kernel response", title="Synthetic DNA: motif detector output")
ax2.legend();

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert dna_acc > 0.9, f"a 1D CNN should find the motif, accuracy {dna_acc:.2f}"
assert any(learned_motif[i:i + 4] in motif for i in range(3)), f"learned {learned_motif}, motif {motif}"
assert abs(int(response.argmax()) - where[i_pos]) <= 2, "the detector peaks at the motif"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Mutation calling: a CNN on a read pileup
# Mutation calling asks a different question. A sequencer reads a person's DNA as millions of short, error-prone
# reads, each aligned to the reference genome. At a position where several reads differ from the reference: is it a
# real variant of this person's DNA, or sequencing errors? DeepVariant ([Poplin et al.
# 2018](https://doi.org/10.1038/nbt.4235)) stacks the reads aligned around a candidate site into an image-like
# **pileup** tensor (reads × positions × channels) and classifies it with a CNN. A toy version (synthetic): 600
# pileups of 12 reads × 20 positions, 5 channels (the read's base one-hot, A/C/G/T, and 1 where it differs from the
# reference). Every base is misread with probability 2 %; half the pileups carry a **heterozygous** variant in one
# column (one of the person's two copies differs, so about half the reads show the same other base); and half of all
# pileups, with or without a variant, have a "noisy column" where a fifth of the reads are misread as random bases.

# %% slideshow={"slide_type": "fragment"}
pu_rng = np.random.default_rng(0)
n_pu, n_reads, n_pos = 600, 12, 20
rows, read_ix = np.arange(n_pu)[:, None], np.arange(n_reads)[None, :]
ref = pu_rng.integers(0, 4, (n_pu, n_pos))                              # the reference sequence at each site
reads = np.repeat(ref[:, None], n_reads, axis=1)                        # (600, 12 reads, 20 positions)
misread = pu_rng.random(reads.shape) < 0.02                             # random sequencing errors
noisy_col = np.where(pu_rng.random(n_pu) < 0.5, pu_rng.integers(0, n_pos, n_pu), -1)  # -1: no noisy column
misread[rows, read_ix, noisy_col[:, None]] |= (pu_rng.random((n_pu, n_reads)) < 0.2) & (noisy_col[:, None] >= 0)
reads = np.where(misread, (reads + pu_rng.integers(1, 4, reads.shape)) % 4, reads)  # an error: any other base
has_variant = pu_rng.permutation(np.arange(n_pu) % 2)
var_col = pu_rng.integers(0, n_pos, n_pu)
alt = (ref[np.arange(n_pu), var_col] + pu_rng.integers(1, 4, n_pu)) % 4  # the variant's base
carrier = (pu_rng.random((n_pu, n_reads)) < 0.5) & (has_variant[:, None] == 1)  # reads from the variant copy
reads[rows, read_ix, var_col[:, None]] = np.where(carrier, alt[:, None], reads[rows, read_ix, var_col[:, None]])
pileup = np.concatenate([np.eye(4, dtype=np.float32)[reads], (reads != ref[:, None])[..., None]], axis=-1)
pileup = torch.from_numpy(pileup.transpose(0, 3, 1, 2).astype(np.float32))  # (600, 5 channels, 12 reads, 20 pos.)
pu_y = torch.from_numpy(has_variant).float()
tuple(pileup.shape)


# %% slideshow={"slide_type": "fragment"}
class PileupCNN(nn.Module):
    def __init__(self, channels=8):
        super().__init__()
        self.per_read = nn.Conv2d(5, channels, kernel_size=1)   # the same small network on every read and position
        self.column = nn.Sequential(nn.Conv1d(channels, channels, kernel_size=1), nn.ReLU(),
                                    nn.Conv1d(channels, 1, kernel_size=1))  # and on every column of the summary

    def forward(self, x):                              # (n, 5, reads, positions)
        h = torch.relu(self.per_read(x)).mean(2)       # average over the reads: their order means nothing
        return self.column(h)[:, 0]                    # (n, positions): "a variant in this column" logits


torch.manual_seed(0)
caller = PileupCNN()
opt = torch.optim.Adam(caller.parameters(), lr=0.03)
for _step in range(100):                               # the first 400 pileups train, the last 200 test
    loss = F.binary_cross_entropy_with_logits(caller(pileup[:400]).amax(1), pu_y[:400])  # site: its best column
    opt.zero_grad()
    loss.backward()
    opt.step()
with torch.no_grad():
    column_logits = caller(pileup[400:])
called = (column_logits.amax(1) > 0).numpy()
pu_acc = float(np.mean(called == has_variant[400:]))
found = called & (has_variant[400:] == 1)
pu_where = float(np.mean(column_logits.argmax(1).numpy()[found] == var_col[400:][found]))
print(f"variant present? {pu_acc:.1%} of 200 test sites right; the called column is the variant's in {pu_where:.1%}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* left, one synthetic test pileup with a variant (12 reads × 20 positions; yellow = the read differs from
# the reference, cividis colours), the true variant column marked by an orange dashed line and the noisy column, if
# any, by a grey dotted line; right, the CNN's probability of a variant in each column.

# %% slideshow={"slide_type": "fragment"}
i_pu = 400 + int(np.flatnonzero((has_variant[400:] == 1) & (noisy_col[400:] >= 0))[0])
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3), layout="constrained")
ax1.imshow(pileup[i_pu, 4].numpy(), cmap="cividis", aspect="auto")
ax1.axvline(var_col[i_pu], color="orange", ls="--", label="variant")
ax1.axvline(noisy_col[i_pu], color="grey", ls=":", label="noisy column")
ax1.set(xlabel="position", ylabel="read", title="Synthetic pileup: mismatches with the reference")
ax1.legend(loc="upper right", fontsize=8)
ax2.bar(range(n_pos), torch.sigmoid(column_logits[i_pu - 400]).numpy())
ax2.set(xlabel="position", ylabel="P(variant)", ylim=(0, 1), title="CNN: variant probability per column");

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert pu_acc > 0.8 and pu_where > 0.85, f"the pileup CNN should call and place variants: {pu_acc:.2f}, {pu_where:.2f}"
shuffled = pileup[400:][:, :, torch.randperm(n_reads, generator=torch.Generator().manual_seed(0))]
with torch.no_grad():
    torch.testing.assert_close(caller(shuffled), column_logits)  # the read order does not matter

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Graph convolution: message passing
# On a graph, a node's neighbours are the nodes it is connected to. A **graph convolution** updates each node from its
# own features and the mean of its neighbours' features ("messages"), with the same weights at every node, just as a
# convolution uses the same kernel at every pixel. Example (synthetic, in the spirit of pathology cell graphs): 400
# cells in a 100 × 100 µm field, each linked to its 6 nearest neighbours; cells inside two regions are "tumour". A
# single cell's stain feature is noisy; its neighbourhood is more reliable.

# %% slideshow={"slide_type": "fragment"}
g_rng = np.random.default_rng(0)
pos = g_rng.uniform(0, 100, size=(400, 2))                                   # cell centres (µm)
tumour = (np.hypot(*(pos - [40, 55]).T) < 25) | (np.hypot(*(pos - [75, 25]).T) < 15)
node_x = torch.tensor(np.c_[0.8 * tumour + g_rng.normal(0, 1, 400), g_rng.normal(0, 1, 400)], dtype=torch.float32)
node_y = torch.from_numpy(tumour.astype(np.int64))
_, nbr = cKDTree(pos).query(pos, k=7)                                        # itself + 6 nearest neighbours
src, dst = torch.from_numpy(nbr[:, 1:].ravel()), torch.from_numpy(np.repeat(np.arange(400), 6))  # edges src -> dst
labelled = torch.from_numpy(g_rng.random(400) < 0.3)                        # 30 % of the cells have labels


class GraphConv(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.own, self.neighbours = nn.Linear(c_in, c_out), nn.Linear(c_in, c_out, bias=False)

    def forward(self, h):
        messages = h[src]                                                    # one message per edge
        mean_in = torch.zeros_like(h).index_add_(0, dst, messages) / 6       # mean of each node's incoming messages
        return self.own(h) + self.neighbours(mean_in)


# %% slideshow={"slide_type": "fragment"}
def train_nodes(model, steps=200):
    torch.manual_seed(0)
    for layer in model.modules():
        if isinstance(layer, nn.Linear):
            layer.reset_parameters()  # seeded initial weights
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(steps):
        loss = F.cross_entropy(model(node_x)[labelled], node_y[labelled])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        pred = model(node_x).argmax(1)
    return pred, (pred[~labelled] == node_y[~labelled]).float().mean().item()


per_cell, acc_cell = train_nodes(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2)))
gcn_pred, acc_gcn = train_nodes(nn.Sequential(GraphConv(2, 16), nn.ReLU(), GraphConv(16, 2)))
gain, gain_ci = metrics.paired_bootstrap_difference((gcn_pred == node_y)[~labelled], (per_cell == node_y)[~labelled],
                                                   seed=0)
print(f"unlabelled cells correct: per-cell network {acc_cell:.1%}, graph convolution {acc_gcn:.1%}; gain "
      f"{gain:+.1%} (95 % bootstrap CI over cells {gain_ci[0]:+.1%} to {gain_ci[1]:+.1%})")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the synthetic cell graph (grey lines: edges to the 6 nearest neighbours); left, the true tumour cells;
# right, the graph network's prediction for every cell (colour-blind-safe cividis colours, yellow = tumour).

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 2, figsize=(9, 4.4), layout="constrained")
for ax, colour, title in [(axes[0], tumour, "truth"), (axes[1], gcn_pred.numpy(), f"graph conv. ({acc_gcn:.0%})")]:
    ax.add_collection(LineCollection(np.stack([pos[src], pos[dst]], 1), colors="0.8", linewidths=0.4, zorder=0))
    ax.scatter(*pos.T, c=colour, cmap="cividis", s=16, edgecolors="k", linewidths=0.2, vmin=0, vmax=1)
    ax.set(aspect="equal", xlabel="x (µm)", ylabel="y (µm)", title=f"Synthetic cell graph: {title}")

# %% slideshow={"slide_type": "skip"} tags=["check"]
gcn_layer = GraphConv(2, 3)
A = torch.zeros(400, 400).index_put_((dst, src), torch.ones(len(src)), accumulate=True) / 6  # mean-neighbour matrix
torch.testing.assert_close(gcn_layer(node_x), gcn_layer.own(node_x) + gcn_layer.neighbours(A @ node_x))
assert gain_ci[0] > 0.03, f"neighbours should help: per-cell {acc_cell:.2f}, graph {acc_gcn:.2f}, CI {gain_ci}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# The motif detector has kernels of width 6, the motif's length. Retrain `net1d` with `kernel_size=4`, shorter than
# the motif, and put its test accuracy in `dna_acc_k4`. Does it still find the motif?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
# # copy the training cell above with nn.Conv1d(4, 8, kernel_size=4)
dna_acc_k4 = None  # your answer: the test accuracy (0 to 1)
check("06-motif-kernel4")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 06-motif-kernel4
torch.manual_seed(0)
net_k4 = nn.Sequential(nn.Conv1d(4, 8, kernel_size=4), nn.ReLU(), nn.AdaptiveMaxPool1d(1), nn.Flatten(),
                       nn.Linear(8, 2))
opt = torch.optim.Adam(net_k4.parameters(), lr=0.03)
for _epoch in range(20):
    for idx in batches:
        loss = F.cross_entropy(net_k4(onehot[idx]), dna_y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
with torch.no_grad():
    dna_acc_k4 = (net_k4(onehot[900:]).argmax(1) == dna_y[900:]).float().mean().item()
with torch.no_grad():  # per test sequence: right or wrong, for the 6-base and the 4-base detector
    right6, right4 = ((m(onehot[900:]).argmax(1) == dna_y[900:]).numpy() for m in (net1d, net_k4))
k4_loss, k4_ci = metrics.paired_bootstrap_difference(right6, right4, seed=0)
assert k4_ci[0] > 0, (dna_acc_k4, dna_acc, k4_ci)  # 4-base pieces of the motif also occur by chance
print(f"width 6: {dna_acc:.3f}, width 4: {dna_acc_k4:.3f}; difference {k4_loss:+.3f} (95 % CI {k4_ci[0]:+.3f} to "
      f"{k4_ci[1]:+.3f}, over the 300 test sequences)")
dna_acc_k4

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · A larger real dataset (optional): MedMNIST
# The lesion data are simulated. MedMNIST ([Yang et al., *Sci Data* 2023](https://doi.org/10.1038/s41597-022-01721-8))
# offers small real images, e.g. PneumoniaMNIST: 5,856 paediatric chest X-rays at 28 × 28 (4,708 train / 524 val / 624
# test), on which the paper's ResNet-18 reaches a test AUC of 0.944. It is not installed with the course: run
# `helpers.datasets.download_medmnist("pneumoniamnist")` once (a few MB, internet needed). If the file is there, the
# cell below trains the *same* `SmallCNN` with the *same* `train_classifier`; if not, it says so and the notebook keeps
# the built-in lesion dataset above.

# %% slideshow={"slide_type": "fragment"}
try:
    mm = datasets.load_medmnist("pneumoniamnist")
except FileNotFoundError as err:
    mm = None
    print(f"MedMNIST is not downloaded, so this notebook uses the built-in lesion dataset.\n({err})")
if mm is not None:
    mm_split = {s: (mm[f"{s}_images"].astype(np.float32) / 255, mm[f"{s}_labels"].ravel().astype(np.int64))
                for s in ("train", "val", "test")}
    nets.set_seed(0)
    mm_model = nets.SmallCNN(width=8)
    mm_hist = nets.train_classifier(mm_model, *mm_split["train"], val=mm_split["val"], epochs=3, batch_size=32,
                                    lr=1e-2)
    mm_auc = roc_auc_score(mm_split["test"][1], nets.predict_proba(mm_model, mm_split["test"][0]))
    print(f"PneumoniaMNIST test AUC: {mm_auc:.3f} (MedMNIST v2 paper, ResNet-18 at 28×28: 0.944)")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
# - The lecture's network is two matrix products with an activation between them, $Y = f(xW)\,W'$; NumPy and
#   `torch.nn` give the same numbers, and hand-written backpropagation agrees with autograd (§1 The lecture's network).
# - A convolution slides one flipped kernel over the image; SciPy convolves, OpenCV and PyTorch correlate, and the
#   results agree once you flip the kernel yourself (§2 Convolutions capture spatial relations).
# - Padding, stride and pooling set the output size, $\lfloor (n + 2p - k)/s \rfloor + 1$, which torch reproduces
#   exactly (§2 Stride, padding and pooling).
# - Each conv or pooling layer widens the receptive field by $(k - 1)\,j$; the gradient of one unit is non-zero exactly
#   there (§2 Receptive field).
# - A small CNN learns lesion detection from pixels; a train/validation/test split, loss curves, the confusion matrix,
#   the ROC curve and bootstrap CIs tell whether to believe it, and all splits come from one template brain. On
#   spiculated vs lobulated masses the CNN beats designed shape features with 600 labels, and loses its lead with 40
#   (§3 A CNN on medical images).
# - Residual blocks and attention are a few lines on top of convolutions; attention links positions by content,
#   beyond the receptive field (§4 Convolutions in more complex architectures).
# - A small U-Net (encoder, decoder, skip connections) segments lesions from a click as well as 03's half-way
#   threshold, but not better: on lesions that are blurred bright ellipses, that threshold is a matched model (§4 A
#   network that segments).
# - Convolutions need only a notion of neighbour: 1D kernels find DNA motifs, a CNN on a read pileup calls and places
#   variants, graph convolutions pass messages between neighbouring cells (§5 Aside: CNNs for non-image spatial data).
#
# **Next:** `07_augmentation_gans.ipynb`, making scarce training data go further with augmentation and generative
# models.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check your understanding
# 1. Remove the activation *f* from the network of §1. What does $Y = (xW)\,W'$ reduce to, and why could it then
#    never fence in the circle, however many hidden units you give it?
# 2. In the backpropagation code the factor $(1 - h^2)$ appears. Where does it come from, and what happens to the
#    gradient that reaches *W* when most hidden units are saturated ($|h| \approx 1$)?
# 3. A trained CNN would work just as well if PyTorch computed true convolutions instead of correlations. Why?
# 4. A 512 × 512 slice goes through a 3 × 3 convolution with stride 2 and padding 1. What size comes out? Which
#    stride and padding keep it at 512 × 512?
# 5. Why may the test set be looked at only once, at the end? What goes wrong if you choose the number of epochs by
#    the test AUC?
# 6. Multiply every probability the CNN predicts by 0.5. Which changes: the confusion matrix at threshold 0.5, the ROC
#    curve, the AUC?
# 7. How many weights (with biases) does a 3 × 3 convolution from 16 to 32 channels have? How many would a fully
#    connected layer need to map a 16 × 16 × 16 feature map to a 16 × 16 × 32 one? What does the difference say about
#    what a convolution assumes?
# 8. On the spiculated-vs-lobulated task the CNN won with 600 training images but not with 40. Name two changes that
#    should let the CNN do better with 40, and say which you would try first when labels are what is scarce.
# 9. In §5 a kernel of width 4 found the 6-base motif less reliably than a kernel of width 6. Why, given that a
#    4-base piece of the motif is still there in every positive sequence?
# 10. In §4 the query position gives weight to lesions further apart than its receptive field. What makes that
#     possible, and what does it cost for an image with *N* positions?

# %% [markdown] jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# **Answers**
# 1. $x\,(W W')$: one 2 × 2 linear map, so the two outputs differ by a linear function of *x* and the class boundary
#    is a single straight line (through the origin without biases). Stacking linear layers adds no power; the
#    nonlinearity between them is what lets three lines fence in a triangle.
# 2. It is the derivative of tanh, $\tanh' = 1 - \tanh^2$, applied by the chain rule on the way from *Y* back to *W*.
#    When $|h| \approx 1$ the factor is near 0, so almost no gradient reaches *W* and those weights stop learning
#    (vanishing gradients).
# 3. The kernel is learned: a correlation with kernel *k* is a convolution with the flipped kernel, and training finds
#    whichever of the two fits. Only hand-designed, asymmetric kernels (such as Sobel) care about the flip.
# 4. $\lfloor (512 + 2 - 3)/2 \rfloor + 1 = 256$, so 256 × 256. Stride 1 with padding 1 keeps 512 × 512.
# 5. Every choice made by looking at a set fits the model to that set's noise as well. If the test AUC picks the
#    epochs, it is no longer an independent estimate and will be too optimistic; choices belong to the validation set.
# 6. The confusion matrix changes (no prediction can exceed 0.5 any more, so every image is called "no lesion").
#    The ROC curve and the AUC do not change: they depend only on the ranking of the scores, which halving keeps.
# 7. $16 \cdot 32 \cdot 9 + 32 = 4{,}640$. The fully connected layer needs
#    $4096 \cdot 8192 + 8192 \approx 3.4 \times 10^7$, about 7,000 times more. The convolution assumes that what matters
#    is local and that the same pattern means the same thing anywhere in the image; that prior is why it learns from far
#    fewer examples.
# 8. Augmentation (notebook 07: rotations and flips keep a spiculated mass spiculated), starting from a pretrained
#    network (notebook 08), a smaller network, or more labelled images. With scarce labels, augmentation comes first:
#    it costs no new labels and teaches invariances the designed features had built in.
# 9. With one layer and a global maximum, the network asks "does this 4-base pattern occur anywhere?". A given 4-base
#    pattern appears by chance at one of the 57 positions of a random 60-base sequence about 20 % of the time
#    ($57/4^4$), a 6-base one about 1 % of the time ($55/4^6$), so the short detector fires on many negatives.
# 10. Attention weights come from the similarity of feature vectors at every pair of positions, not from their
#     distance, so any position can draw on any other. It needs an *N* × *N* weight matrix: memory and time grow with
#     $N^2$.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
# - [Rumelhart, Hinton & Williams 1986](https://doi.org/10.1038/323533a0): the three-page paper that made
#   backpropagation the way to train hidden units; §1 is its method on the lecture's network.
# - [Dumoulin & Visin 2016](https://arxiv.org/abs/1603.07285): every output-size rule for convolution, pooling and
#   transposed convolution, with a picture for each case.
# - [Araujo, Norris & Sim 2019](https://doi.org/10.23915/distill.00021): receptive field size and position derived
#   layer by layer, also for networks with several paths such as ResNets.
# - [He et al. 2016](https://doi.org/10.1109/CVPR.2016.90): the residual block of §4 and why it lets networks be
#   hundreds of layers deep.
# - [Vaswani et al. 2017](https://arxiv.org/abs/1706.03762): the attention layer of §4 in full, as the building block
#   of transformers.
# - [Yang et al. 2023](https://doi.org/10.1038/s41597-022-01721-8): MedMNIST v2, small real medical datasets with
#   baselines, to try §3's CNN on real labels (§6).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## References
# - Araujo A, Norris W, Sim J. [Computing receptive fields of convolutional neural
#   networks](https://doi.org/10.23915/distill.00021). *Distill* 2019.
# - Dumoulin V, Visin F. [A guide to convolution arithmetic for deep learning](https://arxiv.org/abs/1603.07285).
#   *arXiv* 2016:1603.07285.
# - Fonov VS, Evans AC, McKinstry RC, Almli CR, Collins DL. [Unbiased nonlinear average age-appropriate brain templates
#   from birth to adulthood](https://doi.org/10.1016/S1053-8119(09)70884-5). *NeuroImage* 2009;47(Suppl 1):S102.
# - Fonov V, Evans AC, Botteron K, et al. [Unbiased average age-appropriate atlases for pediatric
#   studies](https://doi.org/10.1016/j.neuroimage.2010.07.033). *NeuroImage* 2011;54(1):313-327.
# - He K, Zhang X, Ren S, Sun J. [Deep residual learning for image recognition](https://doi.org/10.1109/CVPR.2016.90).
#   *CVPR* 2016:770-778.
# - Isensee F, Jaeger PF, Kohl SAA, Petersen J, Maier-Hein KH. [nnU-Net: a self-configuring method for deep
#   learning-based biomedical image segmentation](https://doi.org/10.1038/s41592-020-01008-z). *Nat Methods*
#   2021;18:203-211.
# - Liberman L, Abramson AF, Squires FB, Glassman JR, Morris EA, Dershaw DD. [The breast imaging reporting and data
#   system: positive predictive value of mammographic features and final assessment
#   categories](https://doi.org/10.2214/ajr.171.1.9648759). *AJR Am J Roentgenol* 1998;171(1):35-40.
# - Poplin R, Chang PC, Alexander D, et al. [A universal SNP and small-indel variant caller using deep neural
#   networks](https://doi.org/10.1038/nbt.4235). *Nat Biotechnol* 2018;36(10):983-987.
# - Ronneberger O, Fischer P, Brox T. [U-Net: convolutional networks for biomedical image
#   segmentation](https://doi.org/10.1007/978-3-319-24574-4_28). *MICCAI* 2015, LNCS 9351:234-241.
# - Rumelhart DE, Hinton GE, Williams RJ. [Learning representations by back-propagating
#   errors](https://doi.org/10.1038/323533a0). *Nature* 1986;323:533-536.
# - Vaswani A, Shazeer N, Parmar N, et al. [Attention is all you need](https://arxiv.org/abs/1706.03762). *NeurIPS*
#   2017;30.
# - Yang J, Shi R, Wei D, et al. [MedMNIST v2 - a large-scale lightweight benchmark for 2D and 3D biomedical image
#   classification](https://doi.org/10.1038/s41597-022-01721-8). *Sci Data* 2023;10:41.
#
# Full entries: the course bibliography, [REFERENCES.md](../REFERENCES.md).
