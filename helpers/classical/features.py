"""Keypoints and matching: a second view with a known transform, SIFT/ORB matching with Lowe's ratio test,
a RANSAC homography, and the corner error that scores it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._common import as_2d, as_frame

__all__ = ["similarity_view", "Matches", "match_features", "estimate_homography", "corner_error"]


def similarity_view(image, *, angle_deg: float = 25.0, scale: float = 0.8, shift_xy: tuple[float, float] = (0, 0),
                    crop: tuple[int, int, int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A second "view" of an image: rotated about its centre, scaled, shifted and cropped, with the true transform.

    Parameters
    ----------
    image : ndarray, (rows, cols)
    angle_deg : float
        Counter-clockwise rotation on screen, in degrees.
    scale : float
        Zoom factor, > 0.
    shift_xy : (dx, dy)
        Translation in pixels after rotation and scaling.
    crop : (row0, row1, col0, col1), optional
        Keep only this window of the warped image.

    Returns
    -------
    view : ndarray, same dtype as ``image``
    homography : ndarray, (3, 3), float64
        Maps ``(x, y, 1)`` of ``image`` to ``view`` (the ground truth for :func:`estimate_homography`).
    """
    import cv2

    image = as_2d(image)
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    rows, cols = image.shape
    affine = cv2.getRotationMatrix2D((cols / 2.0, rows / 2.0), float(angle_deg), float(scale))
    affine[:, 2] += shift_xy
    view = cv2.warpAffine(image, affine, (cols, rows), flags=cv2.INTER_LINEAR)
    homography = np.vstack([affine, [0.0, 0.0, 1.0]])
    if crop is not None:
        r0, r1, c0, c1 = (int(v) for v in crop)
        if not (0 <= r0 < r1 <= rows and 0 <= c0 < c1 <= cols):
            raise ValueError(f"crop {crop} is not a window inside the image of shape {image.shape}")
        view = view[r0:r1, c0:c1]
        homography = np.array([[1.0, 0.0, -c0], [0.0, 1.0, -r0], [0.0, 0.0, 1.0]]) @ homography
    return view, homography


@dataclass
class Matches:
    """Keypoints of two images and their putative matches (all coordinates ``(x, y)`` in pixels).

    Attributes
    ----------
    detector : str
    keypoints0, keypoints1 : ndarray, (n0, 2) and (n1, 2), float32
    points0, points1 : ndarray, (m, 2), float32
        Matched positions (row i of ``points0`` matches row i of ``points1``).
    """

    detector: str
    keypoints0: np.ndarray
    keypoints1: np.ndarray
    points0: np.ndarray
    points1: np.ndarray

    def __len__(self) -> int:
        return len(self.points0)


def _detector(name: str, n_features: int):
    import cv2

    if name == "sift":
        return cv2.SIFT_create(nfeatures=n_features), cv2.NORM_L2
    if name == "orb":
        return cv2.ORB_create(nfeatures=n_features), cv2.NORM_HAMMING
    raise ValueError(f"detector must be 'sift' or 'orb' (OpenCV's main build), got {name!r}")


def match_features(image0, image1, *, detector: str = "sift", backend: str = "opencv", ratio: float = 0.75,
                   n_features: int = 0) -> Matches:
    """Detect keypoints in two images and match their descriptors, keeping matches that pass Lowe's ratio test.

    Parameters
    ----------
    image0, image1 : ndarray, (rows, cols), uint8
    detector : {"sift", "orb"}
        SIFT (float descriptors, L2 distance) or ORB (binary descriptors, Hamming distance).
    backend : {"opencv", "skimage"}
        OpenCV (``cv2.SIFT_create`` / ``cv2.ORB_create`` + brute-force k-NN matching) or scikit-image
        (``skimage.feature.SIFT`` / ``ORB`` + ``match_descriptors`` with cross-checking).
    ratio : float
        Lowe's ratio test: keep a match only if its distance is below ``ratio`` times the second-best's.
    n_features : int
        Keypoints to keep per image (0 = all for SIFT; ORB then uses 2000 in OpenCV, 1000 in scikit-image).

    Returns
    -------
    Matches
    """
    image0, image1 = as_frame(image0, "image0"), as_frame(image1, "image1")
    if not 0 < ratio <= 1:
        raise ValueError(f"ratio must be in (0, 1], got {ratio}")
    if detector not in ("sift", "orb"):
        raise ValueError(f"detector must be 'sift' or 'orb' (both free; SURF is not in OpenCV's main build), "
                         f"got {detector!r}")
    if backend == "opencv":
        return _match_opencv(image0, image1, detector, ratio, int(n_features))
    if backend == "skimage":
        return _match_skimage(image0, image1, detector, ratio, int(n_features))
    raise ValueError(f"backend must be 'opencv' or 'skimage', got {backend!r}")


