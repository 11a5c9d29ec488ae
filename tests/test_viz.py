"""Static figure helpers: windows, physical extent, plane orientation, figures."""

import numpy as np
import pytest

from helpers import viz


def test_window_to_range_brain_window():
    assert viz.window_to_range(40, 80) == (0.0, 80.0)


def test_window_to_range_rejects_non_positive_width():
    with pytest.raises(ValueError, match="width must be > 0"):
        viz.window_to_range(0, 0)


def test_auto_window_spans_percentiles_and_ignores_nan():
    image = np.arange(101, dtype=float)
    image[0] = np.nan
    center, width = viz.auto_window(image, percentiles=(0, 100))
    assert (center, width) == (50.5, 99.0)


def test_physical_extent_uses_row_then_column_spacing():
    assert viz.physical_extent((100, 50), (0.5, 2.0)) == (0.0, 100.0, 50.0, 0.0)


def test_plane_orients_coronal_with_superior_up():
    volume = np.zeros((4, 5, 6))
    volume[3] = 1.0  # the top (most superior) slice
    coronal = viz.plane(volume, 2, axis=1)
    assert coronal.shape == (4, 6) and coronal[0].all() and not coronal[1:].any()
    assert viz.plane(volume, 3, axis=0).all()


@pytest.mark.parametrize("axis, index", [(3, 0), (0, 9)])
def test_plane_rejects_bad_axis_or_index(axis, index):
    with pytest.raises((ValueError, IndexError)):
        viz.plane(np.zeros((4, 5, 6)), index, axis=axis)


def test_show_image_sets_window_and_physical_aspect():
    image = np.random.default_rng(0).normal(size=(20, 40))
    fig = viz.show_image(image, spacing_mm=(2.0, 1.0), window=(0, 2), title="noise", colorbar=True, units="a.u.")
    artist = fig.axes[0].images[0]
    assert artist.get_clim() == (-1.0, 1.0)
    assert artist.get_extent() == [0.0, 40.0, 40.0, 0.0]  # 20 rows x 2 mm = 40 mm tall
    assert fig.axes[0].get_xlabel() == "mm"


def test_show_planes_draws_three_planes_with_crosshairs():
    volume = np.random.default_rng(1).random((10, 12, 14))
    fig = viz.show_planes(volume, spacing_mm=(3, 1, 1), index=(2, 3, 4))
    assert [ax.get_title() for ax in fig.axes[:3]] == ["axial slice 2", "coronal slice 3", "sagittal slice 4"]
    assert all(len(ax.lines) == 2 for ax in fig.axes[:3])


def test_overlay_mask_is_drawn_over_image():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    viz.render_image(ax, np.zeros((8, 8)))
    viz.draw_overlay(ax, np.eye(8, dtype=bool), alpha=0.5)
    assert len(ax.images) == 2 and ax.images[1].get_alpha() == 0.5
    with pytest.raises(ValueError, match="alpha"):
        viz.draw_overlay(ax, np.eye(8, dtype=bool), alpha=2)


def test_compare_shares_one_window_and_checks_titles():
    a, b = np.zeros((4, 4)), np.full((4, 4), 10.0)
    fig = viz.compare([a, b], ["a", "b"], window=(5, 10))
    assert {ax.images[0].get_clim() for ax in fig.axes} == {(0.0, 10.0)}
    with pytest.raises(ValueError, match="titles"):
        viz.compare([a, b], ["only one"])


def test_montage_hides_unused_axes():
    fig = viz.montage([np.zeros((4, 4))] * 5, [str(i) for i in range(5)], ncols=3)
    assert sum(ax.axison for ax in fig.axes) == 5


def test_figure_to_png_is_png():
    fig, _ = viz.new_figure()
    assert viz.figure_to_png(fig).startswith(b"\x89PNG")


def test_figure_helpers_draw_into_the_given_axes_or_figure_and_return_its_figure():
    import matplotlib.pyplot as plt

    image = np.arange(16.0).reshape(4, 4)
    fig, axes = plt.subplots(1, 2)
    assert viz.show_image(image, axes=axes[1], title="right") is fig
    assert axes[1].get_title() == "right" and not axes[0].images
    target = plt.figure()
    target.add_subplot().plot([0, 1])  # stale content is cleared
    assert viz.compare([image, image], ["a", "b"], figure=target) is target
    assert [ax.get_title() for ax in target.axes] == ["a", "b"]
    assert viz.montage([image] * 3, ncols=2, figure=target) is target and len(target.axes) == 4
    assert viz.show_planes(np.zeros((3, 4, 5)), figure=target) is target and len(target.axes) == 3


def test_no_plotting_helper_takes_ax_fig_or_colour():
    """The keyword policy in viz's docstring: ``axes=`` / ``figure=`` / ``color=``, in every helper module."""
    import importlib
    import inspect

    names = ("viz", "widgets", "classical", "augment", "gans", "clinical", "tasks", "modalities", "paradigms", "nets",
             "transfer", "clip", "datasets")
    offenders = []
    for name in names:
        module = importlib.import_module(f"helpers.{name}")
        for public in module.__all__:
            obj = getattr(module, public)
            members = [obj] + [m for n, m in vars(obj).items() if callable(m) and not n.startswith("_")] \
                if inspect.isclass(obj) else [obj]
            for member in filter(callable, members):
                try:
                    params = inspect.signature(member).parameters
                except (TypeError, ValueError):
                    continue
                offenders += [f"{name}.{public}({p})" for p in params if p in ("ax", "fig", "colour")]
    assert not offenders, f"use axes=, figure= and color= instead: {offenders}"
