# %% [markdown] slideshow={"slide_type": "slide"}
# # 07 · Making data go further: augmentation and GANs
#
# **Lecture slides:** "Didn't you say training data is hard to get?", "Making your data go further: augmentation",
# "Feels a bit like manual feature engineering, can we automate this?" and "Yes! Generative Adversarial Network" of
# Lecture 3, *Medical Imaging* (Learning overview: "Augmentation and generative models enable better training with
# limited data").
#
# **Learning objectives**
# - make [**augmentations**](../GLOSSARY.md#augmentation), random changes to a training image that keep its label true:
#   transform an image and its segmentation mask together (rotation, scale, shear, translation, flips, intensity, gamma,
#   noise, blur, elastic deformation) with `torchvision.transforms.v2`, and say which transforms keep a label true;
# - explain why a left/right flip can be wrong for medical images;
# - measure whether augmentation helps a small CNN trained on 100 images: several seeds, test [AUC](../GLOSSARY.md#auc)
#   with its spread;
# - use RandAugment and TrivialAugment, and say why picking augmentations by hand feels like feature engineering;
# - train a tiny [**GAN**](../GLOSSARY.md#gan) (generative adversarial network: a generator and a discriminator trained
#   against each other) on the CPU, read its two losses, and recognise [**mode collapse**](../GLOSSARY.md#mode-collapse)
#   (the generator makes one kind of image whatever its input) and [**memorisation**](../GLOSSARY.md#memorisation) (it
#   copies its training images);
# - measure whether GAN-made images help the same small training set.
#
# <!-- badges -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medimg-course/medical-imaging-companion/blob/main/notebooks/07_augmentation_gans.ipynb) [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medimg-course/medical-imaging-companion/main?urlpath=lab/tree/notebooks/07_augmentation_gans.ipynb)
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
import copy

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from torchvision import tv_tensors
from torchvision.transforms import v2

from helpers import augment, datasets, gans, multiseed, nets, viz
from helpers.data import load_sample
from helpers.exercises import check

torch.set_num_threads(1)  # tiny models: a second thread gains little and stalls badly when the CPU is shared

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Only 100 labelled images
# Labels are the expensive part of medical data: each one costs an expert's time, and some findings are rare. So we
# start small on purpose: **100 labelled** axial brain MRI slices of 32 × 32 pixels (6 mm pixels), about half of them
# with a lesion, plus 1000 more images that we only use to *test*. The anatomy is real (the MNI152 T1 template:
# [Fonov et al. 2009](https://doi.org/10.1016/S1053-8119(09)70884-5),
# [2011](https://doi.org/10.1016/j.neuroimage.2010.07.033)); the lesions are **simulated** by `helpers.datasets`, so we
# know their exact masks.
#
# *Figure:* eight of the 100 training images in grey, with each simulated lesion outlined in green.

# %% slideshow={"slide_type": "fragment"}
data = datasets.lesion_slices(1100, size=32, seed=7)  # real MNI152 anatomy, simulated lesions
x_train, y_train, m_train = data.images[:100], data.labels[:100], data.masks[:100]
x_test, y_test = data.images[100:], data.labels[100:]
print(f"training {x_train.shape}, {y_train.sum()} with a lesion; test {x_test.shape}; "
      f"pixel {data.spacing_mm[0]:.0f} mm")
fig = viz.montage(list(x_train[:8]), [f"label {v}" for v in y_train[:8]], ncols=8, size=1.5,
                  windows=[(0.6, 1.2)] * 8, suptitle="Training images (real anatomy, simulated lesions), 32×32")
for ax, mask in zip(fig.axes, m_train[:8]):
    augment.draw_outline(ax, mask, linewidth=0.8)

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert x_train.shape == (100, 32, 32) and x_test.shape == (1000, 32, 32)
assert 35 <= y_train.sum() <= 65, "the small training set should hold both classes in similar numbers"
assert all(m.any() == bool(v) for m, v in zip(m_train, y_train)), "a mask exactly where there is a lesion"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Augmentation: new training images from old ones
# An **augmentation** is a random change to a training image that keeps its label true: a brain slice with a lesion,
# turned by 10°, still has a lesion. **Affine** transforms (rotation, scale, shear, translation, flips) move pixels;
# **pixel** transforms (intensity, gamma, noise, blur) change their values. For segmentation the mask must move
# *with* the image. `torchvision.transforms.v2` does that: wrap the image as `tv_tensors.Image` and the mask as
# `tv_tensors.Mask`, pass both in one call, and the transform draws its random parameters once and applies them to
# each input in the right way (the mask by nearest neighbour, so it stays a mask). A larger 128 × 128 slice shows it
# better:
#
# *Figure:* a simulated lesion on a real brain slice, before and after one random affine transform; the green
# outline is the transformed mask and still sits on the lesion.

# %% slideshow={"slide_type": "fragment"}
demo = datasets.lesion_slices(6, size=128, seed=3)
k = int(np.argmax(demo.area_mm2))  # the slice with the largest lesion
image = tv_tensors.Image(torch.from_numpy(demo.images[k])[None])  # (1, H, W): channels first
mask = tv_tensors.Mask(torch.from_numpy(demo.masks[k])[None])
affine = v2.RandomAffine(degrees=20, translate=(0.1, 0.1), scale=(0.85, 1.15), shear=10)
torch.manual_seed(0)
out_image, out_mask = affine(image, mask)  # one random draw, applied to both
fig = viz.compare([image[0].numpy(), out_image[0].numpy()], ["original", "random affine (image + mask)"],
                  spacing_mm=demo.spacing_mm, window=(0.6, 1.2), suptitle="Brain MRI, simulated lesion")
for ax, m in zip(fig.axes, [mask[0], out_mask[0]]):
    augment.draw_outline(ax, m.numpy(), spacing_mm=demo.spacing_mm)

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert isinstance(out_mask, tv_tensors.Mask) and out_mask.dtype == torch.bool, "a mask stays a boolean mask"
assert not torch.equal(out_mask, mask), "the mask moved"
lesion, brain = out_image[0][out_mask[0]], out_image[0][~out_mask[0] & (out_image[0] > 0.3)]
assert lesion.mean() > brain.mean() + 0.2, "the moved mask still covers the (bright) lesion"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Every transform once
# Here are five affine and five pixel transforms, each with its random range. The pixel transforms leave the mask
# alone. Two of them are our own (`augment.RandomIntensity`, `augment.RandomGamma`), because torchvision's
# brightness and contrast jitter clip values to [0, 1], which is a photo convention; MR intensities have no fixed
# scale. The **elastic** deformation bends the image like soft tissue.
#
# *Figure:* one random draw of each transform on the same slice, with the lesion mask outlined.

