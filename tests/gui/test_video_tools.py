"""The video tools through the real window: track colours, solo, lanes, go to frame, range
approval, interpolation, track edits, propagation with the fixture pose model, triage."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from medpose_gui.app import MainWindow
from medpose_gui.core import edits
from medpose_gui.core.annotations import ReviewState, Source
from medpose_gui.core.track_colors import track_rgb
from medpose_gui.core.track_index import Lane
from tests.gui.video_window_support import (
    SHIFT_PX,
    Answers,
    person,
    snapshot,
    tracked_video_project,
)
from tests.gui.window_support import make_settings, wait_frame

N = 12


@pytest.fixture
def window(qtbot, tmp_path):
    path = tracked_video_project(tmp_path, N)
    w = MainWindow(settings=make_settings(tmp_path), show_first_run=False, preload_models=False)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    assert w.open_path(str(path))
    wait_frame(qtbot, w, 0)
    qtbot.waitUntil(lambda: w.tracks.index is not None and w.tracks.triage is not None,
                    timeout=10000)
    w.video_tools.ask = Answers()
    yield w
    w.close()


def _press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    window.frame_view.setFocus()
    QTest.keyClick(window.frame_view, key, modifier)


def _select(window, frame, track):
    inst = person(window.project, frame, track)
    window.frame_view.select(inst.uid)
    window.frame_view.selectionChanged.emit(inst.uid)
    return inst


def _step(qtbot, window, frame):
    window.go_to(frame)
    wait_frame(qtbot, window, frame)


def test_each_track_has_one_colour_in_the_view_the_inspector_and_its_lane(window):
    for inst in window.project.instances(0):
        items = window.frame_view.items_for(inst.uid)
        assert items.box._pen.color() == QColor(*track_rgb(inst.track_id))
    rows = window.panel._rows
    assert [rows.data(rows.index(r), Qt.ItemDataRole.DecorationRole) for r in range(2)] == \
        [QColor(*track_rgb(i.track_id)) for i in window.project.instances(0)]
    assert "#1" in rows.data(rows.index(0), Qt.ItemDataRole.DisplayRole)
    lanes = window.timeline.lanes
    assert lanes.tracks == [1, 2]
    image = lanes.lane_image.image  # (tracks, frames, RGBA)
    assert tuple(image[0, 3, :3]) == track_rgb(1) and tuple(image[1, 3, :3]) == track_rgb(2)


def test_solo_shows_only_the_selected_persons_track_on_every_frame(qtbot, window):
    one = _select(window, 0, 1)
    _press(qtbot, window, Qt.Key.Key_S)
    shown = {uid for uid, items in window.frame_view.displayed_items() if items.visible}
    assert shown == {one.uid} and window.actions["actionSoloTrack"].isChecked()
    _step(qtbot, window, 3)
    shown = {items.inst.track_id for _, items in window.frame_view.displayed_items()
             if items.visible}
    assert shown == {1}
    window.actions["actionSoloTrack"].trigger()
    assert len([1 for _, it in window.frame_view.displayed_items() if it.visible]) == 2


def test_go_to_frame_and_a_range_approval_undone_in_one_step(qtbot, window):
    window.video_tools.ask.frame_answer = 7
    _press(qtbot, window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    wait_frame(qtbot, window, 7)
    before = snapshot(window.project)
    window.video_tools.ask.range_answer = (2, 9, None)
    _press(qtbot, window, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    assert all(window.project.review_state(f) == ReviewState.APPROVED for f in range(2, 10))
    assert window.project.review_state(10) == ReviewState.UNREVIEWED
    window.actions["actionUndo"].trigger()
    assert snapshot(window.project) == before


def _make_keyframes(window, frames, track=1, grow=20.0):
    for f in frames:
        inst = person(window.project, f, track)
        window.edits.push(edits.set_box(f, inst, inst.box + [-grow, -grow, grow, grow],
                                        merge=False))


def test_interpolate_split_and_merge_are_each_one_undo_step(qtbot, window):
    _make_keyframes(window, (2, 8))
    _step(qtbot, window, 5)
    _select(window, 5, 1)
    before, steps = snapshot(window.project), window.edits.stack.count()
    _press(qtbot, window, Qt.Key.Key_I, Qt.KeyboardModifier.ShiftModifier)
    assert window.edits.stack.count() == steps + 1
    filled = [person(window.project, f, 1) for f in range(3, 8)]
    assert all(p.source == Source.INTERPOLATED for p in filled)
    assert window.tracks.index.lane(1)[5] == Lane.FILLED
    window.actions["actionUndo"].trigger()
    assert snapshot(window.project) == before

    _press(qtbot, window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)  # split at 5
    assert window.project.track_span(1) == (0, 4)
    new = next(t for t in window.tracks.tracks_at(5) if t not in (1, 2))
    assert window.project.track_span(new) == (5, N - 1)
    _step(qtbot, window, 2)
    _select(window, 2, 1)
    window.video_tools.ask.merge_answer = new
    _press(qtbot, window, Qt.Key.Key_M,
           Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert [c[0] for c in window.video_tools.ask.merge_candidates] == [new]
    assert window.project.track_span(1) == (0, N - 1)
    window.actions["actionUndo"].trigger()  # the merge
    window.actions["actionUndo"].trigger()  # the split
    assert snapshot(window.project) == before


def test_setting_a_track_from_here_on_swaps_the_two_tracks(qtbot, window):
    _step(qtbot, window, 6)
    one = _select(window, 6, 1)
    window.video_tools.ask.track_answer = (2, True)
    _press(qtbot, window, Qt.Key.Key_T)
    assert window.project.instance(6, one.uid).track_id == 2
    assert person(window.project, 11, 2).box[0] > person(window.project, 11, 1).box[0]
    assert person(window.project, 5, 1).uid != person(window.project, 5, 2).uid


def _wait_propagation(qtbot, window, timeout=60000):
    qtbot.waitUntil(lambda: not window.inference.propagating
                    and window.propagation.last_result is not None, timeout=timeout)


def test_propagate_forward_runs_the_pose_model_and_is_one_undo_step(qtbot, window):
    _make_keyframes(window, (0,))
    corrected = person(window.project, 0, 1)
    _select(window, 0, 1)
    before, steps = snapshot(window.project), window.edits.stack.count()
    _press(qtbot, window, Qt.Key.Key_P)
    assert window.inference.propagating and window.actions["actionCancelInference"].isEnabled()
    _wait_propagation(qtbot, window)
    result = window.propagation.last_result
    assert result.frames_done == N - 1 and not result.error
    for f in range(1, N):
        p = person(window.project, f, 1)
        assert p.source == Source.PROPAGATED
        np.testing.assert_allclose(p.box, corrected.box + [SHIFT_PX * f, 0] * 2)
        assert np.all(np.isfinite(p.scores))  # the model's scores, not copies
    assert window.edits.stack.count() == steps + 1
    assert window.tracks.index.lane(1)[6] == Lane.FILLED
    window.actions["actionUndo"].trigger()
    assert snapshot(window.project) == before


def test_esc_stops_a_propagation_and_the_frames_done_stay_one_step(qtbot, window):
    _make_keyframes(window, (0,))
    _select(window, 0, 1)
    before, steps = snapshot(window.project), window.edits.stack.count()
    stored = []
    window.inference.propagationStored.connect(
        lambda f, _e: (stored.append(f), len(stored) == 2
                       and window.actions["actionCancelInference"].trigger()))
    _press(qtbot, window, Qt.Key.Key_P)
    _wait_propagation(qtbot, window)
    result = window.propagation.last_result
    assert result.cancelled and 2 <= result.frames_done < N - 1
    assert window.edits.stack.count() == steps + 1
    window.actions["actionUndo"].trigger()
    assert snapshot(window.project) == before


def test_the_next_frame_that_needs_a_look_is_where_a_point_jumps(qtbot, window):
    inst = person(window.project, 6, 2)
    x, y = inst.keypoints[9, :2]
    window.edits.push(edits.move_keypoint(6, inst, 9, x + 150, y))
    qtbot.waitUntil(lambda: window.tracks.triage is not None
                    and window.tracks.triage.score[6] >= 0.5, timeout=10000)
    _press(qtbot, window, Qt.Key.Key_J)
    wait_frame(qtbot, window, 6)
    assert "keypoint" in window.status.currentMessage()


def test_the_trajectory_plot_shows_the_track_and_a_click_on_a_jump_goes_there(qtbot, window):
    inst = person(window.project, 6, 2)
    window.edits.push(edits.move_keypoint(6, inst, 9, inst.keypoints[9, 0] + 150,
                                          inst.keypoints[9, 1]))
    window.actions["actionTrajectoryPlot"].trigger()
    assert window.trajectory_dock.isVisible()
    _select(window, 0, 2)
    plot = window.trajectory
    qtbot.waitUntil(lambda: plot.track == 2 and plot.jump_frames() == [6], timeout=10000)
    assert plot.keypoint.currentIndex() == 9  # the point that jumps most is chosen
    qtbot.wait(50)
    widget = plot.x_axis.widget
    vb = widget.getPlotItem().getViewBox()
    spot = plot.x_axis.jumps.points()[0].pos()
    at = widget.mapFromScene(vb.mapViewToScene(QPointF(spot.x(), spot.y())))
    QTest.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=at)
    wait_frame(qtbot, window, 6)


def test_propagate_n_frames_backward_from_the_dialog(qtbot, window):
    _step(qtbot, window, 8)
    _make_keyframes(window, (8,))
    _select(window, 8, 1)
    window.propagation.ask = Answers(propagation_answer=(-1, 3))
    _press(qtbot, window, Qt.Key.Key_P,
           Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    _wait_propagation(qtbot, window)
    assert window.propagation.last_result.group.frames == [5, 6, 7]
    assert person(window.project, 4, 1).source == Source.PREDICTED


def test_deleting_weak_detections_in_a_range_is_one_undo_step(qtbot, window):
    weak = person(window.project, 4, 2)
    window.project.put_instance(4, weak.replace(box_score=0.5, source=Source.PREDICTED))
    before, steps = snapshot(window.project), window.edits.stack.count()
    window.video_tools.ask.range_answer = (0, N - 1, 0.8)
    _press(qtbot, window, Qt.Key.Key_Delete,
           Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert [i.track_id for i in window.project.instances(4)] == [1]
    assert len(window.project.instances(5)) == 2 and window.edits.stack.count() == steps + 1
    window.actions["actionUndo"].trigger()
    assert snapshot(window.project) == before
