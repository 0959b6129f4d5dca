"""The main window's dialogs and the small flows behind menu items.

Functions take the window (``medpose_gui.app.MainWindow``) and use its public parts; dialogs
are shown with ``open()``/``show()`` (never a blocking ``exec`` except the native file
pickers and yes/no questions), so tests can drive every flow. The dialog-free entry points
(``export_coco``, ``export_bbox``, ``export_video``, ``MainWindow.start_inference``) are what
the dialogs call once the user has chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from medpose_gui import __version__
from medpose_gui.media import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from medpose_gui.session import OpenError
from medpose_gui.session import save_as as save_session_as
from medpose_gui.widgets.export_actions import (
    BackgroundTask,
    CocoExportDialog,
    CocoOptions,
    bbox_task,
    coco_task,
    start_task,
    video_task,
)
from medpose_gui.widgets.models_dialog import ModelsDialog
from medpose_gui.widgets.run_dialog import RunDialog, frames_for, resumes
from medpose_gui.widgets.shortcuts_dialog import ShortcutsDialog

if TYPE_CHECKING:
    from medpose_gui.app import MainWindow
    from medpose_gui.core.project import Project

FIRST_RUN_TEXT = (
    "Welcome to medpose-gui.\n\n"
    "To run the models, first choose the model files in Inference > Models… (Ctrl+M): the "
    "detector weights (detectron2 model_final.pth, optionally its config YAML) and the "
    "ViTPose weights (.pth).\n\n"
    "Then open a video or a folder of frames (File > Open, or drop it on the window) and "
    "press Ctrl+I to run inference. F1 lists every keyboard shortcut."
)


def message(parent: QWidget, title: str, text: str,
            icon: QMessageBox.Icon = QMessageBox.Icon.Information) -> QMessageBox:
    """A window-modal message box shown with open(): it never blocks the caller."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("messageBox")
    box.open()
    return box


def confirm(text: str) -> bool:
    answer = QMessageBox.question(None, "medpose-gui", text)
    return answer == QMessageBox.StandardButton.Yes


def choose_relink_path(project: Project) -> str | None:
    """Ask where the moved media are (file or folder, like the original)."""
    old = Path(project.media.path)
    QMessageBox.information(None, "Media moved",
                            f"The media of this project were not found:\n{old}\n\n"
                            "Choose where they are now.")
    if old.suffix:
        path, _ = QFileDialog.getOpenFileName(None, f"Where is {old.name}?", "",
                                              f"{old.name} (*{old.suffix});;All files (*)")
    else:
        path = QFileDialog.getExistingDirectory(None, f"Where is the folder {old.name}?")
    return path or None


def first_run_message(window: MainWindow) -> QMessageBox:
    box = message(window, "Welcome", FIRST_RUN_TEXT)
    box.setObjectName("firstRunMessage")
    return box


def _start_dir(window: MainWindow) -> str:
    return window.settings.last_directory() or str(Path.home())


def _remember_dir(window: MainWindow, path: str) -> None:
    window.settings.set_last_directory(str(Path(path).parent))


# -- open / save -------------------------------------------------------------------

def open_dialog(window: MainWindow) -> None:
    videos = " ".join(f"*{e}" for e in sorted(VIDEO_EXTENSIONS))
    images = " ".join(f"*{e}" for e in sorted(IMAGE_EXTENSIONS))
    path, _ = QFileDialog.getOpenFileName(
        window, "Open video or project", _start_dir(window),
        f"Videos and projects ({videos} *.medpose);;Projects (*.medpose);;"
        f"Images (frame folder: pick any) ({images});;All files (*)")
    if path:
        _remember_dir(window, path)
        if Path(path).suffix.lower() in IMAGE_EXTENSIONS:
            path = str(Path(path).parent)  # an image stands for its folder
        window.open_path(path)


def open_folder_dialog(window: MainWindow) -> None:
    path = QFileDialog.getExistingDirectory(window, "Open frame folder", _start_dir(window))
    if path:
        _remember_dir(window, path)
        window.open_path(path)


def save_as(window: MainWindow, path: str | None = None) -> bool:
    """Copy the project to ``path`` (asked for when None) and continue in the copy."""
    if window.project is None:
        return False
    if path is None:
        path, _ = QFileDialog.getSaveFileName(window, "Save project as", str(window.project.path),
                                              "medpose project (*.medpose)")
        if not path:
            return False
        if not path.endswith(".medpose"):
            path += ".medpose"
    window.save_current_frame()  # the copy opens at the frame shown now
    try:
        session = save_session_as(window.project, path)
    except OpenError as exc:
        window.show_error("Cannot save", str(exc))
        return False
    window.replace_session(session)
    window.settings.add_recent_file(path)
    return True


def relink_dialog(window: MainWindow) -> None:
    if window.project is None:
        return
    path = window.relink_chooser(window.project)
    if path:
        window.relink_to(path)


# -- inference -----------------------------------------------------------------------

def models_dialog(window: MainWindow, then: Callable[[], None] | None = None) -> ModelsDialog:
    dialog = ModelsDialog(window.settings.models(), window)

    def accepted() -> None:
        window.settings.set_models(dialog.models())
        window.inference.warm_up(dialog.models().run_settings())  # load them in the background
        if then is not None:
            then()

    dialog.accepted.connect(accepted)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog


