"""Classical ("traditional") computer vision for ``05_classical_cv.ipynb``: thresholds, edges, regions, Hough,
optical flow, keypoint matching and a hand-tuned detector, plus small interactive viewers.

The notebook shows each idea in a few visible lines of OpenCV and scikit-image; this package holds what would
distract there: conversions, the plumbing of multi-step pipelines, plotting and the viewers. Computation and
viewers live apart, one module per topic; everything public is re-exported here, so ``from helpers import
classical as cl`` then ``cl.split_touching(...)`` works whatever module a function lives in.

- :mod:`~helpers.classical.thresholds`: :func:`to_uint8`, Otsu's criterion, a threshold detector and its scores;
- :mod:`~helpers.classical.regions`: splitting touching objects, measuring regions, circles for active contours;
- :mod:`~helpers.classical.flow`: dense and sparse optical flow, and arrows to draw it;
- :mod:`~helpers.classical.features`: keypoint matching and homographies;
- :mod:`~helpers.classical.viewers`: one viewer per topic, on the public base :class:`helpers.widgets.Viewer`
  (they render to PNG, leave a static figure when no front end is attached, and tests drive them by setting
  ``slider.value``).

Conventions
-----------
- Images are 2D ``(rows, cols)`` arrays. OpenCV functions mostly want ``uint8``: :func:`to_uint8` maps any range
  (e.g. HU) through a window to 0..255.
- Points follow OpenCV: ``(x, y)`` = ``(col, row)`` in pixels. Flow fields follow OpenCV too: ``(rows, cols, 2)``
  with ``[..., 0]`` the column (x) and ``[..., 1]`` the row (y) displacement, in pixels per frame.
- Homographies are 3x3 arrays mapping ``(x, y, 1)`` of the first image to the second.
"""

from .features import Matches, corner_error, estimate_homography, match_features, similarity_view
from .flow import draw_flow, farneback_flow, lucas_kanade_tracks, shift_image, textured_mask
from .regions import circle_points, region_table, split_touching
from .thresholds import detection_scores, otsu_curve, otsu_threshold, threshold_detector, to_uint8
from .viewers import CannyViewer, FlowViewer, LocalThresholdViewer, MatchViewer, ThresholdViewer, WatershedViewer

__all__ = [
    "to_uint8", "otsu_curve", "otsu_threshold",
    "split_touching", "region_table",
    "circle_points", "shift_image", "farneback_flow", "lucas_kanade_tracks", "textured_mask", "draw_flow",
    "similarity_view", "Matches", "match_features", "estimate_homography", "corner_error",
    "threshold_detector", "detection_scores",
    "ThresholdViewer", "LocalThresholdViewer", "CannyViewer", "WatershedViewer", "FlowViewer", "MatchViewer",
]
