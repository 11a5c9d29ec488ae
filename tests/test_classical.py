"""Tests of helpers.classical: each function against an independent reference (scikit-image, OpenCV, known
synthetic truth) and each viewer driven by setting its sliders, as a student would."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data, draw, filters, measure

from helpers import classical as cl


@pytest.fixture(scope="module")
def camera():
    return data.camera()  # 512x512 uint8, bundled with scikit-image


@pytest.fixture(scope="module")
def small_camera(camera):
    return camera[::4, ::4].copy()  # 128x128: viewer tests redraw figures, keep them cheap


@pytest.fixture(scope="module")
def two_disks():
    """Two touching discs of radius 18 px whose centres are 30 px apart."""
    mask = np.zeros((80, 120), bool)
    for centre in ((40, 40), (40, 70)):
        mask[draw.disk(centre, 18)] = True
    return mask


# --------------------------------------------------------------------------------------------- to_uint8
def test_to_uint8_maps_the_window_ends_and_clips():
    image = np.array([[-2000.0, -1000.0, 0.0, 1000.0, 3000.0]])
    out = cl.to_uint8(image, window=(0, 2000))
    assert out.dtype == np.uint8
    assert out.tolist() == [[0, 0, 128, 255, 255]]


def test_to_uint8_default_spans_min_to_max_and_handles_constant_images():
    out = cl.to_uint8(np.linspace(-5.0, 5.0, 11).reshape(1, -1))
    assert out.min() == 0 and out.max() == 255
    assert cl.to_uint8(np.full((3, 3), 7.0)).tolist() == [[0] * 3] * 3


@pytest.mark.parametrize("bad, error, match", [
    (np.zeros((4, 4, 3)), ValueError, "rgb2gray"),
    (np.zeros(5), ValueError, "2D"),
    (np.array([[0.0, np.nan]]), ValueError, "NaN"),
])
def test_to_uint8_rejects_bad_input(bad, error, match):
    with pytest.raises(error, match=match):
        cl.to_uint8(bad)


# --------------------------------------------------------------------------------------------- Otsu
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_otsu_matches_scikit_image_and_separates_two_populations(seed):
    rng = np.random.default_rng(seed)
    values = np.concatenate([rng.normal(100, 10, 6000), rng.normal(200, 15, 3000)])
    threshold = cl.otsu_threshold(values)
    assert threshold == pytest.approx(filters.threshold_otsu(values), abs=1e-9)
    assert 130 < threshold < 170
    thresholds, variance = cl.otsu_curve(values)
    assert thresholds.shape == variance.shape == (255,)
    assert variance.max() == pytest.approx(variance[np.argmax(variance)]) and np.all(variance >= 0)


def test_otsu_agrees_with_opencv_on_a_real_image(camera):
    opencv, _ = cv2.threshold(camera, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    assert cl.otsu_threshold(camera.astype(float)) == pytest.approx(opencv, abs=1.5)


def test_otsu_rejects_a_constant_image():
    with pytest.raises(ValueError, match="constant"):
        cl.otsu_threshold(np.ones((5, 5)))
    with pytest.raises(ValueError, match="nbins"):
        cl.otsu_curve(np.arange(10.0), nbins=1)


# --------------------------------------------------------------------------------------------- regions
@pytest.mark.parametrize("backend", ["skimage", "opencv"])
def test_split_touching_separates_two_discs_into_equal_halves(two_disks, backend):
    plain = measure.label(two_disks)
    assert plain.max() == 1  # connected components alone see one blob
    labels = cl.split_touching(two_disks, min_distance=8, backend=backend)
    assert labels.dtype == np.int32 and labels.max() == 2
    assert np.array_equal(labels > 0, two_disks)
    areas = np.bincount(labels.ravel())[1:]
    assert abs(areas[0] - areas[1]) <= 0.05 * areas.mean()
    # the left label owns the left centre and the right label the right centre
    assert labels[40, 40] != labels[40, 70]


def test_split_touching_backends_agree_on_discs_and_only_split_on_real_masks(camera):
    mask = np.zeros((120, 200), bool)
    for centre, radius in [((30, 30), 14), ((30, 55), 14), ((85, 40), 10), ((85, 58), 10), ((60, 140), 20),
                           ((60, 180), 8)]:
        mask[draw.disk(centre, radius, shape=mask.shape)] = True
    for backend in ("skimage", "opencv"):
        assert cl.split_touching(mask, min_distance=6, backend=backend).max() == 6
    real = camera < 60  # the dark coat and tripod: irregular, touching shapes
    n_components = measure.label(real).max()
    for backend in ("skimage", "opencv"):
        labels = cl.split_touching(real, min_distance=10, backend=backend)
        assert labels.max() >= n_components and np.array_equal(labels > 0, real)


def test_split_touching_equals_the_plain_recipe_shown_in_the_notebook(two_disks):
    """Distance transform -> peaks -> watershed, written out as in 05_classical_cv.ipynb."""
    from scipy import ndimage as ndi
    from skimage import feature, segmentation

    mask = two_disks.copy()
    mask[draw.disk((20, 100), 8)] = True  # a third, separate blob
    distance = ndi.distance_transform_edt(mask)
    peaks = feature.peak_local_max(distance, min_distance=8, labels=measure.label(mask), exclude_border=False)
    markers = np.zeros(mask.shape, np.int32)
    markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    recipe = segmentation.watershed(-distance, markers, mask=mask, connectivity=2)
    assert np.array_equal(cl.split_touching(mask, min_distance=8), recipe)


def test_split_touching_min_distance_controls_oversplitting(two_disks):
    assert cl.split_touching(two_disks, min_distance=35).max() == 1
    assert cl.split_touching(two_disks, min_distance=8).max() == 2


@pytest.mark.parametrize("kwargs, error, match", [
    ({"mask": np.zeros((4, 4))}, TypeError, "boolean"),
    ({"mask": np.zeros((4, 4), bool), "min_distance": 0}, ValueError, "min_distance"),
    ({"mask": np.zeros((4, 4), bool), "backend": "itk"}, ValueError, "backend"),
])
def test_split_touching_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        cl.split_touching(**kwargs)


def test_region_table_areas_in_pixels_and_mm2():
    labels = np.zeros((100, 100), np.int32)
    labels[draw.disk((50, 50), 20)] = 1
    labels[5:15, 5:25] = 2
    table = cl.region_table(labels, spacing_mm=(0.5, 0.25), intensity=labels * 10.0)
    assert list(table["label"]) == [1, 2]
    assert table["area_px"].iloc[0] == pytest.approx(np.pi * 20**2, rel=0.02)
    assert table["area_px"].iloc[1] == 200
    assert np.allclose(table["area_mm2"], table["area_px"] * 0.125)
    assert np.allclose(table["mean_intensity"], [10.0, 20.0])
    assert "area_mm2" not in cl.region_table(labels).columns


def test_region_table_rejects_float_labels():
    with pytest.raises(TypeError, match="integer"):
        cl.region_table(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="positive"):
        cl.region_table(np.ones((4, 4), int), spacing_mm=(0, 1))


# --------------------------------------------------------------------------------------------- curves
def test_circle_points_lie_on_the_circle():
    points = cl.circle_points((10.0, 20.0), 5.0, n=50)
    assert points.shape == (50, 2)
    assert np.allclose(np.hypot(points[:, 0] - 10, points[:, 1] - 20), 5.0)
    with pytest.raises(ValueError, match="radius"):
        cl.circle_points((0, 0), 0)


# --------------------------------------------------------------------------------------------- optical flow
@pytest.mark.parametrize("shift_rc", [(1.7, -2.3), (-0.6, 0.4)])
def test_flow_recovers_a_known_subpixel_shift(camera, shift_rc):
    moved = cl.shift_image(camera, shift_rc)
    a, b = camera, cl.to_uint8(moved, window=(127.5, 255))
    textured = cl.textured_mask(camera)
    flow = cl.farneback_flow(a, b)
    assert flow.shape == (*camera.shape, 2)
    dx, dy = np.median(flow[textured], axis=0)
    assert abs(dy - shift_rc[0]) < 0.5 and abs(dx - shift_rc[1]) < 0.5
    p0, p1 = cl.lucas_kanade_tracks(a, b)
    assert len(p0) > 50
    lk_dx, lk_dy = np.median(p1 - p0, axis=0)
    assert abs(lk_dy - shift_rc[0]) < 0.5 and abs(lk_dx - shift_rc[1]) < 0.5


def test_shift_image_moves_content_down_and_right():
    image = np.zeros((9, 9))
    image[4, 4] = 1.0
    moved = cl.shift_image(image, (2, 1), order=1)
    assert np.unravel_index(np.argmax(moved), moved.shape) == (6, 5)


def test_flow_functions_reject_bad_frames(camera):
    with pytest.raises(TypeError, match="uint8"):
        cl.farneback_flow(camera.astype(float), camera)
    with pytest.raises(ValueError, match="shape"):
        cl.lucas_kanade_tracks(camera, camera[:100])


def test_lucas_kanade_on_a_flat_frame_returns_no_tracks():
    flat = np.full((64, 64), 100, np.uint8)
    p0, p1 = cl.lucas_kanade_tracks(flat, flat)
    assert p0.shape == p1.shape == (0, 2)


def test_draw_flow_draws_one_arrow_per_grid_point_in_the_mask():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    flow = np.ones((40, 60, 2), np.float32)
    mask = np.zeros((40, 60), bool)
    mask[:20] = True
    quiver = cl.draw_flow(ax, flow, step=10, mask=mask)
    assert quiver.N == 2 * 6
    plt.close(fig)
    with pytest.raises(ValueError, match="rows, cols, 2"):
        cl.draw_flow(ax, np.ones((4, 4)))


# --------------------------------------------------------------------------------------------- keypoints
def test_similarity_view_homography_maps_points_to_where_the_content_went(camera):
    view, homography = cl.similarity_view(camera, angle_deg=30, scale=0.7, shift_xy=(5, -3), crop=(50, 450, 40, 480))
    assert view.shape == (400, 440)
    # a bright dot moves exactly where the homography says
    dot = np.zeros_like(camera)
    dot[200:203, 300:303] = 255
    dot_view, _ = cl.similarity_view(dot, angle_deg=30, scale=0.7, shift_xy=(5, -3), crop=(50, 450, 40, 480))
    predicted = homography @ np.array([301.0, 201.0, 1.0])
    rows, cols = np.nonzero(dot_view > 20)
    assert np.hypot(cols.mean() - predicted[0], rows.mean() - predicted[1]) < 1.0
    with pytest.raises(ValueError, match="crop"):
        cl.similarity_view(camera, crop=(0, 600, 0, 10))


@pytest.mark.parametrize("detector, tolerance", [("sift", 1.0), ("orb", 8.0)])
def test_matching_and_ransac_recover_the_transform(camera, detector, tolerance):
    view, truth = cl.similarity_view(camera, angle_deg=30, scale=0.7, crop=(50, 450, 40, 480))
    matches = cl.match_features(camera, view, detector=detector)
    assert len(matches) >= 20 and matches.points0.shape == matches.points1.shape
    homography, inliers = cl.estimate_homography(matches.points0, matches.points1)
    assert inliers.dtype == bool and inliers.sum() >= 10
    assert cl.corner_error(homography, truth, camera.shape) < tolerance


@pytest.mark.parametrize("detector, tolerance", [("sift", 1.5), ("orb", 6.0)])  # ORB's FAST corners are coarser
def test_skimage_backend_matches_well_enough_for_ransac(camera, detector, tolerance):
    small = camera[::2, ::2].copy()  # 256x256 keeps scikit-image's pure-Python extractors fast
    view, truth = cl.similarity_view(small, angle_deg=20, scale=0.9)
    matches = cl.match_features(small, view, detector=detector, backend="skimage")
    assert len(matches) >= 20
    homography, _ = cl.estimate_homography(matches.points0, matches.points1)
    assert cl.corner_error(homography, truth, small.shape) < tolerance


def test_corner_error_is_zero_for_equal_transforms_and_scale_free():
    h = np.array([[1.0, 0.1, 5.0], [0.0, 0.9, -2.0], [0.0, 0.0, 1.0]])
    assert cl.corner_error(h, 3.0 * h, (100, 200)) == pytest.approx(0.0, abs=1e-9)
    shifted = h.copy()
    shifted[0, 2] += 2.0
    assert cl.corner_error(shifted, h, (100, 200)) == pytest.approx(2.0)


def test_matching_rejects_bad_options(camera):
    with pytest.raises(ValueError, match="detector"):
        cl.match_features(camera, camera, detector="surf")
    with pytest.raises(ValueError, match="ratio"):
        cl.match_features(camera, camera, ratio=1.5)
    with pytest.raises(ValueError, match="backend"):
        cl.match_features(camera, camera, backend="vlfeat")
    with pytest.raises(ValueError, match="at least 4"):
        cl.estimate_homography(np.zeros((3, 2)), np.zeros((3, 2)))


def test_opencv_build_has_sift_and_orb_but_not_surf():
    """What the notebook says about the installed OpenCV: SIFT in main, SURF (non-free contrib) absent."""
    assert hasattr(cv2, "SIFT_create") and hasattr(cv2, "ORB_create")
    assert not hasattr(cv2, "xfeatures2d")


# --------------------------------------------------------------------------------------------- detector
def _disc_images(contrast: float, n: int = 6, seed: int = 0):
    rng = np.random.default_rng(seed)
    images = 0.3 + 0.02 * rng.standard_normal((n, 48, 48)).astype(np.float32)
    masks = np.zeros(images.shape, bool)
    labels = np.arange(n) % 2
    for i in np.flatnonzero(labels):
        masks[i][draw.disk((24, 24), 6)] = True
        images[i][masks[i]] += contrast
    return images, masks, labels


def test_threshold_detector_finds_bright_discs_and_scores_them():
    images, masks, labels = _disc_images(contrast=0.4)
    found, predicted = cl.threshold_detector(images, sigma=1.0, threshold=0.5, min_area_px=10)
    assert found.shape == images.shape and predicted.dtype == np.int64
    scores = cl.detection_scores(predicted, labels, predicted_masks=found, true_masks=masks)
    assert scores["accuracy"] == 1.0 and scores["sensitivity"] == 1.0 and scores["specificity"] == 1.0
    assert scores["dice"] > 0.8


def test_threshold_detector_breaks_when_intensities_shift():
    """A fixed threshold tuned on one intensity scale misses everything after a 0.7x scale change."""
    images, masks, labels = _disc_images(contrast=0.4)
    _, predicted = cl.threshold_detector(0.7 * images, sigma=1.0, threshold=0.5, min_area_px=10)
    assert cl.detection_scores(predicted, labels)["sensitivity"] == 0.0


def test_threshold_detector_and_scores_validate():
    with pytest.raises(ValueError, match="images"):
        cl.threshold_detector(np.zeros(5))
    with pytest.raises(ValueError, match="length"):
        cl.detection_scores([1, 0], [1])
    scores = cl.detection_scores([1, 1], [1, 1])
    assert np.isnan(scores["specificity"])


# --------------------------------------------------------------------------------------------- viewers
def test_threshold_viewer_starts_at_otsu_and_follows_its_slider(small_camera):
    viewer = cl.ThresholdViewer(small_camera, units="grey")
    assert viewer.state["threshold"] == pytest.approx(viewer.otsu, abs=viewer.threshold.step)
    assert viewer.otsu == pytest.approx(filters.threshold_otsu(small_camera.astype(float)))
    first = viewer.png
    viewer.threshold.value = 200.0
    assert viewer.png != first and viewer.n_redraws == 2
    assert viewer.state["fraction_above"] == pytest.approx((small_camera > 200).mean())
    with pytest.raises(ValueError, match="2D"):
        cl.ThresholdViewer(np.zeros((4, 4, 3)))


def test_local_threshold_viewer_follows_its_sliders(small_camera):
    viewer = cl.LocalThresholdViewer(small_camera, block_size=31, offset=4, dark=True)
    expected = cv2.adaptiveThreshold(small_camera, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY_INV, 31,
                                     4) > 0
    assert np.array_equal(viewer.mask, expected)
    before = viewer.state["fraction"]
    viewer.offset.value = 20.0  # ask for a clearer difference: fewer pixels qualify
    assert viewer.state["fraction"] < before
    with pytest.raises(ValueError, match="odd"):
        cl.LocalThresholdViewer(small_camera, block_size=30)


def test_canny_viewer_matches_opencv_and_higher_thresholds_keep_fewer_edges(small_camera):
    viewer = cl.CannyViewer(small_camera, low=50, high=150, sigma=1.0)
    blurred = cv2.GaussianBlur(small_camera, (0, 0), 1.0)
    assert np.array_equal(viewer.edges, cv2.Canny(blurred, 50, 150, L2gradient=True) > 0)
    before = viewer.state["edge_pixels"]
    viewer.high.value = 300.0
    assert viewer.state["edge_pixels"] < before
    viewer.sigma.value = 4.0
    assert viewer.state["edge_pixels"] < before
    with pytest.raises(ValueError, match="low <= high"):
        cl.CannyViewer(small_camera, low=200, high=100)


def test_viewers_keep_uint8_and_window_other_types():
    hu = np.linspace(-1000, 1000, 64 * 64).reshape(64, 64)
    viewer = cl.CannyViewer(hu, window=(0, 400))
    assert np.array_equal(viewer.image, cl.to_uint8(hu, window=(0, 400)))
    grey = np.full((64, 64), 100, np.uint8)
    grey[20:40, 20:40] = 120  # a low-contrast square must not be stretched to 0..255
    assert np.array_equal(cl.LocalThresholdViewer(grey).image, grey)


def test_watershed_viewer_counts_objects(two_disks):
    viewer = cl.WatershedViewer(two_disks, min_distance=8)
    assert viewer.state["n_objects"] == 2
    viewer.min_distance.value = 35
    assert viewer.state["n_objects"] == 1 and viewer.n_redraws == 2


def test_flow_viewer_measures_motion_per_frame(camera):
    half = camera[::2, ::2].copy()
    moved = cl.to_uint8(cl.shift_image(half, (0.0, 2.0)), window=(127.5, 255))
    viewer = cl.FlowViewer(np.stack([half, moved, moved]), frame_time_ms=40.0, spacing_mm=(0.5, 0.5),
                           mask=cl.textured_mask(half))
    assert viewer.state["mean_px_per_frame"] == pytest.approx(2.0, abs=0.5)
    viewer.frame.value = 1  # identical frames: no motion
    assert viewer.state["mean_px_per_frame"] < 0.1 and viewer.n_redraws == 2
    with pytest.raises(ValueError, match="uint8"):
        cl.FlowViewer(np.zeros((3, 8, 8)))


def test_match_viewer_reports_recovery_and_redraws(camera):
    small = camera[::2, ::2].copy()
    viewer = cl.MatchViewer(small, angle_deg=20, scale=0.9)
    assert viewer.state["corner_error_px"] < 1.5
    first = viewer.png
    viewer.detector.value = "orb"
    assert viewer.png != first and viewer.state["detector"] == "orb"
