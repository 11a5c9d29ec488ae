# %% [markdown] slideshow={"slide_type": "slide"}
# # 03 · What we do with medical images, and why it is hard
#
# **Lecture slides:** "Lots of things we may want to do using medical images" and "Medical image data is
# intrinsically challenging" of Lecture 3, *Medical Imaging*.
#
# **Learning objectives**
# - name the seven analysis tasks of the lecture (preprocessing, registration, detection, segmentation,
#   classification, monitoring, prediction) and the metric each one is usually judged by;
# - run one small, working example of each task, from real CT/MRI or from simulated lesions with exact ground truth;
# - *see*, in measured numbers, why medical image data is hard: huge images but few cases, scanner differences,
#   long-tailed diseases, noisy and sparse labels, class imbalance and disagreeing experts.
#
# <!-- badges -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medimg-course/medical-imaging-companion/blob/main/notebooks/03_tasks.ipynb) [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medimg-course/medical-imaging-companion/main?urlpath=lab/tree/notebooks/03_tasks.ipynb)
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
from scipy import interpolate
from scipy import ndimage as ndi
from scipy.optimize import minimize
from scipy.stats import wasserstein_distance
from skimage import exposure, feature, filters, measure, restoration, transform, util
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, cohen_kappa_score, roc_auc_score, roc_curve
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from helpers import datasets, metrics, modalities, segmentation, task_widgets, tasks, tasks_extra, viz
from helpers.data import load_sample
from helpers.exercises import check

blas_limit = threadpool_limits(1)  # small arrays: one BLAS thread is fastest and keeps a 2-core machine responsive


# %% [markdown] slideshow={"slide_type": "slide"}
# ## Seven things we want to do with medical images
# The lecture lists seven tasks. Each has a standard way of saying how well it went; a method is only as
# convincing as that number. This notebook runs one small example of each:
#
# | Task | Example here | Judged by |
# | --- | --- | --- |
# | Preprocessing | sharpen a low-resolution CT, remove noise, match scanners | [PSNR](../GLOSSARY.md#psnr) (peak signal-to-noise ratio), [SSIM](../GLOSSARY.md#ssim) (structural similarity): §1 |
# | Registration | align an MRI slice with a differently-contrasted image of the same brain | error of the recovered transform |
# | Detection | find lesion candidates with a blob detector | sensitivity vs false positives per image ([FROC](../GLOSSARY.md#froc)) |
# | Segmentation | outline each lesion | [Dice](../GLOSSARY.md#dice) overlap, [Hausdorff distance](../GLOSSARY.md#hausdorff), area in mm² |
# | Classification | benign-like vs malignant-like lesions | [ROC](../GLOSSARY.md#roc) (receiver operating characteristic) curve, [AUC](../GLOSSARY.md#auc) (area under it): §5 |
# | Monitoring | lesion burden over time as % of the brain | the measurement's error |
# | Prediction | an outcome from image features | cross-validated AUC with a bootstrap confidence interval (§7) |
#
# Real images (CT, MRI) are used where a task needs no ground truth; lesions are **simulated** on real MRI anatomy
# (`helpers.datasets`), because only then do we know the exact answer to score against.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Contents
# The path through this notebook is sections 1 to 8 in order; parts marked *optional* are asides (a slider to play
# with, a closer look) that you can skip on a first pass.
#
# 1. Preprocessing: [1.1 super-resolution](#1.1-·-Preprocessing:-super-resolution) ·
#    [1.2 denoising](#1.2-·-Preprocessing:-denoising), with real low-dose CT noise ·
#    [1.3 intensity normalisation](#1.3-·-Preprocessing:-intensity-normalisation-across-scanners) ·
#    [1.4 slice densification](#1.4-·-Preprocessing:-slice-densification)
# 2. [Registration](#2-·-Registration:-aligning-two-modalities) (*optional*: move the image yourself)
# 3. [Detection](#3-·-Detection:-lesion-candidates-with-a-blob-detector)
# 4. [Segmentation](#4-·-Segmentation:-outline-each-lesion), of lesions and of an organ on real CT
#    (*optional*: the threshold slider)
# 5. [Classification](#5-·-Classification:-benign-like-vs-malignant-like), with a gallery of the two lesion classes
# 6. [Monitoring](#6-·-Monitoring:-lesion-burden-over-time)
# 7. [Prediction](#7-·-Prediction:-an-outcome,-with-honest-uncertainty) (*optional*: the true probabilities on
#    fresh outcomes)
# 8. [Why medical image data is hard](#8-·-Why-medical-image-data-is-hard-—-shown,-not-told): few samples and huge
#    images, non-standard acquisition, long tails, sparse and noisy labels (*optional*: the noise slider),
#    imbalance, subjectivity, de-identification
#
# Then [Recap](#Recap), [Check your understanding](#Check-your-understanding), [Further reading](#Further-reading)
# and [References](#References).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1.1 · Preprocessing: super-resolution
# A scanner with larger pixels records the *average* over each pixel. We imitate that on a real abdominal CT (in
# [HU](../GLOSSARY.md#hu), scaled to 0–1 through the abdominal soft-tissue [window](../GLOSSARY.md#window-level)
# W400 L50 of [Radiopaedia's presets](https://radiopaedia.org/articles/windowing-ct)) by averaging 2 × 2 blocks, then try to get the detail back: three classic interpolations and a tiny **learned**
# upsampler (4 linear 5 × 5 filters, one per sub-pixel position, fitted by least squares on a *different* CT).

# %% slideshow={"slide_type": "fragment"}
def to_unit(hu, level=50, width=400):  # abdomen soft-tissue window W400 L50 (Radiopaedia's preset) -> 0..1
    return np.clip((hu - (level - width / 2)) / width, 0, 1)

