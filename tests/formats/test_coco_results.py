"""COCO results lists: accepted by COCO.loadRes and scored by COCOeval; the detected-boxes
list in the reference top-down tester's format."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest
from pycocotools.coco import COCO

from medpose_gui.core import edits
from medpose_gui.evaluation.coco_metrics import load_results, run_cocoeval
from medpose_gui.formats import export_coco_keypoints, export_coco_results
from tests.formats.project_builder import populated_project


@pytest.fixture
def project(tmp_path):
    proj = populated_project(tmp_path / "clip.medpose")
    yield proj
    proj.close()


def _evaluate(gt_path, results, iou_type, sigmas=None) -> float:
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(gt_path))
    return run_cocoeval(gt, load_results(gt, results), iou_type, sigmas=sigmas)["AP"]


def test_keypoint_results_of_the_current_values_score_ap_one(project, tmp_path):
    gt = tmp_path / "gt.json"
    export_coco_keypoints(project, gt, category="patient")
    results = export_coco_results(project, tmp_path / "res.json", category="patient",
                                  use_original=False)
    assert json.loads((tmp_path / "res.json").read_text()) == results
    assert {len(r["keypoints"]) for r in results} == {63}
    ap = _evaluate(gt, results, "keypoints", project.schema_for("patient").sigmas)
    assert ap == pytest.approx(1.0)


def test_original_predictions_score_below_one_after_a_correction(project, tmp_path):
    """The model's output, scored against the medic's corrections, loses AP only where the
    medic changed it: move every point of the approved frame-7 prediction and re-score."""
    inst = project.instances(7)[0]
    kps = inst.keypoints.copy()
    kps[:, 0] += 30.0
    edits.set_pose(7, inst, np.column_stack([kps[:, :2], inst.scores])).apply(project)
    gt = tmp_path / "gt.json"
    export_coco_keypoints(project, gt, category="patient")
    results = export_coco_results(project, tmp_path / "res.json", category="patient")
    # manual-free frames: all 5 patient instances have a prediction
    assert len(results) == 5
    sigmas = project.schema_for("patient").sigmas
    assert _evaluate(gt, results, "keypoints", sigmas) < 1.0
    current = export_coco_results(project, tmp_path / "cur.json", category="patient",
                                  use_original=False)
    assert _evaluate(gt, current, "keypoints", sigmas) == pytest.approx(1.0)


def test_results_without_category_carry_each_category_id(project, tmp_path):
    results = export_coco_results(project, tmp_path / "res.json")
    # the manual user of frame 0 has no prediction and is left out
    assert sorted({(r["category_id"], len(r["keypoints"])) for r in results}) == [(1, 63), (2, 18)]
    assert len(results) == 7


def test_detection_results_score_bbox_ap_one(project, tmp_path):
    gt = tmp_path / "gt.json"
    export_coco_keypoints(project, gt)
    results = export_coco_results(project, tmp_path / "det.json", use_original=False)
    assert _evaluate(gt, [{k: r[k] for k in ("image_id", "category_id", "bbox", "score")}
                          for r in results], "bbox") == pytest.approx(1.0)


def test_boxes_only_is_the_reference_detected_boxes_format(project, tmp_path):
    out = tmp_path / "boxes.json"
    results = export_coco_results(project, out, boxes_only=True)
    assert json.loads(out.read_text()) == results
    assert len(results) == 5  # patient predictions only by default
    for r in results:
        assert set(r) == {"image_id", "category_id", "bbox", "score"}
        assert r["category_id"] == 1 and isinstance(r["score"], float)
        assert len(r["bbox"]) == 4 and r["bbox"][2] > 0 and r["bbox"][3] > 0
    inst = project.instances(7)[0]
    row = next(r for r in results if r["image_id"] == 8)
    x1, y1, x2, y2 = inst.original.box
    assert row["bbox"] == pytest.approx([x1, y1, x2 - x1, y2 - y1], abs=1e-3)
    assert row["score"] == inst.original.box_score
    users = export_coco_results(project, tmp_path / "u.json", boxes_only=True, category="user")
    assert len(users) == 2 and {r["category_id"] for r in users} == {1}
