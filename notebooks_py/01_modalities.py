# %% [markdown] slideshow={"slide_type": "slide"}
# # 01 · Imaging modalities, from 1D read-outs to 4D scans
#
# **Lecture slides:** "What kind of image data is there in medicine?", "Patient can have many imaging modalities",
# "1-dimensional image data", "X-ray", "Whole Slide Imaging", "Computed Tomography (CT)", "Fluoroscopy",
# "Magnetic Resonance Imaging (MRI)", "Positron Emission Tomography (PET)", "Ultrasound" and
# "Overview of medical image data" of Lecture 3, *Medical Imaging*.
#
# **Learning objectives**
# - estimate how much image data one patient produces, and say which modality dominates;
# - explain how each modality forms its image (Beer–Lambert, Radon transform, spin echo, [PSF](../GLOSSARY.md#psf) and decay, echoes);
# - know each modality's array: number of dimensions, shape, data type, spacing and size in memory;
# - load, view and process real data of each kind (radiographs, whole slides tile by tile, CT in [HU](../GLOSSARY.md#hu), MRI volumes,
#   cine loops) and recognise where this notebook has to simulate instead (PET, fluoroscopy).
#
# **Contents.** The notebook is long; paragraphs marked *optional* are asides you can skip on a first pass.
# 1. [One patient, many modalities](#sec-patient): how many bytes one patient's imaging makes
# 2. [1D "image data"](#sec-1d): a plate reader turns an image into numbers
# 3. [X-ray](#sec-xray): Beer–Lambert, and why soft tissues hardly differ
# 4. [Whole-slide imaging](#sec-wsi): pyramids and tiles
# 5. [CT](#sec-ct): sinograms and filtered back-projection, Hounsfield units, [dose and the number of slices](#sec-ct-dose)
# 6. [Fluoroscopy](#sec-fluoro): 2D + time, subtraction angiography
# 7. [MRI](#sec-mri): PD, T1, T2, TR and TE, [the signal against TR and TE](#sec-mri-contrast),
#    [k-space and motion ghosts](#sec-kspace), fMRI
# 8. [PET](#sec-pet): resolution, decay, [SUV](#sec-suv), [attenuation correction from CT](#sec-ac)
# 9. [Ultrasound](#sec-us): echoes, speckle, [the Doppler equation](#sec-doppler)
# 10. [Overview](#sec-overview): the arrays side by side; then Recap, questions, further reading and references.
#
# <!-- badges -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medimg-course/medical-imaging-companion/blob/main/notebooks/01_modalities.ipynb) [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medimg-course/medical-imaging-companion/main?urlpath=lab/tree/notebooks/01_modalities.ipynb)
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
import tempfile
import tracemalloc
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.signal import hilbert
from skimage.color import rgb2hed
from skimage.transform import iradon, radon, resize

from helpers import ct, mri, petct, ultrasound
from helpers import modalities as mod
from helpers import viz, widgets
from helpers.data import load_sample
from helpers.exercises import check
from helpers.viewer3d import Scene, VolumeViewer3D

rng = np.random.default_rng(0)  # one seeded generator for the simulations below

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · One patient, many modalities
# <a id="sec-patient"></a>
#
# The lecture follows a 45-year-old man with abdominal pain through nine steps: ultrasound in Emergency, CT, a
# pre-operative MRI, PET-CT staging, whole-slide images of the resected tumour, follow-up PET-CT, a return to
# Emergency, a spine MRI and CT-guided radiotherapy. The slides say this adds up to "100–1000s of GB".
#
# Let us check that claim with arithmetic instead of taking it on trust. Each row below is one kind of array with a
# typical shape and data type; the assumptions are written next to it. A CT slice is 512 × 512 values of 16 bits, like the real CT
# files of section 5 (16 bits allocated per pixel, [DICOM PS3.3 C.7.6.3](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.3.html)). A multidetector
# CT reconstructs the abdomen and pelvis in 1.25–2.5 mm sections ([Strickland 2004](https://doi.org/10.1259/bjr/95034282)), so about
# 60 cm of patient gives a few hundred slices; we take 500. MRI matrices are taken as 256 × 256, and a 40× whole-slide
# image as 80,000 × 100,000 pixels (the lecture puts one slide above 10 GB). Change any of them and re-run.

# %% slideshow={"slide_type": "fragment"}
# (step, department, what, data type, shape of one array, dtype, how many arrays)
journey = [
    (1, "Emergency", "ultrasound cine clips", "2D+t colour", (120, 480, 640, 3), "uint8", 4),  # like the real cine
    (2, "Radiology", "CT abdomen, 3 contrast phases", "slice stack", (500, 512, 512), "int16", 3),  # MDCT ~500 slices
    (3, "Radiology", "MRI pre-op, 6 sequences", "3D volume", (40, 256, 256), "int16", 6),
    (3, "Radiology", "MRI dynamic contrast, 30 phases", "4D series", (30, 40, 256, 256), "int16", 1),
    (4, "Oncology", "PET-CT staging: PET", "3D volume", (300, 192, 192), "int16", 1),
    (4, "Oncology", "PET-CT staging: CT", "slice stack", (600, 512, 512), "int16", 1),
    (5, "Pathology", "whole-slide images, 40x, uncompressed", "2D colour", (80_000, 100_000, 3), "uint8", 12),
    (6, "Radiology", "follow-up PET-CT: PET (4 visits)", "3D volume", (300, 192, 192), "int16", 4),
    (6, "Radiology", "follow-up PET-CT: CT (4 visits)", "slice stack", (600, 512, 512), "int16", 4),
    (7, "Emergency", "no imaging (clinical exam)", "-", (0,), "uint8", 0),
    (8, "Radiology", "MRI spine, 5 series", "3D volume", (30, 512, 512), "int16", 5),
    (9, "Radiation oncology", "planning CT", "slice stack", (200, 512, 512), "int16", 1),
    (9, "Radiation oncology", "cone-beam CT, one per fraction", "3D volume", (88, 512, 512), "int16", 5),
]
study = pd.DataFrame(journey, columns=["step", "department", "what", "data type", "shape", "dtype", "count"])
study["bytes"] = [int(np.prod(shape)) * np.dtype(dtype).itemsize * n
                  for shape, dtype, n in zip(study["shape"], study["dtype"], study["count"], strict=True)]
study["size"] = study["bytes"].map(mod.human_bytes)
study

# %% [markdown] slideshow={"slide_type": "fragment"}
# Now the totals, in decimal gigabytes (10⁹ bytes, as the claim is stated):

# %% slideshow={"slide_type": "fragment"}
gb = 1e9
is_pathology = study["department"] == "Pathology"
totals = pd.Series({"all imaging": study["bytes"].sum() / gb,
                    "whole-slide images": study.loc[is_pathology, "bytes"].sum() / gb,
                    "everything else (radiology, ultrasound, RT)": study.loc[~is_pathology, "bytes"].sum() / gb})