def block_mean(image, f=2):  # what a detector with f-times larger pixels records
    h, w = image.shape[-2:]
    return image[..., : h // f * f, : w // f * f].reshape(*image.shape[:-2], h // f, f, w // f, f).mean((-3, -1))

ct, ct_meta = load_sample("ct_abdomen")
truth = to_unit(ct)
low = block_mean(truth)
upsampled = {name: transform.resize(low, truth.shape, order=order)
             for name, order in [("nearest", 0), ("bilinear", 1), ("bicubic", 3)]}
training_ct = to_unit(load_sample("ct_small")[0])[None]  # another patient's CT
upsampler = tasks.fit_linear_upsampler(block_mean(training_ct), training_ct, factor=2, size=5)
upsampled["learned (linear)"] = tasks.apply_linear_upsampler(low, upsampler)
low.shape, truth.shape, upsampler.size


# %% [markdown] slideshow={"slide_type": "subslide"}
# The standard scores compare each result with the original: **PSNR** (peak signal-to-noise ratio,
# `10·log10(range² / mean squared error)`, in dB, higher is better) and **SSIM** (structural similarity index of
# [Wang et al. 2004](https://doi.org/10.1109/TIP.2003.819861): it compares local means, contrasts and structure in
# small windows; 1 = identical).

# %% slideshow={"slide_type": "fragment"}
def psnr(reference, image, data_range=1.0):
    return 10 * np.log10(data_range**2 / np.mean((reference - image) ** 2))

scores = pd.DataFrame({name: {"PSNR (dB)": psnr(truth, up),
                              "SSIM": structural_similarity(truth, up, data_range=1.0)}
                       for name, up in upsampled.items()}).T
scores.round(3)

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* a 130 × 130 mm detail of the real abdominal CT (liver, aorta, the patient's right kidney — image left is
# the patient's right — and a vertebra): the original, the 2 × 2-averaged version enlarged with nearest-neighbour
# and bicubic interpolation, and the learned upsampler.

# %% slideshow={"slide_type": "fragment"}
crop = np.s_[180:330, 150:300]
names = ["nearest", "bicubic", "learned (linear)"]
fig = viz.compare([truth[crop]] + [upsampled[n][crop] for n in names],
                  ["original"] + [f"{n}, {scores.loc[n, 'PSNR (dB)']:.1f} dB" for n in names],
                  spacing_mm=ct_meta.spacing_mm, window=(0.5, 1.0), size=3.0,
                  suptitle="Super-resolution ×2 of a real CT (W400 L50)")

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert abs(psnr(truth, upsampled["bicubic"]) - peak_signal_noise_ratio(truth, upsampled["bicubic"],
                                                                       data_range=1.0)) < 1e-3
assert scores.loc["bicubic", "PSNR (dB)"] > scores.loc["nearest", "PSNR (dB)"] + 1.0, "bicubic should beat nearest"
# honest finding: a learned LINEAR filter only matches bicubic (bicubic is already a good linear filter)
assert abs(scores.loc["learned (linear)", "PSNR (dB)"] - scores.loc["bicubic", "PSNR (dB)"]) < 0.5
# the prose below: PSNR and SSIM rank bilinear and nearest-neighbour differently
psnr_says, ssim_says = (scores.loc["bilinear", m] > scores.loc["nearest", m] for m in ("PSNR (dB)", "SSIM"))
assert psnr_says != ssim_says, scores

# %% [markdown] slideshow={"slide_type": "fragment"}
# Bicubic clearly beats nearest-neighbour, but the learned filter only *matches* bicubic: both are linear filters,
# and bicubic is already close to the best linear one. To really beat it, a model must be non-linear and learn
# what anatomy looks like (the CNNs of notebook 06). Note also that the two metrics disagree on bilinear
# vs nearest: a single number never tells the whole story.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Repeat the comparison with 4 × 4 averaging (`block_mean(truth, 4)`): by how many dB does bicubic beat
# nearest-neighbour now? Store it in `gain_db`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
gain_db = None  # your answer: PSNR gain (dB) of bicubic over nearest-neighbour upsampling at x4
check("03-psnr-gain")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 03-psnr-gain
low4 = block_mean(truth, 4)
gain_db = psnr(truth, transform.resize(low4, truth.shape, order=3)) - psnr(truth, transform.resize(low4, truth.shape,
                                                                                                   order=0))
assert 0.3 < gain_db < 5, gain_db  # still a gain, but every method loses several dB against x2
round(gain_db, 2)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1.2 · Preprocessing: denoising
# A low-dose CT is noisier. We add **simulated** Gaussian noise (σ = 0.05 of the window, i.e. 20 HU) to the same
# CT — a simplification: real low-dose noise is not Gaussian and not independent from pixel to pixel, as the end of
# this section shows — and remove it three ways: a Gaussian blur (smooths everything, edges too), a median filter, and non-local
# means ([Buades et al. 2005](https://doi.org/10.1109/CVPR.2005.38): averages pixels whose *neighbourhoods* look
# alike, so edges survive).

# %% slideshow={"slide_type": "fragment"}
rng = np.random.default_rng(0)
noisy = truth + rng.normal(0, 0.05, truth.shape)
denoised = {"noisy": noisy,
            "Gaussian σ=1 px": ndi.gaussian_filter(noisy, 1.0),
            "median 3×3": ndi.median_filter(noisy, 3),
            "non-local means": restoration.denoise_nl_means(noisy, h=0.04, sigma=0.05, patch_size=5,
                                                            patch_distance=6, fast_mode=True)}
denoise_psnr = {name: round(psnr(truth, image), 2) for name, image in denoised.items()}
denoise_psnr

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the same CT detail with simulated noise and after each of the three denoisers, titled with PSNR.

# %% slideshow={"slide_type": "fragment"}
fig = viz.compare([image[crop] for image in denoised.values()],
                  [f"{name}, {denoise_psnr[name]} dB" for name in denoised], spacing_mm=ct_meta.spacing_mm,
                  window=(0.5, 1.0), size=3.0, suptitle="Denoising a real CT with simulated low-dose noise")

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert all(denoise_psnr[name] > denoise_psnr["noisy"] + 1 for name in denoised if name != "noisy")
assert max(denoise_psnr, key=denoise_psnr.get) == "non-local means", denoise_psnr

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Stronger blurring removes more noise but also more anatomy. Find the Gaussian σ (in pixels) among
# `[0.25, 0.5, 0.75, 1, 1.5, 2, 3]` that gives the best PSNR and store it in `best_sigma`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
best_sigma = None  # your answer: the Gaussian σ (pixels) from [0.25, 0.5, 0.75, 1, 1.5, 2, 3] with the best PSNR
check("03-best-sigma")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 03-best-sigma
sigmas = [0.25, 0.5, 0.75, 1, 1.5, 2, 3]
best_sigma = max(sigmas, key=lambda s: psnr(truth, ndi.gaussian_filter(noisy, s)))
assert sigmas[0] < best_sigma < sigmas[-1]  # the trade-off: too little blur leaves noise, too much erases anatomy
best_sigma

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Real low-dose CT noise: Poisson counts in the projections, streaks in the image
# A CT detector counts X-ray photons. Along each ray the count is Poisson-distributed with mean
# I₀·exp(−∫μ dl) (Beer–Lambert), so a lower dose (fewer photons I₀) or a ray through more tissue gives a relatively
# noisier measurement. The scanner takes −log(count / I₀) and reconstructs by filtered back-projection
# ([FBP](../GLOSSARY.md#fbp)), which
# smears each ray's error back along the whole ray: the image noise is correlated along lines (streaks) and is
# strongest where rays cross the most tissue. Low-dose simulators work exactly this way, in the projections
# ([Zeng et al. 2015](https://doi.org/10.1109/TNS.2015.2467219)). We do it on a 128 × 128 version of the same CT
# (HU converted to μ at 60 keV as in notebook 01, μ_water from
# [NIST SRD 126](https://physics.nist.gov/PhysRefData/XrayMassCoef/tab4.html)), with scikit-image's `radon` and
# `iradon`, 90 views and 10⁵ photons per ray (fewer photons, more noise), three noise draws, and compare with
# white Gaussian noise of the same SD.

# %% slideshow={"slide_type": "fragment"}
small_hu = transform.downscale_local_mean(ct[64:448, 64:448], (3, 3))  # (128, 128) HU, 2.6 mm pixels
pixel_cm = 3 * ct_meta.spacing_mm[0] / 10
mu_water = modalities.MU_60KEV_PER_CM["water"]  # cm⁻¹
angles = np.linspace(0, 180, 90, endpoint=False)  # degrees
line_integrals = transform.radon(modalities.hu_to_mu(np.maximum(small_hu, -1000)), angles, circle=False) * pixel_cm

def fbp_hu(sinogram):  # filtered back-projection, back to HU
    return (transform.iradon(sinogram, angles, circle=False, filter_name="ramp") / pixel_cm / mu_water - 1) * 1000

photons = 1e5  # incident photons per ray: fewer photons, more noise
counts = np.random.default_rng(9).poisson(photons * np.exp(-line_integrals), size=(3, *line_integrals.shape))
clean_fbp = fbp_hu(line_integrals)
poisson_noise = np.stack([fbp_hu(-np.log(np.maximum(c, 1) / photons)) for c in counts]) - clean_fbp  # (3, 128, 128)
body = ndi.binary_erosion(small_hu > -300, iterations=3)  # inside the patient
gaussian_noise = np.random.default_rng(10).normal(0, poisson_noise[:, body].std(), poisson_noise.shape)  # white

def noise_character(noise):  # (draws, h, w) HU -> neighbour correlation along rows/columns, centre/edge SD ratio
    corr = [np.mean([np.corrcoef(n[body], np.roll(n, 1, axis)[body])[0, 1] for n in noise]) for axis in (1, 0)]
    rows, cols = np.indices(body.shape)
    radius = np.hypot(rows - 64, cols - 64)
    centre, edge = body & (radius < 15), body & (radius > 35)
    return {"SD (HU)": noise[:, body].std(), "corr. left-right": corr[0], "corr. up-down": corr[1],
            "SD centre / edge": noise[:, centre].std() / noise[:, edge].std()}

noise_table = pd.DataFrame({"Poisson + FBP": noise_character(poisson_noise),
                            "Gaussian (the simplification)": noise_character(gaussian_noise)}).T
noise_table.round(2)

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the 128 × 128 CT reconstructed from noise-free projections, the same from low-dose Poisson projections,
# and the noise alone for Poisson + FBP and for white Gaussian noise of the same SD (simulated noise, real anatomy).

# %% slideshow={"slide_type": "fragment"}
fig = viz.compare([clean_fbp, clean_fbp + poisson_noise[0], poisson_noise[0], gaussian_noise[0]],
                  ["FBP, no noise", "FBP, low-dose Poisson", "Poisson + FBP noise", "white Gaussian noise"],
                  spacing_mm=(3 * ct_meta.spacing_mm[0],) * 2, window=(50, 400), size=3.0,
                  suptitle="Low-dose CT noise is streaky, not white (simulated in the projections)")
for ax in fig.axes[2:4]:
    ax.images[0].set_clim(-150, 150)

# %% slideshow={"slide_type": "skip"} tags=["check"]
poisson_row, gaussian_row = noise_table.iloc[0], noise_table.iloc[1]
# streaks: neighbours are correlated along one direction and not the other (0.36 vs -0.1 over 5 seeds); white noise
# has no correlation in either direction
assert abs(poisson_row["corr. left-right"] - poisson_row["corr. up-down"]) > 0.2, poisson_row
assert abs(gaussian_row["corr. left-right"]) < 0.05 and abs(gaussian_row["corr. up-down"]) < 0.05, gaussian_row
# noisier in the centre, where rays cross the most tissue (1.2-1.6 per draw, 3 draws pooled); white noise: 1
assert poisson_row["SD centre / edge"] > 1.15 and abs(gaussian_row["SD centre / edge"] - 1) < 0.1, noise_table

# %% [markdown] slideshow={"slide_type": "fragment"}
# The Poisson noise, reconstructed, is streaky: correlated along the direction of the longest rays (left–right
# through this wide abdomen) and stronger in the centre of the body. A denoiser tuned on white Gaussian noise meets
# a different problem on a real low-dose scan, one reason why low-dose CT denoisers are trained on realistic
# simulations like this one or on real low/normal-dose pairs.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1.3 · Preprocessing: intensity normalisation across scanners
# MRI intensities have no fixed unit: the same brain on another vendor's scanner comes out darker or brighter,
# blurrier, noisier, with a different bias field. From here on the lesions are **simulated** on real MNI152 MRI
# anatomy ([Fonov et al. 2011](https://doi.org/10.1016/j.neuroimage.2010.07.033); `datasets.lesion_slices`, exact
# masks known). Keep in mind what that means for every number from here on: all slices come from **one template
# brain**, a smooth average of 152 adults, shifted, rotated and given noise and a lesion. Training and test images
# therefore share one "patient": no split here is across patients, so the scores say how well a method handles the
# simulated variation, not how it would do on new people (whose anatomy, age and disease vary far more).
# `datasets.apply_scanner(..., "B")` re-acquires the same slices as "scanner B" would. Two classic
# fixes: **z-scoring** each image over its foreground (the head, found with
# [Otsu's threshold](https://doi.org/10.1109/TSMC.1979.4310076)), and **histogram matching** to a reference
# scanner.

# %% slideshow={"slide_type": "fragment"}
lesions = datasets.lesion_slices(400, seed=3)  # scanner A: our "hospital"
on_b = datasets.apply_scanner(lesions.images, "B", seed=4)  # the same slices on scanner B

def foreground(images):  # head vs air, per image: Otsu's threshold on a lightly smoothed image
    return np.stack([ndi.gaussian_filter(im, 1) > filters.threshold_otsu(im) for im in images])

def zscore(images):  # per image: subtract the foreground mean, divide by the foreground SD
    fg = foreground(images)
    return np.stack([(im - im[m].mean()) / im[m].std() for im, m in zip(images, fg)])

matched = exposure.match_histograms(on_b, lesions.images)  # B's histogram forced onto A's
lesions.images.shape, lesions.spacing_mm, round(float(lesions.images.mean()), 3), round(float(on_b.mean()), 3)

# %% [markdown] slideshow={"slide_type": "fragment"}
# What "scanner B" does to an image, in order (`datasets.SCANNERS`; the numbers are in the 0–1 intensity units of
# the slices, the blur and the downsampling in pixels): it records at half the resolution, blurs, multiplies by a
# smooth bias field, scales and offsets the intensities, and adds noise. Only the scaling and offset are what
# intensity normalisation can undo.

# %% slideshow={"slide_type": "fragment"}
pd.Series(datasets.SCANNERS["B"])

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the same simulated slice on scanner A and B, and the pooled intensity histograms of the head (the
# foreground) in all 400 slices, raw and z-scored.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 4, figsize=(14, 3.2), layout="constrained")
viz.render_image(axes[0], lesions.images[0], spacing_mm=lesions.spacing_mm, window=(0.5, 1))
viz.render_image(axes[1], on_b[0], spacing_mm=lesions.spacing_mm, window=(0.5, 1))
axes[0].set_title("scanner A (synthetic lesion set)")
axes[1].set_title("same slice, scanner B")
fg_a, fg_b = foreground(lesions.images), foreground(on_b)
before_after = {"raw": (lesions.images[fg_a], on_b[fg_b]),
                "z-scored": (zscore(lesions.images)[fg_a], zscore(on_b)[fg_b]),
                "histogram-matched": (lesions.images[fg_a], matched[fg_b])}
for ax, name in zip(axes[2:], ["raw", "z-scored"]):
    for images, label in zip(before_after[name], ["A", "B"]):
        ax.hist(images, bins=80, histtype="step", density=True, label=label)
    ax.set(title=f"{name} head intensities", xlabel="intensity (a.u.)", ylabel="density")
    ax.legend()
plt.show()


# %% [markdown] slideshow={"slide_type": "subslide"}
# How far apart are the two intensity distributions of the head? The Wasserstein ("earth mover's") distance,
# divided by the spread of scanner A so that raw and z-scored values compare:

# %% slideshow={"slide_type": "fragment"}
def distribution_gap(a, b):  # a, b: 1D arrays of pixel values
    return wasserstein_distance(a[::3], b[::3]) / a.std()

gaps = {name: round(distribution_gap(a, b), 4) for name, (a, b) in before_after.items()}
gaps

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert gaps["histogram-matched"] < gaps["raw"] / 3, gaps
assert gaps["z-scored"] < gaps["raw"] / 2, gaps

# %% [markdown] slideshow={"slide_type": "fragment"}
# Both shrink the gap several-fold; histogram matching, which reshapes the whole distribution rather than only its
# mean and spread, a little more. Neither can undo scanner B's blur and noise: the section *Why it is hard*
# below measures what that costs a model.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Matching to the pooled histogram of 400 slices is a choice. Match `on_b` to **one** scanner-A slice
# (`lesions.images[0]`) instead and compute its `distribution_gap` to `lesions.images`; store it in `gap_one`.
# Is it better or worse than pooling, and why?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
gap_one = None  # your answer: distribution_gap (no unit) after matching on_b to lesions.images[0]
check("03-gap-one")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 03-gap-one
one_ref = np.stack([exposure.match_histograms(b, lesions.images[0]) for b in on_b])
gap_one = distribution_gap(lesions.images[fg_a], one_ref[fg_b])
# one slice is a noisier reference (one brain level, one bias field) than 400 pooled slices
assert gap_one > gaps["histogram-matched"]
round(gap_one, 4)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1.4 · Preprocessing: slice densification
# Clinical series often have thick slices: fine in-plane pixels, but 3–5 mm between slices. Many methods want
# (near-)isotropic voxels, so the missing slices in between are **interpolated** ("densified") along the
# through-plane axis. Notebook 02 writes every second axial slice of the real MNI152 T1 template (2 mm voxels) as a
# DICOM series with 4 mm between slices and reads it back into a volume. We take the same 4 mm stack here, fill in
# the slice half-way between each pair, and score it against the **real** slice that was left out, a ground truth
# we rarely have. (The template is an average of many brains, so it is smoother than one patient's scan: this is
# a best case for interpolation.)

# %% slideshow={"slide_type": "fragment"}
t1, mri_meta = load_sample("mri_brain_t1")  # (z, y, x), 2 mm voxels
series_4mm = t1[0::2].astype(float)  # every 2nd slice: the 4 mm series of notebook 02
held_out = t1[1::2].astype(float)[: len(series_4mm) - 1]  # the real slices half-way between, never used below
n_mid = len(held_out)
densified = {"nearest (copy the slice below)": series_4mm[:n_mid],
             "linear (mean of the two neighbours)": (series_4mm[:n_mid] + series_4mm[1:n_mid + 1]) / 2,
             "cubic spline": interpolate.make_interp_spline(np.arange(len(series_4mm)) * 2.0, series_4mm, k=3,
                                                            axis=0)(np.arange(n_mid) * 2.0 + 1)}
slice_rmse = {name: np.sqrt(((mid - held_out) ** 2).mean(axis=(1, 2))) for name, mid in densified.items()}
pd.DataFrame({name: {"mean RMSE": e.mean(), "worst slice RMSE": e.max()} for name, e in slice_rmse.items()}).T.round(4)

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the same sagittal plane (superior up, anterior left) of the real 2 mm template, of the 4 mm series,
# and of the series densified back to 2 mm by linear interpolation; right, the error of each held-out slice
# (template intensity units, 0–1) for the three interpolations.

# %% slideshow={"slide_type": "fragment"}
dense = np.empty((2 * n_mid + 1, *t1.shape[1:]))
dense[0::2], dense[1::2] = series_4mm[:n_mid + 1], densified["linear (mean of the two neighbours)"]
fig, axes = plt.subplots(1, 4, figsize=(14, 3.4), layout="constrained", width_ratios=[1, 1, 1, 1.4])
for ax, (title, volume, dz) in zip(axes, [("real, 2 mm slices", t1, 2.0), ("4 mm series", series_4mm, 4.0),
                                           ("densified to 2 mm (linear)", dense, 2.0)]):
    viz.render_image(ax, viz.plane(volume, 49, axis=2), spacing_mm=(dz, 2.0), window=(0.5, 1.0))
    ax.set_title(title)
for name, error in slice_rmse.items():
    axes[3].plot(np.arange(n_mid) * 4 + 2, error, label=name.split(" (")[0])
axes[3].set(xlabel="position of the held-out slice (mm from the first)", ylabel="RMSE vs the real slice",
            title="Error of each interpolated slice")
axes[3].legend()
fig.suptitle("Slice densification of the real MNI152 T1 template (4 mm → 2 mm)")
plt.show()

# %% slideshow={"slide_type": "skip"} tags=["check"]
errors_nearest, errors_linear, errors_cubic = slice_rmse.values()
has_head = held_out.max(axis=(1, 2)) > 0.1  # slices outside the head are empty: every method is exact there
assert np.all(errors_linear[has_head] < errors_nearest[has_head]), "linear beats copying on every slice"
assert errors_linear.mean() < 0.8 * errors_nearest.mean(), (errors_linear.mean(), errors_nearest.mean())
assert abs(errors_cubic.mean() - errors_linear.mean()) < 0.2 * errors_linear.mean()  # cubic: no real gain

# %% [markdown] slideshow={"slide_type": "fragment"}
# Averaging the two neighbours beats copying one of them on every slice of the head; a cubic spline adds almost
# nothing. But no interpolation recovers structure thinner than the slice gap that lies between two slices: that
# detail was never measured. Densified slices look smooth and convincing; they are an estimate, not data.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Registration: aligning two modalities
# Registration finds the spatial transform that puts one image on top of another. Here the reference ("fixed") is
# an axial slice of the real MNI152 [T1](../GLOSSARY.md#t1)-weighted MRI template. The "moving" image is a
# **[T2](../GLOSSARY.md#t2)-like** image of the same slice, built from the template's tissue maps (CSF bright, grey
# matter darker, white matter darkest — the reverse of T1, since CSF has by far the longest T2: about 500 ms at 3 T
# ([Piechnik et al. 2009](https://doi.org/10.1002/mrm.21897)) against 110 ms in grey and 79 ms in white matter
# ([Wansapura et al. 1999](https://doi.org/10.1002/(SICI)1522-2586(199904)9:4<531::AID-JMRI4>3.0.CO;2-L))), then
# turned and shifted by a known amount as if the patient had moved between the two scans.

# %% slideshow={"slide_type": "fragment"}
t1, mri_meta = load_sample("mri_brain_t1")
gm, wm, brain_mask = (load_sample(name)[0] for name in ("mri_brain_gm", "mri_brain_wm", "mri_brain_mask"))
k = 45  # an axial slice through the ventricles
csf = np.clip(brain_mask[k] - gm[k] - wm[k], 0, 1)
t2_like = 1.0 * csf + 0.5 * gm[k] + 0.35 * wm[k]
fixed = t1[k].astype(float)
known_angle, known_shift = 7.0, (4.5, -6.0)  # degrees, pixels (row, col): what registration must find
undo = tasks.invert_rigid(known_angle, known_shift)
moving = tasks.rigid_transform(t2_like, angle_deg=undo[0], shift_px=undo[1])
fixed.shape, mri_meta.spacing_mm[1:]


# %% [markdown] slideshow={"slide_type": "subslide"}
# Bright-on-bright comparisons (the squared difference) fail when one modality is dark where the other is bright.
# **Mutual information** (MI: how many bits one image's grey level tells about the other's, computed from their
# joint histogram; [Maes et al. 1997](https://doi.org/10.1109/42.563664),
# [Viola & Wells 1997](https://doi.org/10.1023/A:1007958904918)) asks instead how well one image *predicts* the
# other, whatever the mapping between their grey levels:

# %% slideshow={"slide_type": "fragment"}
def mutual_info(a, b, bins=32):
    joint, _, _ = np.histogram2d(a.ravel(), b.ravel(), bins=bins)
    p = joint / joint.sum()
    p_a, p_b = p.sum(axis=1, keepdims=True), p.sum(axis=0, keepdims=True)
    nz = p > 0
    return float((p[nz] * np.log(p[nz] / (p_a @ p_b)[nz])).sum())

mutual_info(fixed, moving), mutual_info(fixed, tasks.rigid_transform(moving, angle_deg=known_angle,
                                                                     shift_px=known_shift))


# %% [markdown] slideshow={"slide_type": "fragment"}
# Mutual information is higher once aligned. Registration *is* maximising it over the three parameters of a rigid
# transform (angle, row shift, column shift), here with Powell's derivative-free optimiser:

# %% slideshow={"slide_type": "fragment"}
def cost(p):  # p = (angle in degrees, row shift, column shift in pixels)
    return -mutual_info(fixed, tasks.rigid_transform(moving, angle_deg=p[0], shift_px=p[1:]))

result = minimize(cost, x0=[0.0, 0.0, 0.0], method="Powell")
found_angle, found_shift = result.x[0], result.x[1:]
angle_error = abs(found_angle - known_angle)
shift_error_px = float(np.hypot(*(found_shift - known_shift)))
f"angle {found_angle:.2f}° (error {angle_error:.2f}°), shift error {shift_error_px:.2f} px " \
    f"= {shift_error_px * mri_meta.spacing_mm[1]:.2f} mm, {result.nfev} evaluations"

# %% [markdown] slideshow={"slide_type": "subslide"}
# *Figure:* checkerboards that alternate 13-pixel tiles of the fixed T1 slice and the moving T2-like slice,
# before and after registration; after it, edges continue smoothly from one tile to the next.

# %% slideshow={"slide_type": "fragment"}
registered = tasks.rigid_transform(moving, angle_deg=found_angle, shift_px=found_shift)
boards = [util.compare_images(fixed / fixed.max(), im / im.max(), method="checkerboard", n_tiles=(9, 8))
          for im in (moving, registered)]
fig = viz.compare([fixed, moving] + boards, ["fixed: T1", "moving: T2-like (moved)", "checkerboard before",
                                            "checkerboard after"], spacing_mm=mri_meta.spacing_mm[1:], size=3.0,
                  window=(0.5, 1.0), suptitle="Rigid registration by mutual information (real MRI template)")

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert angle_error < 1.0 and shift_error_px < 1.0, (found_angle, found_shift)
assert abs(mutual_info(fixed, moving, bins=16) - tasks.mutual_information(fixed, moving, bins=16)) < 0.02

# %% [markdown] slideshow={"slide_type": "subslide"}
# The squared-difference cost fails on this pair: it prefers to put bright on bright, which here means *wrong*
# tissue on tissue. The helper `tasks.register_rigid` does the same optimisation with either cost:

# %% slideshow={"slide_type": "fragment"}
ssd_angle, ssd_shift = tasks.register_rigid(moving, fixed, metric="ssd")
mi_angle, mi_shift = tasks.register_rigid(moving, fixed, metric="mi")
pd.DataFrame({"angle (°)": [known_angle, mi_angle, ssd_angle],
              "row shift (px)": [known_shift[0], mi_shift[0], ssd_shift[0]],
              "col shift (px)": [known_shift[1], mi_shift[1], ssd_shift[1]]},
             index=["known", "mutual information", "squared difference"]).round(2)

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert abs(mi_angle - known_angle) < 1.0 and np.hypot(*np.subtract(mi_shift, known_shift)) < 1.0
assert abs(ssd_angle - known_angle) > 2.0, "SSD should fail on an inverted-contrast pair"

# %% [markdown] slideshow={"slide_type": "subslide"}
# *Optional — register by hand.* Move the T2-like image with the three sliders and watch both costs: mutual
# information rises as you approach the known transform (about 7°, (4.5, −6) px), while the squared difference
# (SSD) does not reliably fall, because the two contrasts disagree. `task_widgets.rigid_costs` computes both; the
# saved notebook shows the start position.
#
# *Figure:* the fixed T1 slice (red) and the moved T2-like slice (green) overlaid, with the mutual information and
# the squared difference of the current position.

# %% slideshow={"slide_type": "fragment"}
task_widgets.RegistrationViewer(fixed, moving)

# %% slideshow={"slide_type": "skip"} tags=["check"]
at_start, at_known = (task_widgets.rigid_costs(fixed, moving, a, s) for a, s in [(0.0, (0.0, 0.0)),
                                                                                  (known_angle, known_shift)])
assert at_known["mi"] > at_start["mi"] + 0.1, (at_start, at_known)  # the slider's MI readout rewards alignment

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Within one modality the squared difference works. Move the **T1** slice itself (`fixed`) by the known
# transform's inverse, register it back with `metric="ssd"`, and store the angle error (degrees) in
# `same_modality_error`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
same_modality_error = None  # your answer: |found − known| angle (degrees), SSD, T1 onto T1
check("03-same-modality-error")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 03-same-modality-error
moved_t1 = tasks.rigid_transform(fixed, angle_deg=undo[0], shift_px=undo[1])
angle, shift = tasks.register_rigid(moved_t1, fixed, metric="ssd")
same_modality_error = abs(angle - known_angle)
assert same_modality_error < 1.0
round(same_modality_error, 3)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Detection: lesion candidates with a blob detector
# A lesion looks like a bright blob. The **Laplacian of Gaussian** (LoG) responds most strongly at the centre of a
# blob whose radius matches its scale σ (radius ≈ σ·√2 in 2D, [Lindeberg 1998](https://doi.org/10.1023/A:1008045108935)); trying several σ finds blobs of several sizes. Every local
# maximum of the response is a *candidate*, with a score. We run it on the first 100 simulated slices (half of them
# with a lesion).

# %% slideshow={"slide_type": "fragment"}
sigmas = [1.0, 1.5, 2.0, 2.5, 3.0]  # pixels (3 mm each): lesion radii of about 4-13 mm

def log_candidates(image):
    response = np.max([-s**2 * ndi.gaussian_laplace(image, s) for s in sigmas], axis=0)  # scale-normalised
    brain = ndi.gaussian_filter(image, 2) > 0.15  # ignore the air around the head
    peaks = feature.peak_local_max(np.where(brain, response, 0), min_distance=3, exclude_border=2,
                                   threshold_abs=1e-3)
    smooth = ndi.gaussian_filter(image, 1.0)
    brightness = smooth - np.percentile(smooth[brain], 90)  # how much brighter than most of the brain
    return peaks, response[tuple(peaks.T)], brightness[tuple(peaks.T)]

n_det = 100
found = [log_candidates(lesions.images[i].astype(float)) for i in range(n_det)]
truths = [lesions.centers[i][None] if lesions.labels[i] else np.zeros((0, 2)) for i in range(n_det)]
f"{np.mean([len(p) for p, _, _ in found]):.1f} candidates per image for {sum(len(t) for t in truths)} lesions"

# %% [markdown] slideshow={"slide_type": "subslide"}
# Many candidates are normal anatomy. Ranking them is what matters. The standard curve for detection is the
# **[FROC](../GLOSSARY.md#froc)** (free-response ROC, [Chakraborty 1989](https://doi.org/10.1118/1.596358)): the
# fraction of lesions found against the number of false positives per image, as the score threshold falls. We compare two rankings of the same candidates: the LoG response itself, and the
# candidate's brightness relative to the rest of the brain (domain knowledge: these lesions are brighter than
# tissue). A hit is a candidate within 3 pixels (9 mm) of a lesion centre.

# %% slideshow={"slide_type": "fragment"}
froc = {}
for name, k in [("LoG response", 1), ("brightness vs brain", 2)]:
    candidates = [np.column_stack([peaks, scores[k - 1]]) for peaks, *scores in found]
    froc[name] = metrics.froc_curve(candidates, truths, max_distance_px=3)

def sensitivity_at(name, fp_per_image):
    fp, sens, _ = froc[name]
    ok = fp <= fp_per_image
    return float(sens[ok].max()) if ok.any() else 0.0

{name: sensitivity_at(name, 1.0) for name in froc}

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* FROC curves of the two rankings (left) and four simulated slices, two with and two without a lesion,
# with the candidates kept at one false positive per image (circles) and the true lesions (crosses).

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 5, figsize=(15, 3.2), layout="constrained", width_ratios=[1.4, 1, 1, 1, 1])
for name, (fp, sens, _) in froc.items():
    axes[0].step(fp, sens, where="post", label=name)
axes[0].set(xscale="log", xlim=(0.01, 20), ylim=(0, 1.02), xlabel="false positives per image",
            ylabel="sensitivity (lesions found)", title="FROC, synthetic lesions")
axes[0].legend(loc="lower right")
fp, sens, thresholds = froc["brightness vs brain"]
keep_above = thresholds[fp <= 1.0][-1]  # the operating point: 1 false positive per image
examples = list(np.flatnonzero(lesions.labels[:n_det] == 1)[:2]) + list(np.flatnonzero(lesions.labels[:n_det] == 0)[:2])
for ax, i in zip(axes[1:], examples):
    viz.render_image(ax, lesions.images[i], window=(0.5, 1))
    peaks, _, brightness = found[i]
    kept = peaks[brightness >= keep_above]
    ax.scatter(kept[:, 1], kept[:, 0], s=120, facecolors="none", edgecolors="#E69F00", linewidths=1.5)
    if lesions.labels[i]:
        ax.plot(lesions.centers[i, 1], lesions.centers[i, 0], "+", color="#56B4E9", ms=12, mew=2)
    ax.set_title(f"slice {i}: {'lesion' if lesions.labels[i] else 'no lesion'}")
fig.suptitle("Blob detection on synthetic lesion slices (circles: kept candidates, +: true lesion)")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# At that operating point, the classic detection scores are **recall** (= sensitivity: lesions found / lesions)
# and **precision** (true candidates / all kept candidates):

# %% slideshow={"slide_type": "fragment"}
n_kept = sum(int((b >= keep_above).sum()) for _, _, b in found)
recall = sensitivity_at("brightness vs brain", 1.0)
true_kept = recall * sum(len(t) for t in truths)
{"recall": round(recall, 3), "precision": round(true_kept / n_kept, 3), "candidates kept": n_kept}

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert sensitivity_at("brightness vs brain", 1.0) >= 0.8
assert sensitivity_at("brightness vs brain", 0.25) > sensitivity_at("LoG response", 0.25)

# %% [markdown] slideshow={"slide_type": "fragment"}
# Ranked by the LoG response alone, many lesions come only after false positives: bright anatomy (white matter
# between dark sulci) is blob-like too. Ranking the same candidates by brightness relative to the brain puts
# almost every lesion first. A lesion the LoG never proposes could never be found, whatever the ranking. Note
# also the low precision at full recall: most kept candidates sit in lesion-free slices.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Tighten the hit criterion to 1.5 pixels (4.5 mm) and recompute the sensitivity at 1 false positive per image for
# the brightness ranking; store it in `strict_sensitivity`. Why does a stricter tolerance lower it?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
strict_sensitivity = None  # your answer: sensitivity (fraction 0-1) at 1 FP/image, 1.5-pixel hits
check("03-strict-sensitivity")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 03-strict-sensitivity
candidates = [np.column_stack([peaks, brightness]) for peaks, _, brightness in found]
fp, sens, _ = metrics.froc_curve(candidates, truths, max_distance_px=1.5)
strict_sensitivity = float(sens[fp <= 1.0].max())
# a peak of an irregular lesion is not always at its centre: some hits now count as misses (and false positives)
assert strict_sensitivity <= sensitivity_at("brightness vs brain", 1.0)
round(strict_sensitivity, 3)


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Segmentation: outline each lesion
# Segmentation delineates the lesion pixel by pixel. A classic semi-automatic method: the reader clicks on a lesion
# (here: its true centre), we threshold at **half the way** from the local background to the lesion's peak, keep
# only the connected region under the click (within 2 cm), and fill its holes (morphology).

# %% slideshow={"slide_type": "fragment"}
def segment(image, click, radius_px=7, fraction=0.5):  # fraction of the way from background to peak
    smooth = ndi.gaussian_filter(image, 0.7)
    r0, c0 = np.round(click).astype(int)
    box = smooth[r0 - 2:r0 + 3, c0 - 2:c0 + 3]  # the brightest pixel near the click is the seed
    r, c = np.array([r0, c0]) - 2 + np.array(np.unravel_index(box.argmax(), box.shape))
    rows, cols = np.ogrid[:image.shape[0], :image.shape[1]]
    near = (rows - r) ** 2 + (cols - c) ** 2 <= radius_px**2
    background = np.median(smooth[near])
    regions, _ = ndi.label((smooth > background + fraction * (smooth[r, c] - background)) & near)
    return ndi.binary_fill_holes(regions == regions[r, c]) if regions[r, c] else np.zeros(image.shape, bool)

positives = np.flatnonzero(lesions.labels)
segmented = np.array([segment(lesions.images[i].astype(float), lesions.centers[i]) for i in positives])
segmented.shape

# %% [markdown] slideshow={"slide_type": "subslide"}
# The standard scores: the **[Dice](../GLOSSARY.md#dice)** overlap `2|A∩B| / (|A|+|B|)` (1 = perfect;
# [Dice 1945](https://doi.org/10.2307/1932409)), the **[Hausdorff distance](../GLOSSARY.md#hausdorff)** (the worst
# boundary disagreement, in mm; [Huttenlocher et al. 1993](https://doi.org/10.1109/34.232073); its robust cousin
# **HD95** takes the 95th percentile of the boundary distances instead of the maximum), and the measured **area**
# in mm² against the exact one.

# %% slideshow={"slide_type": "fragment"}
truth_masks = lesions.masks[positives]
dice = np.array([2 * (s & t).sum() / (s.sum() + t.sum()) for s, t in zip(segmented, truth_masks)])
hausdorff = np.array([metrics.hausdorff_mm(s, t, lesions.spacing_mm) for s, t in zip(segmented, truth_masks)])
pixel_mm2 = np.prod(lesions.spacing_mm)
area_measured = segmented.sum(axis=(1, 2)) * pixel_mm2
area_error = (area_measured - lesions.area_mm2[positives]) / lesions.area_mm2[positives]
pd.Series({"median Dice": np.median(dice), "Dice, worst 10%": np.percentile(dice, 10),
           "median Hausdorff (mm)": np.median(hausdorff), "median |area error| (%)": 100 * np.median(abs(area_error))
           }).round(3)

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* 72 × 72 mm details of four simulated lesions with the true outline (blue) and the segmentation
# (orange), and the measured against the true area of all 200 lesions.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 5, figsize=(15, 3.2), layout="constrained")
mm = (np.arange(24) + 0.5) * lesions.spacing_mm[0]  # pixel centres of a 24-pixel detail, in mm
for ax, j in zip(axes[:4], [int(np.argmin(dice)), 0, 1, 2]):  # the worst case first
    r, c = np.clip(np.round(lesions.centers[positives[j]]).astype(int) - 12, 0, 40)
    detail = np.s_[r:r + 24, c:c + 24]
    viz.render_image(ax, lesions.images[positives[j]][detail], spacing_mm=lesions.spacing_mm, window=(0.5, 1))
    ax.contour(mm, mm, truth_masks[j][detail], [0.5], colors="#56B4E9", linewidths=2)
    ax.contour(mm, mm, segmented[j][detail], [0.5], colors="#E69F00", linewidths=1.5)
    ax.set_title(f"lesion {j}: Dice {dice[j]:.2f}, HD {hausdorff[j]:.0f} mm", fontsize=10)
axes[4].scatter(lesions.area_mm2[positives], area_measured, s=8, alpha=0.6)
axes[4].axline((0, 0), slope=1, color="gray", lw=1)
axes[4].set(xlabel="true area (mm²)", ylabel="measured area (mm²)", title="Area, synthetic lesions")
fig.suptitle("Half-way threshold segmentation of synthetic lesions (blue: truth, orange: segmentation)")
plt.show()

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert abs(dice[0] - metrics.dice(segmented[0], truth_masks[0])) < 1e-12
# notebook 06 compares a U-Net with this method through helpers.segmentation: the same function, every lesion
assert all(np.array_equal(segmentation.half_way_threshold(lesions.images[i].astype(float), lesions.centers[i]), s)
           for i, s in zip(positives, segmented, strict=True))
assert np.median(dice) > 0.8, np.median(dice)
assert np.median(abs(area_error)) < 0.25, np.median(abs(area_error))
ten = np.zeros((5, 5), bool)
ten[1:3, :5] = True  # a 10-pixel lesion
plus_one, minus_one = ten.copy(), ten.copy()
plus_one[3, 0], minus_one[1, 0] = True, False
one_pixel_cost = [1 - metrics.dice(plus_one, ten), 1 - metrics.dice(minus_one, ten)]
assert all(0.04 < cost < 0.06 for cost in one_pixel_cost), one_pixel_cost  # about 5%, as the prose says

# %% [markdown] slideshow={"slide_type": "fragment"}
# Most lesions are outlined well; the worst one (left panel) shows the typical failure: the region leaks into (or
# stops short of) neighbouring tissue of similar brightness. Small lesions are hard to score: one pixel is 9 mm²,
# and one pixel added to or missed from a 10-pixel lesion costs about 5% Dice (2·10/21 ≈ 0.952, 2·9/19 ≈ 0.947,
# computed in the check above). The Hausdorff distance, being a *maximum*, punishes a single leak that Dice hardly
# notices.

# %% [markdown] slideshow={"slide_type": "subslide"}
# *Optional — pick the threshold yourself.* A plain global threshold on a 24 × 24 detail of the largest lesion:
# drag it and watch Dice with the exact mask (`task_widgets.threshold_dice`). Too low, the outline leaks into the
# brain; too high, it shrinks to the lesion's brightest core.
#
# *Figure:* the lesion detail with the true outline (blue) and the thresholded outline (orange), and Dice against
# the threshold with the current choice marked.

# %% slideshow={"slide_type": "fragment"}
big_one = positives[int(np.argmax(lesions.area_mm2[positives]))]
r0, c0 = np.clip(np.round(lesions.centers[big_one]).astype(int) - 12, 0, 40)
detail_image = ndi.gaussian_filter(lesions.images[big_one].astype(float), 0.7)[r0:r0 + 24, c0:c0 + 24]
detail_truth = lesions.masks[big_one][r0:r0 + 24, c0:c0 + 24]
task_widgets.ThresholdDiceViewer(detail_image, detail_truth, float(np.median(detail_image)),
                             spacing_mm=lesions.spacing_mm, title="lesion detail")

# %% slideshow={"slide_type": "skip"} tags=["check"]
sweep = np.linspace(detail_image.min(), detail_image.max(), 101)
sweep_dice = task_widgets.threshold_dice(detail_image, detail_truth, sweep)
assert sweep_dice.max() > 0.7 and sweep_dice[0] < 0.5 * sweep_dice.max() and sweep_dice[-1] < 0.5 * sweep_dice.max()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# The "half-way" threshold is a choice. Segment the same lesions at 30% of the way from background to peak
# (`segment(..., fraction=0.3)`, i.e. `background + 0.3 * (peak - background)`) and compute their median Dice
# (store it in `median_dice_30`).
# Do lesions come out larger or smaller?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
median_dice_30 = None  # your answer: median Dice (0-1) of the 30% segmentations
check("03-median-dice-30")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 03-median-dice-30
seg30 = [segment(lesions.images[i].astype(float), lesions.centers[i], fraction=0.3) for i in positives]
median_dice_30 = float(np.median([metrics.dice(s, t) for s, t in zip(seg30, truth_masks)]))
assert np.mean([s.sum() for s in seg30]) > segmented.sum(axis=(1, 2)).mean()  # a lower threshold grows them
round(median_dice_30, 3)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### An organ on real CT: the kidney
# The same recipe — threshold, keep the connected region under a click, fill its holes — segments an organ on the
# real contrast-enhanced abdominal CT of §1. After the contrast injection the kidney's tissue is brighter than the
# liver and the muscles around it (measured below), so a threshold between the two separates it; filling holes adds
# the darker inner part (medulla and renal sinus). The click is on the patient's right kidney (image left). There is
# no exact truth here; instead we check what a good segmentation must do: stay one compact region and barely move
# when the threshold moves.

# %% slideshow={"slide_type": "fragment"}
kidney_click = (305, 205)  # (row, col) in the 512 × 512 CT: inside the patient's right kidney

def segment_organ(hu, click, threshold_hu):
    bright = ndi.binary_fill_holes(ndi.gaussian_filter(hu, 1.0) > threshold_hu)
    regions, _ = ndi.label(bright)
    return regions == regions[click] if regions[click] else np.zeros(hu.shape, bool)

kidney = segment_organ(ct, kidney_click, 130)
kidney_props = measure.regionprops(kidney.astype(np.uint8))[0]
liver_hu = np.median(ct[230:270, 130:170])  # a 34 × 34 mm patch of liver
threshold_areas = {t: segment_organ(ct, kidney_click, t).sum() * np.prod(ct_meta.spacing_mm) / 100
                   for t in (110, 130, 150)}  # cm²
{"kidney area (cm²)": round(kidney.sum() * np.prod(ct_meta.spacing_mm) / 100, 1),
 "size (mm)": tuple(round(n * ct_meta.spacing_mm[0]) for n in np.ptp(np.argwhere(kidney), axis=0)),
 "median HU: kidney, liver": (float(np.median(ct[kidney])), float(liver_hu)),
 "area at 110 / 130 / 150 HU (cm²)": [round(a, 1) for a in threshold_areas.values()]}

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the real abdominal CT (W400 L50) with the segmented right kidney outlined, and a detail.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), layout="constrained")
mm_axis = (np.arange(512) + 0.5) * ct_meta.spacing_mm[0]
for ax, view in zip(axes, [np.s_[:, :], np.s_[250:360, 140:260]]):
    viz.render_image(ax, ct[view], spacing_mm=ct_meta.spacing_mm, window=(50, 400))
    ax.contour(mm_axis[:kidney[view].shape[1]], mm_axis[:kidney[view].shape[0]], kidney[view], [0.5],
               colors="#E69F00", linewidths=1.5)
