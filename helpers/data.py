"""Catalogue of real medical images shipped inside installed Python packages.

Every sample is a real file from ``pydicom``, ``pydicom-data``, ``scikit-image``, ``nibabel`` or ``nilearn``;
nothing is downloaded and nothing is simulated. ``load_sample(name)`` returns the pixel array and a
:class:`SampleMeta` with spacing (mm), units, modality, source file, licence and citation. The sha256 of the
source file is checked on every first load; a missing package, a missing file or a changed file raises an
error that names the pip package to (re)install. Nothing is ever replaced by a substitute.

Conventions
-----------
* **Axes** are named by ``meta.axes``: ``"yx"`` (2D), ``"yxc"`` (RGB), ``"zyx"`` (volume), ``"tyxc"``
  (colour cine), ``"tzyx"`` (4D time series). ``meta.spacing_mm`` has one entry per *spatial* axis in that
  order (``None`` where the file does not say).
* **Volumes** (NIfTI) are reoriented with their affine so that
  z runs inferior → superior (index 0 = feet side),
  y runs anterior → posterior (row 0 = anterior: ``imshow`` of an axial slice puts the nose at the top),
  x runs patient right → patient left (column 0 = the patient's right: radiological convention).
  ``meta.extra["affine_zyx"]`` maps ``(z, y, x, 1)`` indices to RAS+ world millimetres.
* **Axial DICOM slices** are returned in the same in-plane convention: when (0020,0037) Image Orientation
  (Patient) says the stored rows or columns run the other way, the array is flipped and
  ``meta.extra["flipped_axes"]`` records which axes were flipped.
* **CT** arrays are Hounsfield units (float32): the modality LUT, (0028,1053) Rescale Slope and (0028,1052)
  Rescale Intercept, is applied (PS3.3 C.11.1). Other DICOM arrays are stored values; MONOCHROME1 images are
  *not* inverted (``meta.photometric`` says so; :mod:`helpers.viz` inverts for display). Colour DICOM is
  returned as RGB (``meta.extra["stored_photometric"]`` keeps the file's value).
* **Lossless versions**: pydicom-data ships each WG04 test image twice uncompressed: ``*_UNCR`` (decoded from the
  reversible JPEG 2000, i.e. the original pixels) and ``*_UNCI`` (decoded from a lossy, 10:1 to 339:1, JPEG 2000;
  its header says (0028,2110) Lossy Image Compression = 01). The catalogue uses the ``_UNCR`` files, so students
  see the images without compression artefacts (the 693 head CT differs by 63 HU on average between the two).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import importlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "SampleMeta",
    "UnknownSampleError",
    "MissingPackageError",
    "ChecksumError",
    "load_sample",
    "list_samples",
    "sample_names",
    "sample_path",
    "sha256_file",
    "nifti_to_zyx",
    "resample_to_spacing",
    "CHECKED_VERSIONS",
]


# --------------------------------------------------------------------------------------------------- errors
class UnknownSampleError(KeyError):
    """A sample name that is not in the catalogue (the message lists the valid names)."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0]) if self.args else ""


class MissingPackageError(ImportError):
    """The package (or file) that ships a sample is missing; the message names the pip package to install."""


class ChecksumError(ValueError):
    """A file's sha256 (or md5) differs from the expected value."""


# ------------------------------------------------------------------------------------------------- metadata
@dataclass(frozen=True)
class SampleMeta:
    """Metadata of one catalogue sample (see the module docstring for the axis conventions)."""

    name: str
    title: str
    modality: str
    body_part: str
    axes: str
    shape: tuple[int, ...]
    dtype: str
    spacing_mm: tuple[float | None, ...] | None
    frame_time_ms: float | None
    units: str
    photometric: str
    source_package: str
    source_file: str
    licence: str
    citation: str
    sha256: str
    description: str
    extra: dict = field(default_factory=dict)


# Provenance notes quoted from the packages themselves (pydicom/data/test_files/README.txt, the packages'
# licence files and scikit-image/nilearn docstrings). Where a package says nothing about a file we say so.
_PYDICOM_README = "pydicom/data/test_files/README.txt"
_NO_RESTRICTION = (
    f"{_PYDICOM_README}: 'I believe there is no restriction on using any of these files in this manner'"
)
_WG04 = "NEMA WG04 compressed-image sample set (ftp://medical.nema.org/MEDICAL/Dicom/DataSets/WG04)"
_GDCM_LICENCE = f"from GDCM; {_PYDICOM_README} gives the GDCM BSD-style licence for GDCM datasets"
_MNI_CITATION = (
    "Fonov V, Evans AC, Botteron K, Almli CR, McKinstry RC, Collins DL. Unbiased average age-appropriate "
    "atlases for pediatric studies. NeuroImage 2011;54(1):313-327. doi:10.1016/j.neuroimage.2010.07.033; "
    "Fonov VS, Evans AC, McKinstry RC, Almli CR, Collins DL. Unbiased nonlinear average age-appropriate "
    "brain templates from birth to adulthood. NeuroImage 2009;47(Suppl 1):S102. "
    "doi:10.1016/S1053-8119(09)70884-5"
)
_MNI_LICENCE = (
    "nilearn (BSD-3-Clause) ships it; nilearn's dataset description (icbm152_2009.rst) says 'License: "
    "unknown'; upstream terms: see http://www.bic.mni.mcgill.ca/ServicesAtlases/ICBM152NLin2009"
)