def _match_opencv(image0, image1, detector: str, ratio: float, n_features: int) -> Matches:
    import cv2

    algorithm, norm = _detector(detector, n_features or (0 if detector == "sift" else 2000))
    kp0, des0 = algorithm.detectAndCompute(image0, None)
    kp1, des1 = algorithm.detectAndCompute(image1, None)
    xy0 = np.float32([k.pt for k in kp0]).reshape(-1, 2)
    xy1 = np.float32([k.pt for k in kp1]).reshape(-1, 2)
    good = []
    if des0 is not None and des1 is not None and len(kp1) >= 2:
        pairs = cv2.BFMatcher(norm).knnMatch(des0, des1, k=2)
        good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < ratio * p[1].distance]
    points0 = np.float32([xy0[g.queryIdx] for g in good]).reshape(-1, 2)
    points1 = np.float32([xy1[g.trainIdx] for g in good]).reshape(-1, 2)
    return Matches(detector, xy0, xy1, points0, points1)


def _match_skimage(image0, image1, detector: str, ratio: float, n_features: int) -> Matches:
    from skimage import feature

    def extract(image):
        extractor = feature.SIFT(n_octaves=4) if detector == "sift" else feature.ORB(n_keypoints=n_features or 1000)
        extractor.detect_and_extract(image.astype(np.float32) / 255.0)
        return extractor.keypoints[:, ::-1].astype(np.float32), extractor.descriptors  # (row, col) -> (x, y)

    (xy0, des0), (xy1, des1) = extract(image0), extract(image1)
    if detector == "sift" and n_features:
        xy0, des0, xy1, des1 = xy0[:n_features], des0[:n_features], xy1[:n_features], des1[:n_features]
    pairs = feature.match_descriptors(des0, des1, cross_check=True, max_ratio=ratio)
    return Matches(detector, xy0, xy1, xy0[pairs[:, 0]].reshape(-1, 2), xy1[pairs[:, 1]].reshape(-1, 2))


def estimate_homography(points0, points1, *, ransac_px: float = 3.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Fit the homography mapping ``points0`` to ``points1`` with RANSAC (OpenCV ``findHomography``).

    Parameters
    ----------
    points0, points1 : ndarray, (m, 2)
        Matched ``(x, y)`` positions, m >= 4.
    ransac_px : float
        A match is an inlier if the fitted transform maps it within this many pixels.
    seed : int
        Seeds OpenCV's random generator so RANSAC is reproducible.

    Returns
    -------
    homography : ndarray, (3, 3), float64
    inliers : ndarray of bool, (m,)

    Raises
    ------
    ValueError
        Fewer than 4 matches, or RANSAC found no consistent transform.
    """
    import cv2

    p0, p1 = np.asarray(points0, np.float32).reshape(-1, 2), np.asarray(points1, np.float32).reshape(-1, 2)
    if len(p0) != len(p1):
        raise ValueError(f"points0 and points1 differ in length: {len(p0)} vs {len(p1)}")
    if len(p0) < 4:
        raise ValueError(f"a homography needs at least 4 matches, got {len(p0)}; lower the ratio test or try SIFT")
    cv2.setRNGSeed(int(seed))
    homography, inliers = cv2.findHomography(p0, p1, cv2.RANSAC, float(ransac_px))
    if homography is None:
        raise ValueError("RANSAC found no consistent homography: the matches are mostly wrong")
    return homography, inliers.ravel().astype(bool)


def corner_error(estimated, true, shape: tuple[int, int]) -> float:
    """Mean distance in pixels between where two homographies send the four corners of an image.

    Parameters
    ----------
    estimated, true : ndarray, (3, 3)
    shape : (rows, cols)
        Shape of the first image.

    Returns
    -------
    float
        0 for identical transforms; a geometric error independent of how the matrices are scaled.
    """
    rows, cols = shape[:2]
    corners = np.array([[0, 0, 1], [cols, 0, 1], [cols, rows, 1], [0, rows, 1]], float).T
    mapped = []
    for h in (estimated, true):
        h = np.asarray(h, float)
        if h.shape != (3, 3):
            raise ValueError(f"homographies must be 3x3, got {h.shape}")
        p = h @ corners
        mapped.append(p[:2] / p[2])
    return float(np.mean(np.hypot(*(mapped[0] - mapped[1]))))
