"""The small things a medic trips over in the first hour (issue 14): the real window, its
real widgets and project, driven as a user would."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from medpose_gui.core.annotations import Instance, Visibility
from medpose_gui.runs.service import RunReport
from medpose_gui.widgets.frame_view.context_menu import context_menu
from medpose_gui.widgets.panels.status_bar import ReviewStatusBar
from medpose_gui.widgets.panels.timeline import Timeline
from tests.gui.window_support import wait_frame
from tests.media.video_factory import make_indexed_video


@pytest.fixture
def video(tmp_path):
    return make_indexed_video(tmp_path / "clip.mp4", 6, size=(320, 240))


def _person(window) -> Instance:
    """A predicted patient on frame 0, shown and selected in the frame view and inspector."""
    t = np.linspace(0.1, 0.9, 21)
    xys = np.column_stack([40 + t * 120, 30 + t * 160, np.full(21, 0.9)])
    inst = Instance.from_prediction("patient", (40, 30, 160, 190), 0.95, xys)
    window.project.store_predictions({0: [inst]})
    window.display.refresh_annotations()
    return inst


def test_v_and_alt_arrows_act_on_a_point_chosen_in_the_inspector(window, qtbot, video):
    assert window.open_path(str(video))
    wait_frame(qtbot, window, 0)
    inst = _person(window)
    panel = window.panel
    panel.list.setCurrentIndex(panel.list.model().index(0))  # the medic picks the person...
    assert window.frame_view.selected_uid() == inst.uid
    panel.table.setFocus()
    panel.table.selectRow(2)  # ...and a point in the table, not in the image
    assert window.frame_view.selected_keypoint() == (inst.uid, 2)

    QTest.keyClick(panel.table, Qt.Key.Key_V)
    assert window.project.instance(0, inst.uid).keypoints[2, 2] == Visibility.OCCLUDED
    x = window.project.instance(0, inst.uid).keypoints[2, 0]
    QTest.keyClick(panel.table, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    QTest.keyClick(panel.table, Qt.Key.Key_Right,
                   Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.project.instance(0, inst.uid).keypoints[2, 0] == pytest.approx(x + 11)
    assert panel.table.currentRow() == 2  # the point stays chosen while it is edited
    assert window.current_frame == 0  # Alt+Right moved the point, not the frame
    QTest.keyClick(panel.table, Qt.Key.Key_Down)  # plain arrows still walk the table
    assert panel.table.currentRow() == 3


def test_the_shortcut_sheet_lists_the_selected_point_keys(window):
    sheet = window.show_shortcuts()
    rows = {sheet.table.item(r, 2).text(): sheet.table.item(r, 1).text()
            for r in range(sheet.table.rowCount())}
    assert "visible → occluded → absent" in rows["V"]
    assert "one image pixel" in rows["Alt+arrows, Alt+Shift+arrows"]
    sheet.close()


def test_the_context_menu_and_the_edit_menu_say_delete_person(window, qtbot, video):
    assert window.open_path(str(video))
    wait_frame(qtbot, window, 0)
    inst = _person(window)
    fv = window.frame_view
    menu = context_menu(fv, fv.mapFromScene(fv.box_scene_rect(inst.uid).center()))
    delete = next(a for a in menu.actions() if a.objectName() == "delete")
    edit_menu = window.actions["actionDeleteInstance"].text().replace("&", "")
    assert delete.text() == edit_menu == "Delete person"


def test_the_run_summary_stays_until_the_next_run(window):
    report = RunReport(frames_asked=12, frames_to_compute=10, frames_done=10, seconds=3.7,
                       device="cpu")
    window.runs.report_finished(report)
    status = window.status
    expected = "inference finished: 10 / 10 frames in 3.7 s on cpu (2 approved"
    assert status.hover_label.text().startswith(expected)
    status.showMessage("a menu's tip", 1)  # a passing message, as a menu hover shows
    status.set_hover("nose 0.93 visible")
    status.set_hover("")
    QTest.qWait(30)
    assert status.hover_label.text().startswith(expected)  # still there, no timeout
    window._run_started_or_ended(True)  # the next run starts
    assert status.note == ""


def test_a_written_export_says_where_and_how_much(window, qtbot, tmp_path, video):
    from medpose_gui.widgets.dialogs.coco_export_dialog import CocoOptions

    assert window.open_path(str(video))
    wait_frame(qtbot, window, 0)
    _person(window)
    out = tmp_path / "out" / "train.json"
    task = window.exporter.export_coco(CocoOptions(str(out)))
    qtbot.waitUntil(lambda: task.done, timeout=20000)
    assert window.status.note == f"COCO export written: {out}: 1 images, 1 annotations"
    task = window.exporter.export_bbox(str(tmp_path / "boxes.json"))
    qtbot.waitUntil(lambda: task.done, timeout=20000)
    assert window.status.note.endswith("boxes.json: 1 images, 1 boxes")


def test_open_frame_folder_starts_where_the_last_media_were_opened(window, qtbot, video,
                                                                   monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    assert window.open_path(str(video))  # e.g. from the command line or Open recent
    asked = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda _parent, _title, start: asked.append(start) or "")
    window.actions["actionOpenFolder"].trigger()
    assert asked == [str(video.parent)]


def test_the_status_bar_progress_text_fits_on_one_line(qtbot):
    status = ReviewStatusBar()
    qtbot.addWidget(status)
    status.show_progress(True)
    status.set_progress(123, 4567, 60.0)
    bar = status.progress
    assert bar.text() == "inference 123 / 4567"
    widest = bar.fontMetrics().horizontalAdvance("inference 4567 / 4567")
    assert bar.minimumWidth() >= widest + 16


def test_the_timeline_without_media_says_what_goes_there(qtbot):
    timeline = Timeline()
    qtbot.addWidget(timeline)
    item = timeline.plot.getPlotItem()
    assert timeline.empty_text.isVisible() and "Open a video" in timeline.empty_text.toPlainText()
    assert not item.getAxis("bottom").isVisible() and not timeline.cursor.isVisible()
    timeline.set_media(30, 25.0)
    assert not timeline.empty_text.isVisible()
    assert item.getAxis("bottom").isVisible() and timeline.cursor.isVisible()
    assert item.viewRange()[0] == pytest.approx([-0.5, 29.5])
    timeline.set_media(0, 0.0)  # the project closed
    assert timeline.empty_text.isVisible() and not timeline.cursor.isVisible()


def test_timeline_lane_rows_do_not_shrink_while_scrubbing_and_reset_with_new_media(qtbot):
    timeline = Timeline()
    qtbot.addWidget(timeline)
    timeline.set_media(30, 25.0)
    item = timeline.plot.getPlotItem()
    no_lanes_top = item.viewRange()[1][1]
    lane = np.zeros(30, np.int8)
    timeline.set_lanes([1, 2, 3], [lane] * 3, [(255, 0, 0)] * 3)
    three_top = item.viewRange()[1][1]
    assert three_top > no_lanes_top
    labels = [text for _, text in item.getAxis("left")._tickLevels[0]]
    assert {"#1", "#2", "#3"} <= set(labels)
    timeline.set_lanes([2], [lane], [(0, 255, 0)])  # a frame with one person
    assert item.viewRange()[1][1] == pytest.approx(three_top)  # the rows stay
    labels = [text for _, text in item.getAxis("left")._tickLevels[0]]
    assert "#2" in labels and "#1" not in labels and "#3" not in labels
    timeline.set_media(30, 25.0)  # other media: the rows start over
    timeline.set_lanes([], [], [])
    assert item.viewRange()[1][1] == pytest.approx(no_lanes_top)
