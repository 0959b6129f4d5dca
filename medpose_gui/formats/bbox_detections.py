"""The reference detector demo's ``bbox_detections.json`` (read, write, import).

Conventions (fixtures/detectron2/README.md, "bbox_detections.json"; the seed's
``demo/bbox_detections_medic.py``): COCO-like, but ``bbox`` is **x1,y1,x2,y2**, only
``patient`` detections are written, and ``bbox_score`` is a percentage string.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from medpose_gui.core.annotations import Instance
from medpose_gui.core.reference import DETECTOR_CLASS_NAMES, REFERENCE_CATEGORIES
from medpose_gui.formats.atomic import atomic_write_json
from medpose_gui.formats.coco_checks import numbers
from medpose_gui.formats.coco_common import (
    frame_image_name,
    load_json,
    natural_sort_key,
    require_list,
)
from medpose_gui.formats.errors import FormatError

if TYPE_CHECKING:
    from medpose_gui.core.project import Project

# Pixels: a box coordinate beyond this is not a detection (1e308 would break every later
# export). Not checked against the image size: the demo writes 1280x720 for every image.
_COORD_LIMIT = 1e7
# The demo writes these for every image, whatever the image's real size.
DEMO_IMAGE_HEIGHT = 720
DEMO_IMAGE_WIDTH = 1280
# The demo writes the reference's categories only (patients), by 0-based detector class id.
PATIENT_LABEL = REFERENCE_CATEGORIES[0]
PATIENT_CLASS = DETECTOR_CLASS_NAMES.index(PATIENT_LABEL)
# The demo's category list, field for field and in this order.
DEMO_CATEGORIES = [
    {"id": 1, "name": "patient", "instances_count": 0, "def": "", "synonyms": ["patient"],
     "image_count": 0, "frequency": "", "synset": ""},
    {"id": 2, "name": "user", "instances_count": 0, "def": "", "synonyms": ["user"],
     "image_count": 0, "frequency": "", "synset": ""},
]

BBoxEntry = tuple[str, np.ndarray, np.ndarray, np.ndarray]  # file_name, boxes, scores, labels


def format_bbox_score(score: float) -> str:
    """The demo's score string: ``str(round(float32 score * 100, 2)) + "%"`` e.g. "93.06%"."""
    return str(round(np.float32(score) * 100, 2)) + "%"


def parse_bbox_score(text: str) -> float:
    """"97.5%" -> 0.975; ValueError for anything else."""
    if not isinstance(text, str) or not text.endswith("%"):
        raise ValueError(f"{text!r} is not a percentage like '97.5%'")
    value = float(text[:-1]) / 100.0
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite percentage")
    return value


def bbox_detections_document(entries: Iterable[tuple[str, Any, Any, Any]]) -> dict[str, Any]:
    """The JSON object the demo writes for ``entries`` = [(file_name, boxes, scores, labels)]."""
    images, annotations = [], []
    for image_id, (file_name, boxes, scores, labels) in enumerate(entries, start=1):
        images.append({"file_name": file_name, "id": image_id,
                       "height": DEMO_IMAGE_HEIGHT, "width": DEMO_IMAGE_WIDTH})
        boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        scores = np.asarray(scores, dtype=np.float32).reshape(-1)
        labels = np.asarray(labels).reshape(-1)
        for box, score, label in zip(boxes, scores, labels, strict=True):
            if int(label) != PATIENT_CLASS:
                continue  # user boxes are not written and do not use up an id
            annotations.append({
                "id": len(annotations),  # the demo counts from 0
                "image_id": image_id,
                "bbox": [float(v) for v in box],
                "category_id": int(label) + 1,
                "label": PATIENT_LABEL,
                "bbox_score": format_bbox_score(score),
            })
    return {"images": images, "annotations": annotations,
            "categories": [dict(c) for c in DEMO_CATEGORIES]}


def write_bbox_detections(path: str | os.PathLike,
                          entries: Iterable[tuple[str, Any, Any, Any]]) -> Path:
    """Write ``bbox_detections.json`` atomically, byte-compatible with the demo's output
    (``json.dump`` default separators, one trailing newline as in the reference file)."""
    return atomic_write_json(path, bbox_detections_document(entries))


