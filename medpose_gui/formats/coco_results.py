"""Write model output as a COCO results list (``COCO.loadRes`` / ``COCOeval`` input).

Keypoint results: ``[{image_id, category_id, bbox, score, keypoints [x, y, score] * K}]``.
With ``boxes_only`` the file is the detection list the reference top-down tester reads
for "test with detected boxes": ``[{image_id, category_id: 1, bbox, score}]``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from medpose_gui.core.annotations import Instance, Visibility
from medpose_gui.core.boxes import round_coord, xyxy_to_xywh
from medpose_gui.formats.atomic import atomic_write_json
from medpose_gui.formats.coco_common import (
    IMAGE_ID_OFFSET,
    optional_float,
    select_categories,
)

if TYPE_CHECKING:
    from medpose_gui.core.project import Project

# mmpose 0.x TopDownCocoDataset._load_coco_person_detection_results keeps only entries
# with category_id == 1, so a detected-boxes file for the reference tester says 1.
REFERENCE_DET_CATEGORY_ID = 1


def export_coco_results(project: Project, out_json: str | os.PathLike, *,
                        category: str | None = None, use_original: bool = True,
                        boxes_only: bool = False) -> list[dict[str, Any]]:
    """Write (atomically) and return the project's instances as a COCO results list.

    ``use_original``: write the model's prediction kept beside each instance (instances
    a person drew have none and are left out) — the file to score the model with;
    False writes the current, corrected values (score = box score, 1.0 for drawn
    instances; per-point score = model score, else 1.0 for labelled and 0.0 for absent
    points). ``boxes_only``: detections of one category (``category``, default the
    project's first), each with ``category_id`` 1 as the reference tester requires.
    """
    out_json = Path(out_json)
    if boxes_only and category is None:
        category = project.categories[0].name
    categories = {c.name: c for c in select_categories(project, category, out_json)}
    results: list[dict[str, Any]] = []
    for frame in sorted(project.iter_frames(), key=lambda f: f.index):
        for inst in frame.instances:
            cat = categories.get(inst.category)
            if cat is None:
                continue
            values = _values(inst, use_original)
            if values is None:
                continue
            box, box_score, keypoints = values
            entry: dict[str, Any] = {
                "image_id": frame.index + IMAGE_ID_OFFSET,
                "category_id": REFERENCE_DET_CATEGORY_ID if boxes_only else int(cat.id),
                "bbox": xyxy_to_xywh(box),
                "score": box_score,
            }
            if not boxes_only:
                entry["keypoints"] = [round_coord(v) if j % 3 < 2 else float(v)
                                      for j, v in enumerate(keypoints.reshape(-1))]
            results.append(entry)
    atomic_write_json(out_json, results)
    return results


def _values(inst: Instance, use_original: bool
            ) -> tuple[np.ndarray, float, np.ndarray] | None:
    """(box xyxy, score, keypoints (K, 3) x, y, score) to write, or None to skip."""
    if use_original:
        pred = inst.original
        if pred is None:
            return None
        kps = np.column_stack([pred.keypoints[:, :2], _finite(pred.scores, 0.0)])
        return pred.box, _score(pred.box_score), kps
    fallback = np.where(inst.keypoints[:, 2] > Visibility.ABSENT, 1.0, 0.0)
    point_scores = np.where(np.isfinite(inst.scores), inst.scores, fallback)
    kps = np.column_stack([inst.keypoints[:, :2], point_scores])
    return inst.box, _score(inst.box_score), kps


def _finite(values: np.ndarray, fill: float) -> np.ndarray:
    return np.where(np.isfinite(values), values, fill)


def _score(value: float | None) -> float:
    score = optional_float(value)
    return 1.0 if score is None or math.isnan(score) else score
