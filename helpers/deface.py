"""Faces in head MRI: a head template with its face, a Quickshear de-facing cut, and static surface renderings.

02's de-identification section shows that a head volume holds a face and what de-facing takes away. The head
is the average T1-weighted head that pydeface ships as its registration template (``mean_reg2mean.nii.gz``,
with the mask of the face region pydeface removes, ``facemask.nii.gz``); pydeface is installed as a data
package (``requirements-data.txt``, no dependencies). The cut is Quickshear's (Schimke, Kuehler and Hale 2011,
https://doi.org/10.1007/978-3-642-22348-8_26): in the side view of a brain mask, the first edge of its lower
convex hull, lowered by a buffer, is a plane; every voxel below it (the face side) is set to zero.

Arrays follow the course convention (:mod:`helpers.geometry`): ``(z, y, x)``, z inferior → superior,
y anterior → posterior, x the patient's right → left.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from scipy import ndimage

__all__ = ["brain_mask", "head_surface", "load_head_template", "quickshear_keep", "render_surface",
           "surface_removed"]

_TEMPLATE = "mean_reg2mean.nii.gz"
_FACE_MASK = "facemask.nii.gz"


def _pydeface_data(name: str) -> Path:
    spec = importlib.util.find_spec("pydeface")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the head template comes from the pydeface package: pip install --no-deps "
                                "pydeface (or `make lab`, which installs requirements-data.txt)")
    path = Path(spec.origin).parent / "data" / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall pydeface (pip install --no-deps --force-reinstall "
                                "pydeface)")
    return path


def _halve(volume: np.ndarray) -> np.ndarray:
    """Average 2 × 2 × 2 blocks (an odd last row/column/slice is dropped)."""
    z, y, x = (n // 2 * 2 for n in volume.shape)
    v = volume[:z, :y, :x].astype(np.float32)
    return v.reshape(z // 2, 2, y // 2, 2, x // 2, 2).mean(axis=(1, 3, 5))


def load_head_template() -> tuple[np.ndarray, np.ndarray, tuple[float, float, float]]:
    """pydeface's average T1-weighted head (with its face) and pydeface's face region, at about 2 mm.

    Returns
    -------
    head : numpy.ndarray, float32, shape (z, y, x) = (128, 128, 88)
        Intensity scaled to 0..1 by the maximum; 2 × 2 × 2 block averages of the ~1 mm file.
    face : numpy.ndarray, bool, same shape
        The voxels pydeface's ``facemask.nii.gz`` marks for removal (its mask is 0 there).
    spacing_mm : tuple of 3 float
        Voxel size along (z, y, x), mm.

    Raises
    ------
    FileNotFoundError
        If pydeface (a data-only requirement) is not installed.
    """
    import nibabel as nib

    from helpers.geometry import nifti_to_zyx

    data, spacing, _ = nifti_to_zyx(nib.load(_pydeface_data(_TEMPLATE)))
    keep, _, _ = nifti_to_zyx(nib.load(_pydeface_data(_FACE_MASK)))
    head = _halve(data)
    face = _halve(keep) < 0.5  # a block is face when most of its voxels are
    return head / head.max(), face, tuple(round(2 * s, 4) for s in spacing)


def brain_mask(head: np.ndarray, spacing_mm, *, threshold: float = 0.3, erosion_mm: float = 10.0) -> np.ndarray:
    """A rough brain mask of a clean, averaged T1 head: bright tissue cut loose from the scalp by an erosion.

    Tissue above ``threshold`` is eroded by ``erosion_mm`` (which breaks the thin links to scalp, skull marrow
    and neck), the largest piece is kept, grown back by the same distance inside the tissue, and its holes
    (ventricles) are filled. Good enough to place a Quickshear plane on a template; not a skull stripper.

    Parameters
    ----------
    head : numpy.ndarray, shape (z, y, x)
        T1-weighted intensities scaled to 0..1.
    spacing_mm : sequence of 3 float
        Voxel size along (z, y, x), mm.
    threshold : float
        Intensity above which a voxel counts as tissue (0..1).
    erosion_mm : float
        Erosion (and regrowth) distance, mm.

    Returns
    -------
    numpy.ndarray, bool, shape (z, y, x)
    """
    if head.ndim != 3:
        raise ValueError(f"head must be a 3D (z, y, x) volume, not shape {head.shape}")
    tissue = head > threshold
    core = ndimage.distance_transform_edt(tissue, sampling=spacing_mm) > erosion_mm
    labels, n = ndimage.label(core)
    if n == 0:
        raise ValueError(f"nothing is left after a {erosion_mm} mm erosion: lower threshold or erosion_mm")
    largest = labels == 1 + int(np.argmax(ndimage.sum(core, labels, range(1, n + 1))))
    grown = ndimage.distance_transform_edt(~largest, sampling=spacing_mm) <= erosion_mm
    return ndimage.binary_fill_holes(grown & tissue)


def _lower_hull(points: np.ndarray) -> np.ndarray:
    """Lower convex hull of points sorted by (first, second) coordinate: Andrew's monotone chain."""
    def turn(o, a, b):  # z component of (a - o) × (b - o): > 0 for a left turn
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    hull: list[np.ndarray] = []
    for p in points:
        while len(hull) >= 2 and turn(hull[-2], hull[-1], p) <= 0:
            hull.pop()
        hull.append(p)
    return np.array(hull)


