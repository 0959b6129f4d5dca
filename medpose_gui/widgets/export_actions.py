"""File > Export: COCO keypoints, bbox_detections.json and overlay video, in the background.

Each export runs in a worker thread (:class:`BackgroundTask`) behind a window-modal
``QProgressDialog`` with Cancel; the project is thread-safe (one connection behind a mutex),
and frames for images/video come from a separate media source opened in the worker, never
from the GUI's frame cache. ``start_export(kind, ...)`` is the dialog-free entry point that
the menu actions and the tests share.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
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
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medpose_gui.core.project import Project

TaskFn = Callable[[Callable[[int, int], None], Callable[[], bool]], object]


@dataclass(frozen=True)
class CocoOptions:
    out_json: str
    reviewed_only: bool = False
    category: str | None = None  # None = all categories
    images_dir: str | None = None
    min_score: float | None = None


class BackgroundTask(QObject):
    """Runs ``fn(progress, cancel)`` in a Python thread; results come back as signals."""

    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, fn: TaskFn, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="medpose-export", daemon=True)
        self.done = False
        for sig in (self.succeeded, self.failed, self.cancelled):
            sig.connect(self._mark_done)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _mark_done(self, *_args: object) -> None:
        self.done = True

    def _run(self) -> None:
        from medpose_gui.formats import ExportCancelled

        try:
            result = self._fn(self.progress.emit, self._cancel.is_set)
        except ExportCancelled:
            self.cancelled.emit()
            return
        except Exception as exc:  # noqa: BLE001 - shown to the user; the app lives on
            traceback.print_exc()
            self.failed.emit(str(exc) or type(exc).__name__)
            return
        if self._cancel.is_set() and result is False:
            self.cancelled.emit()
        else:
            self.succeeded.emit(result)


def _with_source(media_path: str, fn: Callable[[object], object]) -> object:
    from medpose_gui.media import open_media

    source = open_media(media_path)
    try:
        return fn(source)
    finally:
        source.close()


def coco_task(project: Project, media_path: str | None, opts: CocoOptions) -> TaskFn:
    from medpose_gui.formats import export_coco_keypoints
    from medpose_gui.session import export_frame_namer

    def run(progress: Callable[[int, int], None], cancel: Callable[[], bool]) -> object:
        _make_parent(opts.out_json)

        def export(source: object | None) -> object:
            return export_coco_keypoints(
                project, opts.out_json, reviewed_only=opts.reviewed_only,
                min_score=opts.min_score, category=opts.category, images_dir=opts.images_dir,
                frame_reader=None if source is None else source.__getitem__,
                frame_name=export_frame_namer(source), progress=progress, cancel=cancel)

        if opts.images_dir or (media_path and Path(media_path).is_dir()):
            if not media_path:
                raise ValueError("the media are missing: relink them to write frame images")
            return _with_source(media_path, export)
        return export(None)

    return run


def bbox_task(project: Project, out_json: str) -> TaskFn:
    from medpose_gui.formats import project_to_bbox_entries, write_bbox_detections

    def run(progress: Callable[[int, int], None], cancel: Callable[[], bool]) -> object:
        _make_parent(out_json)
        return write_bbox_detections(out_json, project_to_bbox_entries(project))

    return run


def video_task(project: Project, media_path: str, out_path: str) -> TaskFn:
    from medpose_gui.media.render import render_video

    def run(progress: Callable[[int, int], None], cancel: Callable[[], bool]) -> object:
        _make_parent(out_path)
        return _with_source(media_path, lambda src: render_video(
            project, src, out_path, progress=progress, cancel=cancel))

    return run


def _make_parent(path: str) -> None:
    """The user chose this file in a dialog: create its folder rather than fail."""
    Path(path).absolute().parent.mkdir(parents=True, exist_ok=True)


def start_task(parent: QWidget, title: str, fn: TaskFn,
               on_done: Callable[[str, object], None]) -> BackgroundTask:
    """Run ``fn`` behind a window-modal progress dialog; ``on_done(outcome, value)`` with
    outcome "ok" | "failed" | "cancelled" (value: the result or the message)."""
    dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
    dialog.setObjectName("exportProgress")
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)  # quick exports finish before it shows
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    task = BackgroundTask(fn, parent)
    task.progress.connect(lambda done, total: (dialog.setMaximum(max(total, 1)),
                                               dialog.setValue(done)))
    dialog.canceled.connect(task.cancel)

    def finish(outcome: str, value: object) -> None:
        dialog.canceled.disconnect(task.cancel)
        dialog.close()
        dialog.deleteLater()
        on_done(outcome, value)

    task.succeeded.connect(lambda value: finish("ok", value))
    task.failed.connect(lambda msg: finish("failed", msg))
    task.cancelled.connect(lambda: finish("cancelled", None))
    task.start()
    return task


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