# %% slideshow={"slide_type": "fragment"}
transforms = {
    "rotation ±20°": v2.RandomRotation(20),
    "scale 0.8–1.25": v2.RandomAffine(0, scale=(0.8, 1.25)),
    "shear ±15°": v2.RandomAffine(0, shear=15),
    "translation ±10 %": v2.RandomAffine(0, translate=(0.1, 0.1)),
    "left/right flip": v2.RandomHorizontalFlip(p=1.0),
    "intensity ×0.8–1.2 ±0.1": augment.RandomIntensity(scale=(0.8, 1.2), shift=(-0.1, 0.1)),
    "gamma 0.6–1.6": augment.RandomGamma((0.6, 1.6)),
    "noise σ 0.05": v2.GaussianNoise(sigma=0.05, clip=False),
    "blur σ 1–2 px": v2.GaussianBlur(9, sigma=(1.0, 2.0)),
    "elastic": v2.ElasticTransform(alpha=80.0, sigma=6.0),
}
pairs = {name: augment.augment_pair(demo.images[k], demo.masks[k], transform=t, seed=1)
         for name, t in transforms.items()}
fig, axes = plt.subplots(2, 5, figsize=(12, 5.4), layout="constrained")
for ax, (name, (im, m)) in zip(axes.ravel(), pairs.items()):
    viz.render_image(ax, im, spacing_mm=demo.spacing_mm, window=(0.6, 1.2))
    augment.draw_outline(ax, m, spacing_mm=demo.spacing_mm)
    ax.set_title(name, fontsize=10)
fig.suptitle("Affine (top) and pixel (bottom) augmentations of one MRI slice with a simulated lesion");

# %% slideshow={"slide_type": "skip"} tags=["check"]
geometric_names = list(transforms)[:5] + ["elastic"]
pixel_names = [name for name in transforms if name not in geometric_names]
assert all(np.array_equal(pairs[name][1], demo.masks[k]) for name in pixel_names), "pixel transforms keep the mask"
for name in geometric_names:  # one draw can be tiny (a shear of 1° near the centre row), so judge five
    draws = [augment.augment_pair(demo.images[k], demo.masks[k], transform=transforms[name], seed=1 + d)
             for d in range(5)]
    assert any(not np.array_equal(m, demo.masks[k]) for _, m in draws), f"{name} moves the mask"
    assert all(im[m].mean() > im[~m & (im > 0.3)].mean() + 0.2 for im, m in draws), f"{name}: mask left the lesion"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A gallery to explore
# Pick a transform and a seed: the original and five random draws, mask outlined. Which transforms would you trust
# for this task, and how strong may they be before the lesion stops looking like a lesion?
#
# *Figure:* the slice and five random draws of the chosen transform, with the lesion mask outlined.

# %% slideshow={"slide_type": "fragment"}
gallery = augment.AugmentationGallery(demo.images[k], transforms, mask=demo.masks[k], n=5, window=(0.6, 1.2),
                                      title="Brain MRI, simulated lesion")
gallery

# %% slideshow={"slide_type": "skip"} tags=["check"]
for name in ["rotation ±20°", "elastic"]:  # every draw the gallery shows keeps the outline on the lesion
    gallery.transform.value = name
    for im, m in gallery.augmented():
        assert im[m].mean() > im[~m & (im > 0.3)].mean() + 0.2, f"{name}: the outline left the bright lesion"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# The mask only follows the image when both go through **one** call. Apply `affine` in two separate calls, first to
# `image`, then to `mask`, after `torch.manual_seed(seed)`. Compare the mask from the second call with the mask of a
# joint call `affine(image, mask)` (same seed): compute their Dice overlap, 2|A ∩ B| / (|A| + |B|).

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
seed = 1
torch.manual_seed(seed)
separate_image = affine(image)  # first call: one random draw
separate_mask = affine(mask)  # second call: a new random draw!
dice = None  # your answer: Dice overlap (0 to 1) of separate_mask with the mask of a joint call with the same seed
check("07-dice-separate")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 07-dice-separate
torch.manual_seed(seed)
joint_image, joint_mask = affine(image, mask)
torch.manual_seed(seed)
separate_image, separate_mask = affine(image), affine(mask)
a, b = separate_mask[0], joint_mask[0]
dice = float(2 * (a & b).sum() / (a.sum() + b.sum()))
# the images agree (same first draw); the separately moved mask no longer marks the lesion
assert torch.equal(separate_image, joint_image) and dice < 0.8, dice
dice

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Why a left/right flip can be wrong in medicine
# A flipped cat is still a cat, so flips are the first augmentation in most photo pipelines. Bodies are not
# symmetric: the heart lies on the left, the liver on the right. Flip a chest radiograph and the heart appears on
# the patient's right, which is *dextrocardia*, a rare real condition; side markers ("L", "R") turn into mirror
# writing. And whenever a label depends on the side (which lung, which hemisphere, left or right knee), a flip
# makes the label silently wrong. In our task the label is "lesion or not", whatever its side, and the brain is
# nearly symmetric, so here a flip is fair. Decide per task.
#
# *Figure:* a real posteroanterior chest radiograph and its left/right mirror image, where the heart shadow has
# moved to the other side.

# %% slideshow={"slide_type": "fragment"}
chest, chest_meta = load_sample("xray_chest")  # real CR, MONOCHROME1 (viz inverts it for display)
small = chest[::6, ::6]
fig = viz.compare([small, small[:, ::-1]], ["as acquired (heart on the patient's left)", "left/right flipped"],
                  invert=True, suptitle=f"{chest_meta.title}: a flip moves the heart", size=4.0)

# %% slideshow={"slide_type": "skip"} tags=["check"]
# Radiological convention (helpers.data): column 0 = the patient's right. A flip swaps the side of every lesion.
flipped_masks = np.stack([augment.augment_pair(x, m, transform=v2.RandomHorizontalFlip(p=1.0))[1]
                          for x, m in zip(x_train[y_train == 1], m_train[y_train == 1])])
col = np.arange(32) + 0.5
side = lambda masks: np.sign((masks.sum(axis=1) * col).sum(axis=1) / masks.sum(axis=(1, 2)) - 16)  # noqa: E731
off_midline = side(m_train[y_train == 1]) != 0
assert np.all(side(flipped_masks)[off_midline] == -side(m_train[y_train == 1])[off_midline]), \
    "a flip moves every off-midline lesion to the other hemisphere: a laterality label would be wrong"
