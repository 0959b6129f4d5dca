"""File › Export: COCO keypoints, bbox_detections.json and the overlay video, in the background.

:class:`ExportController` asks where to (the COCO options dialog or a file picker), runs
the export in a :class:`~medpose_gui.widgets.background.task.BackgroundTask` behind a
window-modal progress dialog with Cancel, and reports the outcome. The writing is the
same code the command line runs (:mod:`medpose_gui.exports`, :mod:`medpose_gui.formats`):
the project is thread-safe, and frames come from a media source the export opens itself,
never from the window's frame cache. ``export_coco``/``export_bbox``/``export_video`` are
the dialog-free entry points that the dialogs and the tests share.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QProgressDialog, QWidget

from medpose_gui.exports import export_coco_with_frames, render_overlay_video
from medpose_gui.formats import project_to_bbox_entries, write_bbox_detections
from medpose_gui.widgets.background.task import BackgroundTask, TaskFn
from medpose_gui.widgets.controllers.session import SessionController
from medpose_gui.widgets.dialogs.coco_export_dialog import CocoExportDialog, CocoOptions


def _make_parent(path: str) -> None:
    """The user chose this file in a dialog: create its folder rather than fail."""
    Path(path).absolute().parent.mkdir(parents=True, exist_ok=True)


class ExportController(QObject):
    """Runs one export at a time; :attr:`last_export` is the (outcome, value) of the last."""

    message = Signal(str, int)  # status-bar text, milliseconds
    noted = Signal(str)  # what an export wrote, where: stays in the status bar
    failed = Signal(str, str)  # title, message

    def __init__(self, sessions: SessionController, dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self._sessions = sessions
        self._parent = dialog_parent
        self.last_export: tuple[str, object] | None = None  # ("ok"|"failed"|"cancelled", value)
        self.task: BackgroundTask | None = None  # the running or last export

    def _beside_project(self, suffix: str) -> str:
        path = Path(self._sessions.project.path)
        return str(path.with_name(path.stem + suffix))

    # -- asking where ----------------------------------------------------------------
    def ask_coco(self) -> CocoExportDialog | None:
        project = self._sessions.project
        if project is None:
            return None
        dialog = CocoExportDialog(self._beside_project("_coco.json"),
                                  [c.name for c in project.categories], self._parent)

        def accepted() -> None:
            opts = dialog.options()
            if opts.out_json:
                self.export_coco(opts)

        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def ask_bbox(self) -> None:
        if self._sessions.project is None:
            return
        path, _ = QFileDialog.getSaveFileName(self._parent, "Export bbox_detections.json",
                                              self._beside_project("_bbox_detections.json"),
                                              "JSON (*.json)")
        if path:
            self.export_bbox(path)

    def ask_video(self) -> None:
        if self._sessions.media_path is None:
            return
        path, _ = QFileDialog.getSaveFileName(self._parent, "Export overlay video",
                                              self._beside_project("_overlay.mp4"),
                                              "MP4 (*.mp4)")
        if path:
            self.export_video(path)

    # -- exporting -------------------------------------------------------------------
    def export_coco(self, opts: CocoOptions) -> BackgroundTask:
        project = self._sessions.project

        def run(progress: Callable[[int, int], None], cancel: Callable[[], bool]) -> object:
            _make_parent(opts.out_json)
            stats = export_coco_with_frames(
                project, opts.out_json, reviewed_only=opts.reviewed_only,
                min_score=opts.min_score, category=opts.category, images_dir=opts.images_dir,
                progress=progress, cancel=cancel,
                allow_empty=False)  # an empty training file is a mistake: say why instead
            frames = (f", {stats.num_images_written} frame images in {opts.images_dir}"
                      if opts.images_dir else "")
            return stats, (f"{stats.path}: {stats.num_images} images, "
                           f"{stats.num_annotations} annotations{frames}")

        return self._start("Exporting COCO keypoints", "COCO export", run)

    def export_bbox(self, out_json: str) -> BackgroundTask:
        project = self._sessions.project

        def run(_progress: Callable[[int, int], None], _cancel: Callable[[], bool]) -> object:
            _make_parent(out_json)
            entries = project_to_bbox_entries(project)
            path = write_bbox_detections(out_json, entries)
            boxes = sum(len(entry[1]) for entry in entries)
            return path, f"{path}: {len(entries)} images, {boxes} boxes"

        return self._start("Exporting boxes", "bbox_detections.json", run)

    def export_video(self, out_path: str) -> BackgroundTask:
        project = self._sessions.project

        def run(progress: Callable[[int, int], None], cancel: Callable[[], bool]) -> object:
            _make_parent(out_path)
            done = render_overlay_video(project, out_path, progress=progress, cancel=cancel)
            if done is False:
                return False  # cancelled (BackgroundTask's convention)
            return done, f"{out_path}: {project.media.num_frames} frames"

        return self._start("Rendering overlay video", "Overlay video", run)

    def _start(self, title: str, what: str, fn: TaskFn) -> BackgroundTask:
        """Run ``fn`` behind a window-modal progress dialog with Cancel."""
        dialog = QProgressDialog(title, "Cancel", 0, 0, self._parent)
        dialog.setObjectName("exportProgress")
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)  # quick exports finish before it shows
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        task = BackgroundTask(fn, self._parent)
        task.progress.connect(lambda done, total: (dialog.setMaximum(max(total, 1)),
                                                   dialog.setValue(done)))
        dialog.canceled.connect(task.cancel)

        def finish(outcome: str, value: object) -> None:
            dialog.canceled.disconnect(task.cancel)
            dialog.close()
            dialog.deleteLater()
            self._done(what, outcome, value)

        task.succeeded.connect(lambda value: finish("ok", value))
        task.failed.connect(lambda msg: finish("failed", msg))
        task.cancelled.connect(lambda: finish("cancelled", None))
        self.task = task
        task.start()
        return task

    def _done(self, what: str, outcome: str, value: object) -> None:
        """Report an export; ``value`` of a success is (result, where it went, how much)."""
        if outcome == "ok":
            value, where = value
            self.noted.emit(f"{what} written: {where}")
        self.last_export = (outcome, value)
        if outcome == "failed":
            self.failed.emit(f"{what} failed", str(value))
        elif outcome == "cancelled":
            self.message.emit(f"{what} cancelled", 5000)
