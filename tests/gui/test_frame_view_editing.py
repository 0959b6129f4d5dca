"""Editing in the frame view: each gesture sends exactly one core edit, applied to a real
project through the undo stack, exactly as the main window does."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from medpose_gui.core.annotations import Source, Visibility
from medpose_gui.widgets.frame_view.context_menu import context_menu
from tests.gui.frame_view_support import (
    FRAME_H,
    FRAME_W,
    Harness,
    click,
    drag,
    make_patient,
    with_visibility,
)

LEFT_KNEE = 15


@pytest.fixture
def harness(qtbot, tmp_path):
    pred = make_patient((60, 40, 240, 330), seed=1)
    corr = with_visibility(make_patient((330, 40, 520, 330), source=Source.CORRECTED, seed=2),
                           9, Visibility.OCCLUDED)
    h = Harness(qtbot, tmp_path / "edit.medpose", [pred, corr])
    h.pred, h.corr = pred, corr
    yield h
    h.close()


def _vp(view, x, y) -> QPoint:
    return view.mapFromScene(QPointF(x, y))


def test_dragging_a_keypoint_sends_one_move_keypoint_edit_to_the_drop_position(harness):
    view, uid = harness.view, harness.pred.uid
    start_scene = view.keypoint_scene_pos(uid, LEFT_KNEE)
    start = view.mapFromScene(start_scene)
    end = start + QPoint(37, -22)
    drag(view, start, end, steps=6)

    assert len(harness.edits) == 1
    edit = harness.edits[0]
    assert edit.text == "Move left_knee" and edit.merge_key is None
    moved = view.mapToScene(end) - view.mapToScene(start)
    expected = np.array([start_scene.x() + moved.x(), start_scene.y() + moved.y()])
    stored = harness.instance(uid).keypoints[LEFT_KNEE]
    np.testing.assert_allclose(stored[:2], expected, atol=1e-9)
    drop = view.mapToScene(end)
    assert abs(stored[0] - drop.x()) < 1 and abs(stored[1] - drop.y()) < 1
    assert harness.instance(uid).source == Source.CORRECTED
    # The view shows the project's new value, and the other points did not move.
    assert view.keypoint_scene_pos(uid, LEFT_KNEE) == QPointF(*expected)
    np.testing.assert_array_equal(np.delete(harness.instance(uid).keypoints, LEFT_KNEE, 0),
                                  np.delete(harness.pred.keypoints, LEFT_KNEE, 0))


def test_a_click_on_a_keypoint_selects_it_without_editing(harness):
    view, uid = harness.view, harness.pred.uid
    click(view, view.mapFromScene(view.keypoint_scene_pos(uid, 3)))
    assert harness.edits == []
    assert view.selected_uid() == uid and view.selected_keypoint() == (uid, 3)


def test_a_keypoint_dragged_off_the_frame_stays_on_its_edge(harness):
    view, uid = harness.view, harness.pred.uid
    start = view.mapFromScene(view.keypoint_scene_pos(uid, LEFT_KNEE))
    drag(view, start, QPoint(2, view.viewport().height() - 2))  # far left, below the image
    x, y = harness.instance(uid).keypoints[LEFT_KNEE, :2]
    assert x == 0.0 and y == float(FRAME_H)


def test_resizing_a_box_by_its_corner_sends_set_box_with_the_new_corner(harness):
    view, uid = harness.view, harness.corr.uid
    view.select(uid)
    rect = view.box_scene_rect(uid)
    start = view.mapFromScene(rect.bottomRight())
    end = start + QPoint(25, 18)
    drag(view, start, end)

    assert len(harness.edits) == 1 and harness.edits[0].merge_key is None
    delta = view.mapToScene(end) - view.mapToScene(start)
    box = harness.instance(uid).box
    np.testing.assert_allclose(box, [330, 40, 520 + delta.x(), 330 + delta.y()], atol=1e-9)
    np.testing.assert_array_equal(harness.instance(uid).keypoints, harness.corr.keypoints)


def test_dragging_a_box_edge_moves_only_that_side(harness):
    view, uid = harness.view, harness.pred.uid
    rect = view.box_scene_rect(uid)
    start = _vp(view, rect.left(), rect.top() + 40)  # west edge, away from corners
    drag(view, start, start + QPoint(-20, 30))
    x1, y1, x2, y2 = harness.instance(uid).box
    assert x1 < 60 and (y1, x2, y2) == (40, 240, 330)


def test_dragging_inside_a_box_moves_it_and_keeps_its_size(harness):
    view, uid = harness.view, harness.pred.uid
    start = _vp(view, 90, 300)  # inside the box, away from points and edges
    end = start + QPoint(30, -15)
    drag(view, start, end)
    delta = view.mapToScene(end) - view.mapToScene(start)
    np.testing.assert_allclose(harness.instance(uid).box,
                               [60 + delta.x(), 40 + delta.y(), 240 + delta.x(), 330 + delta.y()])


def test_v_cycles_visible_occluded_absent_visible(harness):
    view, uid = harness.view, harness.pred.uid
    view.select_keypoint(uid, LEFT_KNEE)
    seen = []
    for _ in range(3):
        QTest.keyClick(view, Qt.Key.Key_V)
        seen.append(int(harness.instance(uid).keypoints[LEFT_KNEE, 2]))
    assert seen == [Visibility.OCCLUDED, Visibility.ABSENT, Visibility.VISIBLE]
    assert len(harness.edits) == 3
    assert harness.view.items_for(uid).markers.marker(LEFT_KNEE).shown


def test_an_absent_point_is_not_drawn_and_is_placed_by_a_click(harness):
    view, uid = harness.view, harness.pred.uid
    view.select_keypoint(uid, LEFT_KNEE)
    QTest.keyClick(view, Qt.Key.Key_V)
    QTest.keyClick(view, Qt.Key.Key_V)  # now absent
    assert not view.items_for(uid).markers.marker(LEFT_KNEE).shown

    view.begin_place_keypoint(uid, LEFT_KNEE)
    target = _vp(view, 400, 200)
    click(view, target)
    placed = harness.instance(uid).keypoints[LEFT_KNEE]
    where = view.mapToScene(target)
    assert placed[2] == Visibility.VISIBLE
    assert abs(placed[0] - where.x()) < 1e-9 and abs(placed[1] - where.y()) < 1e-9
    assert harness.edits[-1].text == "Place left_knee"
    assert view.place_target is None


def test_draw_box_mode_emits_box_drawn_once_and_ends_the_mode(harness, qtbot):
    view = harness.view
    view.set_draw_box_mode(True)
    drawn = []
    view.boxDrawn.connect(lambda *box: drawn.append(box))
    start, end = _vp(view, 560, 200), _vp(view, 700, 250)  # runs off the right edge
    with qtbot.waitSignal(view.drawBoxModeChanged):
        drag(view, start, end)
    assert len(drawn) == 1
    x1, y1, x2, y2 = drawn[0]
    s, e = view.mapToScene(start), view.mapToScene(end)
    assert (x1, y1) == (s.x(), s.y()) and (x2, y2) == (float(FRAME_W), e.y())
    assert not view.draw_box_mode and harness.edits == []


def test_a_tiny_rubber_band_is_taken_for_a_misclick(harness):
    view = harness.view
    view.set_draw_box_mode(True)
    drawn = []
    view.boxDrawn.connect(lambda *box: drawn.append(box))
    start = _vp(view, 560, 200)
    drag(view, start, start + QPoint(2, 2))
    assert drawn == [] and view.draw_box_mode


def test_delete_key_sends_one_delete_instance_edit(harness):
    view, uid = harness.view, harness.corr.uid
    view.select(uid)
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert [e.text for e in harness.edits] == ["Delete patient"]
    assert harness.instance(uid) is None
    assert view.selected_uid() is None and view.items_for(uid) is None


def test_escape_during_a_drag_puts_the_point_back_and_sends_nothing(harness):
    view, uid = harness.view, harness.pred.uid
    before = view.keypoint_scene_pos(uid, 4)
    start = view.mapFromScene(before)
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     start)
    QTest.mouseMove(view.viewport(), start + QPoint(40, 40))
    assert view.keypoint_scene_pos(uid, 4) != before  # follows the mouse
    QTest.keyClick(view, Qt.Key.Key_Escape)
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier, start + QPoint(40, 40))
    assert view.keypoint_scene_pos(uid, 4) == before and harness.edits == []


def test_context_menu_sets_visibility_and_category(harness):
    view, uid = harness.view, harness.pred.uid
    menu = context_menu(view, view.mapFromScene(view.keypoint_scene_pos(uid, 2)))
    menu.findChild(type(menu.actions()[0]), "visibility_occluded").trigger()
    assert harness.instance(uid).keypoints[2, 2] == Visibility.OCCLUDED

    menu = context_menu(view, _vp(view, 90, 300))
    menu.findChild(type(menu.actions()[0]), "category_user").trigger()
    user = harness.instance(uid)
    # A 6-point user keeps the patient's arm points, found by name.
    patient, user_schema = harness.schemas["patient"], harness.schemas["user"]
    assert user.category == "user" and user.keypoints.shape == (6, 3)
    for j, name in enumerate(user_schema.keypoints):
        np.testing.assert_array_equal(user.keypoints[j],
                                      harness.pred.keypoints[patient.index(name)])
    reestimate = []
    view.reestimateRequested.connect(reestimate.append)
    menu = context_menu(view, _vp(view, 90, 300))
    menu.findChild(type(menu.actions()[0]), "reestimate").trigger()
    assert reestimate == [uid]


def test_a_refresh_during_a_drag_keeps_it_unless_the_dragged_instance_changed(harness):
    view, uid = harness.view, harness.pred.uid
    start = view.mapFromScene(view.keypoint_scene_pos(uid, 4))
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(vp, start + QPoint(30, 0))
    harness.refresh(harness.frame)  # e.g. the timeline asked for a redraw: same values
    dragged = view.keypoint_scene_pos(uid, 4)
    assert dragged != harness.pred.keypoints[4, :2].tolist()
    assert dragged.x() > harness.pred.keypoints[4, 0]
    # Now the project changes that instance under the mouse (a background re-estimate).
    moved = harness.pred.replace(box=np.array([50, 30, 250, 340]))
    harness.project.put_instance(harness.frame, moved)
    harness.refresh(harness.frame)
    QTest.mouseMove(vp, start + QPoint(60, 0))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       start + QPoint(60, 0))
    assert harness.edits == []  # the stale drag was dropped, nothing overwrote the new box
    np.testing.assert_array_equal(harness.instance(uid).box, [50, 30, 250, 340])
