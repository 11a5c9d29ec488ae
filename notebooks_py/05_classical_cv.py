# %% [markdown] slideshow={"slide_type": "slide"}
# # 05 · Classical computer vision: thresholds, edges, regions, curves, motion and keypoints
#
# **Lecture slides:** "Traditional Computer Vision" and "More complex traditional methods" of Lecture 3,
# *Medical Imaging*.
#
# **Learning objectives**
# - threshold an image by hand, with Otsu's method (the threshold that best splits the histogram into
#   two classes) and locally, and read from the histogram why each picks what it
#   picks;
# - find edges with image gradients, the Laplacian of Gaussian and Canny (a gradient detector that keeps
#   thin edges and links them with two thresholds), and see why noise forces smoothing;
# - turn thresholds and edges into measured objects: connected components, morphology, watershed (flooding a height map from seeds
#   until the basins meet), areas in mm²;
# - detect lines and circles with the Hough transform (every edge pixel votes for the shapes that
#   pass through it) and refine an outline with an active contour;
# - measure motion in an ultrasound cine with dense and sparse optical flow (the apparent motion of every
#   pixel or point between two frames);
# - match SIFT (Scale-Invariant Feature Transform) and ORB keypoints between two views and recover the transform with RANSAC;
# - measure how a hand-tuned pipeline breaks on another scanner: the lecture's argument for learned features.
#
# <!-- badges -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medimg-course/medical-imaging-companion/blob/main/notebooks/05_classical_cv.ipynb) [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medimg-course/medical-imaging-companion/main?urlpath=lab/tree/notebooks/05_classical_cv.ipynb)
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
import time

import cv2
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import ndimage as ndi
from skimage import color, feature, filters, measure, morphology, registration, segmentation, transform
from tqdm.auto import tqdm

from helpers import classical as cl
from helpers import viz
from helpers.data import load_sample
from helpers.datasets import lesion_slices
from helpers.exercises import check

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The images
# Before deep learning, image analysis meant chaining hand-made steps: threshold, find edges, group pixels into
# objects, fit shapes, track motion, match landmarks. We try each step on real images shipped with Python packages:
# a head CT slice (pydicom-data), a retina fundus photograph and an immunohistochemistry (IHC) slide
# (scikit-image), and later an echocardiography cine. Every step is shown with both **OpenCV** (`cv2`) and
# **scikit-image** (`skimage`) where both have it.
#
# *Figure:* the three still images: an axial head CT in a bone window, a colour photograph of the retina with the
# optic disc on the left, and brown/blue stained tissue.

# %% slideshow={"slide_type": "fragment"}
ct, ct_meta = load_sample("ct_head")  # float32 Hounsfield units (HU)
fundus, _ = load_sample("retina_fundus")  # (1411, 1411, 3) RGB uint8
ihc, _ = load_sample("pathology_ihc")  # (512, 512, 3) RGB uint8
print(f"{ct_meta.title}: pixels {ct_meta.spacing_mm} mm, {ct.min():.0f} to {ct.max():.0f} HU")
fig = viz.montage([ct, fundus, ihc], ["CT head (bone window)", "retina fundus photo", "IHC-stained tissue"],
                  ncols=3, size=3.4, windows=[(400, 1800), None, None])

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Thresholding
# The simplest segmentation: every pixel at or above a value becomes "on". In CT the value means something
# physical: water is 0 HU and air −1000 HU by definition ([Hounsfield 1973](https://doi.org/10.1259/0007-1285-46-552-1016)). A textbook
# table puts brain tissue at +20 to +45 HU and bone at +700 to +3000 HU ([Buzug 2008](https://doi.org/10.1007/978-3-540-39408-2); values
# vary with the scanner, see also [Radiopaedia](https://radiopaedia.org/articles/hounsfield-unit)), so `ct >= 300`, our choice between the two,
# is a bone mask that also keeps less dense bone. First clip the values to the range of 12-bit CT numbers: with 12
# bits stored and a rescale intercept of −1024 HU, the 2¹² = 4096 values run from −1024 to +3071 HU (Bits Stored:
# DICOM PS3.3 [C.7.6.3](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.3.html); Rescale Intercept: [C.11.1](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.11.html#sect_C.11.1)). Pixels outside the scanner's reconstruction circle hold a padding value near −3024 HU: they are not
# tissue.

# %% slideshow={"slide_type": "fragment"}
ct_hu = np.clip(ct, -1024, 3071)  # padding outside the reconstruction circle -> -1024 (air)
bone = ct_hu >= 300  # bone: far above brain tissue (+20 to +45 HU), see the text
dy, dx = ct_meta.spacing_mm
print(f"bone: {bone.sum()} pixels × {dy:.3f} × {dx:.3f} mm = {bone.sum() * dy * dx / 100:.1f} cm² in this slice")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Move the slider: the mask (green) follows the threshold, and the histogram (right, log scale) shows where the
# threshold cuts the population of pixel values. The dashed line is Otsu's choice, explained next.
#
# *Figure:* left, the CT slice with pixels above the threshold in green; right, the histogram of HU values with the
# threshold (solid orange) and Otsu's threshold (dashed blue).

# %% slideshow={"slide_type": "fragment"}
cl.ThresholdViewer(ct_hu, threshold=300, value_range=(-1024, 2000), spacing_mm=ct_meta.spacing_mm,
                   window=(400, 1800), units="HU", title="CT head")


# %% [markdown] slideshow={"slide_type": "subslide"}
# ### How the histogram decides: Otsu's method
# Otsu ([Otsu 1979](https://doi.org/10.1109/TSMC.1979.4310076)) tries every threshold and keeps the one that makes the two classes most different: the largest
# *between-class variance* w₀·w₁·(m₀ − m₁)², where w are the fractions of pixels on each side and m their means.
# It looks only at the histogram, never at where pixels are. In plain NumPy:

# %% slideshow={"slide_type": "fragment"}
def otsu(values, nbins=256):
    """Otsu's threshold of an array: foreground = values > threshold."""
    counts, edges = np.histogram(values, bins=nbins)
    centres = (edges[:-1] + edges[1:]) / 2
    best, best_t = -1.0, None
    for k in range(1, nbins):  # class 0 = bins below k, class 1 = bins k and above
        w0, w1 = counts[:k].sum(), counts[k:].sum()
        if w0 and w1:
            m0, m1 = counts[:k] @ centres[:k] / w0, counts[k:] @ centres[k:] / w1
            if w0 * w1 * (m0 - m1) ** 2 > best:
                best, best_t = w0 * w1 * (m0 - m1) ** 2, centres[k - 1]
    return best_t


# %% [markdown] slideshow={"slide_type": "fragment"}
# The answer depends on what the histogram contains. On the raw slice Otsu separates the padding from everything
# else; after clipping, air from the head; inside the head, soft tissue from bone.
#
# *Figure:* histogram of the raw CT values (log scale) with Otsu's threshold for the three choices of pixels.

# %% slideshow={"slide_type": "fragment"}
t_raw = otsu(ct)  # padding vs the rest
t_clipped = otsu(ct_hu)  # air vs head
t_head = otsu(ct_hu[ct_hu > t_clipped])  # soft tissue vs bone, inside the head only
fig, ax = plt.subplots(figsize=(8, 3.2), layout="constrained")
ax.hist(ct.ravel(), bins=300, log=True, color="0.5", histtype="stepfilled")
for t, name, style in [(t_raw, "raw slice", ":"), (t_clipped, "clipped", "--"), (t_head, "inside the head", "-")]:
    ax.axvline(t, color="#E69F00", ls=style, lw=2, label=f"Otsu, {name}: {t:.0f} HU")
ax.set(xlabel="HU", ylabel="pixels (log scale)", title="CT head: where Otsu cuts depends on which pixels you give it")
ax.legend(fontsize=8);

# %% [markdown] slideshow={"slide_type": "subslide"}
# Both libraries implement Otsu. OpenCV needs 8-bit input; scikit-image takes any type. On the green channel of the
# fundus photo (where vessels show best) both pick the same value, and it separates the camera's round field of
# view from the black border. It does not find the vessels.
#
# *Figure:* the fundus green channel and the Otsu masks from OpenCV and scikit-image.

# %% slideshow={"slide_type": "fragment"}
green = fundus[..., 1]
t_cv, fov_cv = cv2.threshold(green, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)  # OpenCV
t_sk = filters.threshold_otsu(green)  # scikit-image
fov = green > t_sk
print(f"Otsu threshold: OpenCV {t_cv:.0f}, scikit-image {t_sk:.0f}; field of view = {100 * fov.mean():.0f}% of pixels")
fig = viz.montage([green[::2, ::2], fov_cv[::2, ::2] > 0, fov[::2, ::2]],  # shown at half size
                  ["fundus, green channel", f"OpenCV Otsu > {t_cv:.0f}", f"scikit-image Otsu > {t_sk:.0f}"], ncols=3,
                  size=3.0)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Local (adaptive) thresholds
