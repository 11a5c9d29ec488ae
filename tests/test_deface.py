"""helpers.deface: the head template, the rough brain mask, the Quickshear cut (against the reference
implementation, the `quickshear` package) and the surface measures."""

from __future__ import annotations

import importlib.util

import matplotlib.pyplot as plt
import nibabel as nib
import numpy as np
import pytest
import quickshear

from helpers import deface


@pytest.fixture(scope="module")
def template():
    head, face, spacing = deface.load_head_template()
    return head, face, spacing, deface.brain_mask(head, spacing)


def _zyx_image(volume: np.ndarray, spacing) -> nib.Nifti1Image:
    """A NIfTI image of a course-convention (z, y, x) array: axes towards superior, posterior, patient left."""
    affine = np.zeros((4, 4))
    affine[2, 0], affine[1, 1], affine[0, 2], affine[3, 3] = spacing[0], -spacing[1], -spacing[2], 1
    return nib.Nifti1Image(volume, affine)


def test_template_is_a_whole_head_with_a_face(template):
    head, face, spacing, brain = template
    assert head.shape == face.shape == brain.shape and head.ndim == 3 and head.max() == 1
    assert np.allclose(spacing, 2.0, atol=0.1)
    assert 0.05 < face.mean() < 0.3, "pydeface's face region is a part of the volume"
    inside = head > 0.1
    assert inside[face].mean() > 0.2 and inside[~face].mean() > 0.2, "there is head in and out of the face region"
    volume_ml = brain.sum() * np.prod(spacing) / 1000
    assert 900 < volume_ml < 1800, f"a brain-sized mask, not the whole head ({volume_ml:.0f} ml)"
    assert not (brain & face).any(), "the rough brain mask stays out of the face"


@pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors:DeprecationWarning")  # in quickshear.py
def test_quickshear_keep_matches_the_reference_implementation(template):
    head, _, spacing, brain = template
    reference = quickshear.quickshear(_zyx_image(np.ones(head.shape, np.uint8), spacing),
                                      _zyx_image(brain.astype(np.uint8), spacing), buff=10)
    np.testing.assert_array_equal(deface.quickshear_keep(brain, buffer_voxels=10),
                                  np.asanyarray(reference.dataobj).astype(bool))


def test_quickshear_keep_on_a_ball_cuts_below_and_in_front_only():
    z, y, x = np.indices((60, 60, 40))
    ball = (z - 40) ** 2 + (y - 30) ** 2 + (x - 20) ** 2 <= 12**2
    keep = deface.quickshear_keep(ball, buffer_voxels=5)
    assert keep[ball].all() and not keep.all(), "the brain stays, something goes"
    assert keep[40:, 30:].all(), "nothing above the brain's centre and behind its front is cut"
    assert not keep[0, 0].any(), "the lowest, most anterior corner is cut"
    assert (keep == keep[:, :, :1]).all(), "the cut is the same in every sagittal plane"
    assert deface.quickshear_keep(ball, buffer_voxels=15).sum() > keep.sum(), "a larger buffer cuts less"


def test_bad_input_raises_with_a_message():
    with pytest.raises(ValueError, match="non-empty 3D"):
        deface.quickshear_keep(np.zeros((4, 4, 4), bool))
    with pytest.raises(ValueError, match="3D"):
        deface.brain_mask(np.zeros((4, 4)), (1, 1, 1))
    with pytest.raises(ValueError, match="lower threshold or erosion_mm"):
        deface.brain_mask(np.ones((5, 5, 5)), (1, 1, 1), erosion_mm=10)


def test_missing_pydeface_says_how_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pydeface" else real(name, *a))
    with pytest.raises(FileNotFoundError, match="pip install --no-deps"):
        deface.load_head_template()


def test_surface_removed_is_the_share_of_area_in_the_cut():
    z, y, x = np.indices((40, 40, 40))
    cube = ((np.abs(z - 20) <= 10) & (np.abs(y - 20) <= 10) & (np.abs(x - 20) <= 10)).astype(float)
    vertices, triangles = deface.head_surface(cube, (1.0, 1.0, 1.0), level=0.5, step=1)
    everything = np.ones(cube.shape, bool)
    assert deface.surface_removed(vertices, triangles, everything, (1, 1, 1)) == 0
    assert deface.surface_removed(vertices, triangles, ~everything, (1, 1, 1)) == 1
    lower_half = z < 20  # the bottom face plus half of the four sides: 3 of the cube's 6 faces
    share = deface.surface_removed(vertices, triangles, ~lower_half, (1, 1, 1))
    assert 0.45 < share < 0.55


def test_render_surface_draws_the_mesh():
    z, y, x = np.indices((20, 20, 20))
    ball = (((z - 10) ** 2 + (y - 10) ** 2 + (x - 10) ** 2) <= 36).astype(float)
    vertices, triangles = deface.head_surface(ball, (2.0, 2.0, 2.0), level=0.5, step=1)
    fig = plt.figure()
    ax = deface.render_surface(fig.add_subplot(projection="3d"), vertices, triangles, title="ball")
    assert len(ax.collections) == 1 and len(ax.collections[0].get_facecolors()) == len(triangles)
    assert ax.get_title() == "ball"
    plt.close(fig)
