"""The model files part of Inference › Models…: for each role (detector, pose model for
patients, pose model for users) choose among the models in the registry, add a file, or
download the catalogue model.

"Add file…" checks the file with the real loader in a background thread and records it in
the registry (:func:`~medpose_gui.model_registry.add_for_role`); "Download" fetches the
role's catalogue link in a child process (:class:`~medpose_gui.widgets.background.
model_download.ModelDownload`) with progress and Cancel. Either way the new model is
selected in its row. Which models are *used* is recorded when the dialog is accepted.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medpose_gui.model_registry import (
    DETECTOR_ROLE,
    POSE_ROLE,
    ROLES,
    USER_POSE_ROLE,
    CatalogueEntry,
    ModelRegistry,
    ModelRegistryError,
    add_for_role,
    choices,
)
from medpose_gui.model_registry.selection import ROLE_DEFAULT
from medpose_gui.widgets.background.model_download import ModelDownload
from medpose_gui.widgets.background.task import BackgroundTask

ROLE_LABELS = {DETECTOR_ROLE: "Detector", POSE_ROLE: "Pose model (patients)",
               USER_POSE_ROLE: "Pose model (users)"}
ROLE_HINTS = {DETECTOR_ROLE: "detectron2 model_final.pth",
              POSE_ROLE: "ViTPose .pth, 21 casualty keypoints",
              USER_POSE_ROLE: "optional: only to detect medics (users)"}
NOT_CONFIGURED = "not configured: add your file or download it"
POLL_MS = 100
ERROR_STYLE = "color: #c03030"
WEIGHTS_FILTER = "PyTorch checkpoints (*.pth *.pt *.pkl);;All files (*)"


def _item_text(name: str, path: str) -> str:
    """``partial-body-detector — model_final.pth`` (the file name alone when it is the name)."""
    file = Path(path).name
    return file if Path(path).stem == name else f"{name} — {file}"


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


class PathField(QWidget):
    """A line edit with a "Browse…" button."""

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


class ModelFilesBox(QWidget):
    """One row per role; ``chosen()`` gives the selected registry name of each role.

    Signals ``busyChanged(bool)``, ``finishedWork(role, outcome, text)`` (outcome "ok" |
    "failed" | "cancelled") and ``changed()`` (a selection changed) let the dialog, the
    window and tests follow the background work.
    """

    busyChanged = Signal(bool)
    finishedWork = Signal(str, str, str)
    changed = Signal()

    def __init__(self, registry: ModelRegistry, chosen: dict[str, str], config: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.task: BackgroundTask | None = None
        self.download: ModelDownload | None = None
        self._download_role = ""
        self._queue: list[tuple[str, str]] = []  # (role, file) still to add
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._poll_download)
        self.combos: dict[str, QComboBox] = {}
        self.paths: dict[str, QLabel] = {}
        self.buttons: list[QPushButton] = []
        self._has_url: dict[str, bool] = {}  # download button name -> has a link

        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setVerticalSpacing(2)
        for row, role in enumerate(ROLES):
            self._add_row(grid, 3 * row, role)
        self.detector_config = PathField("detectorConfig", "detectron2 config (*.yaml *.yml)",
                                         self)
        self.detector_config.setText(config)
        self.detector_config.setToolTip("Optional detectron2 YAML with the detector's test "
                                        "settings (input size); used with the detector above")
        config_label = QLabel("Detector config (optional)", self)
        grid.addWidget(config_label, 3 * len(ROLES), 0)
        grid.addWidget(self.detector_config, 3 * len(ROLES), 1, 1, 3)

        self.status = QLabel("", self)
        self.status.setObjectName("modelSetupStatus")
        self.status.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("modelSetupProgress")
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel download", self)
        self.cancel_button.setObjectName("modelSetupCancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_download)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addLayout(progress_row)
        layout.addWidget(self.status)
        self.refresh(chosen)

    def _add_row(self, grid: QGridLayout, row: int, role: str) -> None:
        entry = self._entry(role)
        combo = QComboBox(self)
        combo.setObjectName(f"model_{role}")
        combo.setMinimumContentsLength(28)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.currentIndexChanged.connect(lambda _i, r=role: self._selection_changed(r))
        path = QLabel("", self)
        path.setObjectName(f"path_{role}")
        path.setWordWrap(True)  # long paths wrap; the minimum keeps descenders ("_") in
        path.setMinimumHeight(path.fontMetrics().lineSpacing() + 4)
        path.setStyleSheet("color: #808080")
        add = QPushButton("Add file…", self)
        add.setObjectName(f"add_{role}")
        add.setToolTip(f"Choose a local file ({ROLE_HINTS[role]}); it is checked before use")
        add.clicked.connect(lambda _checked=False, r=role: self._choose_file(r))
        download = QPushButton("Download", self)
        download.setObjectName(f"download_{role}")
        url = entry.url if entry is not None else ""
        download.setToolTip(f"Download the {entry.title} from {url}" if url
                            else "No public download link is known: add your file")
        download.clicked.connect(lambda _checked=False, r=role: self.start_download(r))
        title = QLabel(f"<b>{ROLE_LABELS[role]}</b>", self)
        title.setToolTip(entry.note if entry is not None else "")
        grid.addWidget(title, row, 0)
        grid.addWidget(combo, row, 1)
        grid.addWidget(add, row, 2)
        grid.addWidget(download, row, 3)
        grid.addWidget(path, row + 1, 1, 1, 3)
        grid.setRowMinimumHeight(row + 2, 6)
        self.combos[role], self.paths[role] = combo, path
        self.buttons += [add, download]
        self._has_url[download.objectName()] = bool(url)
        download.setEnabled(bool(url))

    def _entry(self, role: str) -> CatalogueEntry | None:
        return next((e for e in self.registry.catalogue if e.name == ROLE_DEFAULT[role]), None)

    # -- state -------------------------------------------------------------------------
    def refresh(self, chosen: dict[str, str] | None = None) -> None:
        """Fill each role's list from the registry, keeping (or setting) its selection."""
        chosen = chosen if chosen is not None else self.chosen()
        for role, combo in self.combos.items():
            try:
                options = choices(self.registry, role)
            except ModelRegistryError as exc:  # an unreadable registry file
                self.say(str(exc), error=True)
                options = []
            combo.blockSignals(True)
            combo.clear()
            for name, path in options:
                combo.addItem(_item_text(name, path), name)
                combo.setItemData(combo.count() - 1, path, Qt.ItemDataRole.ToolTipRole)
            if not options:
                combo.addItem(NOT_CONFIGURED, "")
            index = combo.findData(chosen.get(role, ""))
            combo.setCurrentIndex(max(index, 0))
            combo.setEnabled(bool(options))
            combo.blockSignals(False)
            self._show_path(role)
        self.changed.emit()

    def _show_path(self, role: str) -> None:
        path = self.file_of(role)
        self.paths[role].setText(path or ROLE_HINTS[role])
        self.combos[role].setToolTip(path)

    def _selection_changed(self, role: str) -> None:
        self._show_path(role)
        self.changed.emit()

    def chosen(self) -> dict[str, str]:
        """Role -> the selected registry name ("" when the role has none)."""
        return {role: str(combo.currentData() or "") for role, combo in self.combos.items()}

    def file_of(self, role: str) -> str:
        name = self.combos[role].currentData()
        if not name:
            return ""
        try:
            return dict(choices(self.registry, role)).get(name, "")
        except ModelRegistryError:
            return ""

    def select(self, role: str, name: str) -> None:
        combo = self.combos[role]
        combo.setCurrentIndex(max(combo.findData(name), 0))

    @property
    def busy(self) -> bool:
        return (self.task is not None and not self.task.done) or self.download is not None

    def _set_busy(self, busy: bool) -> None:
        for button in self.buttons:
            button.setEnabled(not busy and self._has_url.get(button.objectName(), True))
        self.busyChanged.emit(busy)

    def say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")

    # -- add a local file --------------------------------------------------------------
    def _choose_file(self, role: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, f"Choose the {ROLE_LABELS[role].lower()}",
                                              "", WEIGHTS_FILTER)
        if path:
            self.add_file(role, path)

    def add_files(self, files: list[tuple[str, str]]) -> None:
        """Add several (role, file) one after the other (e.g. an older version's choice)."""
        self._queue += files
        if not self.busy:
            self._add_next()

    def _add_next(self) -> None:
        if self._queue and not self.busy:
            self.add_file(*self._queue.pop(0))

    def add_file(self, role: str, path: str) -> BackgroundTask | None:
        """Check ``path`` with the real loader and record it for ``role`` (background)."""
        if self.busy:
            return None
        self.say(f"Checking {Path(path).name}…")
        self._set_busy(True)
        task = BackgroundTask(lambda _p, _c: add_for_role(self.registry, path, role), self)

        def done(outcome: str, text: str, name: str = "") -> None:
            self.task = None  # finished: the next queued file may start from this handler
            self._set_busy(False)
            self.refresh()
            if outcome == "ok":
                self.select(role, name)
                self.say(f"{ROLE_LABELS[role]}: added {name} ({path})")
            else:
                self.say(f"Not added as the {ROLE_LABELS[role].lower()}:\n{text}", error=True)
            self.finishedWork.emit(role, outcome, text)
            self._add_next()

        task.succeeded.connect(lambda model: done("ok", "", model.name))
        task.failed.connect(lambda msg: done("failed", msg))
        self.task = task
        task.start()
        return task

    # -- download ----------------------------------------------------------------------
    def start_download(self, role: str, url: str | None = None) -> bool:
        """Download the role's catalogue model (from ``url``, default its link)."""
        entry = self._entry(role)
        if self.busy or entry is None:
            return False
        if not (url or entry.url):
            self.say(f"No public download link is known for the {entry.title}: add your "
                     "file.", error=True)
            return False
        self.download, self._download_role = ModelDownload(entry, url, self.registry), role
        self.say(f"Downloading the {entry.title}…")
        self.progress.setRange(0, entry.size or 0)  # 0, 0: busy bar when the size is unknown
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self._set_busy(True)
        self._timer.start()
        return True

    def _poll_download(self) -> None:
        download = self.download
        if download is None:
            return
        received = download.received()
        if download.entry.size:
            self.progress.setValue(min(received, download.entry.size))
        self.progress.setFormat(f"{_megabytes(received)} received")
        self.status.setText(f"Downloading the {download.entry.title}: "
                            f"{_megabytes(received)} received")
        result = download.result()
        if result is not None:
            outcome, text = result
            self._end_download("ok" if outcome == "ok" else "failed", text)

    def cancel_download(self) -> None:
        """Stop the download; its partial file is kept so the next download resumes."""
        if self.download is not None:
            self.download.cancel()
            self._end_download("cancelled", "")

    def _end_download(self, outcome: str, text: str) -> None:
        download, self.download = self.download, None
        role = self._download_role
        self._timer.stop()
        download.close()
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self._set_busy(False)
        self.refresh()
        title = download.entry.title
        if outcome == "ok":
            self.select(role, download.entry.name)
            self.say(f"Downloaded the {title}: {text}")
        elif outcome == "cancelled":
            kept = (" The part received is kept; the next download resumes from it."
                    if download.received() else "")
            self.say(f"Download of the {title} cancelled.{kept}")
        else:
            self.say(f"Download of the {title} failed:\n{text}", error=True)
        self.finishedWork.emit(role, outcome, text)
