# %% [markdown] slideshow={"slide_type": "slide"}
# # 02 · DICOM: the file format of medical imaging
#
# **Lecture slides:** "DICOM Data Format" of Lecture 3, *Medical Imaging* (with "DICOM file format is ubiquitous but
# complex" from the learning overview and "Can be impossible to de-identify, e.g. facial scans" from "Medical image
# data is intrinsically challenging").
#
# **Learning objectives**
# - read a DICOM file byte by byte: the 128-byte preamble, `DICM`, the file meta group (0002) and the data set;
# - explain data elements (tag, [VR](../GLOSSARY.md#vr), length, value), keywords, private tags and sequences;
# - compare pixel depth, samples per pixel, photometric interpretation, spacing, modality, transfer syntax and
#   acquisition metadata across CT, MR, CR, ultrasound and nuclear medicine files;
# - turn stored integers into physical units ([Hounsfield units](../GLOSSARY.md#hu)) and display them with a
#   [window/level](../GLOSSARY.md#window-level);
# - handle multi-frame cines, compressed transfer syntaxes and a series of slices that becomes a 3D volume;
# - de-identify a file, prove no identifier is left in its bytes, and name what tag-based methods miss;
# - write a new DICOM file, and compare DICOM with NIfTI.
#
# <!-- badges -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medimg-course/medical-imaging-companion/blob/main/notebooks/02_dicom.ipynb) [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medimg-course/medical-imaging-companion/main?urlpath=lab/tree/notebooks/02_dicom.ipynb)
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
import gzip
import shutil
import struct
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import nibabel as nib
import numpy as np
import pandas as pd
from pydicom.data import get_testdata_file
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid
from pydicom.valuerep import PersonName
from scipy import ndimage
from scipy.special import ndtr

from helpers import dicom as hd
from helpers import deface, viz, widgets
from helpers.data import load_sample, sample_path
from helpers.exercises import check
from helpers.viewer3d import Scene, VolumeViewer3D, nifti_gz_bytes

workdir = Path(tempfile.mkdtemp(prefix="course_dicom_"))  # every file this notebook writes goes here
pd.set_option("display.max_colwidth", 60)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Bytes first
# A DICOM file (the "Part 10" format of the standard, [PS3.10 §7](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part10/chapter_7.html)) is a plain sequence
# of bytes in four parts:
#
# 1. a **128-byte preamble**, free for applications (often zeros);
# 2. the four letters **`DICM`**, the signature that says "this is DICOM";
# 3. the **file meta information**, the elements of group `0002`: which kind of object this is (its **SOP class**,
#    e.g. *CT Image Storage*; [SOP](../GLOSSARY.md#sop) = Service-Object Pair), the object's own **UID** and the
#    **transfer syntax** (the encoding rules of everything after group 0002: byte order, explicit or implicit
#    types, compression; [PS3.5 §10](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part05/chapter_10.html)). A **UID** (unique identifier) is a string of
#    digits and dots, at most 64 characters, built from a registered organisation root so that no two objects,
#    series or studies anywhere share one ([PS3.5 §9](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part05/chapter_9.html)); even each transfer syntax is
#    named by a UID. This group is always written the same simple way (explicit VR, little endian), so any reader
#    can start;
# 4. the **data set**: the header elements, sorted by tag, and finally the pixel data.
#
# Here are the first 352 bytes of a real CT slice shipped with pydicom (`CT_small.dcm`):

# %% slideshow={"slide_type": "fragment"}
ct_small_path = sample_path("ct_small")  # pydicom's CT_small.dcm: a real 128 × 128 CT slice
print(hd.hexdump(ct_small_path, 0x160))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Each line shows an offset (hexadecimal), 16 bytes in hex, and the same bytes as text where printable. The
# preamble is not all zeros here: it starts with `II*`, the signature of a little-endian TIFF file. The standard
# allows exactly this ([PS3.10 §7](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part10/chapter_7.html)): a file can be both a DICOM and a TIFF file ("dual
# personality"). At offset 0x80 = 128 comes
# `DICM`. `preamble_info` parses group 0002 by hand, with nothing but `struct`:

# %% slideshow={"slide_type": "fragment"}
info = hd.preamble_info(ct_small_path)
pd.DataFrame(info["meta"])[["offset", "tag", "keyword", "vr", "length", "value"]]

# %% [markdown] slideshow={"slide_type": "subslide"}
# The data set starts right after the meta group. In the *Explicit VR Little Endian* transfer syntax every element
# is: tag (two little-endian 16-bit numbers, group then element), the **VR** (value representation: two ASCII
# letters naming the value's type, [PS3.5 §6.2](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part05/sect_6.2.html)), a 2-byte length, then the value
# ([PS3.5 §7.1.2](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part05/chapter_7.html)). (A few VRs, such as `OB`, `OW`, `SQ`, `UN` and `UT`, use two reserved
# bytes and a 4-byte length instead.) Decoding the first element by hand:

# %% slideshow={"slide_type": "fragment"}
raw = Path(ct_small_path).read_bytes()
pos = info["dataset_offset"]
group, element = struct.unpack_from("<HH", raw, pos)  # the tag
vr = raw[pos + 4 : pos + 6].decode("ascii")  # the value representation
(length,) = struct.unpack_from("<H", raw, pos + 6)  # 2-byte length for short VRs such as CS
value = raw[pos + 8 : pos + 8 + length]
f"offset {pos}: tag ({group:04X},{element:04X}), VR {vr}, length {length}, value {value!r}"


# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* where the bytes of three real files go: preamble, `DICM`, file meta group, header elements and pixel
# data, as a share of each file's size (a CT slice, a chest radiograph, an ultrasound cine).

# %% slideshow={"slide_type": "fragment"}
def layout(path):
    """Bytes in each part of a Part-10 file (pixel data is the last element of these files)."""
    part = hd.preamble_info(path)
    pixel_value_at = hd.read(path).get_item(0x7FE00010).value_tell  # where the pixel bytes start
    return {"preamble": 128, "DICM": 4, "file meta (0002)": part["dataset_offset"] - 132,
            "header elements": pixel_value_at - part["dataset_offset"],
            "pixel data": part["file_size"] - pixel_value_at}

sizes = pd.DataFrame({name: layout(sample_path(name)) for name in ("ct_small", "xray_chest", "us_echo_cine")}).T
ax = (100 * sizes.div(sizes.sum(axis=1), axis=0)).plot.barh(stacked=True, figsize=(9, 2.6), colormap="cividis")
ax.set(xlabel="share of the file (%)", title="Where the bytes of a DICOM file go (real files)")
ax.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)
sizes.assign(total_bytes=sizes.sum(axis=1))

# %% slideshow={"slide_type": "skip"} tags=["check"]
ds_small = hd.read(ct_small_path)
assert info["prefix"] == b"DICM" and len(info["preamble"]) == 128
assert info["preamble"][:4] == b"II*\x00", "CT_small.dcm carries a TIFF signature in its preamble"
assert info["transfer_syntax"] == ds_small.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
assert (group, element, vr) == (0x0008, 0x0005, "CS") and value.decode().strip() == ds_small.SpecificCharacterSet
assert sizes.loc["xray_chest", "pixel data"] / sizes.loc["xray_chest"].sum() > 0.99, "pixels dominate the file"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Decode the **second** element of the data set by hand, right after the first one (`pos + 8 + length`). It is
# (0008,0008) *Image Type*, VR `CS`, with several values separated by a backslash `\`. Store its values as a list
# of strings in `image_type`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
next_pos = pos + 8 + length  # where the second element starts
image_type = None  # your answer: the values of (0008,0008) as a list of strings, e.g. ["VALUE1", "VALUE2"]
check("02-image-type")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 02-image-type
next_pos = pos + 8 + length
tag2 = struct.unpack_from("<HH", raw, next_pos)
vr2 = raw[next_pos + 4 : next_pos + 6].decode("ascii")
(length2,) = struct.unpack_from("<H", raw, next_pos + 6)
image_type = raw[next_pos + 8 : next_pos + 8 + length2].decode("ascii").strip().split("\\")
assert tag2 == (0x0008, 0x0008) and vr2 == "CS" and image_type == list(ds_small.ImageType)
image_type


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Elements, tags, VRs and sequences
# pydicom does that decoding for every element. Each element has a **tag** `(group,element)`, a **keyword** (the
# dictionary name of the tag, e.g. `PatientName`), a **VR** (its type: `PN` person name, `DA` date, `DS` decimal
# number written as text, `US` unsigned 16-bit integer, `UI` unique identifier, `SQ` sequence, `OB`/`OW` raw bytes,
# ...) and a **VM** ([value multiplicity](../GLOSSARY.md#vm): how many values it holds). Tags in **odd** groups are
# **private**: vendors store their own data
# there, without keywords. The first elements of the CT slice:

# %% slideshow={"slide_type": "fragment"}
def element_rows(ds):
    """One row per top-level element: tag, keyword, VR, VM and a short view of the value."""
    return pd.DataFrame([(str(e.tag), e.keyword or "(private)", e.VR, e.VM, str(e.value)[:45])
                         for e in ds if e.keyword != "PixelData"], columns=["tag", "keyword", "VR", "VM", "value"])

elements = element_rows(ds_small)
elements.head(12)

# %% [markdown] slideshow={"slide_type": "fragment"}
# The same element can be reached by tag or by keyword:

# %% slideshow={"slide_type": "fragment"}
ds_small[0x0010, 0x0010], ds_small.PatientName, ds_small["PatientName"].VR

# %% [markdown] slideshow={"slide_type": "subslide"}
# A **sequence** (VR `SQ`) holds a list of *items*, each a small data set of its own, which may contain further
# sequences. `CT_small.dcm` keeps two other patient IDs in one. pydicom-data's lossy copy of the course's head CT
# (file `693_UNCI.dcm`, a slice from the CQ500 collection of
# [Chilamkurthy et al. 2018](https://doi.org/10.1016/S0140-6736(18)31645-3)) says, two levels deep, that it was
# *derived* from another
# image, its "uncompressed predecessor" (section 7 shows what that derivation did):

# %% slideshow={"slide_type": "fragment"}
for item in ds_small.OtherPatientIDsSequence:
    print("Other patient ID:", item.PatientID, "| type:", item.TypeOfPatientID)
ct_head_lossy = hd.read(get_testdata_file("693_UNCI.dcm", download=False))
print(ct_head_lossy.SourceImageSequence[0])  # an item: a data set with a nested sequence inside
print("Derivation:", ct_head_lossy.DerivationCodeSequence[0].CodeMeaning)

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* how many elements of each VR the header of `CT_small.dcm` holds, split into standard (even group) and
# private (odd group) elements.

