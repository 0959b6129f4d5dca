"""What the medic changed in each keypoint: pixel distance and whether the point was corrected.

Pure numpy. Compared are instances that still carry the model's original prediction. A point
enters the correction rate when it is labelled (v > 0) in the prediction or in the accepted
values; it counts as corrected when its visibility changed or, labelled in both, it moved by
more than the tolerance. Pixel errors are over points labelled in both. Given the image size,
a point outside the image counts as not labelled (:mod:`medpose_gui.core.image_bounds`): a
prediction off the image that the medic dragged onto it is a correction, one left off it is
not compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from medpose_gui.core.annotations import Instance
from medpose_gui.core.image_bounds import labelled_on_image

# A point dragged back to (almost) where it was is not a correction: sub-pixel jitter from
# placing points with the mouse at non-1:1 zoom stays under half a pixel.
MOVE_TOLERANCE_PX = 0.5


def point_changes(inst: Instance, tolerance_px: float = MOVE_TOLERANCE_PX,
                  image_size: tuple[int, int] | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For one instance with an original: (distance px, NaN unless labelled in both;
    compared: labelled in either; corrected) -- three (K,) arrays."""
    if inst.original is None:
        raise ValueError(f"instance {inst.uid} has no original prediction")
    before, after = inst.original.keypoints, inst.keypoints
    if before.shape != after.shape:
        raise ValueError(f"instance {inst.uid}: prediction has {before.shape[0]} points, "
                         f"current values {after.shape[0]}")
    if image_size is None:
        v_before, v_after = before[:, 2] > 0, after[:, 2] > 0
    else:
        v_before = labelled_on_image(before, *image_size)
        v_after = labelled_on_image(after, *image_size)
    both = v_before & v_after
    distance = np.full(before.shape[0], np.nan)
    distance[both] = np.hypot(after[both, 0] - before[both, 0],
                              after[both, 1] - before[both, 1])
    compared = v_before | v_after
    moved = np.zeros_like(both)
    moved[both] = distance[both] > tolerance_px
    corrected = compared & ((v_before != v_after) | (before[:, 2] != after[:, 2]) | moved)
    return distance, compared, corrected


@dataclass
class CorrectionTally:
    """Per-keypoint accumulation over many instances."""

    num_keypoints: int
    errors: list[list[float]] = field(init=False)
    compared: np.ndarray = field(init=False)
    corrected: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.errors = [[] for _ in range(self.num_keypoints)]
        self.compared = np.zeros(self.num_keypoints, np.int64)
        self.corrected = np.zeros(self.num_keypoints, np.int64)

    def add(self, inst: Instance, tolerance_px: float = MOVE_TOLERANCE_PX,
            image_size: tuple[int, int] | None = None) -> None:
        distance, compared, corrected = point_changes(inst, tolerance_px, image_size)
        for k in np.flatnonzero(np.isfinite(distance)):
            self.errors[k].append(float(distance[k]))
        self.compared += compared
        self.corrected += corrected

    def error_arrays(self) -> list[np.ndarray]:
        return [np.asarray(e, dtype=np.float64) for e in self.errors]
