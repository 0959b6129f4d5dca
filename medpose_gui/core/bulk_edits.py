"""Review many frames at once: approve a frame range, delete weak detections in a range.

Each is one :class:`~medpose_gui.core.edits.EditGroup` (one undo step). Deleting by box
score takes only the model's untouched predictions: a person the medic corrected, drew or
accepted from a fill is never removed by a threshold, and approved frames stay as they are.
"""

from __future__ import annotations

from medpose_gui.core.annotations import REVIEW_OF_CODE, ReviewState, Source
from medpose_gui.core.edits import Edit, EditGroup, InstanceChange, set_review_state
from medpose_gui.core.project import Project


def _ordered(first: int, last: int) -> tuple[int, int]:
    return min(int(first), int(last)), max(int(first), int(last))


def approve_range(project: Project, first: int, last: int, frame: int = -1) -> EditGroup:
    """Approve every frame of first..last (inclusive) not yet approved."""
    lo, hi = _ordered(first, last)
    hi = min(hi, project.media.num_frames - 1) if project.media.num_frames else hi
    codes = project.frame_summary().review  # one array, not a query per frame
    edits = [set_review_state(f, REVIEW_OF_CODE[int(codes[f])] if f < len(codes)
                              else ReviewState.UNREVIEWED, ReviewState.APPROVED)
             for f in range(max(lo, 0), hi + 1)
             if f >= len(codes) or REVIEW_OF_CODE[int(codes[f])] != ReviewState.APPROVED]
    return EditGroup(f"Approve frames {lo}–{hi}", edits, frame)


def delete_under_score(project: Project, first: int, last: int, min_box_score: float,
                       category: str | None = None, frame: int = -1) -> EditGroup:
    """Delete the untouched predictions of first..last whose box score is below
    ``min_box_score`` (of ``category``, or every category); approved frames are skipped."""
    lo, hi = _ordered(first, last)
    approved = project.approved_frames(lo, hi)
    edits = []
    for f, instances in project.iter_track_frames(lo, hi):
        if f in approved:
            continue
        weak = [inst for inst in instances
                if inst.source == Source.PREDICTED and inst.box_score is not None
                and inst.box_score < min_box_score
                and (category is None or inst.category == category)]
        if weak:
            edits.append(Edit(f, "Delete weak detections",
                              tuple(InstanceChange(inst, None) for inst in weak)))
    what = category or "person"
    return EditGroup(f"Delete {what}s under box score {min_box_score:g} in frames {lo}–{hi}",
                     edits, frame)