axes[0].set_title("Kidney by threshold + connected component")
axes[1].set_title("detail (the patient's right kidney)")
plt.show()

# %% slideshow={"slide_type": "skip"} tags=["check"]
areas = np.array(list(threshold_areas.values()))
assert np.ptp(areas) < 0.15 * areas.mean(), threshold_areas  # a stable boundary: ±20 HU moves the area < 15%
assert kidney_props.solidity > 0.85, kidney_props.solidity  # one compact region: no leak into liver or spine
assert kidney_props.centroid[1] < 256, "on the image's left, the patient's right"
assert np.median(ct[kidney]) > liver_hu + 20, "enhanced kidney is brighter than the liver"

# %% [markdown] slideshow={"slide_type": "fragment"}
# The kidney comes out as one compact region about 5–6 cm across, and moving the threshold by 20 HU either way
# changes its area by only a few percent: its boundary is a sharp edge of contrast. Organs without such an edge
# (the liver against the spleen or the bowel) need more than a threshold: region growing with shape constraints,
# atlases, or the networks of notebooks 06 and 09.


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Classification: benign-like vs malignant-like
# Among the simulated lesions, half are "malignant-like": on average larger, more irregular, with a brighter rim.
# From each *segmented* lesion we measure a few classic features (size, intensity, rim contrast, shape:
# irregularity = 1 − [solidity](../GLOSSARY.md#solidity)) and fit a logistic regression — a linear model. The
# **ROC curve** (receiver operating characteristic: sensitivity against 1 − specificity as the decision threshold
# moves) and its area, the **[AUC](../GLOSSARY.md#auc)** (the probability that a random malignant lesion scores
# higher than a random benign one; [Hanley & McNeil 1982](https://doi.org/10.1148/radiology.143.1.7063747)), are
# the standard scores; we use 5-fold cross-validation so that every lesion is scored by a model that never saw it.
#
# First, how the two classes were made (`datasets.lesion_slices`): each positive slice gets one bright lesion, an
# ellipse with an irregular outline, blurred by the scanner. A hidden "aggressiveness" score, higher on average for
# the malignant-like half, raises together (with noise) the radius, the irregularity of the outline and the rim
# enhancement (a darker core inside a brighter ring). So the classes overlap by design: some benign-like lesions
# are large and ragged, some malignant-like ones small and round.
#
# *Figure:* 36 × 36 mm details of six benign-like (top) and six malignant-like (bottom) simulated lesions, each
# titled with its nominal radius, with the true outline in blue.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(2, 6, figsize=(13, 4.8), layout="constrained")
detail_mm = (np.arange(12) + 0.5) * lesions.spacing_mm[0]
for row, cls in zip(axes, (0, 1)):
    for ax, i in zip(row, np.flatnonzero(lesions.malignant == cls)[:6]):
        r, c = np.clip(np.round(lesions.centers[i]).astype(int) - 6, 0, 52)
        viz.render_image(ax, lesions.images[i][r:r + 12, c:c + 12], spacing_mm=lesions.spacing_mm,
                         window=(0.6, 1.2))
        ax.contour(detail_mm, detail_mm, lesions.masks[i][r:r + 12, c:c + 12], [0.5], colors="#56B4E9")
        ax.set_title(f"{'malignant' if cls else 'benign'}-like, r {lesions.radius_mm[i]:.0f} mm", fontsize=9)