# Vessels are darker than their *surroundings*, but the illumination changes across the photo, so no single value
# works. A local threshold compares each pixel with a Gaussian-weighted mean of its neighbourhood (here 31 × 31
# pixels) minus an offset. OpenCV's `adaptiveThreshold` and scikit-image's `threshold_local` use the same Gaussian
# (σ = 5 px for a block of 31), so they agree.
#
# *Figure:* the local-threshold vessel masks from OpenCV and scikit-image, inside the field of view.

# %% slideshow={"slide_type": "fragment"}
vessels_cv = cv2.adaptiveThreshold(green, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY_INV, 31, 4) > 0
vessels_sk = green < filters.threshold_local(green, block_size=31, method="gaussian", offset=4)
inside = cv2.erode(fov.astype(np.uint8), np.ones((41, 41), np.uint8)) > 0  # ignore the rim of the field of view
vessels_cv &= inside
vessels_sk &= inside
agreement = (vessels_cv == vessels_sk)[inside].mean()
titles = ["OpenCV adaptiveThreshold", f"scikit-image threshold_local ({100 * agreement:.1f}% agree)"]
fig = viz.montage([vessels_cv[::2, ::2], vessels_sk[::2, ::2]], titles, ncols=2, size=4.0)

# %% [markdown] slideshow={"slide_type": "fragment"}
# Turn the two knobs (half-resolution image, so the block is twice as large in the original): a small block
# follows thin vessels and noise; a large offset keeps only the clearest differences.
#
# *Figure:* the fundus green channel and the pixels darker than their local mean by more than the offset.

# %% slideshow={"slide_type": "fragment"}
cl.LocalThresholdViewer(green[::2, ::2], block_size=15, offset=4, dark=True, title="fundus green, half resolution")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Thresholding a stain
# In IHC the brown DAB stain marks the protein of interest and the blue haematoxylin marks nuclei. *Colour
# deconvolution* ([Ruifrok & Johnston 2001](https://pubmed.ncbi.nlm.nih.gov/11531144/); `skimage.color.rgb2hed`) separates the stains into channels; Otsu on the DAB channel then gives
# the stained area, a common pathology measurement.
#
# *Figure:* the IHC image, its DAB (brown stain) channel and the Otsu mask of DAB-positive pixels.

# %% slideshow={"slide_type": "fragment"}
hed = color.rgb2hed(ihc)  # channels: haematoxylin, eosin, DAB
dab = hed[..., 2]
t_dab = filters.threshold_otsu(dab)
brown = dab > t_dab
print(f"DAB-positive: {100 * brown.mean():.0f}% of the image (Otsu threshold {t_dab:.3f} optical density)")
fig = viz.montage([ihc, dab, brown], ["IHC image", "DAB channel", "DAB > Otsu"], ncols=3, size=3.2)

# %% slideshow={"slide_type": "skip"} tags=["check"]
rng = np.random.default_rng(0)
two_populations = np.concatenate([rng.normal(100, 10, 6000), rng.normal(200, 15, 3000)])
assert 130 < otsu(two_populations) < 170, "Otsu should fall between two known populations (means 100 and 200)"
# between the two populations the criterion is almost flat, so rounding can pick a neighbouring bin: the plain
# NumPy version agrees with the libraries up to such near-ties (the same split of all but a pixel or two)
for library in (filters.threshold_otsu(two_populations), cl.otsu_threshold(two_populations)):
    assert np.mean((two_populations > otsu(two_populations)) != (two_populations > library)) < 1e-3, library
assert t_raw < -1024 < t_clipped < 0 < 200 < t_head < 600, (t_raw, t_clipped, t_head)
assert abs(t_cv - t_sk) <= 1, "OpenCV and scikit-image Otsu agree on 8-bit data"
assert agreement > 0.95, f"local thresholds should agree, got {agreement:.3f}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# `skimage.filters.threshold_multiotsu` generalises Otsu to several classes at once. Run it on `ct_hu` with
# `classes=3` and compare its two thresholds with the two-step result above (`t_clipped`, `t_head`).

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
thresholds = None  # your answer: the two thresholds (HU), from filters.threshold_multiotsu(...)
check("05-multiotsu")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 05-multiotsu
thresholds = filters.threshold_multiotsu(ct_hu, classes=3)
assert abs(thresholds[0] - t_clipped) < 150 and abs(thresholds[1] - t_head) < 150, (thresholds, t_clipped, t_head)
thresholds  # close to the two-step answer: air | soft tissue | bone

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Edge detection
# An edge is where brightness changes fast: a large *gradient*. The Sobel filter estimates it by smoothing across
# and differencing along each direction (kernel [1 2 1]ᵀ·[−1 0 1]). OpenCV's kernel is not normalised (on a ramp
# of slope *s* it returns 8*s*), scikit-image's is divided by 4; scaled to HU per pixel the two are identical.

# %% slideshow={"slide_type": "fragment"}
img = ct_hu.astype(np.float32)
gx, gy = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
grad_cv = np.hypot(gx, gy) / 8  # HU per pixel
grad_sk = np.hypot(filters.sobel_h(img), filters.sobel_v(img)) / 2  # HU per pixel
print(f"largest difference inside the image: {np.abs(grad_cv - grad_sk)[1:-1, 1:-1].max():.2g} HU/pixel")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The **Laplacian of Gaussian** (LoG) smooths with a Gaussian, then takes the second derivative: edges sit where it
# crosses zero. Both libraries again: `scipy.ndimage.gaussian_laplace` and OpenCV's `GaussianBlur` + `Laplacian`.
#
# *Figure:* gradient magnitude (magma, HU per pixel), the LoG (cividis) and its zero crossings where the gradient
# is strong.

# %% slideshow={"slide_type": "fragment"}
log_sk = ndi.gaussian_laplace(img, sigma=2)
log_cv = cv2.Laplacian(cv2.GaussianBlur(img, (0, 0), 2), cv2.CV_32F, ksize=1)
sign = log_sk > 0
zero_crossings = ((sign != np.roll(sign, 1, 0)) | (sign != np.roll(sign, 1, 1))) & (grad_cv > 50)
fig, axes = plt.subplots(1, 3, figsize=(12, 4), layout="constrained")
for ax, image, title, cmap in [(axes[0], grad_cv, "Sobel gradient (HU/pixel)", "magma"),
                               (axes[1], log_sk, "LoG, σ = 2 px", "cividis"),
                               (axes[2], zero_crossings, "LoG zero crossings (gradient > 50)", "gray")]:
    viz.render_image(ax, image, spacing_mm=ct_meta.spacing_mm, cmap=cmap)
    ax.set_title(title)
fig.colorbar(axes[0].images[0], ax=axes[0], shrink=0.7, label="HU/pixel");

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Canny: thin edges with two thresholds
# Canny ([Canny 1986](https://doi.org/10.1109/TPAMI.1986.4767851)) smooths (Gaussian σ), computes the Sobel gradient, keeps only local maxima across the edge, then applies
# *hysteresis*: pixels above the **high** threshold start an edge, pixels above the **low** one extend it. Turn the
# knobs: a higher `high` drops weak edges, a lower `low` lets edges continue through faint parts, a larger σ
# removes detail and noise.
#
# *Figure:* the CT slice in a soft-tissue window (W400 L40, a soft-tissue preset listed by
# [Radiopaedia](https://radiopaedia.org/articles/windowing-ct)) and its Canny edges.

# %% slideshow={"slide_type": "fragment"}
ct_soft = cl.to_uint8(ct_hu, window=(40, 400))  # soft-tissue window W400 L40 -> 8 bits for OpenCV
cl.CannyViewer(ct_soft, low=50, high=150, sigma=2.0, spacing_mm=ct_meta.spacing_mm, title="CT, soft-tissue window")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The same with both libraries. Their thresholds are on different gradient scales, so the numbers differ; here
# scikit-image uses *quantiles* (keep the strongest 10% as seeds), another way to choose them.
#
# *Figure:* Canny edges from OpenCV and from scikit-image on the soft-tissue CT.

# %% slideshow={"slide_type": "fragment"}
edges_cv = cv2.Canny(cv2.GaussianBlur(ct_soft, (0, 0), 2), 50, 150, L2gradient=True) > 0
edges_sk = feature.canny(ct_soft, sigma=2, low_threshold=0.8, high_threshold=0.9, use_quantiles=True)
near_cv = ndi.distance_transform_edt(~edges_cv) <= 1
print(f"OpenCV {edges_cv.sum()} edge pixels, scikit-image {edges_sk.sum()}; "
      f"{100 * near_cv[edges_sk].mean():.0f}% of scikit-image's lie within 1 px of OpenCV's")
fig = viz.compare([edges_cv, edges_sk], ["OpenCV Canny 50/150", "scikit-image Canny, quantiles 0.8/0.9"],
                  spacing_mm=ct_meta.spacing_mm, window=(0.5, 1.0))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Noise sensitivity
