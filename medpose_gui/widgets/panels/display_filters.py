"""Display filters (right dock): what the frame view draws.

Emits ``optionsChanged(dict)`` with the keyword arguments of
``FrameView.set_display_options(show_boxes, show_labels, show_skeleton, min_score, categories)``.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QWidget,
)


class DisplayFilters(QWidget):
    optionsChanged = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("displayFilters")
        self.boxes = QCheckBox("boxes", self)
        self.labels = QCheckBox("labels", self)
        self.skeleton = QCheckBox("skeleton", self)
        for box in (self.boxes, self.labels, self.skeleton):
            box.setChecked(True)
            box.toggled.connect(self._emit)
        self.min_score = QDoubleSpinBox(self)
        self.min_score.setObjectName("minScoreSpin")
        self.min_score.setRange(0.0, 1.0)
        self.min_score.setSingleStep(0.05)
        self.min_score.setToolTip("Hide keypoints whose model score is below this value")
        self.min_score.valueChanged.connect(self._emit)
        self._category_boxes: dict[str, QCheckBox] = {}
        self._category_row = QHBoxLayout()
        show = QHBoxLayout()
        for box in (self.boxes, self.labels, self.skeleton):
            show.addWidget(box)
        layout = QFormLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addRow("Show", show)
        layout.addRow("Min point score", self.min_score)
        layout.addRow("Categories", self._category_row)

    def set_categories(self, names: list[str]) -> None:
        for box in self._category_boxes.values():
            self._category_row.removeWidget(box)
            box.deleteLater()
        self._category_boxes = {}
        for name in names:
            box = QCheckBox(name, self)
            box.setChecked(True)
            box.toggled.connect(self._emit)
            self._category_row.addWidget(box)
            self._category_boxes[name] = box

    def options(self) -> dict:
        cats = [n for n, b in self._category_boxes.items() if b.isChecked()]
        return {"show_boxes": self.boxes.isChecked(), "show_labels": self.labels.isChecked(),
                "show_skeleton": self.skeleton.isChecked(), "min_score": self.min_score.value(),
                "categories": None if len(cats) == len(self._category_boxes) else cats}

    def _emit(self, *_args: object) -> None:
        self.optionsChanged.emit(self.options())
