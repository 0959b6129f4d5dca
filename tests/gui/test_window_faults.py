"""The real window on projects the app cannot fully trust: read-only, damaged, deleted while
open, or whose video was swapped. Each is a message and a state the medic can see; none is a
crash (pytest-qt fails a test on any exception raised in a Qt slot or virtual)."""

from __future__ import annotations

import shutil
import sqlite3

import numpy as np
import pytest

from medpose_gui.app import MainWindow
from medpose_gui.core import edits
from medpose_gui.core.annotations import Instance
from medpose_gui.core.project import Project
from medpose_gui.media import open_media
from medpose_gui.session import media_info
from tests.fault_env import remount
from tests.gui.window_support import make_settings, wait_frame
from tests.media.video_factory import make_indexed_video
from tests.small_disk import mounted_tmpfs

PERSON_BOX = (40.0, 30.0, 120.0, 100.0)


def _window(qtbot, tmp_path) -> MainWindow:
    w = MainWindow(settings=make_settings(tmp_path), show_first_run=False, preload_models=False)
    qtbot.addWidget(w)
    w.show()
    return w


def _project_with_a_person(path, video) -> Instance:
    person = Instance.manual("patient", PERSON_BOX, 21)
    with open_media(video) as src, Project.create(path, media_info(video, src)) as project:
        project.put_instance(0, person)
    return person


@pytest.fixture
def video(tmp_path):
    return make_indexed_video(tmp_path / "clip.mp4", 8, size=(160, 120))


def test_a_read_only_project_says_so_and_refuses_edits_without_crashing(qtbot, tmp_path, video):
    with mounted_tmpfs(tmp_path / "ro", "4m") as mount:
        path = mount / "clip.medpose"
        person = _project_with_a_person(path, video)
        remount(mount, "ro")
        w = _window(qtbot, tmp_path)
        w.open_path(str(path))
        wait_frame(qtbot, w, 0)
        assert "[read-only]" in w.windowTitle()
        assert w.status.notice_label.isVisible() and "read-only" in w.last_notice
        assert not w.actions["actionApproveFrame"].isEnabled()
        assert not w.actions["actionRunInference"].isEnabled()
        failures: list[str] = []
        w.edits.failed.connect(failures.append)
        w.edits.push(edits.set_box(0, person, (10, 10, 50, 50), merge=False))
        assert failures and "read-only" in failures[0] and w.edits.stack.count() == 0
        assert np.array_equal(w.project.instance(0, person.uid).box, PERSON_BOX)
        w.close()
        assert sorted(p.name for p in mount.iterdir()) == ["clip.medpose"]  # no -shm left
        remount(mount, "rw")


def test_a_damaged_project_lists_what_could_not_be_read_and_shows_the_rest(
        qtbot, tmp_path, video):
    path = tmp_path / "clip.medpose"
    person = _project_with_a_person(path, video)
    other = Instance.manual("patient", (5, 5, 30, 30), 21)
    with Project.open(path) as project:
        project.put_instance(1, other)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE instances SET source = 'guessed' WHERE uid = ?", (other.uid,))
    conn.execute("INSERT INTO frames VALUES (2, 9)")  # an unknown review code
    conn.commit()
    conn.close()
    w = _window(qtbot, tmp_path)
    w.open_path(str(path))
    wait_frame(qtbot, w, 0)
    assert "could not be read" in w.last_notice and "frame 2" in w.last_notice
    assert [i.uid for i in w.project.instances(0)] == [person.uid]
    w.navigator.go_to(1)
    wait_frame(qtbot, w, 1)  # the bad person is skipped, the frame still shows
    assert w.project.instances(1) == []
    w.close()


def test_an_edit_after_the_project_file_was_deleted_is_refused_with_a_message(
        qtbot, tmp_path, video):
    path = tmp_path / "clip.medpose"
    person = _project_with_a_person(path, video)
    w = _window(qtbot, tmp_path)
    w.open_path(str(path))
    wait_frame(qtbot, w, 0)
    path.unlink()
    w.edits.push(edits.set_box(0, person, (10, 10, 50, 50), merge=False))
    assert "deleted" in w.last_error and w.edits.stack.count() == 0
    rescue = tmp_path / "rescue.medpose"
    assert w.sessions.save_as(str(rescue))  # the work is not lost: save it elsewhere
    assert np.array_equal(w.project.instance(0, person.uid).box, PERSON_BOX)
    w.close()


def test_a_swapped_video_is_not_shown_under_the_projects_annotations(qtbot, tmp_path, video):
    path = tmp_path / "clip.medpose"
    _project_with_a_person(path, video)
    recut = make_indexed_video(tmp_path / "recut.mp4", 13, size=(160, 120))
    shutil.move(recut, video)  # re-cut with more frames, at the same path
    w = _window(qtbot, tmp_path)
    w.sessions.confirm = lambda _text: False  # "relink to another file?" - no
    w.open_path(str(path))
    assert w.project is not None and w.session.source is None
    assert "Relink" in w.last_notice and str(video) in w.last_notice
    assert not w.actions["actionNextFrame"].isEnabled()
    w.close()
