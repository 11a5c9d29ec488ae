# %% [markdown] slideshow={"slide_type": "slide"}
# # 04 · Learning with scarce labels: anomaly detection, semi-supervised and multiple-instance learning
#
# **Lecture slides:** "Unsupervised learning — example of unsupervised medical anomaly detection" and "Label
# challenges require alternative training paradigms" of Lecture 3, *Medical Imaging* (the figure after
# [Cheplygina et al., *Medical Image Analysis* 2019](https://doi.org/10.1016/j.media.2019.03.009)).
#
# **Learning objectives**
# - explain how each paradigm copes with missing labels: none at all (unsupervised **anomaly detection**: learn what normal
#   images look like and flag whatever differs), a few plus many unlabelled
#   images (semi-supervised), one label per whole slide (multiple-instance learning,
#   [MIL](../GLOSSARY.md#mil)), labels from another task
#   (transfer learning);
# - train an autoencoder on normal slices only and turn its reconstruction errors into lesion maps and an anomaly
#   score, judged by the ROC [AUC](../GLOSSARY.md#auc) (area under the receiver operating
#   characteristic curve: the chance that a random image with a lesion scores above a random normal one; 0.5 is chance);
# - measure, honestly, how much unlabelled data adds to a few labels, as a learning curve;
# - train max-pooling and attention MIL models from bag labels and check that the attention finds the tumour
#   patches although no patch label was ever used.
#
# <!-- badges -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medimg-course/medical-imaging-companion/blob/main/notebooks/04_learning_paradigms.ipynb) [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medimg-course/medical-imaging-companion/main?urlpath=lab/tree/notebooks/04_learning_paradigms.ipynb)
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
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import torch
from scipy import ndimage as ndi
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from helpers import datasets, metrics, paradigms, pseudolabels, tasks, viz
from helpers.exercises import check

torch.set_num_threads(1)  # tiny models and arrays: one thread is fastest, and leaves the other core free
blas_limit = threadpool_limits(1)  # the same for numpy/scikit-learn (BLAS)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Who labels what?
# Supervised learning needs a label for every training image, drawn by an expert. In medicine such labels are
# scarce, so the lecture's figure lines up alternatives by *what* is labelled:
#
# | Paradigm | Labels available | Here |
# | --- | --- | --- |
# | Supervised | every image (or pixel) | the baseline of § 2 and § 3 (§ 1 has no labels to compare with) |
# | Unsupervised anomaly detection | none; only images known to be normal | § 1: an autoencoder on normal MRI slices |
# | Semi-supervised | a few images, plus many unlabelled ones | § 2: 1%, 5%, 20% of labels, with **pseudo-labels** (the model's own guesses for the unlabelled images, used as labels) |
# | Multiple-instance learning | one label per bag of patches (a whole slide) | § 3: max and attention pooling |
# | Transfer learning | labels of another, larger task | notebook 08 |
#
# All lesions and tumours here are **simulated** on real anatomy (`helpers.datasets`), so that every score can be
# checked against an exact answer the models never see.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Unsupervised anomaly detection
# If we cannot say what disease looks like, we can still learn what *normal* looks like. An **autoencoder**
# squeezes each image through a narrow bottleneck and rebuilds it; trained on normal slices only, it learns to
# rebuild normal anatomy and fails on anything else. Where it fails, the **reconstruction error** lights up.
# (MADGAN, on the lecture's slide, does the same with a GAN that predicts the next 3 MRI slices from 3 healthy
# neighbours. Its AUC depends on how visible the anomaly is: 0.727 for mild cognitive impairment, the earliest stage
# of Alzheimer's disease, 0.894 for late Alzheimer's and 0.921 for brain metastases,
# [Han et al. 2021](https://doi.org/10.1186/s12859-020-03936-1). The subtler the change from normal anatomy, the
# less a "normal only" model can tell it apart.)

# %% [markdown] slideshow={"slide_type": "subslide"}
# **What the data are, and what that means for every number below.** `datasets.lesion_slices` cuts each image
# from **one** brain: the MNI152 T1 template, a smooth average of many people's scans
# ([Fonov et al. 2011](https://doi.org/10.1016/j.neuroimage.2010.07.033)). Each slice is taken at a random height
# (−8 to +60 mm), rotated (±12°), shifted, scaled in brightness, multiplied by a smooth bias field and given noise;
# a lesion slice also gets one bright ellipse with an irregular outline. So training and test slices come from the
# same "patient": a model never meets a new brain. Every AUC in this notebook (and in the notebooks after it, which
# use the same datasets) measures how well a method finds lesions **in this one anatomy**, and is likely higher than
# on new patients. Real studies split their data by patient, so that no person has images on both sides; here
# that split is impossible, and holding out whole slice heights instead does not help either (neighbouring heights,
# 2 mm apart, look almost the same).

# %% slideshow={"slide_type": "fragment"}
data = datasets.lesion_slices(1000, positive_fraction=0.3, seed=11)  # synthetic lesions on real MNI152 T1 slices
normal_train = np.flatnonzero(data.labels == 0)[:400]  # 400 slices known to be normal: no lesion labels needed
test = np.setdiff1d(np.arange(len(data)), normal_train)  # the other 600: 300 normal, 300 with a lesion
print(f"{len(data)} slices of {data.images.shape[1]} x {data.images.shape[2]} pixels of {data.spacing_mm[0]} mm, "
      f"template slices {data.slice_index.min()}-{data.slice_index.max()} (2 mm apart); {data.labels.sum()} with "
      f"a lesion: radius {np.nanmin(data.radius_mm):.1f}-{np.nanmax(data.radius_mm):.1f} mm, contrast "
      f"{np.nanmin(data.contrast):.2f}-{np.nanmax(data.contrast):.2f} above white matter (template units)")
