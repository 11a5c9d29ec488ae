"""Viewers: driving the callbacks as a student would (set a slider value) changes what is displayed."""

import numpy as np
import pytest

from helpers import widgets


@pytest.fixture(scope="module")
def volume():
    z, y, x = np.mgrid[0:12, 0:16, 0:20]
    return (z * 100 + y * 10 + x).astype(np.float32)  # every voxel different, so every slice differs


def test_slice_viewer_slider_changes_displayed_slice(volume):
    viewer = widgets.SliceViewer(volume, spacing_mm=(2.0, 1.0, 1.0))
    first_png, first_image = viewer.png, viewer.current_image().copy()
    viewer.slice.value = 3
    assert viewer.state["slice"] == 3
    assert np.array_equal(viewer.current_image(), volume[3])
    assert not np.array_equal(viewer.current_image(), first_image)
    assert viewer.png != first_png and viewer.png.startswith(b"\x89PNG")


def test_slice_viewer_window_and_overlay_opacity_redraw(volume):
    mask = volume > 1000
    viewer = widgets.SliceViewer(volume, overlay=mask, axis=1)
    n = viewer.n_redraws
    viewer.width.value = viewer.width.max
    viewer.opacity.value = 0.9
    assert viewer.n_redraws == n + 2 and viewer.state["opacity"] == 0.9


def test_slice_viewer_rejects_bad_input(volume):
    with pytest.raises(ValueError, match="3D"):
        widgets.SliceViewer(volume[0])
    with pytest.raises(ValueError, match="overlay shape"):
        widgets.SliceViewer(volume, overlay=volume[:2])


def test_ortho_viewer_moves_crosshair(volume):
    viewer = widgets.OrthoViewer(volume)
    before = viewer.png
    viewer.x.value = 1
    assert viewer.state["x"] == 1 and viewer.png != before


def test_image_viewer_presets_move_the_window():
    image = np.linspace(-1000, 1000, 64 * 64).reshape(64, 64)
    viewer = widgets.ImageViewer(image, presets={"brain": (40, 80), "lung": (-600, 1500)})
    viewer.preset.value = "lung"
    assert viewer.state == pytest.approx({"center": -600, "width": 1500}, abs=20)
    before = viewer.png
    viewer.preset.value = "brain"
    assert viewer.state == pytest.approx({"center": 40, "width": 80}, abs=20)
    assert viewer.png != before


def test_time_viewer_steps_through_frames_of_4d_and_rgb():
    series = np.random.default_rng(0).random((5, 3, 8, 8))
    viewer = widgets.TimeViewer(series, frame_time_ms=50)
    viewer.time.value = 4
    viewer.slice.value = 0
    assert np.array_equal(viewer.current_image(), series[4, 0])
    rgb = (np.random.default_rng(1).random((3, 8, 8, 3)) * 255).astype(np.uint8)
    cine = widgets.TimeViewer(rgb)
    before = cine.png
    cine.time.value = 2
    assert cine.png != before and np.array_equal(cine.current_image(), rgb[2])


def test_compare_viewer_shares_slice_and_window(volume):
    viewer = widgets.CompareViewer([volume, volume * 2], ["x1", "x2"])
    before = viewer.png
    viewer.slice.value = 0
    assert viewer.png != before
    with pytest.raises(ValueError, match="differ in length"):
        widgets.CompareViewer([volume, volume[:3]])


def test_viewer_display_leaves_static_png_and_updates_it(volume, monkeypatch):
    """Displayed without a front end, the viewer still emits the PNG; a slider change updates that display."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    published = []
    monkeypatch.setattr(shell.display_pub, "publish",
                        lambda data, metadata=None, **kw: published.append((data, kw)))
    viewer = widgets.SliceViewer(volume)
    viewer._ipython_display_()
    assert any("image/png" in data for data, _ in published)
    viewer.slice.value = 1
    assert published[-1][1].get("update") is True and "image/png" in published[-1][0]
