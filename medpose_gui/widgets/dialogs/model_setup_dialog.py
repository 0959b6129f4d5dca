"""Inference > Set up models... (and the first run): get the known model files in place.

One row per catalogue model (:data:`medpose_gui.model_registry.CATALOGUE`) with where it is
configured in the local registry (``$MEDPOSE_DATA_DIR`` or the per-user data folder). "Add
file..." checks a local file with the real loader (:meth:`ModelRegistry.add`) in a background
thread; "Download" fetches the catalogue link with :func:`download_model` in a child process
and shows the received bytes. A process, not a thread, because a download must be cancellable
mid-stream and ``download_model`` has no cancel hook: Cancel ends the process and the
``.part`` file stays, so the next download resumes. OK writes the configured paths into the
inference model settings (the Models dialog's fields).
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import queue
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medpose_gui.model_registry import CatalogueEntry, ModelRegistry, ModelRegistryError
from medpose_gui.model_registry.download import part_path
from medpose_gui.widgets.background.task import BackgroundTask
from medpose_gui.widgets.settings import ModelSettings

# Which inference setting each catalogue model fills (names from model_registry/catalogue.py).
SETTING_OF_MODEL = {"partial-body-detector": "detector_weights",
                    "casualty-pose": "pose_weights",
                    "user-pose": "user_pose_weights"}
NOT_CONFIGURED = "not configured"
POLL_MS = 100
ERROR_STYLE = "color: #c03030"


def _download_in_child(name: str, url: str | None, directory: str, results) -> None:
    """Child-process body: download, check and register; report ("ok"|"error", text)."""
    from medpose_gui.model_registry import download_model

    try:
        model = download_model(name, url=url, registry=ModelRegistry(directory), progress=False)
        results.put(("ok", model.path))
    except Exception as exc:  # noqa: BLE001 - passed to the dialog as text
        results.put(("error", str(exc) or type(exc).__name__))


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


class _Download:
    """A running download child process and the file it fills."""

    def __init__(self, entry: CatalogueEntry, url: str | None, registry: ModelRegistry) -> None:
        ctx = multiprocessing.get_context("spawn")  # no fork of a threaded Qt process
        self.entry = entry
        self.part = part_path(registry.directory / entry.file_name)
        self.exitcode: int | None = None
        self.results = ctx.Queue()
        self.process = ctx.Process(target=_download_in_child, daemon=True,
                                   args=(entry.name, url, str(registry.directory), self.results))
        self.process.start()

    def received(self) -> int:
        try:
            return self.part.stat().st_size
        except OSError:
            return 0

    def result(self) -> tuple[str, str] | None:
        """("ok", path) | ("error", message) once the child is done, else None."""
        try:
            return self.results.get_nowait()
        except queue.Empty:
            pass
        if self.process.is_alive():
            return None
        try:  # the child may have ended just after the first look
            return self.results.get(timeout=1.0)
        except queue.Empty:
            return ("error", f"the download process ended unexpectedly "
                             f"(exit code {self.process.exitcode})")

    def cancel(self) -> None:
        self.process.terminate()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)

    def close(self) -> None:
        self.exitcode = self.process.exitcode  # None: still running (it cannot be closed)
        self.results.close()
        with contextlib.suppress(ValueError):
            self.process.close()


class ModelSetupDialog(QDialog):
    """The known models, where each is configured, and buttons to add or download them.

    ``models()`` (after accept) is ``base`` with the configured model paths filled in.
    Signals ``busyChanged(bool)`` and ``finishedWork(name, outcome, text)`` (outcome "ok" |
    "failed" | "cancelled") let tests and the window follow the background work.
    """

    busyChanged = Signal(bool)
    finishedWork = Signal(str, str, str)

    def __init__(self, base: ModelSettings, registry: ModelRegistry | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelSetupDialog")
        self.setWindowTitle("Set up models")
        self.base = base
        self.registry = registry or ModelRegistry()
        self.task: BackgroundTask | None = None
        self.download: _Download | None = None
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._poll_download)
        self.locations: dict[str, QLabel] = {}
        self.buttons: list[QPushButton] = []
        self._has_url: dict[str, bool] = {}  # button name -> may be enabled (download link)

        intro = QLabel("medpose-gui needs the detector and the casualty pose model; the user "
                       "pose model is only needed to detect medics (users). Add files you have, "
                       "or download the ones that have a public link.", self)
        intro.setWordWrap(True)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setVerticalSpacing(6)
        for row, entry in enumerate(self.registry.catalogue):
            self._add_row(grid, row, entry)

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
        self.box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                    | QDialogButtonBox.StandardButton.Cancel, self)
        self.box.accepted.connect(self.accept)
        self.box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(grid)
        layout.addLayout(progress_row)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(self.box)
        self.resize(820, 340)
        self.refresh()

    def _add_row(self, grid: QGridLayout, row: int, entry: CatalogueEntry) -> None:
        title = QLabel(f"<b>{entry.title}</b>", self)
        title.setToolTip(entry.note)
        location = QLabel(NOT_CONFIGURED, self)
        location.setObjectName(f"location_{entry.name}")
        location.setWordWrap(True)  # long paths wrap; the minimum keeps descenders ("_") in
        location.setMinimumHeight(location.fontMetrics().lineSpacing() + 6)
        add = QPushButton("Add file…", self)
        add.setObjectName(f"add_{entry.name}")
        add.setToolTip(f"Choose a local file of the {entry.title}; it is checked before use")
        add.clicked.connect(lambda _checked=False, e=entry: self._choose_file(e))
        download = QPushButton("Download", self)
        download.setObjectName(f"download_{entry.name}")
        download.setEnabled(bool(entry.url))
        download.setToolTip(f"Download from {entry.url}" if entry.url
                            else "No public download link is known: add your file")
        download.clicked.connect(lambda _checked=False, e=entry: self.start_download(e.name))
        grid.addWidget(title, 2 * row, 0, 1, 4)
        grid.addWidget(QLabel("   ", self), 2 * row + 1, 0)
        grid.addWidget(location, 2 * row + 1, 1)
        grid.addWidget(add, 2 * row + 1, 2)
        grid.addWidget(download, 2 * row + 1, 3)
        self.locations[entry.name] = location
        self.buttons += [add, download]
        self._has_url[download.objectName()] = bool(entry.url)

    # -- state -------------------------------------------------------------------------
    def location(self, name: str) -> str | None:
        """Where catalogue model ``name`` is configured, or None."""
        try:
            return self.registry.location_of(self._entry(name))
        except ModelRegistryError:
            return None

    def _entry(self, name: str) -> CatalogueEntry:
        return next(e for e in self.registry.catalogue if e.name == name)

    def refresh(self) -> None:
        """Show each model's configured path (or "not configured")."""
        for name, label in self.locations.items():
            try:
                where = self.registry.location_of(self._entry(name))
            except ModelRegistryError as exc:  # an unreadable registry file
                self._say(str(exc), error=True)
                where = None
            label.setText(where or NOT_CONFIGURED)
            label.setStyleSheet("" if where else "color: #808080")

    @property
    def busy(self) -> bool:
        return (self.task is not None and not self.task.done) or self.download is not None

    def _set_busy(self, busy: bool) -> None:
        for button in self.buttons:
            button.setEnabled(not busy and self._has_url.get(button.objectName(), True))
        self.box.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)
        self.busyChanged.emit(busy)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")

    def models(self) -> ModelSettings:
        """``base`` with the configured catalogue models as the inference model files."""
        values = {}
        for name, setting in SETTING_OF_MODEL.items():
            where = self.location(name) if name in self.locations else None
            if where:
                values[setting] = where
        return dataclasses.replace(self.base, **values)

    # -- add a local file --------------------------------------------------------------
    def _choose_file(self, entry: CatalogueEntry) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, f"Choose the {entry.title}", "",
            "PyTorch checkpoints (*.pth *.pt *.pkl);;All files (*)")
        if path:
            self.add_file(entry.name, path)

    def add_file(self, name: str, path: str) -> BackgroundTask | None:
        """Check ``path`` with the real loader and record it as model ``name`` (background)."""
        if self.busy:
            return None
        self._say(f"Checking {Path(path).name}…")
        self._set_busy(True)
        task = BackgroundTask(lambda _p, _c: self.registry.add(path, name), self)

        def done(outcome: str, text: str) -> None:
            self._set_busy(False)
            self.refresh()
            if outcome == "ok":
                self._say(f"{self._entry(name).title}: {path}")
            else:
                self._say(f"Not added as the {self._entry(name).title}:\n{text}", error=True)
            self.finishedWork.emit(name, outcome, text)

        task.succeeded.connect(lambda _result: done("ok", ""))
        task.failed.connect(lambda msg: done("failed", msg))
        self.task = task
        task.start()
        return task

    # -- download ----------------------------------------------------------------------
    def start_download(self, name: str, url: str | None = None) -> bool:
        """Download model ``name`` (from ``url``, default its catalogue link) in a child process."""
        if self.busy:
            return False
        entry = self._entry(name)
        if not (url or entry.url):
            self._say(f"No public download link is known for the {entry.title}: add your file.",
                      error=True)
            return False
        self.download = _Download(entry, url, self.registry)
        self._say(f"Downloading the {entry.title}…")
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
        if self.download is None:
            return
        self.download.cancel()
        self._end_download("cancelled", "")

    def _end_download(self, outcome: str, text: str) -> None:
        download, self.download = self.download, None
        self._timer.stop()
        download.close()
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self._set_busy(False)
        self.refresh()
        title = download.entry.title
        if outcome == "ok":
            self._say(f"Downloaded the {title}: {text}")
        elif outcome == "cancelled":
            kept = (" The part received is kept; the next download resumes from it."
                    if download.received() else "")
            self._say(f"Download of the {title} cancelled.{kept}")
        else:
            self._say(f"Download of the {title} failed:\n{text}", error=True)
        self.finishedWork.emit(download.entry.name, outcome, text)

    def done(self, result: int) -> None:  # noqa: D401 - QDialog.done
        """Closing the dialog stops a running download (the partial file is kept)."""
        self.cancel_download()
        super().done(result)

