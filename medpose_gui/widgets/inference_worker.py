"""Background inference for the window: the only Qt code that touches ``medpose_gui.inference``.

An :class:`InferenceWorker` lives in its own ``QThread``; models are loaded there (never on
the GUI thread) and cached between runs, keyed by file, size, modification time and device.
The worker opens its own media source for a run, because the pipeline reads frames from a
background thread and a source must not be shared with the GUI's frame cache.

:class:`InferenceRunner` owns the thread and the worker and is what the window uses:
``start(job)`` / ``estimate_pose(job)`` / ``cancel()`` / ``shutdown()``. The window keeps two
runners, one for whole runs and one for single-box pose requests, so a drawn box gets its pose
at once even while a long run is going.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from medpose_gui.thread_priority import INFERENCE_NICE, lower_this_thread
from medpose_gui.widgets.settings import ModelSettings

# Detector class ids of the reference checkpoint (DESIGN.md: 0 = patient, 1 = user).
CATEGORY_CLASS_IDS = {"patient": 0, "user": 1}


@dataclass(frozen=True)
class InferenceJob:
    """A run of detector + pose over ``frames`` of ``media_path``."""

    media_path: str
    frames: tuple[int, ...]
    models: ModelSettings
    expected_keypoints: dict[str, int] = field(default_factory=dict)  # category -> K of its schema


@dataclass(frozen=True)
class PoseJob:
    """Estimate one person's pose inside ``box`` of the already-decoded ``image``."""

    frame: int
    uid: str
    category: str
    image: np.ndarray
    box: np.ndarray
    models: ModelSettings
    expected_keypoints: int | None = None


@dataclass(frozen=True)
class RunSummary:
    frames_done: int
    frames_total: int
    cancelled: bool
    seconds: float
    device: str
    messages: tuple[str, ...] = ()


class ModelCache:
    """Loaded models by (kind, path, size, mtime, device, config); lives in the worker thread."""

    def __init__(self) -> None:
        self._models: dict[tuple, object] = {}

    @staticmethod
    def _key(kind: str, path: str, device: str, extra: str = "") -> tuple:
        p = Path(path)
        st = p.stat()  # FileNotFoundError names the file
        return kind, str(p.resolve()), st.st_size, st.st_mtime_ns, device, extra

    def detector(self, weights: str, config: str, device: str) -> object:
        from medpose_gui.inference import load_detector

        key = self._key("detector", weights, device, config)
        if key not in self._models:
            self._models[key] = load_detector(weights, config or None, device=device)
        return self._models[key]

    def pose(self, weights: str, device: str) -> object:
        from medpose_gui.inference import load_pose_estimator

        key = self._key("pose", weights, device)
        if key not in self._models:
            self._models[key] = load_pose_estimator(weights, device=device)
        return self._models[key]


def _describe(exc: BaseException) -> str:
    """A message for a person: the exception text, with its type when the text is terse."""
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, FileNotFoundError) and exc.filename:
        text = f"file not found: {exc.filename}"
    return text


