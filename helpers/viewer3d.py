"""A real 3D / multiplanar viewer for the course's volumes: NiiVue (WebGL) in the notebook, slices as the fallback.

:class:`VolumeViewer3D` hands each :class:`Scene` (a ``(z, y, x)`` volume, its affine and optional overlays) to
NiiVue through the ``ipyniivue`` widget, as in-memory NIfTI files: NiiVue then places every voxel in world (RAS+)
millimetres itself, so orientation and spacing come from the same affine as everywhere else in the course
(:func:`helpers.geometry.nifti_to_zyx`). Course controls (scene, view, overlay opacity, time frame) drive it.

Where NiiVue cannot draw, the course's PNG slice viewer (:class:`helpers.widgets.OrthoViewer`) is shown
instead, chosen automatically, with a one-line note:

- ``ipyniivue`` is not installed: the fallback is displayed directly;
- the front end has no widget manager (the static site, nbviewer, GitHub): the output's PNG is what they show
  (every display carries the PNG next to the widget; the site keeps only the PNG);
- the browser has no WebGL2: a small companion widget checks ``getContext("webgl2")`` in the browser and shows
  the PNG instead.

On Colab, third-party widgets need Colab's custom widget manager, which is switched on before the first display.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from . import widgets

__all__ = ["Scene", "VolumeViewer3D", "nifti_gz_bytes", "zyx_to_nifti", "VIEWS"]

# NiiVue's slice types (niivue SLICE_TYPE): axial, coronal, sagittal, multiplanar (with a 3D render), render only
VIEWS = {"axial": 0, "coronal": 1, "sagittal": 2, "multiplanar": 3, "3D render": 4}
FALLBACK_NOTE = "3D view unavailable here ({reason}): showing the slice viewer instead."

WEBGL_CHECK_ESM = """
function render({ model, el }) {
  const canvas = document.createElement("canvas");
  if (canvas.getContext("webgl2")) { return; }  // NiiVue can draw: show nothing
  const note = document.createElement("p");
  note.textContent = model.get("note");
  const img = document.createElement("img");
  img.src = "data:image/png;base64," + model.get("png_base64");
  img.alt = model.get("alt");
  el.append(note, img);
}
export default { render };
"""


def zyx_to_nifti(volume: np.ndarray, affine_zyx: np.ndarray):
    """Wrap a course-convention volume as a NIfTI image without resampling.

    Parameters
    ----------
    volume : ndarray, shape (z, y, x) or (t, z, y, x)
        In the course's convention (:mod:`helpers.geometry`).
    affine_zyx : ndarray, shape (4, 4)
        Maps ``(z, y, x, 1)`` voxel indices to RAS+ world coordinates in mm.

    Returns
    -------
    nibabel.Nifti1Image
        Axes ``(x, y, z[, t])`` with the affine permuted to match: the same voxel has the same world position.
    """
    import nibabel as nib

    volume = np.asarray(volume)
    if volume.ndim not in (3, 4):
        raise ValueError(f"need a (z, y, x) or (t, z, y, x) volume, got shape {volume.shape}")
    affine_zyx = np.asarray(affine_zyx, dtype=float)
    if affine_zyx.shape != (4, 4):
        raise ValueError(f"affine_zyx must be 4x4, got shape {affine_zyx.shape}")
    order = (2, 1, 0) if volume.ndim == 3 else (3, 2, 1, 0)
    data = np.ascontiguousarray(volume.transpose(order))
    if data.dtype == bool:
        data = data.astype(np.uint8)
    xyz_to_zyx = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]], dtype=float)
    img = nib.Nifti1Image(data, affine_zyx @ xyz_to_zyx)
    img.header.set_xyzt_units("mm", "sec")
    return img


def nifti_gz_bytes(volume: np.ndarray, affine_zyx: np.ndarray) -> bytes:
    """The gzipped NIfTI-1 file of :func:`zyx_to_nifti`, in memory (what NiiVue loads)."""
    img = zyx_to_nifti(volume, affine_zyx)
    return gzip.compress(img.to_bytes(), compresslevel=1)


@dataclass
class Scene:
    """One thing to look at in :class:`VolumeViewer3D`: a base volume, its affine, overlays and display range.

    Parameters
    ----------
    volume : ndarray, shape (z, y, x) or (t, z, y, x)
        The base image, course convention (:mod:`helpers.geometry`).
    affine_zyx : ndarray, shape (4, 4)
        Voxel ``(z, y, x, 1)`` → RAS+ mm (``meta.extra["affine_zyx"]`` of a sample, or built from DICOM).
    overlays : mapping of str to (ndarray, str), optional
        Name → ``(map, colormap)``; each map has the base image's spatial shape; colormaps are NiiVue's
        (``"red"``, ``"green"``, ``"warm"``, ...). Shown from half the map's maximum up.
    window : (low, high), optional
        Display range of the base image (default: NiiVue's robust range).
    """

    volume: np.ndarray
    affine_zyx: np.ndarray
    overlays: Mapping = field(default_factory=dict)
    window: tuple | None = None

    def __post_init__(self):
        self.volume = np.asarray(self.volume)
        if self.volume.ndim not in (3, 4):
            raise ValueError(f"a 3D view needs a (z, y, x) or (t, z, y, x) volume, got shape {self.volume.shape}")
        self.affine_zyx = np.asarray(self.affine_zyx, dtype=float)
        self.overlays = dict(self.overlays or {})
        for name, (data, _) in self.overlays.items():
            if np.shape(data) != self.volume.shape[-3:]:
                raise ValueError(f"overlay {name!r} has shape {np.shape(data)}, the volume {self.volume.shape[-3:]}")
        if self.window is not None:
            self.window = tuple(float(v) for v in self.window)

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        """Voxel size along (z, y, x) in mm, from the affine."""
        return tuple(float(s) for s in np.linalg.norm(self.affine_zyx[:3, :3], axis=0))

    def layers(self) -> list[dict]:
        """NiiVue volume descriptions: the base image, then each overlay, as in-memory ``.nii.gz`` files."""
        base = {"name": "image.nii.gz", "data": nifti_gz_bytes(self.volume, self.affine_zyx), "colormap": "gray"}
        if self.window is not None:
            base["cal_min"], base["cal_max"] = self.window
        layers = [base]
        for name, (data, colormap) in self.overlays.items():
            data = np.asarray(data, dtype=np.float32)
            layers.append({"name": f"{name}.nii.gz", "data": nifti_gz_bytes(data, self.affine_zyx),
                           "colormap": colormap, "opacity": 0.5,
                           "cal_min": 0.5 * float(data.max()), "cal_max": float(data.max())})
        return layers

    def fallback(self, frame: int = 0, title: str | None = None) -> widgets.OrthoViewer:
        """The course's slice viewer of this scene (first overlay above half its maximum as the outline)."""
        base = self.volume if self.volume.ndim == 3 else self.volume[frame]
        overlay = None
        if self.overlays:
            data, _ = next(iter(self.overlays.values()))
            overlay = np.asarray(data) > 0.5 * float(np.max(data))
        window = None if self.window is None else ((self.window[0] + self.window[1]) / 2,
                                                   self.window[1] - self.window[0])
        return widgets.OrthoViewer(base, spacing_mm=self.spacing_mm, window=window, overlay=overlay, title=title)


class VolumeViewer3D:
    """NiiVue's multiplanar and 3D rendering of one or several scenes, with overlays and time frames.

    Parameters
    ----------
    scenes : Scene or mapping of str to Scene
        What to show; with several, a dropdown switches between them (ipyniivue draws every viewer of a page into
        one shared canvas, so a notebook shows one 3D viewer and switches scenes in it).
    view : str
        One of :data:`VIEWS`.
    title : str, optional
    height : int
        Canvas height in pixels.

    Attributes
    ----------
    scene, view, opacity, frame : ipywidgets widgets
        The controls: the scene dropdown (several scenes only), view, overlay opacity, time frame (the latter two
        disabled when the scene has no overlay / a single frame).
    fallback : helpers.widgets.OrthoViewer
        The slice viewer of the current scene, shown where NiiVue cannot draw.
    nv : ipyniivue.NiiVue or None
        The widget (None when ipyniivue is missing).

    Examples
    --------
    >>> import numpy as np
    >>> ball = np.fromfunction(lambda z, y, x: ((z - 8) ** 2 + (y - 8) ** 2 + (x - 8) ** 2 < 30) * 1.0, (16, 16, 16))
    >>> viewer = VolumeViewer3D(Scene(ball, np.diag([2.0, 1.0, 1.0, 1.0])), view="3D render")
    >>> viewer.view.value = "axial"  # what a student's choice does
    >>> viewer.state["view"], viewer.world_mm((1, 2, 3)).tolist()
    ('axial', [2.0, 2.0, 3.0])
    """

    def __init__(self, scenes, *, view: str = "multiplanar", title: str | None = None, height: int = 360):
        self.scenes = {"volume": scenes} if isinstance(scenes, Scene) else scenes
        if not isinstance(self.scenes, Mapping) or not self.scenes or not all(
                isinstance(s, Scene) for s in self.scenes.values()):
            raise TypeError("scenes must be a Scene or a non-empty mapping of names to Scene objects")
        if view not in VIEWS:
            raise ValueError(f"view must be one of {sorted(VIEWS)}, got {view!r}")
        self.scenes, self.title = dict(self.scenes), title
        self.current = next(iter(self.scenes.values()))
        self.fallback = self.current.fallback(title=title)
        self.missing = None
        try:
            import ipyniivue
        except ImportError:
            self.missing = "the package ipyniivue is not installed (pip install ipyniivue)"
            self.nv = None
        else:
            self.nv = self._make_niivue(ipyniivue, view, height)
        self._make_controls(view)

    # ---- construction -------------------------------------------------------------------------------------
    def _make_niivue(self, ipyniivue, view: str, height: int):
        # radiological convention: the patient's right on the screen's left, as in every course figure
        nv = ipyniivue.NiiVue(height=height, is_radiological_convention=True, back_color=(0, 0, 0, 1),
                              multiplanar_show_render=ipyniivue.ShowRender.ALWAYS)
        nv.load_volumes(self.current.layers())
        nv.set_slice_type(ipyniivue.SliceType(VIEWS[view]))
        return nv

    def _make_controls(self, view: str) -> None:
        import ipywidgets as w

        self.scene = w.Dropdown(options=list(self.scenes), description="scene") if len(self.scenes) > 1 else None
        self.view = w.Dropdown(options=list(VIEWS), value=view, description="view")
        self.opacity = widgets.float_slider("overlay", 0.5, 0.0, 1.0)
        self.frame = widgets.int_slider("frame", 0, 0, 1)
        self._fit_controls()
        for control, handler in ((self.scene, self._on_scene), (self.view, self._on_view),
                                 (self.opacity, self._on_opacity), (self.frame, self._on_frame)):
            if control is not None:
                control.observe(handler, names="value")

    def _fit_controls(self) -> None:
        """Enable the opacity and frame controls only where the current scene has overlays / frames."""
        frames = self.current.volume.shape[0] if self.current.volume.ndim == 4 else 1
        self.frame.value = 0
        self.frame.max = max(frames - 1, 1)
        self.frame.disabled = frames == 1
        self.opacity.disabled = not self.current.overlays

    # ---- control → NiiVue ---------------------------------------------------------------------------------
    def _on_scene(self, change) -> None:
        self.current = self.scenes[change["new"]]
        self._fit_controls()
        self.fallback = self.current.fallback(title=self.title)
        if self.nv is not None:
            self.nv.load_volumes(self.current.layers())
            self._on_opacity({"new": self.opacity.value})

    def _on_view(self, change) -> None:
        if self.nv is not None:
            import ipyniivue

            self.nv.set_slice_type(ipyniivue.SliceType(VIEWS[change["new"]]))

    def _on_opacity(self, change) -> None:
        if self.nv is not None:
            for layer in self.nv.volumes[1:]:
                layer.opacity = float(change["new"])

    def _on_frame(self, change) -> None:
        if self.current.volume.ndim != 4:
            return
        if self.nv is not None:
            self.nv.volumes[0].frame_4d = int(change["new"])
        self.fallback.volume = self.current.volume[int(change["new"])]
        self.fallback.redraw()

    @property
    def controls(self) -> list:
        """The course controls, in display order."""
        return [c for c in (self.scene, self.view, self.opacity, self.frame) if c is not None]

    @property
    def state(self) -> dict:
        """What the viewer shows: scene, view, overlay opacity, frame, and whether NiiVue or the fallback draws."""
        return {"scene": None if self.scene is None else self.scene.value, "view": self.view.value,
                "opacity": self.opacity.value, "frame": self.frame.value,
                "renderer": "niivue" if self.nv is not None else "slices"}

    def world_mm(self, index_zyx) -> np.ndarray:
        """RAS+ world coordinates (mm) of voxel ``(z, y, x)`` of the current scene, as NiiVue places it."""
        return (self.current.affine_zyx @ np.append(np.asarray(index_zyx, dtype=float), 1.0))[:3]

    # ---- display ------------------------------------------------------------------------------------------
    def _webgl_check(self):
        import anywidget
        import traitlets as t

        class WebGLCheck(anywidget.AnyWidget):
            _esm = WEBGL_CHECK_ESM
            note = t.Unicode().tag(sync=True)
            png_base64 = t.Unicode().tag(sync=True)
            alt = t.Unicode().tag(sync=True)

        return WebGLCheck(note=FALLBACK_NOTE.format(reason="this browser has no WebGL2"),
                          png_base64=base64.b64encode(self.fallback.png).decode("ascii"),
                          alt=f"Slices of {self.title or 'the volume'}")

    def _repr_mimebundle_(self, include=None, exclude=None):
        """The display data: the live widget (NiiVue and the controls) with the slices' PNG and a note beside it.

        Front ends with a widget manager show the widget; the others (static site, nbviewer) the PNG and the note.
        Built by hand because ipywidgets 7 (Colab) widgets have no ``_repr_mimebundle_``.
        """
        import ipywidgets as w

        _enable_colab_widgets()
        png = base64.b64encode(self.fallback.png).decode("ascii")
        if self.nv is None:
            return {"image/png": png, "text/plain": FALLBACK_NOTE.format(reason=self.missing)}
        box = w.VBox([*self.controls, self.nv, self._webgl_check()])
        return {"application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0,
                                                             "model_id": box.model_id},
                "image/png": png, "text/plain": FALLBACK_NOTE.format(reason="no live widgets in this view")}

    def _ipython_display_(self):
        from IPython.display import display

        if self.nv is None:  # the live slice viewer (controls and image), after the note
            print(FALLBACK_NOTE.format(reason=self.missing))
            display(self.fallback)
        else:
            display(self._repr_mimebundle_(), raw=True)


def _enable_colab_widgets() -> None:
    """On Colab, switch on the custom widget manager that third-party widgets such as NiiVue need (idempotent)."""
    import sys

    if "google.colab" in sys.modules:
        sys.modules["google.colab"].output.enable_custom_widget_manager()