fig.suptitle("The two simulated lesion classes (synthetic, on real MNI152 anatomy)")
plt.show()

# %% slideshow={"slide_type": "fragment"}
def lesion_measurements(image, mask):
    ring = ndi.binary_dilation(mask, iterations=2) & ~mask
    props = measure.regionprops(mask.astype(np.uint8))[0]
    return {"log area (mm²)": np.log(mask.sum() * pixel_mm2), "mean intensity": image[mask].mean(),
            "rim contrast": image[mask].mean() - image[ring].mean(), "irregularity": 1 - props.solidity,
            "eccentricity": props.eccentricity, "intensity sd": image[mask].std()}

table = pd.DataFrame([lesion_measurements(lesions.images[i], m) for i, m in zip(positives, segmented)])
malignant = lesions.malignant[positives]
classifier = make_pipeline(StandardScaler(), LogisticRegression())
p_malignant = cross_val_predict(classifier, table, malignant, cv=5, method="predict_proba")[:, 1]
auc = roc_auc_score(malignant, p_malignant)
table.assign(malignant=malignant).groupby("malignant").mean().round(3)

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the cross-validated ROC curve of the linear model, against chance (diagonal).

# %% slideshow={"slide_type": "fragment"}
fpr, tpr, _ = roc_curve(malignant, p_malignant)
fig, ax = plt.subplots(figsize=(4, 4), layout="constrained")
ax.plot(fpr, tpr, label=f"logistic regression, AUC {auc:.2f}")
ax.plot([0, 1], [0, 1], color="gray", lw=1, ls="--", label="chance")
ax.set(xlabel="false positive rate (1 − specificity)", ylabel="true positive rate (sensitivity)",
       title="Benign vs malignant, synthetic lesions")
