"""What a model run may store in a frame the medic has worked on (the re-run policy).

A run replaces only untouched predictions. It never changes an approved frame (the project
skips those), never alters, duplicates or hides a person the medic corrected, drew, or
accepted from interpolation/propagation, and never brings back a prediction the medic
deleted. The last two are decided here: a new prediction that matches such a person, or
such a deletion, is dropped.

"Matches" = same category and box IoU >= :data:`MATCH_IOU`, paired one to one by the
largest total IoU (scipy's ``linear_sum_assignment``). One to one matters when persons
overlap: the medic's corrected patient claims the one new box that is most surely the same
person; a second patient lying close beside (IoU >= 0.5 with the first) is still stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from medpose_gui.core.annotations import Instance

# The detection-matching IoU of COCO's AP50 and of the re-run policy in the README.
MATCH_IOU = 0.5


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box of ``a`` (N, 4) with every box of ``b`` (M, 4), x1 y1 x2 y2 -> (N, M)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0.0, None), axis=2)
    area_a = np.prod(np.clip(a[:, 2:] - a[:, :2], 0.0, None), axis=1)
    area_b = np.prod(np.clip(b[:, 2:] - b[:, :2], 0.0, None), axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def match_one_to_one(new: Sequence[Instance], old: Sequence[Instance],
                     min_iou: float = MATCH_IOU) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``: ``new[i]`` is the same person as ``old[j]`` (same category, IoU >=
    ``min_iou``), each index in at most one pair, largest total IoU."""
    if not new or not old:
        return []
    iou = box_iou(np.array([n.box for n in new]), np.array([o.box for o in old]))
    same = np.array([[n.category == o.category for o in old] for n in new])
    iou = np.where(same & (iou >= min_iou), iou, 0.0)
    # Imported here: scipy.optimize takes 0.4-1.2 s to import, and the window imports this
    # module before it first shows (bench/bench_startup.py); only a run's store needs it.
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(iou, maximize=True)
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if iou[i, j] > 0.0]


@dataclass
class Admission:
    """The new predictions a run may store in one frame, and why the others were dropped."""

    admitted: list[Instance] = field(default_factory=list)
    covered_by_medic: int = 0  # matched a corrected / drawn / filled person
    deleted_by_medic: int = 0  # matched a prediction the medic deleted


def admit_predictions(new: Sequence[Instance], medic: Sequence[Instance],
                      deleted: Sequence[Instance]) -> Admission:
    """Filter one frame's new predictions against the medic's persons and deletions."""
    covered = {i for i, _ in match_one_to_one(new, medic)}
    rest = [i for i in range(len(new)) if i not in covered]
    gone = {rest[i] for i, _ in match_one_to_one([new[r] for r in rest], deleted)}
    admitted = [new[i] for i in range(len(new)) if i not in covered and i not in gone]
    return Admission(admitted, len(covered), len(gone))
