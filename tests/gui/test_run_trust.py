"""A model run and a storage fault never damage the medic's work (the real window).

Runs use the fixture detector at 600 px (medic_pose_slim_min600.yaml) on frames made from the
1280x720 fixture image shifted by a few pixels per frame (tests/gui/window_support.py); the
project lives on real disk, or on a real 1 MiB tmpfs filled up to make writes fail.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from medpose_gui.app import MainWindow
from medpose_gui.cli import main
from medpose_gui.core import edits
from medpose_gui.core.annotations import ReviewState
from medpose_gui.core.project import Project
from medpose_gui.media import open_media
from medpose_gui.session import media_info
from tests.gui.window_support import (
    DETECTOR_CONFIG,
    DETECTOR_WEIGHTS,
    POSE_WEIGHTS,
    make_fixture_video,
    make_settings,
    wait_frame,
)
from tests.small_disk import mounted_tmpfs

MIN600 = DETECTOR_CONFIG.with_name("medic_pose_slim_min600.yaml")
N_FRAMES = 3


def _window(qtbot, tmp_path) -> MainWindow:
    w = MainWindow(settings=make_settings(tmp_path, detector_config=str(MIN600), batch_size=0),
                   show_first_run=False, preload_models=False)
    qtbot.addWidget(w)
    w.show()
    return w


def _run(qtbot, window: MainWindow, frames=range(N_FRAMES)):
    with qtbot.waitSignal(window.inference.runFinished, timeout=300000) as done:
        assert window.start_inference(list(frames))
    return done.args[0]


def _values(project: Project) -> list:
    return [(f, i.category, i.source, i.box.tolist(), i.keypoints.tolist(), i.scores.tolist(),
             i.box_score) for f in range(N_FRAMES) for i in project.instances(f)]


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_fixture_video(tmp_path_factory.mktemp("trust") / "clip.mp4", N_FRAMES)


def test_the_window_and_the_command_line_store_identical_instances(qtbot, tmp_path, clip):
    (tmp_path / "gui").mkdir()
    (tmp_path / "cli").mkdir()
    gui_video = shutil.copy(clip, tmp_path / "gui" / "clip.mp4")
    cli_video = shutil.copy(clip, tmp_path / "cli" / "clip.mp4")
    w = _window(qtbot, tmp_path)
    w.open_path(str(gui_video))
    _run(qtbot, w)
    gui = _values(w.project)
    w.close()
    assert main(["infer", str(cli_video), "--detector", str(DETECTOR_WEIGHTS),
                 "--detector-config", str(MIN600), "--pose", str(POSE_WEIGHTS),
                 "--device", "cpu", "--quiet"]) == 0
    with Project.open(tmp_path / "cli" / "clip.medpose") as project:
        cli = _values(project)
    assert len(gui) >= N_FRAMES and gui == cli


def test_a_second_run_keeps_corrections_deletions_approvals_and_the_undo_history(
        qtbot, tmp_path, clip):
    video = shutil.copy(clip, tmp_path / "clip.mp4")
    w = _window(qtbot, tmp_path)
    w.open_path(str(video))
    wait_frame(qtbot, w, 0)
    _run(qtbot, w)
    project = w.project
    first = {f: project.instances(f) for f in range(N_FRAMES)}
    assert all(len(v) >= 2 for v in first.values())
    a, b = first[0][0], first[0][1]
    w.edits.push(edits.set_box(0, a, a.box + [0, 0, 12, 8], merge=False))  # step 1
    w.edits.push(edits.delete_instance(0, b))  # step 2
    w.edits.set_review(1, ReviewState.APPROVED)  # step 3
    c = first[2][0]
    w.edits.push(edits.set_box(2, c, c.box + [0, 0, 5, 5], merge=False))  # step 4 ...
    w.edits.stack.undo()  # ... undone: its redo would put back a prediction the run replaces
    approved = project.instances(1)
    corrected = project.instance(0, a.uid)
    assert w.edits.stack.count() == 4 and w.edits.stack.index() == 3

    report = _run(qtbot, w)

    assert report.covered_by_medic == 1 and report.deleted_by_medic == 1
    now = project.instances(0)
    assert [i for i in now if i.uid == a.uid] == [corrected]  # unchanged, not duplicated
    assert len(now) == len(first[0]) - 1  # b stays deleted; nobody added twice
    assert b.uid not in {i.uid for i in now}
    assert project.instances(1) == approved
    assert c.uid not in {i.uid for i in project.instances(2)}
    # Only the step about the replaced prediction is gone; the others undo exactly.
    stack = w.edits.stack
    assert stack.count() == 3 and stack.index() == 3
    stack.undo()
    assert project.review_state(1) != ReviewState.APPROVED
    stack.undo()
    assert b.uid in {i.uid for i in project.instances(0)}
    stack.undo()
    assert np.array_equal(project.instance(0, a.uid).box, a.box)
    w.close()


@pytest.fixture
def small_disk(tmp_path):
    """A real 1 MiB tmpfs that can be filled up (needs root for mount; skipped otherwise)."""
    with mounted_tmpfs(tmp_path / "small", "1m") as mount_point:
        yield mount_point


def _fill(folder) -> None:
    """Write a file until the file system is full (ENOSPC)."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


def test_an_edit_on_a_full_disk_is_a_message_not_a_crash_and_is_not_kept(
        qtbot, tmp_path, clip, small_disk):
    project_path = small_disk / "clip.medpose"
    with open_media(clip) as src:
        Project.create(project_path, media_info(clip, src)).close()
    w = _window(qtbot, tmp_path)
    w.open_path(str(project_path))
    wait_frame(qtbot, w, 0)
    from medpose_gui.core.annotations import Instance

    person = Instance.manual("patient", (40, 30, 260, 220), 21)
    w.edits.push(edits.add_instance(0, person))
    assert w.edits.stack.count() == 1
    _fill(small_disk)
    failures: list[str] = []
    w.edits.failed.connect(failures.append)
    for step in range(4):  # the old app died on the 2nd-4th edit
        w.edits.push(edits.set_box(0, w.project.instance(0, person.uid),
                                   (40, 30, 270 + step, 230), merge=False))
    assert len(failures) == 4 and "full" in w.last_error, w.last_error
    assert w.edits.stack.count() == 1  # nothing unsaved on the undo stack
    assert np.array_equal(w.project.instance(0, person.uid).box, person.box)
    with w.project.save_as(tmp_path / "rescue.medpose") as rescue:  # "Save as" elsewhere works
        assert np.array_equal(rescue.instance(0, person.uid).box, person.box)
    (small_disk / "filler").unlink()
    w.edits.push(edits.set_box(0, person, (40, 30, 300, 240), merge=False))
    assert w.edits.stack.count() == 2
    w.close()
    with Project.open(project_path) as project:
        assert project.instance(0, person.uid).box.tolist() == [40, 30, 300, 240]
