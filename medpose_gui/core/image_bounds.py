"""The one rule for keypoints outside the image: they count as absent.

A pose model places a body part that the frame cuts off at an extrapolated position outside
the image (points at y = 741 on a 720-pixel frame happen). COCO keypoints and the reference
pose trainer (mmpose 0.x ``TopDownCocoDataset``) expect labelled points on the image, and the
trainer gives every labelled point (v = 1 or 2) full weight wherever it lies. Such a point
cannot be checked on the frame, and clipping it to the edge would teach the model a position
that is wrong. So a point outside the image is exported as absent (v = 0, x = y = 0) and the
quality report treats it alike; the project keeps it as predicted or placed (the medic may
drag it onto the image), and the frame view marks it.

"On the image" is 0 <= x < width and 0 <= y < height in image pixels (the frame's pixel i
covers [i, i + 1), as the frame view draws it); a NaN coordinate is not on the image.
"""

from __future__ import annotations

import numpy as np

from medpose_gui.core.annotations import Visibility


def on_image(xy: np.ndarray, width: int, height: int) -> np.ndarray:
    """(K,) bool for (K, 2+) points: inside [0, width) x [0, height)."""
    x, y = np.asarray(xy[..., 0], dtype=np.float64), np.asarray(xy[..., 1], dtype=np.float64)
    return (x >= 0) & (x < width) & (y >= 0) & (y < height)


def labelled_on_image(keypoints: np.ndarray, width: int, height: int) -> np.ndarray:
    """(K,) bool for (K, 3) keypoints: labelled (v > 0) and on the image, i.e. what an
    export writes as labelled."""
    return (keypoints[..., 2] > Visibility.ABSENT) & on_image(keypoints, width, height)


def count_off_image(keypoints: np.ndarray, width: int, height: int) -> int:
    """How many labelled points of (K, 3) ``keypoints`` lie outside the image."""
    labelled = keypoints[..., 2] > Visibility.ABSENT
    return int((labelled & ~on_image(keypoints, width, height)).sum())
