"""Viewers: the public base a topic module subclasses, its sliders, and the course's viewers driven as a student
would (set a slider value) to check that what is displayed changes."""

import numpy as np
import pytest

from helpers import widgets


class _GammaViewer(widgets.Viewer):
    """What a topic module writes: controls in __init__, watch() them, redraw() once, render(figure)."""

    figure_size = (3.0, 3.0)

    def __init__(self, image):
        super().__init__()
        self.image = image
        self.gamma = widgets.float_slider("gamma", 1.0, 0.2, 5.0)
        self.row = widgets.int_slider("row", 0, 0, image.shape[0] - 1)
        self.watch(self.gamma, self.row)
        self.redraw()

    def render(self, figure):
        axes = figure.subplots()
        axes.imshow(self.image ** self.gamma.value, cmap="gray", vmin=0, vmax=1)
        axes.axhline(self.row.value, color="#E69F00")


def test_a_viewer_subclass_redraws_on_every_control_change():
    image = np.linspace(0, 1, 64).reshape(8, 8)
    viewer = _GammaViewer(image)
    assert viewer.n_redraws == 1 and viewer.png.startswith(b"\x89PNG")
    assert viewer.controls == [viewer.gamma, viewer.row]
    first = viewer.png
    viewer.gamma.value = 3.0
    assert viewer.n_redraws == 2 and viewer.png != first
    viewer.row.value = 7
    assert viewer.n_redraws == 3
    assert len(viewer.ui.children) == 2


def test_a_viewer_subclass_must_implement_render():
    class Incomplete(widgets.Viewer):
        def __init__(self):
            super().__init__()
            self.redraw()

    with pytest.raises(NotImplementedError, match="Incomplete must implement render"):
        Incomplete()


@pytest.mark.parametrize("low, high, value, expected", [(0.0, 100.0, 250.0, 100.0), (-30.0, 30.0, -40.0, -30.0),
                                                        (0.25, 2.0, 0.8, 0.8)])
def test_float_slider_has_the_given_range_and_clips_its_value(low, high, value, expected):
    slider = widgets.float_slider("x", value, low, high)
    assert (slider.min, slider.max) == (low, high)
    assert slider.value == pytest.approx(expected)
    assert slider.step == pytest.approx((high - low) / 200)
    assert slider.continuous_update is False


def test_int_slider_has_the_given_range_step_and_update_mode():
    slider = widgets.int_slider("block size", 31, 3, 21, step=2, continuous_update=True)
    assert (slider.min, slider.max, slider.step, slider.value) == (3, 21, 2, 21)
    assert slider.continuous_update is True
    one_frame = widgets.int_slider("frame", 0, 0, 0)  # a series with one frame still gets a slider
    assert (one_frame.min, one_frame.max, one_frame.value) == (0, 0, 0)


@pytest.mark.parametrize("make, error, match", [
    (lambda: widgets.float_slider("threshold", 1.0, 5.0, 1.0), ValueError, "slider 'threshold' must be .*low <= high"),
    (lambda: widgets.float_slider("level", 0.0, 0.0, np.inf), ValueError, "slider 'level'"),
    (lambda: widgets.float_slider("level", 0.0, 0.0, np.nan), ValueError, "got \\(0.0, nan\\)"),
    (lambda: widgets.int_slider("slice", 0, 10, 3), ValueError, "slider 'slice' must be .*low <= high"),
    (lambda: widgets.int_slider("slice", 0, "a", 3), TypeError, "pair of numbers"),
    (lambda: widgets.int_slider("step", 4, 4, 64, step=0), ValueError, "step of slider 'step' must be >= 1"),
])
def test_sliders_reject_bad_ranges_with_a_clear_message(make, error, match):
    with pytest.raises(error, match=match):
        make()


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


def test_viewer_sliders_span_the_data(volume):
    viewer = widgets.SliceViewer(volume, axis=2)
    assert (viewer.slice.min, viewer.slice.max, viewer.slice.value) == (0, volume.shape[2] - 1, volume.shape[2] // 2)
    assert viewer.center.min == volume.min() and viewer.center.max == volume.max()


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