# %% slideshow={"slide_type": "fragment"}
elements["kind"] = np.where(elements["keyword"] == "(private)", "private (odd group)", "standard")
counts = elements.groupby(["VR", "kind"]).size().unstack(fill_value=0)
ax = counts.loc[counts.sum(axis=1).sort_values().index].plot.barh(stacked=True, figsize=(7, 4.5), colormap="cividis")
ax.set(xlabel="number of elements", ylabel="VR", title=f"The {len(elements)} header elements of CT_small.dcm by VR")
counts.sum()

# %% slideshow={"slide_type": "skip"} tags=["check"]
standard = [e for e in ds_small if not e.tag.is_private]
assert all(ds_small[e.keyword].tag == e.tag for e in standard), "every standard element is reachable by keyword"
assert all(e.VR in dictionary_VR(e.tag).split(" or ") for e in standard), "explicit VRs agree with the dictionary"
assert all(int(t[1:5], 16) % 2 == 1 for t in elements.loc[elements.keyword == "(private)", "tag"])
private_data = [e.tag for e in ds_small if e.tag.is_private and e.tag.element >= 0x1000]
assert all((t.group, t.element >> 8) in ds_small for t in private_data), "each private block has its creator"
assert all(isinstance(item, Dataset) for item in ds_small.OtherPatientIDsSequence), "sequence items are data sets"
assert ct_head_lossy.SourceImageSequence[0].PurposeOfReferenceCodeSequence[0].CodeMeaning == "Uncompressed predecessor"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# A private block starts with a **private creator** element `(gggg,0010)` to `(gggg,00FF)` whose value names the
# vendor's dictionary. Put the private creator names of `CT_small.dcm` in the list `creators`, and the number of
# private elements (creators included) in `n_private`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
creators = None  # your answer: the private creator names, a list of strings
n_private = None  # your answer: the number of private elements, creators included (an integer)
check("02-private-creators")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 02-private-creators
private = [e for e in ds_small if e.tag.is_private]
creators = [e.value for e in private if 0x0010 <= e.tag.element <= 0x00FF]
n_private = len(private)
assert "GEMS_IDEN_01" in creators and n_private == (elements.keyword == "(private)").sum()
creators, n_private

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · The header across modalities
# The lecture's slide names what the header tells you. Here are those attributes for six real files, side by side
# (the head CT is now the original, `693_UNCR.dcm`, the predecessor that the catalogue's copy points to):
#
# - **pixel depth**: *Bits Allocated* (the container, 8 or 16 bits) and *Bits Stored* (the bits really used);
#   *Pixel Representation* 1 means signed integers;
# - **samples per pixel** and **photometric interpretation**: 1 sample (`MONOCHROME2`: high = bright;
#   `MONOCHROME1`: high = dark, as on film) or 3 (`RGB`, or `YBR_FULL_422`, JPEG's brightness + colour encoding);
#   see [PS3.3 C.7.6.3](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.3.html);
# - **pixel size**: *Pixel Spacing* (mm between pixel centres, row then column;
#   [PS3.3 C.7.6.2](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.2.html)) and *Slice Thickness*.
#   That is the sampling grid, not the **spatial resolution** (the smallest detail the image can separate, set by
#   the scanner's point-spread function: see "Pixel spacing is not resolution" below). Projection radiographs (CR,
#   DX) store the detector's pixel pitch as *Imager Pixel Spacing* (0018,1164), measured at the front of the
#   detector ([PS3.3 C.8.1.2, CR Image Module](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.8.html#sect_C.8.1.2)).
#   The diverging beam magnifies the body on the detector, so a distance in the patient is shorter; *Pixel Spacing*
#   in such a file equals *Imager Pixel Spacing* unless the image was corrected for that magnification or
#   calibrated against an object of known size ([PS3.3 §10.7.1.1](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_10.7.html));
# - **modality**, the SOP class (what kind of object; the storage classes are listed in
#   [PS3.4 B.5](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part04/sect_B.5.html)) and the **transfer syntax**;
# - **acquisition metadata** needed to compare or normalise images: tube voltage (kVp), MR field strength,
#   repetition and echo times ([TR](../GLOSSARY.md#tr) and [TE](../GLOSSARY.md#te)), manufacturer, ...

# %% slideshow={"slide_type": "fragment"}
ct_head_path = get_testdata_file("693_UNCR.dcm", download=False)  # that predecessor: the original head CT slice
files = {"CT head": ct_head_path, "MR shoulder": sample_path("mr_shoulder"), "CR chest": sample_path("xray_chest"),
         "US Doppler": sample_path("us_doppler"), "US echo cine": sample_path("us_echo_cine"),
         "NM bone scan": sample_path("nm_bone_scan")}
headers = {label: hd.read(path) for label, path in files.items()}
ct_head_ds = headers["CT head"]
table = hd.summary_table(headers)
shown_rows = ["Modality", "SOPClassName", "TransferSyntaxName", "Rows", "Columns", "NumberOfFrames",
              "BitsAllocated", "BitsStored", "PixelRepresentation", "SamplesPerPixel", "PhotometricInterpretation",
              "PixelSpacing", "SliceThickness", "RescaleSlope", "RescaleIntercept", "Manufacturer", "KVP",
              "MagneticFieldStrength", "RepetitionTime", "EchoTime"]
table.loc[shown_rows]


# %% [markdown] slideshow={"slide_type": "fragment"}
# Things to notice, all real-world:
# - neither **CR** radiograph of pydicom-data gives a physical scale: `RG1` (shown here) stores *Pixel Spacing* as
#   `[0, 0]`, a header quirk, and `RG3` has no *Pixel Spacing* element at all; neither has *Imager Pixel Spacing*
#   (both are `MONOCHROME1`: bone is *low* values, shown white);
# - our two **ultrasound** files carry no *Pixel Spacing* (an ultrasound object may, but need not): their
#   calibration lives in the *Sequence of Ultrasound Regions* (0018,6011), per region, and in **centimetres** ([PS3.3 C.8.5.5](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.8.5.5.html));
# - the **MR** values are stored integers with a *Rescale Slope* of 3.77: "nominally integer, scaling possible";
# - the MR header's TR = 350 ms and TE = 27 ms (short/short) make it a [T1](../GLOSSARY.md#t1)-weighted spin echo
#   (short TR and TE weight by T1: [Elster, *Questions and Answers in MRI*](https://mriquestions.com/image-contrast-trte.html)),
#   as its *Protocol Name* `T1W/SE/1024` confirms;
# - the CT's 512 × 0.4785 mm = 245 mm field of view equals its *Reconstruction Diameter* (0018,1100).
#
# A viewer turns the (rescaled) values into grey levels with the file's **VOI LUT** ([value-of-interest look-up
# table](../GLOSSARY.md#voi-lut)): either a window (*Window Center* and *Width*) or an explicit table
# ([PS3.3 C.11.2](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.11.2.html)).
#
# *Figure:* the six images as a DICOM viewer would first show them: each file's own window (VOI LUT) applied,
# the MONOCHROME1 radiograph inverted, colour shown as is, the first frame of the cine.

# %% slideshow={"slide_type": "fragment"}
def for_display(ds):
    """The first frame as a viewer shows it: the file's own window (0..1), MONOCHROME1 inverted; colour as is."""
    image = hd.pixels(ds, frame=0)  # frame 0 is the only frame of single-frame files
    if ds.SamplesPerPixel == 3 or "WindowCenter" not in ds:
        return image  # colour, or no window in the file (the viewer picks one)
    shown = hd.apply_voi(image, ds)  # Modality LUT, then the file's Window Center/Width, to 0..1
    return 1 - shown if ds.PhotometricInterpretation == "MONOCHROME1" else shown

views = {label: for_display(ds) for label, ds in headers.items()}
windows = [(0.5, 1.0) if "WindowCenter" in ds else None for ds in headers.values()]
fig = viz.montage(list(views.values()), [f"{k} ({ds.Modality})" for k, ds in headers.items()], ncols=6, size=2.4,
                  windows=windows, suptitle="Six real DICOM files, displayed with their own header settings")

# %% slideshow={"slide_type": "skip"} tags=["check"]
rg3 = hd.read(sample_path("xray_tibia"), stop_before_pixels=True)
assert table.loc["PixelSpacing", "CR chest"] == [0.0, 0.0], "RG1's header quirk: Pixel Spacing [0, 0]"
assert "PixelSpacing" not in rg3 and rg3.Modality == "CR", "RG3 has no Pixel Spacing element"
assert not any("ImagerPixelSpacing" in ds for ds in (headers["CR chest"], rg3)), "no detector pitch either"
assert headers["CR chest"].PhotometricInterpretation == rg3.PhotometricInterpretation == "MONOCHROME1"
assert table.loc["PixelSpacing", "US Doppler"] is None and table.loc["PixelSpacing", "US echo cine"] is None
echo_region = headers["US echo cine"].SequenceOfUltrasoundRegions[0]
assert echo_region.PhysicalUnitsXDirection == echo_region.PhysicalUnitsYDirection == 3, "3 means cm (C.8.5.5.1.15)"
mr_header = headers["MR shoulder"]
assert float(mr_header.RepetitionTime) < 1000 and float(mr_header.EchoTime) < 30 and "T1" in mr_header.ProtocolName
assert float(mr_header.RescaleSlope) != 1, "MR stored values are scaled"
ct_fov_mm = ct_head_ds.Rows * float(ct_head_ds.PixelSpacing[0])
assert abs(ct_fov_mm - float(ct_head_ds.ReconstructionDiameter)) < 0.5

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Pixel spacing is not resolution
# *Pixel Spacing* says where the samples are; the **spatial resolution** is the smallest distance at which two
# details still appear as two. It is set by the imaging system's [point-spread function](../GLOSSARY.md#psf) (PSF,
# the image of a single point), summarised by its [FWHM](../GLOSSARY.md#fwhm). Clinical PET has a PSF of about
# 4–5 mm FWHM ([Moses 2011](https://doi.org/10.1016/j.nima.2010.11.092);
# [Wang 2018](https://doi.org/10.4236/ijmpcero.2018.74045)), yet it is often stored on 2 mm voxels, like 01's
# simulated PET. Below, **simulated** in one dimension: two equal point sources, blurred by a Gaussian PSF and
# averaged into 2 mm voxels, placed at 200 random positions relative to the voxel grid. We call them *resolved* when
# the voxel values dip by at least 10 % between the two peaks (our criterion for this demonstration).

# %% slideshow={"slide_type": "fragment"}
def voxel_values(points_mm, fwhm_mm, edges_mm):
    """Point sources blurred by a Gaussian PSF (fwhm_mm; 0 = a perfect system), integrated over each voxel."""
    sigma_mm = max(fwhm_mm, 1e-9) / (2 * np.sqrt(2 * np.log(2)))  # FWHM -> Gaussian σ
    return np.diff(ndtr((edges_mm[:, None] - np.asarray(points_mm)) / sigma_mm).sum(axis=1))

