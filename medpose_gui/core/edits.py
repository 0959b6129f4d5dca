"""Invertible edit operations on annotations.

Every change a person makes is an :class:`Edit`: a list of instance replacements
(before -> after, either side may be ``None`` for add/delete) plus an optional review
state change, all on one frame. ``apply`` and ``revert`` are exact inverses, so the
GUI's ``QUndoStack`` only wraps them (one ``QUndoCommand`` per edit; consecutive edits
with the same :attr:`Edit.merge_key` — the steps of one drag — merge into one undo step
via :meth:`Edit.merged_with`).

A video tool (interpolate a track, propagate a correction, merge/split tracks, approve a
range) changes many frames at once: an :class:`EditGroup` of per-frame edits, applied and
reverted in one transaction, is ONE undo step. It offers the same attributes the undo stack
uses (``text``, ``frame``, ``uids``, ``merge_key``, ``merged_with``, ``is_noop``, ``apply``,
``revert``), so the stack wraps either kind alike.

Edits never touch :attr:`Instance.original`: the model's prediction survives every
correction. The factories below are pure: they take the current instance and return an
Edit; nothing is changed until ``apply`` is called on a target (the project).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from medpose_gui.core.annotations import Instance, ReviewState, Source, Visibility
from medpose_gui.core.boxes import normalise_box
from medpose_gui.core.schema import KeypointSchema


class AnnotationTarget(Protocol):
    """What edits change; :class:`medpose_gui.core.project.Project` implements it."""

    def put_instance(self, frame: int, instance: Instance) -> None: ...

    def remove_instance(self, frame: int, uid: str) -> None: ...

    def set_review_state(self, frame: int, state: ReviewState) -> None: ...

    def atomic(self) -> AbstractContextManager[None]: ...


@dataclass(frozen=True)
class InstanceChange:
    before: Instance | None  # None: the instance is added
    after: Instance | None  # None: the instance is deleted

    @property
    def uid(self) -> str:
        inst = self.after if self.after is not None else self.before
        assert inst is not None
        return inst.uid


@dataclass(frozen=True)
class Edit:
    frame: int
    text: str  # shown in the undo history, e.g. "Move left_knee"
    changes: tuple[InstanceChange, ...] = ()
    review_before: ReviewState | None = None
    review_after: ReviewState | None = None
    merge_key: tuple | None = None  # edits with equal non-None keys merge (drag steps)

    def apply(self, target: AnnotationTarget) -> None:
        """Make the change; all of it or (when a write fails) none of it."""
        with target.atomic():
            for change in self.changes:
                _swap(target, self.frame, change.before, change.after)
            if self.review_after is not None:
                target.set_review_state(self.frame, self.review_after)

    def revert(self, target: AnnotationTarget) -> None:
        with target.atomic():
            for change in reversed(self.changes):
                _swap(target, self.frame, change.after, change.before)
            if self.review_before is not None:
                target.set_review_state(self.frame, self.review_before)

    @property
    def uids(self) -> frozenset[str]:
        """The persons this edit touches (a model run that replaces one drops the step)."""
        return frozenset(change.uid for change in self.changes)

    def merged_with(self, later: Edit) -> Edit | None:
        """One edit equivalent to ``self`` then ``later``, or None if they don't merge."""
        if self.merge_key is None or self.merge_key != later.merge_key:
            return None
        if len(self.changes) != 1 or len(later.changes) != 1:
            return None
        first, second = self.changes[0], later.changes[0]
        return Edit(self.frame, later.text, (InstanceChange(first.before, second.after),),
                    merge_key=self.merge_key)

    @property
    def is_noop(self) -> bool:
        return all(c.before == c.after for c in self.changes) and (
            self.review_after == self.review_before)


@dataclass(frozen=True)
class EditGroup:
    """Per-frame edits done and undone together (one transaction, one undo step).

    ``frame`` is the frame the medic acted on (shown after undo/redo); ``frames`` every
    frame the group changes. Never merges with another step.
    """

    text: str
    edits: tuple[Edit, ...]
    frame: int = -1  # -1: the first edit's frame
    merge_key: None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "edits", tuple(self.edits))
        if self.frame < 0 and self.edits:
            object.__setattr__(self, "frame", self.edits[0].frame)

    def apply(self, target: AnnotationTarget) -> None:
        with target.atomic():
            for edit in self.edits:
                edit.apply(target)

    def revert(self, target: AnnotationTarget) -> None:
        with target.atomic():
            for edit in reversed(self.edits):
                edit.revert(target)

    @property
    def frames(self) -> list[int]:
        """The frames changed, ascending, each once."""
        return sorted({edit.frame for edit in self.edits})

    @property
    def uids(self) -> frozenset[str]:
        return frozenset().union(*(edit.uids for edit in self.edits))

    @property
    def changes(self) -> tuple[InstanceChange, ...]:
        """Every instance change of every frame (for counting; frames are in ``edits``)."""
        return tuple(change for edit in self.edits for change in edit.changes)

    def merged_with(self, later: object) -> None:
        return None

    @property
    def is_noop(self) -> bool:
        return all(edit.is_noop for edit in self.edits)

    def __len__(self) -> int:
        return len(self.edits)


