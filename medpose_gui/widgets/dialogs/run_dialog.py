"""Inference > Run...: which frames to run the models on.

Scopes (:mod:`medpose_gui.runs.scope`): all frames, a range, the current frame, frames not
yet approved, or frames not yet predicted by the chosen models (resume a cancelled run).
Approved frames are never changed by a run, and never computed.
"""

from __future__ import annotations

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

from medpose_gui.runs.scope import SCOPES, frames_for, resumes

__all__ = ["SCOPES", "RunDialog", "frames_for", "resumes"]


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
                  "unreviewed": "Frames not yet approved",
                  "resume": "Frames not yet predicted by these models (resume)"}
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
