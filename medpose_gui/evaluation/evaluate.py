"""Compare the models' original predictions with the medic's accepted values on approved frames.

Ground truth is what the medic approved (current values, manual instances included); the
detections are the predictions as the models made them (:attr:`Instance.original`, scored by
the box score). Keypoint AP/AR use OKS with the schema's sigmas; box AP/AR the detector's boxes.
As in COCO, an accepted instance without any labelled point (e.g. a manual box whose points
were never placed) is ignored by the keypoint metrics but counts in the box metrics. Given the
image size, points outside the image count as absent, as the export writes them
(:mod:`medpose_gui.core.image_bounds`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from medpose_gui.core.annotations import FrameAnnotations, Instance, ReviewState, Source
from medpose_gui.core.boxes import xyxy_to_xywh
from medpose_gui.core.image_bounds import labelled_on_image
from medpose_gui.core.reference import REFERENCE_CATEGORIES
from medpose_gui.core.schema import Category
from medpose_gui.evaluation.coco_metrics import coco_evaluate
from medpose_gui.evaluation.corrections import MOVE_TOLERANCE_PX, CorrectionTally
from medpose_gui.evaluation.report import Counts, KeypointErrorArrays, QualityReport


def _image_id(frame: int) -> int:
    return frame + 1  # COCO image ids are frame index + 1 (DESIGN.md conventions)


def _ground_truth(frame: int, inst: Instance, category_id: int,
                  image_size: tuple[int, int] | None) -> tuple[dict, dict]:
    """(keypoint annotation, box annotation) of an accepted instance."""
    box = xyxy_to_xywh(inst.box)
    labelled = (inst.keypoints[:, 2] > 0 if image_size is None
                else labelled_on_image(inst.keypoints, *image_size))
    kps = np.where(labelled[:, None], inst.keypoints, 0.0)  # COCO: unlabelled points are 0,0,0
    common = {"image_id": _image_id(frame), "category_id": category_id, "bbox": box,
              "area": box[2] * box[3]}
    return ({**common, "keypoints": np.nan_to_num(kps).ravel().tolist(),
             "num_keypoints": int(labelled.sum())}, dict(common))


def _detection(frame: int, inst: Instance, category_id: int) -> tuple[dict, dict]:
    """(keypoint result, box result) of the model's original prediction."""
    pred = inst.original
    assert pred is not None
    box = xyxy_to_xywh(pred.box)
    # COCO results carry x, y, score per point; COCOeval uses x, y only.
    kps = np.column_stack([pred.keypoints[:, :2], np.nan_to_num(pred.scores)])
    common = {"image_id": _image_id(frame), "category_id": category_id, "bbox": box,
              "area": box[2] * box[3], "score": float(pred.box_score)}
    return {**common, "keypoints": np.nan_to_num(kps).ravel().tolist()}, dict(common)


def evaluate_frames(frames: Iterable[FrameAnnotations], category: Category, *,
                    project: str = "", deleted: Mapping[int, Sequence[Instance]] | None = None,
                    move_tolerance_px: float = MOVE_TOLERANCE_PX,
                    image_size: tuple[int, int] | None = None) -> QualityReport:
    """The report for ``category`` over the approved ``frames``.

    ``image_size``: (width, height) of the frames; points outside count as absent (in the
    ground truth and in the correction counts), as the export writes them. None: every
    labelled point counts wherever it lies.

    ``deleted``: per frame, predicted instances the medic deleted (they count as the model's
    detections, usually false ones); None when they are not known (the count is then
    reported as unknown).
    """
    schema = category.schema
    cat = {"id": category.id, "name": category.name, "keypoints": list(schema.keypoints),
           "skeleton": [[a + 1, b + 1] for a, b in schema.edges]}
    image_ids: list[int] = []
    gt_kps, gt_boxes, dt_kps, dt_boxes = [], [], [], []
    tally = CorrectionTally(schema.num_keypoints)
    counts = dict.fromkeys(("instances", "predicted", "untouched", "corrected", "manual"), 0)
    num_deleted = 0
    for frame in frames:
        if frame.review != ReviewState.APPROVED:
            continue
        image_ids.append(_image_id(frame.index))
        for inst in frame.instances:
            if inst.category != category.name:
                continue
            counts["instances"] += 1
            kp, box = _ground_truth(frame.index, inst, category.id, image_size)
            gt_kps.append(kp)
            gt_boxes.append(box)
            if inst.original is None:
                counts["manual"] += 1
                continue
            counts["predicted"] += 1
            counts["untouched" if inst.source == Source.PREDICTED else "corrected"] += 1
            kp, box = _detection(frame.index, inst, category.id)
            dt_kps.append(kp)
            dt_boxes.append(box)
            tally.add(inst, move_tolerance_px, image_size)
        for gone in (deleted or {}).get(frame.index, ()):
            if gone.category == category.name and gone.original is not None:
                num_deleted += 1
                kp, box = _detection(frame.index, gone, category.id)
                dt_kps.append(kp)
                dt_boxes.append(box)
    keypoint_metrics = coco_evaluate("keypoints", image_ids, cat, gt_kps, dt_kps, schema.sigmas)
    box_metrics = coco_evaluate("bbox", image_ids, cat, gt_boxes, dt_boxes)
    return QualityReport(
        project=project, category=category.name, schema=schema.name,
        keypoint_names=schema.keypoints,
        counts=Counts(approved_frames=len(image_ids), **counts,
                      deleted_predictions=None if deleted is None else num_deleted),
        keypoint_metrics=keypoint_metrics, box_metrics=box_metrics,
        keypoints=_keypoint_arrays(schema.keypoints, tally), move_tolerance_px=move_tolerance_px)


def _keypoint_arrays(names: tuple[str, ...], tally: CorrectionTally) -> KeypointErrorArrays:
    errors = tuple(tally.error_arrays())
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(tally.compared > 0, tally.corrected / np.maximum(tally.compared, 1),
                        np.nan)
    return KeypointErrorArrays(
        names=tuple(names),
        mean_px=np.array([e.mean() if e.size else np.nan for e in errors]),
        median_px=np.array([np.median(e) if e.size else np.nan for e in errors]),
        num_points=np.array([e.size for e in errors], dtype=np.int64),
        correction_rate=rate, num_compared=tally.compared.copy(),
        num_corrected=tally.corrected.copy(), errors=errors)


def evaluate_project(project, *, category: str = REFERENCE_CATEGORIES[0],
                     move_tolerance_px: float = MOVE_TOLERANCE_PX) -> QualityReport:
    """The quality report of ``project`` (an open :class:`~medpose_gui.core.project.Project`).

    The predictions the medic deleted (:meth:`Project.deleted_predictions`) on approved frames
    count as the model's detections there, so a deleted false detection lowers the AP.
    """
    cat = project.category(category)  # raises ProjectError listing the categories
    deleted: dict[int, list[Instance]] = {}
    for frame, inst in project.deleted_predictions():
        deleted.setdefault(frame, []).append(inst)  # evaluate_frames reads approved frames only
    return evaluate_frames(project.iter_frames(), cat, project=str(project.path),
                           deleted=deleted, move_tolerance_px=move_tolerance_px,
                           image_size=(int(project.media.width), int(project.media.height)))
