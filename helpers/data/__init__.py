"""Catalogue of real medical images shipped inside installed Python packages.

Every sample is a real file from ``pydicom``, ``pydicom-data``, ``scikit-image``, ``nibabel`` or ``nilearn``;
nothing is downloaded and nothing is simulated. ``load_sample(name)`` returns the pixel array and a
:class:`SampleMeta` with spacing (mm), units, modality, source file, licence and citation. The sha256 of the
source file is checked on every first load; a missing package, a missing file or a changed file raises an
error that names the pip package to (re)install. Nothing is ever replaced by a substitute.

The catalogue itself is a data file, ``helpers/data/catalogue.toml`` (one table per sample; :func:`catalogue`
returns its rows). DICOM files are read through :mod:`helpers.dicom`, NIfTI volumes are reoriented and
resampled by :mod:`helpers.geometry`.

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
  ``meta.extra["flipped_axes"]`` records which axes were flipped (:func:`helpers.geometry.flip_axial`).
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
import importlib
import importlib.util
import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from helpers.checksums import ChecksumError, file_digest
from helpers.geometry import flip_axial, nifti_to_zyx, resample_to_spacing

__all__ = [
    "SampleMeta",
    "UnknownSampleError",
    "MissingPackageError",
    "ChecksumError",
    "catalogue",
    "load_sample",
    "list_samples",
    "sample_names",
    "sample_path",
    "CHECKED_VERSIONS",
]


# --------------------------------------------------------------------------------------------------- errors
class UnknownSampleError(KeyError):
    """A sample name that is not in the catalogue (the message lists the valid names)."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0]) if self.args else ""


class MissingPackageError(ImportError):
    """The package (or file) that ships a sample is missing; the message names the pip package to install."""


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


@dataclass(frozen=True)
class _Entry:
    """One catalogue row: the metadata known before the file is read, and how to read it."""

    meta: SampleMeta  # with an empty `extra`
    loader: str  # "dicom", "mni", "nibabel4d", "skimage"
    options: dict = field(default_factory=dict)
    decoder_packages: str = ""  # pip packages needed to decode compressed pixel data

    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def import_name(self) -> str:  # module whose folder holds the file
        return self.meta.source_file.split("/", 1)[0]

    @property
    def relpath(self) -> str:  # path of the file inside that folder
        return self.meta.source_file.split("/", 1)[1]


