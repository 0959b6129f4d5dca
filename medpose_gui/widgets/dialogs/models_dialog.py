"""Inference > Models...: choose model files, device and thresholds (remembered in QSettings).

The dialog validates the paths before it accepts (files exist; the detector config is
optional). Loading the models happens later, in the inference worker thread.
"""

from __future__ import annotations

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
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from medpose_gui.core.reference import DETECTOR_CLASS_NAMES
from medpose_gui.widgets.dialogs.model_setup_dialog import ModelSetupDialog
from medpose_gui.widgets.settings import DEVICES, ModelSettings

# Checkbox text of a detector class where the name alone does not say enough.
CATEGORY_LABELS = {"user": "user (needs the user pose model)"}

class _PathField(QWidget):
    """A line edit with a "Browse..." button."""

    def __init__(self, name: str, file_filter: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setObjectName(name)
        self._filter = file_filter
        button = QPushButton("Browse…", self)
        button.clicked.connect(self._browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(button)

    def _browse(self) -> None:
        start = str(Path(self.edit.text()).parent) if self.edit.text() else ""
        path, _ = QFileDialog.getOpenFileName(self, "Choose file", start, self._filter)
        if path:
            self.edit.setText(path)

    def text(self) -> str:
        return self.edit.text().strip()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt naming
        self.edit.setText(text)


class ModelsDialog(QDialog):
    """Edit a :class:`ModelSettings`; ``models()`` returns the edited value after accept."""

    def __init__(self, models: ModelSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelsDialog")
        self.setWindowTitle("Models")
        weights_filter = "PyTorch checkpoints (*.pth *.pt *.pkl);;All files (*)"
        self.detector_weights = _PathField("detectorWeights", weights_filter, self)
        self.detector_config = _PathField("detectorConfig", "detectron2 config (*.yaml *.yml)", self)
        self.pose_weights = _PathField("poseWeights", weights_filter, self)
        self.user_pose_weights = _PathField("userPoseWeights", weights_filter, self)
        self.device = QComboBox(self)
        self.device.addItems(DEVICES)
        self.threshold = QDoubleSpinBox(self)
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setDecimals(3)
        self.threshold.setSingleStep(0.05)
        self.keypoint_threshold = QDoubleSpinBox(self)
        self.keypoint_threshold.setRange(0.0, 1.0)
        self.keypoint_threshold.setSingleStep(0.05)
        self.keypoint_threshold.setToolTip("Points scored below this start as absent (still editable)")
        self.batch = QSpinBox(self)
        self.batch.setRange(0, 256)
        self.batch.setSpecialValueText("auto (GPU 4, CPU 1)")  # 0: the device's default
        # One box per detector class, in the checkpoint's order (patient, user).
        self.category_boxes = {name: QCheckBox(CATEGORY_LABELS.get(name, name), self)
                               for name in DETECTOR_CLASS_NAMES}
        cats = QHBoxLayout()
        for box in self.category_boxes.values():
            cats.addWidget(box)
        self.problems_label = QLabel("", self)
        self.problems_label.setObjectName("modelsProblems")
        self.problems_label.setStyleSheet("color: #d04040")
        self.problems_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Detector weights", self.detector_weights)
        form.addRow("Detector config (optional)", self.detector_config)
        form.addRow("Pose weights (patient)", self.pose_weights)
        form.addRow("Pose weights (user, optional)", self.user_pose_weights)
        form.addRow("Device", self.device)
        form.addRow("Detection threshold", self.threshold)
        form.addRow("Keypoint threshold", self.keypoint_threshold)
        form.addRow("Categories", cats)
        form.addRow("Batch size", self.batch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        setup = buttons.addButton("Set up models…", QDialogButtonBox.ButtonRole.ActionRole)
        setup.setObjectName("modelsSetupButton")
        setup.setToolTip("Add or download the known models and fill in their files here")
        setup.clicked.connect(self.open_setup)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems_label)
        layout.addWidget(buttons)
        self.resize(640, 0)
        self.set_models(models)

    def set_models(self, m: ModelSettings) -> None:
        self.detector_weights.setText(m.detector_weights)
        self.detector_config.setText(m.detector_config)
        self.pose_weights.setText(m.pose_weights)
        self.user_pose_weights.setText(m.user_pose_weights)
        self.device.setCurrentText(m.device if m.device in DEVICES else "auto")
        self.threshold.setValue(m.detection_threshold)
        self.keypoint_threshold.setValue(m.keypoint_threshold)
        self.batch.setValue(m.batch_size)
        for name, box in self.category_boxes.items():
            box.setChecked(name in m.categories)

    def models(self) -> ModelSettings:
        cats = [name for name, box in self.category_boxes.items() if box.isChecked()]
        return ModelSettings(
            detector_weights=self.detector_weights.text(),
            detector_config=self.detector_config.text(),
            pose_weights=self.pose_weights.text(),
            user_pose_weights=self.user_pose_weights.text(),
            device=self.device.currentText(),
            detection_threshold=self.threshold.value(),
            categories=cats,
            batch_size=self.batch.value(),
            keypoint_threshold=self.keypoint_threshold.value(),
        )

    def open_setup(self) -> QDialog:
        """The model setup dialog; its OK fills the model file fields here."""
        dialog = ModelSetupDialog(self.models(), parent=self)
        dialog.accepted.connect(lambda: self.set_models(dialog.models()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def accept(self) -> None:
        problems = self.models().problems()
        if problems:
            self.problems_label.setText("\n".join(problems))
            return
        super().accept()