# Derivatives amplify noise. We add Gaussian noise (in HU) to the slice and count how many Canny edge pixels still
# lie within 2 px of the edges of the clean image: the *edge precision*. More blur buys robustness and costs
# detail.

# %% slideshow={"slide_type": "fragment"}
rng = np.random.default_rng(0)
clean = cv2.Canny(cv2.GaussianBlur(ct_soft, (0, 0), 2), 50, 150, L2gradient=True) > 0
near_clean = ndi.distance_transform_edt(~clean) <= 2
rows = []
for noise_hu in [0, 20, 40, 80]:
    noisy = cl.to_uint8(ct_hu + rng.normal(0, noise_hu, ct_hu.shape), window=(40, 400))
    for sigma in [1, 2, 3]:
        e = cv2.Canny(cv2.GaussianBlur(noisy, (0, 0), sigma), 50, 150, L2gradient=True) > 0
        rows.append({"noise SD (HU)": noise_hu, "blur σ (px)": sigma, "precision": near_clean[e].mean(), "edges": e})
noise_table = pd.DataFrame(rows)
noise_table.pivot(index="noise SD (HU)", columns="blur σ (px)", values="precision").round(2)

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* Canny edges of the slice with 80 HU of noise, blurred with σ = 1 px (noise everywhere) and σ = 3 px
# (the anatomy's outlines come back).

# %% slideshow={"slide_type": "fragment"}
worst = noise_table[noise_table["noise SD (HU)"] == 80].set_index("blur σ (px)")
fig = viz.compare([worst.loc[1, "edges"], worst.loc[3, "edges"]],
                  [f"noise 80 HU, σ = 1 px: precision {worst.loc[1, 'precision']:.2f}",
                   f"noise 80 HU, σ = 3 px: precision {worst.loc[3, 'precision']:.2f}"],
                  spacing_mm=ct_meta.spacing_mm, window=(0.5, 1.0))

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert np.allclose(grad_cv[1:-1, 1:-1], grad_sk[1:-1, 1:-1], atol=1e-2), "Sobel in OpenCV and scikit-image agree"
assert np.allclose(log_cv[5:-5, 5:-5], log_sk[5:-5, 5:-5], atol=0.05 * np.abs(log_sk).max()), "LoG agrees"
step = np.zeros((40, 40), np.uint8)
step[:, 20:] = 200  # a synthetic vertical step between columns 19 and 20
for e in (cv2.Canny(step, 50, 150) > 0, feature.canny(step, sigma=1)):
    assert set(np.nonzero(e)[1]) <= {19, 20}, "Canny puts the edge of a step at the step"
assert near_cv[edges_sk].mean() > 0.6, "the two Canny implementations find mostly the same outlines"
assert worst.loc[1, "precision"] < 0.5 < 0.9 < worst.loc[3, "precision"], "noise breaks σ=1, σ=3 survives"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# For the slice with 80 HU of noise (`noisy80`, below), find the **smallest** blur σ among `sigmas` whose Canny
# edges (thresholds 50/150) reach a precision of at least 0.9, using `near_clean` from above.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
noisy80 = cl.to_uint8(ct_hu + np.random.default_rng(1).normal(0, 80, ct_hu.shape), window=(40, 400))
sigmas = [1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0]
best_sigma = None  # your answer: the smallest σ (px) in `sigmas` with a precision of at least 0.9
check("05-canny-sigma")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 05-canny-sigma
for best_sigma in sigmas:
    e = cv2.Canny(cv2.GaussianBlur(noisy80, (0, 0), best_sigma), 50, 150, L2gradient=True) > 0
    if near_clean[e].mean() >= 0.9:
        break
assert 1.0 < best_sigma <= 3.0 and near_clean[e].mean() >= 0.9, (best_sigma, near_clean[e].mean())
best_sigma

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Segmenting: from pixels to objects
# The lecture's recipe: group thresholded areas enclosed by edges. For the nuclei in the IHC image:
# 1. **threshold** the haematoxylin (blue) channel with Otsu;
# 2. **morphology**: an *opening* (erode then dilate) removes specks and thin bridges, small blobs are dropped,
#    holes filled;
# 3. **connected components** give each blob a number (OpenCV and scikit-image side by side).

# %% slideshow={"slide_type": "fragment"}
haem = filters.gaussian(hed[..., 0], sigma=1.5)  # haematoxylin stains nuclei
nuclei = haem > filters.threshold_otsu(haem)  # 1. threshold
nuclei = morphology.opening(nuclei, morphology.disk(2))  # 2. morphology: opening
nuclei = morphology.area_opening(nuclei, area_threshold=30)  # drop blobs under 30 pixels
nuclei = ndi.binary_fill_holes(nuclei)
n_cv, labels_cv = cv2.connectedComponents(nuclei.astype(np.uint8), connectivity=8)  # 3. OpenCV
labels_sk = measure.label(nuclei, connectivity=2)  # 3. scikit-image
print(f"connected components: OpenCV {n_cv - 1} (it counts the background too), scikit-image {labels_sk.max()}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Watershed: splitting touching nuclei
# Touching nuclei merge into one component. The **distance transform** (distance of each pixel to the background)
# peaks at the centre of every round part; flooding the negated distance from those peaks (the watershed,
# [Vincent & Soille 1991](https://doi.org/10.1109/34.87344)) meets along the "neck"
# between two nuclei. In code:

# %% slideshow={"slide_type": "fragment"}
distance = ndi.distance_transform_edt(nuclei)
peaks = feature.peak_local_max(distance, min_distance=6, labels=labels_sk, exclude_border=False)
markers = np.zeros(nuclei.shape, np.int32)
markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
labels_ws = segmentation.watershed(-distance, markers, mask=nuclei, connectivity=2)
print(f"{labels_sk.max()} components -> {labels_ws.max()} nuclei after the watershed")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* a quarter of the IHC image with the outlines of the connected components (left: touching nuclei share
# one outline) and of the watershed regions (right: split along the necks).

# %% slideshow={"slide_type": "fragment"}
crop = np.s_[:256, 256:]
fig = viz.compare([segmentation.mark_boundaries(ihc[crop], labels_sk[crop], color=(0.94, 0.89, 0.26)),
                   segmentation.mark_boundaries(ihc[crop], labels_ws[crop], color=(0.94, 0.89, 0.26))],
                  ["connected components", "watershed"], size=4.5)

# %% [markdown] slideshow={"slide_type": "fragment"}
# `helpers.classical.split_touching` does the same (and has an OpenCV version built on `cv2.distanceTransform`
# and `cv2.watershed`). The knob is the minimum distance between seeds: too small over-splits, too large merges.
#
# *Figure:* the IHC image with the watershed outlines of the nuclei in yellow.

# %% slideshow={"slide_type": "fragment"}
cl.WatershedViewer(nuclei, image=ihc, min_distance=6, title="IHC nuclei")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Region properties
# Each object can now be measured: area, position, shape (eccentricity 0 = circle, near 1 = elongated;
# [solidity](../GLOSSARY.md#solidity) = area ÷ area of the convex hull, 1 for a convex blob and lower for a dented one or
# two merged nuclei), mean stain.
# The IHC file does not record its pixel size, so areas stay in **pixels**: converting to µm² would need an
# assumed magnification.

# %% slideshow={"slide_type": "fragment"}
nuclei_table = cl.region_table(labels_ws, intensity=hed[..., 0])
nuclei_table[["area_px", "eccentricity", "solidity"]].describe().loc[["count", "mean", "50%", "max"]].round(2)

# %% [markdown] slideshow={"slide_type": "subslide"}
# With a known pixel spacing, areas become physical. In the CT, the largest bone component is the skull; filling
# its inside and removing the bone leaves the cranial cavity of this slice, measured in mm² from the DICOM pixel
# spacing.
#
# *Figure:* the CT slice with the cranial cavity (green) found by threshold, components and hole filling.

# %% slideshow={"slide_type": "fragment"}
bone_parts = measure.label(ct_hu >= 300)
skull = bone_parts == 1 + np.argmax(np.bincount(bone_parts.ravel())[1:])  # the largest bone component
holes = measure.label(ndi.binary_fill_holes(skull) & ~skull)
cavity_table = cl.region_table(holes, spacing_mm=ct_meta.spacing_mm).sort_values("area_mm2", ascending=False)
cavity = holes == cavity_table["label"].iloc[0]
cavity_cm2 = cavity_table["area_mm2"].iloc[0] / 100
fig = viz.show_image(ct_hu, spacing_mm=ct_meta.spacing_mm, window=(40, 400),
                     title=f"cranial cavity in this slice: {cavity_cm2:.0f} cm²")
viz.draw_overlay(fig.axes[0], cavity, spacing_mm=ct_meta.spacing_mm, alpha=0.35);

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert n_cv - 1 == labels_sk.max(), "OpenCV and scikit-image count the same 8-connected components"
assert labels_ws.max() > 1.2 * labels_sk.max(), "the watershed splits touching nuclei"
peakless = labels_sk.max() - len(np.unique(labels_sk[tuple(peaks.T)]))  # blobs too small or flat for a peak
assert cl.split_touching(nuclei, min_distance=6).max() == labels_ws.max() + peakless, "helper = recipe + their seeds"
assert np.allclose(cavity_table["area_mm2"], cavity_table["area_px"] * dy * dx), "mm² = pixels × spacing"
assert 80 < cavity_cm2 < 200, f"an adult cranial cross-section is roughly 10 × 15 cm, got {cavity_cm2:.0f} cm²"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Measure the **skull bone** itself: the area of the `skull` mask in cm², using `cl.region_table` with the CT's
# pixel spacing (`ct_meta.spacing_mm`).

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
skull_cm2 = None  # your answer (cm²): cl.region_table(skull.astype(int), spacing_mm=...)
check("05-skull-area")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 05-skull-area
skull_cm2 = cl.region_table(skull.astype(int), spacing_mm=ct_meta.spacing_mm)["area_mm2"].sum() / 100
assert abs(skull_cm2 - skull.sum() * dy * dx / 100) < 1e-6 and 10 < skull_cm2 < 80, skull_cm2
skull_cm2

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Curve detection
# Curves are edge pixels adjacent to one another that follow a shape. The **Hough transform** ([Duda & Hart 1972](https://doi.org/10.1145/361237.361242)) lets every edge pixel
# vote for all the lines (or circles) that pass through it; shapes supported by many pixels become peaks in the
# vote accumulator. We use the ultrasound cine: its image sector is bounded by two straight lines.

# %% slideshow={"slide_type": "fragment"}
echo, echo_meta = load_sample("us_echo_cine")  # (t, y, x, RGB) uint8
frames = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in echo])  # (120, 480, 640) uint8
del echo
print(f"{echo_meta.title}: {frames.shape}, {echo_meta.frame_time_ms} ms per frame, {echo_meta.spacing_mm} mm pixels")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The sector is the largest region that is ever lit; its outline goes to both Hough implementations.
#
# *Figure:* the brightest value over the cine with the two Hough lines found by OpenCV (orange) and the two found
# by scikit-image (dashed blue).