ax.legend(loc="lower right")
plt.show()

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert 0.65 < auc < 0.95, auc  # well above chance, far from perfect: the simulated groups overlap

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Which single measurement carries most of the signal? Compute the AUC of each column of `table` on its own
# (`roc_auc_score(malignant, table[col])`; an AUC below 0.5 means the feature works "upside down") and store the
# name of the best column, judged by `max(auc, 1 - auc)`, in `best_feature`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
best_feature = None  # your answer: a column name of `table` (a string)
check("03-best-feature")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 03-best-feature
single = {col: roc_auc_score(malignant, table[col]) for col in table}
best_feature = max(single, key=lambda col: max(single[col], 1 - single[col]))
assert max(single[best_feature], 1 - single[best_feature]) <= auc + 0.05  # one feature ≈ or < all of them
best_feature, round(single[best_feature], 3)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Monitoring: lesion burden over time
# Follow-up scans ask: is the disease growing? The **lesion burden** is the lesion's share of the organ, here
# lesion area / brain area in one slice, in %. `datasets.longitudinal_series` simulates six scans, 3 months apart,
# of a lesion whose radius grows 1 mm per scan; each scan is repositioned and has its own brightness and noise.

# %% slideshow={"slide_type": "fragment"}
series = datasets.longitudinal_series(6, growth_mm_per_step=1.0, seed=0)
px_mm2 = np.prod(series.spacing_mm)

def burden_percent(image, click):
    lesion = segment(image.astype(float), click)
    brain = ndi.binary_fill_holes(ndi.gaussian_filter(image, 1) > filters.threshold_otsu(image))
    return 100 * lesion.sum() / brain.sum()

clicks = [ndi.center_of_mass(m) for m in series.masks]  # the reader clicks on the lesion in each scan
measured = np.array([burden_percent(im, c) for im, c in zip(series.images, clicks)])
true_burden = 100 * series.area_mm2 / series.brain_area_mm2
pd.DataFrame({"month": series.times_months, "true burden (%)": true_burden, "measured (%)": measured}).round(3)

# %% [markdown] slideshow={"slide_type": "subslide"}
# A change only means something if it is larger than the **measurement error**. We estimate the error as real
# studies do, from repeat ("test–retest") scans: eight scans of the same lesion without growth, measured the
# same way; their standard deviation is the error of one measurement, and 1.96·√2 times it is the *repeatability
# coefficient* ([Bland & Altman 1986](https://doi.org/10.1016/S0140-6736(86)90837-8)), the smallest change that is
# real with 95% confidence.

# %% slideshow={"slide_type": "fragment"}
retest = datasets.longitudinal_series(8, growth_mm_per_step=0.0, seed=0)
repeats = np.array([burden_percent(im, ndi.center_of_mass(m)) for im, m in zip(retest.images, retest.masks)])
error_sd = repeats.std(ddof=1)
smallest_real_change = 1.96 * np.sqrt(2) * error_sd  # "repeatability coefficient": 95% of no-change pairs differ less
{"measurement SD (% points)": round(error_sd, 3), "smallest real change (% points)": round(smallest_real_change, 3)}

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the first and last simulated scans with the lesion outlined, and the measured burden over 15 months
# with ±2 SD error bars against the true burden.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), layout="constrained", width_ratios=[1, 1, 1.5])
mm = (np.arange(series.images.shape[1]) + 0.5) * series.spacing_mm[0]
for ax, t in zip(axes, [0, 5]):
    viz.render_image(ax, series.images[t], spacing_mm=series.spacing_mm, window=(0.45, 0.9))
    ax.contour(mm, mm, segment(series.images[t].astype(float), clicks[t]), [0.5], colors="#E69F00")
    ax.set_title(f"month {series.times_months[t]:.0f} (synthetic)")
axes[2].errorbar(series.times_months, measured, yerr=2 * error_sd, fmt="o-", capsize=3, label="measured ± 2 SD")
axes[2].plot(series.times_months, true_burden, "s--", color="gray", label="true")
axes[2].set(xlabel="time (months)", ylabel="lesion burden (% of brain area)",
            title="Monitoring a growing lesion (synthetic)")
axes[2].legend()
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The growth is clear: it exceeds the smallest real change within a few scans. Notice too how the measurements
# sit against the truth: in some simulated series all of them fall below it (the half-way threshold misses the
# blurred rim of the lesion), in others slightly above, by up to about a third. Repeat scans reveal the random
# error, never such a systematic bias; only a reference (here the simulation's truth; in practice a phantom or
# expert outlines) can. Change the `seed=` of the two series to see both cases.

# %% slideshow={"slide_type": "skip"} tags=["check"]
# over 20 seeds the 15-month growth was 5-20 times the repeatability coefficient: a margin of 2 is safe
assert measured[-1] - measured[0] > 2 * smallest_real_change, "growth over 15 months must exceed the error"
assert np.all(np.abs(measured / true_burden - 1) < 0.45), "within about a third of the truth (0.31 worst of 20)"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# How many scans after the first does it take before the measured burden exceeds the first one by more than the
# smallest real change? Store the number of 3-month steps in `steps_to_detect`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
steps_to_detect = None  # your answer: number of 3-month steps after the first scan (an integer)
check("03-steps-to-detect")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 03-steps-to-detect
steps_to_detect = int(np.argmax(measured - measured[0] > smallest_real_change))
assert 1 <= steps_to_detect <= 5
steps_to_detect

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · Prediction: an outcome, with honest uncertainty
# Prediction asks about the future: will this patient respond to treatment? We **simulate** an outcome that
# depends partly on the lesion (smaller, less aggressive lesions respond more often) and partly on chance, then
# predict it from the image measurements of section 5. With 200 patients, the honest answer is an AUC with a
# **confidence interval**, from predictions the model made without seeing the patient (cross-validation). We use
# a **bootstrap** interval ([Efron 1979](https://doi.org/10.1214/aos/1176344552)): draw 200 patients *with
# replacement* from the 200, recompute the AUC, repeat 1000 times, and keep the middle 95% of those AUCs.

# %% slideshow={"slide_type": "fragment"}
rng = np.random.default_rng(7)
risk = 1.5 * (lesions.radius_mm[positives] - 8) / 2.3 + 1.0 * (malignant - 0.5)  # hidden truth, standardised-ish
p_respond = 1 / (1 + np.exp(risk))  # the true probability of responding, known only to the simulation
responds = (rng.random(len(p_respond)) < p_respond).astype(int)

in_sample = classifier.fit(table, responds).predict_proba(table)[:, 1]  # scored on the data it was fitted to
out_of_fold = cross_val_predict(classifier, table, responds, cv=5, method="predict_proba")[:, 1]
ci_low, ci_high = metrics.bootstrap_ci(responds, out_of_fold, n_boot=1000, seed=0)
best_possible = roc_auc_score(responds, p_respond)  # the true probabilities' AUC on THESE outcomes
pd.Series({"in-sample AUC (optimistic)": roc_auc_score(responds, in_sample),
           "cross-validated AUC": roc_auc_score(responds, out_of_fold), "95% CI low": ci_low, "95% CI high": ci_high,
           "AUC of the true probabilities": best_possible}).round(3)

# %% slideshow={"slide_type": "skip"} tags=["check"]
cv_auc = roc_auc_score(responds, out_of_fold)
assert roc_auc_score(responds, in_sample) > cv_auc, "fitting and scoring on the same patients flatters the model"
assert ci_high - ci_low > 0.08, "200 patients cannot pin an AUC down to a few hundredths"

# %% [markdown] slideshow={"slide_type": "fragment"}
# The in-sample AUC is higher than the cross-validated one, and the 95% interval is more than a tenth of AUC wide:
# reporting "AUC 0.8" from 200 patients without an interval hides how little we know. Part of any outcome is chance,
# so even the true probabilities fall well short of AUC 1. They are the best possible ranking **on average**, not
# a guarantee for every sample: on one particular set of 200 outcomes another score can be luckier (the last
# column counts how often that happened: rarely, sometimes never). We draw 2,000 fresh sets of outcomes from the
# same true probabilities and score both the true probabilities and the fitted model on each (the model's scores
# are now fixed, so it cannot adapt to the new outcomes):

# %% slideshow={"slide_type": "fragment"}
fresh = np.random.default_rng(8).random((2000, len(p_respond))) < p_respond  # (draws, patients), bool
fresh_auc = {"true probabilities": tasks_extra.auc_per_row(fresh, p_respond),
             "fitted model": tasks_extra.auc_per_row(fresh, in_sample)}  # in_sample: the model fitted above
model_luckier = np.mean(fresh_auc["fitted model"] > fresh_auc["true probabilities"])
pd.DataFrame({name: {"mean AUC": a.mean(), "2.5%": np.percentile(a, 2.5), "97.5%": np.percentile(a, 97.5)}
              for name, a in fresh_auc.items()}).T.round(3).assign(**{"model luckier in": f"{model_luckier:.0%}"})

