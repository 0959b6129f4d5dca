"""The run loop: frames -> batches -> :class:`~.engine.Engine` -> per-frame instances.

The whole video is processed in batches of frames. For each batch the detector sees all frames
in one call, the boxes are filtered by category and score (:mod:`.selection`), and the pose
estimator sees every kept box of the batch in ONE call. Decoding of the next batch and the
detector's pre-processing of it (resizing; page-locked for CUDA) run in a background thread
(:class:`~medpose_gui.media.batch_reader.BatchReader`) while the models work on the current
one. Results are deterministic: the same frames in the same order give
the same instances, whatever the batch size (up to float noise of batched convolutions).

On a GPU out-of-memory error the batch is split in halves and retried; at batch size 1 the
models move to the CPU (reported through ``log``). Cancellation is checked between batches:
the result holds every finished frame and ``cancelled=True``.

This is the compute half of a model run; storing results in a project is the run service's
(:mod:`medpose_gui.runs`), which is what the window and the command line call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from medpose_gui.core.annotations import Instance
from medpose_gui.core.reference import (
    DETECTOR_CLASS_NAMES,
    REFERENCE_CATEGORIES,
    REFERENCE_SCORE_THRESHOLD,
)
from medpose_gui.media.batch_reader import BatchReader

from .device import free_gpu_memory, is_out_of_memory
from .engine import PRECISIONS, Engine, PipelineStats
from .selection import Selection, select_detections

# The detector class ids the reference demo keeps (patient = class 0).
REFERENCE_CLASS_IDS: tuple[int, ...] = tuple(
    DETECTOR_CLASS_NAMES.index(c) for c in REFERENCE_CATEGORIES)

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]
FrameFn = Callable[[int, list[Instance]], None]
BatchFn = Callable[[dict[int, list[Instance]]], None]
LogFn = Callable[[str], None]


class PipelineResult(dict):
    """``{frame index: [Instance, ...]}`` of the finished frames, plus how the run ended."""

    def __init__(self) -> None:
        super().__init__()
        self.cancelled = False
        self.stats = PipelineStats()


def estimate_poses(pose: Any, image: np.ndarray, boxes: np.ndarray) -> list[np.ndarray]:
    """Keypoints (K, 3) x, y, score for each box of one image (the GUI's "re-estimate pose")."""
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    if len(boxes) == 0:
        return []
    return list(np.asarray(pose.estimate(image, boxes)))


def run_pipeline(
    source: Any,
    frame_indices: Iterable[int],
    detector: Any,
    pose: Any,
    *,
    categories: Iterable[int] | None = REFERENCE_CLASS_IDS,
    score_threshold: float = REFERENCE_SCORE_THRESHOLD,
    batch_size: int = 4,
    keypoint_threshold: float = 0.0,
    precision: str = "fp32",
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    on_frame: FrameFn | None = None,
    on_batch: BatchFn | None = None,
    log: LogFn | None = None,
    prefetch_batches: int = 2,
    category_filter: Iterable[int] | None = None,
) -> PipelineResult:
    """Detect and estimate poses on ``source[i]`` for each i in ``frame_indices``.

    source: anything indexable by frame number giving RGB uint8 (H, W, 3) (a media
    FrameSource); it is read from a background thread only, so do not share it with a thread
    that reads it at the same time. pose: one estimator for all kept boxes, or a mapping
    {detector class id: estimator} (e.g. patient -> casualty model, user -> user model).
    categories (alias ``category_filter``): detector class ids to keep, None = all.
    precision: "fp32" or "fp16" (autocast, CUDA only; CPU stays fp32). progress(done, total)
    after each batch; on_frame(index, instances) as each frame is done; on_batch({index:
    instances}) once per finished batch (before progress); cancel() is polled between
    batches. Returns a :class:`PipelineResult` (a dict).
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
    poses = pose if isinstance(pose, Mapping) else dict.fromkeys(
        range(len(detector.class_names)), pose)
    engine = Engine(detector, poses, cats, float(score_threshold), keypoint_threshold,
                    precision, stats, say)
    total = len(indices)
    current = batch_size
    start = time.perf_counter()
    if progress is not None:
        progress(0, total)
    # The decode thread also does the detector's pre-processing of the batch it decoded, so
    # both overlap the models working on the batch before (same results: it is pure).
    with BatchReader(source, indices, batch_size, depth=prefetch_batches,
                     prepare=engine.prepare) as reader:
        for batch in reader:
            stats.decode_s += batch.decode_s
            stats.prepare_s += batch.prepare_s
            if cancel is not None and cancel():
                result.cancelled = True
                break
            done = _run_batch(engine, batch.indices, batch.frames, batch.prepared, current, say)
            current = done.batch_size
            for index, instances in done.frames.items():
                result[index] = instances
                if on_frame is not None:
                    on_frame(index, instances)
            if on_batch is not None:
                on_batch(done.frames)
            stats.frames = len(result)
            if progress is not None:
                progress(len(result), total)
    stats.batch_size = current
    stats.wall_s = time.perf_counter() - start
    return result


@dataclass
class _BatchDone:
    frames: dict[int, list[Instance]]
    batch_size: int  # in use afterwards (halved by out-of-memory splits)


def _run_batch(engine: Engine, indices: Sequence[int], frames: Sequence[np.ndarray],
               prepared: Sequence[Any] | None, batch_size: int, say: LogFn) -> _BatchDone:
    """Process one decoded batch (``prepared``: the engine's pre-processing of each frame, or
    None), splitting it on out-of-memory; returns the frames and the batch size in use
    afterwards."""
    out: dict[int, list[Instance]] = {}
    pos = 0
    while pos < len(indices):
        chunk = slice(pos, pos + batch_size)
        try:
            per_frame = engine.run(frames[chunk], None if prepared is None else prepared[chunk])
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            free_gpu_memory()
            if batch_size > 1:
                batch_size //= 2
                say(f"out of memory: retrying with batch size {batch_size}")
                continue
            if engine.on_cpu():
                raise
            engine.move_to_cpu()
            say("out of memory at batch size 1: moved the models to the CPU (slower)")
            continue
        out.update(zip(indices[chunk], per_frame, strict=True))
        pos += len(per_frame)
    return _BatchDone(out, batch_size)


__all__ = ["PRECISIONS", "PipelineResult", "PipelineStats", "Selection", "estimate_poses",
           "is_out_of_memory", "run_pipeline", "select_detections"]