def quickshear_keep(brain: np.ndarray, buffer_voxels: int = 10) -> np.ndarray:
    """Quickshear's cut: True for the voxels kept, False below the plane on the face side.

    The side view of the brain (its projection along x) is outlined; the first edge of the outline's lower
    convex hull, from the most anterior point backwards, defines a line; lowered by ``buffer_voxels`` and
    extended across the whole side view and along x, it is the cutting plane (Schimke et al. 2011).

    Parameters
    ----------
    brain : numpy.ndarray, bool, shape (z, y, x)
        Brain mask (z inferior → superior, y anterior → posterior).
    buffer_voxels : int
        How far below the brain's hull the plane lies, in voxels (Quickshear's default is 10).

    Returns
    -------
    numpy.ndarray, bool, shape (z, y, x)
        The voxels to keep; multiply the head by it to de-face.
    """
    if brain.ndim != 3 or not brain.any():
        raise ValueError("brain must be a non-empty 3D (z, y, x) mask")
    side = brain.any(axis=2).T  # (y, z): anterior → posterior, inferior → superior
    outline = (4 * side.astype(int) - sum(np.roll(side, s, a) for s in (1, -1) for a in (0, 1))) != 0
    (y0, z0), (y1, z1) = _lower_hull(np.argwhere(outline))[:2]
    plane_z = (np.arange(brain.shape[1]) - y0) * (z1 - z0) / (y1 - y0) + z0 - buffer_voxels
    below = np.arange(brain.shape[0])[:, None] < np.where(plane_z > 0, plane_z.astype(int), 0)[None, :]
    return np.broadcast_to(~below[:, :, None], brain.shape).copy()


def head_surface(head: np.ndarray, spacing_mm, *, level: float = 0.1, step: int = 2):
    """The skin surface of a head volume: marching cubes at ``level`` (Lorensen and Cline 1987).

    Parameters
    ----------
    head : numpy.ndarray, shape (z, y, x)
        Intensities scaled to 0..1 (zero outside the head).
    spacing_mm : sequence of 3 float
        Voxel size along (z, y, x), mm.
    level : float
        Iso-value between air and skin.
    step : int
        Marching-cubes step in voxels: 2 quarters the number of triangles (fast static figures).

    Returns
    -------
    vertices : numpy.ndarray, shape (n, 3)
        (z, y, x) positions in mm.
    triangles : numpy.ndarray of int, shape (m, 3)
        Vertex indices of each triangle.
    """
    from skimage.measure import marching_cubes

    vertices, triangles, _, _ = marching_cubes(head, level=level, spacing=tuple(spacing_mm), step_size=step)
    return vertices, triangles


def _areas(vertices: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    a, b, c = (vertices[triangles[:, i]] for i in range(3))
    return 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)


def surface_removed(vertices: np.ndarray, triangles: np.ndarray, keep: np.ndarray, spacing_mm) -> float:
    """Share (0..1) of a surface's area whose triangle centres fall in voxels that ``keep`` sets to zero.

    Parameters
    ----------
    vertices, triangles : numpy.ndarray
        A surface from :func:`head_surface` (vertices in mm, (z, y, x)).
    keep : numpy.ndarray, bool, shape (z, y, x)
        The voxels a de-facing keeps.
    spacing_mm : sequence of 3 float
        Voxel size along (z, y, x), mm.
    """
    centres = vertices[triangles].mean(axis=1) / np.asarray(spacing_mm, dtype=float)
    index = tuple(np.clip(np.round(centres).astype(int), 0, np.array(keep.shape) - 1).T)
    area = _areas(vertices, triangles)
    return float(area[~keep[index]].sum() / area.sum())


def render_surface(ax, vertices: np.ndarray, triangles: np.ndarray, *, title: str = "", colour=(0.86, 0.72, 0.62)):
    """Draw a shaded surface on a matplotlib 3D axis, seen from the front-right (static: no WebGL needed).

    Parameters
    ----------
    ax : mpl_toolkits.mplot3d.axes3d.Axes3D
        Made with ``fig.add_subplot(..., projection="3d")``.
    vertices, triangles : numpy.ndarray
        From :func:`head_surface`: (z, y, x) in mm and vertex indices.
    title : str
        Axis title.
    colour : tuple of 3 float
        Base RGB colour (0..1), shaded by the angle to a light from the viewer's side.
    """
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection

    xyz = vertices[:, [2, 1, 0]] * [-1, -1, 1]  # plot axes towards the patient's right, anterior, up (RAS)
    faces = xyz[triangles]
    normals = np.cross(faces[:, 1] - faces[:, 0], faces[:, 2] - faces[:, 0])
    normals /= np.linalg.norm(normals, axis=1, keepdims=True) + 1e-12
    light = np.array([0.5, 1.0, 0.6]) / np.linalg.norm([0.5, 1.0, 0.6])  # from the front, right and above
    shade = 0.25 + 0.75 * np.abs(normals @ light)
    ax.add_collection3d(Poly3DCollection(faces, facecolors=np.clip(shade[:, None] * colour, 0, 1), linewidths=0))
    low, high = xyz.min(axis=0), xyz.max(axis=0)
    ax.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), zlim=(low[2], high[2]), title=title)
    ax.set_box_aspect(high - low)
    ax.view_init(elev=10, azim=60)  # the camera in front of the face, to its right
    ax.set_axis_off()
    return ax