@dataclass(frozen=True)
class _Entry:
    """Static catalogue row: everything known before the file is read."""

    name: str
    title: str
    modality: str
    body_part: str
    axes: str
    shape: tuple[int, ...]
    dtype: str
    spacing_mm: tuple[float | None, ...] | None
    frame_time_ms: float | None
    units: str
    photometric: str
    source_package: str  # pip name
    import_name: str  # module whose folder holds the file
    relpath: str  # path of the file inside that folder
    licence: str
    citation: str
    sha256: str
    description: str
    loader: str  # "dicom", "mni", "nibabel4d", "skimage"
    options: dict = field(default_factory=dict)
    decoder_packages: str = ""  # pip packages needed to decode compressed pixel data

    @property
    def source_file(self) -> str:
        return f"{self.import_name}/{self.relpath}"


def _dicom_entry(
    name,
    title,
    modality,
    body_part,
    axes,
    shape,
    dtype,
    spacing,
    units,
    photometric,
    *,
    pkg,
    fname,
    licence,
    citation,
    sha256,
    description,
    frame_time_ms=None,
    decoder_packages="",
    **options,
) -> _Entry:
    import_name, reldir = ("data_store", "data") if pkg == "pydicom-data" else ("pydicom", "data/test_files")
    return _Entry(
        name,
        title,
        modality,
        body_part,
        axes,
        shape,
        dtype,
        spacing,
        frame_time_ms,
        units,
        photometric,
        pkg,
        import_name,
        f"{reldir}/{fname}",
        licence,
        citation,
        sha256,
        description,
        "dicom",
        options,
        decoder_packages,
    )


def _mni_entry(name, title, which, units, dtype, fname, sha256, description) -> _Entry:
    return _Entry(
        name=name,
        title=title,
        modality="MR",
        body_part="brain",
        axes="zyx",
        shape=(95, 117, 99),
        dtype=dtype,
        spacing_mm=(2.0, 2.0, 2.0),
        frame_time_ms=None,
        units=units,
        photometric="n/a",
        source_package="nilearn",
        import_name="nilearn",
        relpath=f"datasets/data/{fname}",
        licence=_MNI_LICENCE,
        citation=_MNI_CITATION,
        sha256=sha256,
        description=description,
        loader="mni",
        options={"which": which},
    )


# Package versions whose files the sha256 values below were taken from (a newer release may change a file).
CHECKED_VERSIONS: dict[str, str] = {
    "pydicom": "3.0.2",
    "pydicom-data": "1.0.0",
    "nilearn": "0.14.1",
    "nibabel": "5.4.2",
    "scikit-image": "0.26.0",
}

_T1_FILE = "mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz"
_T1_SHA = "421a10e872fd6cadae7f61d358dffbcc1795a497d61ee76c5dda2503e1a1e9e6"

