"""Acceptance: a medic's whole session in the real window with the real fixture models.

Open a video -> run inference (real worker thread, fixture detector + ViTPose) -> drag a
keypoint -> resize a box and re-estimate its pose -> change a visibility in the inspector ->
undo/redo -> approve -> export COCO (read back with pycocotools) -> close -> reopen: every
correction, the review state and the frame are still there, and the export is valid.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from medpose_gui.app import MainWindow
from medpose_gui.core.annotations import ReviewState, Source, Visibility
from medpose_gui.widgets.dialogs.coco_export_dialog import CocoExportDialog
from medpose_gui.widgets.dialogs.run_dialog import RunDialog
from medpose_gui.widgets.frame_view.picking import hit_test
from tests.gui.window_support import make_fixture_video, make_settings, wait_frame

pycocotools_coco = pytest.importorskip("pycocotools.coco")

N_FRAMES = 3
INFERENCE_TIMEOUT_MS = 240_000  # 2 shared CPU cores: a detector pass takes seconds


def _drag(view, start: QPoint, end: QPoint, steps: int = 6) -> None:
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, steps + 1):
        QTest.mouseMove(vp, QPoint(start.x() + (end.x() - start.x()) * i // steps,
                                   start.y() + (end.y() - start.y()) * i // steps))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def _visible_point(inst) -> int:
    """A visible keypoint well inside the image (so a drag does not hit the frame edge)."""
    for k in range(inst.num_keypoints):
        x, y, v = inst.keypoints[k]
        if v == Visibility.VISIBLE and 40 < x < 1240 and 40 < y < 680:
            return k
    raise AssertionError("no visible keypoint inside the image")


def _grabbable_corner(view, instances):
    """A person whose box corner is not covered by a keypoint (points win the pick)."""
    for inst in instances:
        view.select(inst.uid)
        hit = hit_test(view, view.box_scene_rect(inst.uid).bottomRight())
        if hit.uid == inst.uid and not hit.is_point:
            return inst
    raise AssertionError("every box corner is covered by a keypoint")


def _accept_dialog(qtbot, window, cls):
    qtbot.waitUntil(lambda: window.findChild(cls) is not None, timeout=5000)
    dialog = window.findChild(cls)
    return dialog


def test_review_session_survives_reopen_and_exports_valid_coco(qtbot, tmp_path):
    video = make_fixture_video(tmp_path / "casualty.mp4", N_FRAMES)
    settings = make_settings(tmp_path)
    window = MainWindow(settings=settings, show_first_run=False)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    assert window.open_path(str(video)), window.last_error
    project_path = tmp_path / "casualty.medpose"
    assert project_path.exists(), "opening media creates its project beside it"
    wait_frame(qtbot, window, 0)

    # -- inference from the menu action, through the run dialog, in the worker thread
    window.actions["actionRunInference"].trigger()
    dialog = _accept_dialog(qtbot, window, RunDialog)
    dialog.set_scope("all")
    with qtbot.waitSignal(window.inference.runFinished, timeout=INFERENCE_TIMEOUT_MS) as run:
        dialog.accept()
        assert window.actions["actionCancelInference"].isEnabled()
    assert run.args[0].frames_done == N_FRAMES and not run.args[0].cancelled
    assert not window.actions["actionCancelInference"].isEnabled()
    project = window.project
    summary = project.frame_summary()
    assert (summary.num_instances > 0).all(), "the fixture detector finds patients at 0.8"
    assert np.isfinite(summary.mean_score).all()
    assert {m["role"] for m in project.models()} >= {"detector", "pose_patient"}
    qtbot.waitUntil(lambda: len(list(window.frame_view.displayed_items())) > 0, timeout=5000)
    first = project.instances(0)
    assert all(i.source == Source.PREDICTED and i.category == "patient"
               and i.num_keypoints == 21 for i in first)

    view = window.frame_view
    # -- drag a keypoint with the mouse
    dragged = first[0]
    k = _visible_point(dragged)
    start = view.mapFromScene(view.keypoint_scene_pos(dragged.uid, k))
    _drag(view, start, start + QPoint(30, -20))
    moved = project.instance(0, dragged.uid)
    assert moved.source == Source.CORRECTED
    assert not np.allclose(moved.keypoints[k, :2], dragged.keypoints[k, :2])
    assert np.array_equal(moved.original.keypoints, dragged.original.keypoints), \
        "the original prediction survives the correction"
    assert project.review_state(0) == ReviewState.IN_PROGRESS, "an edited frame is in progress"
    dropped_at = moved.keypoints[k, :2].copy()

    # -- resize another person's box by its corner, then re-estimate its pose (R)
    boxed = _grabbable_corner(view, first[1:])  # not the dragged one: its pose is replaced
    view.select(boxed.uid)
    corner = view.mapFromScene(view.box_scene_rect(boxed.uid).bottomRight())
    _drag(view, corner, corner + QPoint(25, 20))
    resized = project.instance(0, boxed.uid)
    assert resized.box[2] > boxed.box[2] and resized.box[3] > boxed.box[3]
    view.select(boxed.uid)
    with qtbot.waitSignal(window.inference.poseReady, timeout=60000):
        window.actions["actionReestimatePose"].trigger()
    qtbot.waitUntil(lambda: not np.array_equal(project.instance(0, boxed.uid).keypoints[:, :2],
                                               resized.keypoints[:, :2]), timeout=5000)
    reposed = project.instance(0, boxed.uid)
    np.testing.assert_array_equal(reposed.box, resized.box)
    assert np.isfinite(reposed.scores).all()

    # -- visibility from the inspector (a set_visibility edit)
    window.panel.select(dragged.uid)
    combo = window.panel.visibility_combo(k)
    combo.setCurrentIndex(combo.findData(int(Visibility.OCCLUDED)))
    assert project.instance(0, dragged.uid).keypoints[k, 2] == Visibility.OCCLUDED

    # -- undo and redo through the actions
    window.actions["actionUndo"].trigger()
    assert project.instance(0, dragged.uid).keypoints[k, 2] == Visibility.VISIBLE
    window.actions["actionRedo"].trigger()
    assert project.instance(0, dragged.uid).keypoints[k, 2] == Visibility.OCCLUDED

    # -- approve (A): approved, and the window moves on to frame 1
    window.actions["actionApproveFrame"].trigger()
    assert project.review_state(0) == ReviewState.APPROVED
    wait_frame(qtbot, window, 1)
    qtbot.waitUntil(lambda: "approved 1 / 3" in window.status.counts_label.text(), timeout=3000)

    # a new run on the approved frame does not overwrite the medic's work
    before = project.instances(0)
    window.go_to(0)
    wait_frame(qtbot, window, 0)
    with qtbot.waitSignal(window.inference.runFinished, timeout=INFERENCE_TIMEOUT_MS):
        assert window.start_inference([0])
    assert project.instances(0) == before
    window.go_to(1)
    wait_frame(qtbot, window, 1)

    # -- export COCO through the dialog, with frame images
    out_json = tmp_path / "export" / "train.json"
    window.actions["actionExportCoco"].trigger()
    export_dialog = _accept_dialog(qtbot, window, CocoExportDialog)
    export_dialog.out_json.setText(str(out_json))
    export_dialog.write_images.setChecked(True)
    export_dialog.images_dir.setText(str(tmp_path / "export" / "images"))
    export_dialog.category.setCurrentIndex(export_dialog.category.findData("patient"))
    export_dialog.accept()
    qtbot.waitUntil(lambda: window.exporter.last_export is not None, timeout=60000)
    assert window.exporter.last_export[0] == "ok", window.exporter.last_export

    coco = pycocotools_coco.COCO(str(out_json))
    assert len(coco.getImgIds()) == N_FRAMES
    img0 = coco.loadImgs(1)[0]  # COCO image id = frame index + 1
    assert (tmp_path / "export" / "images" / img0["file_name"]).is_file()
    anns = coco.loadAnns(coco.getAnnIds(imgIds=[1]))
    assert len(anns) == len(project.instances(0))
    assert all(len(a["keypoints"]) == 3 * 21 and a["area"] > 0 for a in anns)
    ann = next(a for a in anns if np.allclose(np.reshape(a["keypoints"], (21, 3))[k, :2],
                                               dropped_at, atol=0.01))
    assert np.reshape(ann["keypoints"], (21, 3))[k, 2] == Visibility.OCCLUDED
    json.loads(out_json.read_text())  # plain JSON for the reference trainers too

    # -- close, reopen in a new window: same frame, same corrections, same review
    saved = {i: project.instances(i) for i in range(N_FRAMES)}
    window.close()
    again = MainWindow(settings=settings, show_first_run=False)
    qtbot.addWidget(again)
    assert again.open_path(str(project_path)), again.last_error
    wait_frame(qtbot, again, 1)
    for i in range(N_FRAMES):
        assert again.project.instances(i) == saved[i]
    assert again.project.review_state(0) == ReviewState.APPROVED
    reopened = again.project.instance(0, dragged.uid)
    np.testing.assert_array_equal(reopened.keypoints[k, :2], dropped_at)
    again.close()
