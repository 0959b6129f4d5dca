"""Model-quality report on real projects (SQLite under tmp_path): predictions stored with
store_predictions, corrections made with core.edits, frames approved; pycocotools does the
AP/AR arithmetic, the expected values come from the edits made."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from medpose_gui.core import edits
from medpose_gui.core.annotations import Instance, Visibility
from medpose_gui.evaluation import evaluate_frames, evaluate_project
from tests.cli_runner import run_cli
from tests.formats.project_builder import empty_project
from tests.review_helpers import K, approve, move_point, only_patient, spread_patient


def _user(x0: float) -> Instance:
    xys = np.column_stack([x0 + 4.0 * np.arange(6), np.full(6, 30.0), np.full(6, 0.8)])
    return Instance.from_prediction("user", [x0 - 5, 20, x0 + 30, 40], 0.85, xys)


def _apply(project, edit: edits.Edit) -> None:
    edit.apply(project)


def test_moved_keypoints_give_their_mean_errors_and_correction_rates(tmp_path):
    with empty_project(tmp_path / "p.medpose") as project:
        project.store_predictions({0: [spread_patient(20, 20, 0.9, low_points=[20])],
                                   1: [spread_patient(40, 30, 0.95, low_points=[20])],
                                   2: [spread_patient(30, 30, 0.9)]})
        move_point(project, 0, 3, 3.0, 4.0)  # 5 px
        move_point(project, 0, 7, 0.3, 0.3)  # 0.42 px: within the tolerance, not a correction
        move_point(project, 0, 20, 0.0, 0.0)  # placing a point predicted absent
        move_point(project, 1, 3, -6.0, 8.0)  # 10 px
        _apply(project, edits.set_visibility(1, only_patient(project, 1), 5, Visibility.OCCLUDED))
        move_point(project, 2, 0, 100.0, 0.0)  # frame 2 is not approved: not counted
        approve(project, 0, 1)
        report = evaluate_project(project)

    arrays = report.per_keypoint_error()
    assert arrays.names[3] == "chest" and len(arrays.names) == K
    expected_mean = np.zeros(K)
    expected_mean[3] = (5.0 + 10.0) / 2
    expected_mean[7] = math.hypot(0.3, 0.3) / 2
    expected_mean[20] = np.nan  # never labelled in both
    np.testing.assert_allclose(arrays.mean_px, expected_mean, rtol=1e-12, atol=1e-12)
    expected_points = np.full(K, 2)
    expected_points[20] = 0
    np.testing.assert_array_equal(arrays.num_points, expected_points)
    expected_rate = np.zeros(K)
    expected_rate[3] = 1.0  # moved in both frames
    expected_rate[5] = 0.5  # visibility changed in one of two
    expected_rate[20] = 1.0  # placed once; absent in both on frame 1, so not compared there
    np.testing.assert_allclose(arrays.correction_rate, expected_rate)
    assert arrays.num_compared[20] == 1 and arrays.num_compared[0] == 2
    assert report.correction_rate == pytest.approx(4 / (2 * 20 + 1))
    assert report.mean_error_px == pytest.approx((15.0 + math.hypot(0.3, 0.3)) / 40)
    c = report.counts
    assert (c.approved_frames, c.instances, c.predicted, c.untouched, c.corrected, c.manual,
            c.deleted_predictions) == (2, 2, 2, 0, 2, 0, 0)
    # One point off by 10 px of 20 still leaves OKS above the strictest threshold, 0.95.
    assert report.keypoint_metrics["AP"] == pytest.approx(1.0)
    assert report.box_metrics["AP"] == pytest.approx(1.0)  # boxes were not touched


def test_pose_shifted_to_known_oks_is_matched_only_at_lower_thresholds(tmp_path):
    # Every point moved by d: OKS = exp(-d^2 / (2 * area * (2 * sigma)^2)) with the schema's
    # sigma 0.067 and the 130 x 90 box area (COCO's OKS definition). Choose d for OKS 0.62:
    # a match at the thresholds 0.50, 0.55, 0.60 and a miss at the 7 above.
    area, sigma, oks = 130.0 * 90.0, 0.067, 0.62
    d = math.sqrt(-math.log(oks) * 2 * area * (2 * sigma) ** 2)
    with empty_project(tmp_path / "p.medpose") as project:
        project.store_predictions({0: [spread_patient(20, 20, 0.9)]})
        inst = only_patient(project, 0)
        shifted = inst.keypoints.copy()
        shifted[:, 0] += d * 0.6
        shifted[:, 1] += d * 0.8
        shifted[:, 2] = inst.scores
        _apply(project, edits.set_pose(0, inst, shifted, text="Medic moved every point"))
        approve(project, 0)
        report = evaluate_project(project)
    assert report.keypoint_metrics["AP"] == pytest.approx(0.3)
    assert report.keypoint_metrics["AR"] == pytest.approx(0.3)
    assert report.keypoint_metrics["AP50"] == pytest.approx(1.0)
    assert report.keypoint_metrics["AP75"] == pytest.approx(0.0)
    np.testing.assert_allclose(report.per_keypoint_error().mean_px, np.full(K, d))
    assert report.correction_rate == 1.0


def test_untouched_predictions_score_perfect_keypoint_and_box_ap_ar(tmp_path):
    with empty_project(tmp_path / "p.medpose") as project:
        project.store_predictions({
            0: [spread_patient(10, 10, 0.9), spread_patient(150, 100, 0.8), _user(250)],
            1: [spread_patient(20, 40, 0.97, low_points=[2, 9])],
            4: [spread_patient(60, 60, 0.85), _user(200)],
            5: [spread_patient(60, 60, 0.85)]})  # not approved
        approve(project, 0, 1, 4, 6)  # 6: approved, empty
        report = evaluate_project(project)
        user_report = evaluate_project(project, category="user")

    for metrics in (report.keypoint_metrics, report.box_metrics, user_report.keypoint_metrics):
        assert metrics["AP"] == pytest.approx(1.0) and metrics["AP50"] == pytest.approx(1.0)
    assert report.keypoint_metrics["AR"] == pytest.approx(1.0)
    assert report.box_metrics["AR100"] == pytest.approx(1.0)
    assert (report.counts.approved_frames, report.counts.instances,
            report.counts.untouched) == (4, 4, 4)
    assert user_report.counts.instances == 2 and len(user_report.keypoint_names) == 6
    np.testing.assert_array_equal(report.per_keypoint_error().mean_px, np.zeros(K))
    assert report.correction_rate == 0.0


def test_manual_instance_is_a_missed_detection_that_lowers_box_ap_and_ar(tmp_path):
    with empty_project(tmp_path / "p.medpose") as project:
        project.store_predictions({0: [spread_patient(10, 10, 0.9)],
                                   1: [spread_patient(10, 10, 0.8)]})
        missed = Instance.manual("patient", [180, 120, 300, 230], K)
        kps = missed.keypoints.copy()
        kps[:5] = [[200, 130, 2], [210, 140, 2], [220, 150, 2], [230, 160, 1], [240, 170, 2]]
        _apply(project, edits.add_instance(1, missed.replace(keypoints=kps)))
        approve(project, 0, 1)
        report = evaluate_project(project)

    assert report.counts.manual == 1 and report.counts.instances == 3
    # 2 of 3 ground-truth boxes found, both ranked first: COCO AP integrates precision 1 over
    # the recall thresholds 0, 0.01, ..., 0.66 (67 of 101) and 0 beyond.
    assert report.box_metrics["AP"] == pytest.approx(67 / 101)
    assert report.box_metrics["AR100"] == pytest.approx(2 / 3)
    assert report.keypoint_metrics["AP"] == pytest.approx(67 / 101)
    assert report.keypoint_metrics["AR"] == pytest.approx(2 / 3)


def test_prediction_deleted_on_approved_frame_is_a_false_detection_until_undone(tmp_path):
    with empty_project(tmp_path / "p.medpose") as project:
        project.store_predictions({0: [spread_patient(10, 10, 0.9)],
                                   1: [spread_patient(10, 10, 0.95)]})
        deleted = only_patient(project, 1)
        delete = edits.delete_instance(1, deleted)
        _apply(project, delete)
        approve(project, 0, 1)
        stored = evaluate_project(project)
        given = evaluate_frames(project.iter_frames(), project.category("patient"),
                                deleted={1: [deleted]})
        unknown = evaluate_frames(project.iter_frames(), project.category("patient"))
        delete.revert(project)  # undo: the prediction is back and accepted
        undone = evaluate_project(project)
        records_after_undo = project.deleted_predictions()

    # The project keeps the deleted prediction: scored 0.95 it ranks above the only true
    # detection, so precision is 1/2 at every recall threshold.
    for report in (stored, given):
        assert report.counts.deleted_predictions == 1
        assert report.box_metrics["AP"] == pytest.approx(0.5)
        assert report.box_metrics["AR100"] == pytest.approx(1.0)
        assert report.keypoint_metrics["AP"] == pytest.approx(0.5)
    assert "deleted predictions: 1" in stored.format_table()
    assert unknown.counts.deleted_predictions is None
    assert "deleted predictions: unknown" in unknown.format_table()
    assert unknown.box_metrics["AP"] == pytest.approx(1.0)
    assert records_after_undo == []
    assert undone.counts.deleted_predictions == 0 and undone.counts.instances == 2
    assert undone.box_metrics["AP"] == pytest.approx(1.0)


def test_prediction_deleted_on_unapproved_frame_is_not_counted(tmp_path):
    with empty_project(tmp_path / "p.medpose") as project:
        project.store_predictions({0: [spread_patient(10, 10, 0.9)],
                                   1: [spread_patient(10, 10, 0.95)]})
        _apply(project, edits.delete_instance(1, only_patient(project, 1)))
        approve(project, 0)
        report = evaluate_project(project)
    assert report.counts.deleted_predictions == 0
    assert report.box_metrics["AP"] == pytest.approx(1.0)


def test_no_approved_frames_gives_no_metrics(tmp_path):
    with empty_project(tmp_path / "p.medpose") as project:
        project.store_predictions({0: [spread_patient(10, 10, 0.9)]})
        report = evaluate_project(project)
    assert report.counts.approved_frames == 0
    assert report.keypoint_metrics["AP"] is None and report.box_metrics["AR100"] is None
    assert np.isnan(report.per_keypoint_error().mean_px).all()
    assert report.to_dict()["mean_error_px"] is None


def test_evaluate_command_prints_table_and_writes_json(tmp_path, capsys):
    path = tmp_path / "p.medpose"
    with empty_project(path) as project:
        project.store_predictions({0: [spread_patient(10, 10, 0.9)]})
        move_point(project, 0, 3, 3.0, 4.0)
        approve(project, 0)
    out_json = tmp_path / "report.json"
    code, out, err = run_cli(["evaluate", str(path), "--json", str(out_json)], capsys)
    assert code == 0, err
    chest = next(line for line in out.splitlines() if line.startswith("chest "))
    assert chest.split() == ["chest", "1", "5.00", "5.00", "100.0%", "1"]
    doc = json.loads(out_json.read_text())
    assert doc["per_keypoint"][3] == {"id": 3, "name": "chest", "mean_error_px": 5.0,
                                      "median_error_px": 5.0, "num_points": 1,
                                      "correction_rate": 1.0, "num_compared": 1,
                                      "num_corrected": 1}
    assert doc["counts"]["corrected"] == 1 and doc["box_metrics"]["AP"] == pytest.approx(1.0)


def test_evaluate_command_reports_bad_input_without_traceback(tmp_path, capsys):
    path = tmp_path / "p.medpose"
    empty_project(path).close()
    code, _, err = run_cli(["evaluate", str(path), "--category", "dog"], capsys)
    assert code == 2 and err.startswith("error: ") and "no category 'dog'" in err
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    code, _, err = run_cli(["evaluate", str(text)], capsys)
    assert code == 2 and "notes.txt: not a medpose project" in err
