"""Inference > Run...: which frames to run the models on.

Scopes: all frames, a range, the current frame, or frames not yet approved ("unreviewed
only": approved frames are never overwritten anyway, so this also skips their cost).
``frames_for(scope, ...)`` is the pure function the window and tests use.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

SCOPES = ("all", "range", "current", "unreviewed")


def frames_for(scope: str, num_frames: int, current: int, review: Sequence[int] | np.ndarray,
               first: int = 0, last: int | None = None) -> list[int]:
    """Frame indices for a scope; ``review`` holds frame_summary codes (2 = approved)."""
    if scope == "all":
        return list(range(num_frames))
    if scope == "current":
        return [current] if 0 <= current < num_frames else []
    if scope == "range":
        last = num_frames - 1 if last is None else last
        lo, hi = max(0, min(first, last)), min(num_frames - 1, max(first, last))
        return list(range(lo, hi + 1))
    if scope == "unreviewed":
        codes = np.asarray(review)
        return [int(i) for i in np.flatnonzero(codes[:num_frames] != 2)]
    raise ValueError(f"unknown scope {scope!r}; use one of {SCOPES}")


class RunDialog(QDialog):
    """Pick a scope; ``scope()`` and ``frame_range()`` after accept."""

    def __init__(self, num_frames: int, current: int, models_summary: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runDialog")
        self.setWindowTitle("Run inference")
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        labels = {"all": f"All {num_frames} frames", "range": "Frames",
                  "current": f"Current frame ({current})",
                  "unreviewed": "Frames not yet approved"}
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(models_summary, self))
        self.first = QSpinBox(self)
        self.last = QSpinBox(self)
        for spin in (self.first, self.last):
            spin.setRange(0, max(num_frames - 1, 0))
        self.first.setValue(current)
        self.last.setValue(max(num_frames - 1, 0))
        for scope in SCOPES:
            button = QRadioButton(labels[scope], self)
            button.setObjectName(f"scope_{scope}")
            self.group.addButton(button)
            self.buttons[scope] = button
            if scope == "range":
                row = QHBoxLayout()
                row.addWidget(button)
                row.addWidget(self.first)
                row.addWidget(QLabel("to", self))
                row.addWidget(self.last)
                row.addStretch(1)
                layout.addLayout(row)
            else:
                layout.addWidget(button)
        self.buttons["all"].setChecked(True)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel, self)
        box.button(QDialogButtonBox.StandardButton.Ok).setText("Run")
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def scope(self) -> str:
        return next(s for s, b in self.buttons.items() if b.isChecked())

    def set_scope(self, scope: str) -> None:
        self.buttons[scope].setChecked(True)

    def frame_range(self) -> tuple[int, int]:
        return self.first.value(), self.last.value()
