"""Stack the slices of one DICOM series into a 3D :class:`Volume` with its geometry.

:func:`load_series` reads a folder (or a list of files, or an enhanced multi-frame file), keeps one series,
orders the slices along the normal of their orientation, checks spacing, gaps and tilt, and returns the voxels
with their spacing in mm and their affine to DICOM's LPS patient coordinates.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from .display import _functional_item, to_modality_units
from .errors import DicomError, MixedSeriesError, NotDicomError, SeriesGeometryError, SeriesWarning, TruncatedDicomError
from .io import _lookup, pixels, read


# --------------------------------------------------------------------------------------------------
# Stacking a series into a volume
# --------------------------------------------------------------------------------------------------
@dataclass(eq=False)
class Volume:
    """A 3D image stacked from one DICOM series, with its geometry.

    Attributes
    ----------
    array : numpy.ndarray, shape (z, y, x)
        Voxel values: modality units (float32, HU for CT) when loaded with ``rescale=True``, else
        stored values.
    spacing_mm : tuple of float
        (z, y, x) voxel spacing in mm; z is the distance between slice positions, which can differ
        from (0018,0050) Slice Thickness.
    origin_mm : numpy.ndarray, shape (3,)
        Patient (LPS) position of the centre of voxel (0, 0, 0), mm.
    direction : numpy.ndarray, shape (3, 3)
        Column ``a`` is the unit vector, in patient LPS coordinates, along array axis ``a``
        (z: slice normal, y: down the columns, x: along the rows).
    affine : numpy.ndarray, shape (4, 4)
        Maps a voxel index ``(k, j, i, 1)`` to patient LPS coordinates in mm.
    series_uid : str
        (0020,000E) Series Instance UID.
    files : list of str or None
        Source file of each slice, in z order (a multi-frame file repeats; None for a slice inserted
        by ``fill_gaps``).
    frames : list of int or None
        Frame index in its file of each slice (None for single-frame files and inserted slices).
    modality : str or None
        (0008,0060) Modality.
    units : str
        "HU" for rescaled CT, the (0028,1054) Rescale Type if given, "stored value" when not rescaled,
        else "arbitrary".
    warnings : list of str
        Irregularities found while loading (skipped files, missing slices, uneven gaps, ...).
    header : pydicom.dataset.Dataset
        The header (no pixel data) of the first slice, for windows and other metadata.
    """

    array: np.ndarray
    spacing_mm: tuple[float, float, float]
    origin_mm: np.ndarray
    direction: np.ndarray
    affine: np.ndarray
    series_uid: str
    files: list[str]
    frames: list[int | None]
    modality: str | None
    units: str
    warnings: list[str] = field(default_factory=list)
    header: Dataset | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of :attr:`array`, (z, y, x)."""
        return self.array.shape


@dataclass
class _Slice:
    path: str
    frame: int | None
    position: np.ndarray | None  # (0020,0032) Image Position (Patient), mm
    orientation: np.ndarray | None  # (0020,0037) Image Orientation (Patient): row cosines, column cosines
    pixel_spacing: tuple[float, float] | None
    shape: tuple[int, int]


