"""Background inference for the window: a thin QThread adapter over the run service.

An :class:`InferenceWorker` lives in its own ``QThread`` and owns one
:class:`~medpose_gui.runs.InferenceService` (models are loaded there, never on the GUI
thread, and cached between runs). A run stores its results in the project itself, batch by
batch, under the re-run policy — exactly what ``medpose-gui infer`` does — and reports each
stored batch (``stored``) so the window refreshes its views and its undo history. The worker
opens its own media source for a run: the pipeline reads frames from a background thread
and a source must not be shared with the GUI's frame cache.

:class:`InferenceRunner` owns the thread and the worker and is what the window uses:
``start(job)`` / ``estimate_pose(job)`` / ``cancel()`` / ``shutdown()``. The window keeps two
runners, one for whole runs and one for single-box pose requests, so a drawn box gets its pose
at once even while a long run is going.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from medpose_gui.core.project import Project
from medpose_gui.runs import RunSettings
from medpose_gui.runs.propagate import PropagationRequest
from medpose_gui.thread_priority import INFERENCE_NICE, lower_this_thread
from medpose_gui.widgets.background.inference_imports import import_inference_stack


@dataclass(frozen=True)
class InferenceJob:
    """A run of detector + pose over ``frames`` of ``media_path``, stored in ``project``."""

    project: Project
    media_path: str
    frames: tuple[int, ...]
    settings: RunSettings
    resume: bool = False  # skip frames these models already predicted


@dataclass(frozen=True)
class PoseJob:
    """Estimate one person's pose inside ``box`` of the already-decoded ``image``."""

    frame: int
    uid: str
    category: str
    image: np.ndarray
    box: np.ndarray
    settings: RunSettings
    expected_keypoints: int | None = None


@dataclass(frozen=True)
class PropagationJob:
    """Carry person ``request.uid`` along its track with the pose model (runs.propagate)."""

    project: Project
    media_path: str
    request: PropagationRequest
    settings: RunSettings


def _describe(exc: BaseException) -> str:
    """A message for a person: the exception text, with its type when the text is terse."""
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, FileNotFoundError) and exc.filename:
        text = f"file not found: {exc.filename}"
    return text


