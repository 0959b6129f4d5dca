"""GUI-side half of inference: jobs out to the worker threads, stored results into the views.

The worker stores each finished batch in the project itself (through the run service, under
the re-run policy); this controller turns its reports into signals for the views:
``predictionsStored(frames)`` and ``predictionsReplaced(uids)`` (the undo history drops only
the steps about those persons). Progress comes with an ETA from the rate since the first
finished batch (model loading excluded). A propagation (runs.propagate) runs in the pose
worker, storing frame by frame; its result comes back as one group of edits.
"""

from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, Signal

from medpose_gui.core.project import Project, StoredPredictions
from medpose_gui.runs import RunSettings
from medpose_gui.runs.propagate import PropagationRequest
from medpose_gui.widgets.background.inference_worker import (
    InferenceJob,
    InferenceRunner,
    PoseJob,
    PropagationJob,
)


class InferenceController(QObject):
    runningChanged = Signal(bool)
    progressChanged = Signal(int, int, float)  # done, total, ETA seconds (NaN unknown)
    predictionsStored = Signal(list)  # frame indices written
    predictionsReplaced = Signal(list)  # uids of untouched predictions a run replaced
    runFinished = Signal(object)  # RunReport
    runFailed = Signal(str)
    poseReady = Signal(int, str, object)  # frame, uid, (K, 3)
    poseFailed = Signal(str, str)  # uid, message
    warmingUp = Signal()  # the run worker starts importing torch / loading the models
    warmedUp = Signal()  # ... and is done
    propagatingChanged = Signal(bool)
    propagationStored = Signal(int, object)  # frame, Edit (already in the project)
    propagationProgress = Signal(int, int)  # done, planned
    propagationFinished = Signal(object)  # PropagationResult (its group: one undo step)
    propagationFailed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.run_runner = InferenceRunner("medpose-inference", self)
        self.pose_runner = InferenceRunner("medpose-pose", self, pose_only=True)
        w = self.run_runner.worker
        w.stored.connect(self._stored)
        w.progress.connect(self._progress)
        w.finished.connect(self._finished)
        w.failed.connect(self._failed)
        pw = self.pose_runner.worker
        pw.poseEstimated.connect(self.poseReady)
        pw.poseFailed.connect(self.poseFailed)
        # Propagation runs the pose model: the pose worker's thread and loaded models.
        pw.propagationStored.connect(self.propagationStored)
        pw.propagationProgress.connect(self.propagationProgress)
        pw.propagationFinished.connect(lambda result: self._propagation_ended(
            self.propagationFinished, result))
        pw.propagationFailed.connect(lambda text: self._propagation_ended(
            self.propagationFailed, text))
        self.propagating = False
        w.warmedUp.connect(self.warmedUp)
        self._t_first: float | None = None
        self._done_first = 0

    def warm_up(self, settings: RunSettings | None = None) -> None:
        """Import torch and load the chosen models in the worker threads ahead of use."""
        self.warmingUp.emit()
        self.run_runner.warm_up(settings)
        self.pose_runner.warm_up(settings)

    @property
    def running(self) -> bool:
        return self.run_runner.running

    def start(self, media_path: str, frames: list[int], settings: RunSettings, *,
              resume: bool = False) -> bool:
        """Start a run over ``frames``; False if one is running or there is nothing to do."""
        if self.project is None or self.running or not frames:
            return False
        self._t_first, self._done_first = None, 0
        job = InferenceJob(self.project, media_path, tuple(int(i) for i in frames), settings,
                           resume)
        self.run_runner.start(job)
        self.runningChanged.emit(True)
        self.progressChanged.emit(0, len(frames), math.nan)
        return True

    def cancel(self) -> None:
        """Stop the running inference and a running propagation (what is stored stays)."""
        self.run_runner.cancel()
        if self.propagating:
            self.pose_runner.cancel()

    def propagate(self, media_path: str, request: PropagationRequest,
                  settings: RunSettings) -> bool:
        """Start propagating (runs.propagate) in the pose worker; False if one is running."""
        if self.project is None or self.propagating:
            return False
        self.propagating = True
        self.propagatingChanged.emit(True)
        self.pose_runner.propagate(PropagationJob(self.project, media_path, request, settings))
        return True

    def _propagation_ended(self, signal: Signal, payload: object) -> None:
        self.propagating = False
        self.propagatingChanged.emit(False)
        signal.emit(payload)

    def estimate_pose(self, frame: int, uid: str, category: str, image: np.ndarray,
                      box: np.ndarray, settings: RunSettings) -> None:
        expected = (self.project.schema_for(category).num_keypoints
                    if self.project is not None else None)
        self.pose_runner.estimate_pose(PoseJob(frame, uid, category, image, np.asarray(box),
                                               settings, expected))

    # -- worker reports (GUI thread) ------------------------------------------------
    def _stored(self, stored: StoredPredictions) -> None:
        if stored.replaced:
            self.predictionsReplaced.emit(list(stored.replaced))
        if stored.frames:
            self.predictionsStored.emit(list(stored.frames))

    def _progress(self, done: int, total: int) -> None:
        now = time.perf_counter()
        eta = math.nan
        if done > 0 and self._t_first is None:
            self._t_first, self._done_first = now, done
        elif self._t_first is not None and done > self._done_first:
            rate = (done - self._done_first) / max(now - self._t_first, 1e-6)
            eta = (total - done) / rate
        self.progressChanged.emit(done, total, eta)

    def _finished(self, report: object) -> None:
        self.runningChanged.emit(False)
        self.runFinished.emit(report)

    def _failed(self, message: str) -> None:
        self.runningChanged.emit(False)
        self.runFailed.emit(message)

    def shutdown(self) -> None:
        self.run_runner.shutdown()
        self.pose_runner.shutdown()


class EscapeCancelsRun(QObject):
    """Event filter for the frame view: while a run is going, Esc cancels it.

    The frame view claims Esc (ShortcutOverride) whenever it has something to cancel, e.g.
    a selection; swallowing that override lets the window's "Cancel inference" shortcut win.
    """

    def __init__(self, controller: InferenceController) -> None:
        super().__init__(controller)
        self._controller = controller

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        busy = self._controller.running or self._controller.propagating
        return (event.type() == QEvent.Type.ShortcutOverride and busy
                and event.key() == Qt.Key.Key_Escape)
