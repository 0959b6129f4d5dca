"""Import a COCO keypoints dataset into a project, to review or correct it.

Categories map by name onto the project's categories; every annotation must carry
exactly 3 x K keypoint numbers for its category's schema. Images map to frames by
``frame_index`` (our exports), else by ``id - 1`` (the COCO image-id convention of
DESIGN.md), else by the natural order of ``file_name``. The whole file is checked before
the project is touched, so a bad file changes nothing: its size and nesting before it is
parsed (:mod:`.bounded_json`), then every id, size and coordinate (:mod:`.coco_checks`),
with errors naming the annotation id and the field.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from medpose_gui.core.annotations import Instance, Prediction, ReviewState, Source
from medpose_gui.formats.bounded_json import number
from medpose_gui.formats.coco_checks import (
    MAX_TRACK_ID,
    SCORE_LIMIT,
    CoordinateBounds,
    bbox_xywh,
    check_category_id,
    check_id,
    check_image_size,
    keypoints,
    numbers,
)
from medpose_gui.formats.coco_common import (
    IMAGE_ID_OFFSET,
    load_json,
    natural_sort_key,
    require_list,
    xywh_to_xyxy,
)
from medpose_gui.formats.errors import FormatError

if TYPE_CHECKING:
    from medpose_gui.core.project import Project
    from medpose_gui.core.schema import Category

@dataclass
class ImportStats:
    path: Path
    num_images: int = 0
    num_annotations: int = 0
    frames_approved: int = 0
    image_mapping: str = ""  # "frame_index", "id" or "file_name"
    per_category: dict[str, int] = field(default_factory=dict)


def import_coco_keypoints(json_path: str | os.PathLike, project: Project, *,
                          source: str | Source | None = None,
                          replace: bool = False) -> ImportStats:
    """Add the annotations of a COCO keypoints file to ``project``.

    ``source``: the :class:`Source` given to the imported instances; None keeps each
    annotation's own ``source`` field (written by our export) and uses ``manual`` where
    there is none. Review: an image whose ``review`` field (or whose annotations'
    ``reviewed`` flag) says approved makes its frame approved. ``replace``: remove the
    instances the project already has on the frames the file covers.
    """
    path = Path(json_path)
    forced = None if source is None else Source(source)
    doc = load_json(path)
    images = require_list(doc, "images", path)
    annotations = require_list(doc, "annotations", path)
    file_categories = require_list(doc, "categories", path)

    frame_of = _map_images(images, path, int(project.media.num_frames))
    reviews = {img["id"]: _image_review(img, path) for img in images}
    categories = _map_categories(file_categories, project, path)
    bounds = CoordinateBounds(int(project.media.width), int(project.media.height))

    per_frame: dict[int, list[Instance]] = {frame: [] for frame in frame_of.values()}
    stats = ImportStats(path=path, num_images=len(images))
    approved_by_flag: set[int] = set()
    for index, ann in enumerate(annotations):
        where = f"{path}: annotation #{index}"
        if not isinstance(ann, dict):
            raise FormatError(f"{where}: not a JSON object")
        if "id" in ann:
            where = f"{path}: annotation {check_id(ann['id'], where)!r}"
        image_id = check_id(ann.get("image_id"), where, "image_id")
        if image_id not in frame_of:
            raise FormatError(f"{where}: image_id {image_id!r} is not in 'images'")
        cat = categories.get(check_category_id(ann.get("category_id"), where))
        if cat is None:
            raise FormatError(f"{where}: category_id {ann.get('category_id')!r} is not a "
                              f"category of the project ({_names(project)})")
        per_frame[frame_of[image_id]].append(
            _annotation_to_instance(ann, cat, forced, where, bounds))
        if ann.get("reviewed") is True:
            approved_by_flag.add(image_id)
        stats.per_category[cat.name] = stats.per_category.get(cat.name, 0) + 1
        stats.num_annotations += 1

    width, height = int(project.media.width), int(project.media.height)
    for img in images:
        if ("width" in img and img["width"] != width) or ("height" in img and
                                                          img["height"] != height):
            raise FormatError(f"{path}: image {img['id']!r} is {img.get('width')}x"
                              f"{img.get('height')} but the project's media is {width}x{height}")

    # Everything is valid: now change the project.
    stats.image_mapping = _mapping_name(images, frame_of)
    if replace:
        for frame in per_frame:
            for old in project.instances(frame):
                project.remove_instance(frame, old.uid, record_deletion=False)
    _store_instances(project, per_frame, path)
    for image_id, frame in frame_of.items():
        review = reviews[image_id]
        if review is None and image_id in approved_by_flag:
            review = ReviewState.APPROVED
        if review is not None and (replace or review != ReviewState.UNREVIEWED):
            project.set_review_state(frame, review)
        if review == ReviewState.APPROVED:
            stats.frames_approved += 1
    return stats


def _store_instances(project: Project, per_frame: dict[int, list[Instance]], path: Path
                     ) -> None:
    """Add the instances; frames that are empty and not approved go in one transaction.

    ``Project.put_instance`` commits (durably) per call, about 4 ms each; a 10,000-instance
    dataset would take most of a minute. ``store_predictions`` writes many frames in one
    transaction and, on a frame with no instances that is not approved, only inserts, so
    it is used there (keeping every instance's own source); the import is recorded as the
    run's provenance. Other frames take the per-instance path.
    """
    summary = project.frame_summary()
    approved_code = 2  # FrameSummary.review: 0/1/2 = unreviewed/in_progress/approved

    def empty_and_open(frame: int) -> bool:
        return frame >= len(summary.review) or (
            summary.num_instances[frame] == 0 and summary.review[frame] != approved_code)

    bulk = {f: insts for f, insts in per_frame.items() if insts and empty_and_open(f)}
    if bulk:
        project.store_predictions(bulk, model_ids={"imported_from": str(path)})
    for frame, insts in per_frame.items():
        if frame not in bulk:
            for inst in insts:
                project.put_instance(frame, inst)


def _names(project: Project) -> str:
    return ", ".join(c.name for c in project.categories)


def _map_images(images: list, path: Path, num_frames: int) -> dict[Any, int]:
    """image id -> frame index; see the module docstring for the rules."""
    for index, img in enumerate(images):
        if not isinstance(img, dict) or "id" not in img:
            raise FormatError(f"{path}: every image needs an integer or string 'id' "
                              f"(found {img!r:.80})")
        where = f"{path}: image #{index}"
        where = f"{path}: image {check_id(img['id'], where)!r}"
        check_image_size(img, where)
        if "frame_index" in img:
            number(img["frame_index"], where, "frame_index", 0, max(num_frames - 1, 0),
                   integer=True)
    ids = [img["id"] for img in images]
    if len(set(map(repr, ids))) != len(ids):
        raise FormatError(f"{path}: duplicate image ids")

    def valid(indices: list) -> bool:
        return (all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < num_frames
                    for i in indices) and len(set(indices)) == len(indices))

    if images and all("frame_index" in img for img in images):
        indices = [img["frame_index"] for img in images]
        if not valid(indices):
            raise FormatError(f"{path}: 'frame_index' values must be distinct frame numbers "
                              f"0..{num_frames - 1} of the project's media")
        return dict(zip(ids, indices, strict=True))
    by_id = [i - IMAGE_ID_OFFSET if isinstance(i, int) else None for i in ids]
    if valid(by_id):
        return dict(zip(ids, by_id, strict=True))
    if len(images) > num_frames:
        raise FormatError(f"{path}: {len(images)} images but the project's media has only "
                          f"{num_frames} frames")
    for img in images:
        if not isinstance(img.get("file_name"), str):
            raise FormatError(f"{path}: image {img['id']!r} has no 'file_name' and its id is "
                              f"not a frame number")
    ordered = sorted(images, key=lambda img: natural_sort_key(img["file_name"]))
    return {img["id"]: frame for frame, img in enumerate(ordered)}


def _mapping_name(images: list, frame_of: dict) -> str:
    if images and all("frame_index" in img for img in images):
        return "frame_index"
    if all(frame_of[img["id"]] == img["id"] - IMAGE_ID_OFFSET for img in images
           if isinstance(img["id"], int)):
        return "id"
    return "file_name"


def _image_review(img: dict, path: Path) -> ReviewState | None:
    value = img.get("review")
    if value is None:
        return None
    try:
        return ReviewState(value)
    except ValueError as exc:
        raise FormatError(f"{path}: image {img['id']!r} has unknown review state "
                          f"{value!r}") from exc


def _map_categories(file_categories: list, project: Project, path: Path
                    ) -> dict[Any, Category]:
    """file category id -> project Category (by name); unknown names are left out."""
    by_name = {c.name: c for c in project.categories}
    result: dict[Any, Category] = {}
    for fc in file_categories:
        if not isinstance(fc, dict) or "id" not in fc or not isinstance(fc.get("name"), str):
            raise FormatError(f"{path}: every category needs 'id' and 'name' "
                              f"(found {fc!r:.80})")
        check_category_id(fc["id"], f"{path}: category {fc['name']!r}")
        cat = by_name.get(fc["name"])
        if cat is None:
            continue  # an error only if an annotation uses it (reported with its id)
        names = fc.get("keypoints")
        schema_names = list(cat.schema.keypoints)
        if names is not None and len(names) == len(schema_names) and list(names) != schema_names:
            raise FormatError(f"{path}: category {fc['name']!r} lists keypoints {names} but "
                              f"the project's schema {cat.schema.name!r} has {schema_names}")
        result[fc["id"]] = cat
    return result


def _annotation_to_instance(ann: dict, cat: Category, forced: Source | None,
                            where: str, bounds: CoordinateBounds) -> Instance:
    k = cat.schema.num_keypoints
    raw = ann.get("keypoints")
    if isinstance(raw, list) and len(raw) != 3 * k:
        raise FormatError(
            f"{where}: {len(raw)} keypoint numbers ({len(raw) / 3:g} points) but category "
            f"{cat.name!r} (schema {cat.schema.name!r}) has {k} points = {3 * k} numbers")
    kps = keypoints(raw, k, where, bounds)
    bbox = bbox_xywh(ann.get("bbox"), where, bounds)
    score_range = [(-SCORE_LIMIT, SCORE_LIMIT)]
    if "keypoint_scores" in ann and ann["keypoint_scores"] is not None:
        scores = numbers(ann["keypoint_scores"], k, where, "keypoint_scores", score_range,
                         allow_null=True)
    else:
        scores = np.full(k, math.nan)
    box_score = ann.get("score")
    if box_score is not None:
        box_score = float(number(box_score, where, "score", -SCORE_LIMIT, SCORE_LIMIT))
    src = forced
    if src is None:
        try:
            src = Source(ann.get("source", Source.MANUAL.value))
        except ValueError as exc:
            raise FormatError(f"{where}: unknown source {ann.get('source')!r}") from exc
    track_id = number(ann.get("track_id"), where, "track_id", -MAX_TRACK_ID, MAX_TRACK_ID,
                      integer=True, allow_null=True)
    box = xywh_to_xyxy(bbox)
    original = None
    if src == Source.PREDICTED:
        # The file holds the model output itself: keep it as the instance's prediction.
        original = Prediction(box=box.copy(), keypoints=kps.copy(), scores=scores.copy(),
                              box_score=math.nan if box_score is None else box_score)
    return Instance(category=cat.name, box=box, keypoints=kps, scores=scores, source=src,
                    box_score=box_score, original=original, track_id=track_id)
