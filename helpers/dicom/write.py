"""Write a numpy array as a new DICOM file (Secondary Capture), optionally in the study of another file."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pydicom.uid as _uid
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

from .display import _check_window
from .io import read

# --------------------------------------------------------------------------------------------------
# Writing a new DICOM file
# --------------------------------------------------------------------------------------------------
_WRITE_DTYPES = ("uint8", "int8", "uint16", "int16", "uint32", "int32")
# Attributes copied from `like`: Patient and General Study modules (PS3.3 C.7.1.1, C.7.2.1).
_LIKE_KEYWORDS = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "PatientAge", "PatientIdentityRemoved",
    "DeidentificationMethod", "StudyInstanceUID", "StudyDate", "StudyTime", "StudyID", "AccessionNumber",
    "ReferringPhysicianName", "StudyDescription", "BurnedInAnnotation",
)


def write(
    path: str | Path,
    array: np.ndarray,
    *,
    like: Dataset | str | Path | None = None,
    modality: str | None = None,
    spacing_mm: tuple[float, float] | None = None,
    window: tuple[float, float] | None = None,
    description: str = "Derived image (helpers.dicom.write)",
    rgb: bool | None = None,
    study_uid: str | None = None,
    series_uid: str | None = None,
    instance_number: int | None = None,
    position_mm: tuple[float, float, float] | None = None,
    orientation: tuple[float, ...] | None = None,
    slice_thickness_mm: float | None = None,
) -> Dataset:
    """Write a numpy array as a new DICOM Secondary Capture file.

    Parameters
    ----------
    path : str or Path
        Output file (overwritten if it exists).
    array : numpy.ndarray
        Integer pixels: ``(rows, cols)`` grayscale, ``(rows, cols, 3)`` RGB, ``(frames, rows, cols)``
        or ``(frames, rows, cols, 3)``. dtype uint8, int8, uint16, int16, uint32 or int32 (RGB: uint8
        or uint16). Convert floats first, e.g. ``np.round(hu).astype(np.int16)``.
    like : Dataset or path, optional
        A source image whose Patient and Study attributes are copied (the new file joins its study
        as a new series and references it in (0008,2112) Source Image Sequence). Its pixel data,
        geometry and UIDs other than the study's are not copied.
    modality : str, optional
        (0008,0060) Modality; default `like`'s modality, else "OT" (other).
    spacing_mm : (float, float), optional
        (0028,0030) Pixel Spacing, (row spacing, column spacing) in mm.
    window : (float, float), optional
        Default display window (center, width) stored as (0028,1050)/(0028,1051).
    description : str, optional
        (0008,103E) Series Description.
    rgb : bool, optional
        Whether a trailing axis of length 3 is colour; default: True when the last axis has length 3.
    study_uid, series_uid : str, optional
        (0020,000D) Study and (0020,000E) Series Instance UID. Pass the same values to every slice of
        a series written one file per slice (e.g. from ``pydicom.uid.generate_uid()``). Default: `like`'s
        study (else a new one) and a new series for each call.
    instance_number : int, optional
        (0020,0013) Instance Number; default 1.
    position_mm : (float, float, float), optional
        (0020,0032) Image Position (Patient): the patient-coordinate (LPS, mm) centre of the first
        transmitted pixel (row 0, column 0). Single-frame images only.
    orientation : 6 floats, optional
        (0020,0037) Image Orientation (Patient): direction cosines of the rows (along a row, i.e.
        increasing column) then of the columns (down a column), two orthogonal unit vectors in LPS.
        Required with `position_mm`.
    slice_thickness_mm : float, optional
        (0018,0050) Slice Thickness in mm.

    Returns
    -------
    pydicom.dataset.FileDataset
        The dataset as written.

    Notes
    -----
    The file follows PS3.10: a 128-byte zero preamble, ``DICM``, the file meta group 0002 (Media
    Storage SOP Class/Instance UID, Transfer Syntax = Explicit VR Little Endian, Implementation
    Class UID) and the data set. Pixel module: Bits Allocated = Bits Stored = the dtype's bit depth,
    High Bit = Bits Stored - 1, Pixel Representation 1 for signed dtypes, Photometric
    Interpretation MONOCHROME2 or RGB (Planar Configuration 0). New UIDs come from
    ``pydicom.uid.generate_uid``. With `position_mm` the Image Plane attributes (PS3.3 C.7.6.2) are
    added, with a (0020,0052) Frame of Reference UID taken from `like` or derived from the study UID
    (so every slice of a study written here shares it); :func:`load_series` stacks such files.

    Examples
    --------
    >>> import tempfile, os
    >>> from helpers.dicom import pixels, read
    >>> arr = np.arange(12, dtype=np.uint16).reshape(3, 4)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = write(os.path.join(tmp, "a.dcm"), arr, spacing_mm=(0.5, 0.5))
    ...     back = pixels(read(os.path.join(tmp, "a.dcm")))
    >>> bool((back == arr).all())
    True
    """
    arr, is_rgb, n_frames = _check_write_array(array, rgb)
    plane = _check_plane(position_mm, orientation, multi_frame=arr.ndim == (4 if is_rgb else 3))
    uids = {key: _check_uid(value, key) for key, value in (("study_uid", study_uid), ("series_uid", series_uid))}
    if instance_number is not None and (isinstance(instance_number, bool) or
                                        not isinstance(instance_number, (int, np.integer)) or instance_number < 0):
        raise ValueError(f"instance_number must be an integer >= 0, got {instance_number!r}")
    thickness = None
    if slice_thickness_mm is not None:
        try:
            thickness = float(slice_thickness_mm)
        except (TypeError, ValueError):
            thickness = math.nan
        if not (math.isfinite(thickness) and thickness > 0):
            raise ValueError(f"slice_thickness_mm must be a finite number > 0, got {slice_thickness_mm!r}")
    ds = _new_dataset(arr, is_rgb, n_frames)
    like_ds = None
    if like is not None:
        like_ds = like if isinstance(like, Dataset) else read(like, stop_before_pixels=True)
        _copy_like(ds, like_ds)
    ds.Modality = modality or ds.get("Modality") or "OT"
    ds.SeriesDescription = description
    if uids["study_uid"]:
        ds.StudyInstanceUID = uids["study_uid"]
    if uids["series_uid"]:
        ds.SeriesInstanceUID = uids["series_uid"]
    if instance_number is not None:
        ds.InstanceNumber = int(instance_number)
    if spacing_mm is not None:
        ds.PixelSpacing = [f"{v:.6g}" for v in _check_pair(spacing_mm, "spacing_mm", positive=True)]
    if thickness is not None:
        ds.SliceThickness = f"{thickness:.6g}"
    if plane is not None:
        _set_plane(ds, *plane, like=like_ds)
    if window is not None:
        center, width = _check_pair(window, "window", positive=False)
        _check_window(center, width, "LINEAR")
        ds.WindowCenter, ds.WindowWidth = f"{center:.6g}", f"{width:.6g}"
    ds.save_as(path, enforce_file_format=True)
    return ds


def _check_uid(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _uid.UID(value).is_valid:
        raise ValueError(f"{name} must be a valid DICOM UID string (digits and dots, <= 64 chars), got {value!r}; "
                         "make one with pydicom.uid.generate_uid()")
    return value


def _check_plane(position: Any, orientation: Any, *, multi_frame: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """Validate (0020,0032) and (0020,0037): 3 finite numbers; two orthogonal unit vectors."""
    if position is None and orientation is None:
        return None
    if position is None or orientation is None:
        raise ValueError("position_mm and orientation go together: pass both (Image Plane module, PS3.3 C.7.6.2)")
    if multi_frame:
        raise ValueError("position_mm/orientation describe one slice: write one file per slice (a 2D array each)")
    vectors = []
    for name, value, n in (("position_mm", position, 3), ("orientation", orientation, 6)):
        try:
            vec = np.asarray([float(v) for v in value], dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be {n} numbers, got {value!r}") from None
        if vec.shape != (n,) or not np.all(np.isfinite(vec)):
            raise ValueError(f"{name} must be {n} finite numbers, got {value!r}")
        vectors.append(vec)
    row, col = vectors[1][:3], vectors[1][3:]
    if not (np.isclose(np.linalg.norm(row), 1, atol=1e-3) and np.isclose(np.linalg.norm(col), 1, atol=1e-3)
            and abs(float(row @ col)) < 1e-3):
        raise ValueError(f"orientation must be two orthogonal unit vectors (row cosines, column cosines), "
                         f"got {list(orientation)!r}")
    return vectors[0], vectors[1]


def _set_plane(ds: Dataset, position: np.ndarray, orientation: np.ndarray, *, like: Dataset | None) -> None:
    ds.ImagePositionPatient = [f"{v:.6g}" for v in position]
    ds.ImageOrientationPatient = [f"{v:.6g}" for v in orientation]
    if like is not None and "FrameOfReferenceUID" in like:
        ds.FrameOfReferenceUID = like.FrameOfReferenceUID
    else:  # same study -> same frame of reference, so the slices of one study line up
        ds.FrameOfReferenceUID = _uid.generate_uid(entropy_srcs=[str(ds.StudyInstanceUID), "FrameOfReferenceUID"])
    ds.PositionReferenceIndicator = ""


def _check_write_array(array: Any, rgb: bool | None) -> tuple[np.ndarray, bool, int]:
    if not isinstance(array, np.ndarray):
        raise TypeError(f"array must be a numpy array, got {type(array).__name__}")
    if array.dtype.name not in _WRITE_DTYPES:
        hint = " (e.g. np.round(x).astype(np.int16))" if array.dtype.kind == "f" else ""
        raise TypeError(f"array dtype must be one of {_WRITE_DTYPES}, got {array.dtype}; convert it first{hint}")
    is_rgb = array.ndim in (3, 4) and array.shape[-1] == 3 if rgb is None else bool(rgb)
    if is_rgb and (array.shape[-1] != 3 or array.ndim not in (3, 4)):
        raise ValueError(f"rgb=True needs shape (rows, cols, 3) or (frames, rows, cols, 3), got {array.shape}")
    if is_rgb and array.dtype.name not in ("uint8", "uint16"):
        raise TypeError(f"RGB arrays must be uint8 or uint16, got {array.dtype}")
    spatial = array.ndim - (1 if is_rgb else 0)
    if spatial not in (2, 3) or 0 in array.shape:
        raise ValueError(f"array must be (rows, cols[, 3]) or (frames, rows, cols[, 3]), got shape {array.shape}")
    n_frames = array.shape[0] if spatial == 3 else 1
    return np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")), is_rgb, n_frames


def _check_pair(value: Any, name: str, *, positive: bool) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be two numbers, got {value!r}") from None
    if not (math.isfinite(a) and math.isfinite(b)) or (positive and (a <= 0 or b <= 0)):
        raise ValueError(f"{name} must be finite{' and > 0' if positive else ''}, got {value!r}")
    return a, b


def _sop_class(arr: np.ndarray, is_rgb: bool, n_frames: int) -> str:
    if n_frames == 1 and arr.ndim == (3 if is_rgb else 2):
        return _uid.SecondaryCaptureImageStorage
    if is_rgb and arr.dtype == np.uint8:
        return _uid.MultiFrameTrueColorSecondaryCaptureImageStorage
    if not is_rgb and arr.dtype == np.uint8:
        return _uid.MultiFrameGrayscaleByteSecondaryCaptureImageStorage
    if not is_rgb and arr.dtype.itemsize == 2:
        return _uid.MultiFrameGrayscaleWordSecondaryCaptureImageStorage
    raise TypeError(f"multi-frame {'RGB' if is_rgb else 'grayscale'} {arr.dtype} has no Secondary Capture "
                    "SOP class; use uint8 or 16-bit integers")


def _new_dataset(arr: np.ndarray, is_rgb: bool, n_frames: int) -> Dataset:
    sop_class, sop_instance = _sop_class(arr, is_rgb, n_frames), _uid.generate_uid()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = _uid.ExplicitVRLittleEndian
    meta.ImplementationClassUID = _uid.PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = f"PYDICOM {pydicom.__version__}"[:16]
    ds = Dataset()
    ds.file_meta = meta
    ds.preamble = b"\x00" * 128
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, sop_instance
    ds.ImageType = ["DERIVED", "SECONDARY"]
    ds.StudyInstanceUID, ds.SeriesInstanceUID = _uid.generate_uid(), _uid.generate_uid()
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime",
                    "StudyID", "AccessionNumber", "ReferringPhysicianName", "PatientOrientation"):
        setattr(ds, keyword, "")
    ds.Laterality = ""  # General Series, Type 2C (PS3.3 C.7.3.1): unknown for a derived image, so present and empty
    ds.SeriesNumber, ds.InstanceNumber = 1, 1
    ds.ConversionType = "WSD"  # workstation (PS3.3 C.8.6.1)
    _set_pixel_module(ds, arr, is_rgb, n_frames)
    return ds


def _set_pixel_module(ds: Dataset, arr: np.ndarray, is_rgb: bool, n_frames: int) -> None:
    bits = arr.dtype.itemsize * 8
    ds.SamplesPerPixel = 3 if is_rgb else 1
    ds.PhotometricInterpretation = "RGB" if is_rgb else "MONOCHROME2"
    if is_rgb:
        ds.PlanarConfiguration = 0  # R1 G1 B1 R2 ... (colour-by-pixel)
    if n_frames > 1 or arr.ndim == (4 if is_rgb else 3):
        ds.NumberOfFrames = n_frames
        _set_multiframe_sc(ds, n_frames, is_rgb)
    rows, cols = arr.shape[-3:-1] if is_rgb else arr.shape[-2:]
    ds.Rows, ds.Columns = int(rows), int(cols)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits, bits, bits - 1
    ds.PixelRepresentation = 1 if arr.dtype.kind == "i" else 0
    ds.PixelData = arr.tobytes()
    ds["PixelData"].VR = "OB" if bits == 8 else "OW"


def _set_multiframe_sc(ds: Dataset, n_frames: int, is_rgb: bool) -> None:
    """The Multi-frame SC Image Module's required attributes (PS3.3 C.8.6.3), checked by dciodvfy in the tests."""
    ds.BurnedInAnnotation = "NO"  # Type 1; processed pixels, not screenshots (like= copies the source's answer)
    ds.FrameIncrementPointer = 0x00182002  # Type 1C: frames are told apart by (0018,2002) Frame Label Vector
    ds.FrameLabelVector = [str(k + 1) for k in range(n_frames)]
    if not is_rgb:  # Type 1C for grayscale: identity rescale ("US": unspecified units) and presentation
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = "0", "1", "US"
        ds.PresentationLUTShape = "IDENTITY"


def _copy_like(ds: Dataset, like: Dataset) -> None:
    for keyword in _LIKE_KEYWORDS:
        if keyword in like:
            setattr(ds, keyword, like[keyword].value)
    if "Modality" in like:
        ds.Modality = like.Modality
    if "SOPClassUID" in like and "SOPInstanceUID" in like:
        ref = Dataset()
        ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID = like.SOPClassUID, like.SOPInstanceUID
        ds.SourceImageSequence = Sequence([ref])
