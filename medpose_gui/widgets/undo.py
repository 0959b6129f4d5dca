"""Undo/redo of annotation edits: one :class:`QUndoCommand` per core :class:`Edit`.

The command only wraps the core operation (``Edit.apply`` / ``Edit.revert``, exact inverses)
and tells the window which frame changed. Commands whose edits share a ``merge_key`` (the
keyboard nudges of one point) merge into one undo step via ``Edit.merged_with``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from medpose_gui.core.edits import AnnotationTarget, Edit

# QUndoStack only offers mergeWith() to commands with the same non-negative id(); every
# mergeable edit uses this one id and mergeWith() then compares the edits' merge keys.
MERGEABLE_ID = 0x4D50


class EditCommand(QUndoCommand):
    """Apply ``edit`` to ``target`` on redo, revert it on undo, then ``on_applied(frame)``."""

    def __init__(self, target: AnnotationTarget, edit: Edit,
                 on_applied: Callable[[int], None] | None = None,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(edit.text, parent)
        self._target = target
        self.edit = edit
        self._on_applied = on_applied

    def redo(self) -> None:
        self.edit.apply(self._target)
        self._notify()

    def undo(self) -> None:
        self.edit.revert(self._target)
        self._notify()

    def _notify(self) -> None:
        if self._on_applied is not None:
            self._on_applied(self.edit.frame)

    def id(self) -> int:
        return MERGEABLE_ID if self.edit.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt API)
        """Absorb the next command (already applied by the stack) if the edits merge."""
        if not isinstance(other, EditCommand):
            return False
        merged = self.edit.merged_with(other.edit)
        if merged is None:
            return False
        self.edit = merged
        self.setText(merged.text)
        # Nudged back to where it started: the stack drops the step altogether.
        self.setObsolete(merged.is_noop)
        return True