def run_dialog(window: MainWindow) -> QDialog | None:
    """Choose the frames (all / range / current / not approved) and start the run."""
    if window.project is None:
        return None
    models = window.settings.models()
    if models.problems():
        return models_dialog(window, then=lambda: run_dialog(window))
    summary = (f"Detector: {Path(models.detector_weights).name}   Pose: "
               f"{Path(models.pose_weights).name}   Device: {models.device}   "
               f"Threshold: {models.detection_threshold:g}")
    dialog = RunDialog(window.num_frames, window.current_frame, summary, window)

    def accepted() -> None:
        first, last = dialog.frame_range()
        review = window.project.frame_summary().review
        frames = frames_for(dialog.scope(), window.num_frames, window.current_frame, review,
                            first, last)
        if not frames:
            window.status.showMessage("no frames to run on", 4000)
            return
        window.start_inference(frames, resume=resumes(dialog.scope()))

    dialog.accepted.connect(accepted)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog


def start_inference(window: MainWindow, frames: list[int], resume: bool = False) -> bool:
    """Run the remembered models on ``frames``; False (with a message) when they are not set."""
    if window.session is None or window.session.source is None:
        return False
    models = window.settings.models()
    problems = models.problems()
    if problems:
        window.show_error("Models not set up", "\n".join(problems)
                          + "\n\nChoose the model files in Inference > Models…")
        return False
    return window.inference.start(str(window.project.media.path), frames, models.run_settings(),
                                  resume=resume)


def reestimate(window: MainWindow, uid: str, image: np.ndarray | None) -> None:
    """Send person ``uid`` of the shown frame to the pose worker (result: a set_pose edit)."""
    frame = window.current_frame
    inst = window.project.instance(frame, uid) if window.project and uid else None
    if inst is None or image is None:
        return
    models = window.settings.models()
    problems = models.pose_only_problems()
    if problems:
        window.show_error("No pose model", "\n".join(problems))
        return
    window.status.showMessage(f"estimating the pose of the {inst.category}…", 3000)
    window.inference.estimate_pose(frame, uid, inst.category, image, inst.box,
                                   models.run_settings())


def run_finished(window: MainWindow, report: object) -> None:
    how = "cancelled" if report.cancelled else "finished"
    skipped = report.frames_asked - report.frames_to_compute
    window.status.showMessage(
        f"inference {how}: {report.frames_done} / {report.frames_to_compute} frames in "
        f"{report.seconds:.1f} s on {report.device}"
        + (f" ({skipped} approved or already predicted frames skipped)" if skipped else ""),
        10000)
    lines = [*report.messages, *([report.policy_text()] if report.policy_text() else [])]
    if lines:
        message(window, "Inference", "\n".join(lines))


# -- export --------------------------------------------------------------------------

def _media_path(window: MainWindow) -> str | None:
    session = window.session
    return None if session is None or session.source is None else str(window.project.media.path)


def _export_done(window: MainWindow, what: str) -> Callable[[str, object], None]:
    def done(outcome: str, value: object) -> None:
        window.last_export = (outcome, value)
        if outcome == "ok":
            window.status.showMessage(f"{what} written", 8000)
        elif outcome == "failed":
            window.show_error(f"{what} failed", str(value))
        else:
            window.status.showMessage(f"{what} cancelled", 5000)
    return done


def export_coco(window: MainWindow, opts: CocoOptions) -> BackgroundTask:
    task = coco_task(window.project, _media_path(window), opts)
    return start_task(window, "Exporting COCO keypoints", task,
                      _export_done(window, "COCO export"))


def export_bbox(window: MainWindow, out_json: str) -> BackgroundTask:
    return start_task(window, "Exporting boxes", bbox_task(window.project, out_json),
                      _export_done(window, "bbox_detections.json"))


def export_video(window: MainWindow, out_path: str) -> BackgroundTask:
    task = video_task(window.project, _media_path(window), out_path)
    return start_task(window, "Rendering overlay video", task,
                      _export_done(window, "Overlay video"))


def _beside_project(window: MainWindow, suffix: str) -> str:
    p = Path(window.project.path)
    return str(p.with_name(p.stem + suffix))


def export_coco_dialog(window: MainWindow) -> CocoExportDialog | None:
    if window.project is None:
        return None
    dialog = CocoExportDialog(_beside_project(window, "_coco.json"),
                              [c.name for c in window.project.categories], window)

    def accepted() -> None:
        opts = dialog.options()
        if opts.out_json:
            window.export_task = export_coco(window, opts)

    dialog.accepted.connect(accepted)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog


def export_bbox_dialog(window: MainWindow) -> None:
    if window.project is None:
        return
    path, _ = QFileDialog.getSaveFileName(window, "Export bbox_detections.json",
                                          _beside_project(window, "_bbox_detections.json"),
                                          "JSON (*.json)")
    if path:
        window.export_task = export_bbox(window, path)


def export_video_dialog(window: MainWindow) -> None:
    if _media_path(window) is None:
        return
    path, _ = QFileDialog.getSaveFileName(window, "Export overlay video",
                                          _beside_project(window, "_overlay.mp4"), "MP4 (*.mp4)")
    if path:
        window.export_task = export_video(window, path)


# -- help ----------------------------------------------------------------------------

def shortcuts(window: MainWindow) -> ShortcutsDialog:
    dialog = ShortcutsDialog(window.actions.shortcut_rows(), window)
    dialog.finished.connect(dialog.deleteLater)
    dialog.show()
    return dialog


def about(window: MainWindow) -> QMessageBox:
    return message(window, "About medpose-gui",
                   f"medpose-gui {__version__}\nReview and correct casualty pose predictions and "
                   "export them as COCO keypoints.\nLicence: MIT")
