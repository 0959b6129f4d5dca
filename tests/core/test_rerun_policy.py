"""The re-run policy: a second model run never damages the medic's work (real SQLite)."""

from __future__ import annotations

import numpy as np
import pytest

from medpose_gui.core.annotations import Instance, ReviewState, Source
from medpose_gui.core.project import ProjectError
from medpose_gui.core.rerun_policy import admit_predictions, box_iou, match_one_to_one
from tests.core.project_helpers import new_project, predicted


def at(box, seed: int = 0, category: str = "patient") -> Instance:
    """A prediction with a chosen box (points random but reproducible)."""
    k = 21 if category == "patient" else 6
    rng = np.random.default_rng(seed)
    xys = np.column_stack([rng.uniform(0, 640, k), rng.uniform(0, 480, k), rng.uniform(0, 1, k)])
    return Instance.from_prediction(category, box, 0.9, xys)


def test_box_iou_of_known_boxes():
    iou = box_iou(np.array([[0, 0, 10, 10]]), np.array([[0, 0, 10, 10], [5, 0, 15, 10],
                                                         [20, 20, 30, 30]]))
    np.testing.assert_allclose(iou, [[1.0, 50 / 150, 0.0]])


def test_a_corrected_person_claims_only_the_best_matching_new_box():
    corrected = at([100, 100, 200, 300]).replace(box=np.array([100.0, 100, 210, 300]))
    beside = at([130, 100, 230, 300], seed=1)  # IoU 0.54 with the corrected person
    same = at([102, 101, 201, 299], seed=2)
    admission = admit_predictions([beside, same], [corrected], [])
    assert admission.admitted == [beside] and admission.covered_by_medic == 1
    assert match_one_to_one([same], [at([100, 100, 200, 300], category="user")]) == []


def test_rerun_drops_predictions_of_corrected_drawn_and_deleted_persons(tmp_path):
    with new_project(tmp_path / "p.medpose") as project:
        first = [at([0, 0, 100, 200], 1), at([300, 0, 400, 200], 2), at([500, 0, 600, 200], 3),
                 at([0, 250, 100, 450], 4)]
        project.store_predictions({5: first})
        corrected = first[0].replace(box=np.array([0.0, 0, 110, 210]))
        project.put_instance(5, corrected)
        project.remove_instance(5, first[1].uid)
        drawn = Instance.manual("patient", [200, 250, 300, 450], 21)
        project.put_instance(5, drawn)

        rerun = [at([1, 1, 101, 201], 11), at([301, 1, 401, 201], 12),
                 at([501, 1, 601, 201], 13), at([199, 251, 301, 449], 14)]
        stored = project.store_predictions({5: rerun})

        assert stored.covered_by_medic == 2 and stored.deleted_by_medic == 1
        assert sorted(stored.replaced) == sorted([first[2].uid, first[3].uid])
        now = project.instances(5)
        assert [i.uid for i in now] == [corrected.uid, drawn.uid, rerun[2].uid]
        assert now[0] == corrected and now[1] == drawn
        assert [i.source for i in now] == [Source.CORRECTED, Source.MANUAL, Source.PREDICTED]


def test_rerun_leaves_an_approved_frame_exactly_as_it_was(tmp_path):
    with new_project(tmp_path / "p.medpose") as project:
        project.store_predictions({2: [predicted(1)], 3: [predicted(2)]})
        project.set_review_state(2, ReviewState.APPROVED)
        before = project.instances(2)
        stored = project.store_predictions({2: [predicted(3)], 3: [predicted(4)]})
        assert stored.frames == [3] and stored.skipped_approved == 1
        assert project.instances(2) == before


def test_putting_back_a_prediction_that_a_run_replaced_is_refused(tmp_path):
    with new_project(tmp_path / "p.medpose") as project:
        old = predicted(1)
        project.store_predictions({0: [old]})
        project.store_predictions({0: [predicted(2)]})
        with pytest.raises(ProjectError, match="replaced by a model run"):
            project.put_instance(0, old.replace(box=np.array([1.0, 1, 50, 50])))
        assert len(project.instances(0)) == 1


def test_frames_predicted_by_counts_frames_without_detections_and_only_the_same_models(tmp_path):
    models_a, models_b = {"detector": "aaa"}, {"detector": "bbb"}
    with new_project(tmp_path / "p.medpose") as project:
        project.store_predictions({0: [predicted(1)], 1: []}, model_ids=models_a)
        project.store_predictions({2: [predicted(2)]}, model_ids=models_b)
        assert project.frames_predicted_by(models_a) == {0, 1}
        assert project.frames_predicted_by(models_b) == {2}
        assert project.frames_predicted_by({"detector": "ccc"}) == set()
