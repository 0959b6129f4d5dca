"""Frames -> detector -> box selection -> pose estimator -> per-frame instances.

The whole video is processed in batches of frames. For each batch the detector sees all frames
in one call, the boxes are filtered by category and score (the reference demo keeps class 0,
"patient", at score >= 0.8), and the pose estimator sees every kept box of the batch in ONE
call. Decoding of the next batch runs in a background thread (bounded queue) while the models
work on the current one. Results are deterministic: the same frames in the same order give the
same instances, whatever the batch size (up to float noise of batched convolutions).

On a GPU out-of-memory error the batch is split in halves and retried; at batch size 1 the
models move to the CPU (reported through ``log``). Cancellation is checked between batches:
the result holds every finished frame and ``cancelled=True``.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch

from medpose_gui.core.annotations import Instance

# The reference demo (demo/bbox_detections_medic.py) keeps class 0 = patient at score 0.8.
REFERENCE_CATEGORIES: tuple[int, ...] = (0,)
REFERENCE_SCORE_THRESHOLD = 0.8

PRECISIONS = ("fp32", "fp16")

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]
FrameFn = Callable[[int, list[Instance]], None]
LogFn = Callable[[str], None]


class PoseModel(Protocol):
    """What the pipeline needs of a pose estimator (see inference.vitpose)."""

    def estimate_batch(self, items: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]: ...


class DetectorModel(Protocol):
    """What the pipeline needs of a detector (see inference.detector)."""

    class_names: Sequence[str]

    def detect(self, images: Sequence[np.ndarray], batch_size: int | None = None) -> list[Any]: ...


@dataclass
class PipelineStats:
    """Where the time went (seconds, summed over the run) and what was done."""

    frames: int = 0
    boxes: int = 0
    decode_s: float = 0.0  # spent in the decode thread (overlaps compute)
    detect_s: float = 0.0
    pose_s: float = 0.0
    wall_s: float = 0.0
    batch_size: int = 0  # final batch size (smaller than asked after out-of-memory splits)
    moved_to_cpu: bool = False
    precision: str = "fp32"
    messages: list[str] = field(default_factory=list)


class PipelineResult(dict):
    """``{frame index: [Instance, ...]}`` of the finished frames, plus how the run ended."""

    def __init__(self) -> None:
        super().__init__()
        self.cancelled = False
        self.stats = PipelineStats()


@dataclass(frozen=True)
class Selection:
    """Detections of one frame kept for pose estimation (detector order: score descending)."""

    boxes: np.ndarray  # (N, 4) float32 x1, y1, x2, y2
    scores: np.ndarray  # (N,)
    labels: np.ndarray  # (N,) 0-based class ids


def select_detections(det: Any, categories: Iterable[int] | None,
                      score_threshold: float) -> Selection:
    """Keep the detections of ``categories`` (None = all) with score >= ``score_threshold``."""
    boxes = np.asarray(det.boxes, dtype=np.float32).reshape(-1, 4)
    scores = np.asarray(det.scores, dtype=np.float32).reshape(-1)
    labels = np.asarray(det.labels, dtype=np.int64).reshape(-1)
    keep = scores >= score_threshold
    if categories is not None:
        keep &= np.isin(labels, np.fromiter(categories, dtype=np.int64))
    return Selection(boxes[keep], scores[keep], labels[keep])


def estimate_poses(pose: Any, image: np.ndarray, boxes: np.ndarray) -> list[np.ndarray]:
    """Keypoints (K, 3) x, y, score for each box of one image (the GUI's "re-estimate pose")."""
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    if len(boxes) == 0:
        return []
    return list(np.asarray(pose.estimate(image, boxes)))


def is_out_of_memory(exc: BaseException) -> bool:
    """True for CUDA/MPS out-of-memory errors (torch raises both types)."""
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def model_device(model: Any) -> torch.device:
    """The device a detector/pose wrapper runs on (its ``device`` attribute, else its weights)."""
    device = getattr(model, "device", None)
    if device is not None:
        return torch.device(device)
    for attr in ("model", "net", "network"):
        net = getattr(model, attr, None)
        if isinstance(net, torch.nn.Module):
            param = next(net.parameters(), None)
            if param is not None:
                return param.device
    return torch.device("cpu")


def _move_to_cpu(model: Any) -> None:
    """Move a detector/pose wrapper to the CPU in fp32 (its ``to``, else its ``net``)."""
    if hasattr(model, "to"):
        model.to("cpu")
        return
    net = getattr(model, "net", None)
    if isinstance(net, torch.nn.Module) and hasattr(model, "device"):
        # PoseEstimator keeps its network in .net and its device in .device
        model.net = net.to("cpu").float()
        model.device = torch.device("cpu")
        if getattr(model, "precision", "fp32") != "fp32":
            model.precision = "fp32"
        return
    raise RuntimeError(f"{type(model).__name__} cannot be moved to the CPU (no .to method)")


def _class_name(names: Sequence[str], label: int) -> str:
    return names[label] if 0 <= label < len(names) else f"class_{label}"


class _Engine:
    """Runs detector + pose on a list of frames; knows precision, pose routing and fallbacks."""

    def __init__(self, detector: Any, pose: Any, categories: tuple[int, ...] | None,
                 score_threshold: float, keypoint_threshold: float, precision: str,
                 stats: PipelineStats, log: LogFn) -> None:
        self.detector = detector
        self.poses: Mapping[int, Any] | None = pose if isinstance(pose, Mapping) else None
        self.pose = None if isinstance(pose, Mapping) else pose
        self.categories = categories
        self.score_threshold = score_threshold
        self.keypoint_threshold = keypoint_threshold
        self.stats = stats
        self.log = log
        self.class_names = list(getattr(detector, "class_names", ()) or ())
        self.precision = self._effective_precision(precision)
        stats.precision = self.precision

    def _effective_precision(self, precision: str) -> str:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        if precision == "fp16" and model_device(self.detector).type != "cuda":
            self.log("half precision is used on CUDA only; running in fp32")
            return "fp32"
        return precision

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.precision == "fp16" and model_device(self.detector).type == "cuda":
            return torch.autocast("cuda", dtype=torch.float16)
        return contextlib.nullcontext()

    def _pose_for(self, label: int) -> Any:
        if self.poses is None:
            return self.pose
        return self.poses.get(int(label))

    def models(self) -> list[Any]:
        return [self.detector, *(self.poses.values() if self.poses is not None else [self.pose])]

    def run(self, frames: Sequence[np.ndarray]) -> list[list[Instance]]:
        """Instances of each frame (detection order), one detector and one pose call per model."""
        with torch.inference_mode(), self._autocast():
            t0 = time.perf_counter()
            dets = self.detector.detect(list(frames), batch_size=len(frames))
            t1 = time.perf_counter()
            selections = [select_detections(d, self.categories, self.score_threshold)
                          for d in dets]
            keypoints = self._estimate(frames, selections)
            t2 = time.perf_counter()
        self.stats.detect_s += t1 - t0
        self.stats.pose_s += t2 - t1
        out = []
        for sel, kps in zip(selections, keypoints, strict=True):
            out.append([
                Instance.from_prediction(_class_name(self.class_names, int(sel.labels[j])),
                                         sel.boxes[j], float(sel.scores[j]), kps[j],
                                         score_threshold=self.keypoint_threshold)
                for j in range(len(sel.boxes))])
            self.stats.boxes += len(sel.boxes)
        return out

    def _estimate(self, frames: Sequence[np.ndarray],
                  selections: Sequence[Selection]) -> list[list[np.ndarray | None]]:
        """Keypoints per frame per box; all boxes of one pose model go into ONE call."""
        result: list[list[np.ndarray | None]] = [[None] * len(s.boxes) for s in selections]
        groups: dict[int, list[tuple[int, np.ndarray]]] = {}  # id(model) -> (frame, box rows)
        models: dict[int, Any] = {}
        for f, sel in enumerate(selections):
            for label in np.unique(sel.labels):
                model = self._pose_for(int(label))
                if model is None:
                    raise ValueError(f"no pose estimator for detector class {int(label)} "
                                     f"({_class_name(self.class_names, int(label))})")
                models[id(model)] = model
                groups.setdefault(id(model), []).append((f, np.flatnonzero(sel.labels == label)))
        for key, entries in groups.items():
            items = [(frames[f], selections[f].boxes[rows]) for f, rows in entries]
            outputs = models[key].estimate_batch(items)
            for (f, rows), kps in zip(entries, outputs, strict=True):
                kps = np.asarray(kps, dtype=np.float64)
                for r, k in zip(rows, kps, strict=True):
                    result[f][r] = k
        return result


class BatchReader:
    """Decodes batches of frames in a background thread, at most ``depth`` batches ahead.

    Iterating yields ``(indices, frames, decode_seconds)``; an exception raised while decoding
    is re-raised in the iterating thread. ``close()`` (or leaving the ``with`` block) stops the
    thread promptly, also in the middle of a run (cancellation).
    """

    _END = object()

    def __init__(self, source: Any, indices: Sequence[int], batch_size: int, depth: int = 2):
        self._source = source
        self._batches = [list(indices[i:i + batch_size])
                         for i in range(0, len(indices), batch_size)]
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name="frame-decode", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        try:
            for batch in self._batches:
                if self._stop.is_set():
                    return
                t0 = time.perf_counter()
                frames = [self._source[i] for i in batch]
                if not self._put((batch, frames, time.perf_counter() - t0)):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer thread
            self._put(exc)
            return
        self._put(self._END)

    def __iter__(self):
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.05)
        self._thread.join()

    def __enter__(self) -> BatchReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_pipeline(
    source: Any,
    frame_indices: Iterable[int],
    detector: Any,
    pose: Any,
    *,
    categories: Iterable[int] | None = REFERENCE_CATEGORIES,
    score_threshold: float = REFERENCE_SCORE_THRESHOLD,
    batch_size: int = 4,
    keypoint_threshold: float = 0.0,
    precision: str = "fp32",
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    on_frame: FrameFn | None = None,
    log: LogFn | None = None,
    prefetch_batches: int = 2,
    category_filter: Iterable[int] | None = None,
) -> PipelineResult:
    """Detect and estimate poses on ``source[i]`` for each i in ``frame_indices``.

    source: anything indexable by frame number giving RGB uint8 (H, W, 3) (a media
    FrameSource); it is read from a background thread only, so do not share it with a thread
    that reads it at the same time. pose: one estimator for all kept boxes, or a mapping
    {detector class id: estimator} (e.g. patient -> casualty model, user -> user model).
    categories (alias ``category_filter``, the name in CONTRACTS.md): detector class ids to
    keep, None = all. precision: "fp32" or "fp16" (autocast, CUDA only; CPU stays fp32).
    progress(done, total) after each batch; on_frame(index, instances) as each frame is done;
    cancel() is polled between batches. Returns a :class:`PipelineResult` (a dict).
    """
    if category_filter is not None:
        categories = category_filter
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    indices = [int(i) for i in frame_indices]
    result = PipelineResult()
    stats = result.stats

    def say(message: str) -> None:
        stats.messages.append(message)
        if log is not None:
            log(message)

    cats = None if categories is None else tuple(int(c) for c in categories)
    engine = _Engine(detector, pose, cats, float(score_threshold), keypoint_threshold,
                     precision, stats, say)
    total = len(indices)
    current = batch_size
    start = time.perf_counter()
    if progress is not None:
        progress(0, total)
    with BatchReader(source, indices, batch_size, depth=prefetch_batches) as reader:
        for batch_indices, frames, decode_s in reader:
            stats.decode_s += decode_s
            if cancel is not None and cancel():
                result.cancelled = True
                break
            current = _run_batch(engine, batch_indices, frames, current, result, on_frame, say)
            stats.frames = len(result)
            if progress is not None:
                progress(len(result), total)
    stats.batch_size = current
    stats.wall_s = time.perf_counter() - start
    return result


def _run_batch(engine: _Engine, indices: Sequence[int], frames: Sequence[np.ndarray],
               batch_size: int, result: PipelineResult, on_frame: FrameFn | None,
               say: LogFn) -> int:
    """Process one decoded batch, splitting it on out-of-memory; returns the batch size in use."""
    pos = 0
    while pos < len(indices):
        chunk = slice(pos, pos + batch_size)
        try:
            per_frame = engine.run(frames[chunk])
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            _free_gpu_memory()
            if batch_size > 1:
                batch_size //= 2
                say(f"out of memory: retrying with batch size {batch_size}")
                continue
            if all(model_device(m).type == "cpu" for m in engine.models()):
                raise
            for model in engine.models():
                _move_to_cpu(model)
            engine.precision = "fp32"
            engine.stats.moved_to_cpu = True
            say("out of memory at batch size 1: moved the models to the CPU (slower)")
            continue
        for index, instances in zip(indices[chunk], per_frame, strict=True):
            result[index] = instances
            if on_frame is not None:
                on_frame(index, instances)
        pos += len(per_frame)
    return batch_size


def _free_gpu_memory() -> None:
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
