"""Inference › Models… (and the first run): which models run, on which device, how strict.

The one place in the window where models are set up. The upper part chooses, per role,
among the models in the model registry, adds files to it or downloads the catalogue models
(:class:`~medpose_gui.widgets.dialogs.model_files.ModelFilesBox`); the lower part holds the
run preferences (device, thresholds, categories, batch size). ``models()`` gives the result
as a :class:`~medpose_gui.widgets.settings.ModelSettings`; the caller stores it (the
registry records the chosen models, so ``medpose-gui models`` and ``infer`` agree). On the
first run the dialog opens by itself with a welcome text on top.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from medpose_gui.core.reference import DETECTOR_CLASS_NAMES
from medpose_gui.model_registry import DETECTOR_ROLE, POSE_ROLE, USER_POSE_ROLE, ModelRegistry
from medpose_gui.model_registry.selection import CONFIG_KEY
from medpose_gui.widgets.dialogs.model_files import ModelFilesBox
from medpose_gui.widgets.settings import DEVICES, ModelSettings

# Checkbox text of a detector class where the name alone does not say enough.
CATEGORY_LABELS = {"user": "user (needs the user pose model)"}
WELCOME_TEXT = (
    "<b>Welcome to medpose-gui.</b><br>"
    "To run the models, choose them here once: the <b>detector</b> (detectron2 "
    "<tt>model_final.pth</tt>) and the <b>pose model for patients</b> (ViTPose <tt>.pth</tt>). "
    "<i>Add file…</i> checks a file you have; <i>Download</i> fetches a model with a public "
    "link. The same models are used by <tt>medpose-gui infer</tt> "
    "(<tt>medpose-gui models</tt> lists them).<br>"
    "Then open a video or a folder of frames (File › Open, or drop it on the window) and press "
    "Ctrl+I to run inference. This dialog is Inference › Models… (Ctrl+M); F1 lists every "
    "keyboard shortcut.")
FIELD_OF_ROLE = {DETECTOR_ROLE: ("detector_model", "detector_weights"),
                 POSE_ROLE: ("pose_model", "pose_weights"),
                 USER_POSE_ROLE: ("user_pose_model", "user_pose_weights")}


class ModelsDialog(QDialog):
    """Edit a :class:`ModelSettings`; ``models()`` returns the edited value after accept.

    ``welcome``: the first-run text on top. ``legacy``: model files an older version kept
    in its settings (role -> file, ``detector_config``); those whose role has no model yet
    are checked and added to the registry when the dialog opens.
    """

    busyChanged = Signal(bool)
    finishedWork = Signal(str, str, str)  # role, outcome ("ok"|"failed"|"cancelled"), text

    def __init__(self, models: ModelSettings, parent: QWidget | None = None, *,
                 registry: ModelRegistry | None = None, welcome: bool = False,
                 legacy: dict[str, str] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelsDialog")
        self.setWindowTitle("Welcome — set up the models" if welcome else "Models")
        self.base = models
        self.registry = registry or ModelRegistry()
        chosen = {role: getattr(models, field) for role, (field, _) in FIELD_OF_ROLE.items()}
        self.files = ModelFilesBox(self.registry, chosen, models.detector_config, self)
        self.files.busyChanged.connect(self._busy_changed)
        self.files.finishedWork.connect(self.finishedWork)
        self.files.changed.connect(self._show_problems)
        # Kept as attributes under their old names: tests and the window reach them.
        self.detector_config = self.files.detector_config
        self.status = self.files.status
        self.progress, self.cancel_button = self.files.progress, self.files.cancel_button

        layout = QVBoxLayout(self)
        self.intro = QLabel(WELCOME_TEXT, self)
        self.intro.setObjectName("firstRunIntro")
        self.intro.setWordWrap(True)
        self.intro.setVisible(welcome)
        self.intro.setContentsMargins(0, 0, 0, 6)
        layout.addWidget(self.intro)
        files_group = QGroupBox("Model files (kept in the model registry, shared with "
                                "medpose-gui infer)", self)
        QVBoxLayout(files_group).addWidget(self.files)
        layout.addWidget(files_group)
        layout.addWidget(self._run_group())
        self.problems_label = QLabel("", self)
        self.problems_label.setObjectName("modelsProblems")
        self.problems_label.setStyleSheet("color: #d04040")
        self.problems_label.setWordWrap(True)
        layout.addWidget(self.problems_label)
        self.box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                    | QDialogButtonBox.StandardButton.Cancel, self)
        self.box.accepted.connect(self.accept)
        self.box.rejected.connect(self.reject)
        layout.addWidget(self.box)
        self.resize(820, 0)
        self._set_preferences(models)
        self._adopt_legacy(legacy or {})

    def _run_group(self) -> QGroupBox:
        group = QGroupBox("Running the models", self)
        self.device = QComboBox(self)
        self.device.addItems(DEVICES)
        self.threshold = QDoubleSpinBox(self)
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setDecimals(3)
        self.threshold.setSingleStep(0.05)
        self.threshold.setToolTip("Keep detected boxes scoring at least this (reference: 0.8)")
        self.keypoint_threshold = QDoubleSpinBox(self)
        self.keypoint_threshold.setRange(0.0, 1.0)
        self.keypoint_threshold.setSingleStep(0.05)
        self.keypoint_threshold.setToolTip("Points scored below this start as absent (still "
                                           "editable)")
        self.batch = QSpinBox(self)
        self.batch.setRange(0, 256)
        self.batch.setSpecialValueText("auto (GPU 4, CPU 1)")  # 0: the device's default
        # One box per detector class, in the checkpoint's order (patient, user).
        self.category_boxes = {name: QCheckBox(CATEGORY_LABELS.get(name, name), self)
                               for name in DETECTOR_CLASS_NAMES}
        cats = QHBoxLayout()
        for box in self.category_boxes.values():
            box.toggled.connect(self._show_problems)
            cats.addWidget(box)
        cats.addStretch(1)
        form = QFormLayout(group)
        form.addRow("Device", self.device)
        form.addRow("Detection threshold", self.threshold)
        form.addRow("Keypoint threshold", self.keypoint_threshold)
        form.addRow("Detect", cats)
        form.addRow("Batch size", self.batch)
        return group

    def _set_preferences(self, m: ModelSettings) -> None:
        self.device.setCurrentText(m.device if m.device in DEVICES else "auto")
        self.threshold.setValue(m.detection_threshold)
        self.keypoint_threshold.setValue(m.keypoint_threshold)
        self.batch.setValue(m.batch_size)
        for name, box in self.category_boxes.items():
            box.setChecked(name in m.categories)

    def _adopt_legacy(self, legacy: dict[str, str]) -> None:
        """Offer an older version's model files to the registry (roles still empty only)."""
        chosen = self.files.chosen()
        todo = [(role, path) for role, path in legacy.items()
                if role in FIELD_OF_ROLE and not chosen.get(role)]
        if legacy.get(CONFIG_KEY) and not self.files.detector_config.text():
            self.files.detector_config.setText(legacy[CONFIG_KEY])
        if todo:
            self.files.add_files(todo)

    # -- result ------------------------------------------------------------------------
    def models(self) -> ModelSettings:
        """``base`` with the chosen models (names and files) and preferences."""
        chosen = self.files.chosen()
        values: dict[str, object] = {}
        for role, (name_field, file_field) in FIELD_OF_ROLE.items():
            values[name_field] = chosen[role]
            values[file_field] = self.files.file_of(role)
        return dataclasses.replace(
            self.base, **values, detector_config=self.files.detector_config.text(),
            registry_error="", device=self.device.currentText(),
            detection_threshold=self.threshold.value(),
            categories=[n for n, box in self.category_boxes.items() if box.isChecked()],
            batch_size=self.batch.value(), keypoint_threshold=self.keypoint_threshold.value())

    @property
    def busy(self) -> bool:
        return self.files.busy

    def _busy_changed(self, busy: bool) -> None:
        self.box.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)
        self.busyChanged.emit(busy)

    def _show_problems(self) -> None:
        """Once a problem was shown (a refused OK), keep the list current while editing."""
        if self.problems_label.text():
            self.problems_label.setText("\n".join(self.models().problems()))

    # -- the model files' work, reachable from the dialog ----------------------------------
    def add_file(self, role: str, path: str):
        return self.files.add_file(role, path)

    def start_download(self, role: str, url: str | None = None) -> bool:
        return self.files.start_download(role, url)

    def accept(self) -> None:
        problems = self.models().problems()
        if problems:
            self.problems_label.setText("\n".join(problems))
            return
        super().accept()

    def done(self, result: int) -> None:  # noqa: D401 - QDialog.done
        """Closing the dialog stops a running download (the partial file is kept)."""
        self.files.cancel_download()
        super().done(result)