# %% slideshow={"slide_type": "fragment"}
lit = cv2.morphologyEx((frames.max(axis=0) > 6).astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
_, regions, stats, _ = cv2.connectedComponentsWithStats(lit)
sector = regions == 1 + np.argmax(stats[1:, cv2.CC_STAT_AREA])
outline = cv2.Canny(sector.astype(np.uint8) * 255, 50, 150)
segments = cv2.HoughLinesP(outline, 1, np.pi / 180, threshold=60, minLineLength=120, maxLineGap=5).reshape(-1, 4)
votes, angles, dists = transform.hough_line(outline > 0)
_, peak_angles, peak_dists = transform.hough_line_peaks(votes, angles, dists, num_peaks=2)
cv_angles = np.degrees(np.arctan2(segments[:, 3] - segments[:, 1], segments[:, 2] - segments[:, 0]))
fig = viz.show_image(frames.max(axis=0), title="echo sector edges by Hough transform")
for x0, y0, x1, y1 in segments:
    fig.axes[0].plot([x0, x1], [y0, y1], color="#E69F00", lw=3)
for theta, d in zip(peak_angles, peak_dists, strict=True):  # x·cosθ + y·sinθ = d
    y = np.array([30.0, 200.0])
    fig.axes[0].plot((d - y * np.sin(theta)) / np.cos(theta), y, "--", color="#56B4E9", lw=1.5)
print(f"sector opening: OpenCV {180 - np.ptp(cv_angles):.1f}°, scikit-image {np.degrees(np.ptp(peak_angles)):.1f}°")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Circles: the optic disc
# The optic disc is a bright, round spot. Vessels crossing it cut its outline, so a morphological *closing* first
# paints them over; then the circle Hough transform (OpenCV's gradient-based version, scikit-image's exhaustive
# accumulator over radii) proposes candidates. Hough finds *circles*, not *optic discs*: a rule must choose, here
# "the brightest inside".
#
# *Figure:* the fundus photo (quarter size) with the Hough candidates (thin) and the chosen optic disc (thick).

# %% slideshow={"slide_type": "fragment"}
small = cv2.resize(fundus, (353, 353), interpolation=cv2.INTER_AREA)  # quarter size: faster voting
closed = cv2.morphologyEx(small[..., 1], cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9)))
found_cv = cv2.HoughCircles(cv2.GaussianBlur(closed, (0, 0), 2), cv2.HOUGH_GRADIENT, dp=1, minDist=50, param1=40,
                            param2=15, minRadius=15, maxRadius=30)[0]  # rows of (x, y, r)
radii = np.arange(15, 31)
accumulator = transform.hough_circle(feature.canny(closed.astype(float), sigma=2, low_threshold=5, high_threshold=15),
                                     radii)
_, cx, cy, cr = transform.hough_circle_peaks(accumulator, radii, total_num_peaks=5)
found_sk = np.column_stack([cx, cy, cr]).astype(float)
yy, xx = np.mgrid[:353, :353]
brightness = lambda c: small[..., 1][(yy - c[1]) ** 2 + (xx - c[0]) ** 2 < c[2] ** 2].mean()  # noqa: E731
disc_cv, disc_sk = max(found_cv, key=brightness), max(found_sk, key=brightness)

# %% slideshow={"slide_type": "fragment"}
fig = viz.show_image(small, title="optic disc: OpenCV (orange) and scikit-image (dashed blue)")
for x, y, r in found_sk:
    fig.axes[0].add_patch(plt.Circle((x, y), r, fill=False, color="#56B4E9", lw=0.8))
