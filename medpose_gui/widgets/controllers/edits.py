"""Turns the medic's gestures into undoable edits on the project.

Everything that changes annotations goes through :meth:`EditController.push`: it wraps a
``core.edits.Edit`` in an ``EditCommand`` on the ``QUndoStack`` (so it is undoable and
committed at once by the project). The first edit of an unreviewed frame also marks the
frame "in progress" (same undo step). Poses estimated in the background for a drawn or
corrected box come back as ``set_pose`` edits, so they are undoable too.

An edit whose write fails is reported through ``failed`` and never lands on the stack (see
:mod:`.undo`). A model run replaces untouched predictions: :meth:`forget_persons` then drops
only the undo steps about those persons; every other step stays undoable.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from medpose_gui.core import edits
from medpose_gui.core.annotations import Instance, ReviewState
from medpose_gui.core.boxes import normalise_box
from medpose_gui.core.project import Project
from medpose_gui.widgets.controllers.undo import EditCommand, changed_frames


def with_in_progress(edit: edits.Edit, state: ReviewState) -> edits.Edit:
    """``edit`` plus "unreviewed -> in progress" when it changes an unreviewed frame."""
    if edit.review_after is not None or state != ReviewState.UNREVIEWED or not edit.changes:
        return edit
    # No merge key: a merged edit keeps only the instance change, and undoing it must
    # also take the review state back.
    return dataclasses.replace(edit, review_before=ReviewState.UNREVIEWED,
                               review_after=ReviewState.IN_PROGRESS, merge_key=None)


class EditController(QObject):
    """Owns the undo stack; ``applied(frame)`` after every do/undo/redo (the frame acted
    on) and ``framesChanged(frames)`` with every frame it changed (a group: many)."""

    applied = Signal(int)
    framesChanged = Signal(list)
    message = Signal(str)  # for the status bar
    failed = Signal(str)  # a write failed: nothing changed (for a message box)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stack = QUndoStack(self)
        self.stack.setObjectName("undoStack")
        self.project: Project | None = None

    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.stack.clear()  # commands hold the old project

    def push(self, edit: edits.AnyEdit) -> None:
        """Do ``edit`` as one undo step (a group of many frames too)."""
        if self.project is None or edit.is_noop:
            return
        if isinstance(edit, edits.Edit):  # a group's frames keep their review states
            edit = with_in_progress(edit, self.project.review_state(edit.frame))
        self.stack.push(self._command(edit))

    def push_done(self, edit: edits.AnyEdit) -> None:
        """Put an edit the project already holds on the stack as one undo step (a
        propagation stores frame by frame as results come, then becomes one step)."""
        if self.project is None or edit.is_noop:
            return
        command = self._command(edit)
        command.silent = True  # redo on push would write what is already written
        self.stack.push(command)
        command.silent = False
        self.applied.emit(edit.frame)
        self.framesChanged.emit(changed_frames(edit))

    def _command(self, edit: edits.AnyEdit) -> EditCommand:
        return EditCommand(self.project, edit, self.applied.emit, self.failed.emit,
                           on_frames=self.framesChanged.emit)

    def forget_persons(self, uids: list[str]) -> int:
        """Drop the undo/redo steps that touch any of ``uids`` (predictions a model run
        replaced: undoing such a step would put a stale prediction back beside the new
        one); keep every other step, done or undone, in order. Returns how many were
        dropped."""
        gone = set(uids)
        stack = self.stack
        commands = [stack.command(i) for i in range(stack.count())]
        keep = [(i, c.edit) for i, c in enumerate(commands) if not (c.edit.uids & gone)]
        dropped = len(commands) - len(keep)
        if not dropped:
            return 0
        done = sum(1 for i, _ in keep if i < stack.index())
        stack.clear()
        rebuilt = []
        for _, edit in keep:
            command = self._command(edit)
            command.silent = True  # the project already holds this state
            stack.push(command)
            rebuilt.append(command)
        stack.setIndex(done)  # undone steps stay undone (silently: nothing to write)
        for command in rebuilt:
            command.silent = False
        self.message.emit(f"{dropped} undo step(s) about predictions the run replaced "
                          "were removed; all others stay undoable")
        return dropped

    # -- gestures -------------------------------------------------------------------
    def add_manual(self, frame: int, category: str, box: tuple[float, float, float, float]) -> Instance | None:
        """A drawn box becomes a manual instance with all points absent (pose comes later)."""
        if self.project is None:
            return None
        k = self.project.schema_for(category).num_keypoints
        inst = Instance.manual(category, normalise_box(box), k)
        self.push(edits.add_instance(frame, inst))
        return inst

    def apply_pose(self, frame: int, uid: str, keypoints: np.ndarray, text: str) -> bool:
        """Apply a background pose result if the person still exists (else drop it)."""
        inst = self.project.instance(frame, uid) if self.project is not None else None
        if inst is None:
            self.message.emit("pose result dropped: the person was deleted meanwhile")
            return False
        if keypoints.shape[0] != inst.num_keypoints:
            self.message.emit(f"pose model gave {keypoints.shape[0]} points, "
                              f"{inst.category} has {inst.num_keypoints}")
            return False
        self.push(edits.set_pose(frame, inst, keypoints, text))
        return True

    def delete(self, frame: int, uid: str) -> None:
        inst = self.project.instance(frame, uid) if self.project is not None else None
        if inst is not None:
            self.push(edits.delete_instance(frame, inst))

    def copy_previous(self, frame: int) -> int:
        """Copy the persons of ``frame - 1`` into ``frame``; returns how many."""
        if self.project is None or frame <= 0:
            return 0
        previous = self.project.instances(frame - 1)
        if previous:
            self.push(edits.copy_instances(frame, previous))
        else:
            self.message.emit(f"frame {frame - 1} has no persons to copy")
        return len(previous)

    def set_review(self, frame: int, state: ReviewState) -> None:
        if self.project is None:
            return
        before = self.project.review_state(frame)
        if before != state:
            self.push(edits.set_review_state(frame, before, state))