# ------------------------------------------------------------------------------------------------ catalogue
def _read_catalogue() -> dict:
    text = resources.files(__name__).joinpath("catalogue.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _entry_from_row(row: dict, quotes: dict[str, str]) -> _Entry:
    """A ``[[sample]]`` table of catalogue.toml → _Entry (TOML has no null: nan and absent keys mean None)."""
    row = dict(row)
    loader = row.pop("loader")
    options = row.pop("options", {})
    decoder_packages = row.pop("decoder_packages", "")
    spacing = row.get("spacing_mm")
    row["spacing_mm"] = None if spacing is None else tuple(None if math.isnan(s) else s for s in spacing)
    row["frame_time_ms"] = row.get("frame_time_ms")
    row["shape"] = tuple(row["shape"])
    row["licence"] = row["licence"].format_map(quotes)
    row["citation"] = row["citation"].format_map(quotes)
    return _Entry(SampleMeta(**row), loader, options, decoder_packages)


_TABLE = _read_catalogue()
# Package versions whose files the catalogue's sha256 values were taken from (a newer release may change a file).
CHECKED_VERSIONS: dict[str, str] = dict(_TABLE["checked_versions"])
_QUOTES = {key: value.format_map(_TABLE["text"]) for key, value in _TABLE["text"].items()}
_CATALOGUE: dict[str, _Entry] = {e.name: e for e in (_entry_from_row(r, _QUOTES) for r in _TABLE["sample"])}


# ----------------------------------------------------------------------------------------------- public API
def catalogue() -> tuple[SampleMeta, ...]:
    """What every sample promises, read from ``catalogue.toml`` without loading any image.

    Returns
    -------
    tuple of SampleMeta
        One per sample, in catalogue order; ``extra`` is empty (it is filled from the file by
        :func:`load_sample`).

    Examples
    --------
    >>> [m.spacing_mm for m in catalogue() if m.name == "ct_small"]
    [(0.661468, 0.661468)]
    """
    return tuple(dataclasses.replace(e.meta, extra={}) for e in _CATALOGUE.values())


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
    package = e.meta.source_package
    path = _package_dir(e.import_name, package) / e.relpath
    if not path.is_file():
        raise MissingPackageError(
            f"sample {name!r}: file {e.meta.source_file!r} is missing from the installed {package!r}; "
            f"reinstall it with `pip install --force-reinstall {package}`",
            name=e.import_name,
            path=str(path),
        )
    return path


def _verified_path(e: _Entry) -> Path:
    path = sample_path(e.name)
    digest = file_digest(path, "sha256")
    if digest != e.meta.sha256:
        package = e.meta.source_package
        version = CHECKED_VERSIONS[package]
        raise ChecksumError(
            f"sample {e.name!r}: sha256 of {path} is {digest}, expected {e.meta.sha256}. The file differs "
            f"from the one this catalogue was checked against ({package} {version}); reinstall it "
            f"with `pip install --force-reinstall {package}=={version}`"
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


_TABLE_COLUMNS = (
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
)


def list_samples():
    """Catalogue of all samples as a table (nothing is loaded).

    Returns
    -------
    pandas.DataFrame
        One row per sample with columns name, title, modality, body_part, axes, shape, dtype, spacing_mm,
        units, photometric, source_package, source_file, licence.
    """
    import pandas as pd

    rows = [{c: getattr(m, c) for c in _TABLE_COLUMNS} for m in catalogue()]
    return pd.DataFrame(rows, columns=list(_TABLE_COLUMNS))


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
    if image.shape != e.meta.shape or str(image.dtype) != e.meta.dtype:  # the catalogue promises both
        raise RuntimeError(
            f"sample {name!r} loaded as {image.shape} {image.dtype}, catalogue says {e.meta.shape} "
            f"{e.meta.dtype}; please report this"
        )
    image.setflags(write=False)  # the cached original is never handed out (load_sample copies)
    return image, dataclasses.replace(e.meta, extra=extra)


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


def _dicom_pixels(e: _Entry, ds, hd) -> np.ndarray:
    """Stored values (RGB for colour) through helpers.dicom; a missing decoder names the sample's pip packages."""
    try:
        fast = _jpeg_frames_with_pillow(ds) if e.decoder_packages == "pillow" else None
        return fast if fast is not None else hd.pixels(ds)
    except hd.MissingDecoderError as err:
        raise MissingPackageError(
            f"sample {e.name!r}: pydicom could not decode {ds.file_meta.TransferSyntaxUID.name} pixel data "
            f"({err}); install a decoder with `pip install {e.decoder_packages or 'pylibjpeg'}`"
        ) from err


def _float_list(value) -> list[float]:
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):  # VM 1 (a DSfloat is not iterable)
        return [float(value)]
    return [float(v) for v in value]


_TEXT_KEYWORDS = (
    "Manufacturer",
    "BodyPartExamined",
    "StudyDescription",
    "SeriesDescription",
    "ProtocolName",
    "ViewPosition",
    "PatientPosition",
)
_NUMBER_KEYWORDS = (
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
)
_US_REGION_KEYWORDS = (
    "RegionLocationMinX0",
    "RegionLocationMinY0",
    "RegionLocationMaxX1",
    "RegionLocationMaxY1",
    "PhysicalDeltaX",
    "PhysicalDeltaY",
    "PhysicalUnitsXDirection",
    "PhysicalUnitsYDirection",
)


def _dicom_extra(ds) -> dict[str, Any]:
    """The header values a sample's ``meta.extra`` keeps: acquisition, encoding, windows, ultrasound region."""
    extra: dict[str, Any] = {
        "transfer_syntax": ds.file_meta.TransferSyntaxUID.name,
        "stored_photometric": str(ds.PhotometricInterpretation),
    }
    extra |= {key: str(ds.get(key)) for key in _TEXT_KEYWORDS if ds.get(key) not in (None, "")}
    extra |= {key: float(ds.get(key)) for key in _NUMBER_KEYWORDS if ds.get(key) is not None and ds.get(key) != ""}
    if "RescaleType" in ds:
        extra["RescaleType"] = str(ds.RescaleType)
    if "WindowCenter" in ds and "WindowWidth" in ds:
        # (0028,1050)/(0028,1051) may hold several windows (VM 1-n); the first is the default
        centers, widths = _float_list(ds.WindowCenter), _float_list(ds.WindowWidth)
        extra["window_center"], extra["window_width"] = centers[0], widths[0]
        extra["windows"] = list(zip(centers, widths, strict=False))
    if "SequenceOfUltrasoundRegions" in ds:
        reg = ds.SequenceOfUltrasoundRegions[0]
        extra["us_region"] = {k: (float(reg.get(k)) if reg.get(k) is not None else None) for k in _US_REGION_KEYWORDS}
    if 0x60003000 in ds:
        extra["overlay"] = ds.overlay_array(0x6000).astype(bool)
    return extra


def _load_dicom(e: _Entry, path: Path) -> tuple[np.ndarray, dict]:
    _require("pydicom", "pydicom")
    from helpers import dicom as hd

    ds = hd.read(path)
    arr = _dicom_pixels(e, ds, hd)
    extra = _dicom_extra(ds)
    if e.meta.modality == "CT":
        arr = hd.to_modality_units(arr, ds).astype(np.float32)  # PS3.3 C.11.1: HU = slope * stored + intercept
    flips: tuple[str, ...] = ()
    if "ImageOrientationPatient" in ds:
        iop = _float_list(ds.ImageOrientationPatient)
        extra["image_orientation_patient_file"] = iop
        if e.meta.axes == "yx":  # an axial slice: anterior at row 0, the patient's right at column 0
            arr, iop, flips = flip_axial(arr, iop)
        extra["image_orientation_patient"] = iop
    if "ImagePositionPatient" in ds:
        extra["image_position_patient_file"] = _float_list(ds.ImagePositionPatient)
    extra["flipped_axes"] = flips
    return np.ascontiguousarray(arr), extra


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


def _check_spacing(e: _Entry, spacing: tuple[float, ...]) -> None:
    if not np.allclose(spacing, e.meta.spacing_mm, atol=1e-4):
        raise RuntimeError(
            f"sample {e.name!r}: voxel size {spacing} mm differs from the catalogue's "
            f"{e.meta.spacing_mm}; please report this"
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
