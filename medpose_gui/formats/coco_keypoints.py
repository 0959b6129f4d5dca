"""Export a project as a COCO keypoints dataset for the reference trainers.

The file follows the retraining contract of DESIGN.md: the pose trainer (mmpose 0.x
``TopDownCocoDataset``) needs every annotation's ``keypoints`` to hold exactly 3 x K
numbers for its category's schema and refuses files that mix keypoint counts (so pass
``category=`` for a pose-training file); the detector trainer (detectron2
``register_coco_instances``) needs ``bbox`` x,y,w,h, ``area`` and ``iscrowd``.

Beside the standard fields every annotation carries ``source``, ``reviewed``, ``score``
(box score), ``keypoint_scores`` and ``track_id``, and every image ``frame_index`` and
``review``, so that :func:`medpose_gui.formats.coco_import.import_coco_keypoints` restores
the project state and export -> import -> export is byte-identical.

A labelled point outside the image is written absent (0, 0, 0): the trainer expects points
on the image (:mod:`medpose_gui.core.image_bounds` says why); the project keeps the point.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from medpose_gui.core.annotations import FrameAnnotations, Instance, ReviewState, Visibility
from medpose_gui.core.boxes import round_coord, xyxy_to_xywh
from medpose_gui.core.image_bounds import count_off_image, on_image
from medpose_gui.formats.atomic import atomic_write_bytes, atomic_write_json
from medpose_gui.formats.coco_common import (
    IMAGE_ID_OFFSET,
    category_to_coco,
    frame_image_name,
    optional_float,
    select_categories,
)
from medpose_gui.formats.errors import ExportCancelled, FormatError, NothingToExport

if TYPE_CHECKING:
    from medpose_gui.core.project import Project
    from medpose_gui.core.schema import Category

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]
FrameReader = Callable[[int], np.ndarray]

_IMAGE_EXTS = {"jpg", "jpeg", "png"}


@dataclass
class ExportStats:
    """What an export wrote."""

    path: Path
    num_images: int = 0
    num_annotations: int = 0
    num_labelled_points: int = 0  # keypoints written with v > 0
    num_off_image_points: int = 0  # labelled points outside the image, written absent
    num_images_written: int = 0  # frame image files written to images_dir
    skipped_degenerate: int = 0  # instances left out: no box area and no labelled extent
    per_category: dict[str, int] = field(default_factory=dict)


def export_coco_keypoints(
    project: Project,
    out_json: str | os.PathLike,
    *,
    reviewed_only: bool = False,
    min_score: float | None = None,
    category: str | None = None,
    images_dir: str | os.PathLike | None = None,
    frame_reader: FrameReader | None = None,
    image_ext: str = "jpg",
    frame_name: Callable[[int], str] | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    allow_empty: bool = True,
) -> ExportStats:
    """Write the project's annotations to ``out_json`` (atomically) as COCO keypoints.

    Frames exported: every frame with instances of the written categories or a review
    state other than unreviewed (only approved ones with ``reviewed_only``).
    Labelled points outside the image are written absent (0, 0, 0).
    ``min_score``: on frames not yet approved, points still at the model's position whose
    score is below it are written absent (0, 0, 0); approved frames are written exactly
    as the medic left them. ``category``: write only that
    category (one keypoint count per file, as the pose trainer needs). With
    ``images_dir`` each frame is read with ``frame_reader(index) -> RGB uint8`` and
    saved there as ``frame_name(index)`` (default ``frame_000012.jpg``); ``file_name``
    in the JSON is that name relative to ``images_dir``. ``progress(done, total)`` is
    called per frame; ``cancel()`` returning True raises :class:`ExportCancelled` before
    the JSON is written (frame images already saved stay, each one complete).
    ``allow_empty=False``: raise :class:`NothingToExport` (saying why) instead of writing a
    file without annotations; checked before any frame image is written.
    """
    out_json = Path(out_json)
    image_ext = image_ext.lower().lstrip(".")
    if image_ext not in _IMAGE_EXTS:
        raise FormatError(f"{out_json}: unsupported image format {image_ext!r} "
                          f"(use one of {sorted(_IMAGE_EXTS)})")
    if images_dir is not None and frame_reader is None:
        raise FormatError(f"{out_json}: images_dir given but no frame_reader to read frames")
    name_of = frame_name or (lambda i: frame_image_name(i, image_ext))
    categories = select_categories(project, category, out_json)
    by_name = {c.name: c for c in categories}
    width, height = int(project.media.width), int(project.media.height)

    frames = sorted(project.iter_frames(), key=lambda f: f.index)
    if reviewed_only:
        frames = [f for f in frames if f.review == ReviewState.APPROVED]
    if not allow_empty:
        _check_not_empty(project, frames, by_name, reviewed_only, out_json)
    if images_dir is not None:
        images_dir = Path(images_dir)
        try:
            images_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FormatError(f"{images_dir}: cannot create folder: {exc.strerror}") from exc

    stats = ExportStats(path=out_json, per_category={c.name: 0 for c in categories})
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    total = len(frames)
    for done, frame in enumerate(frames):
        if cancel is not None and cancel():
            raise ExportCancelled(f"export to {out_json} cancelled after {done} of {total} frames")
        anns = _frame_annotations(frame, by_name, min_score, (width, height), stats)
        # A frame with nothing of the written categories that nobody looked at is not a
        # data point (leaving it out also keeps export -> import -> export identical).
        if anns or frame.review != ReviewState.UNREVIEWED:
            file_name = name_of(frame.index)
            images.append(_image_dict(frame, file_name, width, height))
            for ann in anns:
                # COCO annotation ids start at 1: COCOeval treats a matched id 0 as no match.
                annotations.append({"id": len(annotations) + 1, **ann})
            if images_dir is not None:
                _write_frame_image(frame_reader, frame.index, images_dir / file_name,
                                   width, height)
                stats.num_images_written += 1
        if progress is not None:
            progress(done + 1, total)
    if cancel is not None and cancel():
        raise ExportCancelled(f"export to {out_json} cancelled after {total} of {total} frames")

    if not annotations and not allow_empty:
        raise NothingToExport(f"{out_json}: not written, it would hold 0 annotations: "
                              f"{stats.skipped_degenerate} persons have neither a box nor "
                              "labelled points")
    stats.num_images = len(images)
    stats.num_annotations = len(annotations)
    document = {
        "info": {"description": "medpose-gui export", "version": "1.0"},
        "images": images,
        "annotations": annotations,
        "categories": [category_to_coco(c) for c in categories],
    }
    atomic_write_json(out_json, document)
    return stats


def _check_not_empty(project: Project, frames: list[FrameAnnotations],
                     categories: dict[str, Category], reviewed_only: bool,
                     out_json: Path) -> None:
    """Raise :class:`NothingToExport` when ``frames`` hold no instance of ``categories``."""
    if any(inst.category in categories for f in frames for inst in f.instances):
        return  # (an instance without box or points may still be left out: counted then)
    what = f"{next(iter(categories))!r} person" if len(categories) == 1 else "person"
    if reviewed_only:
        approved = len(frames)
        why = (f"0 of the project's {project.media.num_frames} frames are approved"
               if approved == 0 else
               f"the {approved} approved frame{'s' if approved != 1 else ''} hold no {what}")
    else:
        why = f"the project holds no {what}"
    raise NothingToExport(f"{out_json}: not written, it would hold 0 annotations: {why}")


def _image_dict(frame: FrameAnnotations, file_name: str, width: int, height: int) -> dict:
    return {
        "id": frame.index + IMAGE_ID_OFFSET,
        "file_name": file_name,
        "width": width,
        "height": height,
        "frame_index": frame.index,
        "review": ReviewState(frame.review).value,
    }


def _frame_annotations(frame: FrameAnnotations, categories: dict[str, Category],
                       min_score: float | None, image_size: tuple[int, int],
                       stats: ExportStats) -> list[dict[str, Any]]:
    """The annotations of one frame, ordered by value so a re-imported frame sorts alike."""
    reviewed = frame.review == ReviewState.APPROVED
    result = []
    for inst in frame.instances:
        cat = categories.get(inst.category)
        if cat is None:
            continue
        ann = instance_to_annotation(inst, cat, frame.index, reviewed,
                                     None if reviewed else min_score, image_size)
        if ann is None:
            stats.skipped_degenerate += 1
            continue
        stats.num_labelled_points += ann["num_keypoints"]
        stats.num_off_image_points += count_off_image(inst.keypoints, *image_size)
        stats.per_category[cat.name] += 1
        result.append(ann)
    result.sort(key=_annotation_order)
    return result


def _annotation_order(ann: dict[str, Any]) -> tuple:
    score = ann["score"]
    return (ann["category_id"], ann["bbox"], ann["keypoints"],
            -1.0 if score is None else score, ann["source"],
            -1 if ann["track_id"] is None else ann["track_id"])


def instance_to_annotation(inst: Instance, category: Category, frame_index: int,
                           reviewed: bool, min_score: float | None,
                           image_size: tuple[int, int]) -> dict[str, Any] | None:
    """One COCO annotation (without ``id``), or None when no positive-area box exists.

    Labelled points outside ``image_size`` (width, height) are written absent.
    """
    expected = category.schema.num_keypoints
    if inst.num_keypoints != expected:
        raise FormatError(
            f"frame {frame_index}: a {category.name!r} instance has {inst.num_keypoints} "
            f"keypoints but schema {category.schema.name!r} has {expected}")
    kps = inst.keypoints
    labelled = kps[:, 2] > Visibility.ABSENT
    labelled &= on_image(kps, *image_size)
    if min_score is not None:
        labelled &= ~(_untouched_predicted_points(inst) & (inst.scores < min_score))
    flat: list[float | int] = []
    for (x, y, v), keep in zip(kps, labelled, strict=True):
        flat.extend([round_coord(x), round_coord(y), int(v)] if keep else [0, 0, 0])
    bbox = xyxy_to_xywh(inst.box)
    if bbox[2] <= 0 or bbox[3] <= 0:
        bbox = _points_extent(kps[labelled])
        if bbox is None:
            return None
    return {
        "image_id": frame_index + IMAGE_ID_OFFSET,
        "category_id": int(category.id),
        "bbox": bbox,
        "area": round_coord(bbox[2] * bbox[3]),
        "iscrowd": 0,
        "keypoints": flat,
        "num_keypoints": int(labelled.sum()),
        "source": inst.source.value,
        "reviewed": bool(reviewed),
        "score": optional_float(inst.box_score),
        "keypoint_scores": [optional_float(s) for s in inst.scores],
        "track_id": None if inst.track_id is None else int(inst.track_id),
    }


def _untouched_predicted_points(inst: Instance) -> np.ndarray:
    """Points that still sit where the model put them (a moved point is the medic's)."""
    if inst.original is None or inst.original.keypoints.shape != inst.keypoints.shape:
        return np.zeros(inst.num_keypoints, dtype=bool)
    same_place = np.all(inst.keypoints[:, :2] == inst.original.keypoints[:, :2], axis=1)
    return same_place & np.isfinite(inst.scores)


def _points_extent(points: np.ndarray) -> list[float] | None:
    """x,y,w,h around labelled points, for a box that has no area; None if still empty."""
    if len(points) == 0:
        return None
    lo, hi = points[:, :2].min(axis=0), points[:, :2].max(axis=0)
    bbox = xyxy_to_xywh([lo[0], lo[1], hi[0], hi[1]])
    return bbox if bbox[2] > 0 and bbox[3] > 0 else None


def _write_frame_image(reader: FrameReader | None, index: int, dest: Path,
                       width: int, height: int) -> None:
    """Read frame ``index`` and save it atomically as ``dest`` (format from the suffix)."""
    import cv2  # imported here: only image export needs OpenCV

    assert reader is not None
    try:
        rgb = np.asarray(reader(index))
    except Exception as exc:  # a broken or missing media file: name the frame
        raise FormatError(f"{dest}: cannot read frame {index}: {exc}") from exc
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise FormatError(f"{dest}: frame {index} is not an RGB uint8 image "
                          f"(shape {rgb.shape}, {rgb.dtype})")
    if (rgb.shape[1], rgb.shape[0]) != (width, height):
        raise FormatError(f"{dest}: frame {index} is {rgb.shape[1]}x{rgb.shape[0]} but the "
                          f"project's media is {width}x{height}")
    params = [cv2.IMWRITE_JPEG_QUALITY, 95] if dest.suffix.lower() in (".jpg", ".jpeg") else []
    ok, encoded = cv2.imencode(dest.suffix, np.ascontiguousarray(rgb[:, :, ::-1]), params)
    if not ok:
        raise FormatError(f"{dest}: cannot encode frame {index} as {dest.suffix}")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)  # frame_name may hold sub-folders
    except OSError as exc:
        raise FormatError(f"{dest}: cannot create folder: {exc.strerror}") from exc
    atomic_write_bytes(dest, encoded.tobytes())