class InferenceWorker(QObject):
    """Runs jobs sent to its slots; all work happens in the thread it was moved to."""

    modelsLoaded = Signal(object)  # list of {"role", "path", "sha256"} for Project.record_model
    frameDone = Signal(int, object)  # frame index, list[Instance]
    progress = Signal(int, int)  # frames done, frames total
    finished = Signal(object)  # RunSummary
    failed = Signal(str)  # a message for a QMessageBox
    poseEstimated = Signal(int, str, object)  # frame, uid, (K, 3) x, y, score
    poseFailed = Signal(str, str)  # uid, message

    def __init__(self, pose_only: bool = False) -> None:
        super().__init__()
        self.pose_only = pose_only  # a worker for drawn boxes never needs the detector
        self.cache = ModelCache()
        self._cancel = threading.Event()
        self.warmed = threading.Event()  # set once the inference code is imported

    def clear_cancel(self) -> None:
        self._cancel.clear()

    def request_cancel(self) -> None:
        """Thread-safe: the run stops after the batch in progress."""
        self._cancel.set()

    def _device(self, models: ModelSettings) -> str:
        from medpose_gui.inference import choose_device

        return str(choose_device(models.device))

    def _poses(self, models: ModelSettings, device: str) -> dict[int, object]:
        """Pose estimator per detector class: the casualty model for patients, user model for users."""
        poses: dict[int, object] = {}
        for category in models.categories:
            class_id = CATEGORY_CLASS_IDS.get(category)
            if class_id is None:
                raise ValueError(f"unknown category {category!r} (the detector knows "
                                 f"{', '.join(CATEGORY_CLASS_IDS)})")
            weights = models.user_pose_weights if category == "user" else models.pose_weights
            if not weights:
                raise ValueError(f"no pose model chosen for category {category!r} "
                                 "(Inference > Models...)")
            poses[class_id] = self.cache.pose(weights, device)
        return poses

    @staticmethod
    def _check_keypoints(pose: object, category: str, expected: int | None, weights: str) -> None:
        k = getattr(pose, "num_keypoints", None)
        if expected is not None and k is not None and int(k) != int(expected):
            raise ValueError(f"pose model {weights} predicts {k} keypoints but the project's "
                             f"'{category}' schema has {expected}")

    @Slot(object)
    def warm_up(self, models: ModelSettings | None = None) -> None:
        """Lower this thread's priority, then import torch and the model code in it.

        Importing torch (and torchvision, which pulls in torch._dynamo) holds the GIL for
        seconds, which would freeze the GUI thread in the middle of the first run or pose
        request; done here, right after the window opens, it is out of the way.
        """
        lower_this_thread(INFERENCE_NICE)
        import medpose_gui.inference.detector  # noqa: F401
        import medpose_gui.inference.pipeline  # noqa: F401
        import medpose_gui.inference.vitpose  # noqa: F401

        if models is not None and not models.problems():
            # Preload into the cache: building the networks is Python work that holds the
            # GIL in bursts, better done now than during the first run or drawn box.
            try:
                device = self._device(models)
                if not self.pose_only:
                    self.cache.detector(models.detector_weights, models.detector_config, device)
                self._poses(models, device)
            except Exception:  # noqa: BLE001 - the run itself reports the problem
                traceback.print_exc()
        self.warmed.set()

    @Slot(object)
    def run(self, job: InferenceJob) -> None:
        from medpose_gui.inference import run_pipeline
        from medpose_gui.inference.checkpoint_io import file_sha256
        from medpose_gui.media import open_media

        start = time.perf_counter()  # the cancel flag was cleared by InferenceRunner.start
        lower_this_thread(INFERENCE_NICE)
        m = job.models
        try:
            device = self._device(m)
            detector = self.cache.detector(m.detector_weights, m.detector_config, device)
            poses = self._poses(m, device)
            for category in m.categories:
                weights = m.user_pose_weights if category == "user" else m.pose_weights
                self._check_keypoints(poses[CATEGORY_CLASS_IDS[category]], category,
                                      job.expected_keypoints.get(category), weights)
            records = [{"role": "detector", "path": m.detector_weights,
                        "sha256": file_sha256(m.detector_weights)}]
            for category in m.categories:
                weights = m.user_pose_weights if category == "user" else m.pose_weights
                records.append({"role": f"pose_{category}", "path": weights,
                                "sha256": file_sha256(weights)})
            self.modelsLoaded.emit(records)
            source = open_media(job.media_path)
            try:
                result = run_pipeline(
                    source, job.frames, detector, poses,
                    categories=tuple(CATEGORY_CLASS_IDS[c] for c in m.categories),
                    score_threshold=m.detection_threshold, batch_size=m.batch_size,
                    keypoint_threshold=m.keypoint_threshold,
                    progress=self.progress.emit, cancel=self._cancel.is_set,
                    on_frame=self.frameDone.emit)
            finally:
                source.close()
        except Exception as exc:  # noqa: BLE001 - any failure becomes a message; the app lives on
            traceback.print_exc()
            self.failed.emit(_describe(exc))
            return
        self.finished.emit(RunSummary(len(result), len(job.frames), result.cancelled,
                                      time.perf_counter() - start, device,
                                      tuple(result.stats.messages)))

    @Slot(object)
    def estimate_pose(self, job: PoseJob) -> None:
        from medpose_gui.inference.pipeline import estimate_poses

        m = job.models
        weights = m.user_pose_weights if job.category == "user" else m.pose_weights
        lower_this_thread(INFERENCE_NICE)
        try:
            if not weights:
                raise ValueError(f"no pose model chosen for category {job.category!r} "
                                 "(Inference > Models...)")
            pose = self.cache.pose(weights, self._device(m))
            self._check_keypoints(pose, job.category, job.expected_keypoints, weights)
            keypoints = estimate_poses(pose, job.image, np.asarray(job.box, np.float32)[None])
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            self.poseFailed.emit(job.uid, _describe(exc))
            return
        self.poseEstimated.emit(job.frame, job.uid, np.asarray(keypoints[0], np.float64))


class InferenceRunner(QObject):
    """Owns one worker thread. Signals of :class:`InferenceWorker` are reachable as ``.worker``."""

    _runRequested = Signal(object)
    _poseRequested = Signal(object)
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

    def warm_up(self, models: ModelSettings | None = None) -> None:
        """Import the inference code (and load ``models``) in the worker thread now."""
        self.worker.warmed.clear()
        self._warmUpRequested.emit(models)

    def cancel(self) -> None:
        self.worker.request_cancel()

    def _on_done(self, *_args: object) -> None:
        self.running = False

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Cancel and stop the thread (called when the window closes)."""
        self.worker.request_cancel()
        self.thread.quit()
        self.thread.wait(timeout_ms)
