"""File › Export COCO keypoints: which file, frames, category, images and point score.

``CocoExportDialog.options()`` (after accept) is a :class:`CocoOptions`, what the export
controller hands to the export (:func:`medpose_gui.exports.export_coco_with_frames`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class CocoOptions:
    out_json: str
    reviewed_only: bool = False
    category: str | None = None  # None = all categories
    images_dir: str | None = None
    min_score: float | None = None


class CocoExportDialog(QDialog):
    """Options of a COCO keypoints export; ``options()`` after accept."""

    def __init__(self, default_json: str, categories: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("cocoExportDialog")
        self.setWindowTitle("Export COCO keypoints")
        self.out_json = QLineEdit(default_json, self)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse_json)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_json, 1)
        out_row.addWidget(browse)
        self.reviewed_only = QCheckBox("approved frames only", self)
        self.category = QComboBox(self)
        self.category.addItem("all categories", None)
        for name in categories:
            self.category.addItem(name, name)
        self.category.setToolTip("The pose trainer reads one keypoint count per file: "
                                 "export patients and users separately for training")
        self.write_images = QCheckBox("write frame images to", self)
        self.images_dir = QLineEdit(str(Path(default_json).with_name("images")), self)
        self.min_score = QDoubleSpinBox(self)
        self.min_score.setRange(0.0, 1.0)
        self.min_score.setSingleStep(0.05)
        self.min_score.setToolTip("On frames not yet approved, model points scored below this "
                                  "are written as absent")
        img_row = QHBoxLayout()
        img_row.addWidget(self.write_images)
        img_row.addWidget(self.images_dir, 1)
        form = QFormLayout()
        form.addRow("File", out_row)
        form.addRow("Frames", self.reviewed_only)
        form.addRow("Category", self.category)
        form.addRow("Images", img_row)
        form.addRow("Min point score", self.min_score)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(560, 0)

    def _browse_json(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export COCO keypoints", self.out_json.text(),
                                              "COCO JSON (*.json)")
        if path:
            self.out_json.setText(path)

    def options(self) -> CocoOptions:
        min_score = self.min_score.value()
        return CocoOptions(out_json=self.out_json.text().strip(),
                           reviewed_only=self.reviewed_only.isChecked(),
                           category=self.category.currentData(),
                           images_dir=self.images_dir.text().strip() if self.write_images.isChecked() else None,
                           min_score=min_score if min_score > 0 else None)