def load_series(
    source: str | Path | Iterable[str | Path],
    *,
    series_uid: str | None = None,
    rescale: bool = True,
    strict: bool = False,
    tolerance: float = 0.05,
    fill_gaps: float | None = None,
) -> Volume:
    """Stack the slices of one DICOM series into a (z, y, x) volume with its patient geometry.

    Parameters
    ----------
    source : str, Path or iterable of paths
        A folder (its files, not sub-folders) or a list of files. Non-DICOM files, files without
        pixel data and truncated files are skipped and listed in ``Volume.warnings``.
    series_uid : str, optional
        The (0020,000E) Series Instance UID to load when the files hold several series.
    rescale : bool, optional
        Convert to modality units (HU for CT), slice by slice, as float32. Default True.
    strict : bool, optional
        Raise :class:`SeriesGeometryError` on missing slices or uneven gaps instead of warning.
    tolerance : float, optional
        Allowed relative deviation of a slice gap from the median gap. Default 0.05 (5 %).
    fill_gaps : float, optional
        Insert missing slices filled with this value (e.g. ``np.nan``) so that the volume is a
        regular grid and the affine holds for every slice; the array is then float32 and the
        inserted slices have ``None`` in ``files``/``frames``. Default None: missing slices are only
        reported, and the affine is exact only up to the first gap.

    Returns
    -------
    Volume

    Raises
    ------
    MixedSeriesError
        If several series are found and `series_uid` is None, or `series_uid` is not among them.
        The message lists every series found.
    SeriesGeometryError
        If slices differ in orientation, size or pixel spacing, share a position, or (with
        `strict`) have missing slices or uneven gaps.
    DicomError
        If no image file is found.

    Notes
    -----
    Slices are sorted by their distance along the slice normal n = row cosines x column cosines
    ((0020,0037) Image Orientation (Patient)), d = n . (0020,0032) Image Position (Patient) - not by
    file name or (0020,0013) Instance Number, which need not follow anatomy. The z spacing is the
    median gap between consecutive d; a gap close to k times that median means k - 1 missing slices.
    Enhanced multi-frame files are split into their frames, with positions from the (5200,9230)
    Per-frame Functional Groups; multi-frame files without per-frame positions keep their frame
    order, with a warning.

    Examples
    --------
    >>> from pydicom.data import get_testdata_file
    >>> vol = load_series([get_testdata_file("eCT_Supplemental.dcm", download=False)])
    >>> vol.shape, vol.units
    ((2, 512, 512), 'HU')
    """
    if not 0 < tolerance < 0.5:
        raise ValueError(f"tolerance must be in (0, 0.5), got {tolerance}")
    notes: list[str] = []
    headers = _read_headers(_collect_paths(source), notes)
    uid, chosen = _choose_series(headers, series_uid, source, notes)
    slices = [s for path, ds in chosen for s in _slices_of(path, ds, notes)]
    geometry = _geometry(slices, chosen[0][1], notes, strict=strict, tolerance=tolerance)
    order, grid = geometry.pop("order"), geometry.pop("grid")
    if fill_gaps is None:
        grid = list(range(len(order)))
    elif grid[-1] + 1 > len(order):
        notes.append(f"{grid[-1] + 1 - len(order)} missing slice(s) inserted, filled with {fill_gaps}")
    placed: list[_Slice | None] = [None] * (grid[-1] + 1)
    for z, i in zip(grid, order, strict=True):
        placed[z] = slices[i]
    array, units = _stack(placed, rescale=rescale, modality=chosen[0][1].get("Modality"), fill=fill_gaps)
    for note in notes:
        warnings.warn(note, SeriesWarning, stacklevel=2)
    first_path = placed[0].path
    header = next(ds for path, ds in chosen if path == first_path)
    return Volume(
        array=array,
        series_uid=uid,
        files=[s.path if s else None for s in placed],
        frames=[s.frame if s else None for s in placed],
        modality=header.get("Modality"),
        units=units,
        warnings=notes,
        header=header,
        **geometry,
    )


def _collect_paths(source: Any) -> list[Path]:
    if isinstance(source, (str, Path)):
        source = Path(source)
        if source.is_dir():
            paths = sorted(p for p in source.iterdir() if p.is_file())
        elif source.is_file():
            paths = [source]
        else:
            raise FileNotFoundError(f"no such file or folder: {source}")
    else:
        paths = [Path(p) for p in source]
    if not paths:
        raise DicomError(f"no files in {source}")
    return paths


def _read_headers(paths: list[Path], notes: list[str]) -> list[tuple[str, Dataset]]:
    headers = []
    for path in paths:
        try:
            ds = read(path, stop_before_pixels=True)
        except NotDicomError:
            notes.append(f"skipped {path.name}: not a DICOM file")
            continue
        except TruncatedDicomError as exc:
            notes.append(f"skipped {path.name}: {exc}")
            continue
        if "Rows" not in ds or "Columns" not in ds:
            notes.append(f"skipped {path.name}: no image (Modality {ds.get('Modality', '?')})")
            continue
        headers.append((str(path), ds))
    return headers


def _choose_series(headers, series_uid, source, notes) -> tuple[str, list[tuple[str, Dataset]]]:
    if not headers:
        raise DicomError(f"no DICOM image found in {source}: " + "; ".join(notes))
    groups: dict[str, list[tuple[str, Dataset]]] = {}
    for path, ds in headers:
        groups.setdefault(str(ds.get("SeriesInstanceUID", "<no SeriesInstanceUID>")), []).append((path, ds))
    found = {
        uid: {
            "n_files": len(items),
            "modality": items[0][1].get("Modality"),
            "description": items[0][1].get("SeriesDescription"),
            "number": items[0][1].get("SeriesNumber"),
        }
        for uid, items in groups.items()
    }
    listing = "; ".join(
        f"{uid} ({info['n_files']} files, {info['modality']}, #{info['number']}, {info['description']!r})"
        for uid, info in found.items()
    )
    if series_uid is not None:
        if series_uid not in groups:
            raise MixedSeriesError(f"series {series_uid} not found; series found: {listing}", series=found)
        return series_uid, groups[series_uid]
    if len(groups) > 1:
        raise MixedSeriesError(
            f"{len(groups)} series found; pass series_uid=<one of them>: {listing}", series=found
        )
    uid = next(iter(groups))
    return uid, groups[uid]