totals.round(1).rename("GB")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Does the claim hold?** Under these assumptions, yes, but only because of pathology: twelve uncompressed 40×
# slides are about 290 GB, while all the radiology together (nine CT volumes, MRI, PET, ultrasound) is a few GB.
# Two honest caveats: scanners store slides compressed (the 1,399 slides of the public CAMELYON dataset take about 3 TB, about 2 GB each:
# [Litjens et al. 2018](https://doi.org/10.1093/gigascience/giy065)),
# and radiology archives compress DICOM too, so the bytes on disk are smaller. The bytes *in memory*, once you
# decode an image to analyse it, are the ones in this table. That is why pathology images are processed tile by tile
# (section 4).

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert 100 <= totals["all imaging"] <= 10_000, "the uncompressed arrays should total 100-1000s of GB"
assert totals["whole-slide images"] / totals["all imaging"] > 0.9, "pathology should dominate the total"
assert totals["everything else (radiology, ultrasound, RT)"] < 10, "radiology alone is a few GB, far from 100 GB"
assert study.loc[study["what"].str.startswith("CT abdomen"), "bytes"].item() == 3 * 500 * 512 * 512 * 2

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Replace the uncompressed slides by what a scanner writes to disk: about **2 GB per slide** (3 TB for 1,399 CAMELYON
# slides, [Litjens et al. 2018](https://doi.org/10.1093/gigascience/giy065)). Keep everything else. Compute
# `total_on_disk_gb`, the new total in GB. Does the patient still reach 100 GB?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
total_on_disk_gb = None  # your answer: the patient's total with compressed slides, in GB
check("01-disk-total")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 01-disk-total
n_slides = study.loc[is_pathology, "count"].sum()
total_on_disk_gb = study.loc[~is_pathology, "bytes"].sum() / gb + n_slides * 2.0
assert 10 < total_on_disk_gb < 100, "with compressed slides the patient stays well below 100 GB"
total_on_disk_gb

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · 1D "image data": a picture reduced to a number
# <a id="sec-1d"></a>
#
# Many laboratory tests take an image and keep only a few numbers: a plate reader shines light through each well
# of a 96-well plate and reports one optical density (OD = −log₁₀ I/I₀) per well; a growth curve is one well's OD
# over time. The image is an intermediate format that nobody stores.
#
# Here a *simulated* antibiotic-susceptibility plate: 8 bacterial isolates (rows) in 12 two-fold dilutions of an
# antibiotic (columns). Wells where the bacteria grow are turbid; above an isolate's minimal inhibitory
# concentration (MIC) they stay clear.

# %% slideshow={"slide_type": "fragment"}
conc = 2.0 ** np.arange(-4, 8)  # antibiotic concentration per column, µg/mL
mic = 2.0 ** np.array([-2, 0, 0, 1, 2, 3, 5, 7])  # each isolate's MIC (invented for the example)
grows = conc[None, :] < mic[:, None]  # (8, 12) bool
od_true = np.where(grows, mod.logistic_growth(18.0), 0.04)  # OD after 18 h; clear wells ≈ 0.04
plate = mod.plate_image(od_true, well_px=24, seed=1)  # the reader's camera image (transmitted light)
od_read = mod.read_plate(plate)  # ... reduced to 96 numbers
print(f"image {plate.shape} = {plate.size} pixels  ->  {od_read.size} optical densities")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* left, the simulated transmitted-light image of the 96-well plate (turbid wells are dark); right, the
# 8 × 12 optical densities read from it, with each isolate's MIC marked by a white line.

# %% slideshow={"slide_type": "fragment"}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
viz.render_image(ax1, plate, window=(0.5, 1.0))
ax1.set_title("Simulated 96-well plate, transmitted light")
im = ax2.imshow(od_read, cmap="cividis", vmin=0, vmax=1.3)
ax2.plot(np.log2(mic) + 4 - 0.5, np.arange(8), "w|", markersize=18, mew=2)  # MIC sits between two columns
ax2.set(title="Optical density per well (simulated)", xlabel="antibiotic dilution (column)", ylabel="isolate (row)")
fig.colorbar(im, ax=ax2, label="OD")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# *Optional aside.* A growth curve is the 1D signal of one well, read every 30 minutes. The "analysis" is built into the reader:
# a threshold (here OD > 0.1 = growth) turns it into the answer the clinician wants.
#
# *Figure:* simulated growth curves (OD against time) of one isolate at three antibiotic concentrations, with the
# OD 0.1 growth threshold dashed.

# %% slideshow={"slide_type": "fragment"}
t_h = np.arange(0, 24.5, 0.5)  # hours
fig, ax = plt.subplots(figsize=(6, 3.4), layout="constrained")
for rate, label in [(0.8, "no antibiotic"), (0.45, "0.5 × MIC (slower)"), (0.0001, "above MIC (no growth)")]:
    od = mod.logistic_growth(t_h, rate_per_h=rate) + rng.normal(0, 0.005, t_h.size)
    ax.plot(t_h, od, ".-", label=label)
ax.axhline(0.1, ls="--", c="gray")
ax.set(xlabel="time (h)", ylabel="OD", title="Simulated bacterial growth curves (turbidity)")
ax.legend()
plt.show()

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert np.abs(od_read - od_true).max() < 0.05, "the plate reader recovers each well's OD"
mic_read = conc[np.argmax(od_read < 0.1, axis=1)]  # first clear well in each row
assert np.array_equal(mic_read, mic), "reading the image gives back every isolate's MIC"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# A microbiologist wants the time when the culture without antibiotic reaches mid-log phase, OD = 0.5. From the
# sampled curve `od_curve` (every 30 min), estimate `t_mid_h` in hours (hint: `np.interp` on the rising curve).

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
od_curve = mod.logistic_growth(t_h, rate_per_h=0.8)
t_mid_h = None  # your answer: the time (h) at which od_curve reaches OD 0.5
check("01-mid-log-time")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 01-mid-log-time
t_mid_h = float(np.interp(0.5, od_curve, t_h))  # od_curve increases, so it can serve as the x of np.interp
exact = np.log((1.2 / 0.02 - 1) / (1.2 / 0.5 - 1)) / 0.8  # solve the logistic equation for OD = 0.5
assert abs(t_mid_h - exact) < 0.1, (t_mid_h, exact)
t_mid_h

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · X-ray: a 2D grayscale projection
# <a id="sec-xray"></a>
#
# Radiography is cheap, quick and low-dose, and shows bone well. A radiograph is a 2D matrix of intensities (stored
# here as 16-bit DICOM). Below are two real computed
# radiography (CR) images from `pydicom-data`. Both are stored **MONOCHROME1**: low values are meant to be shown
# white, so we display them inverted (`invert=True`).
#
# *Figure:* a real chest radiograph and a real tibia radiograph (computed radiography), bone shown white.

# %% slideshow={"slide_type": "fragment"}
chest, chest_meta = load_sample("xray_chest")
tibia, tibia_meta = load_sample("xray_tibia")
fig, axes = plt.subplots(1, 2, figsize=(9, 4.4), layout="constrained")
for ax, image, meta in [(axes[0], chest, chest_meta), (axes[1], tibia, tibia_meta)]:
    viz.render_image(ax, image, invert=meta.photometric == "MONOCHROME1")
    ax.set_title(f"Real CR, {meta.body_part}: {image.shape} {image.dtype}")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### How the projection forms: Beer–Lambert
# X-rays travel in straight lines and are attenuated by every tissue on the way:
# **I = I₀ · e^(−∫ μ dl)**, with **μ the linear attenuation coefficient**: the fraction of the photons that one
# centimetre of tissue removes, in cm⁻¹ (it depends on the tissue and on the photon energy). We simulate this through a
# simple 3D chest phantom (body, fat, lungs, heart, aorta, spine and ribs) defined in Hounsfield units ([HU](../GLOSSARY.md#hu))
# and converted to μ at 60 keV: μ = μ_water·(1 + HU/1000), because HU measure μ relative to water
# ([Hounsfield 1973](https://doi.org/10.1259/0007-1285-46-552-1016)), with μ_water = 0.206 cm⁻¹ ([NIST SRD 126, Table 4](https://physics.nist.gov/PhysRefData/XrayMassCoef/tab4.html)).

# %% slideshow={"slide_type": "fragment"}
hu, labels = mod.chest_phantom()  # (z, y, x) = (40, 128, 128) voxels of 5 × 2.5 × 2.5 mm
mu = mod.hu_to_mu(hu)  # cm⁻¹
dl_cm = 0.25  # each voxel is 0.25 cm long along y
line_integral = mu.sum(axis=1) * dl_cm  # ∫ μ dl along each ray, anterior -> posterior: (z, x)
radiograph = 1.0 * np.exp(-line_integral)  # Beer–Lambert with I0 = 1
radiograph.shape, radiograph.min(), radiograph.max()

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the simulated chest phantom in an axial and a coronal slice (HU), and its simulated radiograph shown
# like a film, as −ln(I/I₀): little transmitted light = white (bone, heart), much = dark (lungs).

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
viz.render_slice(axes[0], hu, 28, axis=0, spacing_mm=(5.0, 2.5, 2.5), window=(0, 2000))
viz.render_slice(axes[1], hu, 64, axis=1, spacing_mm=(5.0, 2.5, 2.5), window=(0, 2000))
viz.render_image(axes[2], -np.log(radiograph[::-1]), spacing_mm=(5.0, 2.5))  # superior at the top
for ax, title in zip(axes, ["Synthetic phantom, axial (HU)", "Synthetic phantom, coronal (HU)",
                            "Simulated PA radiograph, −ln(I/I0)"], strict=True):
    ax.set_title(title)
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why X-ray's tissue contrast is limited
# Fat, muscle, blood and water attenuate within about ±15 % of each other; only air (lungs) and bone stand out.
# What does that mean for what a radiograph can show? Put a 1 cm nodule of some tissue inside 20 cm of soft tissue.
# The rays through it are attenuated by e^(−Δμ·1 cm) more or less than their neighbours, with Δμ the difference
# from soft tissue: that relative change is the nodule's **contrast** C = 1 − e^(−Δμ·1 cm). Photons arrive one by
# one (Poisson), so a pixel that receives N photons fluctuates by √N, i.e. by 1/√N relatively: the nodule stands out
# by its **contrast-to-noise ratio**, CNR = C·√N. We compute C for each tissue, then simulate noisy pixels behind
# the nodules at the same dose to measure the CNR.

# %% slideshow={"slide_type": "fragment"}
tissues = ["lung", "fat", "blood", "cancellous bone", "cortical bone"]
mu_tissue = mod.hu_to_mu([mod.TISSUE_HU[t] for t in tissues])
delta_mu = mu_tissue - mod.hu_to_mu(mod.TISSUE_HU["soft tissue"])  # cm⁻¹, relative to the surrounding tissue
nodule_contrast = 1 - np.exp(-delta_mu * 1.0)  # a 1 cm nodule; < 0 means more light passes (brighter on film)
photons = 2000  # photons per pixel behind 20 cm of soft tissue (a low-dose radiograph; scale it and re-run)
n_behind = photons * np.exp(-delta_mu * 1.0)  # expected photons behind each nodule
pixels = rng.poisson(np.append(n_behind, photons)[:, None], size=(len(tissues) + 1, 4096))  # last row: no nodule
measured_cnr = (pixels[-1].mean() - pixels[:-1].mean(axis=1)) / pixels[-1].std()
pd.DataFrame({"Δμ (cm⁻¹)": delta_mu, "contrast C": nodule_contrast, "CNR = C·√N": nodule_contrast * np.sqrt(photons),
              "CNR simulated": measured_cnr}, index=tissues).round(3)

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* left, μ at 60 keV of each phantom tissue (soft tissues cluster near water); right, the contrast-to-noise
# ratio of a 1 cm nodule of each tissue inside soft tissue, at 2000 photons per pixel (simulated).

# %% slideshow={"slide_type": "fragment"}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.4), layout="constrained")
ax1.barh(tissues, mu_tissue, color="#0072B2")
ax1.axvline(mod.MU_60KEV_PER_CM["water"], c="k", ls="--", label="water")
ax1.set(xlabel="μ at 60 keV (cm⁻¹)", title="Attenuation of the phantom's tissues")
ax1.legend()
ax2.barh(tissues, np.abs(measured_cnr), color="#E69F00")
ax2.set(xscale="log", xlabel="|CNR| of a 1 cm nodule (log scale)", title="Simulated: what 2000 photons can show")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# A nodule of blood in soft tissue has no contrast at all (both +40 HU), fat has a few percent, bone tens of
# percent. Because CNR grows only with √N, seeing fat as well as we see cortical bone would take
# (C_bone / C_fat)² times as many photons, and dose grows with the photons. On top of that a radiograph adds up
# everything along the ray, so overlapping organs blur together: the reasons CT was invented (§5).

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert np.allclose(radiograph, mod.xray_projection(mu, spacing_cm=dl_cm, axis=1)), "helper = inline Beer–Lambert"
assert radiograph[20, 64] < radiograph[20, 40], "less light passes through the spine than through a lung"
cnr = dict(zip(tissues, measured_cnr, strict=True))
predicted = dict(zip(tissues, nodule_contrast * np.sqrt(photons), strict=True))
for t in ("fat", "cancellous bone", "cortical bone"):  # the simulated noise follows CNR = C·√N (±25 %)
    assert abs(cnr[t] / predicted[t] - 1) < 0.25, f"{t}: simulated CNR {cnr[t]:.2f} vs C·√N {predicted[t]:.2f}"
assert abs(cnr["blood"]) < 0.5, "a blood nodule in soft tissue is invisible on a radiograph"
assert abs(cnr["cortical bone"]) > 5 * abs(cnr["fat"]), "bone stands out far more than fat at the same dose"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# A patient is 20 cm thick. (a) What fraction `water_fraction` of the X-rays passes through 20 cm of water at
# 60 keV? Take μ = 0.2059 cm⁻¹ from [NIST SRD 126](https://physics.nist.gov/PhysRefData/XrayMassCoef/tab4.html). (b) How many centimetres `bone_cm` of cortical bone
# (μ = `mod.MU_60KEV_PER_CM["cortical bone"]`) attenuate as much as those 20 cm of water?
#
# This is not the phantom's bone: the phantom uses a typical CT number of bone in patients (+1000 HU, i.e.
# 0.41 cm⁻¹), an average over voxels that mix compact bone with marrow and soft tissue, whereas NIST's 0.60 cm⁻¹ is
# solid ICRU cortical bone (1.92 g/cm³) at exactly 60 keV, which a CT would put near +1900 HU.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
water_fraction = None  # your answer: fraction (0 to 1) of the X-rays through 20 cm of water
bone_cm = None  # your answer: thickness (cm) of cortical bone that attenuates as much
check("01-attenuation")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 01-attenuation
mu_water, mu_bone = mod.MU_60KEV_PER_CM["water"], mod.MU_60KEV_PER_CM["cortical bone"]
water_fraction = np.exp(-mu_water * 20)  # about 1.6 % gets through
bone_cm = mu_water * 20 / mu_bone  # equal attenuation means equal μ·x
assert abs(water_fraction - 0.0163) < 0.001 and abs(bone_cm - 6.81) < 0.05
water_fraction, bone_cm

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Whole-slide imaging: 2D colour, and very large
# <a id="sec-wsi"></a>
#
# A digitised microscope slide is a colour image: an (H, W, 3) tensor of red, green and blue intensities, usually
# 8-bit. Here a real immunohistochemistry (IHC) image from scikit-image: haematoxylin stains nuclei blue, the
# brown DAB chromogen marks the protein the antibody detects. `rgb2hed` separates the two stains by colour
# deconvolution ([Ruifrok & Johnston 2001](https://pubmed.ncbi.nlm.nih.gov/11531144/)).
#
# *Figure:* the real IHC image in RGB, and its haematoxylin and DAB stain channels (darker = more stain).

# %% slideshow={"slide_type": "fragment"}
ihc, ihc_meta = load_sample("pathology_ihc")
hed = rgb2hed(ihc)  # (H, W, 3) float: haematoxylin, eosin, DAB optical densities
fig, axes = plt.subplots(1, 3, figsize=(12, 4), layout="constrained")
axes[0].imshow(ihc)
axes[0].set_title(f"Real IHC: {ihc.shape} {ihc.dtype}, {mod.human_bytes(ihc.nbytes)}")
for ax, k, name in [(axes[1], 0, "haematoxylin (nuclei)"), (axes[2], 2, "DAB (antibody)")]:
    ax.imshow(hed[..., k], cmap="gray_r", vmin=0, vmax=np.percentile(hed[..., k], 99.5))
    ax.set_title(f"Stain channel: {name}")
for ax in axes:
    ax.set(xlabel="pixels", ylabel="pixels")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Pyramids, tiles and the size of a real slide
# A slide viewer never loads the whole image. The file holds a **pyramid** (the full resolution plus copies halved
# again and again) cut into **tiles** (typically 256 × 256), and the viewer decodes only the tiles on screen at the
# zoom level shown.
#
# *Figure:* four levels of a pyramid built from the real IHC image; each level has half the width and height.

# %% slideshow={"slide_type": "fragment"}
levels = mod.pyramid(ihc, n_levels=4)
fig = viz.montage(levels, [f"level {k}: {lv.shape[0]}×{lv.shape[1]}" for k, lv in enumerate(levels)], ncols=4,
                  suptitle="Real IHC image as a 4-level pyramid (each shown at the same size)")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# And the arithmetic for a 40× slide of 100,000 × 100,000 pixels, a round size of the right order (section 1):

# %% slideshow={"slide_type": "fragment"}
slide_shape, tile = (100_000, 100_000, 3), 256
full_bytes = int(np.prod(slide_shape))  # uint8: one byte per sample
pyramid_bytes = full_bytes * sum(4.0**-k for k in range(8))  # each level holds 1/4 of the pixels of the previous
n_tiles = int(np.ceil(slide_shape[0] / tile) * np.ceil(slide_shape[1] / tile))
pd.Series({"full resolution": mod.human_bytes(full_bytes), "with an 8-level pyramid": mod.human_bytes(pyramid_bytes),
           "256×256 tiles at level 0": f"{n_tiles:,}", "one tile": mod.human_bytes(tile * tile * 3)})

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Processing a slide tile by tile
# We write a 4096 × 4096 slide-like mosaic (made of real IHC crops) to a temporary pyramidal TIFF, one tile at a
# time, then measure the DAB-positive fraction of every tile while reading **one tile at a time**. The same loop
# would handle a 100,000-pixel slide (≈ 150,000 tiles): memory holds one tile, not the slide.

# %% slideshow={"slide_type": "fragment"}
workdir = tempfile.TemporaryDirectory(prefix="wsi_")  # deleted again when the kernel stops
slide_path = Path(workdir.name) / "mosaic.tif"
mosaic_shape = (4096, 4096)
level_shapes = mod.write_pyramid_tiff(slide_path, mod.slide_tiles(ihc, shape=mosaic_shape, tile=256, seed=0),
                                      shape=mosaic_shape, tile=256, n_levels=4)
print(f"{slide_path.stat().st_size / 2**20:.0f} MiB on disk; pyramid levels {level_shapes}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Now the tiled analysis: each tile is decoded, stain-separated, thresholded and forgotten. Python's `tracemalloc`
# records the most memory the loop ever held, to compare with the size of the whole mosaic.

# %% slideshow={"slide_type": "fragment"}
dab_threshold = 0.05  # DAB optical density above which a pixel counts as brown (chosen by eye on the image above)
dab_map = np.zeros((mosaic_shape[0] // 256, mosaic_shape[1] // 256))
tracemalloc.start()
for top, left, t in mod.iter_tiles(slide_path):  # t: one (256, 256, 3) uint8 tile
    dab_map[top // 256, left // 256] = (rgb2hed(t)[..., 2] > dab_threshold).mean()
loop_peak_bytes = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
mosaic_bytes = mosaic_shape[0] * mosaic_shape[1] * 3
print(f"read and analysed {dab_map.size} tiles of {mod.human_bytes(256 * 256 * 3)} each; the loop held at most "
      f"{mod.human_bytes(loop_peak_bytes)}, the decoded mosaic would take {mod.human_bytes(mosaic_bytes)}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the mosaic's level-2 overview (1024 × 1024, read from the pyramid), and the DAB-positive fraction of
# each 256 × 256 tile as a colour map.

# %% slideshow={"slide_type": "fragment"}
overview = mod.read_region(slide_path, 0, 0, 1024, 1024, level=2)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.4), layout="constrained")
ax1.imshow(overview)
ax1.set(title="Mosaic of real IHC crops, pyramid level 2", xlabel="pixels (level 2)", ylabel="pixels (level 2)")
im = ax2.imshow(dab_map, cmap="viridis", vmin=0, vmax=1)
ax2.set(title="DAB-positive fraction per tile", xlabel="tile column", ylabel="tile row")
fig.colorbar(im, ax=ax2, label="fraction of pixels")
plt.show()

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert loop_peak_bytes < 0.2 * mosaic_bytes, "tile by tile, memory holds a few tiles, not the slide"
whole = (hed[..., 2] > dab_threshold).mean()  # the same measurement on the small real image at once
assert abs(dab_map.mean() - whole) < 0.05, "tile-by-tile processing agrees with processing the image at once"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# A viewer shows a 600 × 800 window at `top=1000, left=1500` of level 0. Read it with `mod.read_region`
# (`region`), and count `n_tiles`, the number of 256 × 256 tiles the reader had to decode to build it.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
region = None  # your answer: the window, read with mod.read_region(slide_path, top, left, height, width)
n_tiles = None  # your answer: how many 256 × 256 tiles were decoded to build it
check("01-tiles-decoded")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 01-tiles-decoded
region = mod.read_region(slide_path, 1000, 1500, 600, 800)
rows = range(1000 // 256, (1000 + 600 - 1) // 256 + 1)  # tile rows 3..6
cols = range(1500 // 256, (1500 + 800 - 1) // 256 + 1)  # tile columns 5..8
n_tiles = len(rows) * len(cols)
assert region.shape == (600, 800, 3) and n_tiles == 16
n_tiles

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · CT: from projections to slices
# <a id="sec-ct"></a>
#
# CT buys anatomical detail in every direction with a higher radiation dose than a radiograph. It takes X-ray
# projections of a slice from many angles. Stacked side by side they form a **sinogram** (the Radon
# transform of the slice: each column is one projection, each value one ∫ μ dl). **Filtered back-projection** (FBP)
# inverts it: each projection is high-pass (ramp) filtered and smeared back across the image. We scan one axial
# slice of the chest phantom with `skimage.transform.radon` and reconstruct it with `iradon`.

# %% slideshow={"slide_type": "fragment"}
slice_mu = mu[28] * dl_cm  # μ per pixel: line integrals come out dimensionless, like −ln(I/I0)
theta_180 = np.linspace(0, 180, 180, endpoint=False)  # degrees
sinogram = radon(slice_mu, theta=theta_180)  # (detector bins, angles)
fbp_180 = iradon(sinogram, theta=theta_180, filter_name="ramp")
theta_20 = np.linspace(0, 180, 20, endpoint=False)
fbp_20 = iradon(radon(slice_mu, theta=theta_20), theta=theta_20, filter_name="ramp")
def to_hu(mu_per_pixel):
    return mod.mu_to_hu(mu_per_pixel / dl_cm)  # back to cm⁻¹, then to Hounsfield units
sinogram.shape

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the phantom slice, its sinogram (angle against detector position), and FBP reconstructions from 180
# and from 20 projections, in HU (window W2000 L0); 20 views leave streaks.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 4, figsize=(14, 3.8), layout="constrained")
viz.render_image(axes[0], hu[28], spacing_mm=(2.5, 2.5), window=(0, 2000))
axes[1].imshow(sinogram, cmap="gray", aspect="auto", extent=(0, 180, sinogram.shape[0], 0))
axes[1].set(xlabel="projection angle (degrees)", ylabel="detector bin")
for ax, rec in [(axes[2], fbp_180), (axes[3], fbp_20)]:
    viz.render_image(ax, to_hu(rec), spacing_mm=(2.5, 2.5), window=(0, 2000))
for ax, title in zip(axes, ["Synthetic phantom slice (HU)", "Sinogram (simulated)", "FBP, 180 views (HU)",
                            "FBP, 20 views (HU)"], strict=True):
    ax.set_title(title)
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# How many views are enough? *Figure:* the reconstruction error (RMSE in HU against the phantom) falls as the
# number of projection angles grows.

# %% slideshow={"slide_type": "fragment"}
views = [10, 20, 45, 90, 180]
errors = [mod.rmse(to_hu(mod.fbp(*mod.ct_scan(slice_mu, n_views=n))), hu[28]) for n in views]
fig, ax = plt.subplots(figsize=(5.5, 3.2), layout="constrained")
ax.plot(views, errors, "o-")
ax.set(xscale="log", xlabel="number of projection angles", ylabel="RMSE (HU)",
       title="Simulated FBP error against the phantom")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Sweep it yourself: the viewer below rescans the slice with the number of views and the arc you choose (each
# change reruns `ct.fbp_sweep`, the same scan-and-reconstruct as above). Few views leave streaks; a short arc
# leaves edges missing, however many views it holds.
#
# *Figure:* the FBP reconstruction of the phantom slice (HU, window W2000 L0) for the chosen number of views and
# arc, with its RMSE against the phantom in the title.

# %% slideshow={"slide_type": "fragment"}
fbp_viewer = ct.FBPViewer(slice_mu, hu[28], pixel_cm=dl_cm, n_views=60, arc_deg=180)
fbp_viewer

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Hounsfield units on real CT
# CT pixels are calibrated: water is 0 HU, air −1000 HU ([Hounsfield 1973](https://doi.org/10.1259/0007-1285-46-552-1016)). A
# [**window**](../GLOSSARY.md#window-level) (width W, level L) picks which HU range, L ± W/2, fills the grey scale
# ([Radiopaedia: windowing](https://radiopaedia.org/articles/windowing-ct)). This real abdominal slice shows both kidneys, the organ of the lecture's
# patient. Try the presets and sliders.
#
# *Figure:* a real abdominal CT slice in HU with a window/level viewer (presets from [Radiopaedia](https://radiopaedia.org/articles/windowing-ct)).

# %% slideshow={"slide_type": "fragment"}
ct_abd, ct_abd_meta = load_sample("ct_abdomen")
presets = {"abdomen soft tissue W400 L50": (50, 400), "liver W150 L30": (30, 150), "lung W1500 L-600": (-600, 1500),
           "bone W1800 L400": (400, 1800)}
widgets.ImageViewer(ct_abd, spacing_mm=ct_abd_meta.spacing_mm, window=(50, 400), presets=presets,
                    title="Real CT abdomen (HU)")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the HU histogram of the real abdominal slice (log scale), with typical tissue ranges shaded
# ([Buzug 2008](https://doi.org/10.1007/978-3-540-39408-2); [Radiopaedia: Hounsfield unit](https://radiopaedia.org/articles/hounsfield-unit)): peaks at air
# (≈ −1000), fat (≈ −100) and soft tissue (≈ +40).

# %% slideshow={"slide_type": "fragment"}
fig, ax = plt.subplots(figsize=(8, 3.2), layout="constrained")
ax.hist(ct_abd.ravel(), bins=np.arange(-1100, 1300, 10), color="gray", log=True)
for (lo, hi), name, colour in [((-1010, -990), "air", "#56B4E9"), ((-120, -50), "fat", "#E69F00"),
                               ((10, 80), "soft tissue", "#009E73"), ((300, 1900), "bone", "#CC79A7")]:
    ax.axvspan(lo, hi, alpha=0.35, color=colour, label=f"{name} ({lo} to {hi})")
ax.set(xlabel="HU", ylabel="pixels", title="HU histogram of the real CT abdomen slice")
ax.legend(fontsize=8)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Reading the numbers: air in the real head CT, and the fat peak of the abdomen. Outside the scanner's circular
# field of view this head file stores a padding value far below −1000, so we measure inside the circle only.

# %% slideshow={"slide_type": "fragment"}
ct_head, ct_head_meta = load_sample("ct_head")
yy, xx = np.mgrid[:512, :512] - 255.5
inside_fov = np.hypot(yy, xx) < 250  # pixels inside the reconstruction circle
air_head = np.median(ct_head[inside_fov & (ct_head < -500)])
counts, edges = np.histogram(ct_abd, bins=np.arange(-200, 0, 10))
fat_peak = edges[np.argmax(counts)] + 5  # centre of the fullest 10-HU bin
pd.Series({"air in the head CT (median HU)": air_head, "fat peak in the abdomen CT (HU)": fat_peak,
           "padding outside the head CT's field of view (HU)": ct_head[0, 0]})

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A stack of slices is a volume
# A CT study is a stack of reconstructed axial slices, i.e. a 3D array (z, y, x). We scan every other slice of the
# phantom (60 views each) and stack the reconstructions; then look at it in three planes.
#
# *Figure:* the reconstructed synthetic CT volume in axial, coronal and sagittal planes (drag the sliders).

# %% slideshow={"slide_type": "fragment"}
theta_60 = np.linspace(0, 180, 60, endpoint=False)
ct_stack = np.stack([to_hu(iradon(radon(s * dl_cm, theta=theta_60), theta=theta_60)) for s in mu[::2]])
ct_stack = ct_stack.astype(np.float32)  # (20, 128, 128) HU
widgets.OrthoViewer(ct_stack, spacing_mm=(10.0, 2.5, 2.5), window=(0, 2000),
                    title="Simulated CT volume: 20 reconstructed slices (HU)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Dose, and why a CT study holds 1000–5000 slices
# <a id="sec-ct-dose"></a>
#
# CT's detail costs radiation. Typical effective doses (the whole-body risk-weighted dose, in millisievert) from
# [Mettler et al. 2008](https://doi.org/10.1148/radiol.2481071451), compared with the about 3 mSv a year everyone
# receives from natural background radiation (same source):

# %% slideshow={"slide_type": "fragment"}
dose_msv = pd.Series({"chest radiograph (PA + lateral)": 0.1, "head CT": 2.0, "pelvis CT": 6.0, "chest CT": 7.0,
                      "abdomen CT": 8.0}, name="effective dose (mSv)")  # Mettler et al. 2008
background_msv_per_year = 3.0
pd.DataFrame({"mSv": dose_msv, "chest radiographs": dose_msv / dose_msv.iloc[0],
              "months of background": 12 * dose_msv / background_msv_per_year}).round(1)

# %% [markdown] slideshow={"slide_type": "fragment"}
# The lecture says a CT study holds 1000–5000 slices. A multidetector scanner can reconstruct thin sections, about a
# millimetre or less, over the whole length scanned, and a study may hold several contrast phases and more than one
# reconstruction of each; hence the flood of images ([Strickland 2004](https://doi.org/10.1259/bjr/95034282)). The
# count is a product:

# %% slideshow={"slide_type": "fragment"}
coverage_mm = 700  # chest, abdomen and pelvis of an adult
studies = {"5 mm slices, 1 phase (an older scanner)": ct.slices_per_study(coverage_mm, increment_mm=5.0),
           "1 mm, 1 phase": ct.slices_per_study(coverage_mm, increment_mm=1.0),
           "0.625 mm, 3 contrast phases": ct.slices_per_study(coverage_mm, increment_mm=0.625, n_phases=3),
           "0.625 mm, 3 phases, soft-tissue + lung kernels": ct.slices_per_study(coverage_mm, increment_mm=0.625,
                                                                                  n_phases=3, n_kernels=2)}
pd.Series(studies, name="slices").to_frame().assign(size=lambda t: (t.slices * 512 * 512 * 2).map(mod.human_bytes))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Why not thick slices at a lower dose? Each pixel of a thin slice is reconstructed from fewer photons, and photon
# noise only averages out as √N. We simulate it: photon counts with Poisson noise in every detector bin (noise lives
# in the projections, not in the image), at a dose and at four times that dose, then FBP. Quadrupling the photons
# should halve the noise.

# %% slideshow={"slide_type": "fragment"}
sino_true, theta_180 = mod.ct_scan(slice_mu, n_views=180)  # noiseless line integrals
soft_slice = labels[28] == mod.CHEST_LABELS.index("soft tissue")
noise_hu = {}
for n0 in (2e5, 8e5):  # photons per detector bin without the patient
    counts = rng.poisson(n0 * np.exp(-sino_true))  # what the detectors count
    noisy_fbp = to_hu(mod.fbp(-np.log(np.clip(counts, 1, None) / n0), theta_180))
    noise_hu[n0] = float(np.std((noisy_fbp - to_hu(fbp_180))[soft_slice]))  # noise SD in soft tissue, HU
pd.Series(noise_hu, name="noise SD in soft tissue (HU)").rename_axis("photons per bin")

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert errors[-1] < errors[1], "FBP with 180 views beats 20 views in RMSE"
assert mod.rmse(to_hu(fbp_180), hu[28]) < 0.6 * mod.rmse(to_hu(fbp_20), hu[28])
air_recon = np.median(ct_stack[labels[::2] == 0])
assert abs(air_recon + 1000) < 20, f"reconstructed air should be ≈ −1000 HU, got {air_recon:.0f}"
assert abs(air_head + 1000) < 50, f"air in the real head CT should be ≈ −1000 HU, got {air_head:.0f}"
assert -130 <= fat_peak <= -50, f"the real abdomen's fat peak should be near −50 to −100 HU, got {fat_peak}"
thin = ct.slices_per_study(coverage_mm, increment_mm=0.625, n_phases=3)
assert 1000 <= thin <= 5000 and studies["5 mm slices, 1 phase (an older scanner)"] < 200, "thin slices make thousands"
assert 1.7 < noise_hu[2e5] / noise_hu[8e5] < 2.3, f"4x the photons halves the noise, got {noise_hu}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# A **limited-angle** scan covers only 120° instead of 180° (e.g. a C-arm that cannot turn far enough). Scan
# `slice_mu` with 120 views over 120° (`mod.ct_scan(..., n_views=120, arc_deg=120)`), reconstruct with `mod.fbp`,
# and compute `rmse_limited` in HU against `hu[28]`. Is it better or worse than 120 views spread over 180°?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
rmse_limited = None  # your answer: RMSE (HU) of the 120° reconstruction against hu[28]
check("01-limited-angle")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 01-limited-angle
rmse_limited = mod.rmse(to_hu(mod.fbp(*mod.ct_scan(slice_mu, n_views=120, arc_deg=120))), hu[28])
rmse_full = mod.rmse(to_hu(mod.fbp(*mod.ct_scan(slice_mu, n_views=120, arc_deg=180))), hu[28])
assert rmse_limited > 1.5 * rmse_full, "missing angles cannot be made up by more views"
rmse_limited, rmse_full

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Fluoroscopy: 2D + time
# <a id="sec-fluoro"></a>
#
# Fluoroscopy takes X-ray frames continuously (a (T, H, W) tensor) to guide procedures in real time, at a higher
# total dose than one radiograph; in angiography a contrast agent flows through the vessels. No real angiogram ships with our packages, so we **simulate** one: a branching vessel tree over a
# real chest radiograph as background anatomy, an iodine bolus whose arrival is delayed along the tree and whose
# concentration follows a gamma-variate curve ([Thompson et al. 1964](https://doi.org/10.1161/01.RES.14.6.502)), and photon (Poisson) noise.

# %% slideshow={"slide_type": "fragment"}
anatomy = resize(chest[700:1400, 600:1300].astype(float), (128, 128))  # real CR crop (≈ 1 mm pixels assumed)
anatomy = 0.5 + 3.0 * (anatomy.max() - anatomy) / np.ptp(anatomy)  # MONOCHROME1 -> ∫ μ dl between 0.5 and 3.5
thickness_mm, distance_mm = mod.vessel_tree((128, 128), depth=5, root_radius_mm=3.0, spacing_mm=1.0, seed=1)
t_s = np.arange(48) * 0.25  # 48 frames at 4 frames/s
arrival_s = 1.0 + np.nan_to_num(distance_mm) / 100.0  # the bolus front moves 100 mm/s along the tree
iodine = mod.gamma_variate(t_s[:, None, None] - arrival_s, alpha=3.0, beta=0.5)  # (T, H, W), peak 1
mu_iodine = 2.0  # cm⁻¹ of contrast-filled blood at its peak (an assumption for illustration)
expected = np.exp(-(anatomy + mu_iodine * iodine * thickness_mm / 10))  # Beer–Lambert per frame (mm -> cm)
photons = 5000  # photons per pixel without patient: fluoroscopy runs at low dose
frames = (rng.poisson(photons * expected) / photons).astype(np.float32)  # (48, 128, 128)
frames.shape

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the simulated fluoroscopy series, frame by frame (play or drag the slider), displayed as transmitted
# intensity like a fluoroscopy monitor: bone and contrast dark, lungs bright; the vessels darken as the contrast
# arrives.

# %% slideshow={"slide_type": "fragment"}
widgets.TimeViewer(frames, frame_time_ms=250, spacing_mm=(1.0, 1.0), title="Simulated fluoroscopy")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Digital subtraction angiography (DSA)
# The anatomy does not change between frames, the contrast does. Taking logarithms turns Beer–Lambert's product
# into a sum, so subtracting the log of a pre-contrast "mask" frame removes the bones and leaves only the iodine:
# DSA = ln(mask) − ln(frame) = μ_iodine · c(t) · thickness (plus noise).
#
# *Figure:* a raw frame at peak contrast, the DSA image of the same frame (both shown as in angiography, contrast
# dark), and the time–intensity curves in a proximal and a distal vessel segment.

# %% slideshow={"slide_type": "fragment"}
mask_frame = frames[:4].mean(axis=0)  # before the bolus arrives
dsa = np.log(mask_frame) - np.log(np.clip(frames, 1 / photons, None))  # (T, H, W)
proximal = (thickness_mm > 3) & (distance_mm < 30)
distal = (thickness_mm > 1.5) & (distance_mm > 90)
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), layout="constrained")
viz.render_image(axes[0], frames[16], spacing_mm=(1, 1))
viz.render_image(axes[1], dsa[16], spacing_mm=(1, 1), window=(0.3, 1.2), invert=True)
for roi, name in [(proximal, "proximal"), (distal, "distal")]:
    axes[2].plot(t_s, dsa[:, roi].mean(axis=1), ".-", label=name)
axes[2].set(xlabel="time (s)", ylabel="mean DSA signal (μ·c·thickness)", title="Time–intensity curves")
axes[2].legend()
axes[0].set_title("Simulated frame at 4 s")
axes[1].set_title("Simulated DSA at 4 s")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# *Optional aside.* A real time series from our packages is the echocardiography cine in `pydicom-data`: 120 colour frames, a
# (T, H, W, 3) uint8 tensor. It is ultrasound, not fluoroscopy, but has the same "2D + time" shape.
#
# *Figure:* the real echocardiography cine, frame by frame (play or drag the slider).

# %% slideshow={"slide_type": "fragment"}
echo, echo_meta = load_sample("us_echo_cine")
widgets.TimeViewer(echo, frame_time_ms=echo_meta.frame_time_ms, title="Real echo cine")

# %% slideshow={"slide_type": "skip"} tags=["check"]
background = thickness_mm == 0
assert abs(np.median(dsa[:, background])) < 0.02, "subtraction removes the static anatomy"
anatomy_sd, dsa_sd = np.std(np.log(frames[16][background])), np.std(dsa[16][background])
assert dsa_sd < 0.3 * anatomy_sd, f"outside the vessels DSA leaves noise only: SD {dsa_sd:.3f} vs {anatomy_sd:.3f}"
vessel_dsa = dsa[16][thickness_mm > 3].mean()  # mean over the thick vessels at 4 s
assert vessel_dsa > 5 * dsa_sd, "the contrast-filled vessels stand far above what is left of the background"
peak_prox, peak_dist = (t_s[np.argmax(dsa[:, roi].mean(axis=1))] for roi in (proximal, distal))
assert peak_dist > peak_prox, "contrast peaks later downstream"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Estimate the speed of the bolus front from the data. For every vessel pixel thicker than 2 mm, find the time to
# peak of its DSA curve; fit time-to-peak against `distance_mm` with a straight line (`np.polyfit`); the slope is
# 1/speed. Store `speed_mm_s`. The simulation's true speed is 100 mm/s; an estimate
# from noisy frames sampled every 0.25 s will not hit it exactly.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
speed_mm_s = None  # your answer: speed of the bolus front (mm/s)
check("01-bolus-speed")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 01-bolus-speed
thick = thickness_mm > 2
time_to_peak = t_s[np.argmax(dsa[:, thick], axis=0)]
slope, intercept = np.polyfit(distance_mm[thick], time_to_peak, 1)
speed_mm_s = 1 / slope
assert 75 < speed_mm_s < 125, speed_mm_s
speed_mm_s

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · MRI: 3D volumes, and 4D
# <a id="sec-mri"></a>
#
# MRI reconstructs a 3D grid of voxels from radio-frequency signals of the hydrogen nuclei (protons) of water and
# fat: excellent soft-tissue contrast and no ionising radiation, but slow, expensive and sensitive to motion. Five
# quantities decide what an MR image shows; three belong to the tissue, two are settings of the scanner:
# - [PD](../GLOSSARY.md#pd), the proton density: how many mobile protons a voxel holds, relative to water;
# - [T1](../GLOSSARY.md#t1), the longitudinal relaxation time: how quickly the magnetisation grows back after an
#   excitation (ms; long for fluid);
# - [T2](../GLOSSARY.md#t2), the transverse relaxation time: how quickly the signal of one excitation dies away (ms;
#   long for fluid);
# - [TR](../GLOSSARY.md#tr), the repetition time between two excitations of the same slice (ms);
# - [TE](../GLOSSARY.md#te), the echo time: how long after the excitation the signal is read (ms).
#
# An image is "T1-weighted" when its contrast comes mostly from T1 differences. Our real volume is the MNI152
# template (an average of many T1-weighted brain MRIs, bundled with nilearn; [Fonov et al. 2011](https://doi.org/10.1016/j.neuroimage.2010.07.033)), resampled to 2 mm voxels: a (z, y, x) float
# array.
#
# *Figure:* the real MNI152 T1 template in axial, coronal and sagittal planes (drag the sliders).

# %% slideshow={"slide_type": "fragment"}
t1, t1_meta = load_sample("mri_brain_t1")
widgets.OrthoViewer(t1, spacing_mm=t1_meta.spacing_mm, title=f"Real MNI152 T1 template {t1.shape}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### T1 and T2 contrast from the signal equation
# <a id="sec-mri-contrast"></a>
#
# The same brain gives different images depending on the timing of the pulse sequence. A spin echo's signal is
# **S = PD · (1 − e^(−TR/T1)) · e^(−TE/T2)** ([Elster, Questions and Answers in MRI](https://mriquestions.com/image-contrast-trte.html)), where
# [PD](../GLOSSARY.md#pd) is the tissue's proton density, [TR](../GLOSSARY.md#tr) the repetition time between excitations,
# [TE](../GLOSSARY.md#te) the echo time after each excitation, and [T1](../GLOSSARY.md#t1) and [T2](../GLOSSARY.md#t2) the tissue's longitudinal
# and transverse relaxation times. Short TR and TE give T1 weighting (white matter bright), long TR and TE give
# T2 weighting (CSF bright). We apply it to the real grey-matter, white-matter and CSF maps
# (CSF = brain mask minus the other two) with 3 T relaxation times (grey and white matter: [Wansapura et al. 1999](https://doi.org/10.1002/(SICI)1522-2586(199904)9:4<531::AID-JMRI4>3.0.CO;2-L);
# CSF: [Lu et al. 2005](https://doi.org/10.1002/jmri.20356), [Piechnik et al. 2009](https://doi.org/10.1002/mrm.21897)) and relative proton densities from a
# published simulation ([Grussu et al. 2020](https://doi.org/10.1016/j.neuroimage.2020.116884)).

# %% slideshow={"slide_type": "fragment"}
gm, _ = load_sample("mri_brain_gm")
wm, _ = load_sample("mri_brain_wm")
brain, _ = load_sample("mri_brain_mask")
csf = np.clip(brain - gm - wm, 0, 1)
def spin_echo(pd, t1_ms, t2_ms, tr, te):
    return pd * (1 - np.exp(-tr / t1_ms)) * np.exp(-te / t2_ms)
def synthesise(tr, te):  # tissue fractions × each tissue's signal; (PD, T1, T2) from mod.RELAXATION_3T
    return sum(f * spin_echo(*mod.RELAXATION_3T[k], tr, te) for k, f in [("gm", gm), ("wm", wm), ("csf", csf)])
t1w, t2w = synthesise(tr=500, te=15), synthesise(tr=4000, te=100)
pd.DataFrame(mod.RELAXATION_3T, index=["PD", "T1 (ms)", "T2 (ms)"])

# %% [markdown] slideshow={"slide_type": "fragment"}
# Before the images, the equation itself. Sweep TR at a short TE, and TE at a long TR, for the three tissues.
#
# *Figure:* left, spin-echo signal against TR (TE 15 ms): white matter (shortest T1) recovers first, CSF (T1 ≈
# 3.8 s) last, and at very long TR each tissue tends to its PD. Right, signal against TE (TR 4000 ms): white
# matter (shortest T2) decays first, CSF (T2 ≈ 500 ms) last, so at long TE CSF is brightest. Dashed lines: the
# TR and TE of the T1- and T2-weighted images below.

# %% slideshow={"slide_type": "fragment"}
tr_grid, te_grid = np.linspace(50, 10_000, 400), np.linspace(0, 400, 401)  # ms
by_tr, by_te = mri.signal_vs_tr(tr_grid, te_ms=15), mri.signal_vs_te(te_grid, tr_ms=4000)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.4), layout="constrained")
for name, colour in [("wm", "#0072B2"), ("gm", "#E69F00"), ("csf", "#009E73")]:
    ax1.plot(tr_grid, by_tr[name], c=colour, label=name.upper())
    ax2.plot(te_grid, by_te[name], c=colour, label=name.upper())
ax1.axvline(500, c="gray", ls="--")
ax2.axvline(100, c="gray", ls="--")
ax1.set(xlabel="TR (ms)", ylabel="signal (× PD of water)", title="Spin echo, TE 15 ms: T1 recovery")
ax2.set(xlabel="TE (ms)", ylabel="signal (× PD of water)", title="Spin echo, TR 4000 ms: T2 decay")
ax1.legend()
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the real T1 template beside synthetic T1-weighted (TR 500, TE 15 ms) and T2-weighted (TR 4000,
# TE 100 ms) spin-echo images of the same axial slice.

# %% slideshow={"slide_type": "fragment"}
fig = viz.montage([t1[50], t1w[50], t2w[50]], ["Real MNI152 T1", "Synthetic T1w, TR 500 TE 15",
                                               "Synthetic T2w, TR 4000 TE 100"], ncols=3, size=3.6,
                  suptitle="Axial slice z = 50: contrast depends on TR and TE")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The mean signal of each tissue, in voxels that are (almost) pure tissue: the order flips between the weightings.

# %% slideshow={"slide_type": "fragment"}
pure = {k: f > 0.9 for k, f in [("gm", gm), ("wm", wm), ("csf", csf)]}  # voxels ≥ 90 % one tissue
t1_mean = {k: t1w[m].mean() for k, m in pure.items()}
t2_mean = {k: t2w[m].mean() for k, m in pure.items()}
pd.DataFrame({"T1w (TR 500, TE 15)": t1_mean, "T2w (TR 4000, TE 100)": t2_mean}).round(3)

# %% [markdown] slideshow={"slide_type": "fragment"}
# Sweep TR and TE yourself: the viewer synthesises the slice with `mri.spin_echo_pair` (the same equation on the
# same tissue maps) and ranks the tissues by their mean signal.
#
# *Figure:* the synthetic spin-echo slice at the chosen TR and TE, and the mean signal of pure grey matter, white
# matter and CSF as bars.

# %% slideshow={"slide_type": "fragment"}
spin_echo_viewer = mri.SpinEchoViewer({"gm": gm[50], "wm": wm[50], "csf": csf[50]}, tr_ms=500, te_ms=15,
                                      spacing_mm=(2.0, 2.0))
spin_echo_viewer

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### k-space, and why MRI is sensitive to motion
# <a id="sec-kspace"></a>
#
# The scanner does not record voxels. Magnetic field gradients make each position precess at its own frequency and
# phase, so what the receiver records are spatial-frequency components of the image: its 2D Fourier transform,
# called [**k-space**](../GLOSSARY.md#k-space) ([Twieg 1983](https://doi.org/10.1118/1.595331)). One excitation (one TR) records one row of
# k-space, a *phase-encode line*; a 256-row image needs 256 excitations, which is why MRI is slow. The image is the
# inverse FFT. Here is k-space of a real slice, and what the centre of k-space alone holds:

# %% slideshow={"slide_type": "fragment"}
slice_t1 = np.where(brain[50], t1[50], 0.0).astype(float)  # (117, 99): rows = phase-encode (y), columns = read-out (x)
kspace = mri.to_kspace(slice_t1)  # fftshift(fft2(...)): the centre (k = 0) in the middle
ny, nx = kspace.shape
centre_only = np.zeros_like(kspace)
centre_only[ny // 2 - 8:ny // 2 + 8, nx // 2 - 8:nx // 2 + 8] = kspace[ny // 2 - 8:ny // 2 + 8, nx // 2 - 8:nx // 2 + 8]
low_res = np.abs(mri.from_kspace(centre_only))  # 16 × 16 central frequencies: contrast, no detail
np.abs(mri.from_kspace(kspace) - slice_t1).max()  # the inverse FFT gives the image back

# %% [markdown] slideshow={"slide_type": "fragment"}
# Now the patient moves. Suppose the head lies 3 pixels (6 mm) to the side while a quarter of the phase-encode
# lines, chosen at random, are recorded. By the Fourier shift theorem, a shift by d multiplies k-space by
# e^(−2πi k·d), but only on those rows. The error jumps from row to row along k_y, so it spreads along y, the
# phase-encode direction, across the whole field of view: **ghosts**, whatever the direction of the motion
# ([Wood & Henkelman 1986](https://doi.org/10.1118/1.595851)).

# %% slideshow={"slide_type": "fragment"}
line_rng = np.random.default_rng(0)
moved_lines = np.sort(line_rng.choice(ny, size=round(0.25 * ny), replace=False))  # recorded while shifted
kx = np.fft.fftshift(np.fft.fftfreq(nx))  # cycles per pixel along the read-out
k_moved = kspace.copy()
k_moved[moved_lines] *= np.exp(-2j * np.pi * kx * 3.0)  # shift by 3 pixels along x on those rows only
ghosted = np.abs(mri.from_kspace(k_moved))
ghost_share = mri.ghost_energy_outside(ghosted - slice_t1, brain[50], margin_px=4)
ghost_share  # share of the error energy outside the head: along y (phase-encode) and along x (read-out)

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the real slice (MNI152, brain only), its k-space (log magnitude), the image from the 16 × 16 central
# k-space samples only (blurred but with the right contrast), and the image when a quarter of the lines were
# recorded with the head shifted sideways: ghosts repeat the head along the phase-encode direction (vertical here),
# outside the head, although the head moved horizontally (the last panel's grey scale is stretched to show the
# faint ghosts, so the head itself is saturated white).

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 4, figsize=(14, 3.8), layout="constrained")
viz.render_image(axes[0], slice_t1, spacing_mm=(2, 2))
axes[1].imshow(np.log1p(np.abs(kspace)), cmap="gray")
axes[1].set(xlabel="k_x (read-out)", ylabel="k_y (phase-encode line)")
viz.render_image(axes[2], low_res, spacing_mm=(2, 2))
viz.render_image(axes[3], ghosted, spacing_mm=(2, 2), window=(0.15, 0.3))
for ax, title in zip(axes, ["Real slice", "Its k-space, log |F|", "Centre of k-space only",
                            "25 % of lines moved (ghosts)"], strict=True):
    ax.set_title(title)
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 4D: functional MRI
# fMRI repeats a fast acquisition of the whole brain every few seconds: a (t, z, y, x) array. The usual BOLD
# sequence, echo-planar imaging (EPI), is 2D multi-slice: it records one slice after another within each TR, so
# the slices of one volume are measured at slightly different times
# ([Sladky et al. 2011](https://doi.org/10.1016/j.neuroimage.2011.06.078)). Each voxel's values over time are its
# time course. The real example from nibabel holds only 2 volumes (TR = 2 s); real runs have hundreds.
#
# *Figure:* the real 4D fMRI example, by time point and axial slice (drag the sliders).

# %% slideshow={"slide_type": "fragment"}
fmri, fmri_meta = load_sample("fmri_4d")
widgets.TimeViewer(fmri, frame_time_ms=fmri_meta.frame_time_ms, spacing_mm=fmri_meta.spacing_mm,
                   title="Real fMRI (t, z, y, x)")

# %% [markdown] slideshow={"slide_type": "fragment"}
# One voxel's time course (here, the brightest voxel of the middle slice):

# %% slideshow={"slide_type": "fragment"}
z_mid = fmri.shape[1] // 2
y, x = np.unravel_index(np.argmax(fmri[0, z_mid]), fmri.shape[2:])
pd.Series(fmri[:, z_mid, y, x], index=np.arange(fmri.shape[0]) * fmri_meta.frame_time_ms / 1000,
          name=f"voxel (z={z_mid}, y={y}, x={x})").rename_axis("time (s)")

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert t1_mean["wm"] > t1_mean["gm"] > t1_mean["csf"], f"T1w: WM > GM > CSF, got {t1_mean}"
assert t2_mean["csf"] > t2_mean["gm"] > t2_mean["wm"], f"T2w: CSF > GM > WM, got {t2_mean}"
assert np.allclose(t1w, mod.synthesise_spin_echo({"gm": gm, "wm": wm, "csf": csf}, tr_ms=500, te_ms=15), rtol=1e-5)
# the curves: short TR ranks by T1 (WM first), very long TR by PD (CSF first); at long TE CSF is brightest
first, last = (max(by_tr, key=lambda k, i=i: by_tr[k][i]) for i in (0, -1))
assert (first, last) == ("wm", "csf"), f"brightest at TR 50 ms and at TR 10 s: {first}, {last}"
assert all(by_te["csf"][te_grid >= 100] > np.maximum(by_te["gm"], by_te["wm"])[te_grid >= 100]), "T2w: CSF brightest"
# motion ghosts: the inline k-space edit is the helper's, and for any choice of moved lines and any direction of
# motion, the error lies along the phase-encode direction (y) only
assert np.allclose(ghosted, mri.motion_ghost(slice_t1, shift_px=(0, 3), fraction=0.25, seed=0)[0])
seeds = range(0, 5)  # which lines the motion hits
for line_seed in seeds:
    for shift in [(0, 3), (3, 0), (2, 2)]:
        moved, _ = mri.motion_ghost(slice_t1, shift_px=shift, fraction=0.25, seed=line_seed)
        share = mri.ghost_energy_outside(moved - slice_t1, brain[50], margin_px=4)
        assert share["y"] > 0.05 and share["x"] < 1e-6, f"seed {line_seed}, shift {shift}: {share}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# A **proton-density-weighted** image shows how much water each tissue holds: its contrast should follow PD
# (CSF > GM > WM, with GM/WM ≈ 0.80/0.70). Pick `tr` and `te` so that in `synthesise(tr, te)` the ordering holds
# and the mean GM/WM signal ratio (use the `pure` masks above) is within 10 % of 0.80/0.70. Try candidates in
# a scratch cell: `pdw = synthesise(tr, te)`, then the means of `pdw[pure["gm"]]` and `pdw[pure["wm"]]`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
tr, te = None, None  # your answer: repetition time and echo time (ms) for PD weighting
check("01-pd-weighting")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 01-pd-weighting
tr, te = 8000, 10  # long TR removes T1 weighting, short TE removes T2 weighting
pdw = synthesise(tr, te)
means = {k: pdw[m].mean() for k, m in pure.items()}
ratio = means["gm"] / means["wm"]
assert means["csf"] > means["gm"] > means["wm"] and abs(ratio / (0.80 / 0.70) - 1) < 0.10, (means, ratio)
ratio

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8 · PET: function, blurred and noisy (simulated)
# <a id="sec-pet"></a>
#
# PET counts the photon pairs from positron annihilations of a radiotracer such as ¹⁸F-FDG, so it maps metabolism,
# not anatomy; its resolution is poor, so it is fused with CT or MRI. No real PET ships with our packages, so everything in this section is **simulated**: FDG-like
# uptake from the real grey/white-matter maps (grey matter ≈ 4× white matter, an illustrative ratio) plus a small
# hot lesion, blurred by the scanner's point-spread function ([PSF](../GLOSSARY.md#psf): the image of a single point),
# a Gaussian of [FWHM](../GLOSSARY.md#fwhm) (full width at half maximum) 4.5 mm (clinical PET: 4–5 mm,
# [Wang 2018](https://doi.org/10.4236/ijmpcero.2018.74045); [Moses 2011](https://doi.org/10.1016/j.nima.2010.11.092)), with
# Poisson counting noise.

# %% slideshow={"slide_type": "fragment"}
uptake = 4.0 * gm + 1.0 * wm + 0.3 * csf  # relative FDG uptake per voxel (illustrative)
zz, yy, xx = np.indices(uptake.shape)
lesion = (zz - 50) ** 2 + (yy - 42) ** 2 + (xx - 30) ** 2 <= 1.5**2  # 19 voxels: a lesion about 6 mm across
uptake[lesion] = 12.0
sigma_mm = 4.5 / (2 * np.sqrt(2 * np.log(2)))  # FWHM -> Gaussian σ
blurred = mod.psf_blur(uptake, fwhm_mm=4.5, spacing_mm=(2.0, 2.0, 2.0))  # Gaussian with that σ
pet = rng.poisson(blurred * 10).astype(np.float32) / 10  # ~10 counts per unit uptake per voxel
print(f"σ = {sigma_mm:.2f} mm; lesion peak: true {uptake[lesion].max():.1f}, after blur {blurred[lesion].max():.1f}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* simulated true uptake, the simulated PET image (blurred and noisy), and PET fused on the real MRI
# (PET-MRI): colour (magma) over grayscale anatomy.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 3, figsize=(12, 4), layout="constrained")
viz.render_image(axes[0], uptake[50], spacing_mm=(2, 2), cmap="magma", window=(6, 12))  # window: 0 to 12
viz.render_image(axes[1], pet[50], spacing_mm=(2, 2), cmap="magma", window=(6, 12))
viz.render_image(axes[2], t1[50], spacing_mm=(2, 2))
viz.draw_overlay(axes[2], np.ma.masked_where(~brain[50], pet[50]), spacing_mm=(2, 2), alpha=0.5, cmap="magma",
                 vmin=0, vmax=12)  # PET inside the brain mask only
for ax, title in zip(axes, ["Simulated true uptake", "Simulated PET (PSF 4.5 mm + noise)",
                            "Fusion: simulated PET on real MRI"], strict=True):
    ax.set_title(title)
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Dynamic PET and radioactive decay
# A dynamic PET scan records frames over time: a (t, z, y, x) array. Tracer accumulates in the tissue while the
# ¹⁸F decays with a half-life of 109.8 min ([NuDat 3](https://www.nndc.bnl.gov/nudat3/decaysearchdirect.jsp?nuc=18F&unc=NDS); [DDEP](https://www.lnhb.fr/nuclides/F-18_tables.pdf)), so the measured counts are the
# uptake times 2^(−t / 109.8 min); scanners report decay-corrected values. Clinics go one step further with the
# [SUV](../GLOSSARY.md#suv) (standardised uptake value): the decay-corrected concentration divided by the injected activity
# per kilogram of body weight, so that patients and scanners can be compared
# ([Boellaard et al. 2015](https://doi.org/10.1007/s00259-014-2961-x)). We simulate 12 frames of 10 minutes on a slab of
# 9 slices around the lesion.

# %% slideshow={"slide_type": "fragment"}
t_min = np.arange(5.0, 125.0, 10.0)  # mid-frame times (min)
lesion_kinetics = 1 - np.exp(-t_min / 30)  # lesion keeps trapping FDG
brain_kinetics = 0.35 * (1 - np.exp(-t_min / 10))  # brain saturates early (relative to the lesion)
slab = slice(46, 55)
true_4d = (lesion[None, slab] * lesion_kinetics[:, None, None, None] * 3
           + (uptake[slab] * ~lesion[slab])[None] * brain_kinetics[:, None, None, None])
measured = np.stack([mod.psf_blur(v, fwhm_mm=4.5, spacing_mm=(2, 2, 2)) for v in true_4d])
measured *= mod.decay_factor(t_min)[:, None, None, None]  # what is left of the ¹⁸F at each frame
pet_4d = (rng.poisson(measured * 20) / 20).astype(np.float32)  # (12, 9, 117, 99)
pet_4d.shape

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the simulated dynamic PET frames, 10 minutes apart (drag time and slice; the title counts seconds
# from the first frame).

# %% slideshow={"slide_type": "fragment"}
pet_viewer = widgets.TimeViewer(pet_4d, frame_time_ms=10 * 60 * 1000, spacing_mm=(2, 2, 2),
                                title="Simulated dynamic PET")
pet_viewer.time.value = pet_4d.shape[0] - 1  # start at the last frame, when the lesion stands out
pet_viewer

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* time–activity curves of the lesion and of grey matter, as measured (decaying) and decay-corrected,
# with the pure ¹⁸F decay curve for reference.

# %% slideshow={"slide_type": "fragment"}
lesion_roi, gm_roi = lesion[slab], (gm[slab] > 0.9) & ~lesion[slab]
fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
for roi, name, colour in [(lesion_roi, "lesion", "#D55E00"), (gm_roi, "grey matter", "#0072B2")]:
    tac = pet_4d[:, roi].mean(axis=1)
    ax.plot(t_min, tac, "o-", c=colour, label=f"{name}, measured")
    ax.plot(t_min, tac / mod.decay_factor(t_min), "s--", c=colour, label=f"{name}, decay-corrected")
ax.plot(t_min, mod.decay_factor(t_min), "k:", label="¹⁸F decay, 2^(−t/109.8 min)")
ax.set(xlabel="time after injection (min)", ylabel="activity (a.u.)", title="Simulated time–activity curves")
ax.legend(fontsize=8)
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### SUV: uptake that can be compared between patients
# <a id="sec-suv"></a>
#
# A PET scanner measures activity concentration, in kBq per mL of tissue. That number depends on how much tracer
# was injected, how large the patient is and how long ago the injection was. The body-weight
# [SUV](../GLOSSARY.md#suv) divides these out ([Boellaard et al. 2015](https://doi.org/10.1007/s00259-014-2961-x)):
#
# **SUV = C_tissue [kBq/mL] / (A_injected [MBq] · 2^(−t/T½) / body weight [kg])**,
#
# with the injected activity decayed to the time of the scan (1 g of tissue ≈ 1 mL, so MBq/kg = kBq/mL). If the
# tracer spread evenly through the body, every voxel would have SUV 1. A worked number: 370 MBq of FDG, a 75 kg
# patient, the lesion measures 18 kBq/mL at 60 minutes.

# %% slideshow={"slide_type": "fragment"}
injected_mbq, weight_kg, scan_min, lesion_kbq_ml = 370.0, 75.0, 60.0, 18.0
activity_at_scan = injected_mbq * mod.decay_factor(scan_min)  # MBq still in the patient at 9:00
suv_lesion = lesion_kbq_ml / (activity_at_scan / weight_kg)
suv_no_decay = lesion_kbq_ml / (injected_mbq / weight_kg)  # the mistake: forgetting the decay
pd.Series({"activity at the scan (MBq)": activity_at_scan, "SUV": suv_lesion,
           "SUV without decay correction": suv_no_decay}).round(2)

# %% [markdown] slideshow={"slide_type": "fragment"}
# Two patients with the same disease: a heavier patient given less tracer, scanned later, has a much lower kBq/mL
# in the lesion, yet the same SUV. That is what makes SUVs comparable between patients and visits.

# %% slideshow={"slide_type": "fragment"}
# (injected MBq, weight kg, minutes after injection); the lesion takes up the same fraction of the dose per kg
patients = pd.DataFrame([(370.0, 75.0, 60.0), (300.0, 110.0, 90.0)], columns=["MBq", "kg", "min"],
                        index=["patient A", "patient B"])
uptake_per_kg = suv_lesion  # kBq/mL per (MBq/kg) left at the scan: the tissue's true SUV
patients["kBq/mL measured"] = uptake_per_kg * patients.MBq * mod.decay_factor(patients["min"]) / patients.kg
patients["SUV"] = [float(petct.suv_bw(c, injected_mbq=a, weight_kg=w, minutes_after_injection=t))
                   for c, a, w, t in zip(patients["kBq/mL measured"], patients.MBq, patients.kg, patients["min"],
                                         strict=True)]
patients.round(2)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Attenuation correction: the other reason for PET-CT
# <a id="sec-ac"></a>
#
# The two 511 keV photons of an annihilation fly off in opposite directions, and both must leave the body to be
# counted. The chance that they do is e^(−∫ μ dl) along the **whole** line through the body, wherever on the line
# the annihilation happened. Deep in the body most pairs are lost, so an uncorrected PET image looks darker in the
# centre than at the skin. The CT of a PET-CT scanner measures μ along every line; converting its HU to 511 keV
# (μ_water ≈ 0.096 cm⁻¹, [NIST SRD 126](https://physics.nist.gov/PhysRefData/XrayMassCoef/tab4.html), against
# 0.21 cm⁻¹ at 60 keV) gives the correction factor of each line. The conversion is bilinear: air-to-water and
# water-to-bone mixtures scale differently, because bone's extra attenuation at CT energies (the photoelectric
# effect on calcium) has almost vanished at 511 keV; [Kinahan et al. 1998](https://doi.org/10.1118/1.598392)
# scaled bone and the other tissues by different factors for this reason. Here bone's μ₅₁₁ comes from water's,
# scaled by electron density (at 511 keV nearly all attenuation is Compton scattering off electrons). The HU → μ₅₁₁ mapping, shown inline, matches the
# helper `petct.hu_to_mu_511kev`:

# %% slideshow={"slide_type": "fragment"}
mu_water_511, mu_bone_511 = petct.MU_511KEV_PER_CM["water"], petct.MU_511KEV_PER_CM["cortical bone"]
hu_bone_ct = mod.mu_to_hu(mod.MU_60KEV_PER_CM["cortical bone"])  # cortical bone's CT number at 60 keV, ≈ +1930
hu_axis = np.array([-1000.0, -100.0, 0.0, 400.0, 1000.0])
mu_511 = np.where(hu_axis <= 0, mu_water_511 * (1 + hu_axis / 1000),  # air-water mixtures
                  mu_water_511 + (mu_bone_511 - mu_water_511) * hu_axis / hu_bone_ct)  # water-bone mixtures
one_scale = mod.hu_to_mu(hu_axis) * mu_water_511 / mod.MU_60KEV_PER_CM["water"]  # one factor for all: wrong
pd.DataFrame({"μ at 60 keV": mod.hu_to_mu(hu_axis), "μ at 511 keV (bilinear)": mu_511,
              "one scale factor": one_scale}, index=pd.Index(hu_axis, name="HU")).round(4)

# %% [markdown] slideshow={"slide_type": "fragment"}
# Now the effect on an image: a uniform FDG-like activity in the soft tissue of the chest phantom's slice (less in
# the lungs), its PET sinogram attenuated line by line with μ₅₁₁ from the phantom's CT, Poisson counts, and FBP
# without and with the correction (dividing every line by its survival factor).

# %% slideshow={"slide_type": "fragment"}
activity = np.where(labels[28] == mod.CHEST_LABELS.index("lung"), 0.3, 1.0) * (labels[28] > 0)  # air has none
survival = petct.attenuation_factors(petct.hu_to_mu_511kev(hu[28]) * dl_cm, theta_180)  # (bins, views)
emission = mod.ct_scan(activity, n_views=180)[0] * survival  # what reaches the detectors
pet_counts = rng.poisson(emission * 100) / 100  # counting noise
pet_nac = mod.fbp(pet_counts, theta_180)  # no attenuation correction
pet_ac = mod.fbp(pet_counts / survival, theta_180)  # CT-based attenuation correction
r_mm = np.hypot(*(np.mgrid[:128, :128] - 63.5)) * 2.5  # distance from the centre of the slice
deep, shallow = soft_slice & (r_mm < 60), soft_slice & (r_mm > 110)  # soft tissue near the centre / near the skin
ac_ratio = {name: img[deep].mean() / img[shallow].mean() for name, img in [("no correction", pet_nac),
                                                                              ("CT-based correction", pet_ac)]}
pd.Series(ac_ratio, name="deep / shallow soft tissue (true: 1)").round(2)

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* simulated PET of a uniform soft-tissue activity without attenuation correction (the centre is
# falsely dark) and with CT-based correction (uniform again), same colour scale.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 2, figsize=(9, 4), layout="constrained")
for ax, img, title in [(axes[0], pet_nac / pet_nac[shallow].mean(), "Simulated PET, no attenuation correction"),
                       (axes[1], pet_ac / pet_ac[shallow].mean(), "Simulated PET, CT-based correction")]:
    viz.render_image(ax, img, spacing_mm=(2.5, 2.5), window=(0.75, 1.5), cmap="magma")
    ax.set_title(title, fontsize=10)
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# *Optional aside.* The only real nuclear-medicine image in our packages is a planar bone scan (a gamma camera, not PET): counts per
# pixel, low resolution, bright where bone turnover is high.
#
# *Figure:* the real whole-body bone scintigram from pydicom-data (counts).

# %% slideshow={"slide_type": "fragment"}
nm, nm_meta = load_sample("nm_bone_scan")
fig = viz.show_image(nm, spacing_mm=nm_meta.spacing_mm, window=viz.auto_window(nm, percentiles=(1, 99.5)),
                     title=f"Real NM bone scan {nm.shape} {nm.dtype}", cmap="gray_r")
plt.show()

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert blurred[lesion].max() < 0.8 * uptake[lesion].max(), "the PSF smears a small lesion: its peak drops"
contrast = pet[lesion].mean() / pet[(gm > 0.9) & ~lesion].mean()  # true lesion : grey matter = 12 : 4
assert 1.2 < contrast < 3.0, f"the lesion stays hotter, but blurring lowers its 3:1 contrast; got {contrast:.2f}"
corrected = pet_4d[:, lesion_roi].mean(axis=1) / mod.decay_factor(t_min)
assert corrected[-1] > corrected[0] * 2, "decay-corrected lesion activity keeps rising"
assert np.isclose(float(petct.suv_bw(lesion_kbq_ml, injected_mbq=injected_mbq, weight_kg=weight_kg,
                                     minutes_after_injection=scan_min)), suv_lesion), "helper = inline SUV"
assert suv_no_decay < 0.75 * suv_lesion, "forgetting decay correction underestimates SUV by 2^(-60/109.8)"
measured_kbq = patients["kBq/mL measured"]
assert measured_kbq.max() > 1.5 * measured_kbq.min(), "the raw kBq/mL of the same disease differ between patients"
assert np.allclose(patients.SUV, suv_lesion), "their SUVs agree: SUV makes patients comparable"
assert np.allclose(mu_511, petct.hu_to_mu_511kev(hu_axis)), "helper = inline bilinear conversion"
assert one_scale[-1] > 1.2 * mu_511[-1], "one scale factor overestimates bone's attenuation at 511 keV"
assert ac_ratio["no correction"] < 0.6, f"without correction the centre looks too dark: {ac_ratio}"
assert abs(ac_ratio["CT-based correction"] - 1) < 0.1, f"CT-based correction restores uniformity: {ac_ratio}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# A patient receives 370 MBq of ¹⁸F-FDG at 8:00 and is scanned at 9:00. Compute `mbq_at_scan`, the activity left
# at 9:00, and `minutes_to_10pct`, how long until only 10 % of the injected activity remains.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
mbq_at_scan = None  # your answer: activity (MBq) left at 9:00
minutes_to_10pct = None  # your answer: minutes after the injection until 10 % is left
check("01-f18-decay")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 01-f18-decay
mbq_at_scan = 370 * mod.decay_factor(60.0)
minutes_to_10pct = mod.F18_HALF_LIFE_MIN * np.log2(10)  # 2^(−t/T½) = 0.1  ->  t = T½·log2(10)
assert abs(mbq_at_scan - 253.3) < 0.5 and abs(minutes_to_10pct - 364.7) < 0.5
mbq_at_scan, minutes_to_10pct

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9 · Ultrasound: echoes, speckle and B-mode
# <a id="sec-us"></a>
#
# Ultrasound is real-time, portable and free of ionising radiation, but depends on the operator's skill. The probe
# sends short pulses (here 5 MHz) and records the echoes of each scan line: the **RF signal**. An echo's
# arrival time gives its depth through the speed of sound that scanners assume in soft tissue, 1540 m/s
# ([ICRU Report 61](https://www.icru.org/report/tissues-substitutes-phantoms-and-computation-modelling-in-medical-ultrasound-report-61) tabulates the measured tissue values).
# Tissue is full of tiny random scatterers far below the resolution, so the echoes interfere randomly: **speckle**.
# The B-mode image is the RF lines' **envelope** (the magnitude of the Hilbert transform's analytic signal),
# **log-compressed** to decibels. We simulate a 40 mm deep, 38 mm wide field with a dark cyst and a bright nodule.

# %% slideshow={"slide_type": "fragment"}
fs_mhz = 40.0
dz_mm = mod.SPEED_OF_SOUND_M_S * 1e3 / (2 * fs_mhz * 1e6)  # depth per RF sample: c / (2 fs) ≈ 0.019 mm
depth, lines, pitch_mm = int(40 / dz_mm), 128, 0.3
z_mm, x_mm = np.meshgrid(np.arange(depth) * dz_mm, np.arange(lines) * pitch_mm, indexing="ij")
echogenicity = np.ones((depth, lines))
echogenicity[(z_mm - 18) ** 2 + (x_mm - 12) ** 2 < 5**2] = 0.0  # anechoic cyst, radius 5 mm
echogenicity[(z_mm - 26) ** 2 + (x_mm - 27) ** 2 < 4**2] = 10.0  # hyperechoic nodule (+10 dB)
rf = mod.simulate_rf(echogenicity, f0_mhz=5.0, fs_mhz=fs_mhz, seed=0)  # (depth samples, lines)
env = np.abs(hilbert(rf, axis=0))  # envelope detection along depth
bmode = np.clip(20 * np.log10(env / env.max()), -50, 0)  # log compression, 50 dB dynamic range
rf.shape, dz_mm

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* one simulated RF line with its envelope (first 4 mm), and the simulated B-mode image (dB, 50 dB range)
# with the dark cyst and the bright nodule.

# %% slideshow={"slide_type": "fragment"}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
n = int(4 / dz_mm)
ax1.plot(z_mm[:n, 64], rf[:n, 64], lw=0.7, label="RF")
ax1.plot(z_mm[:n, 64], env[:n, 64], c="#D55E00", label="envelope |analytic signal|")
ax1.set(xlabel="depth (mm)", ylabel="amplitude (a.u.)", title="Simulated RF line 64")
ax1.legend()
viz.render_image(ax2, bmode, spacing_mm=(dz_mm, pitch_mm), window=(-25, 50))
ax2.set_title("Simulated B-mode (dB)")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Speckle statistics
# In fully developed speckle the envelope follows a Rayleigh distribution, whose mean/SD is always
# √(π/(4 − π)) ≈ **1.91**, whatever the tissue's brightness ([Wagner et al. 1983](https://doi.org/10.1109/T-SU.1983.31404);
# [Wagner, Insana & Brown 1987](https://doi.org/10.1364/JOSAA.4.000910)). Speckle is therefore not
# noise you can remove by turning up the power.
#
# *Figure:* the histogram of the envelope in a uniform region, with the Rayleigh density of the same mean power.

# %% slideshow={"slide_type": "fragment"}
uniform = env[150:600, :]  # 3 to 11.5 mm deep, above the cyst
sigma2 = np.mean(uniform**2) / 2
a = np.linspace(0, uniform.max(), 200)
fig, ax = plt.subplots(figsize=(6, 3.4), layout="constrained")
ax.hist(uniform.ravel(), bins=100, density=True, color="gray", label="simulated envelope")
ax.plot(a, a / sigma2 * np.exp(-(a**2) / (2 * sigma2)), c="#D55E00", label="Rayleigh")
ax.set(xlabel="envelope amplitude (a.u.)", ylabel="density",
       title=f"Simulated speckle: mean/SD = {uniform.mean() / uniform.std():.2f}")
ax.legend()
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Doppler: the speed of blood from a frequency shift
# <a id="sec-doppler"></a>
#
# Ultrasound comes in many types (B-mode, M-mode, colour and power Doppler, elastography...). Doppler modes measure
# motion. Sound sent at frequency f0 that bounces off blood moving at speed v comes back shifted: the path to the
# blood and back shortens by 2·v·cos θ every second (θ: the angle between the beam and the flow), so the echo gains
# 2·v·cos θ / λ cycles per second, with λ = c / f0:
#
# **f_D = 2 · f0 · v · cos θ / c**
#
# A worked number: 5 MHz, blood at 0.5 m/s, beam at 60° to the vessel, c = 1540 m/s.

# %% slideshow={"slide_type": "fragment"}
f0_mhz, v_blood, angle_deg = 5.0, 0.5, 60.0
f_doppler = 2 * f0_mhz * 1e6 * v_blood * np.cos(np.deg2rad(angle_deg)) / mod.SPEED_OF_SOUND_M_S  # Hz
f_doppler, ultrasound.doppler_shift_hz(v_blood, f0_mhz=f0_mhz, angle_deg=90)  # ≈ 1.6 kHz; none at 90°

# %% [markdown] slideshow={"slide_type": "fragment"}
# About 1.6 kHz out of 5 MHz: a shift of 0.03 %, but in the audible range, which is why Doppler scanners can play
# it as sound. A pulsed-Doppler scanner measures it without ever resolving 5 MHz that finely: it sends a pulse
# every 1/PRF seconds and samples the echo of one depth once per pulse. The blood moves a little between pulses,
# so the echo's phase turns steadily, and the spectrum of these samples peaks at f_D. We simulate 64 noisy pulses
# and read the peak; the beam angle matters as much as the speed.
#
# *Figure:* the spectrum of the simulated slow-time echo for beam angles of 0°, 60° and 80°, with the Doppler
# equation's prediction dashed.

# %% slideshow={"slide_type": "fragment"}
prf_hz = 10_000.0  # pulses per second: above 2·f_D, or the shift aliases
fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
for angle, colour in [(0, "#0072B2"), (60, "#E69F00"), (80, "#009E73")]:
    echo_iq = ultrasound.slow_time_signal(v_blood, f0_mhz=f0_mhz, angle_deg=angle, prf_hz=prf_hz, n_pulses=64,
                                          noise=0.5, seed=0)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft(echo_iq * np.hanning(64), n=512)))
    ax.plot(np.fft.fftshift(np.fft.fftfreq(512, 1 / prf_hz)), spectrum, c=colour, label=f"{angle}°")
    ax.axvline(ultrasound.doppler_shift_hz(v_blood, f0_mhz=f0_mhz, angle_deg=angle), c=colour, ls="--")
ax.set(xlabel="frequency (Hz)", ylabel="|spectrum| (a.u.)", title="Simulated pulsed Doppler, 0.5 m/s at 5 MHz")
ax.legend(title="beam angle")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# *Optional aside.* And the real thing: a real power-Doppler image of a lymph node, where colour encodes the strength of the blood-flow
# signal on top of the grayscale B-mode, and the echocardiography cine from section 6 (both stored as RGB).
#
# *Figure:* the real power-Doppler ultrasound still (colour flow over B-mode) and one frame of the real echo cine.

# %% slideshow={"slide_type": "fragment"}
doppler, doppler_meta = load_sample("us_doppler")
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
ax1.imshow(doppler)
ax1.set(title=f"Real power Doppler {doppler.shape} {doppler.dtype}", xlabel="pixels", ylabel="pixels")
viz.render_image(ax2, echo[30], spacing_mm=echo_meta.spacing_mm)
ax2.set_title(f"Real echo cine, frame 30 of {echo.shape[0]}")
plt.show()

# %% slideshow={"slide_type": "skip"} tags=["check"]
ratio_speckle = uniform.mean() / uniform.std()
assert abs(ratio_speckle - mod.RAYLEIGH_MEAN_TO_SD) < 0.05 * 1.91, f"speckle mean/SD ≈ 1.91, got {ratio_speckle:.2f}"
assert np.allclose(env, mod.envelope(rf)), "helper envelope = inline Hilbert envelope"
cyst = (z_mm - 18) ** 2 + (x_mm - 12) ** 2 < 3**2
assert bmode[cyst].mean() < bmode[150:600].mean() - 20, "the cyst is more than 20 dB darker than tissue"
assert doppler.shape[-1] == 3 and echo.ndim == 4
# the spectrum of noisy pulsed-Doppler echoes peaks where the Doppler equation says, at any angle and seed
seeds = range(0, 5)
for echo_seed in seeds:
    for angle in (0, 30, 60, 80):
        iq = ultrasound.slow_time_signal(v_blood, f0_mhz=f0_mhz, angle_deg=angle, prf_hz=prf_hz, n_pulses=64,
                                         noise=0.5, seed=echo_seed)
        f_peak = ultrasound.peak_frequency_hz(iq, prf_hz=prf_hz)
        f_eq = ultrasound.doppler_shift_hz(v_blood, f0_mhz=f0_mhz, angle_deg=angle)
        assert abs(f_peak - f_eq) < 2 * prf_hz / 64, f"seed {echo_seed}, {angle}°: peak {f_peak:.0f}, eq. {f_eq:.0f}"
assert np.isclose(f_doppler, ultrasound.doppler_shift_hz(v_blood, f0_mhz=f0_mhz, angle_deg=angle_deg))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Scanners reduce speckle by **compounding**: averaging envelopes from independent looks (angles or frequencies).
# Average the envelopes of 4 independent realisations of a uniform medium (`np.ones((800, 128))`, seeds 0–3) and
# compute `compound_ratio`, the mean/SD of the average. Leave out the first and last 100 depth samples of each
# envelope (`[100:-100]`): there the simulated pulse runs off the ends of the field, so the speckle is not fully
# developed. Theory for N independent looks: 1.91 · √N.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
compound_ratio = None  # your answer: mean/SD of the averaged envelope (no unit)
check("01-compounding")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 01-compounding
looks = [mod.envelope(mod.simulate_rf(np.ones((800, 128)), seed=s))[100:-100] for s in range(4)]
compound = np.mean(looks, axis=0)
compound_ratio = compound.mean() / compound.std()
assert abs(compound_ratio / (1.91 * 2) - 1) < 0.15, compound_ratio
compound_ratio

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10 · Overview: what the arrays look like
# <a id="sec-overview"></a>
#
# The lecture sorts medical image data into point measures, planar (projection) images, multislice (tomographic)
# stacks, volumes and dynamic series. Here is that table built from the arrays this notebook actually loaded or
# simulated: number of dimensions, shape, data type, spacing and memory.

# %% slideshow={"slide_type": "fragment"}
arrays = [
    ("point", "plate reader OD (simulated)", od_read, "yx", None),
    ("planar", "X-ray chest CR (real)", chest, "yx", chest_meta.spacing_mm),
    ("planar, colour", "IHC whole-slide crop (real)", ihc, "yxc", ihc_meta.spacing_mm),
    ("planar slice", "CT abdomen slice (real)", ct_abd, "yx", ct_abd_meta.spacing_mm),
    ("multislice", "CT reconstructed stack (simulated)", ct_stack, "zyx", (10.0, 2.5, 2.5)),
    ("volume", "MRI MNI152 T1 (real)", t1, "zyx", t1_meta.spacing_mm),
    ("dynamic 2D+t", "fluoroscopy (simulated)", frames, "tyx", (1.0, 1.0)),
    ("dynamic 2D+t, colour", "echo cine (real)", echo, "tyxc", echo_meta.spacing_mm),
    ("dynamic 4D", "fMRI (real)", fmri, "tzyx", fmri_meta.spacing_mm),
    ("dynamic 4D", "PET (simulated)", pet_4d, "tzyx", (2.0, 2.0, 2.0)),
]
overview = pd.DataFrame([{"category": c, "data": name, **mod.describe_array(a, axes=ax, spacing=s)}
                         for c, name, a, ax, s in arrays])
overview

# %% slideshow={"slide_type": "skip"} tags=["check"]
# the lecture's claim: a point measure is tiny, and a time axis makes the largest arrays
by_size = overview.sort_values("bytes")
assert by_size.iloc[0].category == "point" and by_size.iloc[-1].category.startswith("dynamic"), by_size.category
assert by_size.iloc[-1].bytes > 100 * by_size.iloc[0].bytes, "the arrays span orders of magnitude in size"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The volumes in 3D
# Every viewer so far shows planes of a volume. A WebGL viewer draws the whole volume at once: three planes plus a
# 3D rendering you can rotate ([NiiVue](https://github.com/niivue/niivue), running in the browser). It receives
# each array with its [**affine**](../GLOSSARY.md#affine), the matrix that maps a voxel index to millimetres in the patient's (here the
# template's) world coordinates, so it places every voxel itself: spacing and orientation come from the same
# numbers as in the rest of the course. Choose a scene: the T1 template with grey and white matter, the simulated
# PET fused on the MRI, or the 4D fMRI (then drag the frame). Where the 3D view cannot run (no WebGL, or a static
# copy of this notebook) the slice viewer appears instead, with a note saying why.
#
# *Figure:* an interactive 3D and multiplanar view of the MNI152 T1 template with tissue overlays, PET on MRI and
# the fMRI series (drag in a plane to move, in the 3D panel to rotate).

# %% slideshow={"slide_type": "fragment"}
affine = t1_meta.extra["affine_zyx"]  # (z, y, x, 1) voxel index -> RAS+ millimetres
viewer_3d = VolumeViewer3D({
    "T1 with grey (red) and white (blue) matter": Scene(t1, affine, {"grey matter": (gm, "red"),
                                                                     "white matter": (wm, "blue")}),
    "PET fused on MRI": Scene(t1, affine, {"PET": (pet, "warm")}),
    "fMRI, 4D (drag the frame)": Scene(fmri, fmri_meta.extra["affine_zyx"]),
}, title="Course volumes in 3D")
viewer_3d

# %% slideshow={"slide_type": "skip"} tags=["check"]
# the course's axis convention, read back in world millimetres (RAS+: x grows to the patient's right, y to
# anterior, z to superior)
first, last = viewer_3d.world_mm((0, 0, 0)), viewer_3d.world_mm(np.array(t1.shape) - 1)
assert first[0] > last[0], "column 0 is the patient's right (larger RAS x) in the course's convention"
assert first[1] > last[1], "row 0 is anterior (larger RAS y)"
assert first[2] < last[2], "slice 0 is inferior (smaller RAS z)"
spacing = np.linalg.norm(affine[:3, :3], axis=0)
assert np.allclose(spacing, t1_meta.spacing_mm), "the affine's columns have the voxel size as their length"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# In the table as it stands the colour cine loop is the heaviest category. But the fMRI example is a stub of 2
# volumes; a real run of 10 minutes at TR = 2 s holds 300. Which category holds the most bytes once the fMRI row
# has its real length? In a copy of the table, give the row `"fMRI (real)"` the bytes of a 300-volume run (same
# volume shape and dtype: `fmri[0].nbytes * 300`), then compute `largest_category`, the category with the largest
# total bytes.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
largest_category = None  # your answer: one of the table's category names
check("01-largest-category")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 01-largest-category
table = overview.copy()
table.loc[table["data"] == "fMRI (real)", "bytes"] = fmri[0].nbytes * 300  # a real 10-minute run
largest_category = table.groupby("category")["bytes"].sum().idxmax()
as_it_stands = overview.groupby("category")["bytes"].sum().idxmax()
assert (as_it_stands, largest_category) == ("dynamic 2D+t, colour", "dynamic 4D"), (as_it_stands, largest_category)
largest_category

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
# - One patient's imaging reaches hundreds of GB only because of uncompressed whole-slide images; all the
#   radiology together is a few GB, and compression on disk shrinks both (§1 One patient, many modalities); among
#   the arrays this notebook loaded, the colour cine loop holds the most bytes (§10 Overview).
# - Many laboratory tests image a sample and keep only a few numbers: a 96-well plate becomes 96 optical densities
#   and one MIC per isolate (§2 1D "image data"). fMRI and dynamic PET add a time axis to a volume (§7, §8).
# - A radiograph is a 2D projection, I = I₀·e^(−∫ μ dl): soft tissues differ in μ by less than 15 %, so only air and
#   bone stand out, and overlapping organs add up (§3 X-ray).
# - A whole-slide image is an (H, W, 3) uint8 tensor too large for memory; a pyramid of tiles lets a viewer and an
#   analysis read one tile at a time (§4 Whole-slide imaging).
# - CT turns projections from many angles (a sinogram) into slices by filtered back-projection, in calibrated HU;
#   angles that were never measured cannot be made up by more views. Thin slices over a long coverage make
#   thousands of images, and each costs photons: quadrupling the dose halves the noise (§5 CT).
# - Fluoroscopy and cine loops are 2D + time; DSA subtracts the logarithm of a mask frame so that only the contrast
#   agent is left (§6 Fluoroscopy).
# - MRI contrast is chosen through TR and TE, which weight each tissue's PD, T1 and T2. The scanner records k-space
#   one phase-encode line per TR, so motion between lines leaves ghosts along the phase-encode direction (§7 MRI).
# - PET is blurred by its PSF (FWHM 4–5 mm), noisy and decays with ¹⁸F's 109.8-min half-life; SUV normalises uptake
#   to dose and weight, and the CT of PET-CT corrects the loss of photon pairs deep in the body. Ultrasound's
#   B-mode is a log-compressed envelope whose speckle has mean/SD ≈ 1.91; Doppler reads blood speed from
#   f_D = 2·f0·v·cos θ / c (§8 PET, §9 Ultrasound).
#
# **Next:** open **02_dicom.ipynb**: the file format almost all of these images travel in.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check your understanding
# 1. §1 gives about 300 GB uncompressed and far less on disk. Which of the two numbers matters for a hospital's
#    archive budget, and which for the memory of the computer that analyses the images? Why are they different?
# 2. The plate reader of §2 throws its image away and keeps one number per well. Describe a case in which that
#    number would mislead the microbiologist although the image would have shown the problem.
# 3. On the radiograph of §3 the ribs stand out but the heart cannot be told apart from the blood inside it. Explain
#    both observations with μ and with the line integral ∫ μ dl.
# 4. At 60 keV, by what factor does the fraction of X-rays that pass through the patient change when the patient is
#    30 cm thick instead of 20 cm? What does the scanner have to change to keep the image usable, and at what cost?
# 5. In §5, 120 views spread over 120° reconstruct worse than 120 views over 180°. Which edges of the phantom are
#    missing from the limited-angle image, and why can no reconstruction filter bring them back?
# 6. A region of a CT image measures +35 HU. Can you say whether it is blood, muscle or liver? What other information
#    would you use?
# 7. DSA subtracts logarithms of the frames, not the frames themselves (§6). What would a subtraction of the raw
#    intensities leave behind, and what happens to the DSA image if the patient moves between the mask and the frame?
# 8. Using S = PD·(1 − e^(−TR/T1))·e^(−TE/T2) and the table of §7, choose TR and TE that make CSF dark and white
#    matter bright. Which term of the equation does each of your two choices switch off?
# 9. The simulated lesion of §8 has three times the uptake of grey matter, yet the PET image shows a much smaller
#    contrast. Why? Would a 30 mm lesion lose as much contrast?
# 10. The same patient is scanned at 9:00 and at 11:00 after one injection at 8:00. Without decay correction, by how
#     much would the later scan's activity appear to have dropped, and why does that matter for follow-up?
# 11. Speckle's mean/SD stays ≈ 1.91 however much acoustic power the probe sends (§9). Why does more power not help,
#     and what does compounding give up in exchange for a smoother image?
# 12. A 100,000 × 100,000 slide is analysed tile by tile (§4). What bounds the memory this needs, and what becomes the
#     limit on how long it takes?
# 13. In §7 the head moved sideways, yet its ghosts repeat it up and down the image. Why? What could the technologist
#     change so that the ghosts of breathing do not fall across the liver?
# 14. Without attenuation correction (§8) the lungs of the simulated PET look hotter than the soft tissue between
#     them, although they hold less tracer. Explain it with the survival factor e^(−∫ μ dl).

# %% [markdown] jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# **Answers** (instructor edition)
# 1. The archive pays for the bytes on disk, which are compressed (JPEG in slides, often lossless or lossy in
#    DICOM). The analysis pays for the decoded arrays in memory: a compressed 2 GB slide still expands to tens of GB
#    of pixels once decoded, which is why §4 reads it one tile at a time.
# 2. Anything that changes light transmission without being growth: a bubble, a scratch, condensation on the lid,
#    a precipitate of the drug, or a contaminant growing as a film at the rim. The single OD looks like growth (or
#    hides it); the image would have shown its shape.
# 3. Cortical bone attenuates about three times as much as water at 60 keV (0.60 against 0.21 cm⁻¹), so the rays
#    through a rib lose noticeably more photons than their neighbours.
#    Heart muscle and blood have almost the same μ (both about +40 HU), so their line integrals differ by almost
#    nothing; on top of that each pixel adds up everything along the ray, so structures in front and behind blur in.
# 4. The transmitted fraction is e^(−μx): 10 extra cm of water-like tissue multiply it by e^(−0.206·10) ≈ 0.13, about
#    8 times fewer photons. The scanner raises the tube current-time product (more photons: more dose) or the tube
#    voltage (harder beam, more penetration: less contrast between soft tissues).
# 5. Back-projection can only recover edges that some projection ran along. With 120° of angles, edges whose
#    tangents fall in the missing 60° wedge were never measured: their Fourier coefficients are zero in the data and
#    no filter can restore what was never recorded; more views in the same arc just sample the same wedge more finely.
# 6. No: blood, muscle and liver overlap in the +30 to +60 HU range, and the value shifts with tube voltage and
#    reconstruction kernel. Use the anatomy (shape, position), a contrast-enhanced phase (enhancing tissue rises,
#    fresh blood outside vessels does not), or a comparison with a known reference tissue in the same image.
# 7. Beer–Lambert is a product, I = I₀·e^(−μ_anatomy·x)·e^(−μ_iodine·c·d). Raw subtraction leaves a term that still
#    multiplies the iodine signal by the anatomy's transmission, so bones and lungs remain as shadows in the vessels.
#    If the patient moves, mask and frame no longer line up and edges of bone appear as bright and dark artefacts.
# 8. A short TR (e.g. 500 ms) with a short TE (e.g. 10–15 ms). The short TR leaves tissues with a long T1 (CSF, about
#    3.8 s) unrecovered, so they are dark; the short TE makes e^(−TE/T2) ≈ 1 for every tissue, removing T2
#    weighting. That is T1 weighting: white matter (shortest T1) brightest.
# 9. The PSF (FWHM 4.5 mm) spreads the lesion's counts over a region larger than the 6 mm lesion, so its peak drops
#    and its surroundings rise (the partial-volume effect); Poisson noise adds spread. A 30 mm lesion is many FWHM
#    wide: its centre keeps nearly its true value and only its rim is blurred.
# 10. The 9:00 scan sees 2^(−60/109.8) ≈ 68 % of the injected activity, the 11:00 scan 2^(−180/109.8) ≈ 32 %: the
#     later scan would seem to have less than half the uptake although the tissue did not change. Follow-up compares
#     SUVs, which are decay-corrected and normalised to dose and weight.
# 11. Speckle is interference of echoes from scatterers far smaller than the resolution; more power scales every echo
#     by the same factor, so mean and SD scale together and their ratio stays fixed. Compounding averages N
#     independent looks (angles or frequencies) and improves the ratio by about √N, at the cost of frame rate (more
#     transmissions per image) or resolution (lower frequencies, wider apertures).
# 12. Memory is bounded by one decoded tile (256 × 256 × 3 bytes ≈ 0.2 MB) plus the result map, whatever the slide's
#     size. The time grows with the number of tiles (about 150,000 here): decoding and processing them, and reading
#     the file from disk or network, become the limit.
# 13. Each phase-encode line is recorded after its own excitation, at its own time, so motion makes k-space
#     inconsistent from one line to the next, i.e. along k_y; along k_x (one read-out, a few milliseconds) the data
#     stay consistent. Errors that vary along k_y spread along y in the image, whatever the direction of the motion.
#     Swapping the phase-encode and read-out directions turns the ghosts by 90°, for example to run left–right
#     instead of across the liver (respiratory gating or breath-holding removes them instead).
# 14. Lines of response through the lungs cross less attenuating tissue (lung μ is about a fifth of soft tissue's),
#     so more of their photon pairs survive than on lines through the mediastinum, which also cross the spine and
#     heart. Without the correction, the image shows surviving counts, not activity: the lungs' lines are boosted
#     relative to the others.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
# - [Hounsfield 1973](https://doi.org/10.1259/0007-1285-46-552-1016): the first description of a CT scanner, by its
#   inventor; it explains why attenuation is measured relative to water.
# - [Shepp & Logan 1974](https://doi.org/10.1109/TNS.1974.6499235): Fourier reconstruction of a head section, the paper
#   behind filtered back-projection's ramp filter and the best-known CT test phantom.
# - [Wagner et al. 1983](https://doi.org/10.1109/T-SU.1983.31404): why ultrasound speckle follows Rayleigh statistics and
#   where the 1.91 comes from.
# - [Boellaard et al. 2015](https://doi.org/10.1007/s00259-014-2961-x): the EANM guideline for FDG PET/CT, showing what a
#   clinic must control (timing, dose, reconstruction) before SUVs can be compared.
# - [Litjens et al. 2018](https://doi.org/10.1093/gigascience/giy065): the CAMELYON dataset paper, a realistic picture of
#   whole-slide images as a machine-learning dataset (1,399 slides, 3 TB).
# - [NIST SRD 126, Table 4](https://physics.nist.gov/PhysRefData/XrayMassCoef/tab4.html): the attenuation tables used in
#   §3, to redo the exercise at other energies and tissues.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## References
# Every source this notebook cites; the full entries are in [REFERENCES.md](../REFERENCES.md).
#
# - [Boellaard R, et al. FDG PET/CT: EANM procedure guidelines for tumour imaging, version 2.0. *Eur J Nucl Med Mol Imaging* 2015](https://doi.org/10.1007/s00259-014-2961-x)
# - [Buzug TM. Computed Tomography. *Springer* 2008](https://doi.org/10.1007/978-3-540-39408-2)
# - [DDEP (LNHB). F-18 recommended data tables](https://www.lnhb.fr/nuclides/F-18_tables.pdf)
# - [DICOM PS3.3 C.7.6.3 Image Pixel Module](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.3.html)
# - [Elster AD. Image contrast: TR and TE. *Questions and Answers in MRI*](https://mriquestions.com/image-contrast-trte.html)
# - [Fonov V, et al. Unbiased average age-appropriate atlases for pediatric studies. *NeuroImage* 2011](https://doi.org/10.1016/j.neuroimage.2010.07.033)
# - [Grussu F, et al. Multi-parametric quantitative in vivo spinal cord MRI ... *NeuroImage* 2020](https://doi.org/10.1016/j.neuroimage.2020.116884)
# - [Hounsfield GN. Computerized transverse axial scanning (tomography). *Br J Radiol* 1973](https://doi.org/10.1259/0007-1285-46-552-1016)
# - [Hubbell JH, Seltzer SM. NIST Standard Reference Database 126, Table 4](https://physics.nist.gov/PhysRefData/XrayMassCoef/tab4.html)
# - [ICRU Report 61: Tissue substitutes, phantoms and computational modelling in medical ultrasound](https://www.icru.org/report/tissues-substitutes-phantoms-and-computation-modelling-in-medical-ultrasound-report-61)
# - [Kinahan PE, et al. Attenuation correction for a combined 3D PET/CT scanner. *Med Phys* 1998](https://doi.org/10.1118/1.598392)
# - [Litjens G, et al. 1399 H&E-stained sentinel lymph node sections of breast cancer patients: the CAMELYON dataset. *GigaScience* 2018](https://doi.org/10.1093/gigascience/giy065)
# - [Lu H, et al. Routine clinical brain MRI sequences for use at 3.0 Tesla. *J Magn Reson Imaging* 2005](https://doi.org/10.1002/jmri.20356)
# - [Mettler FA Jr, et al. Effective doses in radiology and diagnostic nuclear medicine: a catalog. *Radiology* 2008](https://doi.org/10.1148/radiol.2481071451)
# - [Moses WW. Fundamental limits of spatial resolution in PET. *Nucl Instrum Methods Phys Res A* 2011](https://doi.org/10.1016/j.nima.2010.11.092)
# - [NNDC. NuDat 3, decay radiation of ¹⁸F](https://www.nndc.bnl.gov/nudat3/decaysearchdirect.jsp?nuc=18F&unc=NDS)
# - [Piechnik SK, et al. Functional changes in CSF volume estimated using measurement of water T2 relaxation. *Magn Reson Med* 2009](https://doi.org/10.1002/mrm.21897)
# - [Radiopaedia. Hounsfield unit](https://radiopaedia.org/articles/hounsfield-unit)
# - [Radiopaedia. Windowing (CT)](https://radiopaedia.org/articles/windowing-ct)
# - [Rorden C, Hanayik T, et al. NiiVue: a WebGL2 viewer for medical images](https://github.com/niivue/niivue)
# - [Ruifrok AC, Johnston DA. Quantification of histochemical staining by color deconvolution. *Anal Quant Cytol Histol* 2001](https://pubmed.ncbi.nlm.nih.gov/11531144/)
# - [Shepp LA, Logan BF. The Fourier reconstruction of a head section. *IEEE Trans Nucl Sci* 1974](https://doi.org/10.1109/TNS.1974.6499235)
# - [Sladky R, et al. Slice-timing effects and their correction in functional MRI. *NeuroImage* 2011](https://doi.org/10.1016/j.neuroimage.2011.06.078)
# - [Strickland NH. Multidetector CT: what do we do with all the images generated? *Br J Radiol* 2004](https://doi.org/10.1259/bjr/95034282)
# - [Thompson HK Jr, et al. Indicator transit time considered as a gamma variate. *Circ Res* 1964](https://doi.org/10.1161/01.RES.14.6.502)
# - [Wagner RF, Smith SW, Sandrik JM, Lopez H. Statistics of speckle in ultrasound B-scans. *IEEE Trans Sonics Ultrason* 1983](https://doi.org/10.1109/T-SU.1983.31404)
# - [Twieg DB. The k-trajectory formulation of the NMR imaging process. *Med Phys* 1983](https://doi.org/10.1118/1.595331)
# - [Wagner RF, Insana MF, Brown DG. Statistical properties of radio-frequency and envelope-detected signals. *J Opt Soc Am A* 1987](https://doi.org/10.1364/JOSAA.4.000910)
# - [Wang K. Feasibility of high spatial resolution working modes for clinical PET scanner. *Int J Med Phys Clin Eng Radiat Oncol* 2018](https://doi.org/10.4236/ijmpcero.2018.74045)
# - [Wood ML, Henkelman RM. Suppression of respiratory motion artifacts in magnetic resonance imaging. *Med Phys* 1986](https://doi.org/10.1118/1.595851)
# - [Wansapura JP, et al. NMR relaxation times in the human brain at 3.0 tesla. *J Magn Reson Imaging* 1999](https://doi.org/10.1002/(SICI)1522-2586(199904)9:4<531::AID-JMRI4>3.0.CO;2-L)