len(normal_train), len(test)

# %% [markdown] slideshow={"slide_type": "fragment"}
# The model, layer by layer: three strided convolutions shrink the 64 × 64 slice to an 8 × 8 grid of 8 numbers
# (the bottleneck), and three transposed convolutions grow it back.

# %% slideshow={"slide_type": "fragment"}
torch.manual_seed(0)
autoencoder = paradigms.ConvAutoencoder(width=8, latent=8)  # 64x64 image -> 8x8x8 numbers -> 64x64 image
print(autoencoder)
losses = paradigms.train_autoencoder(autoencoder, data.images[normal_train], epochs=6, batch_size=32, seed=0)
f"{sum(p.numel() for p in autoencoder.parameters()):,} parameters; loss {losses[0]:.4f} -> {losses[-1]:.4f}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The anomaly map is the part of the image the autoencoder could not rebuild. Our lesions are bright, so only
# "brighter than expected" counts; a light blur stops single noisy pixels from dominating, and the image's
# **anomaly score** is the map's maximum.

# %% slideshow={"slide_type": "fragment"}
images = data.images[test]
rebuilt = paradigms.reconstruct(autoencoder, images)
error_maps = ndi.gaussian_filter(np.clip(images - rebuilt, 0, None), sigma=(0, 1, 1))
scores = error_maps.max(axis=(1, 2))
labels = data.labels[test]
auc_anomaly = roc_auc_score(labels, scores)
f"anomaly-score AUC {auc_anomaly:.3f} on {len(test)} test slices ({labels.sum()} with a lesion)"

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* three simulated test slices with a lesion and one without: the slice, the autoencoder's reconstruction
# and the error map (magma colour map), with the true lesion outline in white.

# %% slideshow={"slide_type": "fragment"}
examples = list(np.flatnonzero(labels == 1)[:3]) + [int(np.flatnonzero(labels == 0)[0])]
fig, axes = plt.subplots(3, 4, figsize=(10, 7.6), layout="constrained")
mm = (np.arange(64) + 0.5) * data.spacing_mm[0]
for col, k in enumerate(examples):
    viz.render_image(axes[0, col], images[k], spacing_mm=data.spacing_mm, window=(0.5, 1))
    viz.render_image(axes[1, col], rebuilt[k], spacing_mm=data.spacing_mm, window=(0.5, 1))
    viz.render_image(axes[2, col], error_maps[k], spacing_mm=data.spacing_mm, cmap="magma", window=(0.1, 0.2))
    axes[2, col].contour(mm, mm, data.masks[test[k]], [0.5], colors="white", linewidths=1)
    axes[0, col].set_title(f"{'lesion' if labels[k] else 'normal'}, score {scores[k]:.2f}")
for row, name in enumerate(["slice", "reconstruction", "error map"]):
    axes[row, 0].set_ylabel(f"{name}\nmm")