def _as_vector(value: Any, n: int) -> np.ndarray | None:
    if value is None:
        return None
    vec = np.asarray([float(v) for v in value], dtype=np.float64)
    return vec if vec.shape == (n,) else None


def _slices_of(path: str, ds: Dataset, notes: list[str]) -> list[_Slice]:
    shape = (int(ds.Rows), int(ds.Columns))
    n_frames = int(ds.get("NumberOfFrames") or 1)
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    if n_frames == 1 and not per_frame:
        spacing = _as_vector(ds.get("PixelSpacing"), 2)
        return [_Slice(path, None, _as_vector(ds.get("ImagePositionPatient"), 3),
                       _as_vector(ds.get("ImageOrientationPatient"), 6),
                       None if spacing is None else tuple(spacing), shape)]
    shared = ds.get("SharedFunctionalGroupsSequence")
    out = []
    for i in range(n_frames):
        position = _frame_attr(per_frame, shared, i, "PlanePositionSequence", "ImagePositionPatient", 3)
        orientation = _frame_attr(per_frame, shared, i, "PlaneOrientationSequence", "ImageOrientationPatient", 6)
        spacing = _frame_attr(per_frame, shared, i, "PixelMeasuresSequence", "PixelSpacing", 2)
        out.append(_Slice(path, i, position, orientation, None if spacing is None else tuple(spacing), shape))
    if any(s.position is None for s in out):
        notes.append(f"{Path(path).name}: {n_frames} frames without per-frame (0020,0032) positions; "
                     "frames kept in file order")
        top = _as_vector(ds.get("ImagePositionPatient"), 3)
        for s in out:
            s.position = None
            s.orientation = s.orientation if s.orientation is not None else _as_vector(
                ds.get("ImageOrientationPatient"), 6)
            s.pixel_spacing = s.pixel_spacing or (
                tuple(_as_vector(ds.get("PixelSpacing"), 2)) if "PixelSpacing" in ds else None)
        out[0].position = top
    return out


def _frame_attr(per_frame, shared, i: int, macro: str, keyword: str, n: int) -> np.ndarray | None:
    for groups, index in ((per_frame, i), (shared, 0)):
        item = _functional_item(groups, index, macro)
        if item is not None and keyword in item:
            return _as_vector(item[keyword].value, n)
    return None


def _geometry(slices: list[_Slice], ds: Dataset, notes: list[str], *, strict: bool, tolerance: float) -> dict:
    """Sort slices along the normal; check the grid; build spacing, origin, direction, affine."""
    _check_same(slices, "shape", "size (Rows, Columns)")
    _check_same(slices, "pixel_spacing", "(0028,0030) Pixel Spacing")
    _check_same(slices, "orientation", "(0020,0037) Image Orientation (Patient)")
    orientation = slices[0].orientation
    if orientation is None:
        notes.append("no (0020,0037) Image Orientation (Patient): axial identity orientation assumed")
        orientation = np.array([1.0, 0, 0, 0, 1, 0])
    row_cos, col_cos = orientation[:3], orientation[3:]
    normal = np.cross(row_cos, col_cos)
    pixel_spacing = slices[0].pixel_spacing
    if pixel_spacing is None:
        notes.append("no (0028,0030) Pixel Spacing: in-plane spacing set to 1 mm")
        pixel_spacing = (1.0, 1.0)
    positioned = all(s.position is not None for s in slices)
    if positioned:
        distance = np.array([float(normal @ s.position) for s in slices])
        order = [int(i) for i in np.argsort(distance, kind="stable")]
        dz, grid = _slice_gap(distance[order], slices, order, notes, strict=strict, tolerance=tolerance)
        if dz is None:
            dz = _fallback_gap(ds, 1, notes)
        _check_tilt([slices[i].position for i in order], normal, notes)
        origin = slices[order[0]].position
    else:
        order, grid = list(range(len(slices))), list(range(len(slices)))
        dz = _fallback_gap(ds, len(slices), notes)
        origin = slices[0].position
        if origin is None:
            notes.append("no (0020,0032) Image Position (Patient): origin set to (0, 0, 0)")
            origin = np.zeros(3)
    spacing = (float(dz), float(pixel_spacing[0]), float(pixel_spacing[1]))
    direction = np.column_stack([normal, col_cos, row_cos])
    affine = np.eye(4)
    affine[:3, :3] = direction * np.array(spacing)
    affine[:3, 3] = origin
    return {"order": order, "grid": grid, "spacing_mm": spacing, "origin_mm": np.asarray(origin, dtype=np.float64),
            "direction": direction, "affine": affine}


