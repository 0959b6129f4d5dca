"""Edit operations on a real project: apply then revert restores exactly; predictions survive."""

import numpy as np
import pytest

from medpose_gui.core import edits
from medpose_gui.core.annotations import Instance, ReviewState, Source, Visibility
from medpose_gui.core.project import Project
from medpose_gui.core.schema import Category, default_categories, load_schema
from tests.core.project_helpers import media_info, predicted


@pytest.fixture
def project(tmp_path):
    categories = [*default_categories(), Category(3, "bystander", load_schema("medic_casualty"))]
    proj = Project.create(tmp_path / "edits.medpose", media_info(), categories)
    proj.store_predictions({3: [predicted(1), predicted(2), predicted(3, "user", 6)]})
    yield proj
    proj.close()


def _snapshot(project, frame=3):
    fa = project.frame(frame)
    return fa.review, list(fa.instances)


def _factories(project):
    a, b, u = project.instances(3)
    new_pose = np.column_stack([np.arange(21.0), np.arange(21.0) * 2, np.full(21, 0.5)])
    return {
        "move_keypoint": edits.move_keypoint(3, a, 4, 10.5, 20.25, "stomach"),
        "set_visibility": edits.set_visibility(3, a, 0, Visibility.OCCLUDED),
        "cycle_visibility": edits.cycle_visibility(3, b, 2),
        "set_pose": edits.set_pose(3, a, new_pose),
        "set_box": edits.set_box(3, u, [50, 60, 10, 20]),
        "set_category": edits.set_category(3, b, "bystander"),
        "set_category_schema": edits.set_category(3, u, "patient", project.schema_for("user"),
                                                  project.schema_for("patient")),
        "add_instance": edits.add_instance(3, Instance.manual("user", [1, 2, 3, 4], 6)),
        "delete_instance": edits.delete_instance(3, b),  # middle one: order must come back
        "copy_instances": edits.copy_instances(3, [a, u]),
        "set_review_state": edits.set_review_state(3, ReviewState.UNREVIEWED,
                                                   ReviewState.APPROVED),
    }


@pytest.mark.parametrize("name", ["move_keypoint", "set_visibility", "cycle_visibility",
                                  "set_pose", "set_box", "set_category", "set_category_schema",
                                  "add_instance",
                                  "delete_instance", "copy_instances", "set_review_state"])
def test_apply_then_revert_restores_the_frame_exactly(project, name):
    before = _snapshot(project)
    edit = _factories(project)[name]
    edit.apply(project)
    assert _snapshot(project) != before, "the edit changed nothing"
    edit.revert(project)
    assert _snapshot(project) == before
    edit.apply(project)  # redo after undo gives the same result again
    after = _snapshot(project)
    edit.revert(project)
    edit.apply(project)
    assert _snapshot(project) == after


def test_edits_keep_the_original_prediction(project):
    a = project.instances(3)[0]
    original = a.original
    edits.move_keypoint(3, a, 0, 1.0, 2.0).apply(project)
    edits.set_box(3, project.instance(3, a.uid), [0, 0, 5, 5]).apply(project)
    stored = project.instance(3, a.uid)
    assert stored.source == Source.CORRECTED
    assert stored.original == original
    assert not np.array_equal(stored.keypoints, original.keypoints)


def test_drag_steps_merge_into_one_edit(project):
    a = project.instances(3)[0]
    first = edits.move_keypoint(3, a, 5, 100.0, 100.0)
    first.apply(project)
    second = edits.move_keypoint(3, project.instance(3, a.uid), 5, 110.0, 120.0)
    second.apply(project)
    merged = first.merged_with(second)
    assert merged is not None
    assert merged.changes[0].before == a
    assert tuple(project.instance(3, a.uid).keypoints[5, :2]) == (110.0, 120.0)
    merged.revert(project)
    assert project.instance(3, a.uid) == a
    other_point = edits.move_keypoint(3, a, 6, 1.0, 1.0)
    assert first.merged_with(other_point) is None


def test_cycle_visibility_walks_visible_occluded_absent(project):
    inst = project.instances(3)[0]
    inst = inst.replace(keypoints=np.column_stack([inst.keypoints[:, :2], np.full(21, 2.0)]))
    project.put_instance(3, inst)
    seen = []
    for _ in range(3):
        edits.cycle_visibility(3, inst, 7).apply(project)
        inst = project.instance(3, inst.uid)
        seen.append(Visibility(int(inst.keypoints[7, 2])))
    assert seen == [Visibility.OCCLUDED, Visibility.ABSENT, Visibility.VISIBLE]


def test_set_category_between_schemas_carries_points_by_name(project):
    user = project.instances(3)[2]
    user_schema, patient_schema = project.schema_for("user"), project.schema_for("patient")
    edits.set_category(3, user, "patient", user_schema, patient_schema).apply(project)
    moved = project.instance(3, user.uid)
    assert moved.category == "patient" and moved.num_keypoints == 21
    for i, point in enumerate(user_schema.keypoints):
        j = patient_schema.index(point)
        assert np.array_equal(moved.keypoints[j], user.keypoints[i])
        assert moved.scores[j] == user.scores[i]
    assert (moved.keypoints[patient_schema.index("nose")] == 0).all()
    assert moved.original == user.original  # the prediction is kept as it was