_ENTRIES: tuple[_Entry, ...] = (
    _dicom_entry(
        name="xray_chest",
        title="Chest radiograph, PA (CR, 1955×1841)",
        modality="CR",
        body_part="chest",
        axes="yx",
        shape=(1955, 1841),
        dtype="uint16",
        spacing=None,
        units="a.u. (stored values, 15 bits)",
        photometric="MONOCHROME1",
        pkg="pydicom-data",
        fname="RG1_UNCR.dcm",
        licence=f"pydicom-data package: MIT; {_NO_RESTRICTION}",
        citation=f"RG1 from the {_WG04}; via pydicom-data",
        sha256="946f28f48b9fbf360196a9b835c8fce83b0c654bf85a5107663c8a61df02e498",
        description="A real posteroanterior chest radiograph (computed radiography, 150 kVp). MONOCHROME1: "
        "low stored values are bright, so bone is dark until the display inverts it. The header's "
        "(0028,0030) Pixel Spacing is 0.000, so the pixel size is unknown.",
    ),
    _dicom_entry(
        name="xray_tibia",
        title="Radiograph of the distal tibia, AP (CR, 1760×1760)",
        modality="CR",
        body_part="lower leg",
        axes="yx",
        shape=(1760, 1760),
        dtype="uint16",
        spacing=None,
        units="a.u. (stored values, 10 bits)",
        photometric="MONOCHROME1",
        pkg="pydicom-data",
        fname="RG3_UNCR.dcm",
        licence=f"pydicom-data package: MIT; {_NO_RESTRICTION}",
        citation=f"RG3 from the {_WG04}; via pydicom-data",
        sha256="6babfc42dd404213e1758d6dbb93648c248783cc23f593103fff4295c3374dfb",
        description="A real AP radiograph of the lower leg; the study description reads 'Non-ossifying "
        "fibroma of distal tibia'. MONOCHROME1, no pixel spacing in the header.",
    ),
    _dicom_entry(
        name="ct_head",
        title="CT head, axial slice (512×512)",
        modality="CT",
        body_part="head",
        axes="yx",
        shape=(512, 512),
        dtype="float32",
        spacing=(0.478516, 0.478516),
        units="HU",
        photometric="MONOCHROME2",
        pkg="pydicom-data",
        fname="693_UNCR.dcm",
        licence="pydicom-data package: MIT; no licence note for this file in the package (see package); "
        "the header's Patient ID 'CQ500-CT-310' points to the CQ500 head-CT collection",
        citation="pydicom regression file for issue #693; via pydicom-data",
        sha256="cc4cdd599231922ecf63de2ddacf03d51c4588805c9154c2eef1ff49c23b32be",
        description="A real non-contrast head CT slice (140 kVp, 5 mm) in Hounsfield units. Pixels outside "
        "the reconstruction circle carry the (0028,0120) Pixel Padding Value (about -3024 HU after rescale); "
        "they are not tissue.",
    ),
    _dicom_entry(
        name="ct_abdomen",
        title="CT abdomen, axial slice (512×512)",
        modality="CT",
        body_part="abdomen (pancreas study)",
        axes="yx",
        shape=(512, 512),
        dtype="float32",
        spacing=(0.859375, 0.859375),
        units="HU",
        photometric="MONOCHROME2",
        pkg="pydicom-data",
        fname="explicit_VR-UN.dcm",
        licence=f"pydicom-data package: MIT; {_PYDICOM_README}: original image from "
        "https://www.cancerimagingarchive.net ('freely available de-identified datasets'); terms: see "
        "package",
        citation="TCIA (header: Institution NIH, 'Pancreas-CT', PANCREAS_0001); pydicom issue #968",
        sha256="28c4a61022d7dbebec97e2f1bbdad0ed097bee2c62727c26a3f3720248c9c6e7",
        description="A real contrast-enhanced abdominal CT slice in Hounsfield units (JPEG 2000 lossless "
        "in the file). The file stores rows posterior-first; the array is flipped so anterior is at the "
        "top.",
        decoder_packages="pylibjpeg pylibjpeg-openjpeg",
    ),
    _dicom_entry(
        name="ct_small",
        title="CT, axial crop through a vertebra (128×128)",
        modality="CT",
        body_part="spine / chest",
        axes="yx",
        shape=(128, 128),
        dtype="float32",
        spacing=(0.661468, 0.661468),
        units="HU",
        photometric="MONOCHROME2",
        pkg="pydicom",
        fname="CT_small.dcm",
        licence=f"pydicom package: MIT; {_NO_RESTRICTION}",
        citation=f"{_PYDICOM_README}: reduced to 128×128 from 'CT1_UNC' of the {_WG04}",
        sha256="3dd31e5cc835b3f2cdd46c9da1982f59251e78518fefa8163d914631c66437d6",
        description="A small real contrast CT image (120 kVp) around a vertebral body, in Hounsfield "
        "units; it contains bone, muscle, fat and the aorta but almost no outside air.",
    ),
    _dicom_entry(
        name="mr_shoulder",
        title="MR shoulder, T1-weighted spin echo (1024×1024)",
        modality="MR",
        body_part="shoulder",
        axes="yx",
        shape=(1024, 1024),
        dtype="uint16",
        spacing=(0.195313, 0.195313),
        units="a.u. (stored values)",
        photometric="MONOCHROME2",
        pkg="pydicom-data",
        fname="MR2_UNCR.dcm",
        licence=f"pydicom-data package: MIT; {_NO_RESTRICTION}",
        citation=f"MR2 from the {_WG04}; via pydicom-data",
        sha256="c14c7f0c6e25bd4dfbb822fe264e540fc7142bf1c9d15d4c652ec8f5f97fa9e8",
        description="A real oblique-coronal T1-weighted spin-echo image of the shoulder (protocol "
        "T1W/SE/1024). Stored values; the header's Rescale Slope/Intercept (type 'US', unspecified) are in "
        "meta.extra.",
    ),
    _dicom_entry(
        name="mr_abdomen_overlay",
        title="MR abdomen, T1 VIBE fat-sat with a marked lesion (484×484)",
        modality="MR",
        body_part="abdomen",
        axes="yx",
        shape=(484, 484),
        dtype="uint16",
        spacing=(0.72314049586777, 0.72314049586777),
        units="a.u. (stored values)",
        photometric="MONOCHROME2",
        pkg="pydicom-data",
        fname="MR-SIEMENS-DICOM-WithOverlays.dcm",
        licence=f"pydicom-data package: MIT; {_GDCM_LICENCE}",
        citation="GDCM test data (Siemens Avanto 1.5 T, 2005); via pydicom-data",
        sha256="094faf56c63bff84c30567e29de0c67d7c5a8ae05cf880ac12175491b6b645d2",
        description="A real contrast-enhanced axial T1 (3D VIBE, fat-suppressed) image of the upper "
        "abdomen; series 'marked lesion'. The 1-bit overlay plane (6000,3000) with the reader's graphics "
        "is in meta.extra['overlay'] (bool, same shape).",
    ),
    _dicom_entry(
        name="mr_enhanced",
        title="Enhanced MR, 10-frame 3D T1 gradient echo (10×64×64)",
        modality="MR",
        body_part="head",
        axes="zyx",
        shape=(10, 64, 64),
        dtype="uint16",
        spacing=(1.2, None, None),
        units="a.u. (stored values)",
        photometric="MONOCHROME2",
        pkg="pydicom-data",
        fname="emri_small.dcm",
        licence="pydicom-data package: MIT; no note for this file in the package (see package)",
        citation="pydicom-data test file emri_small.dcm (Enhanced MR Image Storage)",
        sha256="151233ec63f64ebb63b979df51aa827cd612a53422c073f6ef341770c7bc9a56",
        description="A small real multi-frame Enhanced MR object (3 T, T1TFE). Frames are slices 1.2 mm "
        "apart ((0018,0088)); the functional groups were stripped, so in-plane spacing and orientation are "
        "unknown.",
    ),
    _dicom_entry(
        name="us_echo_cine",
        title="Echocardiography cine, 120 RGB frames (120×480×640×3)",
        modality="US",
        body_part="heart",
        axes="tyxc",
        shape=(120, 480, 640, 3),
        dtype="uint8",
        spacing=(0.5104970559477806, 0.5104970559477806),
        units="RGB uint8",
        photometric="RGB",
        pkg="pydicom-data",
        fname="color3d_jpeg_baseline.dcm",
        licence="pydicom-data package: MIT; no note for this file in the package (see package)",
        citation="pydicom-data test file color3d_jpeg_baseline.dcm (SonoSite)",
        sha256="c8798b8abf8ae0a18e8c9952e7c7f75f3cc8465234b1b63f9e3ba3bebb9d5625",
        description="A real cardiac ultrasound cine loop (SonoSite), 120 frames 33.3 ms apart, stored as "
        "lossy JPEG baseline in YBR_FULL_422 and returned as RGB. Spacing comes from the (0018,6011) "
        "ultrasound region (0.051 cm per pixel) and holds inside that region only.",
        frame_time_ms=33.333,
        decoder_packages="pillow",
    ),
    _dicom_entry(
        name="us_doppler",
        title="Ultrasound with colour Doppler, lymph node (480×640×3)",
        modality="US",
        body_part="lymph node (small parts)",
        axes="yxc",
        shape=(480, 640, 3),
        dtype="uint8",
        spacing=None,
        units="RGB uint8",
        photometric="RGB",
        pkg="pydicom-data",
        fname="US1_UNCR.dcm",
        licence=f"pydicom-data package: MIT; {_NO_RESTRICTION}",
        citation=f"US1 from the {_WG04}; via pydicom-data",
        sha256="af5a66e40cd49d15dfbf7b78c850eba0662bdc7339339c3fa13f123a57e812cb",
        description="A real B-mode ultrasound screen capture (GE LOGIQ 700) with a colour Doppler box over "
        "a lymph node, burned-in text and a scale bar. No ultrasound region or spacing in the header.",
    ),
    _dicom_entry(
        name="nm_bone_scan",
        title="Nuclear medicine whole-body bone scan (1024×256)",
        modality="NM",
        body_part="whole body",
        axes="yx",
        shape=(1024, 256),
        dtype="int16",
        spacing=(2.26, 2.26),
        units="counts",
        photometric="MONOCHROME2",
        pkg="pydicom-data",
        fname="JPEG2000_UNC.dcm",
        licence=f"pydicom-data package: MIT; {_NO_RESTRICTION}",
        citation=f"{_PYDICOM_README}: edited 'NM1_J2KI' from the {_WG04}; uncompressed twin of JPEG2000.dcm",
        sha256="645ff302c7f7ee6c402d74c7c9e3cb5efdb861a828959cc2adc8775a8260688d",
        description="A real whole-body Tc-99m bone scintigram (GE Millennium MG). Pixel values are counts "
        "decoded from an earlier lossy JPEG 2000 step, hence a few small negative values.",
    ),
    _mni_entry(
        name="mri_brain_t1",
        title="MNI152 T1 brain template, 2 mm (95×117×99)",
        which="t1",
        units="a.u. (scaled to 0..1 by its maximum)",
        dtype="float32",
        fname=_T1_FILE,
        sha256=_T1_SHA,
        description="The ICBM152 2009a nonlinear symmetric T1-weighted template (skull-stripped average of "
        "152 adults) as bundled with nilearn, scaled to 0..1 and resampled to 2 mm exactly as "
        "nilearn.datasets.load_mni152_template(resolution=2) does.",
    ),
    _mni_entry(
        name="mri_brain_gm",
        title="MNI152 grey-matter probability map, 2 mm (95×117×99)",
        which="gm",
        units="probability (0..1)",
        dtype="float32",
        fname="mni_icbm152_gm_tal_nlin_sym_09a_converted.nii.gz",
        sha256="97a5ca69bd24db37a9cb7b32525e1733a209af904129bf1cd36da06d24243bed",
        description="Grey-matter probability map of the ICBM152 2009a template, at 2 mm "
        "(as nilearn.datasets.load_mni152_gm_template(resolution=2)).",
    ),
    _mni_entry(
        name="mri_brain_wm",
        title="MNI152 white-matter probability map, 2 mm (95×117×99)",
        which="wm",
        units="probability (0..1)",
        dtype="float32",
        fname="mni_icbm152_wm_tal_nlin_sym_09a_converted.nii.gz",
        sha256="382d92812de4744f9c86c7a0e4f680dc317a0a50e4da1f0153618a6798c7b7db",
        description="White-matter probability map of the ICBM152 2009a template, at 2 mm "
        "(as nilearn.datasets.load_mni152_wm_template(resolution=2)).",
    ),
    _mni_entry(
        name="mri_brain_mask",
        title="MNI152 brain mask, 2 mm (95×117×99)",
        which="mask",
        units="bool",
        dtype="bool",
        fname=_T1_FILE,
        sha256=_T1_SHA,
        description="Whole-brain mask of the ICBM152 template: the 2 mm T1 template above 0.2, as "
        "nilearn.datasets.load_mni152_brain_mask(resolution=2).",
    ),
    _Entry(
        name="fmri_4d",
        title="Functional MRI (EPI), 2 volumes (2×24×96×128)",
        modality="MR",
        body_part="brain",
        axes="tzyx",
        shape=(2, 24, 96, 128),
        dtype="int16",
        spacing_mm=(2.2, 2.0, 2.0),
        frame_time_ms=2000.0,
        units="a.u. (stored values)",
        photometric="n/a",
        source_package="nibabel",
        import_name="nibabel",
        relpath="tests/data/example4d.nii.gz",
        licence="nibabel package: MIT (its COPYING covers 'all examples'); no file-specific note (see "
        "package)",
        citation="nibabel test data example4d.nii.gz (FSL 3.3 NIfTI-1)",
        sha256="42097dfbab9d2a036b41ae5c97a359591cf2cf5c3f8dc6ca6455c0b8a7f22696",
        description="A real echo-planar BOLD fMRI series cut to 2 volumes (24 oblique axial slices). The "
        "header's pixdim[4] is 2000 with time unit 'sec'; 2000 s is impossible for EPI, so it is read as "
        "TR = 2000 ms.",
        loader="nibabel4d",
    ),
    _Entry(
        name="pathology_ihc",
        title="Immunohistochemistry of colonic glands (512×512×3)",
        modality="SM",
        body_part="colon",
        axes="yxc",
        shape=(512, 512, 3),
        dtype="uint8",
        spacing_mm=None,
        frame_time_ms=None,
        units="RGB uint8",
        photometric="n/a",
        source_package="scikit-image",
        import_name="skimage",
        relpath="data/ihc.png",
        licence="skimage.data.immunohistochemistry docstring: 'No known copyright restrictions'",
        citation="Acquired at the Center for Microscopy And Molecular Imaging (CMMI); "
        "skimage.data.immunohistochemistry",
        sha256="f8dd1aa387ddd1f49d8ad13b50921b237df8e9b262606d258770687b0ef93cef",
        description="A real microscopy image of colonic glands: FHL2 protein shown by DAB (brown) "
        "immunostaining with haematoxylin (blue) counterstain. Pixel size is not given.",
        loader="skimage",
        options={"func": "immunohistochemistry"},
    ),
    _Entry(
        name="retina_fundus",
        title="Fundus photograph of a normal left eye (1411×1411×3)",
        modality="OP",
        body_part="eye (retina)",
        axes="yxc",
        shape=(1411, 1411, 3),
        dtype="uint8",
        spacing_mm=None,
        frame_time_ms=None,
        units="RGB uint8",
        photometric="n/a",
        source_package="scikit-image",
        import_name="skimage",
        relpath="data/retina.jpg",
        licence="CC0 1.0 Universal Public Domain Dedication (skimage.data.retina docstring)",
        citation="Häggström M. Medical gallery of Mikael Häggström 2014. WikiJournal of Medicine "
        "2014;1(2). doi:10.15347/wjm/2014.008; skimage.data.retina",
        sha256="38a07f36f27f095e818aea7b96d34202c05176d30253c66733f2e00379e9e0e6",
        description="A real colour fundus photograph of a normal left eye (optic disc, macula, retinal "
        "vessels).",
        loader="skimage",
        options={"func": "retina"},
    ),
    _Entry(
        name="shepp_logan",
        title="Shepp–Logan head phantom (400×400)",
        modality="PHANTOM",
        body_part="head (phantom)",
        axes="yx",
        shape=(400, 400),
        dtype="float64",
        spacing_mm=None,
        frame_time_ms=None,
        units="a.u.",
        photometric="n/a",
        source_package="scikit-image",
        import_name="skimage",
        relpath="data/phantom.png",
        licence="scikit-image package: BSD-3-Clause; no file-specific note (see package)",
        citation="Shepp LA, Logan BF. The Fourier reconstruction of a head section. IEEE Trans Nucl Sci "
        "1974;21(3):21-43. doi:10.1109/TNS.1974.6499235; skimage.data.shepp_logan_phantom",
        sha256="552ff698167aa402cceb17981130607a228a0a0aa7c519299eaa4d5f301ba36c",
        description="The classic mathematical head phantom used to test CT reconstruction (not a patient "
        "image).",
        loader="skimage",
        options={"func": "shepp_logan_phantom"},
    ),
)
_CATALOGUE: dict[str, _Entry] = {e.name: e for e in _ENTRIES}