def _check_same(slices: list[_Slice], attr: str, label: str) -> None:
    ref = getattr(slices[0], attr)
    for s in slices[1:]:
        value = getattr(s, attr)
        if (ref is None) != (value is None) or (ref is not None and not np.allclose(ref, value, atol=1e-4)):
            where = Path(s.path).name + (f" frame {s.frame}" if s.frame is not None else "")
            raise SeriesGeometryError(
                f"{label} differs within the series: {ref} in {Path(slices[0].path).name} but {value} in "
                f"{where}; load the slices separately or pick another series_uid"
            )


def _slice_gap(distance, slices, order, notes, *, strict: bool, tolerance: float) -> tuple[float | None, list[int]]:
    """Median gap between sorted slice distances and each slice's index on the regular grid."""
    if len(distance) == 1:
        return None, [0]
    gaps = np.diff(distance)
    if np.any(gaps < 1e-3):
        i = int(np.argmin(gaps))
        names = [Path(slices[order[j]].path).name for j in (i, i + 1)]
        raise SeriesGeometryError(
            f"slices {names[0]} and {names[1]} share the position d = {distance[i]:.3f} mm along the normal; "
            "the series holds several acquisitions (echoes, phases, time points?): split it first"
        )
    median = float(np.median(gaps))
    problems, grid = [], [0]
    for i, gap in enumerate(gaps):
        steps = round(gap / median)
        grid.append(grid[-1] + 1)
        if abs(gap - median) <= tolerance * median:
            continue
        if steps >= 2 and abs(gap - steps * median) <= tolerance * median:
            grid[-1] += steps - 1
            problems.append(f"{steps - 1} missing slice(s) between d = {distance[i]:.2f} and "
                            f"{distance[i + 1]:.2f} mm (gap {gap:.2f} mm, spacing {median:.2f} mm)")
        else:
            problems.append(f"uneven gap of {gap:.2f} mm between d = {distance[i]:.2f} and "
                            f"{distance[i + 1]:.2f} mm (median spacing {median:.2f} mm)")
    if problems and strict:
        raise SeriesGeometryError("; ".join(problems) + " (strict=True)")
    notes.extend(problems)
    return median, grid


def _check_tilt(positions, normal, notes) -> None:
    step = positions[-1] - positions[0]
    length = float(np.linalg.norm(step))
    if length > 0 and abs(float(normal @ step)) / length < 0.9999:
        angle = math.degrees(math.acos(min(1.0, abs(float(normal @ step)) / length)))
        notes.append(f"slices are offset sideways by {angle:.2f} degrees (gantry tilt?); "
                     "the affine uses the slice normal")


def _fallback_gap(ds: Dataset, n: int, notes: list[str]) -> float:
    for keyword in ("SpacingBetweenSlices", "SliceThickness"):
        value = _lookup(ds, keyword)
        if value not in (None, ""):
            if n > 1:
                notes.append(f"z spacing {float(value)} mm taken from {keyword}, not from slice positions")
            return float(value)
    notes.append("no slice positions, (0018,0088) or (0018,0050): z spacing set to 1 mm")
    return 1.0


def _stack(placed: list[_Slice | None], *, rescale: bool, modality: str | None, fill: float | None):
    """Read each file once and put its frames at their z index; empty z get `fill`."""
    position = {id(s): z for z, s in enumerate(placed) if s is not None}
    by_file: dict[str, list[_Slice]] = {}
    for s in placed:
        if s is not None:
            by_file.setdefault(s.path, []).append(s)
    array, units = None, "stored value"
    for path, items in by_file.items():
        ds = read(path)
        arr = pixels(ds)
        if int(ds.get("SamplesPerPixel", 1)) != 1:
            raise SeriesGeometryError(f"{Path(path).name} is colour ({ds.SamplesPerPixel} samples); "
                                      "load_series stacks grayscale images only")
        frames = arr[None] if items[0].frame is None else arr.reshape((-1,) + arr.shape[-2:])
        if rescale:
            frames = to_modality_units(frames, ds).astype(np.float32)
            units = _units(ds, modality)
        if array is None:
            shape = (len(placed),) + frames.shape[1:]
            array = np.empty(shape, frames.dtype) if fill is None else np.full(shape, fill, np.float32)
        for s in items:
            array[position[id(s)]] = frames[0 if s.frame is None else s.frame]
    return array, units


def _units(ds: Dataset, modality: str | None) -> str:
    rescale_type = str(_lookup(ds, "RescaleType") or "").upper()
    if rescale_type and rescale_type != "US":  # "US" = unspecified (PS3.3 C.11.1.1.2)
        return rescale_type
    has_rescale = _lookup(ds, "RescaleSlope") is not None or ds.get("ModalityLUTSequence")
    return "HU" if modality == "CT" and has_rescale else "arbitrary"
