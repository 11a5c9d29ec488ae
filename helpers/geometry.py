"""Image geometry shared by the sample catalogue and the topic modules: orientation and resampling.

The course's array convention (see :mod:`helpers.data`): volumes are ``(z, y, x)`` with z inferior → superior,
y anterior → posterior (row 0 = anterior) and x patient right → patient left (column 0 = the patient's right,
the radiological convention). An axial DICOM slice is turned into the same in-plane convention.
"""

from __future__ import annotations

import numpy as np

__all__ = ["axial_flips", "flip_axial", "nifti_to_zyx", "resample_to_spacing"]


def axial_flips(iop) -> tuple[str, ...]:
    """Axes to flip so an axial slice has anterior at row 0 and the patient's right at column 0.

    Parameters
    ----------
    iop : sequence of 6 float
        (0020,0037) Image Orientation (Patient): the row direction (along a row, i.e. across columns) then the
        column direction, as unit vectors in LPS patient coordinates (PS3.3 C.7.6.2.1.1): +x = patient left,
        +y = posterior.

    Returns
    -------
    tuple of str
        ``()``, ``("y",)``, ``("x",)`` or ``("y", "x")``; ``()`` for a slice that is not axial (its stored
        order is kept).

    Examples
    --------
    >>> axial_flips([1, 0, 0, 0, -1, 0])  # rows run posterior -> anterior
    ('y',)
    """
    row, col = np.asarray(iop[:3], dtype=float), np.asarray(iop[3:], dtype=float)
    if abs(np.cross(row, col)[2]) < 0.9:  # not an axial slice: keep the stored order
        return ()
    flips = []
    if col[1] < 0:  # going down the rows moves anteriorly, so row 0 is posterior
        flips.append("y")
    if row[0] < 0:  # going along a row moves to the patient's right, so column 0 is the left
        flips.append("x")
    return tuple(flips)


def flip_axial(image: np.ndarray, iop) -> tuple[np.ndarray, list[float], tuple[str, ...]]:
    """Flip an axial slice into the course's convention and update its orientation to match.

    Parameters
    ----------
    image : ndarray, shape (rows, cols) or (rows, cols, channels)
        The slice as stored.
    iop : sequence of 6 float
        Its (0020,0037) Image Orientation (Patient), see :func:`axial_flips`.

    Returns
    -------
    image : ndarray
        A view of `image`, flipped along the axes in `flips`.
    iop : list of float
        The orientation of the returned array (a flipped axis has its direction vector negated).
    flips : tuple of str
        The axes that were flipped, as :func:`axial_flips` returns them.
    """
    iop = [float(v) for v in iop]
    flips = axial_flips(iop)
    if "y" in flips:
        image = image[::-1]
        iop = iop[:3] + [-v for v in iop[3:]]
    if "x" in flips:
        image = image[:, ::-1]
        iop = [-v for v in iop[:3]] + iop[3:]
    return image, iop, flips


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

    Raises
    ------
    ValueError
        If `data` is not 3D.

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