AnyEdit = Edit | EditGroup


def _swap(target: AnnotationTarget, frame: int, old: Instance | None, new: Instance | None) -> None:
    if new is None:
        if old is not None:
            target.remove_instance(frame, old.uid)
    else:
        target.put_instance(frame, new)


def _one(frame: int, text: str, before: Instance | None, after: Instance | None,
         merge_key: tuple | None = None) -> Edit:
    return Edit(frame, text, (InstanceChange(before, after),), merge_key=merge_key)


# -- keypoints ---------------------------------------------------------------------

def move_keypoint(frame: int, inst: Instance, k: int, x: float, y: float,
                  name: str | None = None) -> Edit:
    """Move point k to (x, y); an absent point becomes visible (placing it)."""
    kps = inst.keypoints.copy()
    kps[k, 0], kps[k, 1] = x, y
    placed = kps[k, 2] == Visibility.ABSENT
    if placed:
        kps[k, 2] = Visibility.VISIBLE
    label = name or f"point {k}"
    return _one(frame, f"{'Place' if placed else 'Move'} {label}", inst,
                inst.replace(keypoints=kps), merge_key=("move", inst.uid, k))


def set_visibility(frame: int, inst: Instance, k: int, visibility: Visibility,
                   name: str | None = None) -> Edit:
    kps = inst.keypoints.copy()
    kps[k, 2] = int(visibility)
    label = name or f"point {k}"
    return _one(frame, f"Set {label} {Visibility(visibility).name.lower()}", inst,
                inst.replace(keypoints=kps))


def next_visibility(v: int) -> Visibility:
    """The cycle a key press walks: visible -> occluded -> absent -> visible."""
    order = [Visibility.VISIBLE, Visibility.OCCLUDED, Visibility.ABSENT]
    return order[(order.index(Visibility(int(v))) + 1) % 3]


def cycle_visibility(frame: int, inst: Instance, k: int, name: str | None = None) -> Edit:
    return set_visibility(frame, inst, k, next_visibility(inst.keypoints[k, 2]), name)


def set_pose(frame: int, inst: Instance, keypoints_xys: np.ndarray,
             text: str = "Re-estimate pose") -> Edit:
    """Replace all points with newly estimated (x, y, score); keeps the box.

    Points the medic marked occluded stay occluded; absent points become visible
    (the model has placed them). Scores are the new model scores.
    """
    xys = np.asarray(keypoints_xys, dtype=np.float64)
    vis = inst.keypoints[:, 2].copy()
    vis[vis == Visibility.ABSENT] = Visibility.VISIBLE
    kps = np.column_stack([xys[:, 0], xys[:, 1], vis])
    return _one(frame, text, inst, inst.replace(keypoints=kps, scores=xys[:, 2].copy()))


# -- boxes and instances -----------------------------------------------------------

def set_box(frame: int, inst: Instance, box: Sequence[float], merge: bool = True) -> Edit:
    return _one(frame, "Move/resize box", inst, inst.replace(box=normalise_box(box)),
                merge_key=("box", inst.uid) if merge else None)


def set_category(frame: int, inst: Instance, category: str,
                 from_schema: KeypointSchema | None = None,
                 to_schema: KeypointSchema | None = None) -> Edit:
    """Change the category. When the two categories' schemas differ (patient 21 points,
    user 6), pass both: points are carried over by name, the others become absent."""
    changes: dict = {"category": category}
    if from_schema is not None and to_schema is not None and (
            from_schema.keypoints != to_schema.keypoints):
        kps = np.zeros((to_schema.num_keypoints, 3))
        scores = np.full(to_schema.num_keypoints, np.nan)
        for j, point in enumerate(to_schema.keypoints):
            if point in from_schema.keypoints:
                i = from_schema.index(point)
                kps[j], scores[j] = inst.keypoints[i], inst.scores[i]
        changes.update(keypoints=kps, scores=scores)
    return _one(frame, f"Set category {category}", inst, inst.replace(**changes))


def add_instance(frame: int, inst: Instance) -> Edit:
    return _one(frame, f"Add {inst.category}", None, inst)


def delete_instance(frame: int, inst: Instance) -> Edit:
    return _one(frame, f"Delete {inst.category}", inst, None)


def copy_instances(frame: int, instances: Sequence[Instance]) -> Edit:
    """Copy instances (e.g. of the previous frame) into ``frame`` as manual ones."""
    copies = tuple(InstanceChange(None, inst.copy_as_new().replace(source=Source.MANUAL,
                                                                    original=None))
                   for inst in instances)
    return Edit(frame, f"Copy {len(copies)} instance(s)", copies)


def set_track(frame: int, inst: Instance, track_id: int | None) -> Edit:
    """Move one person to another track (its values and source stay)."""
    return _one(frame, f"Set track {track_id}", inst, inst.with_track(track_id))


def set_review_state(frame: int, before: ReviewState, after: ReviewState) -> Edit:
    return Edit(frame, f"Mark frame {after.value.replace('_', ' ')}",
                review_before=before, review_after=after)
