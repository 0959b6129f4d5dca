"""The questions the video tools ask: a frame, a frame range (and a box score), a track,
how far to propagate.

:class:`VideoQuestions` asks each with a small modal dialog and returns the answer (None when
the medic cancels). The controller that asks holds one, so tests and the scripted benchmark
answer with a stand-in of the same methods instead of a dialog.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QInputDialog,
    QSpinBox,
    QWidget,
)

FORWARD, BACKWARD = 1, -1


def _spin(parent: QWidget, value: int, last: int) -> QSpinBox:
    box = QSpinBox(parent)
    box.setRange(0, max(last, 0))
    box.setValue(min(max(value, 0), max(last, 0)))
    return box


class _Form(QDialog):
    """A titled form with OK / Cancel."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self._buttons = buttons

    def ask(self) -> bool:
        self.form.addRow(self._buttons)
        return self.exec() == QDialog.DialogCode.Accepted


class VideoQuestions:
    """Modal questions of the video tools (0-based frame numbers, as shown everywhere)."""

    def __init__(self, parent: QWidget | None) -> None:
        self._parent = parent

    def frame(self, num_frames: int, current: int) -> int | None:
        """Go to frame: the frame number."""
        value, ok = QInputDialog.getInt(self._parent, "Go to frame",
                                        f"Frame (0 – {num_frames - 1}):", current, 0,
                                        max(num_frames - 1, 0))
        return value if ok else None

    def frame_range(self, num_frames: int, current: int, title: str,
                    score: float | None = None) -> tuple[int, int, float | None] | None:
        """First and last frame (inclusive), and a box score when ``score`` is given."""
        dialog = _Form(title, self._parent)
        first, last = _spin(dialog, current, num_frames - 1), _spin(dialog, num_frames - 1,
                                                                    num_frames - 1)
        dialog.form.addRow("From frame:", first)
        dialog.form.addRow("To frame:", last)
        threshold = None
        if score is not None:
            threshold = QDoubleSpinBox(dialog)
            threshold.setRange(0.0, 1.0)
            threshold.setSingleStep(0.05)
            threshold.setValue(score)
            dialog.form.addRow("Box score below:", threshold)
        if not dialog.ask():
            return None
        return first.value(), last.value(), None if threshold is None else threshold.value()

    def track(self, current: int | None, suggestions: list[int]) -> tuple[int, bool] | None:
        """Set track: the track number and whether the change holds from this frame on."""
        dialog = _Form("Set track", self._parent)
        number = QSpinBox(dialog)
        number.setRange(1, 2**31 - 1)
        number.setValue(suggestions[0] if suggestions else (current or 1))
        onward = QCheckBox("from this frame on (swap the two tracks' later persons too)", dialog)
        dialog.form.addRow(f"Track (now {current if current is not None else 'none'}):", number)
        dialog.form.addRow(onward)
        if not dialog.ask():
            return None
        return number.value(), onward.isChecked()

    def merge_target(self, track: int, candidates: list[tuple[int, str]]) -> int | None:
        """Merge: which track joins ``track`` (candidates: id and a description)."""
        if not candidates:
            return None
        dialog = _Form(f"Merge into track {track}", self._parent)
        combo = QComboBox(dialog)
        for tid, text in candidates:
            combo.addItem(text, tid)
        dialog.form.addRow("Track to merge:", combo)
        return combo.currentData() if dialog.ask() else None

    def propagation(self, default_frames: int = 25) -> tuple[int, int] | None:
        """Propagate N frames: direction (+1 / -1) and how many frames."""
        dialog = _Form("Propagate", self._parent)
        direction = QComboBox(dialog)
        direction.addItem("forward", FORWARD)
        direction.addItem("backward", BACKWARD)
        count = QSpinBox(dialog)
        count.setRange(1, 100_000)
        count.setValue(default_frames)
        dialog.form.addRow("Direction:", direction)
        dialog.form.addRow("Frames:", count)
        if not dialog.ask():
            return None
        return int(direction.currentData()), count.value()
