# %% [markdown] slideshow={"slide_type": "slide"}
# # 00 · Start here: a hands-on companion to the medical-imaging lecture
#
# **Lecture slides:** "Learning overview" of Lecture 3, *Medical Imaging*; this notebook maps every later notebook
# to the slides it covers.
#
# **Learning objectives**
# - know what the course companion contains and in which order to work through it;
# - run it in JupyterLab, on Binder or on Colab, and check that your environment has everything;
# - use the course's image viewers (window/level, slices, time) and recognise the notebook conventions
#   (*Check* cells, *Try it* exercises with hidden solutions).
#
# <!-- badges -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medimg-course/medical-imaging-companion/blob/main/notebooks/00_start_here.ipynb) [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medimg-course/medical-imaging-companion/main?urlpath=lab/tree/notebooks/00_start_here.ipynb)
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
from IPython.display import Markdown, display

from helpers import viz, widgets
from helpers.data import list_samples, load_sample
from helpers.dicom import CT_WINDOW_PRESETS
from helpers.course import course_table_markdown
from helpers.environment import environment_report
from helpers.exercises import check

# %% [markdown] slideshow={"slide_type": "slide"}
# ## What this is
# A set of Jupyter notebooks, one per topic of the lecture, in lecture order. Every idea on a slide becomes code you
# can run, look at and change: real medical images from installed packages (DICOM radiographs, CT, MRI, ultrasound,
# pathology), the physics that forms them, and small models that train in seconds on a laptop CPU.
#
# Each notebook follows the same rhythm: a short explanation → code → a figure → a **Check** cell that asserts what
# the section claims (if a Check fails, something is wrong, and the tests notice it too) → a **Try it** exercise.
# In a *Try it* cell you replace `None` with your answer and run the cell: its last line, `check("...")`, says
# ✓ correct, or ✗ with a hint about what is off (type, units, sign, size...) without giving the answer away, or
# ⏳ not answered yet. In the instructor edition a collapsed cell below each exercise holds a solution (click the
# three dots to open it); it starts with `%%solution`, runs apart from your variables and never overwrites your
# answer. Each notebook ends with a recap, questions to check your understanding, further reading and its
# references.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ## Conventions
# > **Read once, used everywhere.**
# >
# > - **Axis order `(z, y, x)`.** A volume is indexed `volume[z, y, x]`: slice, row, column. In the course's
# >   volumes z runs from the feet towards the head, y from the front (anterior, row 0) to the back, x from the
# >   patient's right (column 0) to their left. Spacings follow the same order: `spacing_mm = (dz, dy, dx)`.
# >   Colour images add a last axis `c`, time series a first axis `t` (`meta.axes` names them).
# > - **Radiological display.** Axial and coronal images are shown as if you faced the patient (or looked up
# >   from their feet): **the patient's right is on the left of the screen**, and the front of the body at the
# >   top of an axial slice. DICOM's patient coordinates (x towards the patient's left, y towards the back, z
# >   towards the head; [DICOM PS3.3 C.7.6.2](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.2.html))
# >   match this layout.
# > - **Units.** Lengths and voxel sizes in millimetres (names end in `_mm`), CT values in Hounsfield units
# >   ([HU](../GLOSSARY.md#hu): water 0, air −1000), times in the unit the name says (`frame_time_ms`).
# > - **"simulated" or "synthetic" in a figure title** means the image, or the part of it the title names (a
# >   lesion, noise, a scanner effect), was computed by code, not acquired from a patient. Every other image is
# >   real data from the catalogue below.
# > - **Terms** such as [window/level](../GLOSSARY.md#window-level) or [T1](../GLOSSARY.md#t1) are defined at
# >   their first use or linked to the course's [glossary](../GLOSSARY.md).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ## The course map
# The table is built from `helpers/course.py`, the same list that the README and the rendered site use.

# %% slideshow={"slide_type": "fragment"}
display(Markdown(course_table_markdown()))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## How to run it
# | Where | How | Notes |
# | --- | --- | --- |
# | Your laptop (Linux/macOS, Python 3.11) | `make lab` in the repository | creates `.venv`, installs, opens JupyterLab; `make test` runs every test |
# | Binder | the *Launch on Binder* badge above | no install; about 2 GB of memory, sessions end when idle |
# | Google Colab | the *Open in Colab* badge on each notebook | the first cell clones the course and installs what Colab lacks (about a minute) |
#
# Nothing downloads data at run time: every image comes from a Python package that the install step puts on disk.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ## Environment check
# Every package the notebooks use at run time (`requirements.txt`, and `requirements-data.txt` for the sample files
# and weights; the test tools are not needed), with the version installed. For anything missing or too old, the
# `fix` column is the command that installs it: paste it into a cell, run it, then restart the kernel. On Colab the
# local JupyterLab packages (`jupyterlab`, `nbval` ...) are not checked. On Binder (about 2 GB of memory for the
# server and every kernel) the status bar shows the memory in use: shut down the kernels of notebooks you have
# finished (*Kernel → Shut Down Kernel*).

