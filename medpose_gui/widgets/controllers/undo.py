"""Undo/redo of annotation edits: one :class:`QUndoCommand` per core :class:`Edit` (or per
:class:`EditGroup`: a video tool's change of many frames, one step).

The command only wraps the core operation (``Edit.apply`` / ``Edit.revert``, exact inverses,
each one transaction) and tells the window which frame changed. Commands whose edits share a
``merge_key`` (the steps of one drag, keyboard nudges) merge into one undo step via
``Edit.merged_with``.

A write that fails (disk full, read-only or deleted project, a person a model run replaced)
must never escape into Qt (an exception out of a virtual call kills the app) and must never
leave a step on the stack that the project does not hold: the command reports the failure
and marks itself obsolete, which makes ``QUndoStack`` drop it (``push`` does not add it;
``undo``/``redo`` remove it); the project rolled the write back, so what is shown is saved.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from medpose_gui.core.edits import AnnotationTarget, AnyEdit

# QUndoStack only offers mergeWith() to commands with the same non-negative id(); every
# mergeable edit uses this one id and mergeWith() then compares the edits' merge keys.
MERGEABLE_ID = 0x4D50


def changed_frames(edit: AnyEdit) -> list[int]:
    """Every frame an edit or a group of edits changes."""
    frames = getattr(edit, "frames", None)
    return list(frames) if frames is not None else [edit.frame]


class EditCommand(QUndoCommand):
    """Apply ``edit`` to ``target`` on redo, revert it on undo, then ``on_applied(frame)``;
    a failed write calls ``on_failed(message)`` instead and drops the step."""

    def __init__(self, target: AnnotationTarget, edit: AnyEdit,
                 on_applied: Callable[[int], None] | None = None,
                 on_failed: Callable[[str], None] | None = None,
                 parent: QUndoCommand | None = None,
                 on_frames: Callable[[list[int]], None] | None = None) -> None:
        super().__init__(edit.text, parent)
        self._target = target
        self.edit = edit
        self._on_applied = on_applied
        self._on_failed = on_failed
        self._on_frames = on_frames
        # While the undo history is rebuilt (EditController.forget_persons) the project
        # already holds the state: redo/undo only move the stack's index.
        self.silent = False

    def redo(self) -> None:
        self._run(self.edit.apply, "do")

    def undo(self) -> None:
        self._run(self.edit.revert, "undo")

    def _run(self, step: Callable[[AnnotationTarget], None], verb: str) -> None:
        if self.silent:
            return
        try:
            step(self._target)
        except Exception as exc:  # noqa: BLE001 - must not reach Qt; reported instead
            traceback.print_exc()
            self.setObsolete(True)
            if self._on_failed is not None:
                self._on_failed(f"Could not {verb} “{self.text()}”: {exc}")
        self._notify()

    def _notify(self) -> None:
        if self._on_applied is not None:
            self._on_applied(self.edit.frame)
        if self._on_frames is not None:
            self._on_frames(changed_frames(self.edit))

    def id(self) -> int:
        return MERGEABLE_ID if self.edit.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt API)
        """Absorb the next command (already applied by the stack) if the edits merge."""
        if not isinstance(other, EditCommand) or other.isObsolete() or other.silent:
            return False  # a failed step is dropped; a rebuilt history keeps its steps
        merged = self.edit.merged_with(other.edit)
        if merged is None:
            return False
        self.edit = merged
        self.setText(merged.text)
        # Nudged back to where it started: the stack drops the step altogether.
        self.setObsolete(merged.is_noop)
        return True