# %% slideshow={"slide_type": "skip"} tags=["check"]
gap = fresh_auc["true probabilities"] - fresh_auc["fitted model"]
assert gap.mean() > 0.01 and gap.mean() > 5 * gap.std() / np.sqrt(len(gap)), "true probabilities win on average"
assert model_luckier < 0.5, model_luckier  # luck can favour the model in a single sample, rarely

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Use only the first 100 patients: compute the cross-validated AUC's 95% bootstrap interval and store its width in
# `width_100`. How does it compare with the width for 200?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
width_100 = None  # your answer: width of the 95% bootstrap interval of the AUC, 100 patients
check("03-width-100")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 03-width-100
half = slice(0, 100)
oof_100 = cross_val_predict(classifier, table[half], responds[half], cv=5, method="predict_proba")[:, 1]
low, high = metrics.bootstrap_ci(responds[half], oof_100, n_boot=1000, seed=0)
width_100 = high - low
assert width_100 > ci_high - ci_low  # half the patients: a wider interval (about √2 wider)
round(width_100, 3)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8 · Why medical image data is hard — shown, not told
# The lecture lists seven reasons. Each gets a small measurement here.
#
# ### Few samples, huge images
# One CT study is hundreds of slices: an abdomen–pelvis scan covers about 60 cm
# ([Goldman 2008](https://doi.org/10.2967/jnmt.107.044826)), so thin 1.2 mm slices make about 500 of them, each
# 512 × 512 pixels like the CT of §1, each pixel stored in a 16-bit word (*Bits Allocated* 16 in the
# [DICOM Image Pixel module](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.3.html)). A
# whole-slide pathology image has tens of thousands of RGB pixels on each side (we take 100,000 × 100,000): the
# 1,399 slides of the CAMELYON dataset fill 3 TB *compressed* ([Litjens et al. 2018](https://doi.org/10.1093/gigascience/giy065)).
# Yet a study usually has **one** label, and a dataset a few hundred studies.

# %% slideshow={"slide_type": "fragment"}
MiB, GiB = 2**20, 2**30
ct_study = 500 * 512 * 512 * 2   # ~500 slices of 512 x 512 pixels, 16-bit words
wsi = 100_000 * 100_000 * 3      # uncompressed whole-slide image, 8-bit RGB
cnn_layer = 32 * 500 * 512 * 512 * 4  # ONE 3D conv layer's output: 32 channels, float32, full resolution
pd.DataFrame({"size": [ct_study / MiB, wsi / GiB, cnn_layer / GiB],
              "unit": ["MiB", "GiB", "GiB"],
              "pixels per label": [500 * 512 * 512, 100_000**2, None]},
             index=["one CT study", "one whole-slide image", "activations of one conv layer"]).round(1)

# %% slideshow={"slide_type": "skip"} tags=["check"]
# the slice size and word size assumed above are those of the real CT of §1.1, read from its DICOM header
assert ct.shape == (512, 512) and ct_meta.extra["BitsStored"] == 16, (ct.shape, ct_meta.extra["BitsStored"])
assert cnn_layer > 8 * GiB, "one layer's output alone exceeds a student laptop's 8 GB"