# %% slideshow={"slide_type": "fragment"}
packages, assets = environment_report()
packages[["package", "required", "installed", "ok", "fix"]]

# %% [markdown] slideshow={"slide_type": "fragment"}
# And the real data and pretrained weights, looked up on disk (nothing is downloaded):

# %% slideshow={"slide_type": "fragment"}
assets[["asset", "package", "ok", "fix"]]

# %% slideshow={"slide_type": "skip"} tags=["check"]
missing = list(packages.loc[~packages.ok, "fix"]) + list(assets.loc[~assets.ok, "fix"])
assert not missing, "Install what is missing, then restart the kernel:\n" + "\n".join(missing)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The real images of the course
# Every image in the course comes from a Python package that the install step put on disk: DICOM files shipped
# with `pydicom` and `pydicom-data`, the MNI152 brain template of `nilearn`, an fMRI run of `nibabel`, and
# pathology, retina and phantom images of `scikit-image`. `list_samples()` is the catalogue (where each file comes
# from and its licence are in `data/README.md`):

# %% slideshow={"slide_type": "fragment"}
catalogue = list_samples()
catalogue[["name", "modality", "axes", "shape", "dtype", "units", "source_package"]]

# %% [markdown] slideshow={"slide_type": "subslide"}
# `load_sample(name)` returns the pixel array and its metadata (spacing in mm, units, modality, source, licence).
# *Figure:* a grid of thumbnails, one per catalogue sample: radiographs of a chest and a tibia, CT slices of a head
# and an abdomen, MR images, an echocardiography frame, a power-Doppler ultrasound still, a whole-body bone scan, the
# MNI152 brain and its tissue maps, an fMRI slice, an immunohistochemistry tile, a retina photograph and the
# Shepp–Logan phantom.

# %% slideshow={"slide_type": "fragment"}
samples = {name: load_sample(name) for name in catalogue.name}  # a few seconds: decodes 120 JPEG frames, resamples MRI
len(samples)