fig.suptitle("Autoencoder trained on normal synthetic slices only")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Two checks: the score separates slices with and without lesions (AUC, with a 95% bootstrap confidence
# interval over the test slices), and each error map's hottest pixel lies on the lesion (localisation), although
# no lesion was ever labelled. By chance, a random brain pixel would land on the (slightly dilated) lesion in only a
# few percent of slices. The helper `paradigms.anomaly_maps` does the same computation for reuse.

# %% slideshow={"slide_type": "fragment"}
positive = np.flatnonzero(labels == 1)
hottest = [np.unravel_index(error_maps[k].argmax(), (64, 64)) for k in positive]
near = [ndi.binary_dilation(data.masks[test[k]], iterations=1) for k in positive]
localised = float(np.mean([m[r, c] for m, (r, c) in zip(near, hottest)]))
chance = float(np.mean([m.sum() / (images[k] > 0.2).sum() for m, k in zip(near, positive)]))  # share of the head
auc_ci = metrics.bootstrap_ci(labels, scores, seed=0)
{"AUC": round(auc_anomaly, 3), "95% CI": tuple(round(v, 3) for v in auc_ci),
 "hottest pixel on the lesion (share of lesion slices)": round(localised, 3), "by chance": round(chance, 3)}

# %% slideshow={"slide_type": "skip"} tags=["check"]
# across seeds the AUC ranges from about 0.65 to 0.9: we assert what holds for all of them, far from chance
assert auc_ci[0] > 0.55, (auc_anomaly, auc_ci)
assert localised > 0.3 and localised > 5 * chance, (localised, chance)
helper_maps, helper_scores = paradigms.anomaly_maps(images, rebuilt, sigma_px=1.0)
assert np.allclose(helper_scores, scores, atol=1e-6) and np.allclose(helper_maps, error_maps, atol=1e-6)

# %% [markdown] slideshow={"slide_type": "fragment"}
# The autoencoder finds many lesions without a single lesion label, but far from all: run it with other seeds and
# the AUC moves between about 0.65 and 0.9. Which lesions does it miss, and which normal slices raise false alarms?
# Split the lesion slices at their median contrast, and relate the normal slices' scores to their height in the
# brain:

# %% slideshow={"slide_type": "fragment"}
contrast = data.contrast[test]
faint = contrast <= np.nanmedian(contrast)  # False for normal slices (NaN contrast)
normal = labels == 0
auc_faint = roc_auc_score(np.r_[np.ones(faint.sum()), np.zeros(normal.sum())], np.r_[scores[faint], scores[normal]])
bright = (labels == 1) & ~faint
auc_bright = roc_auc_score(np.r_[np.ones(bright.sum()), np.zeros(normal.sum())],
                           np.r_[scores[bright], scores[normal]])
height_vs_score = stats.spearmanr(data.slice_index[test][normal], scores[normal]).statistic
{"AUC, fainter half of the lesions": round(auc_faint, 3), "AUC, brighter half": round(auc_bright, 3),
 "rank correlation of a normal slice's height with its score": round(height_vs_score, 2)}

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert auc_bright > auc_faint + 0.08, (auc_bright, auc_faint)  # 0.12-0.23 over 14 seed shifts
assert height_vs_score < -0.15, height_vs_score  # -0.3 to -0.7 over 14 seed shifts

# %% [markdown] slideshow={"slide_type": "fragment"}
# Faint lesions are missed far more often than bright ones: MADGAN's lesson in miniature. False alarms come mostly
# from the lower slices, where the anatomy (temporal lobes, deep grey matter, fluid spaces) is busier than near the
# top of the head and harder to rebuild from 8 × 8 × 8 numbers. The autoencoder knows only what "normal" looked
# like in 400 slices.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# The score matters as much as the model. Score each test slice by its **mean squared** reconstruction error
# `((images - rebuilt) ** 2).mean(axis=(1, 2))` instead, and store the AUC in `auc_mse`. Why is it worse?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
auc_mse = None  # your answer: test AUC (0 to 1) of the mean-squared-error score
check("04-mse-score")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 04-mse-score
auc_mse = roc_auc_score(labels, ((images - rebuilt) ** 2).mean(axis=(1, 2)))
# a lesion covers < 1% of the image: its error drowns in the whole image's noise and anatomy errors
assert auc_mse < auc_anomaly - 0.05  # worse by 0.09-0.28 over 6 seed shifts
round(auc_mse, 3)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Supervised vs semi-supervised
# Now suppose an expert labelled only 1%, 5% or 20% of 1,500 slices (lesion or not), and the rest are unlabelled.
# To make it a fair fight the lesions here are **faint** (contrast 0.1–0.3). Every image is described once by the
# classical features of notebook 03 (`tasks.handcrafted_features`), cached, so each model below fits in
# milliseconds. 500 further slices are the test set. The features are standardised with means and spreads of the
# 1,500 training slices only: the test set must not shape anything the models see.

# %% slideshow={"slide_type": "fragment"}
features, y = [], []
for seed in (20, 21):  # two halves of 1,000 slices: half the memory at a time
    half = datasets.lesion_slices(1000, seed=seed, contrast=(0.1, 0.3))
    features.append(tasks.handcrafted_features(half.images))
    y.append(half.labels)
features, y = np.concatenate(features), np.concatenate(y)
pool, held_out = np.arange(1500), np.arange(1500, 2000)
features = StandardScaler().fit(features[pool]).transform(features)  # fitted on the training pool only
features.shape, y[pool].mean()


# %% [markdown] slideshow={"slide_type": "subslide"}
# **Supervised**: a logistic regression on the labelled slices only. **Semi-supervised, by pseudo-labelling**:
# fit on the labelled slices, let the model guess the unlabelled ones, refit on everything — each unlabelled slice
# enters twice, as "lesion" and as "normal", weighted by the model's current belief (soft pseudo-labels) — and
# repeat a few times. Real labels weigh 5 times more than guesses.

# %% slideshow={"slide_type": "fragment"}
def pseudo_label_fit(x_lab, y_lab, x_unlab, rounds=5, labelled_weight=5.0):
    model = LogisticRegression(max_iter=1000).fit(x_lab, y_lab)
    for _ in range(rounds):
        p = model.predict_proba(x_unlab)[:, 1]  # current belief that each unlabelled slice has a lesion
        x = np.vstack([x_lab, x_unlab, x_unlab])
        y_all = np.r_[y_lab, np.ones(len(x_unlab)), np.zeros(len(x_unlab))]
        weight = np.r_[np.full(len(y_lab), labelled_weight), p, 1 - p]
        model = LogisticRegression(max_iter=1000).fit(x, y_all, sample_weight=weight)
    return model

def labelled_subset(n, seed):  # n labels, half of each class (an expert would be asked for both)
    r = np.random.default_rng(seed)
    return np.r_[r.choice(pool[y[pool] == 0], n // 2, replace=False), r.choice(pool[y[pool] == 1], n - n // 2,
                                                                                 replace=False)]


# %% slideshow={"slide_type": "fragment"}
fractions, seeds, curve = [0.01, 0.05, 0.2], range(0, 5), []  # 5 random labelled subsets per fraction
for fraction in tqdm(fractions, desc="label fractions"):
    for seed in seeds:
        labelled = labelled_subset(int(fraction * len(pool)), seed)
        unlabelled = np.setdiff1d(pool, labelled)
        supervised = LogisticRegression(max_iter=1000).fit(features[labelled], y[labelled])
        semi = pseudo_label_fit(features[labelled], y[labelled], features[unlabelled])
        curve.append({"labels (%)": 100 * fraction, "seed": seed,
                      "supervised": roc_auc_score(y[held_out], supervised.predict_proba(features[held_out])[:, 1]),
                      "semi-supervised": roc_auc_score(y[held_out], semi.predict_proba(features[held_out])[:, 1])})
curve = pd.DataFrame(curve)
curve["gain"] = curve["semi-supervised"] - curve["supervised"]  # paired: same labelled subset
summary = curve.groupby("labels (%)")[["supervised", "semi-supervised", "gain"]].mean()
summary.join(curve.groupby("labels (%)")["gain"].agg(["min", "max"]).add_prefix("gain ")).round(3)

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* test AUC against the percentage of labelled slices, supervised vs semi-supervised (mean and range over
# 5 random labelled subsets), and the AUC with all 1,500 labels for reference; synthetic faint lesions.

# %% slideshow={"slide_type": "fragment"}
everything = LogisticRegression(max_iter=1000).fit(features[pool], y[pool])
auc_all = roc_auc_score(y[held_out], everything.predict_proba(features[held_out])[:, 1])
fig, ax = plt.subplots(figsize=(5.5, 3.8), layout="constrained")
for name, colour in [("supervised", "#0072B2"), ("semi-supervised", "#D55E00")]:
    stats = curve.groupby("labels (%)")[name].agg(["mean", "min", "max"])
    ax.plot(stats.index, stats["mean"], "o-", color=colour, label=name)
    ax.fill_between(stats.index, stats["min"], stats["max"], color=colour, alpha=0.2)
ax.axhline(auc_all, color="gray", ls="--", label="all 1,500 labels")
ax.set(xscale="log", xlabel="labelled slices (% of 1,500)", ylabel="test AUC",
       title="Learning curve, faint synthetic lesions")
ax.legend(loc="lower right")
plt.show()

# %% slideshow={"slide_type": "skip"} tags=["check"]
gain, helped = summary["gain"], curve.groupby("labels (%)")["gain"].apply(lambda g: (g > 0).mean())
# unlabelled data helps when labels are scarce: paired gains positive in >= 4 of 5 subsets, mean > 0.01
# (over seed shifts 0-7 the mean gain was 0.03-0.05 at 1% and 0.02-0.03 at 5%)
assert gain.loc[1.0] > 0.01 and gain.loc[5.0] > 0.01 and (helped.loc[[1.0, 5.0]] >= 0.8).all(), (gain, helped)
assert gain.loc[20.0] < min(0.02, gain.loc[1.0]), gain  # ...and almost nothing at 20% (0.001-0.01 seen)
assert summary.loc[20.0, "supervised"] > summary.loc[5.0, "semi-supervised"], "more labels still beat tricks"

# %% [markdown] slideshow={"slide_type": "fragment"}
# The honest result: pseudo-labelling gains a few hundredths of AUC at 1% and 5% labels (on the same labelled
# subsets, nearly always) and almost nothing at 20%; 20% of labels beats 5% of labels plus all the unlabelled
# slices here. Gains need unlabelled data whose
# structure matches the classes (here: lesion and normal slices form two clouds in feature space); with a
# linear model on good features, the labelled data already finds most of that structure.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Replace the soft pseudo-labels by **hard** ones: in each round, add only the unlabelled slices the model is
# at least 90% sure about, with label `p > 0.5` and weight 1, for 5 rounds as above. Store the mean AUC at 1% labels
# (the same 5 labelled subsets, `seeds`) in `auc_hard`, and compare it with both rows of the table at 1%: the soft
# pseudo-labels and the **supervised baseline** trained on the 15 labelled slices alone. Did the unlabelled slices
# help or hurt? A model that trusts its own early mistakes reinforces them ("confirmation bias",
# [Arazo et al. 2020](https://doi.org/10.1109/IJCNN48605.2020.9207304)).

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
auc_hard = None  # your answer: mean test AUC (0 to 1) over the 5 seeds, hard pseudo-labels, 1% labels
check("04-hard-pseudo-labels")


# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 04-hard-pseudo-labels
def hard_pseudo_label_fit(x_lab, y_lab, x_unlab, rounds=5, confidence=0.9):
    model = LogisticRegression(max_iter=1000).fit(x_lab, y_lab)
    for _ in range(rounds):
        p = model.predict_proba(x_unlab)[:, 1]
        sure = (p > confidence) | (p < 1 - confidence)
        model = LogisticRegression(max_iter=1000).fit(np.vstack([x_lab, x_unlab[sure]]),
                                                      np.r_[y_lab, (p[sure] > 0.5).astype(int)])
    return model

hard = []
for seed in seeds:
    labelled = labelled_subset(15, seed)
    model = hard_pseudo_label_fit(features[labelled], y[labelled], features[np.setdiff1d(pool, labelled)])
    hard.append(roc_auc_score(y[held_out], model.predict_proba(features[held_out])[:, 1]))
auc_hard = float(np.mean(hard))
# hard pseudo-labels do worse than soft ones, and worse than no unlabelled data at all (by 0.05-0.07 over seeds)
assert auc_hard < summary.loc[1.0, "supervised"] - 0.02 < summary.loc[1.0, "semi-supervised"], auc_hard
{"hard pseudo-labels": round(auc_hard, 3), **summary.loc[1.0, ["supervised", "semi-supervised"]].round(3)}

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### How sure must a guess be? A threshold sweep
# Hard pseudo-labelling has one knob: how confident the model must be before its guess becomes a label. Below, one
# round of it on the first labelled subset at 1%: for each threshold, how many unlabelled slices get a label, how
# many of those labels are right (measured with the true labels, which the model never sees) and the held-out AUC
# after the refit. The curve is computed once (`pseudolabels.pseudo_label_curve`); the slider only looks it up.
#
# *Figure:* left, the number of pseudo-labels against the confidence threshold; right, their precision and the
# held-out AUC after refitting, with the AUC of the labelled slices alone dashed; the marker follows the slider.

# %% slideshow={"slide_type": "fragment"}
labelled = labelled_subset(15, seeds[0])
unlabelled = np.setdiff1d(pool, labelled)
sweep = pseudolabels.pseudo_label_curve(features[labelled], y[labelled], features[unlabelled], y[unlabelled],
                                        features[held_out], y[held_out], thresholds=np.linspace(0.5, 0.98, 9))
pseudolabels.PseudoLabelViewer(sweep, threshold=0.9, title=None)

# %% slideshow={"slide_type": "skip"} tags=["check"]
# at threshold 0.5 every slice gets a guess, and a quarter or more are wrong (precision 0.53-0.59 over seeds)
assert sweep.loc[0.5, "pseudo-labels"] == len(unlabelled) and sweep.loc[0.5, "precision"] < 0.75, sweep
# no threshold buys more than a few hundredths of AUC (at most +0.02 over seed shifts 0-7)
assert sweep["AUC"].max() < sweep.attrs["supervised AUC"] + 0.05, (sweep, sweep.attrs)

# %% [markdown] slideshow={"slide_type": "fragment"}
# A low threshold labels every slice, a quarter or more of them wrongly; a high one labels few. With 15 labels the
# model's confidence is a poor guide: for some labelled subsets its most confident guesses are mostly right, for
# others barely better than its guesses overall (try `seeds[1]` instead of `seeds[0]`). No threshold buys more than
# a few hundredths of AUC over the labelled slices alone.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Multiple-instance learning
# A pathologist labels a whole slide "tumour" because of one region; nobody marks which of its thousands of
# patches are tumour. Multiple-instance learning (MIL) treats the slide as a **bag** of patches (**instances**)
# with one label: a bag is positive if at least one instance is (the idea comes from predicting drug activity
# from the many shapes of one molecule, [Dietterich et al. 1997](https://doi.org/10.1016/S0004-3702(96)00034-3)). `datasets.mil_bags` cuts bags of 16 patches from a
# slide-like mosaic of the real scikit-image IHC sample with **simulated** tumour regions (more haematoxylin and
# DAB stain); each positive bag holds 1–4 tumour patches.

# %% slideshow={"slide_type": "fragment"}
mil = datasets.mil_bags(96, bag_size=16, patch=32, seed=0)
instance_features = paradigms.patch_features(mil.bags)  # (bags, 16, 8): stain means and spreads per patch
flat = instance_features.reshape(-1, instance_features.shape[-1])
bags = (instance_features - flat.mean(axis=0)) / flat.std(axis=0)  # standardised; no label used
rng = np.random.default_rng(0)
order = rng.permutation(len(bags))
train, test_bags = order[:58], order[58:]  # 58 bags to train, 38 to test
{"bags": bags.shape, "positive bags": int(mil.bag_labels.sum()), "features": paradigms.PATCH_FEATURE_NAMES}

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the synthetic slide (left) with the simulated tumour regions outlined, and one positive bag's 16
# patches; the hidden tumour patches are marked "T" here only, the models never see these marks.

# %% slideshow={"slide_type": "fragment"}
fig = plt.figure(figsize=(13, 4.2), layout="constrained")
left, right = fig.subfigures(1, 2, width_ratios=[1, 1.6])
ax = left.subplots()
ax.imshow(mil.slide[::4, ::4])
ax.contour(mil.tumour_mask[::4, ::4], [0.5], colors="black", linewidths=0.8)
ax.set(title="Synthetic slide (real IHC texture), tumour outlined", xlabel="pixels ÷ 4", ylabel="pixels ÷ 4")
example_bag = int(np.flatnonzero(mil.bag_labels)[0])
grid = right.subplots(2, 8)
for j, axj in enumerate(grid.ravel()):
    axj.imshow(mil.bags[example_bag, j])
    axj.set_title("T" if mil.instance_labels[example_bag, j] else "", fontsize=10)
    axj.axis("off")
right.suptitle(f"bag {example_bag}: label 'positive' (1 = at least one tumour patch)")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Two ways to pool a bag. **Max pooling**: score every patch, and the bag's score is the highest patch score.
# **Attention pooling** ([Ilse et al., ICML 2018](https://proceedings.mlr.press/v80/ilse18a.html)): learn a weight for every patch, average the patch embeddings
# with these weights, and classify the average. Both models see bag labels only. Attention pooling is a few lines
# (each patch embedding `h_k` gets the score `wᵀ tanh(V h_k + b)`; a softmax over the bag turns the scores into
# weights that sum to 1):

# %% slideshow={"slide_type": "fragment"}
def attention_pool(h, V, b, w):
    """h: (bags, patches, hidden) patch embeddings -> (bags, hidden) bag embeddings and (bags, patches) weights."""
    weights = torch.softmax(torch.tanh(h @ V.T + b) @ w, dim=1)  # one weight per patch, summing to 1 in each bag
    return (weights[..., None] * h).sum(dim=1), weights


# %% [markdown] slideshow={"slide_type": "fragment"}
# Training can land in a poor solution from an unlucky start: max pooling, where one patch per bag gets the whole
# gradient, does so now and then (for some seeds in half of the starts). So each pooling is trained from 5 random
# initialisations; the table shows the spread over all of them, and we keep the start that fits the *training* bags
# best (lowest final loss), a choice that needs no test or patch label.

# %% slideshow={"slide_type": "fragment"}
runs, weights, models, best_loss = [], {}, {}, {}
positive_bags = mil.bag_labels[test_bags] == 1
for pooling in ["max", "attention"]:
    for init in tqdm(range(5), desc=f"{pooling} pooling"):
        torch.manual_seed(0 + init)
        model = paradigms.MILNet(bags.shape[-1], hidden=16, pooling=pooling)
        loss = paradigms.train_mil(model, bags[train], mil.bag_labels[train], epochs=150, lr=1e-2, progress=False)[-1]
        bag_prob, patch_weights = paradigms.predict_mil(model, bags[test_bags])
        runs.append({"pooling": pooling, "training loss": loss,
                     "bag AUC": roc_auc_score(mil.bag_labels[test_bags], bag_prob),
                     "patch AUC of the weights (positive bags)": roc_auc_score(
                         mil.instance_labels[test_bags][positive_bags].ravel(), patch_weights[positive_bags].ravel())})
        if loss < best_loss.get(pooling, np.inf):  # keep the start that fits the training bags best
            best_loss[pooling], models[pooling], weights[pooling] = loss, model, patch_weights
runs = pd.DataFrame(runs)
kept = runs.loc[runs.groupby("pooling")["training loss"].idxmin()].set_index("pooling")
results = kept.drop(columns="training loss").T.to_dict()  # {pooling: {"bag AUC": ..., "patch AUC ...": ...}}
spread = runs.drop(columns="training loss").groupby("pooling").agg(["min", "max"])
spread.columns = [f"{name} ({stat} of 5 starts)" for name, stat in spread.columns]
spread.join(kept.drop(columns="training loss").add_suffix(" (kept start)")).T.round(3)

# %% [markdown] slideshow={"slide_type": "fragment"}
# The patch-AUC rows check localisation against the hidden patch labels: within positive bags, how well do the
# weights rank tumour patches above normal ones? 0.5 would be chance. The function above reproduces the trained
# attention model's weights and bag scores from its parameters (the last layer's bias adds the same number to every
# score, so the softmax ignores it).

# %% slideshow={"slide_type": "skip"} tags=["check"]
for pooling, r in results.items():  # the kept start (over 8 seed shifts: bag AUC 0.80-1.0, patch AUC 0.83-0.98)
    assert r["bag AUC"] > 0.7, (pooling, r)
    assert r["patch AUC of the weights (positive bags)"] > 0.5 + 0.15, (pooling, r)  # chance + a wide margin
attention_model = models["attention"]
with torch.no_grad():
    h = attention_model.embed(torch.as_tensor(bags[test_bags], dtype=torch.float32))
    first, second = attention_model.attention[0], attention_model.attention[2]
    pooled, our_weights = attention_pool(h, first.weight, first.bias, second.weight[0])
    our_prob = torch.sigmoid(attention_model.classify(pooled)[:, 0]).numpy()
helper_prob, helper_weights = paradigms.predict_mil(attention_model, bags[test_bags])
assert np.allclose(our_weights.numpy(), helper_weights, atol=1e-6) and np.allclose(our_prob, helper_prob, atol=1e-6)

# %% [markdown] slideshow={"slide_type": "subslide"}
# *Figure:* the attention weights of every patch of the positive test bags, painted at the patch's place on the
# synthetic slide (viridis: bright = high weight), with the hidden tumour regions outlined.

# %% slideshow={"slide_type": "fragment"}
heat = np.full((mil.slide.shape[0] // 32, mil.slide.shape[1] // 32), np.nan)
for b, w in zip(test_bags[positive_bags], weights["attention"][positive_bags]):
    rows, cols = (mil.positions[b] // 32).T
    heat[rows, cols] = w / w.max()  # each bag's weights relative to its top patch
fig, ax = plt.subplots(figsize=(6, 6), layout="constrained")
ax.imshow(mil.slide[::4, ::4], alpha=0.5, extent=(0, mil.slide.shape[1], mil.slide.shape[0], 0))
shown = ax.imshow(heat, cmap="viridis", extent=(0, mil.slide.shape[1], mil.slide.shape[0], 0),
                  interpolation="nearest")
ax.contour(np.arange(2, mil.slide.shape[1], 4), np.arange(2, mil.slide.shape[0], 4), mil.tumour_mask[::4, ::4],
           [0.5], colors="black", linewidths=0.8)
fig.colorbar(shown, ax=ax, shrink=0.7, label="attention weight (÷ bag maximum)")
ax.set(title="Attention MIL heatmap, positive test bags (synthetic slide)", xlabel="pixels", ylabel="pixels")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The bright patches sit inside the outlined tumour regions: the model learned *where* to look from *which slides*
# were positive. That is what makes MIL attractive for whole-slide images (the CAMELYON collection of lymph-node slides
# holds 1,399 slides in 3 terabytes, about 2 GB per slide, [Litjens et al. 2018](https://doi.org/10.1093/gigascience/giy065); each slide is cut into
# tens of thousands of patches or more: notebook 01 counts ≈ 150,000 tiles of 256 × 256 pixels in a 100,000 ×
# 100,000-pixel slide).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Would a naive shortcut do as well? Give **every** patch its bag's label, train an ordinary patch classifier
# (`LogisticRegression` on the 8 patch features of the training bags), and compute the patch AUC of its
# probabilities within the positive test bags. Store it in `naive_patch_auc`, and compare it with the MIL models'
# patch AUCs in the table above (`results[pooling]["patch AUC of the weights (positive bags)"]`): how much does MIL's
# bag-level training buy in localisation here?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
naive_patch_auc = None  # your answer: patch AUC (0 to 1) within the positive test bags
check("04-naive-patch-auc")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 04-naive-patch-auc
x_patches = bags[train].reshape(-1, bags.shape[-1])
y_patches = np.repeat(mil.bag_labels[train], bags.shape[1])  # wrong for most patches of positive bags
naive = LogisticRegression(max_iter=1000).fit(x_patches, y_patches)
p_patch = naive.predict_proba(bags[test_bags][positive_bags].reshape(-1, bags.shape[-1]))[:, 1]
naive_patch_auc = roc_auc_score(mil.instance_labels[test_bags][positive_bags].ravel(), p_patch)
assert naive_patch_auc > 0.55  # it learns something, from very noisy labels (most "positive" patches are normal)
# over seeds the naive AUC ranged 0.68-0.95 and attention MIL's (kept start) 0.83-0.96: MIL is usually ahead, by up to
# 0.2, but on these easy colour features the naive classifier sometimes matches or beats it
{"naive patch classifier": round(naive_patch_auc, 3),
 **{f"{pooling} MIL": round(r["patch AUC of the weights (positive bags)"], 3) for pooling, r in results.items()}}

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Transfer learning
# The last paradigm of the lecture's figure borrows labels from *another* task: a network pretrained on a large collection of
# labelled photographs (ImageNet) already knows edges, textures and shapes, and needs few medical labels to adapt.
# Notebook **08_transfer_clip** fine-tunes an ImageNet-pretrained EfficientNet on medical images and compares it
# with training from scratch.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
# - Paradigms differ by **what** is labelled: every image, none, a few, one label per bag, or another task's labels
#   (§ Who labels what?).
# - An autoencoder trained on normal slices only flags lesion slices (AUC about 0.65–0.9 depending on the seeds),
#   and the hottest pixel of its error map usually lands on the lesion, without a single lesion label; faint lesions
#   are missed far more often than bright ones (§1 Unsupervised anomaly detection).
# - Every lesion slice comes from one template brain, so all these numbers are "within one patient" (§1).
# - The anomaly score matters as much as the model: the mean squared error of the whole slice drowns a small lesion
#   that the maximum of a bright-error map finds (§1, Try it).
# - Soft pseudo-labels add a few hundredths of AUC when 1–5% of the slices are labelled and almost nothing at 20%;
#   more labels beat more tricks (§2 Supervised vs semi-supervised).
# - Hard, over-confident pseudo-labels do worse than soft ones, and even worse than the 15 labelled slices alone: a
#   model that trusts its early mistakes reinforces them (§2, Try it); with 15 labels no confidence threshold makes
#   hard pseudo-labels worth more than a few hundredths of AUC (§2, threshold sweep).
# - With bag labels only, max and attention pooling classify bags well, and the attention weights point at the
#   tumour patches, checked against patch labels the models never saw (§3 Multiple-instance learning).
# - Giving every patch its bag's label teaches a patch classifier something, from labels that are wrong for most
#   patches of a positive bag; on these easy colour features it localises nearly as well as MIL, sometimes better,
#   so a baseline like it belongs next to any MIL result (§3, Try it). Transfer learning borrows labels from another
#   task (§4, notebook 08).
#
# **Next:** **05_classical_cv.ipynb**, the traditional computer-vision toolbox (thresholds, edges, Hough, optical
# flow, keypoints) that came before learned features.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check your understanding
# 1. The autoencoder learned "normal" from 400 slices. What happens to the anomaly AUC if 10% of those training
#    slices secretly contain lesions, and why?
# 2. The error map keeps only "brighter than expected" (`np.clip(images - rebuilt, 0, None)`). What would you change
#    to find lesions darker than the tissue around them, and what new false alarms would that bring?
# 3. An anomaly detector reaches AUC 0.92. Does that tell a radiologist how many false alarms to expect per 100
#    normal scans? What else would you need to know?
# 4. Pseudo-labelling helped at 1% labels and not at 20%. Give two situations in which unlabelled data makes a model
#    *worse*.
# 5. Each labelled subset in §2 is half lesion, half normal, while 30% of the slices have a lesion. How could this
#    choice affect the supervised baseline's predicted probabilities, and through them the pseudo-labels?
# 6. MIL assumes a bag is positive as soon as one instance is. Name a diagnosis for which this is false (the label
#    depends on how many instances are abnormal, or on their arrangement). Which pooling copes better, and why?
# 7. With max pooling, only one patch per bag receives a gradient in each step. What does that mean for how fast and
#    how robustly the model learns, compared with attention pooling?
# 8. The naive patch classifier of §3's Try it learns although most of its "positive" labels are wrong. Why does it
#    still rank tumour patches above normal ones, and how does its label noise change with the share of tumour
#    patches in a positive bag?
# 9. Semi-supervised and transfer learning both use images that carry none of *your* labels. What does each assume
#    about those images?

# %% [markdown] jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# **Answers** (instructor edition only)
# 1. It falls. The autoencoder also learns to rebuild lesions it saw in training, so their reconstruction error
#    shrinks and lesion slices score more like normal ones. "Normal only" training data is an assumption that needs
#    checking (contamination is a known weakness of reconstruction-based detectors).
# 2. Use the other sign (`np.clip(rebuilt - images, 0, None)`) or the absolute error. The absolute error also lights
#    up normal dark structures the model rebuilds poorly (ventricles, sulci, the edge of the brain), so more false
#    alarms; one sign per expected lesion type keeps them down.
# 3. No. AUC averages over all thresholds. The false alarms per 100 normal scans depend on the threshold actually
#    used (one point on the ROC curve: its specificity), and what they mean in practice depends on the prevalence
#    (how many scans are normal) and on the cost of each false alarm.
# 4. (a) The unlabelled data differ from the test data or contain other classes (another scanner, another disease):
#    the pseudo-labels pull the model toward the wrong structure. (b) The classes overlap instead of forming separate
#    clouds, so confident wrong pseudo-labels are confirmed round after round (confirmation bias).
# 5. A classifier trained on balanced labels believes a lesion is more likely (50%) than it is (30%), so its
#    probabilities are too high; the soft pseudo-labels inherit this bias and call too many unlabelled slices
#    "lesion". AUC only ranks images, so it hides this; calibration or a prior correction would show and fix it.
# 6. E.g. grading a tumour by the fraction of cells stained by a marker, or a diagnosis that depends on how regions
#    are arranged. A single abnormal patch does not make the slide positive. Attention (or mean) pooling combines
#    evidence from all patches and can learn "how much"; max pooling sees only the single highest patch.
# 7. Learning is slower and noisier: each bag teaches the model through one patch, and if that patch is the wrong
#    one early on, the error reinforces itself. Attention spreads the gradient over all patches with their weights,
#    so every patch contributes to every step.
# 8. Tumour patches are positive in every bag they occur in, normal patches are labelled positive only by chance
#    (when their bag is positive). On average the classifier still sees tumour patches labelled positive more often.
#    With 1–4 tumour patches among 16, most "positive" labels in a positive bag are wrong; the fewer tumour patches,
#    the noisier the labels.
# 9. Semi-supervised learning assumes the unlabelled images come from the same task and distribution, and that
#    their structure (clusters, smoothness) follows the classes. Transfer learning assumes only that features learned
#    on the other task (edges, textures, shapes) are useful for this one; the images themselves can differ.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
# - [Cheplygina, de Bruijne & Pluim 2019](https://doi.org/10.1016/j.media.2019.03.009), *Not-so-supervised*: the survey behind the
#   lecture's figure, with examples of semi-supervised, multiple-instance and transfer learning in medical imaging.
# - [Baur et al. 2021](https://doi.org/10.1016/j.media.2020.101952): autoencoders for anomaly segmentation in brain MRI compared on the same
#   data; shows how much the choice of score and post-processing matters.
# - [Han et al. 2021](https://doi.org/10.1186/s12859-020-03936-1): MADGAN, the lecture's example of unsupervised anomaly detection on brain MRI.
# - [Arazo et al. 2020](https://doi.org/10.1109/IJCNN48605.2020.9207304): why pseudo-labels suffer from confirmation bias, and simple remedies.
# - [Ilse, Tomczak & Welling 2018](https://proceedings.mlr.press/v80/ilse18a.html): attention-based deep MIL, the attention pooling of §3.
# - [Dietterich, Lathrop & Lozano-Pérez 1997](https://doi.org/10.1016/S0004-3702(96)00034-3): the paper that defined multiple-instance
#   learning.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## References
# Every source this notebook cites, in the order of first use; the full entries are in the course bibliography, [REFERENCES.md](../REFERENCES.md).
#
# - [Cheplygina et al. 2019](https://doi.org/10.1016/j.media.2019.03.009) — the lecture's figure of learning paradigms (header).
# - [Han et al. 2021](https://doi.org/10.1186/s12859-020-03936-1) — MADGAN: AUC 0.727 (MCI), 0.894 (late AD), 0.921 (brain metastases) (§1).
# - [Arazo et al. 2020](https://doi.org/10.1109/IJCNN48605.2020.9207304) — confirmation bias of pseudo-labels (§2).
# - [Dietterich et al. 1997](https://doi.org/10.1016/S0004-3702(96)00034-3) — origin of multiple-instance learning (§3).
# - [Ilse et al. 2018](https://proceedings.mlr.press/v80/ilse18a.html) — attention-based MIL pooling (§3).
# - [Litjens et al. 2018](https://doi.org/10.1093/gigascience/giy065) — the CAMELYON slides: 1,399 slides in 3 terabytes (§3).
# - [Baur et al. 2021](https://doi.org/10.1016/j.media.2020.101952) — autoencoders for anomaly segmentation in brain MRI (Further reading).