assert np.all(flipped_masks.any(axis=(1, 2))), "but 'has a lesion' stays true: for detection the flip is fair"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Suppose the task were "is the lesion in the patient's **left** hemisphere?". With `data.centers[:100]` (row and
# column of each lesion centre, NaN for images without one) and the radiological convention (column 0 = the
# patient's right, so the left hemisphere has columns > 15.5), compute the laterality label of each training lesion,
# then the same after a left/right flip (column c becomes 31 − c). What fraction of the labels does the flip change?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
centers = data.centers[:100][y_train == 1]  # (n_lesions, 2): row, column
changed_fraction = None  # your answer: the fraction (0 to 1) of laterality labels the flip changes
check("07-laterality-flip")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 07-laterality-flip
centers = data.centers[:100][y_train == 1]
left_before = centers[:, 1] > 15.5
left_after = (31 - centers[:, 1]) > 15.5
changed_fraction = np.mean(left_before != left_after)
# every laterality label is now wrong: flips are not allowed for this task
changed_fraction

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Does augmentation help? Measured
# The honest test: train the same small CNN (`nets.SmallCNN` from notebook 06) on the same 100 images, with and
# without augmentation, with **five seeds** each (a seed changes the initial weights, the batch order and the
# augmentation draws), and compute the AUC on the 1000 test images. The spread over seeds shows how large a
# difference must be before it means something. Five runs one after the other would take long, so
# `multiseed.train_seeds` trains the five networks side by side as one network with grouped convolutions: each
# still has its own weights, batches and draws, and a test checks that it computes what five separate
# `nets.train_classifier` runs compute.

# %% slideshow={"slide_type": "fragment"}
SEED = 0
seeds = range(SEED, SEED + 5)  # one network per seed


def train_and_test(images, labels, *, seed, augment_fn=None, epochs=45):
    """Train one SmallCNN on (images, labels) with one seed; return it and its AUC on the 1000 test images."""
    nets.set_seed(seed)
    model = nets.SmallCNN(width=8)
    nets.train_classifier(model, images, labels, epochs=epochs, batch_size=32, lr=5e-3, seed=seed,
                          augment=augment_fn, progress=False)
    return model, roc_auc_score(y_test, nets.predict_proba(model, x_test))


def train_and_test_seeds(images, labels, *, augment_fn=None, epochs=45):
    """Train one SmallCNN per seed in `seeds` (side by side); return the models and their AUCs on the test images."""
    models = multiseed.train_seeds(images, labels, seeds=seeds, epochs=epochs, batch_size=32, lr=5e-3,
                                   augment=augment_fn, width=8)
    return models, np.array([roc_auc_score(y_test, p) for p in multiseed.predict_seeds(models, x_test)])


_, auc_plain = train_and_test_seeds(x_train, y_train)
np.round(auc_plain, 3)

# %% [markdown] slideshow={"slide_type": "fragment"}
# Now with augmentation: every batch is a fresh random draw of flips and affine changes of the 100 images. One trap:
# a v2 transform called on a whole batch draws **one** set of parameters for the batch. `augment.per_sample(t)` calls
# `t` once per image; `augment.random_flip_affine` does the same flips, rotations (±20°), shifts (±10 %) and zooms
# (0.85–1.15) as this v2 pipeline, drawn per image, for the whole batch in one resampling call:

# %% slideshow={"slide_type": "fragment"}
geometric = v2.Compose([v2.RandomHorizontalFlip(),
                        v2.RandomAffine(degrees=20, translate=(0.1, 0.1), scale=(0.85, 1.15))])
augmented_models, auc_aug = train_and_test_seeds(x_train, y_train, augment_fn=augment.random_flip_affine)
np.round(auc_aug, 3)

# %% [markdown] slideshow={"slide_type": "subslide"}
# *Figure:* test AUC of every training run (blue dots) and the mean ± standard deviation over seeds (orange), without
# and with flips + affine augmentation, for 100 training images.

# %% slideshow={"slide_type": "fragment"}
results = {"no augmentation": auc_plain, "flips + affine": auc_aug}
gain, gain_low, gain_high = multiseed.paired_difference(auc_aug, auc_plain)  # same seed = same initial weights
augment.plot_seed_results(results, ylabel="test AUC (1000 images)",
                          title=f"100 training images (simulated lesions), {len(seeds)} seeds: "
                                f"gain {gain:+.3f} (95 % CI {gain_low:+.3f} to {gain_high:+.3f})");

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert gain_low > 0.05, f"augmentation helps: the 95 % CI of the paired gain ({gain_low:.3f}, {gain_high:.3f}) " \
    "lies above 0.05 AUC"

# %% [markdown] slideshow={"slide_type": "fragment"}
# On this task, flips and small affine changes help a lot, by far more than the seeds vary. Why? A common answer is
# position: with 100 images, about 50 lesions show the network only a few places where a lesion can be; moved copies
# teach it that a lesion can be anywhere. Is that true here? Train on lesions in **one** hemisphere only and test on
# the other.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A lesion can be anywhere: train on one side, test on the other
# We draw new images (same simulator, another seed) and keep 50 without a lesion and 50 whose lesion lies in the
# patient's right hemisphere (image columns < 15.5). The test images are split into two sets, both with all 500 or so
# lesion-free images: lesions on the side seen in training, and lesions on the other side. Five seeds without
# augmentation, five with a random left/right flip only (which puts half of the lesions on the other side).
#
# *Figure:* test AUC on lesions of the trained side and of the other side, per seed, without and with flips.

# %% slideshow={"slide_type": "fragment"}
side = datasets.lesion_slices(300, size=32, seed=5)
right = (side.labels == 1) & (side.centers[:, 1] < 15.5)  # column 0 = the patient's right
keep = np.concatenate([np.flatnonzero(right)[:50], np.flatnonzero(side.labels == 0)[:50]])
x_side, y_side = side.images[keep], side.labels[keep]
test_col = data.centers[100:, 1]
test_sets = {"trained side": (y_test == 0) | (test_col < 15.5), "other side": (y_test == 0) | (test_col > 15.5)}


def side_aucs(augment_fn):
    """Train one network per seed on the one-sided images; their test AUC on each side's lesions."""
    models = multiseed.train_seeds(x_side, y_side, seeds=seeds, epochs=45, lr=5e-3, augment=augment_fn, width=8)
    probs = multiseed.predict_seeds(models, x_test)
    return {where: np.array([roc_auc_score(y_test[sel], p[sel]) for p in probs]) for where, sel in test_sets.items()}


def flip_only(batch):
    """Random left/right flips only: no rotation, shift or zoom."""
    return augment.random_flip_affine(batch, degrees=0, translate=0, scale=(1, 1))


side_plain = side_aucs(None)
{where: np.round(auc, 3) for where, auc in side_plain.items()}

# %% slideshow={"slide_type": "fragment"}
side_flip = side_aucs(flip_only)
side_auc = {f"{name}\n{where}": auc for name, aucs in [("no augmentation", side_plain), ("flips", side_flip)]
            for where, auc in aucs.items()}
augment.plot_seed_results(side_auc, ylabel="test AUC",
                          title="Trained on right-hemisphere lesions only (simulated): tested on each side");

# %% slideshow={"slide_type": "skip"} tags=["check"]
plain_side = side_plain["trained side"], side_plain["other side"]
flip_side = side_flip["trained side"], side_flip["other side"]
gap_plain, gap_flip = multiseed.paired_difference(*plain_side), multiseed.paired_difference(*flip_side)
flip_gain = multiseed.paired_difference(flip_side[1], plain_side[1])
print(f"trained side minus other side: {gap_plain[0]:+.3f} without, {gap_flip[0]:+.3f} with flips; "
      f"flips raise the other side by {flip_gain[0]:+.3f} (95 % CI {flip_gain[1]:+.3f} to {flip_gain[2]:+.3f})")
assert flip_gain[1] > 0.02, "flips raise the AUC on the unseen side (CI above 0.02)"
assert gap_flip[0] < gap_plain[0] - 0.02, "more than on the trained side: the gap between the sides shrinks"

# %% [markdown] slideshow={"slide_type": "fragment"}
# Without augmentation the network usually finds lesions on the side it never saw somewhat less well, by how much
# depends on the draw: a CNN's convolutions are the same everywhere, so it can learn position only from the context
# (which anatomy surrounds a lesion). Flips raise the AUC on the unseen side clearly, and more than on the trained
# side, where they help too: more varied copies work like more data. Both effects add up to the gain above.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Is the gain consistent seed by seed? Compute the gain of each seed (`auc_aug[i] - auc_plain[i]`: the same seed
# gives both runs the same initial weights), its mean and standard deviation, and the smallest per-seed gain.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
per_seed_gain = None  # your answer: an array of 5 gains in AUC, one per seed
check("07-per-seed-gain")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 07-per-seed-gain
per_seed_gain = np.array(auc_aug) - np.array(auc_plain)
print(f"gain {per_seed_gain.mean():.3f} ± {per_seed_gain.std():.3f}, smallest {per_seed_gain.min():.3f}")
assert per_seed_gain.min() > 0, "augmentation helped with every seed"
per_seed_gain

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Automated augmentation: RandAugment and TrivialAugment
# Above, *we* chose the transforms and their ranges, from what we know about the task (lesions can be anywhere; 20° is
# plausible; the side does not matter). That is prior knowledge coded by hand, like hand-designed features in classical
# computer vision (notebook 05), and it has to be redone for every new task: it *feels like manual feature engineering*.
# Automated augmentation tries to take the choice away. AutoAugment
# ([Cubuk et al., CVPR 2019](https://doi.org/10.1109/CVPR.2019.00020)) *searched* for a policy with reinforcement
# learning, at great cost. RandAugment
# ([Cubuk et al., CVPR Workshops 2020](https://doi.org/10.1109/CVPRW50498.2020.00359)) keeps two numbers: how many
# operations per image (N) and one shared strength (M). TrivialAugment
# ([Müller & Hutter, ICCV 2021](https://doi.org/10.1109/ICCV48922.2021.00081)) applies one random operation at a random
# strength, with nothing to tune. Both come with torchvision. Their operations were chosen for photos (colour, solarize,
# posterize, equalize), so look at what they do to an MR slice:
#
# *Figure:* six random draws each of RandAugment (N = 2, M = 9) and TrivialAugment on the MRI slice.

# %% slideshow={"slide_type": "fragment"}
auto = {"RandAugment": v2.RandAugment(num_ops=2, magnitude=9), "TrivialAugment": v2.TrivialAugmentWide()}
fig, axes = plt.subplots(2, 7, figsize=(13, 4.2), layout="constrained")
for row, (name, t) in zip(axes, auto.items()):
    images = [demo.images[k]] + [augment.augment_pair(demo.images[k], transform=t, seed=s)[0] for s in range(6)]
    for ax, im, title in zip(row, images, ["original"] + [f"{name} {s + 1}" for s in range(6)]):
        viz.render_image(ax, im, window=(0.6, 1.2))
        ax.set(title=title, xticks=[], yticks=[], xlabel="", ylabel="")
fig.suptitle("Automated augmentation of a brain MRI slice (simulated lesion)");

# %% [markdown] slideshow={"slide_type": "fragment"}
# Two warnings. Some operations make no sense for quantitative images (solarize inverts the brightest pixels: a
# bright lesion can turn dark). And these transforms refuse masks, so they cannot be used for segmentation as is:

# %% slideshow={"slide_type": "fragment"}
try:
    v2.TrivialAugmentWide()(image, mask)
    refused = False
except TypeError as err:
    refused = True
    print("TypeError:", err)

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert refused, "torchvision's automatic augmentations only transform images, not masks"
assert all(augment.augment_pair(demo.images[k], transform=t, seed=0)[0].shape == (128, 128) for t in auto.values())

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Does TrivialAugment help our small training set? Train one model with
# `augment_fn=augment.per_sample(v2.TrivialAugmentWide())` and the first seed, `seed=seeds[0]` (about a second), and
# compare its AUC with `auc_plain[0]` and `auc_aug[0]`. (One seed is a hint, not a result: the figure above shows how much seeds vary.)

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
auc_trivial = None  # your answer: the test AUC, train_and_test(...)[1]
check("07-trivial-augment")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 07-trivial-augment
_, auc_trivial = train_and_test(x_train, y_train, seed=seeds[0],
                                augment_fn=augment.per_sample(v2.TrivialAugmentWide()))
print(f"plain {auc_plain[0]:.3f}, TrivialAugment {auc_trivial:.3f}, flips + affine {auc_aug[0]:.3f}")
auc_trivial

# %% [markdown] slideshow={"slide_type": "fragment"}
# The result, with five seeds:
#
# *Figure:* test AUC per seed and mean ± SD without augmentation, with flips + affine, and with TrivialAugment.

# %% slideshow={"slide_type": "fragment"}
_, auc_trivial_seeds = train_and_test_seeds(x_train, y_train, augment_fn=augment.per_sample(v2.TrivialAugmentWide()))
results["TrivialAugment"] = auc_trivial_seeds
by_hand = multiseed.paired_difference(auc_aug, auc_trivial_seeds)
augment.plot_seed_results(results, ylabel="test AUC (1000 images)",
                          title=f"Hand-picked vs automated augmentation, {len(seeds)} seeds");

# %% slideshow={"slide_type": "skip"} tags=["check"]
print(f"flips + affine minus TrivialAugment: {by_hand[0]:+.3f} (95 % CI {by_hand[1]:+.3f} to {by_hand[2]:+.3f})")
assert by_hand[1] > 0.03, "the hand-picked transforms beat TrivialAugment here (CI above 0.03 AUC)"
trivial_vs_none = multiseed.paired_difference(auc_trivial_seeds, auc_plain)[0]
assert abs(trivial_vs_none) < 0.1, f"TrivialAugment about as good as no augmentation ({trivial_vs_none:+.3f})"

# %% [markdown] slideshow={"slide_type": "fragment"}
# Here the photo-made policy did clearly worse than the two transforms we picked for the task, and about as well as
# no augmentation: most of its operations (colour, contrast, solarize, posterize) change what a lesion looks like
# rather than where it is. Knowing the task still pays.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Can a network learn to make new images? A GAN
# The lecture's answer to "can we automate this?" is a **generative adversarial network**
# ([Goodfellow et al., NeurIPS 2014](https://arxiv.org/abs/1406.2661)). A *generator* G turns random numbers z into an
# image; a *discriminator* D looks at an image and says "real" or "generated". D is trained to tell them apart and G to
# fool D: two networks in a game. Ours is *conditional* ([Mirza & Osindero, 2014](https://arxiv.org/abs/1411.1784)):
# both also get the label, so we can ask for "lesion" or "no lesion". The whole game is in two losses (binary
# cross-entropy on D's logits):

# %% slideshow={"slide_type": "fragment"}
bce = torch.nn.functional.binary_cross_entropy_with_logits


def d_loss(real_logits, fake_logits):  # D: real images -> 1, generated images -> 0
    return bce(real_logits, torch.ones_like(real_logits)) + bce(fake_logits, torch.zeros_like(fake_logits))


def g_loss(fake_logits):  # G: wants D to answer "real" for its images
    return bce(fake_logits, torch.ones_like(fake_logits))


undecided = torch.zeros(8)  # logit 0 = probability 0.5: D cannot tell real from generated
print(f"D undecided: d_loss = {d_loss(undecided, undecided):.3f} nats (2 ln 2), "
      f"g_loss = {g_loss(undecided):.3f} nats (ln 2)")

# %% slideshow={"slide_type": "skip"} tags=["check"]
logits_real, logits_fake = torch.randn(16), torch.randn(16)
assert torch.allclose(d_loss(logits_real, logits_fake), gans.discriminator_loss(logits_real, logits_fake))
assert torch.allclose(g_loss(logits_fake), gans.generator_loss(logits_fake)), "helpers.gans uses the same losses"
assert abs(float(d_loss(undecided, undecided)) - 2 * np.log(2)) < 1e-6, "2 ln 2 when D answers 0.5"
assert abs(float(g_loss(undecided)) - np.log(2)) < 1e-6, "ln 2 when D answers 0.5"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The networks follow DCGAN ([Radford et al., ICLR 2016](https://arxiv.org/abs/1511.06434)): G upsamples a 32-number z
# (plus the label) with transposed convolutions, 4 → 8 → 16 → 32 pixels; D mirrors it with strided convolutions. Both
# are tiny, so they train on a CPU. G learns from the **same 100 training images** (scaled to [0, 1]): it cannot know
# more than they show.

# %% slideshow={"slide_type": "fragment"}
nets.set_seed(0)
G = gans.Generator(nz=32, width=16, n_classes=2)
D = gans.Discriminator(width=16, n_classes=2)
GAN_SCALE = float(x_train.max())  # the GAN works on [0, 1]; multiply its images by this to get data units
x_gan = x_train / GAN_SCALE
sample_labels = np.tile([0, 1], 8)


def show_samples(generator, title):
    """16 samples from fixed noise (seed 0), alternating the labels 'no lesion' / 'lesion'."""
    samples = gans.sample(generator, 16, labels=sample_labels, seed=0)
    return viz.montage(list(samples), ["lesion" if v else "no lesion" for v in sample_labels], ncols=8, size=1.3,
                       windows=[(0.5, 1.0)] * 16, suptitle=title)


print(G.net[:3], f"\nG: {nets.count_parameters(G):,} parameters; D: {nets.count_parameters(D):,}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### One round of the game
# Every training step plays one round: D learns to tell a real batch from a generated one, then G learns to fool the
# updated D. Two details make it work. `fake.detach()` cuts the generated images off from G while D learns, so D's
# update does not reach G. G's loss then flows *through* D back into G, but only G's optimiser takes a step.

# %% slideshow={"slide_type": "fragment"}
def gan_step(G, D, opt_g, opt_d, real, labels, z):
    """One round on a real batch (N, 1, 32, 32) in [-1, 1] with labels (N,) and noise (N, nz); the two losses."""
    fake = G(z, labels)  # generated images get the real batch's labels
    real_logits = D(real, labels)
    loss_d = d_loss(real_logits, D(fake.detach(), labels))  # detach: D's update must not reach G
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    loss_g = g_loss(D(fake, labels))  # back-propagates through D into G ...
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()  # ... but only G's weights move
    return float(loss_d), float(loss_g)


# %% slideshow={"slide_type": "skip"} tags=["check"]
# gans.train_gan (used below, for its resumable state) runs gans.adversarial_step: the same round, same numbers
twins = [copy.deepcopy(net).train() for net in (G, D, G, D)]
adam = [torch.optim.Adam(net.parameters(), lr=2e-4, betas=(0.5, 0.999)) for net in twins]  # as train_gan
real = torch.from_numpy(x_gan[:16] * 2 - 1).float()[:, None]
z = torch.randn(16, 32, generator=torch.Generator().manual_seed(0))
ours = gan_step(*twins[:2], *adam[:2], real, torch.from_numpy(y_train[:16]), z)
helper = gans.adversarial_step(*twins[2:], *adam[2:], real, torch.from_numpy(y_train[:16]), z)
assert np.allclose(ours, (helper["d_loss"], helper["g_loss"]), atol=1e-6), (ours, helper)
for mine, theirs, before in [(twins[0], twins[2], G), (twins[1], twins[3], D)]:
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(mine.parameters(), theirs.parameters())), "same step"
    assert not all(torch.equal(a, b) for a, b in zip(mine.parameters(), before.parameters())), "both networks moved"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Training, a few seconds at a time
# `gans.train_gan` runs the game for some steps and returns a `state`; passing the state back continues where it
# stopped. Between the cells we look at the same 16 noise vectors turning into images.
#
# *Figure:* 16 synthetic images from the generator after 150 training steps (fixed noise, alternating labels).

# %% slideshow={"slide_type": "fragment"}
state = gans.train_gan(G, D, x_gan, labels=y_train, steps=150, batch_size=16, seed=0)
show_samples(G, f"GAN samples after {state['step']} steps (synthetic)");

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the same 16 noise vectors after 300 steps (synthetic images).

# %% slideshow={"slide_type": "fragment"}
state = gans.train_gan(G, D, x_gan, labels=y_train, steps=150, state=state)
show_samples(G, f"GAN samples after {state['step']} steps (synthetic)");

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the same 16 noise vectors after 450 steps (synthetic images).

# %% slideshow={"slide_type": "fragment"}
state = gans.train_gan(G, D, x_gan, labels=y_train, steps=150, state=state)
show_samples(G, f"GAN samples after {state['step']} steps (synthetic)");

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* after 600 steps (synthetic images), next to eight real training images for comparison.

# %% slideshow={"slide_type": "fragment"}
state = gans.train_gan(G, D, x_gan, labels=y_train, steps=150, state=state)
show_samples(G, f"GAN samples after {state['step']} steps (synthetic)")
viz.montage(list(x_gan[:8]), [f"real, label {v}" for v in y_train[:8]], ncols=8, size=1.3, windows=[(0.5, 1.0)] * 8,
            suptitle="Real training images, for comparison");

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Reading the losses
# Unlike a classifier's loss, a GAN's losses do not fall to zero: each network's progress raises the other's loss.
# Here D wins easily at first (its loss low, G's high, about 3 nats or more); after a few hundred steps the two settle.
# What you want is a game that stays balanced: D's loss well above 0 (D has not simply won) and G's loss not
# exploding. The dotted lines are the values when D cannot tell real from generated at all. The losses say little
# about image quality: look at the samples.
#
# *Figure:* discriminator and generator loss per training step (moving average over 25 steps).

# %% slideshow={"slide_type": "fragment"}
gans.plot_losses(state, title=f"Conditional DCGAN on 100 MRI slices: losses over {state['step']} steps");

# %% slideshow={"slide_type": "skip"} tags=["check"]
early, late = slice(0, 100), slice(-100, None)
d_curve, g_curve = np.asarray(state["d_loss"]), np.asarray(state["g_loss"])
print(f"D loss {d_curve[early].mean():.2f} -> {d_curve[late].mean():.2f} nats, "
      f"G loss {g_curve[early].mean():.2f} -> {g_curve[late].mean():.2f} nats (first vs last 100 steps)")
assert d_curve[early].mean() < d_curve[late].mean() - 0.3, "D wins easily at first, then its loss rises"
assert g_curve[early].mean() > g_curve[late].mean() + 0.8, "G's loss starts high and falls as the two settle"
assert np.mean(state["d_fake"][late]) > 0.1, "D still believes some generated images: it has not simply won"
samples_now = gans.sample(G, 64, labels=np.tile([0, 1], 32), seed=1)
assert gans.diversity(samples_now) > 0.6 * gans.diversity(x_gan[:64]), "samples vary about as much as real images"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# What are the two losses when D is completely fooled, answering "real" with probability 0.99 for real *and*
# generated images? Use `d_loss` and `g_loss` with logits `torch.logit(torch.full((8,), 0.99))`. Which network is
# then in trouble?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
fooled_d_loss, fooled_g_loss = None, None  # your answer: the two losses (nats)
check("07-fooled-losses")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 07-fooled-losses
logits = torch.logit(torch.full((8,), 0.99))
fooled_d_loss, fooled_g_loss = float(d_loss(logits, logits)), float(g_loss(logits))
# D pays -ln(0.99) - ln(0.01) ≈ 4.62 nats; G's loss -ln(0.99) ≈ 0.01 is near zero: D must improve
assert abs(fooled_d_loss - (-np.log(0.99) - np.log(0.01))) < 1e-4 and fooled_g_loss < 0.02
fooled_d_loss, fooled_g_loss

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Failure modes: mode collapse and memorisation
# **Mode collapse**: G finds one kind of image that D accepts and makes only that, whatever z is. It happens when G
# gets ahead of D. We force it: copy both networks, freeze D, and let G chase D's single favourite for 100 steps.
#
# *Figure:* 16 samples from the generator trained against a frozen discriminator: nearly all the same image.

# %% slideshow={"slide_type": "fragment"}
G_collapsed, D_frozen = copy.deepcopy(G), copy.deepcopy(D)
gans.train_gan(G_collapsed, D_frozen, x_gan, labels=y_train, steps=100, batch_size=16, lr=3e-2, seed=0,
               train_discriminator=False)
diversity = {"real images": gans.diversity(x_gan[:64]), "GAN": gans.diversity(samples_now),
             "collapsed GAN": gans.diversity(gans.sample(G_collapsed, 64, labels=np.tile([0, 1], 32), seed=1))}
print({name: round(value, 3) for name, value in diversity.items()}, "(mean RMS difference between images)")
show_samples(G_collapsed, "Mode collapse: G trained against a frozen D (synthetic)");

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert diversity["collapsed GAN"] < 0.6 * diversity["GAN"], "collapse: the samples have lost their variety"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Memorisation
# A GAN can also copy its training images: the samples look perfect because they *are* training images (a privacy
# problem for patient data, and no new information). The test: for each sample, find the **nearest training
# image**, and compare that distance with the distance from genuinely new images (test images) to their nearest
# training image. Copies are much closer than new images can be.
#
# *Figure:* left, eight samples (top) above their nearest training images (bottom); right, histograms of the
# nearest-training-image distance for 200 samples and 200 new real images.

# %% slideshow={"slide_type": "fragment"}
samples = gans.sample(G, 200, labels=np.tile([0, 1], 100), seed=1)
nearest, d_samples = gans.nearest_neighbours(samples, x_gan)
_, d_new = gans.nearest_neighbours(x_test[:200] / GAN_SCALE, x_gan)
fig = plt.figure(figsize=(12, 3.4), layout="constrained")
left, right = fig.subfigures(1, 2, width_ratios=[2, 1])
grid = left.subplots(2, 8)
for i in range(8):
    for ax, im, title in [(grid[0, i], samples[i], f"sample {i}"), (grid[1, i], x_gan[nearest[i]], "nearest")]:
        viz.render_image(ax, im, window=(0.5, 1.0))
        ax.set(title=title, xticks=[], yticks=[], xlabel="", ylabel="")
ax = right.subplots()
ax.hist([d_samples, d_new], bins=20, label=["GAN samples", "new real images"], color=["#D55E00", "#0072B2"])
ax.set(xlabel="RMS distance to nearest training image", ylabel="images", title="Is the GAN copying?")
ax.legend(fontsize=8)
left.suptitle("GAN samples (synthetic) and their nearest training images");

# %% slideshow={"slide_type": "skip"} tags=["check"]
copies = np.mean(d_samples < d_new.min())
grain = np.median(d_samples)  # how far a typical sample lies from its nearest training image (RMS)
rng = np.random.default_rng(0)
grainy_copies = x_gan[rng.integers(100, size=200)] + rng.normal(0, grain, (200, 32, 32))
caught = np.mean(gans.nearest_neighbours(grainy_copies, x_gan)[1] < d_new.min())
print(f"median distance: samples {np.median(d_samples):.3f}, new images {np.median(d_new):.3f}; "
      f"{copies:.0%} of samples and {caught:.0%} of copies with the same grain closer than any new image")
assert copies < 0.05, "no sample is closer to a training image than new images are"
assert caught < 0.05, "but copies with noise as strong as the samples' grain pass the test too"

# %% [markdown] slideshow={"slide_type": "fragment"}
# Our GAN passes: no sample is closer to a training image than new real images are. But that proves little here.
# The samples are still grainy, and the grain alone puts them far from every training image: copies of training
# images with noise as strong as that grain pass the test as well (checked above). The test clears a generator only
# once its samples are about as clean as real images, which longer training on few images brings, together with the
# risk of copying. Run it whenever synthetic images are meant to leave the hospital or to stand in for real patients.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Check that the test would catch a copier. Build a fake "generator" output: 200 training images (`x_gan`, picked
# with `np.random.default_rng(0).integers(100, size=200)`) plus a little Gaussian noise (standard deviation 0.01),
# and compute the fraction of them that are closer to a training image than any new image is.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
copier_fraction = None  # your answer: a fraction of the 200 fakes (0 to 1)
check("07-copier-test")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 07-copier-test
rng = np.random.default_rng(0)
fake = x_gan[rng.integers(100, size=200)] + rng.normal(0, 0.01, (200, 32, 32))
copier_fraction = np.mean(gans.nearest_neighbours(fake, x_gan)[1] < d_new.min())
assert copier_fraction > 0.9, copier_fraction  # the nearest-neighbour test flags the copies
copier_fraction

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Do GAN images help the classifier? Measured
# Now the real question: add 400 synthetic images (200 per label) to the 100 real ones and train the same CNN with
# the same five seeds. To compare fairly, the number of gradient steps stays about the same (500 images × 11
# epochs ≈ 100 images × 45 epochs).

# %% slideshow={"slide_type": "fragment"}
syn_labels = np.repeat([0, 1], 200)
synthetic = gans.sample(G, 400, labels=syn_labels, seed=2) * GAN_SCALE  # back to data units
x_mix, y_mix = np.concatenate([x_train, synthetic]), np.concatenate([y_train, syn_labels])
_, auc_gan = train_and_test_seeds(x_mix, y_mix, epochs=11)
np.round(auc_gan, 3)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Why? A good judge is the augmented classifier from above (test AUC ≈ 0.9): if G had learnt to draw lesions when
# asked, the judge would tell G's "lesion" images from its "no lesion" images.
#
# *Figure:* test AUC of every run and mean ± SD over seeds: no augmentation, flips + affine, TrivialAugment, and real
# + GAN images.

# %% slideshow={"slide_type": "fragment"}
judge_auc = roc_auc_score(syn_labels, nets.predict_proba(augmented_models[0], synthetic))
print(f"the judge tells G's 'lesion' from 'no lesion' images with AUC {judge_auc:.2f} (0.5 = not at all)")
results["real + 400 GAN images"] = auc_gan
augment.plot_seed_results(results, ylabel="test AUC (1000 images)",
                          title="100 real training images: augmentation vs GAN images");

# %% slideshow={"slide_type": "skip"} tags=["check"]
gan_effect = multiseed.paired_difference(auc_gan, auc_plain)
print(f"real + GAN minus real only: {gan_effect[0]:+.3f} (95 % CI {gan_effect[1]:+.3f} to {gan_effect[2]:+.3f})")
assert gan_effect[2] < -0.02, "honest result: here GAN images made the classifier worse (CI below -0.02)"
assert judge_auc < 0.7, "the GAN did not learn to draw lesions on request"

# %% [markdown] slideshow={"slide_type": "fragment"}
# Honest result: **here the GAN images hurt**. In 600 steps on 100 images, G learnt what dominates the pictures (head
# shape, brightness, texture) but not the small lesions that decide the label: its "lesion" images look like its "no
# lesion" images, so 400 images with wrong-in-practice labels drown the 100 real ones. A GAN cannot add information its
# training set lacks, and the rare, small finding is exactly what it learns last. Where GAN images did help, the setting
# differed: Frid-Adar et al. ([*Neurocomputing* 2018;321:321–331](https://doi.org/10.1016/j.neucom.2018.09.013)) trained
# one DCGAN per class on 182 liver-lesion regions cropped around each lesion, on top of classic augmentation, and raised
# sensitivity from 78.6 % to 85.7 % and specificity from 88.4 % to 92.4 %. Their images were centred on the finding;
# ours are whole slices where the finding covers a few pixels. Either way: measure, as here.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Train one model (`seed=seeds[0]`, `epochs=11`) on the 400 synthetic images **only**, and compute its AUC on the real test
# images. What does it tell you about what the synthetic labels carry?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
auc_synthetic_only = None  # your answer: the test AUC, train_and_test(synthetic, syn_labels, ...)[1]
check("07-synthetic-only")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 07-synthetic-only
_, auc_synthetic_only = train_and_test(synthetic, syn_labels, seed=seeds[0], epochs=11)
# close to chance: the synthetic images carry (almost) no information about lesions
assert auc_synthetic_only < 0.65, auc_synthetic_only
auc_synthetic_only

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
# - An augmentation is a random change that keeps the label true; geometric transforms must move the mask with the
#   image, which one `torchvision.transforms.v2` call on a `tv_tensors.Image` and a `tv_tensors.Mask` does
#   (§ Augmentation: new training images from old ones).
# - A left/right flip is not free in medicine: anatomy is asymmetric, and it turns every laterality label wrong
#   (§ Why a left/right flip can be wrong in medicine).
# - On 100 images, flips + affine raised the test AUC, with a 95 % confidence interval over five seeds well above 0
#   (§ Does augmentation help? Measured). Trained on lesions in one hemisphere only, the network found lesions in the
#   other one better with flips, more so than on the trained side (§ A lesion can be anywhere).
# - RandAugment and TrivialAugment automate the choice with operations made for photos; they refuse masks, and here
#   the hand-picked transforms did better over five seeds (§ Automated augmentation).
# - A GAN is two networks in a game; its losses show whether the game is balanced, not how good the images are
#   (§ Can a network learn to make new images? A GAN).
# - Mode collapse shows as lost variety, memorisation as samples closer to training images than new images are; the
#   test cannot clear grainy samples (§ Failure modes: mode collapse and memorisation).
# - GAN images made from the same 100 images did not help the classifier: its "lesion" images carried no lesion, so
#   measure before trusting synthetic data (§ Do GAN images help the classifier? Measured).
#
# **Next:** open **08_transfer_clip.ipynb**: borrow features learnt on other, larger image sets.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check your understanding
# 1. Which of the ten transforms of "Every transform once" must also move the segmentation mask, and which must leave
#    it alone? What would go wrong if a blur were applied to the mask too?
# 2. The image is resampled with bilinear interpolation, the mask with nearest neighbour. Why not bilinear for both?
# 3. A classifier answers "is the heart enlarged?" on chest radiographs. Is a left/right flip a fair augmentation?
#    And for "is there a pneumothorax in the left lung?"
# 4. Augmentation gained 0.10 in AUC with a seed range of 0.03. Would a gain of 0.02 with a range of 0.05 convince
#    you? What would you do to decide?
# 5. Why should augmentation help more with 100 training images than with 100,000?
# 6. What goes wrong if you call a v2 transform once on a whole batch instead of once per image?
# 7. RandAugment has only two numbers to tune. Why does choosing augmentations still feel like feature engineering,
#    and why is *solarize* a poor choice for bright lesions?
# 8. What are the two GAN losses when D answers 0.5 for every image, and what does a D loss that stays near 0 for a
#    long time tell you?
# 9. How can you detect mode collapse without looking at the images?
# 10. The memorisation test compares each sample's distance to its nearest training image with the same distance for
#     new real images. Why that comparison rather than a fixed threshold on the distance?
# 11. Here GAN images made the classifier worse. Give two reasons, and one difference in Frid-Adar et al.'s setting
#     that let GAN images help there.

# %% [markdown] jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# **Answers**
# 1. Rotation, scale, shear, translation, flip and elastic deformation move pixels, so the mask must move with them.
#    Intensity, gamma, noise and blur change pixel values only, and the mask must stay as it is: a blurred mask would
#    hold values between 0 and 1 and a lesion boundary that no longer matches the image.
# 2. Bilinear interpolation mixes neighbouring values: for a mask that creates fractions ("0.4 lesion") and, with
#    several classes, labels that do not exist (between 1 and 3 lies 2). Nearest neighbour keeps every pixel a valid
#    label.
# 3. For heart size the label stays true, but every flipped image shows dextrocardia and mirror-written side markers,
#    so the network trains on images it will never meet; it is tolerable at best. For a left-lung pneumothorax the
#    flip makes every positive label wrong: never flip there.
# 4. No: a gain smaller than the spread over seeds cannot be told from luck. Run more seeds (or cross-validation
#    folds), compare the runs in pairs with the same seed, and report the mean gain with a confidence interval.
# 5. With 100 images the network sees about 50 lesions, in few places, shapes and surroundings; moved and mirrored
#    copies show it new ones (trained on one hemisphere, flips helped most on the other) and work like more data.
#    100,000 images already show that variety, so augmentation adds little.
# 6. The transform draws its random parameters once, so every image in the batch is rotated or shifted the same way:
#    far less variety, and the images of one batch move together. `augment.per_sample` draws once per image.
# 7. The list of operations and their ranges was chosen for photos, by people, and encodes what is allowed to change
#    without changing the label; for a new task someone must check that again. Solarize inverts pixels above a
#    threshold, so a bright lesion can turn dark, changing the very feature that defines the label.
# 8. $d = 2\ln 2 \approx 1.39$ nats and $g = \ln 2 \approx 0.69$ nats. A D loss stuck near 0 means D rejects every
#    generated image easily: G is losing the game and its images are still easy to tell from real ones.
# 9. Measure the variety of the samples, e.g. the mean distance between pairs of samples (`gans.diversity`), and
#    compare it with the same measure on real images; a collapsed generator scores far lower.
# 10. What counts as "close" depends on the data: image size, intensity range, how alike the patients are. New real
#     images from the same source give the distance that an honest new image has; copies sit clearly below it.
# 11. The generator did not learn the small lesions that decide the label, so its "lesion" images carried no lesion;
#     and 400 such images outnumbered the 100 real ones. Frid-Adar et al. cropped regions centred on each lesion, so
#     the finding filled the image, trained one GAN per class and added the synthetic images on top of classic
#     augmentation.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
# - [Shorten & Khoshgoftaar 2019](https://doi.org/10.1186/s40537-019-0197-0): a survey of image augmentation, from
#   flips and colour changes to GAN-made images, with what each assumes.
# - [Chlap et al. 2021](https://doi.org/10.1111/1754-9485.13261): which augmentations CT and MRI deep-learning papers
#   actually use, and how they are checked.
# - [Müller & Hutter 2021](https://doi.org/10.1109/ICCV48922.2021.00081): TrivialAugment, and the evidence that one
#   random operation per image does as well as searched policies on photos.
# - [Goodfellow et al. 2014](https://arxiv.org/abs/1406.2661): the GAN game and its two losses, in the original.
# - [Yi, Walia & Babyn 2019](https://doi.org/10.1016/j.media.2019.101552): where GANs have been used in medical imaging
#   (reconstruction, segmentation, synthesis) and their pitfalls.
# - [Frid-Adar et al. 2018](https://doi.org/10.1016/j.neucom.2018.09.013): a setting in which GAN images did help a
#   medical classifier, to compare with ours.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## References
# - Chlap P, Min H, Vandenberg N, Dowling J, Holloway L, Haworth A. [A review of medical image data augmentation
#   techniques for deep learning applications](https://doi.org/10.1111/1754-9485.13261). *J Med Imaging Radiat Oncol*
#   2021;65(5):545-563.
# - Cubuk ED, Zoph B, Mané D, Vasudevan V, Le QV. [AutoAugment: learning augmentation strategies from
#   data](https://doi.org/10.1109/CVPR.2019.00020). *CVPR* 2019:113-123.
# - Cubuk ED, Zoph B, Shlens J, Le QV. [RandAugment: practical automated data augmentation with a reduced search
#   space](https://doi.org/10.1109/CVPRW50498.2020.00359). *CVPR Workshops* 2020.
# - Fonov VS, Evans AC, McKinstry RC, Almli CR, Collins DL. [Unbiased nonlinear average age-appropriate brain templates
#   from birth to adulthood](https://doi.org/10.1016/S1053-8119(09)70884-5). *NeuroImage* 2009;47(Suppl 1):S102.
# - Fonov V, Evans AC, Botteron K, et al. [Unbiased average age-appropriate atlases for pediatric
#   studies](https://doi.org/10.1016/j.neuroimage.2010.07.033). *NeuroImage* 2011;54(1):313-327.
# - Frid-Adar M, Diamant I, Klang E, Amitai M, Goldberger J, Greenspan H. [GAN-based synthetic medical image
#   augmentation for increased CNN performance in liver lesion
#   classification](https://doi.org/10.1016/j.neucom.2018.09.013). *Neurocomputing* 2018;321:321-331.
# - Goodfellow IJ, Pouget-Abadie J, Mirza M, et al. [Generative adversarial nets](https://arxiv.org/abs/1406.2661).
#   *NeurIPS* 2014;27.
# - Mirza M, Osindero S. [Conditional generative adversarial nets](https://arxiv.org/abs/1411.1784). *arXiv*
#   2014:1411.1784.
# - Müller SG, Hutter F. [TrivialAugment: tuning-free yet state-of-the-art data
#   augmentation](https://doi.org/10.1109/ICCV48922.2021.00081). *ICCV* 2021:774-782.
# - Radford A, Metz L, Chintala S. [Unsupervised representation learning with deep convolutional generative adversarial
#   networks](https://arxiv.org/abs/1511.06434). *ICLR* 2016.
# - Shorten C, Khoshgoftaar TM. [A survey on image data augmentation for deep
#   learning](https://doi.org/10.1186/s40537-019-0197-0). *J Big Data* 2019;6:60.
# - Yi X, Walia E, Babyn P. [Generative adversarial network in medical imaging: a
#   review](https://doi.org/10.1016/j.media.2019.101552). *Med Image Anal* 2019;58:101552.
#
# Full entries: the course bibliography, [REFERENCES.md](../REFERENCES.md).