def is_resolved(values, dip=0.9):
    """True if some voxel is below `dip` times the highest value on both sides of it: two peaks, not one."""
    left, right = np.maximum.accumulate(values)[:-2], np.maximum.accumulate(values[::-1])[::-1][2:]
    return bool(np.any(values[1:-1] < dip * np.minimum(left, right)))

edges = np.arange(-24.0, 24.01, 2.0)  # 2 mm voxels
shifts = np.random.default_rng(1).uniform(0, 2.0, 200)  # where the pair sits on the voxel grid (mm)
separations = np.arange(1.0, 12.01, 0.5)
psf_fwhm = {"perfect system (no blur)": 0.0, "PET-like PSF, FWHM 4.5 mm": 4.5}
resolved = pd.DataFrame({label: [np.mean([is_resolved(voxel_values([s - d / 2, s + d / 2], fwhm, edges))
                                          for s in shifts]) for d in separations]
                         for label, fwhm in psf_fwhm.items()}, index=pd.Index(separations, name="separation (mm)"))
resolved.loc[[3.0, 4.0, 4.5, 5.0, 5.5, 6.0]]

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* left, two simulated point sources 4 mm apart (two voxels) sampled on 2 mm voxels, without blur (two
# separate peaks) and with a 4.5 mm FWHM PSF (one blob); right, the share of 200 random grid positions at which the
# pair is resolved, against the distance between the points.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), layout="constrained")
centres = (edges[:-1] + edges[1:]) / 2
for (label, fwhm), colour in zip(psf_fwhm.items(), ["#0072B2", "#E69F00"]):
    values = voxel_values([-2.0 + 0.3, 2.0 + 0.3], fwhm, edges)
    axes[0].step(centres, values, where="mid", color=colour, label=label)
    axes[1].plot(resolved.index, 100 * resolved[label], "o-", ms=3, color=colour, label=label)
axes[0].set(xlim=(-12, 12), xlabel="position (mm)", ylabel="voxel value (a.u.)",
            title="Two points 4 mm apart, 2 mm voxels (simulated)")
axes[1].axvline(4.5, color="0.4", ls=":", lw=1)
axes[1].set(xlabel="distance between the points (mm)", ylabel="resolved (% of positions)",
            title="Resolution follows the PSF, not the spacing")
axes[0].legend(fontsize=8)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# With the same 2 mm *Pixel Spacing*, a perfect system separates two points 4 mm apart (two voxels) wherever they
# fall; the PET-like system separates them nowhere, and needs more than its FWHM of 4.5 mm. Finer voxels would not
# help: the blur happens before the sampling.

# %% slideshow={"slide_type": "skip"} tags=["check"]
perfect, pet_like = resolved["perfect system (no blur)"], resolved["PET-like PSF, FWHM 4.5 mm"]
assert perfect.loc[4.0:].eq(1).all(), "without blur, points two voxels apart are always resolved"
assert pet_like.loc[:4.5].eq(0).all(), "with a 4.5 mm PSF, points up to one FWHM apart are never resolved"
assert pet_like.loc[6.0:].eq(1).all() and (pet_like <= perfect).all(), "blur only ever loses resolution"
fine_edges = np.arange(-24.0, 24.01, 0.5)  # 0.5 mm voxels: finer sampling cannot undo the blur
assert not any(is_resolved(voxel_values([s - 2, s + 2], 4.5, fine_edges)) for s in shifts)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Compute each file's **field of view** in mm, `(Rows × row spacing, Columns × column spacing)`, from *Pixel
# Spacing*; use `None` where the header gives no usable spacing (missing or zero). An ultrasound calibration holds
# only **inside its region**, not on the whole screen (the rest is text and graphics): for the echo, take the
# region's size in pixels from its corners, *Region Location Min X0 / Min Y0 / Max X1 / Max Y1* (pixel indices,
# both corners included), and its *Physical Delta Y/X* (in cm: convert to mm)
# ([PS3.3 C.8.5.5](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.8.5.5.html)). Store a
# dict label → (height_mm, width_mm) or None in `fov`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
fov = None  # your answer: a dict label -> (height_mm, width_mm), or None where no usable spacing
check("02-field-of-view")


# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 02-field-of-view
def field_of_view(ds):
    if "SequenceOfUltrasoundRegions" in ds:
        region = ds.SequenceOfUltrasoundRegions[0]
        size = (region.RegionLocationMaxY1 - region.RegionLocationMinY0 + 1,  # rows inside the region
                region.RegionLocationMaxX1 - region.RegionLocationMinX0 + 1)  # columns inside the region
        spacing = (10 * region.PhysicalDeltaY, 10 * region.PhysicalDeltaX)  # cm -> mm
    elif "PixelSpacing" in ds and all(float(v) > 0 for v in ds.PixelSpacing):
        size, spacing = (ds.Rows, ds.Columns), [float(v) for v in ds.PixelSpacing]
    else:
        return None
    return (round(size[0] * spacing[0], 1), round(size[1] * spacing[1], 1))

fov = {label: field_of_view(ds) for label, ds in headers.items()}
whole_screen = (echo_region.PhysicalDeltaY * 10 * headers["US echo cine"].Rows,
                echo_region.PhysicalDeltaX * 10 * headers["US echo cine"].Columns)  # the mistake to avoid
assert fov["CR chest"] is None and fov["US Doppler"] is None and fov["CT head"] == (245.0, 245.0)
assert all(f < w for f, w in zip(fov["US echo cine"], whole_screen)), "the region is smaller than the screen"
fov

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Pixel data: stored integers, physical units
# The pixel values in the file are **stored values**: integers ("nominally integer only, although scaling is
# possible", says the slide). The **Modality LUT** turns them into physical units; for CT that is the linear
# rescale **HU = Rescale Slope × stored + Rescale Intercept** ([PS3.3 C.11.1](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.11.html#sect_C.11.1)),
# giving Hounsfield units, the CT scale on which water is 0 and air −1000
# ([Hounsfield 1973](https://doi.org/10.1259/0007-1285-46-552-1016); [Buzug 2008](https://doi.org/10.1007/978-3-540-39408-2)).
# Two real CT slices from different sources store the *same* tissue as *different* numbers; only the rescale makes
# them comparable:

# %% slideshow={"slide_type": "fragment"}
cts = {"CT head": ct_head_ds, "CT abdomen": hd.read(sample_path("ct_abdomen"))}
stored = {name: hd.pixels(ds) for name, ds in cts.items()}
hu = {name: float(ds.RescaleSlope) * stored[name] + float(ds.RescaleIntercept) for name, ds in cts.items()}
air = {"CT head": np.s_[60:100, 200:300], "CT abdomen": np.s_[480:512, 150:350]}  # room air beside the patient
pd.DataFrame({name: {"dtype": str(stored[name].dtype), "Bits Stored": ds.BitsStored,
                     "slope": float(ds.RescaleSlope), "intercept": float(ds.RescaleIntercept),
                     "air: stored value (median)": np.median(stored[name][air[name]]),
                     "air: HU (median)": np.median(hu[name][air[name]])} for name, ds in cts.items()})

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* histograms (log scale) of the two CT slices: left, the stored values, whose peaks do not line up;
# right, the same pixels in Hounsfield units, where air sits at −1000 HU in both.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
for name in cts:
    axes[0].hist(stored[name].ravel(), bins=200, histtype="step", log=True, label=name)
    axes[1].hist(hu[name].ravel(), bins=200, histtype="step", log=True, label=name)
for x, label in [(-1000, "air"), (0, "water")]:
    axes[1].axvline(x, color="0.3", ls=":", lw=1)
    axes[1].annotate(label, (x, 0.93), xycoords=("data", "axes fraction"), ha="center", color="0.3")
axes[0].set(title="Stored values: not comparable between files", xlabel="stored value", ylabel="pixels")
axes[1].set(title="Hounsfield units after the rescale", xlabel="HU", ylabel="pixels")
axes[0].legend(loc="upper left")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The head CT has a third peak far left, at −3024 HU. That is not tissue: CT reconstructs a circle, and the pixels
# outside it carry the *Pixel Padding Value* (0028,0120), −2000 in stored units: "no data here". A program that
# averages or normalises pixels must leave them out.

# %% slideshow={"slide_type": "skip"} tags=["check"]
for name, ds in cts.items():
    np.testing.assert_allclose(hu[name], hd.to_modality_units(stored[name], ds))
    assert abs(np.median(hu[name][air[name]]) + 1000) < 50, f"air in {name} should be about -1000 HU"
assert np.median(stored["CT head"][air["CT head"]]) > 0, "stored air is a small positive number in the head CT"
assert np.all(hu["CT head"][:20, :20] < -2500), "the corner lies outside the reconstructed circle: padding"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Convert the head CT's *Pixel Padding Value* to HU (`pad_hu`). Then find the fraction of its pixels that lie
# outside the reconstructed circle (`outside_fraction`: stored value equal to the padding value), and compare it
# with the area outside a circle inscribed in a square, 1 − π/4.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
pad_hu = None  # your answer: the Pixel Padding Value converted to HU
outside_fraction = None  # your answer: fraction (0..1) of the pixels whose stored value is the padding value
check("02-padding")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 02-padding
pad_stored = ct_head_ds.PixelPaddingValue
pad_hu = float(ct_head_ds.RescaleSlope) * pad_stored + float(ct_head_ds.RescaleIntercept)
outside_fraction = float(np.mean(stored["CT head"] == pad_stored))
assert pad_hu == -3024.0 and abs(outside_fraction - (1 - np.pi / 4)) < 0.02  # 21 % of the square is outside
pad_hu, round(outside_fraction, 3), round(1 - np.pi / 4, 3)


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Window and level
# CT spans about −1000 to +3000 HU ([Buzug 2008](https://doi.org/10.1007/978-3-540-39408-2)), far more than a
# screen's 256 grey levels or what the eye can tell apart. A
# **window** of centre *L* (level) and width *W* maps *L − W/2* to black and *L + W/2* to white and clips the
# rest. In code, that is one line:

# %% slideshow={"slide_type": "fragment"}
def window(image_hu, level, width):
    """Map level - width/2 -> 0 (black) and level + width/2 -> 1 (white), clipping outside."""
    return np.clip((image_hu - (level - width / 2)) / width, 0, 1)

ct, ct_meta = load_sample("ct_abdomen")  # the abdomen slice in HU, turned anterior-up by helpers.data
presets = {name: (p.center, p.width) for name, p in hd.CT_WINDOW_PRESETS.items()}  # HU; p.source says where from
{name: presets[name] for name in ("soft tissue", "liver", "lung", "bone")}

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the same real abdominal CT slice in three standard windows: soft tissue (W400 L50), lung (W1500 L−600)
# and bone (W1800 L400), as tabulated by [Radiopaedia, *Windowing (CT)*](https://radiopaedia.org/articles/windowing-ct);
# each shows different structures and hides others.

# %% slideshow={"slide_type": "fragment"}
names = ["soft tissue", "lung", "bone"]
fig = viz.montage([window(ct, *presets[n]) for n in names],
                  [f"{n}: W{presets[n][1]:g} L{presets[n][0]:g}" for n in names], ncols=3, size=3.6,
                  windows=[(0.5, 1.0)] * 3, suptitle="One CT slice, three windows")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Try the presets in the drop-down, or move *level* and *window* yourself.
# *Figure:* the abdominal CT slice in the soft-tissue window, with window/level sliders and a preset menu (a static
# image when no notebook front end is attached).

# %% slideshow={"slide_type": "fragment"}
ct_viewer = widgets.ImageViewer(ct, spacing_mm=ct_meta.spacing_mm, window=presets["soft tissue"], presets=presets,
                                title="CT abdomen (HU)")
ct_viewer

# %% slideshow={"slide_type": "skip"} tags=["check"]
np.testing.assert_allclose(window(ct, 50, 400), hd.apply_window(ct, center=50, width=400, function="LINEAR_EXACT"),
                           atol=1e-6)  # ct is float32
assert window(np.array([-1000.0]), *presets["soft tissue"])[0] == 0.0, "air is black in the soft-tissue window"
ct_viewer.preset.value = "lung"
assert ct_viewer.state == {"center": -600, "width": 1500}
ct_viewer.preset.value = "soft tissue"  # leave the figure in the soft-tissue window


# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# The standard's default window function, LINEAR ([PS3.3 C.11.2.1.2.1](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.11.2.html)), is slightly
# different: it
# uses *c − 0.5* and *w − 1* where the simple version uses *c* and *w*. Write `window_dicom(x, c, w)` (output 0..1)
# and find `largest_difference`, the largest absolute difference from `window` on `ct` in the soft-tissue window.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
def window_dicom(x, c, w):
    return window(x, c, w)  # your turn: the LINEAR formula (output 0..1)

largest_difference = None  # your answer: max |window_dicom - window| over `ct` at c=50, w=400 (0..1 scale)
check("02-window-linear")


# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 02-window-linear
def window_dicom(x, c, w):
    low, high = c - 0.5 - (w - 1) / 2, c - 0.5 + (w - 1) / 2
    inside = (x - (c - 0.5)) / (w - 1) + 0.5
    return np.where(x <= low, 0.0, np.where(x > high, 1.0, inside))

largest_difference = np.abs(window_dicom(ct, 50, 400) - window(ct, 50, 400)).max()
np.testing.assert_allclose(window_dicom(ct, 50, 400), hd.apply_window(ct, center=50, width=400), atol=1e-6)
assert 0 < largest_difference < 0.005  # about 1 HU out of 400: invisible, but not identical
largest_difference

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Multi-frame: an echocardiography cine
# One DICOM object can hold many frames. This real echocardiogram stores 120 frames, each compressed as a JPEG
# image inside the file. The header says how many frames, the time between them (*Frame Time*, named by the *Frame
# Increment Pointer*), and the pixel size of the imaging region:

# %% slideshow={"slide_type": "fragment"}
echo = headers["US echo cine"]
region = echo.SequenceOfUltrasoundRegions[0]  # where the image is, and its pixel size in cm
echo_spacing_mm = (10 * region.PhysicalDeltaY, 10 * region.PhysicalDeltaX)
{"frames": int(echo.NumberOfFrames), "Frame Time (ms)": float(echo.FrameTime),
 "Frame Increment Pointer": str(echo.FrameIncrementPointer),
 "duration (s)": round(echo.NumberOfFrames * float(echo.FrameTime) / 1000, 2),
 "photometric": echo.PhotometricInterpretation, "transfer syntax": echo.file_meta.TransferSyntaxUID.name,
 "pixel size (mm)": tuple(round(v, 3) for v in echo_spacing_mm)}

# %% [markdown] slideshow={"slide_type": "fragment"}
# `YBR_FULL_422` is how JPEG stores colour: **Y** (brightness) plus two colour differences (**Cb**, **Cr**) kept at
# half the horizontal resolution ([PS3.3 C.7.6.3](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.3.html)).
# Converting all 120 frames to RGB takes seconds; for a grey echo, Y already is the
# picture. `pixels(..., raw=True)` keeps the stored colour space, `frame=` decodes a single frame.

# %% slideshow={"slide_type": "fragment"}
ybr = hd.pixels(echo, raw=True)  # (frames, rows, cols, 3): Y, Cb, Cr
luma = ybr[..., 0]  # the brightness of every frame
rgb0 = hd.pixels(echo, frame=0)  # frame 0 only, converted to RGB
ybr.shape, f"{ybr.nbytes / 2**20:.0f} MiB decoded from {len(echo.PixelData) / 2**20:.1f} MiB of JPEG data"

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* a real echocardiography cine (ultrasound of the heart), its luminance Y frame by frame;
# press play or drag the frame slider (a static first frame when no notebook front end is attached).

# %% slideshow={"slide_type": "fragment"}
echo_viewer = widgets.TimeViewer(luma, frame_time_ms=float(echo.FrameTime), spacing_mm=echo_spacing_mm,
                                 window=(128, 256), title="Echo cine, luminance Y")
echo_viewer

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert echo.NumberOfFrames == 120 and abs(echo.NumberOfFrames * float(echo.FrameTime) - 4000) < 1
assert str(echo.FrameIncrementPointer) == "(0018,1063)", "the pointer names Frame Time"
assert luma.shape == (120, 480, 640) and abs(echo_spacing_mm[0] - 0.51) < 0.01
luminance = rgb0.astype(float) @ [0.299, 0.587, 0.114]  # Y from R, G, B (PS3.3 C.7.6.3.1.2)
assert np.abs(luma[0] - luminance).mean() < 1.0

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Some frames of this cine are exact copies of the frame before them. Find their indices (`duplicates`), then the
# rate of *new* images per second (`new_per_second`), to compare with the 30 frames per second the header implies.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
duplicates = None  # your answer: a list of the indices k where frame k equals frame k - 1
new_per_second = None  # your answer: new (non-repeated) images per second
check("02-duplicate-frames")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 02-duplicate-frames
same_as_previous = np.all(ybr[1:] == ybr[:-1], axis=(1, 2, 3))
duplicates = (np.flatnonzero(same_as_previous) + 1).tolist()
duration_s = echo.NumberOfFrames * float(echo.FrameTime) / 1000
new_per_second = (echo.NumberOfFrames - len(duplicates)) / duration_s
assert len(duplicates) == 7 and set(np.diff(duplicates)) <= {16, 17}  # one repeat every 16-17 frames
duplicates, round(new_per_second, 2)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · Compressed transfer syntaxes
# The transfer syntax ([PS3.5 §10](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part05/chapter_10.html); the UIDs in
# [PS3.6 Annex A](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part06/chapter_A.html)) says how the pixel data are encoded: raw (implicit or explicit VR, little or
# big endian, optionally deflated) or **compressed** as JPEG, JPEG-LS, JPEG 2000 or RLE, some lossless, some lossy.
# pydicom decodes compressed data through plugins (pillow, pylibjpeg, ...). One real file per syntax, and what
# decodes it here:

# %% slideshow={"slide_type": "fragment"}
decoders = hd.decoders_table()
decoders[["file", "modality", "transfer_syntax", "uid", "compressed", "plugins", "decoded", "shape"]]

# %% [markdown] slideshow={"slide_type": "subslide"}
# The head CT slice exists in pydicom-data in four versions from the DICOM working group's compression test set:
# the original (`UNCR`), JPEG 2000 **lossless** (`J2KR`, "reversible"), JPEG 2000 **lossy** (`J2KI`,
# "irreversible") and that lossy image decoded and stored uncompressed again (`UNCI`).
# Decoding them shows what "lossless" and "lossy" mean:

# %% slideshow={"slide_type": "fragment"}
versions = {"original (UNCR)": "693_UNCR.dcm", "JPEG 2000 lossless (J2KR)": "693_J2KR.dcm",
            "JPEG 2000 lossy (J2KI)": "693_J2KI.dcm", "lossy, decoded again (UNCI)": "693_UNCI.dcm"}
head = {label: hd.read(get_testdata_file(name, download=False)) for label, name in versions.items()}
head_hu = {label: hd.to_modality_units(hd.pixels(ds), ds) for label, ds in head.items()}
error = {label: np.abs(image - head_hu["original (UNCR)"]) for label, image in head_hu.items()}
summaries = {label: hd.summary(ds) for label, ds in head.items()}
pd.DataFrame({label: {"transfer syntax": s["TransferSyntaxName"], "pixel bytes in file": s["StoredPixelBytes"],
                      "compression ratio": round(s["DecodedPixelBytes"] / s["StoredPixelBytes"], 1),
                      "Lossy Image Compression (0028,2110)": head[label].get("LossyImageCompression", "—"),
                      "mean |error| (HU)": round(float(error[label].mean()), 1)} for label, s in summaries.items()}).T

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the real head CT slice in the brain window (W80 L40) decoded from the original, the lossless JPEG 2000
# and the lossy JPEG 2000 file, and the absolute error of the lossy one in HU (grey scale, 0 to 200 HU).

# %% slideshow={"slide_type": "fragment"}
labels = ["original (UNCR)", "JPEG 2000 lossless (J2KR)", "JPEG 2000 lossy (J2KI)"]
fig = viz.montage([head_hu[k] for k in labels] + [error["JPEG 2000 lossy (J2KI)"]],
                  [*labels, "|lossy − original| (HU)"], ncols=4, size=3.0,
                  windows=[presets["brain"]] * 3 + [(100, 200)],
                  suptitle="Head CT: lossless and lossy JPEG 2000 (brain window W80 L40)")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Lossless compression saves a factor of 5 and changes nothing. The lossy file is 335 times smaller, and the brain
# has turned into blocks: grey and white matter, the ventricles, the midline are gone. Its header is honest about
# it (*Lossy Image Compression* = `01`, *Derivation Description* "lossy conversion"), so read it before you trust
# the pixels. This is why the course catalogue's `ct_head` is the original (`UNCR`) file.

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert decoders["decoded"].all(), "every transfer syntax decodes with the installed plugins"
assert error["JPEG 2000 lossless (J2KR)"].max() == 0, "lossless: identical pixels"
ratio = {label: s["DecodedPixelBytes"] / s["StoredPixelBytes"] for label, s in summaries.items()}
assert 4.5 < ratio["JPEG 2000 lossless (J2KR)"] < 5.5 and 300 < ratio["JPEG 2000 lossy (J2KI)"] < 370
assert error["JPEG 2000 lossy (J2KI)"].mean() > 20, "lossy at 335:1: large errors"
brain_hu = head_hu["original (UNCR)"]
in_brain = ndimage.binary_erosion((brain_hu > 0) & (brain_hu < 80), iterations=3)  # brain tissue, off its edges
pairs = in_brain[:, 1:] & in_brain[:, :-1]  # horizontally neighbouring pixels, both in the brain
step = {label: np.median(np.abs(np.diff(head_hu[label], axis=1))[pairs]) for label in labels}
assert step["JPEG 2000 lossy (J2KI)"] == 0 < step["original (UNCR)"], "lossy: flat blocks where texture was"
assert error["JPEG 2000 lossy (J2KI)"][in_brain].mean() > 80 / 8, "errors of over 1/8 of the brain window"
np.testing.assert_array_equal(head_hu["lossy, decoded again (UNCI)"], head_hu["JPEG 2000 lossy (J2KI)"])
assert ct_head_lossy.SourceImageSequence[0].ReferencedSOPInstanceUID == head["original (UNCR)"].SOPInstanceUID

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# How much smaller is the echo cine's JPEG data than the decoded frames? Compute `echo_ratio` = decoded bytes /
# bytes in the file, using `hd.summary(echo)`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
echo_ratio = None  # your answer: decoded pixel bytes / pixel bytes in the file (no unit)
check("02-echo-ratio")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 02-echo-ratio
echo_summary = hd.summary(echo)
echo_ratio = echo_summary["DecodedPixelBytes"] / echo_summary["StoredPixelBytes"]
assert 10 < echo_ratio < 30 and echo_summary["DecodedPixelBytes"] == ybr.nbytes
round(echo_ratio, 1)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8 · From a series of files to a 3D volume
# A CT or MR scan is usually a **series**: one file per slice, sharing a *Series Instance UID*. File names and
# *Instance Numbers* need not follow the anatomy; the geometry lives in three attributes of each file
# ([PS3.3 C.7.6.2](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.2.html)): *Image Position (Patient)* (0020,0032), [IPP](../GLOSSARY.md#ipp),
# the mm coordinates of the centre of its first pixel; *Image Orientation (Patient)* (0020,0037),
# [IOP](../GLOSSARY.md#iop), the unit vectors of its rows and columns; and *Pixel Spacing*. The coordinates are the
# patient's **LPS** axes: x towards the patient's Left, y Posterior, z Superior. The slice gap comes from the
# positions, not from
# *Slice Thickness* (the head CT above has 5 mm thick slices 20 mm apart).
#
# The installed packages hold no multi-file CT series, so we **build one honestly**: the real MNI152 T1 brain
# template (an average of 152 adults' MRI, [Fonov et al. 2011](https://doi.org/10.1016/j.neuroimage.2010.07.033);
# 2 mm voxels, from nilearn), every 2nd axial slice (so slices are 4 mm
# apart, like a thick-slice clinical scan), written as one DICOM file per slice with `hd.write`, in random order,
# with random file names and meaningless instance numbers.

# %% slideshow={"slide_type": "fragment"}
t1, t1_meta = load_sample("mri_brain_t1")  # (z, y, x), 2 mm; values 0..1
lps = np.diag([-1, -1, 1, 1]) @ t1_meta.extra["affine_zyx"]  # voxel (z, y, x, 1) -> DICOM patient mm (LPS)
row_direction, column_direction = lps[:3, 2] / 2.0, lps[:3, 1] / 2.0  # along a row (x), down a column (y)
keep = np.arange(0, t1.shape[0], 2)  # every 2nd slice: 4 mm apart
stored_t1 = np.round(t1 * 1000).astype(np.uint16)  # DICOM stores integers: thousandths of the 0..1 scale
series_dir = Path(tempfile.mkdtemp(dir=workdir, prefix="mni_series_"))
study_uid, series_uid = generate_uid(), generate_uid()
row_direction, column_direction, lps[:3, 3]

# %% slideshow={"slide_type": "fragment"}
rng = np.random.default_rng(0)
for rank, k in enumerate(rng.permutation(keep)):  # random order, random names, instance numbers 1, 2, ...
    hd.write(series_dir / f"IM{rng.integers(10**6):06d}", stored_t1[k], modality="MR", spacing_mm=(2.0, 2.0),
             study_uid=study_uid, series_uid=series_uid, instance_number=rank + 1,
             position_mm=(lps @ [k, 0, 0, 1])[:3], orientation=np.r_[row_direction, column_direction],
             slice_thickness_mm=2.0, description="MNI152 T1, every 2nd slice (course notebook 02)")
files = sorted(series_dir.iterdir())  # what a plain folder listing gives: alphabetical order
[f.name for f in files[:6]]

# %% [markdown] slideshow={"slide_type": "fragment"}
# Stacking the files in name order scrambles the anatomy. The fix takes four lines: the slice normal
# **n = row direction × column direction** from *Image Orientation (Patient)*, each slice's distance along it,
# **d = n · IPP**, then sort by d; the differences of the sorted distances are the slice spacing. This works for
# tilted (oblique) slices too, where sorting on the z coordinate alone would not.

# %% slideshow={"slide_type": "fragment"}
naive = np.stack([hd.pixels(hd.read(f)) for f in files])
slice_headers = [hd.read(f, stop_before_pixels=True) for f in files]
iop = np.array(slice_headers[0].ImageOrientationPatient, dtype=float)  # row cosines, then column cosines
normal = np.cross(iop[:3], iop[3:])  # the slice normal n
distance = np.array([normal @ np.array(h.ImagePositionPatient, dtype=float) for h in slice_headers])  # d in mm
order = np.argsort(distance)
by_position = np.stack([hd.pixels(hd.read(files[i])) for i in order])
normal, np.diff(distance[order])[:5]

# %% [markdown] slideshow={"slide_type": "fragment"}
# `hd.load_series` does the same and checks what real folders get wrong: several series mixed in one folder,
# uneven or missing slices, tilted stacks, rescale values; it returns the volume with its spacing and affine.

# %% slideshow={"slide_type": "fragment"}
vol = hd.load_series(series_dir, rescale=False)  # keep the stored integers (these files have no rescale)
vol.shape, vol.spacing_mm, vol.array.dtype

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the same sagittal plane (superior up, anterior left) of the series stacked in file-name order
# (scrambled) and sorted by *Image Position (Patient)* (the brain), with 4 mm × 2 mm pixels.

# %% slideshow={"slide_type": "fragment"}
middle = vol.shape[2] // 2
fig = viz.compare([viz.plane(naive, middle, axis=2), viz.plane(vol.array, middle, axis=2)],
                  ["stacked by file name", "sorted by (0020,0032) position"], spacing_mm=vol.spacing_mm[:2],
                  suptitle="A DICOM series built from the real MNI152 template (sagittal plane)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The sorted volume in three planes; the spacing from the headers keeps the proportions right.
# *Figure:* axial, coronal and sagittal planes through the centre of the volume rebuilt from the DICOM series,
# with crosshairs; axes in mm.

# %% slideshow={"slide_type": "fragment"}
widgets.OrthoViewer(vol.array, spacing_mm=vol.spacing_mm, title="Series -> volume, spacing from the headers (mm)")

# %% slideshow={"slide_type": "skip"} tags=["check"]
np.testing.assert_array_equal(by_position, vol.array)  # the four lines and the helper agree
assert [files[i] for i in order] == [Path(f) for f in vol.files], "same order of files"
header_spacing = (float(np.diff(distance[order]).mean()), *map(float, slice_headers[0].PixelSpacing))
assert np.allclose(np.diff(distance[order]), 4.0) and vol.spacing_mm == header_spacing == (4.0, 2.0, 2.0)
np.testing.assert_array_equal(vol.array, stored_t1[keep])  # anatomical order restored
np.testing.assert_allclose(vol.affine @ [10, 0, 0, 1], lps @ [keep[10], 0, 0, 1], atol=1e-3)
assert not np.array_equal(naive, stored_t1[keep]), "file-name order is not anatomical order"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The same volume in 3D: a WebGL viewer ([NiiVue](https://github.com/niivue/niivue)) takes the array with its
# [affine](../GLOSSARY.md#affine) and places every voxel in millimetres itself. DICOM's patient axes are LPS and
# NIfTI's (which NiiVue reads) are RAS, so the affine's x and y rows change sign. The 4 mm slice spacing shows as
# steps in the coronal and sagittal planes. Where WebGL is missing, the slice viewer appears with a note.
#
# *Figure:* an interactive 3D and multiplanar view of the volume rebuilt from the DICOM series (drag in a plane to
# move, in the 3D panel to rotate).

# %% slideshow={"slide_type": "fragment"}
series_ras = np.diag([-1, -1, 1, 1]) @ vol.affine  # (z, y, x, 1) -> LPS mm, then LPS -> RAS: flip x and y
VolumeViewer3D(Scene(vol.array, series_ras, window=(0, 1000)), title="DICOM series -> volume, in 3D")

# %% slideshow={"slide_type": "skip"} tags=["check"]
# a landmark's world position: read back by nibabel from the file NiiVue receives, it is where the template puts it
handed = nib.Nifti1Image.from_bytes(gzip.decompress(nifti_gz_bytes(vol.array, series_ras)))
landmark = np.array([10, 40, 30])  # (z, y, x) voxel of the series
world_from_series = nib.affines.apply_affine(handed.affine, landmark[::-1])  # NIfTI axes are (x, y, z)
world_from_template = (t1_meta.extra["affine_zyx"] @ [keep[10], 40, 30, 1])[:3]
np.testing.assert_allclose(world_from_series, world_from_template, atol=1e-3)
assert nib.aff2axcodes(handed.affine) == ("L", "P", "S"), "x runs to the patient's left, as the course stores it"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Real series sometimes lose a file. The cell below copies the series without its 21st slice (by position) into
# `gap_dir`. Load it with `hd.load_series` and read the warning; then load it again with `fill_gaps=np.nan` and
# keep the result in `vol_gap`: a regular grid with an empty (NaN) slice where the file is missing.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
gap_dir = Path(tempfile.mkdtemp(dir=workdir, prefix="gap_"))
for f in vol.files:
    if f != vol.files[20]:
        shutil.copy(f, gap_dir)
vol_gap = None  # your answer: the Volume hd.load_series(gap_dir, ...) returns, with the gap filled
check("02-series-gap")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 02-series-gap
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    vol_gap = hd.load_series(gap_dir, fill_gaps=np.nan)
messages = [str(w.message) for w in caught if issubclass(w.category, hd.SeriesWarning)]
assert any("1 missing slice" in m for m in messages)
assert vol_gap.shape == vol.shape and np.isnan(vol_gap.array[20]).all() and vol_gap.spacing_mm == vol.spacing_mm
messages

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9 · De-identification
# Before images leave a hospital, identifying data must go. DICOM's **Basic Application Level Confidentiality
# Profile** ([PS3.15 Annex E](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part15/chapter_E.html)) lists, attribute by attribute, what to do: **X** remove,
# **Z** empty, **D** replace by a dummy, **U** replace a UID consistently, **K** keep, **C** clean. `hd.deidentify`
# applies it at
# every nesting level, removes all private tags and records each action. Some attributes carry a compound code such
# as **X/Z/D**: the first (most protective) action, unless the object's definition (its IOD) requires the attribute,
# then **Z** where it must be present and **D** where it must have a value. An enhanced MR's Content Date is Type 1,
# so it gets the dummy 19000101 rather than an empty value, and the file stays valid. On the real `CT_small.dcm`:

# %% slideshow={"slide_type": "fragment"}
original = ds_small
result = hd.deidentify(original, salt="course-demo")  # a fixed salt: the same new UIDs on every run
deid = result.dataset
action = {a.path: f"{a.action} ({a.rule})" for a in result.actions}

def value_of(ds, keyword):
    if keyword not in ds:
        return "—"
    value = ds[keyword].value
    if ds[keyword].VR == "SQ":
        return f"sequence of {len(value)} item(s)"
    return "(empty)" if value in (None, "") else str(value)[:40]

keywords = ["PatientName", "PatientID", "PatientBirthDate", "PatientSex", "PatientAge", "OtherPatientIDsSequence",
            "InstitutionName", "StationName", "StudyDate", "AcquisitionTime", "ContrastBolusAgent",
            "StudyInstanceUID", "Modality", "KVP", "PatientIdentityRemoved"]
pd.DataFrame({"before": [value_of(original, k) for k in keywords], "after": [value_of(deid, k) for k in keywords],
              "action": [action.get(k, "kept" if k in original else "added") for k in keywords]}, index=keywords)

# %% [markdown] slideshow={"slide_type": "fragment"}
# The counts of each action (X, Z, U, D), including the removal of every private element, are:

# %% slideshow={"slide_type": "fragment"}
result.counts(), sum(e.tag.is_private for e in original)

# %% [markdown] slideshow={"slide_type": "subslide"}
# A table of attributes is not proof. The proof is in the written bytes: collect every text value the profile
# removed or replaced (at least 4 characters, so that short strings cannot match by chance), write the
# de-identified file, and search its raw bytes for each of them.

# %% slideshow={"slide_type": "fragment"}
deid_path = workdir / "ct_small_deid.dcm"
deid.save_as(deid_path, enforce_file_format=True)
written = deid_path.read_bytes()

def texts(elem):
    """Every text value inside an element, recursing into sequence items."""
    if elem.VR == "SQ":
        return [t for item in elem.value for e in item for t in texts(e)]
    values = elem.value if elem.VM > 1 else [elem.value]
    return [str(v).strip() for v in values if isinstance(v, (str, PersonName))]

changed = [e for e in original if e.tag not in deid or deid[e.tag].value != e.value]
identifying = sorted({t for e in changed for t in texts(e) if len(t) >= 4})
leaks = [t for t in identifying if t.encode() in written]
len(identifying), identifying[:8], leaks

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert all(t.encode() in Path(ct_small_path).read_bytes() for t in identifying), "the search finds them before"
assert {"CompressedSamples^CT1", "JFK IMAGING CENTER", "ABCD1234", "19970430"} <= set(identifying)
assert leaks == [], f"no identifying value may remain in the written file: {leaks}"
assert deid.PatientIdentityRemoved == "YES" and not any(e.tag.is_private for e in deid.iterall())
np.testing.assert_array_equal(hd.pixels(hd.read(deid_path)), hd.pixels(original))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What a tag-based method misses
# The profile only changes *attributes*. Ultrasound machines, screenshots and scanned documents often write text
# **into the pixels** ("burned-in annotation"). The real power-Doppler ultrasound image of pydicom-data shows the
# hospital's name in its top-left corner: `deidentify` removes (0008,0080) *Institution Name* from the header,
# warns about the modality, and leaves the pixels as they were.

# %% slideshow={"slide_type": "fragment"}
us = headers["US Doppler"]
with warnings.catch_warnings(record=True):  # the warning is shown below, as the result's flag
    warnings.simplefilter("always")
    us_result = hd.deidentify(us, salt="course-demo")
us_pixels = hd.pixels(us_result.dataset)
print("Institution Name before:", us.InstitutionName, "| after:", us_result.dataset.get("InstitutionName", "—"))
print("Flag:", us_result.flags[0].split(": ", 1)[1])

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the de-identified power-Doppler ultrasound image (real, a lymph node) with an orange frame around its
# top-left corner, and a zoom on that corner where the hospital name "BAPTIST MED CTR" is still written in white.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained", width_ratios=[1.35, 1])
viz.render_image(axes[0], us_pixels)
axes[0].add_patch(plt.Rectangle((0, 0), 200, 100, fill=False, ec="#E69F00", lw=2))
axes[0].set_title("After tag-based de-identification")
viz.render_image(axes[1], us_pixels[:100, :200])
axes[1].set_title("Zoom: the hospital's name is in the pixels")
plt.show()

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert "InstitutionName" not in us_result.dataset and us_result.flags, "the tag is gone and the risk is flagged"
np.testing.assert_array_equal(us_pixels, hd.pixels(us))  # a tag-based method never touches the pixels
assert np.all(us_pixels[:100, :200] == 255, axis=-1).sum() > 300, "white text remains in the corner"

# %% [markdown] slideshow={"slide_type": "fragment"}
# Text in pixels needs the pixels to be checked: by eye, by text detection (OCR), or by blanking known regions.
# **Faces** are harder still: a 3D CT or MRI of the head contains the face, and a surface rendering rebuilds it.
# Schwarz et al. ([letter in the *New England Journal of Medicine*, October 2019](https://doi.org/10.1056/NEJMc1908881))
# matched face reconstructions from
# research MRI scans to photographs of 70 of 84 volunteers (83 %) with commercial face-recognition software.
# "De-facing" software removes or replaces the face voxels, but it alters the image and can change automated brain
# measurements, and it is not airtight: after popular de-facing tools, 28–38 % of 157 scans could still be matched
# (Schwarz et al., [*NeuroImage* 2021;231:117845](https://doi.org/10.1016/j.neuroimage.2021.117845)).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A face in a head MRI, and what de-facing removes
# The MNI152 template of §8 is skull-stripped: its non-zero voxels fill about 1.9 litres, a brain, against about
# 3.9 litres inside the skin of the head below (checked below). It has no face to show. A template that keeps the
# face ships with the de-facing tool [pydeface](https://github.com/poldracklab/pydeface): `mean_reg2mean.nii.gz`,
# an average T1-weighted head that pydeface registers to each scan, with the mask of the face region it then
# removes. An average face is nobody's, but it is what every head MRI contains. We draw its skin surface with
# marching cubes ([Lorensen and Cline 1987](https://doi.org/10.1145/37402.37422)) at 2 mm, then de-face it with
# **Quickshear** ([Schimke, Kuehler and Hale 2011](https://doi.org/10.1007/978-3-642-22348-8_26)): in the side
# view of a brain mask, the first edge of the mask's lower convex hull, under the frontal lobe, is lowered by 10
# voxels (about 20 mm) and becomes a plane; every voxel below it, on the face side, is set to zero.

# %% slideshow={"slide_type": "fragment"}
head_t1, face_region, head_spacing = deface.load_head_template()  # (z, y, x), ~2 mm; pydeface's face region
head_brain = deface.brain_mask(head_t1, head_spacing)  # rough: threshold, erode 10 mm, largest piece, regrow
kept = deface.quickshear_keep(head_brain, buffer_voxels=10)  # False below the Quickshear plane
defaced = head_t1 * kept
in_head = head_t1 > 0.1  # inside the skin (the surface's iso-level)
skin, skin_triangles = deface.head_surface(head_t1, head_spacing, level=0.1)
skin_after, skin_after_triangles = deface.head_surface(defaced, head_spacing, level=0.1)
removed = pd.Series({"head voxels removed (%)": 100 * (in_head & ~kept).sum() / in_head.sum(),
                     "skin surface removed (%)": 100 * deface.surface_removed(skin, skin_triangles, kept, head_spacing),
                     "pydeface's face region removed (%)": 100 * (face_region & in_head & ~kept).sum()
                     / (face_region & in_head).sum(),
                     "brain voxels removed": int((head_brain & ~kept).sum()),
                     "closest removed voxel to the brain (mm)":
                     ndimage.distance_transform_edt(~head_brain, sampling=head_spacing)[~kept].min()})
removed.round(1)

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* left, the skin surface of pydeface's average head template (real MRI, averaged) with its face; middle,
# the same surface after the Quickshear cut; right, the middle sagittal slice with the rough brain mask (outline)
# and the removed region (shaded), anterior to the right.

# %% slideshow={"slide_type": "fragment"}
fig = plt.figure(figsize=(12, 4.2), layout="constrained")
deface.render_surface(fig.add_subplot(1, 3, 1, projection="3d"), skin, skin_triangles, title="Head MRI: a face")
deface.render_surface(fig.add_subplot(1, 3, 2, projection="3d"), skin_after, skin_after_triangles,
                      title="After Quickshear de-facing")
ax = fig.add_subplot(1, 3, 3)
middle_x = head_t1.shape[2] // 2
extent = (0, head_t1.shape[1] * head_spacing[1], 0, head_t1.shape[0] * head_spacing[0])  # y, z in mm
ax.imshow(head_t1[:, ::-1, middle_x], cmap="gray", origin="lower", extent=extent)  # anterior to the right
ax.imshow(np.ma.masked_where(kept[:, ::-1, middle_x], np.ones_like(head_t1[:, :, 0])), cmap="autumn", alpha=0.35,
          origin="lower", extent=extent)
ax.contour(head_brain[:, ::-1, middle_x], levels=[0.5], colors="#56B4E9", linewidths=1, origin="lower", extent=extent)
ax.set(xlabel="posterior → anterior (mm)", ylabel="inferior → superior (mm)", title="Removed (shaded), brain (outline)")
plt.show()

# %% slideshow={"slide_type": "skip"} tags=["check"]
litres = {"MNI152 T1, non-zero": (t1 > 0.05).sum() * np.prod(t1_meta.spacing_mm) / 1e6,
          "pydeface head, inside the skin": in_head.sum() * np.prod(head_spacing) / 1e6}
assert litres["MNI152 T1, non-zero"] < 0.6 * litres["pydeface head, inside the skin"], "MNI152: a brain, no head"
assert (defaced[~kept] == 0).all() and removed["brain voxels removed"] == 0, "the cut zeroes the face side only"
assert removed["closest removed voxel to the brain (mm)"] > 5, "a margin (the 20 mm buffer is vertical)"
assert removed["pydeface's face region removed (%)"] > 75, "most of what pydeface calls the face is gone"
assert 15 < removed["skin surface removed (%)"] < 30 and removed["head voxels removed (%)"] < 15  # "a fifth"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Blank the burned-in text: make `masked`, a copy of `us_pixels` whose rows 0–99 are black, write it as a new DICOM
# file with `hd.write(..., like=us_result.dataset)` and read its pixels back into `masked_back`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
masked = us_pixels.copy()  # your turn: black out rows 0-99, then write `masked` as a DICOM file
masked_back = None  # your answer: the pixels read back from that file, an array shaped like us_pixels
check("02-burned-in")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 02-burned-in
masked = us_pixels.copy()
masked[:100] = 0
hd.write(workdir / "us_masked.dcm", masked, like=us_result.dataset, description="burned-in text blanked")
masked_back = hd.pixels(hd.read(workdir / "us_masked.dcm"))
assert not np.any(np.all(masked_back[:100] == 255, axis=-1)) and np.array_equal(masked_back[100:], us_pixels[100:])
masked_back.shape

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10 · Writing a new DICOM file
# Results of an analysis (a processed image, a mask, a heat map) can go back into DICOM so that any viewer or PACS
# can show them next to the original. `hd.write` makes a **Secondary Capture** object (DICOM's general-purpose
# class for images made outside a scanner, such as screenshots or processed images;
# [PS3.3 C.8.6](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.8.6.html)): zero preamble, `DICM`, the
# file meta group, the pixel module. With `like=`, it joins the source's study as a new series and references the
# source image. Here: the abdominal CT in HU, anterior up, with the soft-tissue window as its default display.

# %% slideshow={"slide_type": "fragment"}
derived = np.round(ct).astype(np.int16)  # HU as integers: no rescale needed when reading it back
out_path = workdir / "ct_abdomen_hu.dcm"
hd.write(out_path, derived, like=sample_path("ct_abdomen"), spacing_mm=ct_meta.spacing_mm,
         window=presets["soft tissue"], description="CT in HU, anterior up (course notebook 02)")
print(hd.hexdump(out_path, 0x90, offset=0x70))

# %% slideshow={"slide_type": "fragment"}
back = hd.read(out_path)
source = cts["CT abdomen"]
hd.summary_table({"source CT": source, "written": back}).loc[
    ["Modality", "SOPClassName", "TransferSyntaxName", "Rows", "BitsStored", "PixelRepresentation", "PixelSpacing",
     "RescaleIntercept", "WindowCenter", "WindowWidth"]]

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure:* the abdominal CT slice read back from the newly written file, displayed with the window stored in its
# own header (W400 L50); axes in mm.

# %% slideshow={"slide_type": "fragment"}
fig, ax = plt.subplots(figsize=(6, 4.8), layout="constrained")
viz.show_image(hd.pixels(back), spacing_mm=[float(v) for v in back.PixelSpacing], axes=ax, colorbar=True, units="HU",
               window=(float(back.WindowCenter), float(back.WindowWidth)), title="Read back from the new file")
plt.show()

# %% slideshow={"slide_type": "skip"} tags=["check"]
np.testing.assert_array_equal(hd.pixels(back), derived)
assert out_path.read_bytes()[:132] == b"\x00" * 128 + b"DICM"
assert back.StudyInstanceUID == source.StudyInstanceUID and back.SeriesInstanceUID != source.SeriesInstanceUID
assert back.SourceImageSequence[0].ReferencedSOPInstanceUID == source.SOPInstanceUID
assert back.SOPClassUID.name == "Secondary Capture Image Storage"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# Write the first 10 frames of the echo's luminance (`luma[:10]`, uint8) as **one** multi-frame file, read it back
# and store the decoded frames in `frames_back`. Which SOP class did `hd.write` choose (`sop_name`)?

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
frames_back = None  # your answer: the decoded frames read back from your file
sop_name = None  # your answer: the name (a string) of the SOP class of your file
check("02-multiframe-write")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 02-multiframe-write
hd.write(workdir / "echo_10_frames.dcm", np.ascontiguousarray(luma[:10]), modality="US", description="Y, 10 frames")
frames_ds = hd.read(workdir / "echo_10_frames.dcm")
frames_back, sop_name = hd.pixels(frames_ds), frames_ds.SOPClassUID.name
assert frames_ds.NumberOfFrames == 10 and np.array_equal(frames_back, luma[:10])
sop_name

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 11 · DICOM vs NIfTI
# Research tools (FSL, SPM, FreeSurfer, nilearn) mostly use **NIfTI**: one file per volume, a fixed 348-byte header,
# the voxel array, and one 4 × 4 **affine** mapping voxel indices (i, j, k) to millimetres
# ([`nifti1.h`, the format's definition](https://nifti.nimh.nih.gov/pub/dist/src/niftilib/nifti1.h)). Two conventions differ
# from DICOM: NIfTI's world axes are **RAS+** (x increases towards the patient's Right, y Anterior, z Superior),
# DICOM's are **LPS** (Left, Posterior, Superior); and NIfTI arrays are indexed (i, j, k), usually x first, while
# ours are (z, y, x).
#
# The header is fixed but not closed. After its 348 bytes, a 4-byte *extender* can announce **header extensions**:
# blocks of any length, each tagged with a code (`ecode`); code 2 holds DICOM attributes, so a converter can keep
# the original DICOM header inside the NIfTI file ([`nifti1.h`](https://nifti.nimh.nih.gov/pub/dist/src/niftilib/nifti1.h)). **NIfTI-2** carries the same fields but
# stores the dimensions as 64-bit integers, lifting NIfTI-1's limit of 32,767 voxels per axis
# ([NIfTI-2 format page](https://nifti.nimh.nih.gov/nifti-2/index_html)). Converting our series volume with nibabel:

# %% slideshow={"slide_type": "fragment"}
to_xyz = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]])  # NIfTI (i, j, k) = our (x, y, z)
affine = np.diag([-1, -1, 1, 1]) @ vol.affine @ to_xyz  # LPS -> RAS+
nifti_path = workdir / "mni_series.nii.gz"
nib.save(nib.Nifti1Image(vol.array.transpose(2, 1, 0), affine), nifti_path)
img = nib.load(nifti_path)
hdr = img.header
print(f"header: {int(hdr['sizeof_hdr'])} bytes, dim {hdr['dim'][1:4]}, pixdim {hdr['pixdim'][1:4]} mm, "
      f"data type {hdr.get_data_dtype()}, sform code {int(hdr['sform_code'])}, axes {nib.aff2axcodes(img.affine)}")
img.affine.round(3)

# %% [markdown] slideshow={"slide_type": "fragment"}
# Nothing about the patient, the study or the acquisition is kept (apart from an optional 80-character
# description): good for privacy, bad for provenance. What remains is geometry, and it must agree with DICOM's.
# The affine says the array axes run towards the patient's Left, Posterior and Superior (`('L', 'P', 'S')`).
#
# *Figure:* bytes on disk for the same volume as 48 DICOM files (a full header in every file) and as one NIfTI
# file, uncompressed and gzip-compressed.

# %% slideshow={"slide_type": "fragment"}
nib.save(img, workdir / "mni_series.nii")
dicom_total = sum(f.stat().st_size for f in files)
dicom_pixels = vol.array.size * 2  # uint16
on_disk = pd.DataFrame({"header / metadata": [dicom_total - dicom_pixels, 352, np.nan],
                        "pixel data": [dicom_pixels, (workdir / "mni_series.nii").stat().st_size - 352, np.nan],
                        "compressed file": [np.nan, np.nan, nifti_path.stat().st_size]},
                       index=[f"DICOM ({len(files)} files)", "NIfTI .nii", "NIfTI .nii.gz"]) / 1024
ax = on_disk.plot.barh(stacked=True, figsize=(8, 2.6), colormap="cividis")
ax.set(xlabel="KiB on disk", title="One brain volume: DICOM series vs NIfTI")
on_disk.round(1)

# %% slideshow={"slide_type": "skip"} tags=["check"]
assert int(hdr["sizeof_hdr"]) == 348 and tuple(float(v) for v in hdr["pixdim"][1:4]) == vol.spacing_mm[::-1]
np.testing.assert_array_equal(np.asanyarray(img.dataobj).transpose(2, 1, 0), vol.array)
for z, y, x in [(0, 0, 0), (20, 58, 49), (47, 116, 98)]:  # same voxel, same point in mm (RAS) both ways
    np.testing.assert_allclose(img.affine @ [x, y, z, 1], t1_meta.extra["affine_zyx"] @ [keep[z], y, x, 1], atol=1e-3)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Try it
# The MNI152 space puts (0, 0, 0) mm near the anterior commissure, a landmark in the middle of the brain. Which
# voxel (i, j, k) of our NIfTI file is at world point (0, 0, 0)? Use the inverse of `img.affine`, round to
# integers, and store the tuple in `origin_voxel`.

# %% slideshow={"slide_type": "fragment"} tags=["exercise"]
origin_voxel = None  # your answer: the voxel indices (i, j, k) at (0, 0, 0) mm, integers
check("02-origin-voxel")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# %%solution 02-origin-voxel
ijk = np.linalg.inv(img.affine) @ [0, 0, 0, 1]
origin_voxel = tuple(int(round(v)) for v in ijk[:3])
assert np.allclose(ijk[:3], origin_voxel, atol=0.51) and all(0 < v < n for v, n in zip(origin_voxel, img.shape))
np.testing.assert_allclose(img.affine @ [*origin_voxel, 1], [0, 0, 0, 1], atol=2.0)  # within one voxel
origin_voxel

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
# - A DICOM file is a 128-byte preamble, `DICM`, the file meta group 0002 (always explicit VR little endian; it
#   names the transfer syntax) and a data set of elements, each a tag, a VR, a length and a value (§1 Bytes first).
# - Elements have keywords, VRs and VMs; odd groups are private and start with a private creator; sequences nest
#   whole data sets inside an element (§2 Elements, tags, VRs and sequences).
# - The header carries pixel depth, photometric interpretation, spacing, modality and acquisition parameters, and
#   real files carry quirks: zero *Pixel Spacing*, ultrasound spacing in centimetres valid only inside its region.
#   Spacing is the sampling grid, not the resolution: the point-spread function decides which details separate;
#   radiographs give the detector's *Imager Pixel Spacing* (§3 The header across modalities).
# - Stored integers become physical values through the Modality LUT (CT: HU, air −1000); padding values mark
#   pixels that are not tissue (§4 Pixel data).
# - The window (VOI LUT) decides what you see; the standard's LINEAR function differs from the textbook formula by
#   half a unit (§5 Window and level).
# - One object can hold a whole cine with its frame time, and a compressed transfer syntax may be lossless or lossy;
#   the header says which (§6 Multi-frame, §7 Compressed transfer syntaxes).
# - A series becomes a volume by sorting on *Image Position (Patient)* along the normal of *Image Orientation
#   (Patient)*, with the spacing from the positions, not from file names (§8 From a series of files to a 3D volume).
# - The PS3.15 profile cleans the header provably but not text in the pixels, and no tag touches a face: a head
#   MRI holds one, and a de-facing cut such as Quickshear removes it, with a fifth of the skin surface; `hd.write`
#   makes new DICOM objects, and NIfTI keeps only the array and one affine in RAS+ instead of LPS (§9
#   De-identification, §10 Writing a new DICOM file, §11 DICOM vs NIfTI).
#
# **Next:** open **03_tasks.ipynb**: what we want to do with these images (segmentation, registration,
# classification, ...), and why medical image data makes it hard.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check your understanding
# 1. Why can a reader always parse group 0002, whatever the transfer syntax of the file? What would go wrong if the
#    file meta group were written in the data set's own transfer syntax?
# 2. Two CT files store room air as two very different numbers. Why are stored values of two CT files not
#    comparable, and which attributes make them comparable?
# 3. Why must slices be sorted by position rather than by file name or *Instance Number*? When the slices are
#    tilted (oblique *Image Orientation (Patient)*), which number do you sort on?
# 4. Name two kinds of identifying information that survive a perfect header de-identification, and one way to
#    deal with each.
# 5. A CT file has *Bits Stored* 12, *Pixel Representation* 0, slope 1 and intercept −1024. Which HU range can it
#    hold? What happens to a metal implant of about +6000 HU?
# 6. In the brain window (W80 L40), how many HU does one of a screen's 256 grey levels span? Why does the lossy
#    JPEG 2000 head CT of §7 look ruined in the brain window when its errors would hardly show in a bone window?
# 7. The Basic Profile replaces UIDs *consistently* (action U) instead of deleting them or drawing a new random
#    one in every file. What would break with either alternative?
# 8. Why does `hd.deidentify` remove every private element, although some hold useful acquisition parameters?
# 9. The echo cine of §6 repeats a frame every 16–17 frames. If you estimated how fast the heart wall moves from
#    the difference between consecutive frames, what would those repeats do to your estimate?
# 10. A converter from DICOM (LPS) to NIfTI (RAS+) forgets to flip the x axis only. What is wrong in the NIfTI
#     file, and why could nobody notice it on a normal brain?

# %% [markdown] jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# **Answers**
# 1. The standard fixes the encoding of group 0002: explicit VR little endian, always. A reader that knows only that
#    one encoding can read the *Transfer Syntax UID* and then switch to the right decoder for the rest. If group 0002
#    used the data set's syntax, the reader would need the transfer syntax to read the element that names it.
# 2. The stored value is whatever integer the scanner chose to write; *Rescale Slope* and *Rescale Intercept* (the
#    Modality LUT) map it to HU. Vendors pick different intercepts (0, −1024, ...) and signed or unsigned storage, so
#    only `slope × stored + intercept` is comparable (and then air is about −1000 HU in both).
# 3. Names and instance numbers are set by software and can follow acquisition order, reconstruction order or
#    nothing at all (as in §8). The anatomy is in *Image Position (Patient)*. For tilted slices, take the normal
#    n = row direction × column direction from *Image Orientation (Patient)* and sort on n · IPP, the distance
#    along the normal; the differences of those values are the slice spacing.
# 4. Text burned into the pixels (names, hospital, dates on ultrasound or screenshots): check the pixels, by eye or
#    OCR, or blank known regions (as in the §9 Try it). Faces in 3D head CT or MRI: de-face the volume, knowing
#    that it alters the image and is not airtight. (Others: free text in descriptions that the profile keeps or
#    only cleans, a rare anatomy or implant that one person in the data set has.)
# 5. 12 unsigned bits store 0 to 4095, so −1024 to +3071 HU. The implant is clipped to +3071 HU: its true value is
#    lost, and metal, dense bone and contrast can no longer be told apart at the top of the scale.
# 6. 80 HU / 256 ≈ 0.3 HU per grey level. The lossy file's mean error is tens of HU, a large part of the whole
#    80-HU brain window, so grey and white matter (a few HU apart) merge. In an 1800-HU bone window the same error
#    is 1–2 % of the range, a few grey levels.
# 7. Deleting UIDs would leave objects that no viewer or archive can group into series and studies, and the
#    references between objects (*Source Image Sequence*, a SEG pointing to its CT) would dangle. A new random UID
#    per file would split one series into as many series as files and break the same references. A consistent,
#    salted replacement keeps every relation and still cannot be traced back without the salt.
# 8. Private elements have no public dictionary: a program cannot know which of them hold names, IDs or dates, and
#    vendors do store such things there. Removing them all is the only safe default; keeping known-safe ones needs
#    a per-vendor list (the profile's *Retain Safe Private* option).
# 9. A repeated frame shows zero motion; the next frame then shows two frames' worth of motion. The estimate drops
#    to zero and jumps to double at each repeat, and the header's 30 frames per second overstates the real rate of
#    new images. Drop the repeats and use the true times between new images.
# 10. The image is mirrored left to right: the patient's left appears as their right. A normal brain is nearly
#     symmetric, so the picture looks fine; the error shows only with a lateral landmark (a lesion, a marker, a
#     side label), which then sits on the wrong side. This is why orientation is tested with asymmetric data.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
# - Mildenberger, Eichelberg and Martin, [Introduction to the DICOM standard](https://doi.org/10.1007/s003300101100)
#   (*Eur Radiol* 2002): the information model and services around the file format taught here.
# - Larobina and Murino, [Medical image file formats](https://doi.org/10.1007/s10278-013-9657-9) (*J Digit Imaging*
#   2014): Analyze, NIfTI, MINC and DICOM compared on pixel depth, photometric interpretation and metadata.
# - [DICOM PS3.5, Section 7: the data set](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part05/chapter_7.html):
#   the encoding rules; read it next to the hex dump of §1.
# - [DICOM PS3.3 C.11.2: the VOI LUT module](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.11.2.html):
#   the display pipeline after the Modality LUT, with the exact window functions.
# - [DICOM PS3.15 Annex E](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part15/chapter_E.html): the full
#   de-identification table and its options (retain dates, safe private attributes, clean pixel data).
# - Schwarz et al., [Changing the face of neuroimaging research](https://doi.org/10.1016/j.neuroimage.2021.117845)
#   (*NeuroImage* 2021): how well de-facing protects, measured with face recognition.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## References
# - [Buzug 2008](https://doi.org/10.1007/978-3-540-39408-2): *Computed Tomography*, typical CT numbers of tissues (§4, §5).
# - [Chilamkurthy et al. 2018](https://doi.org/10.1016/S0140-6736(18)31645-3): the CQ500 head-CT collection (§2).
# - [DICOM PS3.3 §10.7.1.1](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_10.7.html): Pixel Spacing vs Imager Pixel Spacing in projection radiography (§3).
# - [DICOM PS3.3 C.7.6.2](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.2.html): Image Plane Module, IPP, IOP, Pixel Spacing, LPS (§3, §8).
# - [DICOM PS3.3 C.7.6.3](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.7.6.3.html): Image Pixel Module, bits, photometric interpretation, YBR (§3, §6).
# - [DICOM PS3.3 C.8.1.2](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.8.html#sect_C.8.1.2): CR Image Module, Imager Pixel Spacing (0018,1164) (§3).
# - [DICOM PS3.3 C.8.5.5](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.8.5.5.html): US Region Calibration Module (§3).
# - [DICOM PS3.3 C.8.6](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.8.6.html): Secondary Capture modules (§10).
# - [DICOM PS3.3 C.11.1](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.11.html#sect_C.11.1): Modality LUT, rescale slope and intercept (§4).
# - [DICOM PS3.3 C.11.2](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part03/sect_C.11.2.html): VOI LUT, window functions (§3, §5).
# - [DICOM PS3.4 B.5](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part04/sect_B.5.html): standard storage SOP classes (§3).
# - [DICOM PS3.5 §6.2](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part05/sect_6.2.html): value representations (§1).
# - [DICOM PS3.5 §7](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part05/chapter_7.html): data set and data element structure (§1).
# - [DICOM PS3.5 §9](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part05/chapter_9.html): unique identifiers (UIDs) (§1).
# - [DICOM PS3.5 §10](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part05/chapter_10.html): transfer syntaxes (§1, §7).
# - [DICOM PS3.6 Annex A](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part06/chapter_A.html): registry of UIDs, transfer syntaxes (§7).
# - [DICOM PS3.10 §7](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part10/chapter_7.html): the DICOM file format: preamble, `DICM`, file meta information (§1).
# - [DICOM PS3.15 Annex E](https://dicom.nema.org/medical/dicom/2024b/output/chtml/part15/chapter_E.html): attribute confidentiality profiles (§9).
# - [Elster, *Questions and Answers in MRI*: TR and TE](https://mriquestions.com/image-contrast-trte.html): image contrast and weighting (§3).
# - [Fonov et al. 2011](https://doi.org/10.1016/j.neuroimage.2010.07.033): the MNI152 2009 templates (§8).
# - [Hounsfield 1973](https://doi.org/10.1259/0007-1285-46-552-1016): computerized transverse axial scanning (§4).
# - [Larobina and Murino 2014](https://doi.org/10.1007/s10278-013-9657-9): medical image file formats (further reading).
# - [Lorensen and Cline 1987](https://doi.org/10.1145/37402.37422): marching cubes, the surface of a volume (§9).
# - [Mildenberger et al. 2002](https://doi.org/10.1007/s003300101100): introduction to the DICOM standard (further reading).
# - [Moses 2011](https://doi.org/10.1016/j.nima.2010.11.092): fundamental limits of spatial resolution in PET (§3).
# - [NIfTI-1 header definition, `nifti1.h`](https://nifti.nimh.nih.gov/pub/dist/src/niftilib/nifti1.h): 348-byte header, affine, RAS+, header extensions (§11).
# - [NIfTI-2 format page](https://nifti.nimh.nih.gov/nifti-2/index_html): 64-bit dimensions (§11).
# - [pydeface](https://github.com/poldracklab/pydeface): de-facing tool; its average head template and face mask (§9).
# - [Radiopaedia, *Windowing (CT)*](https://radiopaedia.org/articles/windowing-ct): window width and level presets (§5).
# - [Rorden et al., NiiVue](https://github.com/niivue/niivue): the WebGL viewer of the 3D view (§8).
# - [Schimke, Kuehler and Hale 2011](https://doi.org/10.1007/978-3-642-22348-8_26): Quickshear de-facing (§9).
# - [Schwarz et al. 2019](https://doi.org/10.1056/NEJMc1908881): face recognition of research MRI participants (§9).
# - [Schwarz et al. 2021](https://doi.org/10.1016/j.neuroimage.2021.117845): de-facing compared (§9).
# - [Wang 2018](https://doi.org/10.4236/ijmpcero.2018.74045): clinical PET resolution of 4–5 mm (§3).
