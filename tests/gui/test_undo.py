"""EditCommand on a real Project: undo/redo restore exact values; nudges merge."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtTest import QTest

from medpose_gui.core import edits
from medpose_gui.core.annotations import ReviewState, Source, Visibility
from medpose_gui.core.project import MediaInfo, Project
from medpose_gui.widgets.controllers.undo import EditCommand
from tests.gui.frame_view_support import Harness, make_patient

FRAME = 3


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "undo.medpose",
                       MediaInfo("/data/clip.mp4", "fp", 10, 25.0, 640, 360))
    yield p
    p.close()


def _state(project):
    return project.instances(FRAME), project.review_state(FRAME)


def _assert_same(a, b):
    (insts_a, review_a), (insts_b, review_b) = a, b
    assert review_a == review_b
    assert sorted(insts_a, key=lambda i: i.uid) == sorted(insts_b, key=lambda i: i.uid)


def _edits(inst, other):
    return {
        "move": edits.move_keypoint(FRAME, inst, 4, 101.25, 202.5),
        "visibility": edits.set_visibility(FRAME, inst, 7, Visibility.OCCLUDED),
        "box": edits.set_box(FRAME, inst, (10, 20, 300, 330.5), merge=False),
        "pose": edits.set_pose(FRAME, inst, np.full((21, 3), 0.5) * [400, 300, 1]),
        "delete": edits.delete_instance(FRAME, inst),
        "add": edits.add_instance(FRAME, other),
        "review": edits.set_review_state(FRAME, ReviewState.UNREVIEWED, ReviewState.APPROVED),
    }


@pytest.mark.parametrize("name", ["move", "visibility", "box", "pose", "delete", "add", "review"])
def test_undo_and_redo_restore_exact_project_values(project, name):
    inst = make_patient((60, 40, 240, 330), seed=1)
    other = make_patient((330, 40, 520, 330), seed=2)
    project.put_instance(FRAME, inst)
    before = _state(project)
    applied = []
    stack = QUndoStack()
    edit = _edits(inst, other)[name]
    stack.push(EditCommand(project, edit, applied.append))
    after = _state(project)
    assert after != before or name == "review"
    stack.undo()
    _assert_same(_state(project), before)
    stack.redo()
    _assert_same(_state(project), after)
    assert applied == [FRAME, FRAME, FRAME] and stack.undoText() == edit.text


def test_keyboard_nudges_of_one_point_are_one_undo_step(project):
    inst = make_patient((60, 40, 240, 330), seed=1)
    project.put_instance(FRAME, inst)
    stack = QUndoStack()
    x, y = inst.keypoints[4, :2]
    for step in range(1, 4):
        current = project.instance(FRAME, inst.uid)
        stack.push(EditCommand(project, edits.move_keypoint(FRAME, current, 4, x + step, y)))
    assert stack.count() == 1
    assert project.instance(FRAME, inst.uid).keypoints[4, 0] == x + 3
    stack.undo()
    assert project.instance(FRAME, inst.uid) == inst


def test_two_drags_of_one_point_are_two_undo_steps(project):
    inst = make_patient((60, 40, 240, 330), seed=1)
    project.put_instance(FRAME, inst)
    stack = QUndoStack()
    for x in (150.0, 160.0):
        current = project.instance(FRAME, inst.uid)
        edit = edits.move_keypoint(FRAME, current, 4, x, 100.0)
        stack.push(EditCommand(project, edits.Edit(edit.frame, edit.text, edit.changes)))
    assert stack.count() == 2
    stack.undo()
    assert project.instance(FRAME, inst.uid).keypoints[4, 0] == 150.0


def test_nudging_a_point_back_where_it_was_leaves_no_undo_step(project):
    # Corrected already: a predicted one would stay "corrected", a real change.
    inst = make_patient((60, 40, 240, 330), source=Source.CORRECTED, seed=1)
    project.put_instance(FRAME, inst)
    stack = QUndoStack()
    x, y = inst.keypoints[4, :2]
    for nx in (x + 1, x):
        current = project.instance(FRAME, inst.uid)
        stack.push(EditCommand(project, edits.move_keypoint(FRAME, current, 4, nx, y)))
    assert stack.count() == 0
    np.testing.assert_array_equal(project.instance(FRAME, inst.uid).keypoints, inst.keypoints)


def test_alt_arrows_in_the_view_nudge_and_merge(qtbot, tmp_path):
    inst = make_patient((60, 40, 240, 330), seed=1)
    h = Harness(qtbot, tmp_path / "nudge.medpose", [inst])
    try:
        h.view.select_keypoint(inst.uid, 4)
        alt = Qt.KeyboardModifier.AltModifier
        for _ in range(3):
            QTest.keyClick(h.view, Qt.Key.Key_Right, alt)
        QTest.keyClick(h.view, Qt.Key.Key_Down, alt | Qt.KeyboardModifier.ShiftModifier)
        x, y = inst.keypoints[4, :2]
        np.testing.assert_allclose(h.instance(inst.uid).keypoints[4, :2], [x + 3, y + 10])
        assert h.stack.count() == 1
        h.stack.undo()
        assert h.instance(inst.uid) == inst
        assert h.view.keypoint_scene_pos(inst.uid, 4).x() == x  # the view followed the undo
    finally:
        h.close()


def test_a_group_of_many_frames_is_one_step_and_a_run_drops_it_only_for_its_persons(
        project, qtbot):
    from medpose_gui.core.bulk_edits import approve_range
    from medpose_gui.core.edits import EditGroup
    from medpose_gui.widgets.controllers.edits import EditController

    persons = {f: make_patient((60 + f, 40, 240 + f, 330), seed=f) for f in range(5)}
    for f, inst in persons.items():
        project.put_instance(f, inst)
    controller = EditController()
    controller.set_project(project)
    changed = []
    controller.framesChanged.connect(changed.append)
    moved = EditGroup("Move five", [edits.set_box(f, inst, inst.box + 3, merge=False)
                                    for f, inst in persons.items()])
    controller.push(moved)
    controller.push(approve_range(project, 0, 4))
    assert controller.stack.count() == 2 and changed == [[0, 1, 2, 3, 4]] * 2
    assert project.review_state(2) == ReviewState.APPROVED
    assert project.review_state(1) == ReviewState.APPROVED
    controller.stack.undo()
    controller.stack.undo()
    assert all(project.instance(f, i.uid) == i for f, i in persons.items())
    controller.stack.redo()
    assert controller.forget_persons([persons[3].uid]) == 1  # the approval stays undoable
    assert controller.stack.count() == 1 and controller.stack.index() == 0