# %% [markdown] slideshow={"slide_type": "fragment"}
# One convolutional layer on a full CT volume would need 15.6 GiB for its output alone, more than a laptop's
# memory and most GPUs'. That is why models see patches, slices or downsampled volumes, and why whole-slide
# images are cut into tiles ([multiple-instance learning](../GLOSSARY.md#mil), notebook 04).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# How many non-overlapping 96 × 96 × 96 patches fit in the 500 × 512 × 512 CT study (whole patches only)? Store
# it in `n_patches`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
n_patches = None  # your answer: how many whole 96 × 96 × 96 patches (an integer)
check("03-n-patches")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 03-n-patches
n_patches = (500 // 96) * (512 // 96) * (512 // 96)
assert n_patches == 5 * 5 * 5
n_patches

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Non-standard acquisition
# A model is fitted on scanner A: the classical-features baseline (`tasks.handcrafted_features`: intensity
# statistics, blob responses, contrast, texture) with logistic regression, to tell slices with a lesion from
# slices without. Then it meets new patients on scanner A, and the same patients on scanner B.

# %% slideshow={"slide_type": "fragment"}
new = datasets.lesion_slices(300, seed=4)
new_b = datasets.apply_scanner(new.images, "B", seed=5)
features_train = tasks.handcrafted_features(lesions.images)  # (400, 15): computed once, reused below
features_new = tasks.handcrafted_features(new.images)
baseline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(features_train, lesions.labels)
test_sets = {"scanner A": features_new, "scanner B": tasks.handcrafted_features(new_b),
             "scanner B, histogram-matched": tasks.handcrafted_features(exposure.match_histograms(new_b,
                                                                                                  lesions.images))}
shift = pd.DataFrame({name: {"accuracy": baseline.score(f, new.labels),
                             "AUC": roc_auc_score(new.labels, baseline.predict_proba(f)[:, 1])}
                      for name, f in test_sets.items()}).T
shift.round(3)

# %% [markdown] slideshow={"slide_type": "fragment"}
# The baseline's 15 features (`tasks.FEATURE_NAMES`), each one number per image: intensity statistics, the
# strongest blob responses at three scales, local contrast, edge and texture measures.

# %% slideshow={"slide_type": "fragment"}
print(", ".join(tasks.FEATURE_NAMES))

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert shift.loc["scanner A", "accuracy"] > 0.9
assert shift.loc["scanner B", "accuracy"] < shift.loc["scanner A", "accuracy"] - 0.25, shift
assert shift.loc["scanner B, histogram-matched", "accuracy"] > shift.loc["scanner B", "accuracy"] + 0.05, shift
assert shift.loc["scanner B, histogram-matched", "AUC"] < shift.loc["scanner A", "AUC"] - 0.1, shift
assert abs(shift.loc["scanner B", "accuracy"] - 0.5) < 0.15, shift  # "about chance" (0.52-0.58 over 5 seeds)

# %% [markdown] slideshow={"slide_type": "fragment"}
# On scanner B the model drops to about chance accuracy. Histogram matching repairs part of it (the decision
# threshold fits again), but the AUC stays low: blur and noise have erased detail that no intensity
# normalisation brings back. Models must be tested on data from other sites before anyone trusts them.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Fit a fresh copy of the baseline (`clone(baseline)`) on scanner A **z-scored** images (`zscore(lesions.images)`)
# and test it on z-scored scanner-B images. Store the accuracy in `acc_zscored`, and how much better it is than
# histogram matching (`acc_zscored` minus the histogram-matched accuracy in `shift`, negative if worse) in
# `zscore_advantage`. Does z-scoring help more or less than histogram matching here?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
acc_zscored = None  # your answer: accuracy (fraction 0-1) on z-scored scanner-B images
zscore_advantage = None  # your answer: acc_zscored minus the histogram-matched accuracy (fraction, may be < 0)
check("03-acc-zscored")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 03-acc-zscored
z_model = clone(baseline).fit(tasks.handcrafted_features(zscore(lesions.images)), lesions.labels)
acc_zscored = z_model.score(tasks.handcrafted_features(zscore(new_b)), new.labels)
zscore_advantage = acc_zscored - shift.loc["scanner B, histogram-matched", "accuracy"]
# over five seeds: z-scoring won three times, matching twice, never by more than 0.1: the two are about equal,
# both better than nothing and both far below scanner A (neither undoes scanner B's blur and noise)
assert shift.loc["scanner B", "accuracy"] < acc_zscored < shift.loc["scanner A", "accuracy"] - 0.1
round(acc_zscored, 3), round(zscore_advantage, 3)

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Long-tailed disease frequencies
# A few findings are common, most are rare. We **simulate** 30 diagnoses whose frequencies fall off like a power
# law (frequency ∝ 1/rank^1.2), draw a training set of 1,500 cases, give each diagnosis a cluster of image
# features, and test a classifier on 40 new cases of *every* diagnosis. One draw of the simulation is luck, so we
# repeat the whole experiment with five seeds.

# %% slideshow={"slide_type": "fragment"}
n_classes = 30
frequency = 1 / np.arange(1, n_classes + 1) ** 1.2

def long_tail(seed):  # one simulated world: its training counts, train/test data and per-diagnosis recall
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(1500, frequency / frequency.sum())
    centres = rng.normal(0, 1.2, (n_classes, 8))  # each diagnosis: a cluster in an 8-feature space
    y_tr, y_te = np.repeat(np.arange(n_classes), counts), np.repeat(np.arange(n_classes), 40)
    x_tr, x_te = (centres[y] + rng.normal(0, 1, (len(y), 8)) for y in (y_tr, y_te))
    predicted = LogisticRegression(max_iter=2000, tol=1e-3).fit(x_tr, y_tr).predict(x_te)
    recall = np.array([np.mean(predicted[y_te == c] == c) for c in range(n_classes)])
    return counts, (x_tr, y_tr, x_te, y_te), recall

worlds = [long_tail(seed=3 + k) for k in range(5)]  # five seeds
train_counts, (x_train, y_train, x_test, y_test), recall_per_class = worlds[0]  # the first world, shown below
spread = pd.DataFrame({"world": range(1, 6), "cases of the 5 commonest": [w[0][:5].sum() for w in worlds],
                       "diagnoses with < 10 cases": [(w[0] < 10).sum() for w in worlds],
                       "recall, 5 commonest": [w[2][:5].mean() for w in worlds],
                       "recall, 10 rarest": [w[2][-10:].mean() for w in worlds]}).set_index("world")
spread.round(2)

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* training cases per diagnosis in the first simulated world (left, log scale) and the recall of each
# diagnosis on the balanced test set against its number of training cases, all five worlds (right).

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
axes[0].bar(np.arange(1, n_classes + 1), train_counts, color="#0072B2")
axes[0].set(yscale="log", xlabel="diagnosis (by frequency rank)", ylabel="training cases",
            title="A long tail (simulated)")
for counts, _, recall in worlds:
    axes[1].scatter(counts, recall, s=12, alpha=0.6)
axes[1].set(xscale="log", xlabel="training cases of the diagnosis", ylabel="recall on new cases",
            title="Rare diagnoses are missed")
plt.show()

# %% slideshow={"slide_type": "skip"} tags=["check"]
common, rare = recall_per_class[:5].mean(), recall_per_class[-10:].mean()  # the first world (exercise below)
assert (spread["cases of the 5 commonest"] > 0.5 * 1500).all() and spread["diagnoses with < 10 cases"].mean() >= 2
recall_gaps = spread["recall, 5 commonest"] - spread["recall, 10 rarest"]  # 0.25-0.6 over 15 seeds
assert recall_gaps.min() > 0.1 and recall_gaps.mean() > 0.2, recall_gaps

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Retrain the first world's model (`x_train, y_train`, the same `LogisticRegression` as in `long_tail`) with
# `class_weight="balanced"` (each diagnosis counts equally in the loss) and store the mean recall of the 10 rarest
# diagnoses in `rare_recall_balanced`. What does it cost the common ones?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
rare_recall_balanced = None  # your answer: mean recall (0-1) of the 10 rarest diagnoses, class-weighted
check("03-rare-recall")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 03-rare-recall
balanced_pred = LogisticRegression(max_iter=2000, tol=1e-3, class_weight="balanced").fit(x_train, y_train).predict(
    x_test)
balanced_recall = np.array([np.mean(balanced_pred[y_test == c] == c) for c in range(n_classes)])
rare_recall_balanced = balanced_recall[-10:].mean()
assert rare_recall_balanced > rare  # the rare ones gain...
round(rare_recall_balanced, 3), round(balanced_recall[:5].mean(), 3)  # ...the common ones usually lose a little

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Sparse and noisy labels
# Labels cost expert time, so there are few of them, and experts make mistakes. We flip a fraction of the
# training labels at random (label noise) and train the baseline with all 400 labelled slices or with only 40
# (20 per class),
# then test on the 300 new scanner-A slices.

# %% slideshow={"slide_type": "fragment"}
noise_rates = [0.0, 0.1, 0.2, 0.3, 0.4]

def noisy_label_fit(n_labels, rate, seed):  # a fresh baseline fitted on n_labels picks, a fraction `rate` flipped
    r = np.random.default_rng(seed)
    pick = np.r_[r.choice(np.flatnonzero(lesions.labels == 0), n_labels // 2, replace=False),
                 r.choice(np.flatnonzero(lesions.labels == 1), n_labels // 2, replace=False)]
    noisy_y = np.where(r.random(n_labels) < rate, 1 - lesions.labels[pick], lesions.labels[pick])
    return clone(baseline).fit(features_train[pick], noisy_y)

repeats = range(0, 5)  # five seeds per setting
accuracy, noise_auc = {}, {}  # (n_labels, rate) -> mean test accuracy; (n_labels, rate) -> AUC of each seed
for n_labels in (400, 40):
    for rate in noise_rates:
        models = [noisy_label_fit(n_labels, rate, seed=0 + k) for k in repeats]
        accuracy[(n_labels, rate)] = np.mean([m.score(features_new, new.labels) for m in models])
        noise_auc[(n_labels, rate)] = [roc_auc_score(new.labels, m.predict_proba(features_new)[:, 1]) for m in models]
pd.Series(accuracy).unstack(0).round(3).rename_axis(index="label-noise rate", columns="labels")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* test accuracy against the fraction of wrong training labels, with 400 and 40 labels (mean of 5
# repeats; simulated lesions).

# %% slideshow={"slide_type": "fragment"}
fig, ax = plt.subplots(figsize=(5, 3.4), layout="constrained")
for n_labels in (400, 40):
    ax.plot(noise_rates, [accuracy[(n_labels, r)] for r in noise_rates], "o-", label=f"{n_labels} labels")
ax.set(xlabel="fraction of training labels flipped", ylabel="test accuracy", ylim=(0.45, 1.0),
       title="Noisy labels cost accuracy (synthetic)")
ax.legend()
plt.show()

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert accuracy[(400, 0.4)] < accuracy[(400, 0.0)] - 0.05
assert accuracy[(40, 0.4)] < accuracy[(400, 0.4)], "few AND noisy labels is the worst case"

# %% [markdown] slideshow={"slide_type": "subslide"}
# *Optional — the noise slider.* The same experiment read as AUC, with 40 labels, where noise hurts most: drag the
# rate and read the AUC (mean ± SD over the five seeds, precomputed above so the slider answers at once).
#
# *Figure:* test AUC against the fraction of flipped training labels, 40 labels, mean ± SD over five seeds, with
# the chosen rate marked.

# %% slideshow={"slide_type": "fragment"}
auc_40 = np.array([noise_auc[(40, rate)] for rate in noise_rates])  # (rates, seeds)
task_widgets.LabelNoiseViewer(noise_rates, auc_40.mean(axis=1), auc_40.std(axis=1))

# %% slideshow={"slide_type": "skip"} tags=["check"]
drop = auc_40[0] - auc_40[-1]  # per seed: AUC lost from 0% to 40% flipped labels
assert drop.mean() > 3 * drop.std() / np.sqrt(len(drop)) and drop.mean() > 0.05, drop

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# At 50% flipped labels the labels carry no information at all. Predict the accuracy, then compute it with all 400
# labels (mean of the same 5 repeats: `noisy_label_fit(400, 0.5, seed=k)`) and store it in `accuracy_half`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
accuracy_half = None  # your answer: test accuracy (fraction 0-1), 50% of the 400 labels flipped
check("03-accuracy-half")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 03-accuracy-half
accuracy_half = float(np.mean([noisy_label_fit(400, 0.5, seed=0 + k).score(features_new, new.labels)
                               for k in repeats]))
# around chance (0.5): 0.40-0.51 over five seeds. A model fitted to random labels points in a random direction of
# feature space; on such separable features that direction can be right or wrong, so 5 repeats still scatter
assert abs(accuracy_half - 0.5) < 0.2 and accuracy_half < accuracy[(400, 0.3)]
round(accuracy_half, 3)


# %% [markdown] slideshow={"slide_type": "slide"}
# ### Imbalance
# Most scans are normal. On a test set with 95 normal slices for every 5 with a lesion, a "model" that always says
# *normal* is 95% accurate and useless. **Balanced accuracy** (the mean of sensitivity and specificity) sees through
# it. We also train the baseline on a 95:5 training set, plain and with class weights (each class counts equally in
# the loss), five times over.

# %% slideshow={"slide_type": "fragment"}
def imbalanced(labels, n_negative, n_positive, seed):
    r = np.random.default_rng(seed)
    return np.r_[r.choice(np.flatnonzero(labels == 0), n_negative, replace=False),
                 r.choice(np.flatnonzero(labels == 1), n_positive, replace=False)]

def imbalance_trial(seed):  # one 95:5 training set and one 95:5 test set; the three "models" on it
    tr, te = imbalanced(lesions.labels, 190, 10, seed=seed), imbalanced(new.labels, 143, 7, seed=seed + 100)
    weighted = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, class_weight="balanced"))
    predictions = {"always 'normal'": np.zeros(len(te), int),
                   "trained on 95:5": clone(baseline).fit(features_train[tr], lesions.labels[tr]).predict(
                       features_new[te]),
                   "trained on 95:5, class-weighted": weighted.fit(features_train[tr], lesions.labels[tr]).predict(
                       features_new[te])}
    return new.labels[te], predictions

trials = [imbalance_trial(seed=0 + k) for k in range(5)]  # five draws: 7 test lesions per draw is very few
y_te, predictions = trials[0]
plain = predictions["trained on 95:5"]
imbalance = pd.DataFrame({name: {"accuracy": np.mean([np.mean(p[name] == y) for y, p in trials]),
                                 "balanced accuracy": np.mean([balanced_accuracy_score(y, p[name]) for y, p in trials]),
                                 "lesions found (of 7)": np.mean([p[name][y == 1].sum() for y, p in trials])}
                          for name in predictions}).T
imbalance.round(3)  # means over the five draws

# %% slideshow={"slide_type": "skip"} tags=["check"]
weighted_found, plain_found = ([p[name][y == 1].sum() for y, p in trials] for name in
                               ("trained on 95:5, class-weighted", "trained on 95:5"))
assert imbalance.loc["always 'normal'", "accuracy"] > 0.94, "useless, yet highly accurate"
# class weights find more lesions: 1.2-1.8 more of 7 on average over 5 draws, in each of 5 seed shifts tried
assert np.mean(weighted_found) > np.mean(plain_found) + 0.5, (weighted_found, plain_found)
assert imbalance.loc["trained on 95:5, class-weighted", "balanced accuracy"] > 0.75, imbalance

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Write balanced accuracy yourself from its definition — (sensitivity + specificity) / 2 — for the model
# `plain`, and store it in `my_balanced`; it must equal scikit-learn's value.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
my_balanced = None  # your answer: (sensitivity + specificity) / 2 of `plain` on y_te
check("03-my-balanced")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 03-my-balanced
sensitivity = np.mean(plain[y_te == 1] == 1)
specificity = np.mean(plain[y_te == 0] == 0)
my_balanced = (sensitivity + specificity) / 2
assert abs(my_balanced - balanced_accuracy_score(y_te, plain)) < 1e-12
round(my_balanced, 3)

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Subjectivity in the ground truth
# Experts outline the same lesion differently. We **simulate** four annotators drawing one large lesion, each with
# a personal habit (generous or tight) and a wobbly hand (`tasks.simulate_annotators`), and measure their
# agreement: pairwise **Dice** and pixel-wise **Cohen's κ** (agreement corrected for chance;
# [Cohen 1960](https://doi.org/10.1177/001316446002000104)). A majority vote
# gives a consensus. One lesion is an anecdote, so the same is then repeated on the ten largest lesions.

# %% slideshow={"slide_type": "fragment"}
j = int(np.argmax(lesions.area_mm2))  # the largest simulated lesion
outlines = tasks.simulate_annotators(lesions.masks[j], n_annotators=4, bias_px=0.7, wobble_px=0.8, seed=2)
pairs = [(a, b) for a in range(4) for b in range(a + 1, 4)]
pairwise_dice = [metrics.dice(outlines[a], outlines[b]) for a, b in pairs]
pairwise_kappa = [cohen_kappa_score(outlines[a].ravel(), outlines[b].ravel()) for a, b in pairs]
consensus = outlines.sum(axis=0) >= 3  # at least 3 of 4 agree
vs_truth = [metrics.dice(o, lesions.masks[j]) for o in outlines]
{"pairwise Dice": np.round(pairwise_dice, 2).tolist(), "pairwise kappa": np.round(pairwise_kappa, 2).tolist(),
 "each vs truth": np.round(vs_truth, 2).tolist(), "consensus vs truth": round(metrics.dice(consensus,
                                                                                           lesions.masks[j]), 2)}

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* a 60 × 60 mm detail of the largest simulated lesion with the four annotators' outlines (thin, one
# colour each) and their majority consensus (thick black).

# %% slideshow={"slide_type": "fragment"}
r, c = np.round(lesions.centers[j]).astype(int)
box = np.s_[max(r - 10, 0):r + 10, max(c - 10, 0):c + 10]
fig, ax = plt.subplots(figsize=(4.2, 4.2), layout="constrained")
ax.imshow(lesions.images[j][box], cmap="gray", vmin=0, vmax=1)
for outline, colour in zip(outlines, ["#E69F00", "#56B4E9", "#009E73", "#CC79A7"]):
    ax.contour(outline[box], [0.5], colors=colour, linewidths=1)
ax.contour(consensus[box], [0.5], colors="black", linewidths=2.5)
ax.set(title="Four simulated annotators + consensus", xlabel="pixels (3 mm)", ylabel="pixels (3 mm)")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# The same four annotators (new wobbles for each lesion) on the ten largest simulated lesions: per lesion, the mean
# pairwise Dice, the average annotator's Dice with the truth, and the consensus's.

# %% slideshow={"slide_type": "fragment"}
big = np.argsort(lesions.area_mm2)[-10:]  # the ten largest simulated lesions

def annotator_panel(wobble_px, seed=2):  # (10, 3): pairwise Dice, average annotator vs truth, consensus vs truth
    rows = []
    for n, i in enumerate(big):
        drawn = tasks.simulate_annotators(lesions.masks[i], n_annotators=4, bias_px=0.7, wobble_px=wobble_px,
                                          seed=seed + n)
        rows.append([np.mean([metrics.dice(drawn[a], drawn[b]) for a, b in pairs]),
                     np.mean([metrics.dice(o, lesions.masks[i]) for o in drawn]),
                     metrics.dice(drawn.sum(axis=0) >= 3, lesions.masks[i])])
    return np.array(rows)

careful = annotator_panel(0.8)
consensus_gain = careful[:, 2] - careful[:, 1]  # consensus minus the average annotator, per lesion
pd.Series({"mean pairwise Dice": careful[:, 0].mean(), "average annotator vs truth": careful[:, 1].mean(),
           "consensus vs truth": careful[:, 2].mean(), "consensus gain (mean)": consensus_gain.mean(),
           "consensus gain (worst lesion)": consensus_gain.min()}).round(3)

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert careful[:, 0].mean() < 0.95, "the annotators disagree"
# the consensus beats the average annotator on average (gain 0.04-0.08 over 6 seed shifts), not on every lesion
assert consensus_gain.mean() > 0.01, consensus_gain

# %% [markdown] slideshow={"slide_type": "fragment"}
# No single annotator is "the truth": the spread between them is a floor for any model's error against them (a
# model whose Dice with one expert matches the experts' Dice with each other is as good as an expert). Consensus
# of several readers is the usual remedy: on average it is closer to the truth than the average reader, though not
# on every lesion. It costs several readers.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Make the annotators more careless (`annotator_panel(2.0)`): store their mean pairwise Dice over the ten lesions
# in `careless_dice`, and the mean gain of the majority vote over the average annotator (consensus Dice minus
# average annotator Dice, both against the truth) in `careless_gain`. Does the majority vote still beat the
# average annotator? By more or less than with careful annotators?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
careless_dice = None  # your answer: mean pairwise Dice (0-1) of the careless annotators, ten lesions
careless_gain = None  # your answer: mean of consensus Dice minus average annotator Dice (vs truth), ten lesions
check("03-careless-dice")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 03-careless-dice
careless = annotator_panel(2.0)
careless_dice = float(careless[:, 0].mean())
careless_gain = float((careless[:, 2] - careless[:, 1]).mean())
# careless readers agree less, and the vote helps MORE (0.09-0.14 vs 0.04-0.08 over 6 seed shifts): averaging
# removes independent wobble, not a shared bias
assert careless_dice < careful[:, 0].mean() and careless_gain > consensus_gain.mean()
round(careless_dice, 3), round(careless_gain, 3), round(consensus_gain.mean(), 3)

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Some data cannot be fully de-identified
# Removing names from DICOM headers is not enough: a head CT or MRI contains the face, which can be rebuilt in 3D
# and recognised by face-recognition software ([Schwarz et al. 2019](https://doi.org/10.1056/NEJMc1908881));
# burned-in text and rare anatomy identify people too. Notebook **02_dicom** shows what the DICOM de-identification
# profile ([PS3.15 Annex E](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part15/chapter_E.html)) removes,
# keeps and replaces — and what it cannot reach.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
# - Every task has its own yardstick, and a method is only as convincing as that number (the table of "Seven things we want to do with medical images").
# - Bicubic interpolation beats nearest-neighbour by more than 1 dB, but a learned *linear* filter only matches it;
#   PSNR and SSIM can rank methods differently, and non-local means keeps edges that blurring destroys; real
#   low-dose CT noise is Poisson in the projections and streaky after FBP, not white (§1.1, §1.2 Preprocessing).
# - Z-scoring and histogram matching shrink the intensity gap between scanners, but cannot undo blur and noise
#   (§1.3 Intensity normalisation, §8 Non-standard acquisition); interpolating between thick slices beats copying
#   them, but cannot restore what was never measured (§1.4 Slice densification).
# - Mutual information aligns images of different contrast to within a pixel, where the squared difference fails
#   (§2 Registration).
# - A detector is judged by its FROC curve; ranking candidates by what we know about the lesions (brightness)
#   beats the raw blob response (§3 Detection).
# - Dice rewards overlap, the Hausdorff distance punishes the single worst leak; small lesions make both noisy;
#   on real CT, a threshold and one connected component outline a contrast-enhanced kidney (§4 Segmentation).
# - A change, an AUC or a prediction means little without its uncertainty: the repeatability coefficient (§6
#   Monitoring), cross-validation and a bootstrap interval (§5 Classification, §7 Prediction).
# - The difficulties are measurable: huge images with one label each, scanner shift, long tails, noisy and sparse
#   labels, imbalance and disagreeing experts (§8 Why medical image data is hard).
#
# **Next:** **04_learning_paradigms.ipynb** — what to do when labels are scarce: learning from normal images only
# (anomaly detection), from a few labels plus many unlabelled images (semi-supervised), and from labels of whole
# slides only (multiple-instance learning).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check your understanding
# 1. PSNR depends on the data range. What would happen to the PSNR values of §1 — and possibly to the ranking of
#    the methods — if you computed them on the raw HU image instead of the 0–1 windowed one?
# 2. Mutual information succeeded where the squared difference failed (§2). Describe a pair of images on which
#    mutual information would fail too.
# 3. Why is detection judged by an FROC curve rather than by an ordinary ROC curve (§3)? What would an ROC curve
#    need that a detection task does not have?
# 4. A segmentation has Dice 0.90 and a Hausdorff distance of 25 mm (§4). Sketch what it probably looks like. Which
#    of the two numbers matters more for planning radiotherapy, and which for measuring the lesion's volume?
# 5. Every burden measurement in §6 sits below the truth. Does that bias stop us from detecting growth? When would
#    it start to matter?
# 6. In §7 the in-sample AUC flatters the model. Suppose you try 20 feature sets and report the best
#    cross-validated AUC among them. Is that number honest? What would you do instead?
# 7. On scanner B, histogram matching brought the accuracy back up but not the AUC (§8). Why do accuracy and AUC
#    react so differently to the same fix?
# 8. Class weights raised the recall of rare diagnoses and cost some recall of common ones (§8 Long-tailed). For a
#    rare but deadly disease in a screening programme, which model would you deploy, and which numbers would you
#    report?
# 9. Four annotators agree with each other at Dice ≈ 0.8. A model reaches Dice 0.85 against annotator 1 (§8
#    Subjectivity). Is it better than a human reader?
# 10. The bootstrap interval of the AUC for 100 patients is wider than for 200 (§7 Try it). About how many patients
#     would halve the width of the 200-patient interval?
# 11. The Gaussian σ of the §1.2 Try it was tuned on white noise. Would it suit the streaky low-dose noise of the
#     same section? What would you tune a denoiser on instead?

# %% [markdown] jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# **Answers**
# 1. PSNR = 10·log10(range² / MSE): a wider range adds the same constant to every method *if* the errors were the
#    same, but they are not. Windowing clips everything outside −150…250 HU, so errors in bone and air vanish in
#    the windowed image and count in full in raw HU. Methods that ring or blur at bone edges can drop in the ranking.
#    Always state the range and the window used.
# 2. MI only needs a *consistent* mapping between the two images' grey levels. It fails when that mapping changes
#    across the image (a strong bias field in one image), when one image shows structures the other lacks (a lesion
#    visible on only one), when the overlap is small or mostly background (the joint histogram is then dominated by
#    air), or when the start is so far off that the optimiser finds a local maximum.
# 3. An ROC curve needs a fixed set of negatives to count false positives against. In detection, an image has
#    any number of lesions and any number of possible false locations, and a "hit" must be in the right place.
#    FROC therefore counts false positives *per image* against the fraction of lesions found.
# 4. Mostly a good overlap with one thin leak or a stray island 25 mm away. For radiotherapy the Hausdorff distance
#    (or HD95) matters: a leak into a neighbouring organ means dose where it should not be. For volume the Dice (and
#    the area error) matter more: a thin leak barely changes the volume.
# 5. Not if the bias is the same in every scan: the difference between scans cancels it. It matters when it depends
#    on the lesion's size or contrast (a growing lesion then seems to grow faster or slower), when scans come from
#    different scanners or software versions, or when a fixed absolute threshold (e.g. a burden above 1%) decides
#    treatment.
# 6. No: picking the best of 20 uses the cross-validation scores to choose, so the winner's score is optimistic
#    (selection bias). Use nested cross-validation, or choose on one part of the data and report once on a
#    held-out test set that played no part in any choice.
# 7. Accuracy uses a fixed threshold on the model's probability; a global intensity shift moves all scores across
#    that threshold, and histogram matching shifts them back. The AUC only depends on the *ranking* of the cases,
#    which the shift did not change much, but scanner B's blur and noise did: that information is gone and no
#    intensity mapping restores it.
# 8. In screening for a deadly disease, missing a case costs far more than a false alarm, so the class-weighted
#    model (higher rare recall) is the better choice. Report per-class sensitivity (recall) and specificity, with
#    confidence intervals, and the positive predictive value at the real prevalence, not overall accuracy.
# 9. Not necessarily. Dice against one annotator rewards learning that annotator's habits (generous or tight
#    outlines). Compare the model with the consensus, and with each annotator: it performs like an expert if its
#    agreement with the other readers falls within their spread with each other.
# 10. The width shrinks roughly like 1/√n, so halving it needs about four times as many patients: about 800.
# 11. Probably not. White noise is independent from pixel to pixel, so a small isotropic blur averages it away. The
#     streaks are correlated along one direction over many pixels: a blur small enough to keep anatomy leaves
#     them, and one large enough to remove them erases anatomy. Tune (or train) on realistic noise: Poisson noise
#     added in the projections and reconstructed, or real pairs of low- and normal-dose scans.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
# - Maier-Hein et al., [Metrics reloaded](https://doi.org/10.1038/s41592-023-02151-z) (*Nat Methods* 2024): how
#   to choose the validation metric from the problem (detection, segmentation, classification), and its pitfalls.
# - Taha & Hanbury, [Metrics for evaluating 3D medical image segmentation](https://doi.org/10.1186/s12880-015-0068-x)
#   (*BMC Med Imaging* 2015): Dice, Hausdorff, HD95 and some twenty others, side by side, with when each misleads.
# - Varoquaux & Cheplygina, [Machine learning for medical imaging: methodological failures and recommendations
#   for the future](https://doi.org/10.1038/s41746-022-00592-y) (*npj Digit Med* 2022): small test sets, leaky
#   validation and wide confidence intervals, the failures §7 and §8 show in miniature.
# - Zech et al., [Variable generalization performance of a deep learning model to detect pneumonia in chest
#   radiographs](https://doi.org/10.1371/journal.pmed.1002683) (*PLoS Med* 2018): a real model that fails on
#   another hospital's images, the scanner shift of §8.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## References
# - Bland JM, Altman DG. Statistical methods for assessing agreement between two methods of clinical measurement (repeatability coefficient). *Lancet* 1986;1(8476):307-310. [doi.org/10.1016/S0140-6736(86)90837-8](https://doi.org/10.1016/S0140-6736(86)90837-8)
# - Buades A, Coll B, Morel JM. A non-local algorithm for image denoising. *CVPR* 2005;2:60-65. [doi.org/10.1109/CVPR.2005.38](https://doi.org/10.1109/CVPR.2005.38)
# - Chakraborty DP. Maximum likelihood analysis of free-response receiver operating characteristic (FROC) data. *Med Phys* 1989;16(4):561-568. [doi.org/10.1118/1.596358](https://doi.org/10.1118/1.596358)
# - Cohen J. A coefficient of agreement for nominal scales (kappa). *Educ Psychol Meas* 1960;20(1):37-46. [doi.org/10.1177/001316446002000104](https://doi.org/10.1177/001316446002000104)
# - Dice LR. Measures of the amount of ecologic association between species. *Ecology* 1945;26(3):297-302. [doi.org/10.2307/1932409](https://doi.org/10.2307/1932409)
# - Efron B. Bootstrap methods: another look at the jackknife. *Ann Stat* 1979;7(1):1-26. [doi.org/10.1214/aos/1176344552](https://doi.org/10.1214/aos/1176344552)
# - Fonov V, Evans AC, Botteron K, Almli CR, McKinstry RC, Collins DL. Unbiased average age-appropriate atlases for pediatric studies. *NeuroImage* 2011;54(1):313-327. [doi.org/10.1016/j.neuroimage.2010.07.033](https://doi.org/10.1016/j.neuroimage.2010.07.033)
# - Goldman LW. Principles of CT: multislice CT (an abdomen-pelvis scan covers about 60 cm; data volume of multislice studies). *J Nucl Med Technol* 2008;36:57-68. [doi.org/10.2967/jnmt.107.044826](https://doi.org/10.2967/jnmt.107.044826)
# - Hanley JA, McNeil BJ. The meaning and use of the area under a receiver operating characteristic (ROC) curve. *Radiology* 1982;143(1):29-36. [doi.org/10.1148/radiology.143.1.7063747](https://doi.org/10.1148/radiology.143.1.7063747)
# - Hubbell JH, Seltzer SM. Tables of X-Ray Mass Attenuation Coefficients and Mass Energy-Absorption Coefficients (Table 4: water, ICRU-44 tissues). *NIST Standard Reference Database 126* 2004. [physics.nist.gov/PhysRefData/XrayMassCoef/tab4.html](https://physics.nist.gov/PhysRefData/XrayMassCoef/tab4.html)
# - Huttenlocher DP, Klanderman GA, Rucklidge WJ. Comparing images using the Hausdorff distance. *IEEE Trans Pattern Anal Mach Intell* 1993;15(9):850-863. [doi.org/10.1109/34.232073](https://doi.org/10.1109/34.232073)
# - Lindeberg T. Feature detection with automatic scale selection. *Int J Comput Vis* 1998;30(2):79-116. [doi.org/10.1023/A:1008045108935](https://doi.org/10.1023/A:1008045108935)
# - Litjens G, Bandi P, Ehteshami Bejnordi B, et al. 1399 H&E-stained sentinel lymph node sections of breast cancer patients: the CAMELYON dataset. *GigaScience* 2018;7(6):giy065. [doi.org/10.1093/gigascience/giy065](https://doi.org/10.1093/gigascience/giy065)
# - Maes F, Collignon A, Vandermeulen D, Marchal G, Suetens P. Multimodality image registration by maximization of mutual information. *IEEE Trans Med Imaging* 1997;16(2):187-198. [doi.org/10.1109/42.563664](https://doi.org/10.1109/42.563664)
# - Maier-Hein L, Reinke A, Godau P, et al. Metrics reloaded: recommendations for image analysis validation. *Nat Methods* 2024;21(2):195-212. [doi.org/10.1038/s41592-023-02151-z](https://doi.org/10.1038/s41592-023-02151-z)
# - NEMA (National Electrical Manufacturers Association). DICOM PS3.15 2024b: Security and System Management Profiles, Annex E Attribute Confidentiality Profiles (Table E.1-1 Basic Profile; action codes D, Z, X, K, C, U). *DICOM Standard* 2024. [dicom.nema.org/medical/dicom/2024b/output/chtml/part15/chapter_E.html](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part15/chapter_E.html)
# - NEMA (National Electrical Manufacturers Association). DICOM PS3.3 2024b: Information Object Definitions, C.7.6.3 Image Pixel Module (Bits Allocated/Stored, Photometric Interpretation, YBR_FULL luminance). *DICOM Standard* 2024. [dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.3.html](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.3.html)
# - Otsu N. A threshold selection method from gray-level histograms. *IEEE Trans Syst Man Cybern* 1979;9(1):62-66. [doi.org/10.1109/TSMC.1979.4310076](https://doi.org/10.1109/TSMC.1979.4310076)
# - Piechnik SK, Evans J, Bary LH, Wise RG, Jezzard P. Functional changes in CSF volume estimated using measurement of water T2 relaxation. *Magn Reson Med* 2009;61(3):579-586. [doi.org/10.1002/mrm.21897](https://doi.org/10.1002/mrm.21897)
# - Radiopaedia. Windowing (CT) (window width and level presets). *radiopaedia.org* (secondary, peer-edited reference; accessed 2026). [radiopaedia.org/articles/windowing-ct](https://radiopaedia.org/articles/windowing-ct)
# - Schwarz CG, Kremers WK, Therneau TM, et al. Identification of anonymous MRI research participants with face-recognition software. *N Engl J Med* 2019;381(17):1684-1686. [doi.org/10.1056/NEJMc1908881](https://doi.org/10.1056/NEJMc1908881)
# - Taha AA, Hanbury A. Metrics for evaluating 3D medical image segmentation: analysis, selection, and tool. *BMC Med Imaging* 2015;15:29. [doi.org/10.1186/s12880-015-0068-x](https://doi.org/10.1186/s12880-015-0068-x)
# - Varoquaux G, Cheplygina V. Machine learning for medical imaging: methodological failures and recommendations for the future. *npj Digit Med* 2022;5:48. [doi.org/10.1038/s41746-022-00592-y](https://doi.org/10.1038/s41746-022-00592-y)
# - Viola P, Wells WM III. Alignment by maximization of mutual information. *Int J Comput Vis* 1997;24(2):137-154. [doi.org/10.1023/A:1007958904918](https://doi.org/10.1023/A:1007958904918)
# - Wang Z, Bovik AC, Sheikh HR, Simoncelli EP. Image quality assessment: from error visibility to structural similarity (SSIM). *IEEE Trans Image Process* 2004;13(4):600-612. [doi.org/10.1109/TIP.2003.819861](https://doi.org/10.1109/TIP.2003.819861)
# - Wansapura JP, Holland SK, Dunn RS, Ball WS Jr. NMR relaxation times in the human brain at 3.0 tesla. *J Magn Reson Imaging* 1999;9(4):531-538. [doi.org/10.1002/(SICI)1522-2586(199904)9:4&lt;531::AID-JMRI4&gt;3.0.CO;2-L](https://doi.org/10.1002/(SICI)1522-2586(199904)9:4<531::AID-JMRI4>3.0.CO;2-L)
# - Zech JR, Badgeley MA, Liu M, Costa AB, Titano JJ, Oermann EK. Variable generalization performance of a deep learning model to detect pneumonia in chest radiographs: a cross-sectional study. *PLoS Med* 2018;15(11):e1002683. [doi.org/10.1371/journal.pmed.1002683](https://doi.org/10.1371/journal.pmed.1002683)
# - Zeng D, Huang J, Bian Z, et al. A simple low-dose x-ray CT simulation from high-dose scan. *IEEE Trans Nucl Sci* 2015;62(5):2226-2233. [doi.org/10.1109/TNS.2015.2467219](https://doi.org/10.1109/TNS.2015.2467219)
