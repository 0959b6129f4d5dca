"""Inference › Run…: which frames, whether the models are set up, then start; and one pose.

:class:`RunLauncher` turns the user's request into a job for the inference controller
(``controllers.inference``, which runs it in the worker and stores the results):
it asks for the frames (:class:`~medpose_gui.widgets.dialogs.run_dialog.RunDialog`), sends
the user to the Models dialog first when a model file is missing, and reports how a run
ended. It also sends one person of the shown frame to the pose model (R, a drawn box).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from medpose_gui.widgets.controllers.inference import InferenceController
from medpose_gui.widgets.controllers.model_setup import ModelSetupController
from medpose_gui.widgets.controllers.navigation import FrameNavigator
from medpose_gui.widgets.controllers.session import SessionController
from medpose_gui.widgets.dialogs.messages import message
from medpose_gui.widgets.dialogs.run_dialog import RunDialog, frames_for, resumes
from medpose_gui.widgets.settings import AppSettings


def _named(name: str, path: str) -> str:
    """``partial-body-detector (model_final.pth)``: the registry name and the file."""
    return f"{name} ({Path(path).name})" if name else Path(path).name


class RunLauncher(QObject):
    message = Signal(str, int)  # status-bar text, milliseconds
    noted = Signal(str)  # how a run ended: stays in the status bar until the next note
    failed = Signal(str, str)  # title, message

    def __init__(self, settings: AppSettings, sessions: SessionController,
                 navigator: FrameNavigator, inference: InferenceController,
                 model_setup: ModelSetupController, dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self.settings = settings
        self._sessions, self._navigator = sessions, navigator
        self._inference, self._model_setup = inference, model_setup
        self._parent = dialog_parent

    def ask_frames(self) -> QDialog | None:
        """Choose the frames (all / range / current / not approved) and start the run."""
        project = self._sessions.project
        if project is None:
            return None
        models = self.settings.models()
        if models.problems():
            return self._model_setup.open_models(then=self.ask_frames)
        summary = (f"Detector: {_named(models.detector_model, models.detector_weights)}   "
                   f"Pose: {_named(models.pose_model, models.pose_weights)}   "
                   f"Device: {models.device}   Threshold: {models.detection_threshold:g}")
        nav = self._navigator
        dialog = RunDialog(nav.num_frames, nav.current, summary, self._parent)

        def accepted() -> None:
            first, last = dialog.frame_range()
            frames = frames_for(dialog.scope(), nav.num_frames, nav.current,
                                project.frame_summary().review, first, last)
            if not frames:
                self.message.emit("no frames to run on", 4000)
                return
            self.start(frames, resume=resumes(dialog.scope()))

        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def start(self, frames: list[int], resume: bool = False) -> bool:
        """Run the remembered models on ``frames``; False (with a message) when they are not set.
        ``resume``: skip the frames these models already predicted."""
        media_path = self._sessions.media_path
        if media_path is None:
            return False
        models = self.settings.models()
        problems = models.problems()
        if problems:
            self.failed.emit("Models not set up", "\n".join(problems)
                             + "\n\nChoose the models in Inference › Models…")
            return False
        return self._inference.start(media_path, frames, models.run_settings(), resume=resume)

    def reestimate(self, uid: str) -> None:
        """Send person ``uid`` of the shown frame to the pose worker (result: a set_pose edit)."""
        project, frame, image = self._sessions.project, self._navigator.current, \
            self._navigator.image
        inst = project.instance(frame, uid) if project is not None and uid else None
        if inst is None or image is None:
            return
        models = self.settings.models()
        problems = models.pose_only_problems()
        if problems:
            self.failed.emit("No pose model", "\n".join(problems))
            return
        self.message.emit(f"estimating the pose of the {inst.category}…", 3000)
        self._inference.estimate_pose(frame, uid, inst.category, image, inst.box,
                                      models.run_settings())

    def report_finished(self, report: object) -> None:
        """How a run ended, as a note that stays in the status bar; its messages and what the
        re-run policy kept in a box."""
        how = "cancelled" if report.cancelled else "finished"
        skipped = report.frames_asked - report.frames_to_compute
        self.noted.emit(
            f"inference {how}: {report.frames_done} / {report.frames_to_compute} frames in "
            f"{report.seconds:.1f} s on {report.device}"
            + (f" ({skipped} approved or already predicted frames skipped)" if skipped else ""))
        lines = [*report.messages, *([report.policy_text()] if report.policy_text() else [])]
        if lines:
            message(self._parent, "Inference", "\n".join(lines))