class InferenceWorker(QObject):
    """Runs jobs sent to its slots; all work happens in the thread it was moved to."""

    stored = Signal(object)  # StoredPredictions of one batch (already in the project)
    progress = Signal(int, int)  # frames done, frames total
    finished = Signal(object)  # RunReport
    failed = Signal(str)  # a message for a QMessageBox
    poseEstimated = Signal(int, str, object)  # frame, uid, (K, 3) x, y, score
    poseFailed = Signal(str, str)  # uid, message
    warmedUp = Signal()  # the inference code is imported and the chosen models loaded
    propagationStored = Signal(int, object)  # frame, the Edit stored there
    propagationProgress = Signal(int, int)  # frames done, frames planned
    propagationFinished = Signal(object)  # runs.propagate.PropagationResult
    propagationFailed = Signal(str)  # it could not start (a message)

    def __init__(self, pose_only: bool = False) -> None:
        super().__init__()
        self.pose_only = pose_only  # a worker for drawn boxes never needs the detector
        self.service = None  # an InferenceService, made in the worker thread (imports torch)
        self._cancel = threading.Event()
        self.warmed = threading.Event()  # set once the inference code is imported

    def clear_cancel(self) -> None:
        self._cancel.clear()

    def request_cancel(self) -> None:
        """Thread-safe: the run stops after the batch in progress."""
        self._cancel.set()

    def _service(self):
        if self.service is None:
            import_inference_stack()  # torch & co. without stalling the GUI thread
            from medpose_gui.runs import InferenceService

            self.service = InferenceService()
        return self.service

    @Slot(object)
    def warm_up(self, settings: RunSettings | None = None) -> None:
        """Lower this thread's priority, then import torch and load the models in it.

        Importing torch (and torchvision, which pulls in torch._dynamo) holds the GIL for
        seconds, which would freeze the GUI thread in the middle of the first run or pose
        request; done here, right after the first frame is on screen, it is out of the way.
        Building the networks is Python work that holds the GIL in bursts too: better now.
        """
        lower_this_thread(INFERENCE_NICE)
        service = self._service()
        if settings is not None and not settings.problems(pose_only=self.pose_only):
            try:
                service.load(settings, pose_only=self.pose_only)
            except Exception:  # noqa: BLE001 - the run itself reports the problem
                traceback.print_exc()
        self.warmed.set()
        self.warmedUp.emit()

    @Slot(object)
    def run(self, job: InferenceJob) -> None:
        from medpose_gui.media import open_media

        lower_this_thread(INFERENCE_NICE)  # the cancel flag was cleared by InferenceRunner.start
        try:
            source = open_media(job.media_path)
            try:
                report = self._service().run(
                    job.project, source, job.frames, job.settings, resume=job.resume,
                    progress=self.progress.emit, cancel=self._cancel.is_set,
                    on_stored=self.stored.emit)
            finally:
                source.close()
        except Exception as exc:  # noqa: BLE001 - any failure becomes a message; the app lives on
            traceback.print_exc()
            self.failed.emit(_describe(exc))
            return
        self.finished.emit(report)

    @Slot(object)
    def propagate(self, job: PropagationJob) -> None:
        """Propagate in this thread; each frame is stored as it is done (see runs.propagate)."""
        from medpose_gui.media import open_media
        from medpose_gui.runs.propagate import propagate

        lower_this_thread(INFERENCE_NICE)
        try:
            source = open_media(job.media_path)
            try:
                result = propagate(job.project, source, self._service(), job.settings,
                                   job.request, progress=self.propagationProgress.emit,
                                   cancel=self._cancel.is_set,
                                   on_stored=self.propagationStored.emit)
            finally:
                source.close()
        except Exception as exc:  # noqa: BLE001 - e.g. no track, media missing: a message
            traceback.print_exc()
            self.propagationFailed.emit(_describe(exc))
            return
        self.propagationFinished.emit(result)

    @Slot(object)
    def estimate_pose(self, job: PoseJob) -> None:
        lower_this_thread(INFERENCE_NICE)
        try:
            keypoints = self._service().estimate_pose(
                job.settings, job.category, job.image, np.asarray(job.box, np.float32)[None],
                job.expected_keypoints)
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            self.poseFailed.emit(job.uid, _describe(exc))
            return
        self.poseEstimated.emit(job.frame, job.uid, np.asarray(keypoints[0], np.float64))


class InferenceRunner(QObject):
    """Owns one worker thread. Signals of :class:`InferenceWorker` are reachable as ``.worker``."""

    _runRequested = Signal(object)
    _poseRequested = Signal(object)
    _propagationRequested = Signal(object)
    _warmUpRequested = Signal(object)

    def __init__(self, name: str, parent: QObject | None = None, pose_only: bool = False) -> None:
        super().__init__(parent)
        self.thread = QThread(self)
        self.thread.setObjectName(name)
        self.worker = InferenceWorker(pose_only)
        self.worker.moveToThread(self.thread)
        # Queued by thread affinity: the slots run in the worker thread.
        self._runRequested.connect(self.worker.run)
        self._poseRequested.connect(self.worker.estimate_pose)
        self._propagationRequested.connect(self.worker.propagate)
        self._warmUpRequested.connect(self.worker.warm_up)
        self.worker.finished.connect(self._on_done)
        self.worker.failed.connect(self._on_done)
        self.running = False
        self.thread.start()

    def start(self, job: InferenceJob) -> bool:
        """Queue a run; False if one is already running."""
        if self.running:
            return False
        self.running = True
        self.worker.clear_cancel()
        self._runRequested.emit(job)
        return True

    def estimate_pose(self, job: PoseJob) -> None:
        self._poseRequested.emit(job)

    def propagate(self, job: PropagationJob) -> None:
        """Queue a propagation (the worker's cancel flag is cleared for it)."""
        self.worker.clear_cancel()
        self._propagationRequested.emit(job)

    def warm_up(self, settings: RunSettings | None = None) -> None:
        """Import the inference code (and load the models of ``settings``) in the worker."""
        self.worker.warmed.clear()
        self._warmUpRequested.emit(settings)

    def cancel(self) -> None:
        self.worker.request_cancel()

    def _on_done(self, *_args: object) -> None:
        self.running = False

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Cancel and stop the thread (called when the window closes)."""
        self.worker.request_cancel()
        self.thread.quit()
        self.thread.wait(timeout_ms)