# ----------------------------------------------------------------------------------------------- public API
def sample_names() -> list[str]:
    """Names of all catalogue samples, in catalogue order.

    Returns
    -------
    list of str
    """
    return list(_CATALOGUE)


def _entry(name: str) -> _Entry:
    if not isinstance(name, str) or name not in _CATALOGUE:
        raise UnknownSampleError(f"unknown sample {name!r}; available samples: {', '.join(_CATALOGUE)}")
    return _CATALOGUE[name]


def _package_dir(import_name: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(import_name)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise MissingPackageError(
            f"the package {pip_name!r} is not installed (needed for this sample); install it with "
            f"`pip install {pip_name}`",
            name=import_name,
        )
    return Path(next(iter(spec.submodule_search_locations)))


def sample_path(name: str) -> Path:
    """Where the source file of a sample lives on disk.

    Parameters
    ----------
    name : str
        Catalogue name (see :func:`sample_names`).

    Returns
    -------
    pathlib.Path
        Absolute path of the file inside its installed package.

    Raises
    ------
    UnknownSampleError
        If `name` is not in the catalogue.
    MissingPackageError
        If the package or the file is missing.
    """
    e = _entry(name)
    path = _package_dir(e.import_name, e.source_package) / e.relpath
    if not path.is_file():
        raise MissingPackageError(
            f"sample {name!r}: file {e.source_file!r} is missing from the installed {e.source_package!r}; "
            f"reinstall it with `pip install --force-reinstall {e.source_package}`",
            name=e.import_name,
            path=str(path),
        )
    return path


def sha256_file(path: str | Path, *, chunk_bytes: int = 1 << 20) -> str:
    """sha256 hex digest of a file, read in chunks.

    Parameters
    ----------
    path : str or pathlib.Path
    chunk_bytes : int, optional
        Read size in bytes.

    Returns
    -------
    str
        64 lowercase hex characters.
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_bytes):
            h.update(block)
    return h.hexdigest()


def _verified_path(e: _Entry) -> Path:
    path = sample_path(e.name)
    digest = sha256_file(path)
    if digest != e.sha256:
        version = CHECKED_VERSIONS[e.source_package]
        raise ChecksumError(
            f"sample {e.name!r}: sha256 of {path} is {digest}, expected {e.sha256}. The file differs "
            f"from the one this catalogue was checked against ({e.source_package} {version}); reinstall it "
            f"with `pip install --force-reinstall {e.source_package}=={version}`"
        )
    return path


def load_sample(name: str) -> tuple[np.ndarray, SampleMeta]:
    """Load a real sample image and its metadata.

    Parameters
    ----------
    name : str
        Catalogue name, e.g. ``"ct_head"``; see :func:`sample_names` or :func:`list_samples`.

    Returns
    -------
    image : ndarray
        Pixel array with the axes in ``meta.axes`` (see the module docstring for orientation); a fresh copy on
        every call, so changing it never changes the next load.
    meta : SampleMeta
        Spacing (mm), units, modality, source, licence, sha256 and file-specific extras.

    Raises
    ------
    UnknownSampleError
        If `name` is not in the catalogue (the message lists the valid names).
    MissingPackageError
        If the package that ships the file (or a pixel-data decoder) is not installed.
    ChecksumError
        If the file's sha256 differs from the catalogue's.

    Examples
    --------
    >>> ct, meta = load_sample("ct_small")
    >>> ct.shape, meta.units, meta.spacing_mm
    ((128, 128), 'HU', (0.661468, 0.661468))
    """
    image, meta = _load_cached(_entry(name).name)
    return image.copy(), dataclasses.replace(meta, extra=copy.deepcopy(meta.extra))


def list_samples():
    """Catalogue of all samples as a table (nothing is loaded).

    Returns
    -------
    pandas.DataFrame
        One row per sample with columns name, title, modality, body_part, axes, shape, dtype, spacing_mm,
        units, photometric, source_package, source_file, licence.
    """
    import pandas as pd

    cols = [
        "name",
        "title",
        "modality",
        "body_part",
        "axes",
        "shape",
        "dtype",
        "spacing_mm",
        "units",
        "photometric",
        "source_package",
        "source_file",
        "licence",
    ]
    return pd.DataFrame([{c: getattr(e, c) for c in cols} for e in _ENTRIES], columns=cols)


# ---------------------------------------------------------------------------------------------- loading
@functools.cache
def _load_cached(name: str) -> tuple[np.ndarray, SampleMeta]:
    e = _CATALOGUE[name]
    path = _verified_path(e)
    loader = {
        "dicom": _load_dicom,
        "mni": _load_mni,
        "nibabel4d": _load_fmri,
        "skimage": _load_skimage,
    }[e.loader]
    image, extra = loader(e, path)
    if image.shape != e.shape or str(image.dtype) != e.dtype:  # the catalogue promises both
        raise RuntimeError(
            f"sample {name!r} loaded as {image.shape} {image.dtype}, catalogue says {e.shape} "
            f"{e.dtype}; please report this"
        )
    image.setflags(write=False)  # the cached original is never handed out (load_sample copies)
    meta = SampleMeta(
        e.name,
        e.title,
        e.modality,
        e.body_part,
        e.axes,
        e.shape,
        e.dtype,
        e.spacing_mm,
        e.frame_time_ms,
        e.units,
        e.photometric,
        e.source_package,
        e.source_file,
        e.licence,
        e.citation,
        e.sha256,
        e.description,
        extra,
    )
    return image, meta


def _require(import_name: str, pip_name: str):
    try:
        return importlib.import_module(import_name)
    except ImportError as err:
        raise MissingPackageError(
            f"reading this sample needs {pip_name!r}; install it with `pip install {pip_name}`",
            name=import_name,
        ) from err


def _jpeg_frames_with_pillow(ds) -> np.ndarray | None:
    """Decode multi-frame JPEG Baseline pixel data frame by frame with Pillow; None if that is not possible.

    For the 120-frame echo cine this is ~5x faster than going through pydicom's decoder pipeline and gives the
    identical RGB array (checked in tests/test_data.py against pydicom's own decoding).
    """
    if ds.file_meta.TransferSyntaxUID != "1.2.840.10008.1.2.4.50" or int(ds.get("NumberOfFrames", 1)) < 2:
        return None
    try:
        import io
        from concurrent.futures import ThreadPoolExecutor

        from PIL import Image
        from pydicom.encaps import generate_frames
    except ImportError:
        return None

    def decode(frame: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(frame)).convert("RGB"))

    frames = generate_frames(ds.PixelData, number_of_frames=int(ds.NumberOfFrames))
    with ThreadPoolExecutor(max_workers=2) as pool:  # Pillow releases the GIL while decoding
        return np.stack(list(pool.map(decode, frames)))


def _dicom_pixels(e: _Entry, ds, path: Path) -> np.ndarray:
    try:
        fast = _jpeg_frames_with_pillow(ds) if e.decoder_packages == "pillow" else None
        return fast if fast is not None else ds.pixel_array
    except (RuntimeError, ImportError, NotImplementedError) as err:
        raise MissingPackageError(
            f"sample {e.name!r}: pydicom could not decode {ds.file_meta.TransferSyntaxUID.name} pixel data "
            f"({err}); install a decoder with `pip install {e.decoder_packages or 'pylibjpeg'}`"
        ) from err


def _float_list(value) -> list[float]:
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):  # VM 1 (a DSfloat is not iterable)
        return [float(value)]
    return [float(v) for v in value]


def _axial_flips(iop: list[float]) -> tuple[str, ...]:
    """Axes to flip so an axial slice has anterior at row 0 and the patient's right at column 0.

    (0020,0037) holds the row direction (along a row, i.e. across columns) and the column direction in LPS
    patient coordinates (PS3.3 C.7.6.2.1.1): +x = patient left, +y = posterior.
    """
    row, col = np.asarray(iop[:3]), np.asarray(iop[3:])
    if abs(np.cross(row, col)[2]) < 0.9:  # not an axial slice: keep the stored order
        return ()
    flips = []
    if col[1] < 0:  # going down the rows moves anteriorly, so row 0 is posterior
        flips.append("y")
    if row[0] < 0:  # going along a row moves to the patient's right, so column 0 is the left
        flips.append("x")
    return tuple(flips)


def _load_dicom(e: _Entry, path: Path) -> tuple[np.ndarray, dict]:
    _require("pydicom", "pydicom")
    import pydicom
    from pydicom.pixels import apply_modality_lut

    ds = pydicom.dcmread(path)
    arr = _dicom_pixels(e, ds, path)
    extra: dict[str, Any] = {
        "transfer_syntax": ds.file_meta.TransferSyntaxUID.name,
        "stored_photometric": str(ds.PhotometricInterpretation),
    }
    for key in (
        "Manufacturer",
        "BodyPartExamined",
        "StudyDescription",
        "SeriesDescription",
        "ProtocolName",
        "ViewPosition",
        "PatientPosition",
    ):
        if ds.get(key) not in (None, ""):
            extra[key] = str(ds.get(key))
    for key in (
        "BitsStored",
        "PixelRepresentation",
        "PixelPaddingValue",
        "RescaleSlope",
        "RescaleIntercept",
        "KVP",
        "CountsAccumulated",
        "SliceThickness",
        "SpacingBetweenSlices",
        "FrameTime",
        "RepetitionTime",
        "EchoTime",
    ):
        if ds.get(key) is not None and ds.get(key) != "":
            extra[key] = float(ds.get(key))
    if "RescaleType" in ds:
        extra["RescaleType"] = str(ds.RescaleType)
    if "WindowCenter" in ds and "WindowWidth" in ds:
        # (0028,1050)/(0028,1051) may hold several windows (VM 1-n); the first is the default
        extra["window_center"] = _float_list(ds.WindowCenter)[0]
        extra["window_width"] = _float_list(ds.WindowWidth)[0]
        extra["windows"] = list(zip(_float_list(ds.WindowCenter), _float_list(ds.WindowWidth), strict=False))
    if e.modality == "CT":
        arr = apply_modality_lut(arr, ds).astype(np.float32)  # PS3.3 C.11.1: HU = slope * stored + intercept
    if "SequenceOfUltrasoundRegions" in ds:
        reg = ds.SequenceOfUltrasoundRegions[0]
        extra["us_region"] = {
            k: (float(reg.get(k)) if reg.get(k) is not None else None)
            for k in (
                "RegionLocationMinX0",
                "RegionLocationMinY0",
                "RegionLocationMaxX1",
                "RegionLocationMaxY1",
                "PhysicalDeltaX",
                "PhysicalDeltaY",
                "PhysicalUnitsXDirection",
                "PhysicalUnitsYDirection",
            )
        }
    if 0x60003000 in ds:
        extra["overlay"] = ds.overlay_array(0x6000).astype(bool)
    flips: tuple[str, ...] = ()
    if "ImageOrientationPatient" in ds:
        iop = _float_list(ds.ImageOrientationPatient)
        extra["image_orientation_patient_file"] = iop
        flips = _axial_flips(iop) if e.axes == "yx" else ()
        if "y" in flips:
            arr = arr[::-1]
            iop = iop[:3] + [-v for v in iop[3:]]
        if "x" in flips:
            arr = arr[:, ::-1]
            iop = [-v for v in iop[:3]] + iop[3:]
        extra["image_orientation_patient"] = iop
    if "ImagePositionPatient" in ds:
        extra["image_position_patient_file"] = _float_list(ds.ImagePositionPatient)
    extra["flipped_axes"] = flips
    return np.ascontiguousarray(arr), extra


def nifti_to_zyx(img) -> tuple[np.ndarray, tuple[float, ...], np.ndarray]:
    """Reorient a 3D/4D NIfTI image to the course's ``(z, y, x)`` / ``(t, z, y, x)`` convention.

    Parameters
    ----------
    img : nibabel.Nifti1Image
        Any orientation; obliquity is kept in the affine (axes are only permuted and flipped).

    Returns
    -------
    data : ndarray
        ``(z, y, x)`` or ``(t, z, y, x)``, dtype of the stored data (scaling applied by nibabel if any):
        z inferior → superior, y anterior → posterior, x patient right → patient left.
    spacing_mm : tuple of float
        Voxel size along (z, y, x) in mm.
    affine_zyx : (4, 4) ndarray
        Maps ``(z, y, x, 1)`` indices to RAS+ world coordinates in mm.

    Notes
    -----
    ``nibabel.as_closest_canonical`` gives array axes that increase towards Right, Anterior, Superior
    (RAS+). Transposing to (S, A, R) and reversing the A and R axes yields the convention above.
    """
    import nibabel as nib

    can = nib.as_closest_canonical(img)
    data = np.asanyarray(can.dataobj)
    ni, nj = data.shape[0], data.shape[1]
    order = (2, 1, 0) if data.ndim == 3 else (3, 2, 1, 0)
    data = data.transpose(order)[..., ::-1, ::-1]
    # (z, y, x) -> canonical (i, j, k) = (ni-1-x, nj-1-y, z)
    index_map = np.array([[0, 0, -1, ni - 1], [0, -1, 0, nj - 1], [1, 0, 0, 0], [0, 0, 0, 1]], dtype=float)
    affine_zyx = can.affine @ index_map
    zooms = can.header.get_zooms()[:3]
    spacing = tuple(round(float(z), 6) for z in (zooms[2], zooms[1], zooms[0]))
    return np.ascontiguousarray(data), spacing, affine_zyx


def _load_mni(e: _Entry, path: Path) -> tuple[np.ndarray, dict]:
    """An MNI152 map at 2 mm, as ``nilearn.datasets.load_mni152_*(resolution=2)`` returns it (checked in tests).

    Read from the verified 1 mm file with nibabel, scaled to 0..1 by its maximum and resampled with cubic splines;
    the brain mask is the 2 mm T1 template above 0.2 (nilearn's default threshold).
    """
    nib = _require("nibabel", "nibabel")
    img = nib.load(path)
    data = np.asanyarray(img.dataobj).astype(np.float32)
    data /= data.max()
    data, spacing, affine_zyx = nifti_to_zyx(nib.Nifti1Image(*resample_to_spacing(data, img.affine, 2.0)))
    _check_spacing(e, spacing)
    if e.options["which"] == "mask":
        data = data > 0.2
    return data, {
        "affine_zyx": affine_zyx,
        "resolution_mm": 2.0,
        "source_resolution_mm": 1.0,
        "template": "ICBM152 2009a nonlinear symmetric (nilearn bundled copy)",
    }


def resample_to_spacing(data: np.ndarray, affine: np.ndarray, spacing_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """Resample a 3D volume with cubic splines onto an axis-aligned grid of ``spacing_mm`` covering the same box.

    Parameters
    ----------
    data : ndarray, shape (i, j, k)
        Voxel values, in the file's axis order. A float32 array is overwritten (it becomes the spline
        coefficients); any other dtype is converted to a float32 copy first.
    affine : ndarray, shape (4, 4)
        Voxel indices → world coordinates in mm.
    spacing_mm : float
        Voxel size of the new grid.

    Returns
    -------
    resampled : ndarray, float32
        Values on the new grid, clipped to [min(data, 0), max(data, 0)] against spline overshoot.
    new_affine : ndarray, shape (4, 4)
        ``diag(spacing_mm)`` with the origin at the corner of the box with the lowest coordinates.

    Notes
    -----
    The grid, the interpolation and the clipping are those of ``nilearn.image.resample_img(img, np.eye(3) *
    spacing_mm)``; tests/test_data.py checks the MNI maps against nilearn. Unlike nilearn's SciPy call, the spline
    prefilter works in place in float32, so a 1 mm MNI volume needs one copy (35 MB) instead of three.
    """
    from scipy import ndimage as ndi

    data = np.asarray(data, dtype=np.float32)
    if data.ndim != 3:
        raise ValueError(f"data must be a 3D volume, got shape {data.shape}")
    target = np.diag([spacing_mm] * 3 + [1.0])
    corners = np.array([(i, j, k, 1.0) for i in (0, data.shape[0] - 1) for j in (0, data.shape[1] - 1)
                        for k in (0, data.shape[2] - 1)]).T
    box = (np.linalg.inv(target) @ affine @ corners)[:3]  # corner voxel centres in new-grid units
    low, high = box.min(axis=1), box.max(axis=1)
    target[:3, 3] = spacing_mm * low
    shape = tuple(int(np.ceil(h - lo)) + 1 for lo, h in zip(low, high, strict=True))
    to_source = np.linalg.inv(affine) @ target
    matrix = to_source[:3, :3]
    if np.all(np.diag(np.diag(matrix)) == matrix):
        matrix = np.diag(matrix)  # an axis-aligned zoom: SciPy's faster path, as nilearn takes it
    value_range = min(float(data.min()), 0.0), max(float(data.max()), 0.0)
    ndi.spline_filter(data, order=3, output=data, mode="constant")
    out = ndi.affine_transform(data, matrix, offset=to_source[:3, 3], output_shape=shape, output=np.float32,
                               order=3, mode="constant", cval=0.0, prefilter=False)
    return np.clip(out, *value_range, out=out), target


def _check_spacing(e: _Entry, spacing: tuple[float, ...]) -> None:
    if not np.allclose(spacing, e.spacing_mm, atol=1e-4):
        raise RuntimeError(
            f"sample {e.name!r}: voxel size {spacing} mm differs from the catalogue's "
            f"{e.spacing_mm}; please report this"
        )


def _load_fmri(e: _Entry, path: Path) -> tuple[np.ndarray, dict]:
    nib = _require("nibabel", "nibabel")
    img = nib.load(path)
    data, spacing, affine_zyx = nifti_to_zyx(img)
    _check_spacing(e, spacing)
    hdr = img.header
    return data, {
        "affine_zyx": affine_zyx,
        "affine_file": img.affine.copy(),
        "axcodes_file": "".join(nib.aff2axcodes(img.affine)),
        "pixdim4_file": float(hdr["pixdim"][4]),
        "xyzt_units_file": hdr.get_xyzt_units(),
        "tr_note": "pixdim[4]=2000 with unit 'sec' in the header; read as 2000 ms",
    }


def _load_skimage(e: _Entry, path: Path) -> tuple[np.ndarray, dict]:
    skdata = _require("skimage.data", "scikit-image")
    image = getattr(skdata, e.options["func"])()  # reads the bundled file we just verified
    return np.ascontiguousarray(image), {}