# %% slideshow={"slide_type": "fragment"}
def thumbnail(array, meta):
    """A 2D view of any sample: the middle slice or first frame, as the viewer would show it."""
    view = array
    for axis in meta.axes:
        if axis in "tz" and view.ndim > 2 + (meta.axes.endswith("c")):
            view = view[view.shape[0] // 2] if axis == "z" else view[0]
    if meta.photometric == "MONOCHROME1":  # DICOM: low values are white; invert to display like the scanner
        view = view.max() - view
    return view.astype(np.float32) if view.ndim == 2 else view

fig = viz.montage([thumbnail(a, m) for a, m in samples.values()],
                  [f"{n}\n{m.modality}, {m.axes} {m.shape}" for n, (a, m) in samples.items()], ncols=5, size=2.3,
                  suptitle="Every sample of the catalogue (real data; the phantom is synthetic)")

# %% slideshow={"slide_type": "skip"} tags=["check"]
ct, ct_meta = samples["ct_head"]
in_field_of_view = ct > -2000  # outside the scan circle the scanner pads with -3024 HU, which is not air
air_hu = np.median(ct[in_field_of_view & (ct < -500)])  # the room air around the head, inside the field of view
assert ct_meta.units == "HU" and abs(air_hu + 1000) < 50, f"CT air should be about -1000 HU, got {air_hu}"
assert all(a.shape == m.shape for a, m in samples.values()), "metadata shapes match the arrays"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Looking at images: the window decides what you see
# A CT pixel spans about −1000 HU (air) to over +1000 HU (bone;
# [Hounsfield unit, Radiopaedia](https://radiopaedia.org/articles/hounsfield-unit)), but a screen shows 256 grey levels and the eye
# tells fewer apart. A **window** ([window/level](../GLOSSARY.md#window-level)) with centre *L* (level) and width *W* maps *L − W/2* to black and *L + W/2* to
# white; everything outside is clipped. `helpers.viz.window_to_range` does exactly that:

# %% slideshow={"slide_type": "fragment"}
viz.window_to_range(40, 80)  # the CT brain window W80/L40 shows 0..80 HU (Radiopaedia, "Windowing (CT)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The standard presets live in `helpers.dicom.CT_WINDOW_PRESETS`, each with its source. Pick one in the drop-down,
# or move *level* and *window* yourself.
# *Figure:* an axial CT slice of an abdomen, 512 × 512 pixels of 0.86 mm, in the abdominal soft-tissue window
# (W400/L50): liver, kidneys and muscle in shades of grey, fat darker, bone white, air in the bowel black.

# %% slideshow={"slide_type": "fragment"}
abdomen, abdomen_meta = samples["ct_abdomen"]
presets = {name: (p.center, p.width) for name, p in CT_WINDOW_PRESETS.items()}
ct_viewer = widgets.ImageViewer(abdomen, spacing_mm=abdomen_meta.spacing_mm, window=presets["soft tissue"],
                                presets=presets, title="CT abdomen (HU)")
ct_viewer

# %% slideshow={"slide_type": "skip"} tags=["check"]
# the section's claim: the window decides what you see. Grey level shown (0 black .. 255 white) per window:
def grey_levels(hu, preset):
    low, high = viz.window_to_range(*presets[preset])
    return np.clip((hu - low) / (high - low), 0, 1) * 255


bone, soft_tissue = abdomen > 300, (abdomen > 0) & (abdomen < 100)
assert (grey_levels(abdomen[bone], "soft tissue") == 255).mean() > 0.9, "soft-tissue window: bone is all white"
assert (grey_levels(abdomen[bone], "bone") == 255).mean() < 0.1, "bone window: bone keeps its grey levels"
spread = {window: np.subtract(*np.percentile(grey_levels(abdomen[soft_tissue], window), [95, 5]))
          for window in ("soft tissue", "bone")}
assert spread["soft tissue"] > 3 * spread["bone"], f"organs differ visibly only in the soft-tissue window: {spread}"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## A volume in three planes
# A 3D scan is a stack of slices, `(z, y, x)`. The [MNI152](../GLOSSARY.md#mni152) template is an average of many adults'
# [T1](../GLOSSARY.md#t1)-weighted MRI scans ([Fonov et al. 2011](https://doi.org/10.1016/j.neuroimage.2010.07.033)),
# here at 2 mm voxels. Move the sliders to pick the point the three planes pass through.
# *Figure:* axial, coronal and sagittal slices of the MNI152 T1 brain template through its centre, with orange
# crosshairs marking the shared point; axes in mm.

# %% slideshow={"slide_type": "fragment"}
t1, t1_meta = samples["mri_brain_t1"]
brain_viewer = widgets.OrthoViewer(t1, spacing_mm=t1_meta.spacing_mm, title="MNI152 T1 template, 2 mm")
brain_viewer

# %% slideshow={"slide_type": "skip"} tags=["check"]
# the axes are (z, y, x) = (inferior-superior, anterior-posterior, right-left) with 2 mm voxels: the brain's extent in
# mm along each axis must then be an adult brain's, longest from front to back
brain_mask, _ = samples["mri_brain_mask"]
extent_mm = [np.ptp(np.flatnonzero(brain_mask.any(axis=tuple(a for a in range(3) if a != axis)))) * 2 + 2
             for axis in range(3)]
assert t1_meta.spacing_mm == (2.0, 2.0, 2.0) and all(120 < e < 200 for e in extent_mm), extent_mm
assert extent_mm[1] > max(extent_mm[0], extent_mm[2]), f"front to back is the brain's longest axis: {extent_mm}"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ## A time series
# Ultrasound of the heart (echocardiography) records a *cine*: frames over time, here 120 colour frames. Press
# play, or drag the frame slider.
# *Figure:* the first frame of a real echocardiography cine (ultrasound of the heart, RGB).

# %% slideshow={"slide_type": "fragment"}
echo, echo_meta = samples["us_echo_cine"]
widgets.TimeViewer(echo, frame_time_ms=echo_meta.frame_time_ms, title="Echocardiography cine")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Try it
# A CT scanner stores each pixel in a 16-bit word (Bits Allocated = 16, of which 12 or more carry the value;
# [DICOM PS3.3 C.7.6.3 Image Pixel Module](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.3.html)).
# Suppose a CT study of the abdomen has 500 slices of 512 × 512 pixels. How many mebibytes (MiB, 2²⁰ bytes) does
# its pixel data take? Set `study_mib` and run the cell.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
study_mib = None  # your answer: the pixel data of the study in MiB (bytes / 2**20)
check("00-study-size")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 00-study-size
study_mib = 512 * 512 * 2 * 500 / 2**20  # pixels per slice x 2 bytes x slices, in MiB
study_mib

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
# - The course is one notebook per lecture topic, in lecture order; the table of *The course map* says which
#   slides each covers.
# - It runs on a laptop, on Binder or on Colab, and *Environment check* lists anything missing with its fix.
# - Every image is real data from an installed package, listed with its source and licence (*The real images
#   of the course*); "simulated" or "synthetic" in a title marks what code made (*Conventions*).
# - Volumes are `(z, y, x)` arrays in mm, CT values in HU, shown in radiological display (*Conventions*).
# - A window of width *W* and level *L* maps *L − W/2* to black and *L + W/2* to white; the preset decides
#   which tissues you can tell apart (*Looking at images*).
# - A 3D scan is seen through three orthogonal planes through one point (*A volume in three planes*), a cine
#   through its frames over time (*A time series*).
# - Image data are large: a CT study of a few hundred 512 × 512 slices takes hundreds of MiB (*Try it*).
#
# **Next:** open **01_modalities.ipynb**: what kinds of image data medicine produces, from 1D read-outs to 4D
# scans.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check your understanding
# 1. Why does a CT image need a window before you look at it, when a photograph does not?
# 2. The lung window is W1500/L−600. Which HU range does it show, and why is it so wide?
# 3. With the brain window W80/L40, what grey do fat (about −100 HU) and bone (over +700 HU) get, and why?
# 4. A volume has shape `(120, 256, 256)` and `spacing_mm = (3.0, 0.9, 0.9)`. How tall is it in mm along z,
#    and what is `volume[60]`?
# 5. On an axial CT slice shown in radiological display, the liver is on the left of the screen. On which side
#    of the patient is it?
# 6. The MNI152 template is an average of many brains. What does it show well, and what can it not show
#    about any one patient?
# 7. An echocardiography cine has 120 colour frames of 600 × 800 pixels, 1 byte per channel. How many MiB
#    is that, and why is ultrasound stored compressed?
# 8. A figure title says "synthetic lesion". What in the image is real, and why would a course simulate
#    lesions rather than use patients' ones?
# 9. Your answer to a *Try it* is 250 000 and `check` says it is far too large. What is the likely slip?

# %% [markdown] jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# **Answers**
# 1. CT values span about 2000 HU or more, but a display shows 256 grey levels and the eye distinguishes far
#    fewer; a window spends those grey levels on the range that matters for the question (brain, lung, bone).
#    A photograph is already stored in display grey levels.
# 2. −1350 to +150 HU (L ± W/2). Lung tissue is mostly air (near −1000 HU) next to vessels and walls of soft
#    tissue; a wide window keeps both visible.
# 3. Both are outside 0–80 HU: fat is clipped to black and bone to white, so neither shows any detail; the
#    window gives all grey levels to the small differences between grey and white matter.
# 4. 120 × 3.0 = 360 mm; `volume[60]` is the axial slice in the middle of the stack, a `(256, 256)` array of
#    rows (front to back) and columns (patient's right to left).
# 5. On the patient's right: radiological display puts the patient's right on the screen's left.
# 6. The shared anatomy (the average position and shape of the structures) with a high signal-to-noise ratio;
#    averaging blurs individual folds and contains no pathology of any single patient.
# 7. 120 × 600 × 800 × 3 bytes ≈ 165 MiB; ultrasound records many frames per second, so raw cines grow fast
#    and are usually stored with (often lossy) compression.
# 8. The anatomy (for example a real MRI template) is real; the lesion is drawn by code. A simulated lesion
#    has an exact mask and known properties, so methods can be measured against a perfect ground truth, and
#    no patient data are needed.
# 9. Forgetting to divide by 2²⁰ (bytes to MiB) or multiplying by bits instead of bytes: the size of the
#    error (a factor of 10 or more) points at units.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
# - [Hounsfield 1973](https://doi.org/10.1259/0007-1285-46-552-1016): the paper that introduced computed
#   tomography, where the CT number scale comes from.
# - [DICOM PS3.3 C.11.2 VOI LUT Module](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.11.2.html):
#   how the standard defines window centre and width, exactly as the viewers here apply them.
# - [DICOM PS3.3 C.7.6.2 Image Plane Module](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.2.html):
#   the patient coordinate system behind the course's axis and display conventions.
# - [Fonov et al. 2011](https://doi.org/10.1016/j.neuroimage.2010.07.033): how the MNI152 2009 templates
#   (nilearn's MNI152 2009) are built from many scans without favouring any one of them.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ## References
# - Fonov V, Evans AC, Botteron K, et al. Unbiased average age-appropriate atlases for pediatric studies.
#   *NeuroImage* 2011. https://doi.org/10.1016/j.neuroimage.2010.07.033
# - Hounsfield GN. Computerized transverse axial scanning (tomography). *Br J Radiol* 1973.
#   https://doi.org/10.1259/0007-1285-46-552-1016
# - NEMA. DICOM PS3.3, C.7.6.2 Image Plane Module.
#   https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.2.html
# - NEMA. DICOM PS3.3, C.7.6.3 Image Pixel Module.
#   https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.3.html
# - NEMA. DICOM PS3.3, C.11.2 VOI LUT Module.
#   https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.11.2.html
# - Radiopaedia. Hounsfield unit. https://radiopaedia.org/articles/hounsfield-unit
# - Radiopaedia. Windowing (CT). https://radiopaedia.org/articles/windowing-ct
