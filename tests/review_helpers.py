"""Projects as a medic leaves them, for the model-quality tests: predictions spread over a
box, points moved with core edits, frames approved."""

from __future__ import annotations

import numpy as np

from medpose_gui.core import edits
from medpose_gui.core.annotations import Instance, ReviewState

K = 21  # medic_casualty points
THRESHOLD = 0.3  # points scoring below it are predicted absent


def spread_patient(x0: float, y0: float, box_score: float = 0.9, low_points=()) -> Instance:
    """A predicted patient spread over a 130 x 90 box; ``low_points`` score below the threshold."""
    scores = np.full(K, 0.9)
    scores[list(low_points)] = 0.1
    xys = np.column_stack([x0 + 5.0 * np.arange(K), y0 + 3.0 * np.arange(K), scores])
    return Instance.from_prediction("patient", [x0 - 10, y0 - 10, x0 + 120, y0 + 80], box_score,
                                    xys, score_threshold=THRESHOLD)


def only_patient(project, frame: int) -> Instance:
    (inst,) = [i for i in project.instances(frame) if i.category == "patient"]
    return inst


def move_point(project, frame: int, k: int, dx: float, dy: float) -> None:
    """Move point ``k`` of the frame's patient by (dx, dy), as a drag would."""
    inst = only_patient(project, frame)
    x, y = inst.keypoints[k, :2]
    edits.move_keypoint(frame, inst, k, x + dx, y + dy).apply(project)


def approve(project, *frames: int) -> None:
    for f in frames:
        edits.set_review_state(f, project.review_state(f), ReviewState.APPROVED).apply(project)
