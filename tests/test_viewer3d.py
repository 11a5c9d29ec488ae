"""helpers/viewer3d.py without a browser: world coordinates, controls, fallbacks (tests/test_browser.py draws it)."""

import sys

import nibabel as nib
import numpy as np
import pytest

from helpers import viewer3d
from helpers.data import load_sample, sample_path


@pytest.fixture(scope="module")
def mni():
    t1, meta = load_sample("mri_brain_t1")
    mask, _ = load_sample("mri_brain_mask")
    return t1, mask, meta.extra["affine_zyx"]


def _world_centroid(data_xyz, affine):
    """World (mm) centre of mass of the voxels above half the maximum, in a NIfTI's own axes."""
    index = np.argwhere(data_xyz > 0.5 * data_xyz.max()).mean(axis=0)
    return (affine @ np.append(index, 1.0))[:3]


def test_the_nifti_niivue_gets_places_the_brain_where_the_source_file_does(mni):
    t1, mask, affine = mni
    handed = nib.Nifti1Image.from_bytes(__import__("gzip").decompress(viewer3d.nifti_gz_bytes(mask, affine)))
    source = nib.load(sample_path("mri_brain_t1"))  # nilearn's 1 mm file, read independently
    source_mask = np.asanyarray(source.dataobj) > 0.2 * float(np.max(source.dataobj))
    ours = _world_centroid(np.asanyarray(handed.dataobj).astype(float), handed.affine)
    theirs = _world_centroid(source_mask.astype(float), source.affine)
    assert np.abs(ours - theirs).max() < 2.0, f"brain centre {ours} mm vs the source file's {theirs} mm"


def test_world_mm_of_a_voxel_matches_nibabel(mni):
    t1, _, affine = mni
    img = viewer3d.zyx_to_nifti(t1, affine)
    z, y, x = 40, 50, 30
    assert np.allclose(viewer3d.VolumeViewer3D(viewer3d.Scene(t1, affine)).world_mm((z, y, x)),
                       nib.affines.apply_affine(img.affine, (x, y, z)))
    assert img.get_fdata()[x, y, z] == pytest.approx(t1[z, y, x])


def test_controls_drive_niivue(mni):
    t1, mask, affine = mni
    viewer = viewer3d.VolumeViewer3D(viewer3d.Scene(t1, affine, {"brain": (mask, "red")}))
    viewer.opacity.value = 0.8
    viewer.view.value = "3D render"
    assert [v.opacity for v in viewer.nv.volumes[1:]] == [pytest.approx(0.8)]
    assert viewer.nv.opts.slice_type.value == viewer3d.VIEWS["3D render"]
    assert viewer.state["renderer"] == "niivue"


def test_time_frames_move_niivue_and_the_fallback():
    series, meta = load_sample("fmri_4d")
    viewer = viewer3d.VolumeViewer3D(viewer3d.Scene(series, meta.extra["affine_zyx"]))
    assert not viewer.frame.disabled and viewer.opacity.disabled
    before = viewer.fallback.png
    viewer.frame.value = 1
    assert viewer.nv.volumes[0].frame_4d == 1
    assert viewer.fallback.png != before


def test_every_display_carries_the_png_fallback(mni):
    t1, _, affine = mni
    bundle = viewer3d.VolumeViewer3D(viewer3d.Scene(t1, affine))._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/png"] and "slice viewer" in bundle["text/plain"]


def test_without_ipyniivue_the_slices_are_shown_with_a_note(mni, monkeypatch):
    t1, _, affine = mni
    monkeypatch.setitem(sys.modules, "ipyniivue", None)
    viewer = viewer3d.VolumeViewer3D(viewer3d.Scene(t1, affine))
    assert viewer.nv is None and viewer.state["renderer"] == "slices"
    assert "pip install ipyniivue" in viewer._repr_mimebundle_()["text/plain"]


def test_on_colab_the_custom_widget_manager_is_switched_on(mni, monkeypatch):
    import types

    calls = []
    output = types.SimpleNamespace(enable_custom_widget_manager=lambda: calls.append(1))
    colab = types.ModuleType("google.colab")
    colab.output = output
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.output", output)
    t1, _, affine = mni
    viewer3d.VolumeViewer3D(viewer3d.Scene(t1, affine))._repr_mimebundle_()
    assert calls, "NiiVue would stay blank on Colab"


def test_switching_scenes_reloads_niivue_and_the_fallback(mni):
    t1, mask, affine = mni
    series, meta = load_sample("fmri_4d")
    viewer = viewer3d.VolumeViewer3D({"brain": viewer3d.Scene(t1, affine, {"mask": (mask, "red")}),
                                      "fMRI": viewer3d.Scene(series, meta.extra["affine_zyx"])})
    png, first = viewer.fallback.png, viewer.nv.volumes[0].data
    viewer.scene.value = "fMRI"
    assert viewer.nv.volumes[0].data != first and len(viewer.nv.volumes) == 1
    assert viewer.fallback.png != png and not viewer.frame.disabled


@pytest.mark.parametrize("make, error, message", [
    (lambda t1, a: viewer3d.Scene(t1[0], a), ValueError, "volume"),
    (lambda t1, a: viewer3d.Scene(t1, a, {"x": (np.zeros((2, 2, 2)), "red")}), ValueError, "overlay 'x'"),
    (lambda t1, a: viewer3d.VolumeViewer3D(viewer3d.Scene(t1, a), view="oblique"), ValueError, "view must be"),
    (lambda t1, a: viewer3d.VolumeViewer3D(t1), TypeError, "Scene"),
])
def test_bad_input_says_what_is_wrong(mni, make, error, message):
    t1, _, affine = mni
    with pytest.raises(error, match=message):
        make(t1, affine)
