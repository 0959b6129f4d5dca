"""Which detections go on to the pose estimator: class filter and score threshold."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


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


def class_name(names: Sequence[str], label: int) -> str:
    """The detector's name of class ``label`` (``class_N`` past the known names)."""
    return names[label] if 0 <= label < len(names) else f"class_{label}"


def class_ids(categories: Iterable[str], names: Sequence[str], source: str) -> tuple[int, ...]:
    """Detector class ids of category names, looked up in the detector's own class order."""
    ids = []
    for category in categories:
        if category not in names:
            raise ValueError(f"{source}: the detector has no class {category!r} "
                             f"(its classes: {', '.join(names)})")
        ids.append(list(names).index(category))
    return tuple(ids)