fig.axes[0].add_patch(plt.Circle(disc_cv[:2], disc_cv[2], fill=False, color="#E69F00", lw=3))
fig.axes[0].add_patch(plt.Circle(disc_sk[:2], disc_sk[2], fill=False, color="#56B4E9", lw=2, ls="--"))
print(f"disc centre (x, y) and radius: OpenCV {disc_cv.round(1)}, scikit-image {disc_sk}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Active contours
# The skull is not a circle: the best Hough circle (thin, pink) hugs only part of it. An **active contour**
# ("snake", [Kass et al. 1988](https://doi.org/10.1007/BF00133570)) balances image forces, which pull it onto strong edges, against internal forces that keep it smooth.
# Started on a circle around the head (the Hough centre, grown until it encloses all bone), it shrinks onto the
# head's outline. (OpenCV's main module has no snake; this is scikit-image's `active_contour`.)
#
# *Figure:* the CT slice in a bone window (half resolution) with the Hough circle (thin), the snake's starting
# circle (dashed) and its final outline (solid).

# %% slideshow={"slide_type": "fragment"}
bone_half = cl.to_uint8(ct_hu[::2, ::2], window=(400, 1800))  # bone window, half resolution: 4x cheaper
edges_half = feature.canny(bone_half.astype(float), sigma=2, low_threshold=20, high_threshold=50)
skull_radii = np.arange(50, 90, 2)
_, sx, sy, sr = transform.hough_circle_peaks(transform.hough_circle(edges_half, skull_radii), skull_radii,
                                             total_num_peaks=1)
bone_rows, bone_cols = np.nonzero(ct_hu[::2, ::2] >= 300)
enclosing = np.percentile(np.hypot(bone_rows - sy[0], bone_cols - sx[0]), 99) + 6  # radius around all bone
start = cl.circle_points((sy[0], sx[0]), enclosing, n=150)  # (row, col) points
smooth = filters.gaussian(bone_half / 255, sigma=2)
snake = segmentation.active_contour(smooth, start, alpha=0.015, beta=10, gamma=0.001, max_num_iter=800)
fig = viz.show_image(bone_half, window=(127.5, 255), title="Hough circle, snake start (dashed) and result")
fig.axes[0].add_patch(plt.Circle((sx[0], sy[0]), sr[0], fill=False, color="#CC79A7", lw=1))
fig.axes[0].plot(start[:, 1], start[:, 0], "--", color="#56B4E9", lw=1.5)
fig.axes[0].plot(snake[:, 1], snake[:, 0], color="#E69F00", lw=2)
fig.axes[0].set(xlim=(0, 256), ylim=(256, 0));

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert len(segments) >= 2 and np.ptp(cv_angles) > 60, "OpenCV finds the two sector edges"
assert abs((180 - np.ptp(cv_angles)) - np.degrees(np.ptp(peak_angles))) < 5, "both Hough versions agree"
assert disc_cv[0] < 0.3 * small.shape[1] and np.hypot(*(disc_cv[:2] - disc_sk[:2])) < 6, "the disc is on the left"
assert brightness(disc_cv) > np.percentile(small[..., 1][fov[::4, ::4][:353, :353]], 95), "the disc is bright"
gradient = filters.sobel(smooth)
on_snake = ndi.map_coordinates(gradient, snake.T, order=1).mean()
on_start = ndi.map_coordinates(gradient, start.T, order=1).mean()
assert on_snake > 3 * on_start, f"the snake moved onto edges: {on_snake:.3f} vs {on_start:.3f}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# The *macula* (the dark spot at the centre of the photo) is round too, and scikit-image's candidates in `found_sk`
# include it. Write a rule that picks the candidate with the **darkest** inside, store it in `macula` as
# `(x, y, r)`, and check that it lies near the middle of the image.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
macula = None  # your answer: one row (x, y, r) of found_sk, in pixels: min(found_sk, key=...)
check("05-macula")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 05-macula
macula = min(found_sk, key=brightness)
assert abs(macula[0] - 176) < 40 and abs(macula[1] - 176) < 40, macula
macula

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Optical flow: measuring motion
# Optical flow assumes a moving pattern keeps its brightness and asks how far each pattern moved between two
# frames. **Dense** flow (Farnebäck in OpenCV, [Farnebäck 2003](https://doi.org/10.1007/3-540-45103-X_50); TV-L1 in scikit-image,
# [Zach et al. 2007](https://doi.org/10.1007/978-3-540-74936-3_22)) gives a vector for every pixel; **sparse**
# flow (Lucas–Kanade, [Lucas & Kanade 1981](https://www.ijcai.org/Proceedings/81-2/Papers/017.pdf)) tracks a few corner-like points. Flat regions carry no information: any motion looks the
# same there (the *aperture problem*).
#
# *Figure:* one echo frame with the motion to the next frame: OpenCV Farnebäck (left) and scikit-image TV-L1
# (right), arrows 6× longer than the motion.

# %% slideshow={"slide_type": "fragment"}
k = 20  # frame pair k -> k + 1
flow_cv = cv2.calcOpticalFlowFarneback(frames[k], frames[k + 1], None, 0.5, 3, 15, 3, 5, 1.2, 0)  # (.., 2) = dx, dy
box = np.s_[30:420, 80:600]  # the sector's bounding box: TV-L1 is slower
v, u = registration.optical_flow_tvl1(frames[k][box], frames[k + 1][box], num_warp=2)  # (row, col) components
flow_sk = np.zeros_like(flow_cv)
flow_sk[box] = np.dstack([u, v])
fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained")
for ax, flow, name in [(axes[0], flow_cv, "OpenCV Farnebäck"), (axes[1], flow_sk, "scikit-image TV-L1")]:
    viz.render_image(ax, frames[k], spacing_mm=echo_meta.spacing_mm, window=(127.5, 255))
    cl.draw_flow(ax, flow, step=16, gain=6, mask=sector, spacing_mm=echo_meta.spacing_mm)
    ax.set_title(f"{name}: frame {k} → {k + 1}, arrows ×6")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Step through the cine with the slider; the title gives the mean speed inside the sector in mm/s (pixel spacing
# 0.51 mm, 33.3 ms per frame, from the DICOM header).
#
# *Figure:* an echo frame with Farnebäck motion vectors to the next frame.

# %% slideshow={"slide_type": "fragment"}
cl.FlowViewer(frames, frame_time_ms=echo_meta.frame_time_ms, spacing_mm=echo_meta.spacing_mm, mask=sector,
              step=20, gain=6, title="echo")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Over the whole cine, the mean speed inside the sector rises and falls through the cardiac cycle. Some frame
# pairs show exactly zero motion: the file stores a few frames twice, and optical flow exposes it.
#
# *Figure:* mean tissue speed inside the sector (mm/s) against time (s); zero-motion pairs are marked.

# %% slideshow={"slide_type": "fragment"}
half_frames, half_sector = frames[:, 30:420:2, 80:600:2], sector[30:420:2, 80:600:2]  # sector box, half size
speed = []
for t in tqdm(range(len(frames) - 1), desc="Farnebäck"):
    flow = cl.farneback_flow(half_frames[t], half_frames[t + 1])
    speed.append(np.hypot(flow[..., 0], flow[..., 1])[half_sector].mean())  # pixels (half resolution) per frame
mm_per_s = np.array(speed) * 2 * echo_meta.spacing_mm[0] / (echo_meta.frame_time_ms / 1000)
seconds = np.arange(len(speed)) * echo_meta.frame_time_ms / 1000
repeats = np.flatnonzero(np.all(frames[1:] == frames[:-1], axis=(1, 2)))  # pairs of identical frames

# %% slideshow={"slide_type": "fragment"}
fig, ax = plt.subplots(figsize=(9, 3), layout="constrained")
ax.plot(seconds, mm_per_s, color="#0072B2")
ax.plot(seconds[repeats], mm_per_s[repeats], "o", color="#E69F00", label="repeated frame (no motion)")
ax.set(xlabel="time (s)", ylabel="mean speed (mm/s)", title="echo cine: tissue motion inside the sector")
ax.legend(fontsize=8);

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Sparse** flow: Shi–Tomasi corners ([Shi & Tomasi 1994](https://doi.org/10.1109/CVPR.1994.323794)) (`goodFeaturesToTrack`) tracked by pyramidal Lucas–Kanade.
#
# *Figure:* the echo frame with each tracked point (dot) and its motion to the next frame (line, 6× longer); the
# few very long lines are lost tracks, points that slid off their texture.

# %% slideshow={"slide_type": "fragment"}
corners = cv2.goodFeaturesToTrack(frames[k], maxCorners=150, qualityLevel=0.01, minDistance=7,
                                  mask=sector.astype(np.uint8))
moved, status, _ = cv2.calcOpticalFlowPyrLK(frames[k], frames[k + 1], corners, None, winSize=(21, 21), maxLevel=3)
p0, p1 = corners.reshape(-1, 2)[status.ravel() == 1], moved.reshape(-1, 2)[status.ravel() == 1]
fig = viz.show_image(frames[k], window=(127.5, 255), title=f"Lucas–Kanade: {len(p0)} tracked points, lines ×6")
tips = p0 + 6 * (p1 - p0)
fig.axes[0].plot(np.stack([p0[:, 0], tips[:, 0]]), np.stack([p0[:, 1], tips[:, 1]]), color="#E69F00", lw=1.2)
fig.axes[0].plot(p0[:, 0], p0[:, 1], ".", color="#F0E442", ms=4)
fig.axes[0].set(xlim=(0, frames.shape[2]), ylim=(frames.shape[1], 0));  # a lost track may point far away

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Does it measure the right thing?
# A known test: shift a real frame by a known sub-pixel amount and ask both methods for the motion. We use the
# median over textured pixels (dense) or tracked points (sparse), because flat regions are guesses.

# %% slideshow={"slide_type": "fragment"}
true_shift = (1.7, -2.3)  # (rows, cols) in pixels
ref = frames[30]
shifted = cl.to_uint8(cl.shift_image(ref, true_shift), window=(127.5, 255))
textured = cl.textured_mask(ref) & sector
dense_dx, dense_dy = np.median(cl.farneback_flow(ref, shifted)[textured], axis=0)
q0, q1 = cl.lucas_kanade_tracks(ref, shifted, mask=sector)
sparse_dx, sparse_dy = np.median(q1 - q0, axis=0)
pd.DataFrame({"rows (px)": [true_shift[0], dense_dy, sparse_dy], "cols (px)": [true_shift[1], dense_dx, sparse_dx]},
             index=["true shift", "Farnebäck (median, textured)", "Lucas–Kanade (median)"]).round(3)

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert abs(dense_dy - true_shift[0]) < 0.5 and abs(dense_dx - true_shift[1]) < 0.5, "Farnebäck recovers the shift"
assert abs(sparse_dy - true_shift[0]) < 0.5 and abs(sparse_dx - true_shift[1]) < 0.5, "Lucas–Kanade recovers it"
assert len(repeats) >= 3 and np.all(mm_per_s[repeats] < 0.1), "repeated frames show no motion"
assert mm_per_s.max() > 1.5 * np.median(mm_per_s[mm_per_s > 0.1]), "the heartbeat modulates the motion"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Large motions break the brightness-constancy approximation, which holds only over a few pixels. Shift `ref` by
# (10, 8) pixels and compare Farnebäck with `levels=0` (no image pyramid) and `levels=3` (motion estimated on
# coarse copies first). Store the recovered (rows, cols) medians over `textured` in `flat` and `pyramid`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
big = cl.to_uint8(cl.shift_image(ref, (10, 8)), window=(127.5, 255))
flat, pyramid = None, None  # your answers: (rows, cols) in pixels, e.g.
# np.median(cl.farneback_flow(ref, big, levels=...)[textured], axis=0)[::-1]
check("05-flow-pyramid")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 05-flow-pyramid
flat = np.median(cl.farneback_flow(ref, big, levels=0)[textured], axis=0)[::-1]  # (dx, dy) -> (rows, cols)
pyramid = np.median(cl.farneback_flow(ref, big, levels=3)[textured], axis=0)[::-1]
assert np.abs(flat - (10, 8)).max() > 3 and np.abs(pyramid - (10, 8)).max() < 0.5, (flat, pyramid)
flat.round(2), pyramid.round(2)


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · SIFT and friends: keypoints that survive rotation and scale
# **SIFT** (Scale-Invariant Feature Transform; [Lowe, *IJCV* 2004](https://doi.org/10.1023/B:VISI.0000029664.99615.94)) finds blob-like keypoints at their own scale and
# orientation and describes each by a 128-number histogram of local gradients, so the same point can be found
# again after rotation, zoom and changes of brightness. **SURF** (Speeded Up Robust Features) is a faster
# approximation. Their licensing shaped the libraries:
# - SIFT was patented ([US 6,711,293](https://patents.google.com/patent/US6711293B1/en)); the patent **expired in March 2020** and OpenCV **4.4.0 moved SIFT into its
#   main module** (`cv2.SIFT_create`; [OpenCV ChangeLog 4.4.0](https://github.com/opencv/opencv/wiki/ChangeLog#version440),
# [issue opencv/opencv#16736](https://github.com/opencv/opencv/issues/16736)).
# - SURF is still in the *non-free* part of `opencv_contrib` (`xfeatures2d`), compiled only with
#   `OPENCV_ENABLE_NONFREE`, so the pip wheels do not contain it ([OpenCV docs, “Non-free 2D Features Algorithms”](https://docs.opencv.org/4.x/d2/dca/group__xfeatures2d__nonfree.html)).
# - Free alternatives: **ORB** (binary descriptors, fast; [Rublee et al. 2011](https://doi.org/10.1109/ICCV.2011.6126544)) in OpenCV and scikit-image, **AKAZE** in OpenCV 4.x,
#   which OpenCV 5 moved to `opencv_contrib` together with KAZE and BRISK ([opencv/opencv#25292](https://github.com/opencv/opencv/pull/25292)). scikit-image also
#   ships SIFT.
#
# What does the installed OpenCV contain?

# %% slideshow={"slide_type": "fragment"}
def surf_usable():
    try:
        cv2.xfeatures2d.SURF_create()
        return True
    except (AttributeError, cv2.error):  # no contrib module, or contrib built without non-free algorithms
        return False

{"OpenCV": cv2.__version__, "SIFT (main module)": hasattr(cv2, "SIFT_create"), "ORB": hasattr(cv2, "ORB_create"),
 "AKAZE": hasattr(cv2, "AKAZE_create"), "xfeatures2d (contrib)": hasattr(cv2, "xfeatures2d"),
 "SURF usable": surf_usable(),
 "build": [line.strip() for line in cv2.getBuildInformation().splitlines() if "Non-free" in line]}

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Matching two views of the same retina
# A second view: the photo rotated 25°, zoomed to 0.8 and cropped, with the true transform kept as ground truth.
# SIFT keypoints in both, descriptors matched with **Lowe's ratio test** (keep a match only if it is clearly better
# than the runner-up), then **RANSAC** ([Fischler & Bolles 1981](https://doi.org/10.1145/358669.358692)) fits a homography to random 4-match samples and keeps the one most matches
# agree with: wrong matches become outliers.

# %% slideshow={"slide_type": "fragment"}
retina = cv2.resize(green, (512, 512), interpolation=cv2.INTER_AREA)
view, true_h = cl.similarity_view(retina, angle_deg=25, scale=0.8, crop=(40, 440, 60, 480))
sift = cv2.SIFT_create()
kp0, des0 = sift.detectAndCompute(retina, None)
kp1, des1 = sift.detectAndCompute(view, None)
pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(des0, des1, k=2)
good = [a for a, b in pairs if a.distance < 0.75 * b.distance]  # Lowe's ratio test
src = np.float32([kp0[m.queryIdx].pt for m in good])
dst = np.float32([kp1[m.trainIdx].pt for m in good])
cv2.setRNGSeed(0)  # RANSAC draws random samples
h, inlier_mask = cv2.findHomography(src, dst, cv2.RANSAC, 3.0)
sift_error = cl.corner_error(h, true_h, retina.shape)
print(f"{len(kp0)} and {len(kp1)} keypoints, {len(good)} matches, {int(inlier_mask.sum())} RANSAC inliers; "
      f"corner error {sift_error:.2f} px")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the SIFT keypoints with their scale and orientation (left), and the second view warped back with the
# recovered homography, shown as a checkerboard with the original (right): vessels continue across the squares.

# %% slideshow={"slide_type": "fragment"}
strongest = sorted(kp0, key=lambda kp: -kp.response)[:150]
rich = cv2.drawKeypoints(retina, strongest, None, color=(230, 159, 0), flags=cv2.DRAW_MATCHES_FLAGS_DRAW_RICH_KEYPOINTS)
back = cv2.warpPerspective(view, np.linalg.inv(h), retina.shape[::-1])
tiles = (np.add.outer(np.arange(512) // 64, np.arange(512) // 64) % 2).astype(bool)
checker = np.where(tiles & (back > 0), back, retina)
fig = viz.compare([rich, checker], ["the 150 strongest SIFT keypoints: circle = scale",
                                    "view warped back, in a checkerboard with the original"], size=4.5)
for ax in fig.axes:
    ax.set_xticks(np.arange(0, 513, 64))
    ax.set_yticks(np.arange(0, 513, 64))
fig.axes[1].grid(color="#56B4E9", lw=0.6)  # tile borders: vessels continue across them

# %% [markdown] slideshow={"slide_type": "subslide"}
# The same experiment with both libraries and both free detectors, all fitted with the same RANSAC:

# %% slideshow={"slide_type": "fragment"}
rows = []
for backend in ["opencv", "skimage"]:
    for detector in ["sift", "orb"]:
        start_time = time.perf_counter()
        matches = cl.match_features(retina, view, detector=detector, backend=backend)
        fitted, inliers = cl.estimate_homography(matches.points0, matches.points1)
        rows.append({"library": backend, "detector": detector.upper(), "keypoints": len(matches.keypoints0),
                     "matches": len(matches), "inliers": int(inliers.sum()),
                     "corner error (px)": cl.corner_error(fitted, true_h, retina.shape),
                     "seconds": time.perf_counter() - start_time})
pd.DataFrame(rows).round(2)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Turn the knobs: rotate and scale the second view and switch detector. Where does ORB give up?
#
# *Figure:* the retina and its transformed copy side by side with the RANSAC inlier matches as lines.

# %% slideshow={"slide_type": "fragment"}
cl.MatchViewer(retina, angle_deg=25, scale=0.8)

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert hasattr(cv2, "SIFT_create") and not surf_usable(), "SIFT is in OpenCV's main module, SURF is not available"
assert sift_error < 1.0 and inlier_mask.sum() >= 30, f"SIFT + RANSAC recover the transform: {sift_error:.2f} px"
results = pd.DataFrame(rows)
assert (results["corner error (px)"] < 5).all(), "all four detectors recover this mild transform within 5 px"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Shrink the second view to `scale` 0.7, 0.5, 0.4 and 0.3 (no rotation) and record the corner error of OpenCV's
# SIFT and ORB (`cl.similarity_view`, `cl.match_features`, `cl.estimate_homography`, `cl.corner_error`; count a
# failed fit as `np.inf`). Store `{scale: (sift_error, orb_error)}` in `errors`. Which one is scale-invariant?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
errors = None  # your answer: {scale: (sift_error, orb_error)} in pixels, a loop over [0.7, 0.5, 0.4, 0.3]
check("05-scale-errors")


# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 05-scale-errors
def fit_error(image, view, truth, detector):
    try:
        m = cl.match_features(image, view, detector=detector)
        return cl.corner_error(cl.estimate_homography(m.points0, m.points1)[0], truth, image.shape)
    except ValueError:  # too few matches or no consistent transform
        return np.inf

errors = {}
for s in [0.7, 0.5, 0.4, 0.3]:
    small_view, truth = cl.similarity_view(retina, angle_deg=0, scale=s)
    errors[s] = (fit_error(retina, small_view, truth, "sift"), fit_error(retina, small_view, truth, "orb"))
assert all(sift_err < 2 for sift_err, _ in errors.values()), errors
assert errors[0.3][1] > 5, "ORB loses track at 0.3x"
# ORB's 8 levels, 1.2x apart, reach 1.2**7 = 3.6x > 1/0.3: the depth is enough, but its coarsest levels, the only
# ones that meet the 0.3x view's finest, hold few keypoints of the original
per_level = np.bincount([k.octave for k in cv2.ORB_create(2000).detect(retina, None)], minlength=8)
assert 1.2**7 > 1 / 0.3 and per_level[6:].sum() < 0.05 * per_level.sum(), per_level
print("ORB keypoints of the original per pyramid level (1.2x apart):", per_level)
pd.DataFrame(errors, index=["SIFT error (px)", "ORB error (px)"]).round(2)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · Why feature engineering struggles
# Every pipeline above was tuned by hand: thresholds, blur, sizes, radii. The lecture's warning: manual feature
# engineering is difficult, time-consuming and often does not generalise. We measure it. The images are real
# brain MRI slices (MNI152 template) with **simulated** lesions whose exact masks we know (`helpers.datasets`).
# Scanner "A" is the reference; scanner "B" is another vendor: lower resolution, more blur, a bias field, darker
# with a raised floor and more noise.
#
# *Figure:* the same four synthetic lesion slices as acquired on scanner A (top) and scanner B (bottom), lesion
# outlines in green.

# %% slideshow={"slide_type": "fragment"}
data_a = lesion_slices(200, contrast=(0.5, 0.8), seed=7)  # clearly visible lesions
data_b = lesion_slices(200, contrast=(0.5, 0.8), seed=7, scanner="B")  # the same slices, other scanner
show = np.flatnonzero(data_a.labels)[:4]
fig, axes = plt.subplots(2, 4, figsize=(10, 5.2), layout="constrained")
for row, (d, name) in enumerate([(data_a, "A"), (data_b, "B")]):
    for ax, i in zip(axes[row], show, strict=True):
        viz.render_image(ax, d.images[i], spacing_mm=d.spacing_mm, window=(0.5, 1.0))
        ax.contour(np.arange(64) * d.spacing_mm[1] + 1.5, np.arange(64) * d.spacing_mm[0] + 1.5, d.masks[i],
                   levels=[0.5], colors="#009E73", linewidths=1)
        ax.set_title(f"scanner {name}, image {i}", fontsize=9)
fig.suptitle("Synthetic lesions on real MNI152 anatomy: same slices, two scanners");

# %% [markdown] slideshow={"slide_type": "subslide"}
# The hand-made detector: smooth, threshold at a fixed intensity, drop blobs under 3 pixels, call the image
# "lesion" if anything is left. We tune its threshold on scanner A (as one would on the hospital's own data) and
# apply it unchanged to scanner B.
#
# *Figure:* detection accuracy against the threshold, on scanner A and scanner B; the threshold tuned on A is
# marked.

# %% slideshow={"slide_type": "fragment"}
candidates = np.round(np.arange(0.55, 1.2, 0.05), 3)
def accuracy(d, threshold):
    _, predicted = cl.threshold_detector(d.images, sigma=0.5, threshold=threshold, min_area_px=3)
    return cl.detection_scores(predicted, d.labels)["accuracy"]
curves = pd.DataFrame({"A": [accuracy(data_a, t) for t in candidates], "B": [accuracy(data_b, t) for t in candidates]},
                      index=candidates)
tuned = curves["A"].idxmax()
ax = curves.plot(figsize=(8, 3.2), color=["#0072B2", "#E69F00"], xlabel="threshold (normalised intensity)",
                 ylabel="accuracy", title="hand-tuned lesion detector (synthetic lesions): tuned on A, used on B")
ax.axvline(tuned, color="0.3", ls="--", label=f"tuned on A: {tuned}")
ax.legend(fontsize=8);

# %% slideshow={"slide_type": "fragment"}
rows = []
for name, d, threshold in [("A (tuned here)", data_a, tuned), ("B, A's threshold", data_b, tuned),
                           ("B, retuned on B", data_b, curves["B"].idxmax())]:
    masks, predicted = cl.threshold_detector(d.images, sigma=0.5, threshold=threshold, min_area_px=3)
    rows.append({"scanner": name, "threshold": threshold,
                 **cl.detection_scores(predicted, d.labels, predicted_masks=masks, true_masks=d.masks)})
shift_table = pd.DataFrame(rows).set_index("scanner").round(3)
shift_table

# %% [markdown] slideshow={"slide_type": "fragment"}
# The pipeline that works on A misses most lesions on B (sensitivity falls), and even re-tuning on B does not
# bring it back: blur, noise and the bias field changed what a lesion looks like, not only its brightness. Each
# new scanner means engineering again. Deep learning (next notebook) learns the features from data instead. Whether
# a learned model ignores such differences is a claim to test, not to assume: a CNN trained on scanner A also loses
# accuracy on B, and notebook 09 measures how much of that loss training with varied (augmented) acquisitions wins
# back. Note also that scanner B removes information (half the resolution, more noise), so part of the gap no
# method can close.

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert shift_table.loc["A (tuned here)", "accuracy"] > 0.8, "the hand-tuned detector works on its own scanner"
drop = shift_table.loc["A (tuned here)", "accuracy"] - shift_table.loc["B, A's threshold", "accuracy"]
assert drop > 0.1, f"the scanner shift costs accuracy: drop {drop:.3f}"
assert shift_table.loc["B, A's threshold", "sensitivity"] < shift_table.loc["A (tuned here)", "sensitivity"] - 0.2
assert shift_table.loc["B, retuned on B", "accuracy"] < shift_table.loc["A (tuned here)", "accuracy"]

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# One more hand-made fix: **normalise** every image before thresholding, by dividing it by its own 99th
# percentile (`np.percentile(x, 99)`), so a darker scanner no longer shifts all values. Retune the threshold on
# normalised A images (use `candidates * 1.5` as the search range), apply it to normalised B, and store the
# accuracies in `acc_a` and `acc_b`. How much of the gap closes?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
acc_a, acc_b = None, None  # your answers: accuracies (0 to 1) on normalised A and normalised B
check("05-normalise")


# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 05-normalise
def normalise(images):
    return images / np.percentile(images.reshape(len(images), -1), 99, axis=1)[:, None, None]

def accuracy_of(images, labels, threshold):
    return cl.detection_scores(cl.threshold_detector(images, sigma=0.5, threshold=threshold, min_area_px=3)[1],
                               labels)["accuracy"]

norm_a, norm_b = normalise(data_a.images), normalise(data_b.images)
best = max(candidates * 1.5, key=lambda t: accuracy_of(norm_a, data_a.labels, t))
acc_a, acc_b = accuracy_of(norm_a, data_a.labels, best), accuracy_of(norm_b, data_b.labels, best)
assert acc_b > shift_table.loc["B, A's threshold", "accuracy"] + 0.1, (acc_a, acc_b)
assert acc_b < acc_a, "normalising helps but does not remove the whole shift"
round(acc_a, 3), round(acc_b, 3)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
# - A threshold turns values into a mask; Otsu picks the value that best splits the histogram *you give it*, so the
#   same slice gives three different answers; a local threshold copes with uneven illumination, and colour
#   deconvolution turns a stain into a channel to threshold (§1 Thresholding).
# - Edges are large gradients (Sobel), zero crossings of the LoG, or Canny's thin hysteresis curves; noise must be
#   smoothed away first, and the blur that survives 80 HU of noise also erases detail (§2 Edge detection).
# - Threshold → morphology → connected components → watershed turns pixels into objects; with the DICOM pixel
#   spacing, their areas become mm² and cm² (§3 Segmenting).
# - The Hough transform votes for lines and circles, but a rule must still say which circle is the optic disc;
#   active contours refine outlines that are not simple shapes (§4 Curve detection).
# - Optical flow measures motion, densely (Farnebäck, TV-L1) or at tracked corners (Lucas–Kanade); it is trustworthy
#   only where there is texture, needs a pyramid for large motions, and a known synthetic shift tests it
#   (§5 Optical flow).
# - SIFT keypoints survive rotation and scale, and RANSAC recovers the transform despite wrong matches; SIFT is
#   free since 2020 and in OpenCV's main module, SURF is not in the standard builds, ORB is the fast free
#   alternative (§6 SIFT and friends).
# - Every step needs hand-tuned parameters that do not transfer to another scanner, and per-image normalisation
#   closes only part of the gap (§7 Why feature engineering struggles).
#
# **Next:** **06_cnns.ipynb**: neural networks learn the features instead, starting with the convolution that all
# the filters above are made of.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check your understanding
# 1. Otsu gave three different thresholds for the same CT slice (raw, clipped, inside the head). Why does its answer
#    depend on which pixels you give it, and how would you get a soft-tissue/bone threshold in one call?
# 2. The local threshold uses a 31 × 31-pixel block. Predict what it does inside the optic disc, a bright region
#    much larger than the block, and explain why.
# 3. Why must every derivative-based edge detector smooth first? What does a larger σ cost, besides lost detail,
#    for *where* an edge is found?
# 4. Canny's hysteresis uses two thresholds. What goes wrong along a faint, long vessel wall with a single
#    threshold set high, and with a single threshold set low?
# 5. The watershed splits touching nuclei along their necks. Why can it cut one elongated, irregular nucleus into
#    several, which knob controls this, and which region property (e.g. solidity) would flag a merge it missed?
# 6. The cranial cavity was measured in cm² from the DICOM pixel spacing. What else would you need to report a
#    volume in cm³, and how would a thick slice bias it?
# 7. Among the Hough circles, "the brightest inside" chose the optic disc. Describe a fundus photo on which this
#    rule fails, and a rule that would be more robust.
# 8. Why can a single straight edge reveal motion only *across* it, not along it (the aperture problem)? What does
#    that mean for optical flow inside the smooth blood pool of the heart?
# 9. Farnebäck without a pyramid failed on a (10, 8)-pixel shift; with three levels it recovered it. Why?
# 10. SIFT matched the view shrunk to 0.3×; ORB lost it. What in each method explains the difference? Which would
#     you choose to track points in live ultrasound, and what would you give up?
# 11. Dividing each image by its 99th percentile closed part of the gap between scanners A and B. Which differences
#     between the scanners can no per-image normalisation undo?

# %% [markdown] jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# **Answers** (instructor edition only)
# 1. Otsu sees only the histogram: it splits whatever two populations dominate it. On the raw slice the padding
#    (near −3024 HU) is the largest outlier population; after clipping, air against the head; inside the head, soft
#    tissue against bone. `filters.threshold_multiotsu(ct_hu, classes=3)` finds two thresholds at once (§1's Try it).
# 2. Inside a bright region larger than the block, the local mean is as bright as the pixel itself, so only
#    the vessels crossing the disc stand out. Just outside its rim, ordinary background is darker than a local mean
#    that includes the bright disc, so a ring of false "vessel" pixels appears there. A local threshold sees
#    contrast at the block's scale, not absolute brightness.
# 3. Derivatives amplify high frequencies, where noise lives; smoothing removes them first. A larger σ also moves
#    and merges edges: two close edges blur into one, and a curved edge is found displaced toward its centre of
#    curvature (poorer localisation).
# 4. A single high threshold keeps only the strongest pieces, so the wall breaks into dashes; a single low threshold
#    keeps the whole wall but also noise and texture. Hysteresis starts edges only where they are strong and lets
#    them continue through faint stretches that touch them.
# 5. The distance transform of an irregular shape has several local maxima, one per bulge, and each becomes a seed.
#    The minimum distance between seeds (`min_distance`) controls it; a larger value merges seeds. A merged pair of
#    nuclei has a notch between them, so its solidity (area ÷ convex-hull area) is lower than that of one round
#    nucleus.
# 6. The slice thickness or spacing between slices, and the cavity on every slice (sum of area × spacing). A thick
#    slice averages tissue across its thickness (partial volume), so edges blur and the outline, hence the area,
#    shifts; a volume from few thick slices also misses how the cavity changes between them.
# 7. A bright lesion, a camera reflex or a flash artefact inside the field of view beats a pale or cupped disc in a
#    diseased eye. More robust: combine several cues (brightness, size, the vessels converging on it, its position
#    relative to the macula) or learn the choice from labelled images.
# 8. Along a straight edge every point looks the same, so sliding along it changes nothing in the image; only the
#    component across the edge changes brightness. In the smooth blood pool there is no texture at all, so the
#    flow there is filled in by the method's smoothness assumption, not measured.
# 9. Farnebäck approximates each neighbourhood by a polynomial; the approximation holds only over a few pixels. A
#    pyramid estimates the motion on half- and quarter-size copies, where (10, 8) pixels become a few pixels, then
#    refines it at full size.
# 10. SIFT searches a continuous scale space and normalises each keypoint's patch to its own scale. ORB's default
#     pyramid in OpenCV has 8 levels, 1.2× apart: its coarsest level is 1.2⁷ ≈ 3.6× smaller than the image, so it
#     *does* reach the 1/0.3 ≈ 3.3× of the shrunk view. But a corner of the view's finest level can only meet a
#     corner of the original's two coarsest levels (3.0× and 3.6×, each about 10% off). Those levels of the
#     512-pixel retina are 171 and 143 pixels wide, ORB ignores a 31-pixel border, and the retina has few corners at
#     that scale: the solution above counts the original's keypoints per level, and the coarsest two hold almost
#     none. Too few correct matches are left for RANSAC. For live ultrasound, ORB (or sparse Lucas–Kanade) is fast
#     enough in real time; you give up robustness to large changes of scale, which frame-to-frame motion rarely has.
# 11. Blur and lower resolution (lost detail cannot be recovered), noise, and a spatially varying bias field (one
#     number per image cannot correct a change across the image). Normalisation fixes only a global scale of the
#     intensities.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
# - [Otsu 1979](https://doi.org/10.1109/TSMC.1979.4310076): the short original paper of §1's threshold, with the between-class variance
#   derived.
# - [Canny 1986](https://doi.org/10.1109/TPAMI.1986.4767851): how three criteria (detect, localise, one response per edge) lead to the
#   detector of §2, and why σ trades detection against localisation.
# - [Vincent & Soille 1991](https://doi.org/10.1109/34.87344): the flooding algorithm behind §3's watershed.
# - [Kass, Witkin & Terzopoulos 1988](https://doi.org/10.1007/BF00133570): snakes, the energy-minimising contours of §4.
# - [Lowe 2004](https://doi.org/10.1023/B:VISI.0000029664.99615.94): SIFT explained by its author, including the ratio test of §6.
# - [Fischler & Bolles 1981](https://doi.org/10.1145/358669.358692): RANSAC, the robust fit behind every homography in §6.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## References
# Every source this notebook cites, in the order of first use; the full entries are in the course bibliography, [REFERENCES.md](../REFERENCES.md).
#
# - [Hounsfield 1973](https://doi.org/10.1259/0007-1285-46-552-1016) — water 0 HU, air −1000 HU by definition (§1).
# - [Buzug 2008](https://doi.org/10.1007/978-3-540-39408-2) — typical CT numbers: brain +20 to +45 HU, bone +700 to +3000 HU (§1).
# - [Radiopaedia, Hounsfield unit](https://radiopaedia.org/articles/hounsfield-unit) — typical CT numbers, secondary (§1).
# - [DICOM PS3.3 C.7.6.3](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.3.html) — Image Pixel Module: Bits Stored (§1).
# - [DICOM PS3.3 C.11.1](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.11.html#sect_C.11.1) — Modality LUT Module: Rescale Intercept (§1).
# - [Otsu 1979](https://doi.org/10.1109/TSMC.1979.4310076) — Otsu's threshold (§1).
# - [Ruifrok & Johnston 2001](https://pubmed.ncbi.nlm.nih.gov/11531144/) — colour deconvolution of stains (§1).
# - [Canny 1986](https://doi.org/10.1109/TPAMI.1986.4767851) — the Canny edge detector (§2).
# - [Radiopaedia, Windowing (CT)](https://radiopaedia.org/articles/windowing-ct) — soft-tissue window W400 L40 (§2).
# - [Vincent & Soille 1991](https://doi.org/10.1109/34.87344) — the watershed (§3).
# - [Duda & Hart 1972](https://doi.org/10.1145/361237.361242) — the Hough transform for lines and curves (§4).
# - [Kass et al. 1988](https://doi.org/10.1007/BF00133570) — active contours (§4).
# - [Farnebäck 2003](https://doi.org/10.1007/3-540-45103-X_50) — dense optical flow by polynomial expansion (§5).
# - [Zach et al. 2007](https://doi.org/10.1007/978-3-540-74936-3_22) — TV-L1 optical flow (§5).
# - [Lucas & Kanade 1981](https://www.ijcai.org/Proceedings/81-2/Papers/017.pdf) — sparse optical flow (§5).
# - [Shi & Tomasi 1994](https://doi.org/10.1109/CVPR.1994.323794) — corners good to track (§5).
# - [Lowe 2004](https://doi.org/10.1023/B:VISI.0000029664.99615.94) — SIFT (§6).
# - [US patent 6,711,293](https://patents.google.com/patent/US6711293B1/en) — the SIFT patent, expired March 2020 (§6).
# - [OpenCV ChangeLog 4.4.0](https://github.com/opencv/opencv/wiki/ChangeLog#version440) — SIFT in OpenCV's main module (§6).
# - [opencv/opencv#16736](https://github.com/opencv/opencv/issues/16736) — moving SIFT to the main repository (§6).
# - [OpenCV, Non-free 2D Features Algorithms](https://docs.opencv.org/4.x/d2/dca/group__xfeatures2d__nonfree.html) — SURF needs OPENCV_ENABLE_NONFREE (§6).
# - [Rublee et al. 2011](https://doi.org/10.1109/ICCV.2011.6126544) — ORB (§6).
# - [opencv/opencv#25292](https://github.com/opencv/opencv/pull/25292) — KAZE, AKAZE and BRISK moved to opencv_contrib for OpenCV 5 (§6).
# - [Fischler & Bolles 1981](https://doi.org/10.1145/358669.358692) — RANSAC (§6).
