"""The main window's behaviour, driven through its real actions, widgets and project file."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QDropEvent, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from medpose_gui.app import MainWindow
from medpose_gui.core.annotations import Instance, ReviewState, Source
from medpose_gui.core.project import Project
from medpose_gui.widgets.dialogs.coco_export_dialog import CocoOptions
from medpose_gui.widgets.dialogs.shortcuts_dialog import ShortcutsDialog
from medpose_gui.widgets.settings import AppSettings
from medpose_gui.widgets.window.actions import ACTION_SPECS
from tests.gui.window_support import (
    DETECTOR_CONFIG,
    POSE_WEIGHTS,
    make_fixture_video,
    make_settings,
    wait_frame,
)
from tests.media.video_factory import make_frame_folder, make_indexed_video, read_index

REQUIRED_NAMES = ("actionOpen", "actionRunInference", "actionCancelInference", "actionUndo",
                  "actionRedo", "actionApproveFrame", "actionExportCoco", "actionNextFrame",
                  "actionPrevFrame")


@pytest.fixture
def video(tmp_path):
    return make_indexed_video(tmp_path / "clip.mp4", 30, size=(320, 240))


def _predicted(box, score: float) -> Instance:
    """A patient as the model would give it: 21 points inside ``box`` scored ``score``."""
    x1, y1, x2, y2 = box
    t = np.linspace(0.1, 0.9, 21)
    xys = np.column_stack([x1 + t * (x2 - x1), y1 + t * (y2 - y1), np.full(21, score)])
    return Instance.from_prediction("patient", box, 0.95, xys)


def _shown_index(window) -> int:
    return read_index(window.navigator.image)  # the array the window handed to the frame view


# -- actions and help ------------------------------------------------------------------

def test_every_action_has_a_tooltip_and_a_shortcut_or_menu_entry(window):
    in_menus = set()
    for menu_action in window.menuBar().actions():
        stack = [menu_action.menu()]
        while stack:
            menu = stack.pop()
            for action in menu.actions():
                in_menus.add(action)
                if action.menu() is not None:
                    stack.append(action.menu())
    checked = 0
    for action in window.findChildren(QAction):
        if action.isSeparator() or action.menu() is not None or action.parent() is not window \
                and action not in in_menus:
            continue  # separators, submenu titles, widget-internal actions
        checked += 1
        assert action.toolTip().strip(), action.objectName() or action.text()
        assert action.shortcuts() or action in in_menus, action.objectName()
        for key in action.shortcuts():
            assert key.toString(QKeySequence.SequenceFormat.NativeText) in action.toolTip(), \
                (action.objectName(), action.toolTip())
    assert checked >= len(ACTION_SPECS)
    for name in REQUIRED_NAMES:
        assert window.findChild(QAction, name) is not None, name
    assert window.objectName() == "mainWindow"
    assert window.findChild(type(window.frame_view), "frameView") is window.frame_view
    assert window.timeline.objectName() == "timeline"


def test_shortcut_sheet_is_generated_from_the_actions(window, qtbot):
    window.actions["actionShortcuts"].trigger()
    sheet = window.findChild(ShortcutsDialog)
    assert sheet is not None and sheet.isVisible()
    table = sheet.table
    rows = {table.item(r, 1).text(): table.item(r, 2).text() for r in range(table.rowCount())}
    for action in window.actions.all():
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        if keys:
            assert rows[action.text().replace("&", "")] == ", ".join(keys)
    assert "Ctrl+Shift+Z" in rows["Redo"] and "Ctrl+Y" in rows["Redo"]


def test_first_run_opens_the_models_dialog_once_and_never_blocks(qtbot, tmp_path):
    from medpose_gui.widgets.dialogs.models_dialog import ModelsDialog

    settings = make_settings(tmp_path, first_run_done=False)
    first = MainWindow(settings=settings, preload_models=False)
    qtbot.addWidget(first)
    dialog = first.findChild(ModelsDialog, "modelsDialog")
    assert dialog is not None and dialog.isVisible() and dialog.intro.isVisible()
    assert "Welcome" in dialog.intro.text() and "medpose-gui infer" in dialog.intro.text()
    assert first.findChild(QMessageBox) is None  # one dialog, no separate welcome box
    dialog.reject()
    first.close()
    second = MainWindow(settings=settings, preload_models=False)
    qtbot.addWidget(second)
    assert second.findChild(ModelsDialog) is None


def test_settings_file_from_environment_is_used(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "env_settings.ini"
    monkeypatch.setenv("MEDPOSE_SETTINGS", str(path))
    w = MainWindow(show_first_run=False, preload_models=False)
    qtbot.addWidget(w)
    models = w.settings.models()
    models.detection_threshold = 0.55
    w.settings.set_models(models)
    assert AppSettings(QSettings(str(path), QSettings.Format.IniFormat)).models() \
        .detection_threshold == pytest.approx(0.55)


# -- opening and persistence -------------------------------------------------------------

def test_opening_a_video_creates_its_project_and_reopening_shows_the_same_frame(qtbot, tmp_path, video):
    settings = make_settings(tmp_path)
    w = MainWindow(settings=settings, show_first_run=False, preload_models=False)
    qtbot.addWidget(w)
    assert w.open_path(str(video))
    assert (tmp_path / "clip.medpose").is_file()
    wait_frame(qtbot, w, 0)
    w.go_to(17)
    wait_frame(qtbot, w, 17)
    assert _shown_index(w) == 17
    w.close()
    assert AppSettings(settings).recent_files()[0] == str(video.resolve())

    again = MainWindow(settings=settings, show_first_run=False, preload_models=False)
    qtbot.addWidget(again)
    assert again.open_path(str(video))  # the video again: its existing project is reopened
    wait_frame(qtbot, again, 17)
    assert _shown_index(again) == 17
    again.close()


def test_a_frame_folder_opens_with_its_project_beside_it(window, qtbot, tmp_path):
    make_frame_folder(tmp_path / "frames", 12)
    assert window.open_path(str(tmp_path / "frames"))
    assert (tmp_path / "frames.medpose").is_file()
    window.go_to(11)
    wait_frame(qtbot, window, 11)
    assert _shown_index(window) == 11


def test_moved_media_are_relinked_only_after_the_fingerprint_check(qtbot, tmp_path, video):
    settings = make_settings(tmp_path)
    w = MainWindow(settings=settings, show_first_run=False, preload_models=False)
    qtbot.addWidget(w)
    assert w.open_path(str(video))
    w.close()
    moved = tmp_path / "elsewhere" / "renamed.mp4"
    moved.parent.mkdir()
    shutil.move(video, moved)
    other = make_indexed_video(tmp_path / "other.mp4", 5, size=(320, 240))

    w2 = MainWindow(settings=settings, show_first_run=False, preload_models=False)
    qtbot.addWidget(w2)
    w2.sessions.ask_relink_path = lambda project: str(other)
    w2.sessions.confirm = lambda text: False  # the user declines linking different content
    assert not w2.open_path(str(tmp_path / "clip.medpose"))
    assert "fingerprint" in w2.last_error
    w2.sessions.ask_relink_path = lambda project: str(moved)
    assert w2.open_path(str(tmp_path / "clip.medpose"))
    assert w2.project.media.path == str(moved)
    wait_frame(qtbot, w2, 0)
    w2.close()


def test_dropping_a_video_on_the_window_opens_it(window, qtbot, video):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(video))])
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)  # QApplication drops synthetic drop events without a drag manager
    qtbot.waitUntil(lambda: window.project is not None, timeout=10000)
    assert window.project.media.num_frames == 30


def test_save_as_copies_the_project_and_continues_in_the_copy(window, qtbot, tmp_path, video):
    window.open_path(str(video))
    window.project.store_predictions({3: [_predicted((10, 10, 100, 200), 0.9)]})
    window.go_to(3)
    wait_frame(qtbot, window, 3)
    copy = tmp_path / "copy.medpose"
    assert window.sessions.save_as(str(copy))
    assert window.project.path == copy
    assert len(window.project.instances(3)) == 1
    wait_frame(qtbot, window, 3)
    window.edits.delete(3, window.project.instances(3)[0].uid)
    with Project.open(tmp_path / "clip.medpose") as original:
        assert len(original.instances(3)) == 1  # edits after Save as go to the copy only


# -- navigation ---------------------------------------------------------------------------

def test_frame_keys_move_by_one_and_by_ten(window, qtbot, video):
    window.open_path(str(video))
    wait_frame(qtbot, window, 0)
    window.activateWindow()
    window.frame_view.setFocus()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    QTest.keyClick(window.frame_view, Qt.Key.Key_Right)
    wait_frame(qtbot, window, 1)
    QTest.keyClick(window.frame_view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    wait_frame(qtbot, window, 11)
    QTest.keyClick(window.frame_view, Qt.Key.Key_Left)
    wait_frame(qtbot, window, 10)
    window.actions["actionLastFrame"].trigger()
    wait_frame(qtbot, window, 29)
    window.actions["actionNextFrame"].trigger()  # clamped at the end
    wait_frame(qtbot, window, 29)
    assert _shown_index(window) == 29


def test_fast_scrubbing_settles_on_the_latest_frame(window, qtbot, video):
    window.open_path(str(video))
    wait_frame(qtbot, window, 0)
    for i in range(0, 30, 3):
        window.timeline.frameRequested.emit(i)
    window.timeline.frameRequested.emit(22)
    wait_frame(qtbot, window, 22)
    assert _shown_index(window) == 22
    assert window.timeline.label.text().startswith("  frame 22 / 29")


def test_n_and_l_jump_to_unreviewed_and_low_confidence_frames(window, qtbot, video):
    window.open_path(str(video))
    project = window.project
    project.store_predictions({i: [_predicted((20, 20, 120, 200), 0.9)] for i in range(30)})
    project.store_predictions({12: [_predicted((20, 20, 120, 200), 0.2)]})
    for i in range(0, 5):
        project.set_review_state(i, ReviewState.APPROVED)
    window.display.refresh_summary()
    wait_frame(qtbot, window, 0)
    window.actions["actionNextUnreviewed"].trigger()
    wait_frame(qtbot, window, 5)
    window.actions["actionNextLowConfidence"].trigger()
    wait_frame(qtbot, window, 12)


def test_timeline_tracks_show_the_project_and_a_click_jumps_there(window, qtbot, video):
    window.open_path(str(video))
    window.project.store_predictions({8: [_predicted((20, 20, 120, 200), 0.7)] * 1})
    window.project.set_review_state(2, ReviewState.APPROVED)
    window.display.refresh_summary()
    x, y = window.timeline.count_curve.getData()
    assert y[8] > y[7]  # one person on frame 8, none on 7
    sx, sy = window.timeline.score_curve.getData()
    assert np.isfinite(sy[8]) and np.isnan(sy[7])
    review_rgba = window.timeline.review_bar.image[0]
    assert tuple(review_rgba[2][:3]) != tuple(review_rgba[3][:3])
    plot = window.timeline.plot
    vb = plot.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: plot.isVisible(), timeout=3000)
    scene_pt = vb.mapViewToScene(QPointF(20, 1.5))
    QTest.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     plot.mapFromScene(scene_pt))
    wait_frame(qtbot, window, 20)


def test_play_advances_frames_and_space_pauses(window, qtbot, video):
    window.open_path(str(video))
    wait_frame(qtbot, window, 0)
    window.actions["actionPlay"].trigger()
    qtbot.waitUntil(lambda: window.current_frame >= 5, timeout=10000)
    window.actions["actionPlay"].trigger()
    stopped = window.current_frame
    qtbot.wait(300)
    assert window.current_frame <= stopped + 1


# -- editing ------------------------------------------------------------------------------

def test_drawn_box_becomes_a_manual_person_whose_pose_is_estimated_undoably(window, qtbot, video):
    window.open_path(str(video))
    wait_frame(qtbot, window, 0)
    view = window.frame_view
    window.actions["actionDrawBox"].trigger()
    assert view.draw_box_mode
    start, end = view.mapFromScene(QPointF(60, 40)), view.mapFromScene(QPointF(220, 230))
    with qtbot.waitSignal(window.inference.poseReady, timeout=60000):
        QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
        for i in range(1, 6):
            QTest.mouseMove(view.viewport(), start + (end - start) * i / 5)
        QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
        (inst,) = window.project.instances(0)
        assert inst.source == Source.MANUAL and (inst.keypoints[:, 2] == 0).all()
    qtbot.waitUntil(lambda: (window.project.instances(0)[0].keypoints[:, 2] > 0).all(), timeout=5000)
    posed = window.project.instances(0)[0]
    assert np.isfinite(posed.scores).all() and posed.uid == inst.uid
    assert window.project.review_state(0) == ReviewState.IN_PROGRESS
    window.actions["actionUndo"].trigger()  # the pose
    assert (window.project.instances(0)[0].keypoints[:, 2] == 0).all()
    window.actions["actionUndo"].trigger()  # the box
    assert window.project.instances(0) == []
    assert window.project.review_state(0) == ReviewState.UNREVIEWED


def test_copy_previous_frame_and_delete_are_edits(window, qtbot, video):
    window.open_path(str(video))
    window.project.store_predictions({4: [_predicted((20, 20, 120, 200), 0.9),
                                          _predicted((150, 30, 300, 220), 0.8)]})
    window.go_to(5)
    wait_frame(qtbot, window, 5)
    window.actions["actionCopyPrevious"].trigger()
    copies = window.project.instances(5)
    assert len(copies) == 2 and all(c.source == Source.MANUAL for c in copies)
    window.frame_view.select(copies[0].uid)
    window.actions["actionDeleteInstance"].trigger()
    assert len(window.project.instances(5)) == 1
    window.actions["actionUndo"].trigger()
    assert len(window.project.instances(5)) == 2


def test_stored_results_are_drawn_unless_the_user_moved_on(window, qtbot, video):
    window.open_path(str(video))
    window.go_to(3)
    wait_frame(qtbot, window, 3)
    first = _predicted((20, 20, 120, 200), 0.9)
    written = window.project.store_predictions({3: [first]}).frames
    window.inference.predictionsStored.emit(written)  # as the controller does after a flush
    qtbot.waitUntil(lambda: [u for u, _ in window.frame_view.displayed_items()] == [first.uid],
                    timeout=3000)
    # Results read for frame 3, then the user goes to frame 4 before they are drawn.
    later = _predicted((40, 40, 150, 210), 0.8)
    window.project.store_predictions({3: [later]})
    window.display.show_new_results()
    window.go_to(4)
    wait_frame(qtbot, window, 4)
    qtbot.wait(50)
    assert list(window.frame_view.displayed_items()) == []  # frame 4 has nobody
    assert window.panel.selected_uid() == ""


def test_approve_is_undoable_and_moves_to_the_next_frame(window, qtbot, video):
    window.open_path(str(video))
    wait_frame(qtbot, window, 0)
    window.actions["actionApproveFrame"].trigger()
    wait_frame(qtbot, window, 1)
    assert window.project.review_state(0) == ReviewState.APPROVED
    qtbot.waitUntil(lambda: "approved 1 / 30" in window.status.counts_label.text(), timeout=3000)
    window.actions["actionUndo"].trigger()
    assert window.project.review_state(0) == ReviewState.UNREVIEWED


# -- inference failures and cancel --------------------------------------------------------

def test_a_broken_model_file_gives_a_message_and_the_app_keeps_running(qtbot, tmp_path, video):
    bad = tmp_path / "broken.pth"
    bad.write_bytes(b"this is not a checkpoint")
    w = MainWindow(settings=make_settings(tmp_path, detector_weights=str(bad)),
                   show_first_run=False, preload_models=False)
    qtbot.addWidget(w)
    w.open_path(str(video))
    with qtbot.waitSignal(w.inference.runFailed, timeout=60000) as failed:
        assert w.start_inference([0, 1])
    assert "broken.pth" in failed.args[0]
    assert w.findChild(QMessageBox, "messageBox") is not None
    assert w.actions["actionRunInference"].isEnabled()
    w.actions["actionNextFrame"].trigger()
    wait_frame(qtbot, w, 1)
    w.close()


def test_asking_for_cuda_without_a_gpu_says_so(qtbot, tmp_path, video):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    w = MainWindow(settings=make_settings(tmp_path, device="cuda"), show_first_run=False, preload_models=False)
    qtbot.addWidget(w)
    w.open_path(str(video))
    with qtbot.waitSignal(w.inference.runFailed, timeout=30000) as failed:
        w.start_inference([0])
    assert "CUDA" in failed.args[0]
    w.close()


def test_missing_models_open_no_run_but_say_where_to_set_them(qtbot, tmp_path, video):
    w = MainWindow(settings=make_settings(tmp_path, pose_weights=""), show_first_run=False, preload_models=False)
    qtbot.addWidget(w)
    w.open_path(str(video))
    assert not w.start_inference([0])
    assert "Inference › Models" in w.last_error


# -- export -------------------------------------------------------------------------------

def test_bbox_and_overlay_video_exports_run_in_the_background(window, qtbot, tmp_path, video):
    from medpose_gui.formats import read_bbox_detections
    from medpose_gui.media import open_media

    window.open_path(str(video))
    window.project.store_predictions({i: [_predicted((20, 20, 120, 200), 0.9)] for i in range(30)})
    task = window.exporter.export_bbox(str(tmp_path / "boxes.json"))
    qtbot.waitUntil(lambda: task.done, timeout=20000)
    assert window.exporter.last_export[0] == "ok"
    assert len(read_bbox_detections(tmp_path / "boxes.json")) == 30
    task = window.exporter.export_video(str(tmp_path / "overlay.mp4"))
    qtbot.waitUntil(lambda: task.done, timeout=60000)
    assert window.exporter.last_export[0] == "ok", window.exporter.last_export
    with open_media(tmp_path / "overlay.mp4") as rendered:
        assert len(rendered) == 30
    empty = tmp_path / "empty.json"
    task = window.exporter.export_coco(CocoOptions(str(empty), reviewed_only=True))
    qtbot.waitUntil(lambda: task.done, timeout=20000)
    assert window.exporter.last_export[0] == "failed" and not empty.exists()
    assert "0 of the project's 30 frames are approved" in str(window.exporter.last_export[1])
    window.project.set_review_state(0, ReviewState.APPROVED)
    task = window.exporter.export_coco(CocoOptions(str(tmp_path / "sub" / "no_dir_ok.json"),
                                           reviewed_only=True))
    qtbot.waitUntil(lambda: task.done, timeout=20000)
    assert window.exporter.last_export[0] == "ok"


def test_export_can_be_cancelled(window, qtbot, tmp_path, video):
    window.open_path(str(video))
    window.project.store_predictions({i: [_predicted((20, 20, 120, 200), 0.9)] for i in range(30)})
    out = tmp_path / "cancelled.mp4"
    task = window.exporter.export_video(str(out))
    task.cancel()
    qtbot.waitUntil(lambda: task.done, timeout=60000)
    assert window.exporter.last_export[0] == "cancelled"
    assert not out.exists()


def test_pose_weights_path_is_remembered(tmp_path):
    settings = AppSettings(make_settings(tmp_path))
    assert settings.models().pose_weights == str(POSE_WEIGHTS)
    assert settings.models().categories == ["patient"]


def test_place_from_the_inspector_puts_an_absent_point_where_clicked(window, qtbot, video):
    from medpose_gui.core import edits

    window.open_path(str(video))
    wait_frame(qtbot, window, 0)
    manual = Instance.manual("patient", (40, 30, 260, 220), 21)
    window.edits.push(edits.add_instance(0, manual))
    window.frame_view.select(manual.uid)
    panel = window.panel
    assert panel.selected_uid() == manual.uid
    panel.select_keypoint(4)
    assert panel.place_button.isEnabled() and panel.place_button.text() == "Place"
    panel.place_button.click()
    target = window.frame_view.mapFromScene(QPointF(150, 120))
    QTest.mouseClick(window.frame_view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, target)
    placed = window.project.instance(0, manual.uid).keypoints[4]
    assert placed[2] == 2 and abs(placed[0] - 150) < 1.5 and abs(placed[1] - 120) < 1.5


def test_cancel_stops_a_run_and_keeps_the_frames_already_done(qtbot, tmp_path):
    cheaper = DETECTOR_CONFIG.with_name("medic_pose_slim_min600.yaml")  # 600 px short side
    w = MainWindow(settings=make_settings(tmp_path, batch_size=1, detector_config=str(cheaper)),
                   show_first_run=False, preload_models=False)
    qtbot.addWidget(w)
    w.show()
    w.open_path(str(make_fixture_video(tmp_path / "fixture.mp4", 6)))
    frames = list(range(6))
    with qtbot.waitSignal(w.inference.runFinished, timeout=240000) as finished:
        assert w.start_inference(frames)
        assert w.status.progress.isVisible()
        qtbot.waitSignal(w.inference.run_runner.worker.stored, timeout=120000).wait()
        # drawn (generous: on a loaded 2-core machine the run starves the GUI thread for seconds)
        qtbot.waitUntil(lambda: any(w.frame_view.displayed_items()), timeout=30000)
        w.frame_view.select(w.project.instances(0)[0].uid)  # the view now also wants Esc
        assert w.frame_view.has_something_to_cancel()
        w.activateWindow()
        w.frame_view.setFocus()
        QTest.keyClick(w.frame_view, Qt.Key.Key_Escape)
    summary = finished.args[0]
    assert summary.cancelled and 1 <= summary.frames_done < len(frames)
    qtbot.waitUntil(lambda: not w.status.progress.isVisible(), timeout=3000)
    stored = [i for i in frames if w.project.instances(i)]
    assert 1 <= len(stored) <= summary.frames_done
    w.close()


def test_run_app_opens_the_path_given_on_the_command_line(tmp_path, video):
    # In a child process: run_app() runs QApplication.exec(), whose quit would end the
    # event loops of the tests that follow in this process.
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from medpose_gui.app import MainWindow, run_app\n"
        "app = QApplication(sys.argv[:1])\n"
        "def done():\n"
        "    for w in app.topLevelWidgets():\n"
        "        if isinstance(w, MainWindow):\n"
        "            print('FRAMES', w.project.media.num_frames if w.project else None)\n"
        "            w.close()\n"
        "    app.quit()\n"
        "QTimer.singleShot(3000, done)\n"
        "sys.exit(run_app(sys.argv[1]))\n")
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               MEDPOSE_SETTINGS=str(tmp_path / "cli_settings.ini"),
               PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-c", script, str(video)], env=env, cwd=root,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "FRAMES 30" in result.stdout


def test_models_dialog_refuses_a_missing_model_and_remembers_valid_choices(qtbot, tmp_path):
    from medpose_gui.widgets.dialogs.models_dialog import ModelsDialog

    settings = make_settings(tmp_path, pose_weights="")
    w = MainWindow(settings=settings, show_first_run=False, preload_models=False)
    qtbot.addWidget(w)
    w.actions["actionModels"].trigger()
    dialog = w.findChild(ModelsDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.threshold.value() == pytest.approx(0.8)
    dialog.accept()
    assert dialog.isVisible() and "Pose model (patients): none configured" in \
        dialog.problems_label.text()
    dialog.add_file("pose", str(POSE_WEIGHTS))
    qtbot.waitUntil(lambda: not dialog.busy and bool(dialog.files.chosen()["pose"]),
                    timeout=60000)
    assert dialog.problems_label.text() == ""  # the list follows the edit
    dialog.threshold.setValue(0.7)
    dialog.device.setCurrentText("cpu")
    dialog.accept()
    assert not dialog.isVisible()
    again = AppSettings(QSettings(settings.fileName(), QSettings.Format.IniFormat)).models()
    assert again.pose_weights == str(POSE_WEIGHTS.resolve())
    assert again.detection_threshold == pytest.approx(0.7) and again.device == "cpu"
    w.close()
