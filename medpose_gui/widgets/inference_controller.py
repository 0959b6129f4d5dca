"""GUI-side half of inference: jobs out to the worker threads, results into the project.

Per-frame results from the worker are gathered and stored with one
``Project.store_predictions`` call every ``FLUSH_MS`` (one transaction; approved frames are
skipped by the project), then ``predictionsStored(frames)`` tells the views. Progress comes
with an ETA from the rate since the first finished batch (model loading excluded).
"""

from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal

from medpose_gui.core.project import Project
from medpose_gui.widgets.inference_worker import InferenceJob, InferenceRunner, PoseJob, RunSummary
from medpose_gui.widgets.settings import ModelSettings

FLUSH_MS = 150  # results appear within this time; fewer, larger transactions than per frame


class InferenceController(QObject):
    runningChanged = Signal(bool)
    progressChanged = Signal(int, int, float)  # done, total, ETA seconds (NaN unknown)
    predictionsStored = Signal(list)  # frame indices written
    runFinished = Signal(object)  # RunSummary
    runFailed = Signal(str)
    poseReady = Signal(int, str, object)  # frame, uid, (K, 3)
    poseFailed = Signal(str, str)  # uid, message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.run_runner = InferenceRunner("medpose-inference", self)
        self.pose_runner = InferenceRunner("medpose-pose", self, pose_only=True)
        w = self.run_runner.worker
        w.frameDone.connect(self._frame_done)
        w.progress.connect(self._progress)
        w.finished.connect(self._finished)
        w.failed.connect(self._failed)
        w.modelsLoaded.connect(self._models_loaded)
        self.pose_runner.worker.poseEstimated.connect(self.poseReady)
        self.pose_runner.worker.poseFailed.connect(self.poseFailed)
        self._pending: dict[int, list] = {}
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self.flush)
        self._t_first: float | None = None
        self._done_first = 0

    def warm_up(self, models: ModelSettings | None = None) -> None:
        """Import torch and load the chosen models in the worker threads ahead of use."""
        self.run_runner.warm_up(models)
        self.pose_runner.warm_up(models)

    @property
    def running(self) -> bool:
        return self.run_runner.running

    def _expected_keypoints(self) -> dict[str, int]:
        assert self.project is not None
        return {c.name: c.schema.num_keypoints for c in self.project.categories}

    def start(self, media_path: str, frames: list[int], models: ModelSettings) -> bool:
        """Start a run over ``frames``; False if one is running or there is nothing to do."""
        if self.project is None or self.running or not frames:
            return False
        self._pending.clear()
        self._t_first, self._done_first = None, 0
        job = InferenceJob(media_path, tuple(int(i) for i in frames), models,
                           self._expected_keypoints())
        self.run_runner.start(job)
        self._flush_timer.start()
        self.runningChanged.emit(True)
        self.progressChanged.emit(0, len(frames), math.nan)
        return True

    def cancel(self) -> None:
        self.run_runner.cancel()

    def estimate_pose(self, frame: int, uid: str, category: str, image: np.ndarray,
                      box: np.ndarray, models: ModelSettings) -> None:
        expected = self._expected_keypoints().get(category) if self.project is not None else None
        self.pose_runner.estimate_pose(PoseJob(frame, uid, category, image, np.asarray(box),
                                               models, expected))

    # -- worker results (GUI thread) ------------------------------------------------
    def _frame_done(self, index: int, instances: list) -> None:
        self._pending[int(index)] = instances

    def flush(self) -> None:
        if not self._pending or self.project is None:
            return
        batch, self._pending = self._pending, {}
        written = self.project.store_predictions(batch)
        self.predictionsStored.emit(sorted(int(i) for i in written))

    def _progress(self, done: int, total: int) -> None:
        now = time.perf_counter()
        eta = math.nan
        if done > 0 and self._t_first is None:
            self._t_first, self._done_first = now, done
        elif self._t_first is not None and done > self._done_first:
            rate = (done - self._done_first) / max(now - self._t_first, 1e-6)
            eta = (total - done) / rate
        self.progressChanged.emit(done, total, eta)

    def _models_loaded(self, records: list) -> None:
        if self.project is None:
            return
        for r in records:
            self.project.record_model(r["role"], r["path"], r["sha256"])

    def _stop(self) -> None:
        self._flush_timer.stop()
        self.flush()
        self.runningChanged.emit(False)

    def _finished(self, summary: RunSummary) -> None:
        self._stop()
        self.runFinished.emit(summary)

    def _failed(self, message: str) -> None:
        self._stop()
        self.runFailed.emit(message)

    def shutdown(self) -> None:
        self.run_runner.shutdown()
        self.pose_runner.shutdown()
        self._flush_timer.stop()
        self.flush()


class EscapeCancelsRun(QObject):
    """Event filter for the frame view: while a run is going, Esc cancels it.

    The frame view claims Esc (ShortcutOverride) whenever it has something to cancel, e.g.
    a selection; swallowing that override lets the window's "Cancel inference" shortcut win.
    """

    def __init__(self, controller: InferenceController) -> None:
        super().__init__(controller)
        self._controller = controller

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        return (event.type() == QEvent.Type.ShortcutOverride and self._controller.running
                and event.key() == Qt.Key.Key_Escape)
