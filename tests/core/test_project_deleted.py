"""Deleted predictions in the project store (real SQLite under tmp_path): deleting an instance
that carries a model prediction keeps that prediction; putting it back, as undo does, drops
the record; a new model run records nothing."""

from __future__ import annotations

import sqlite3

import numpy as np

from medpose_gui.core import edits
from medpose_gui.core.annotations import Instance, ReviewState, Source
from medpose_gui.core.project import Project
from tests.core.project_helpers import new_project, predicted


def test_deleting_a_predicted_instance_keeps_its_prediction_until_undo(tmp_path):
    with new_project(tmp_path / "a.medpose") as project:
        first, second = predicted(1), predicted(2)
        project.store_predictions({3: [first, second]}, model_ids={"detector": 1})
        delete = edits.delete_instance(3, first)
        delete.apply(project)
        (record,) = project.deleted_predictions()
        frame, gone = record
        assert frame == 3 and gone.uid == first.uid and gone.category == "patient"
        assert gone.original == first.original and gone.source == Source.PREDICTED
        np.testing.assert_array_equal(gone.box, first.original.box)

        delete.revert(project)  # undo puts the same uid back
        assert project.deleted_predictions() == []
        assert [i.uid for i in project.instances(3)] == [first.uid, second.uid]

        delete.apply(project)  # redo records it again
        assert [i.uid for _, i in project.deleted_predictions()] == [first.uid]


def test_deleted_corrected_instance_records_the_models_prediction_not_the_correction(tmp_path):
    with new_project(tmp_path / "a.medpose") as project:
        inst = predicted(4)
        project.store_predictions({0: [inst]})
        moved = inst.keypoints.copy()
        moved[:, 0] += 25.0
        corrected = inst.replace(keypoints=moved, source=Source.CORRECTED)
        project.put_instance(0, corrected)
        manual = Instance.manual("patient", [10, 10, 90, 90], 21)
        project.put_instance(0, manual)
        assert project.remove_instance(0, corrected.uid)
        assert project.remove_instance(0, manual.uid)  # no prediction: nothing to record
        ((frame, gone),) = project.deleted_predictions()
    assert frame == 0 and gone.uid == inst.uid
    np.testing.assert_array_equal(gone.keypoints, inst.original.keypoints)
    assert gone.original == inst.original and gone.box_score == inst.original.box_score


def test_deleted_predictions_survive_reopen_and_filter_by_frame(tmp_path):
    path = tmp_path / "a.medpose"
    insts = {f: predicted(10 + f) for f in (2, 5, 7)}
    with new_project(path) as project:
        project.store_predictions({f: [i] for f, i in insts.items()})
        for f in (7, 2):
            project.remove_instance(f, insts[f].uid)
    with Project.open(path) as project:
        assert [(f, i.uid) for f, i in project.deleted_predictions()] == [
            (2, insts[2].uid), (7, insts[7].uid)]
        ((_, gone),) = project.deleted_predictions(frame=7)
        assert gone.original == insts[7].original
        assert project.deleted_predictions(frame=5) == []


def test_new_model_run_records_no_deletions_and_keeps_earlier_ones(tmp_path):
    with new_project(tmp_path / "a.medpose") as project:
        old = [predicted(20), predicted(21)]
        project.store_predictions({1: old, 2: [predicted(22)]})
        project.remove_instance(1, old[0].uid)
        # A second run replaces the untouched predictions of frames 1 and 2.
        rerun = {1: [predicted(23)], 2: [predicted(24), predicted(25)]}
        assert project.store_predictions(rerun).frames == [1, 2]
        assert len(project.instances(2)) == 2 and project.instances(1) == rerun[1]
        assert [(f, i.uid) for f, i in project.deleted_predictions()] == [(1, old[0].uid)]


def test_format_1_file_without_the_table_opens_and_records_deletions(tmp_path):
    path = tmp_path / "early.medpose"
    inst = predicted(30)
    with new_project(path) as project:
        project.store_predictions({0: [inst]})
        project.set_review_state(0, ReviewState.IN_PROGRESS)
    conn = sqlite3.connect(path)  # as written before the table existed
    conn.execute("DROP TABLE deleted_predictions")
    conn.commit()
    conn.close()
    with Project.open(path) as project:
        assert project.deleted_predictions() == []
        assert project.remove_instance(0, inst.uid)
    with Project.open(path) as project:
        assert [i.uid for _, i in project.deleted_predictions()] == [inst.uid]
        assert project.review_state(0) == ReviewState.IN_PROGRESS


def test_bulk_replacement_without_a_medics_judgement_records_nothing(tmp_path):
    with new_project(tmp_path / "a.medpose") as project:
        inst = predicted(5)
        project.store_predictions({2: [inst]})
        assert project.remove_instance(2, inst.uid, record_deletion=False)
        assert project.instances(2) == []
        assert project.deleted_predictions() == []