def project_to_bbox_entries(project: Project, *, frames: Iterable[int] | None = None,
                            frame_name: Callable[[int], str] | None = None,
                            use_original: bool = False) -> list[BBoxEntry]:
    """Entries for :func:`write_bbox_detections` from a project's boxes.

    ``frames``: default every frame with instances or a review state. Labels are the
    category id - 1 (detector class order); instances without a box score get 1.0.
    ``use_original`` writes the model's boxes instead of the corrected ones.
    """
    name_of = frame_name or frame_image_name
    class_of = {c.name: int(c.id) - 1 for c in project.categories}
    indices = sorted(f.index for f in project.iter_frames()) if frames is None else list(frames)
    entries: list[BBoxEntry] = []
    for index in indices:
        boxes, scores, labels = [], [], []
        for inst in project.instances(index):
            if use_original and inst.original is None:
                continue
            box = inst.original.box if use_original else inst.box
            score = inst.original.box_score if use_original else inst.box_score
            boxes.append(box)
            scores.append(1.0 if score is None or not math.isfinite(score) else score)
            labels.append(class_of[inst.category])
        entries.append((name_of(index), np.asarray(boxes, dtype=np.float32).reshape(-1, 4),
                        np.asarray(scores, dtype=np.float32), np.asarray(labels, dtype=np.int64)))
    return entries


def read_bbox_detections(path: str | os.PathLike) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """[(file_name, boxes (N, 4) x1,y1,x2,y2, scores (N,) in 0..1)] in the file's image order."""
    path = Path(path)
    doc = load_json(path)
    images = require_list(doc, "images", path)
    annotations = require_list(doc, "annotations", path)
    per_image: dict[Any, tuple[str, list, list]] = {}
    for img in images:
        if not isinstance(img, dict) or "id" not in img or not isinstance(
                img.get("file_name"), str):
            raise FormatError(f"{path}: every image needs 'id' and 'file_name' "
                              f"(found {img!r:.80})")
        per_image[img["id"]] = (img["file_name"], [], [])
    for ann in annotations:
        where = f"{path}: annotation {ann.get('id')!r}" if isinstance(ann, dict) else str(path)
        if not isinstance(ann, dict) or ann.get("image_id") not in per_image:
            raise FormatError(f"{where}: missing or unknown image_id")
        bbox = ann.get("bbox")
        if not isinstance(bbox, list) or len(bbox) != 4:
            raise FormatError(f"{where}: 'bbox' must be 4 numbers x1, y1, x2, y2")
        # Finite and far inside float range here; against the image size on import.
        numbers(bbox, 4, where, "bbox", [(-_COORD_LIMIT, _COORD_LIMIT)])
        try:
            score = parse_bbox_score(ann.get("bbox_score"))
        except ValueError as exc:
            raise FormatError(f"{where}: bad bbox_score: {exc}") from exc
        _, boxes, scores = per_image[ann["image_id"]]
        boxes.append([float(v) for v in bbox])
        scores.append(score)
    return [(name, np.asarray(boxes, dtype=np.float64).reshape(-1, 4),
             np.asarray(scores, dtype=np.float64)) for name, boxes, scores in per_image.values()]


def import_bbox_detections(path: str | os.PathLike, project: Project, *,
                           frame_names: Sequence[str] | None = None,
                           category: str = PATIENT_LABEL) -> dict[int, list[Instance]]:
    """Store the file's boxes as predicted ``category`` instances (points absent).

    Images map to frames by ``frame_names`` (each frame's file name, media order) when
    given, else by the natural order of the file names. Stored through
    ``Project.store_predictions`` (approved frames are left alone); returns what was
    offered per frame.
    """
    path = Path(path)
    detections = read_bbox_detections(path)
    num_frames = int(project.media.num_frames)
    if frame_names is not None:
        index_of = {name: i for i, name in enumerate(frame_names)}
        missing = [name for name, _, _ in detections if name not in index_of]
        if missing:
            raise FormatError(f"{path}: images not in the project's media: {missing[:5]}")
    else:
        if len(detections) > num_frames:
            raise FormatError(f"{path}: {len(detections)} images but the project's media "
                              f"has only {num_frames} frames")
        ordered = sorted((name for name, _, _ in detections), key=natural_sort_key)
        index_of = {name: i for i, name in enumerate(ordered)}
    schemas = {c.name: c.schema for c in project.categories}
    if category not in schemas:
        raise FormatError(f"{path}: cannot import as {category!r}: the project's categories "
                          f"are {', '.join(schemas)}")
    k = schemas[category].num_keypoints
    preds: dict[int, list[Instance]] = {}
    for name, boxes, scores in detections:
        preds[index_of[name]] = [
            # Score NaN for every point: the detector placed no points, so all are absent.
            Instance.from_prediction(category, box, float(score),
                                     np.column_stack([np.zeros((k, 2)), np.full(k, np.nan)]))
            for box, score in zip(boxes, scores, strict=True)]
    project.store_predictions(preds)
    return preds
