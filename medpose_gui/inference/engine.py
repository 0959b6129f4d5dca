"""Detector + pose estimator on a list of frames: one detector call, one pose call per model.

The engine knows the precision (fp16 autocast on CUDA only), which pose model serves which
detector class, and how to fall back to the CPU; the run loop (:mod:`.pipeline`) feeds it
batches and splits them on out-of-memory errors.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from medpose_gui.core.annotations import Instance

from .selection import Selection, class_name, select_detections

PRECISIONS = ("fp32", "fp16")

LogFn = Callable[[str], None]


@dataclass
class PipelineStats:
    """Where the time went (seconds, summed over the run) and what was done."""

    frames: int = 0
    boxes: int = 0
    decode_s: float = 0.0  # spent in the decode thread (overlaps compute)
    prepare_s: float = 0.0  # detector pre-processing in the decode thread (overlaps compute)
    detect_s: float = 0.0
    pose_s: float = 0.0
    wall_s: float = 0.0
    batch_size: int = 0  # final batch size (smaller than asked after out-of-memory splits)
    moved_to_cpu: bool = False
    precision: str = "fp32"
    messages: list[str] = field(default_factory=list)


def autocast_for(precision: str, device: torch.device) -> contextlib.AbstractContextManager:
    """How a run computes at ``precision``: fp16 is CUDA autocast; anything else is fp32."""
    if precision == "fp16" and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.float16)
    return contextlib.nullcontext()


class Engine:
    """Runs a detector and its pose estimators on frames; see the module docstring.

    ``poses`` maps detector class id -> pose estimator (a class without one is refused when
    it is kept); ``categories`` are the kept class ids (None = all).
    """

    def __init__(self, detector: Any, poses: Mapping[int, Any], categories: tuple[int, ...] | None,
                 score_threshold: float, keypoint_threshold: float, precision: str,
                 stats: PipelineStats, log: LogFn) -> None:
        self.detector = detector
        self.poses = dict(poses)
        self.categories = categories
        self.score_threshold = score_threshold
        self.keypoint_threshold = keypoint_threshold
        self.stats = stats
        self.log = log
        self.class_names = tuple(detector.class_names)
        self.precision = self._effective_precision(precision)
        stats.precision = self.precision

    def _effective_precision(self, precision: str) -> str:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        if precision == "fp16" and self.detector.device.type != "cuda":
            self.log("half precision is used on CUDA only; running in fp32")
            return "fp32"
        return precision

    def _autocast(self) -> contextlib.AbstractContextManager:
        return autocast_for(self.precision, self.detector.device)

    def models(self) -> list[Any]:
        return [self.detector, *self.poses.values()]

    def on_cpu(self) -> bool:
        return all(m.device.type == "cpu" for m in self.models())

    def move_to_cpu(self) -> None:
        """The last resort after out-of-memory at batch size 1: slower, but it finishes."""
        for model in self.models():
            model.to("cpu")
        self.precision = "fp32"
        self.stats.moved_to_cpu = True

    def prepare(self, frames: Sequence[np.ndarray]) -> Any:
        """The detector's pre-processing of ``frames`` for :meth:`run` (None if the detector
        has none); thread-safe, so the run makes it in its decode thread, ahead."""
        prepare = getattr(self.detector, "prepare", None)
        return None if prepare is None else prepare(list(frames))

    def run(self, frames: Sequence[np.ndarray], prepared: Any = None) -> list[list[Instance]]:
        """Instances of each frame (detection order), one detector and one pose call per model.
        ``prepared``: :meth:`prepare` of ``frames`` (the same results, sooner)."""
        with torch.inference_mode(), self._autocast():
            t0 = time.perf_counter()
            if prepared is None:
                dets = self.detector.detect(list(frames), batch_size=len(frames))
            else:
                dets = self.detector.detect(list(frames), batch_size=len(frames),
                                            prepared=prepared)
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
                Instance.from_prediction(class_name(self.class_names, int(sel.labels[j])),
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
                model = self.poses.get(int(label))
                if model is None:
                    raise ValueError(f"no pose estimator for detector class {int(label)} "
                                     f"({class_name(self.class_names, int(label))})")
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
