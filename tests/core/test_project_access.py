"""Who may open a project how, with real second processes, links, mounts and file modes:
one writer per file whatever name it is opened by (symlink, hard link); creation is atomic
under SIGKILL; a file that cannot be written opens read-only with a reason and leaves no
side files; read-only opens work beside the window's writer and read one snapshot."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from medpose_gui.core.annotations import Instance, ReviewState
from medpose_gui.core.project import Project, ProjectError, ProjectWriteError
from tests.core.project_helpers import new_project
from tests.fault_env import REPO, remount, run_unprivileged, world_folder
from tests.small_disk import mounted_tmpfs


def _child(*args: str, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", "tests.core.project_child", *args], cwd=REPO,
                            env=env, text=True, stdout=subprocess.PIPE, **kwargs)


def _person(uid: str) -> Instance:
    return Instance.manual("patient", [1, 1, 50, 50], 21).replace(uid=uid)


def _others(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != name)


@pytest.fixture
def holder(tmp_path):
    """A second process holding tmp_path/p.medpose open for writing ("the window"); it adds
    a person when sent ``put FRAME UID``."""
    path = tmp_path / "p.medpose"
    with new_project(path) as project:
        project.put_instance(0, _person("first"))
    child = _child("serve", str(path), stdin=subprocess.PIPE)
    assert child.stdout.readline().strip() == "ready"

    def put(frame: int, uid: str) -> str:
        child.stdin.write(f"put {frame} {uid}\n")
        child.stdin.flush()
        return child.stdout.readline().strip()

    yield path, child, put
    child.stdin.close()
    child.wait(timeout=60)


# -- one writer per file ----------------------------------------------------------------

@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_another_name_for_an_open_project_is_refused_with_the_owner_pid(holder, link):
    path, child, _ = holder
    other = path.parent / "sub" / "alias.medpose"
    other.parent.mkdir()
    (os.symlink if link == "symlink" else os.link)(path, other)
    with pytest.raises(ProjectError, match=rf"open in another medpose-gui \(pid {child.pid}\)"):
        Project.open(other)


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_a_link_opened_first_locks_the_real_file_for_another_process(tmp_path, link):
    path = tmp_path / "p.medpose"
    new_project(path).close()
    alias = tmp_path / "alias.medpose"
    (os.symlink if link == "symlink" else os.link)(path, alias)
    with Project.open(alias):
        out, _ = _child("try-open", str(path)).communicate(timeout=60)
        assert f"open in another medpose-gui (pid {os.getpid()})" in out
    out, _ = _child("try-open", str(path)).communicate(timeout=60)
    assert out.strip() == "opened"


def test_the_same_file_twice_in_one_process_is_refused(tmp_path):
    path = tmp_path / "p.medpose"
    with new_project(path):
        os.link(path, tmp_path / "hard.medpose")
        with pytest.raises(ProjectError, match="this process"):
            Project.open(tmp_path / "hard.medpose")


# -- atomic create ------------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
@pytest.mark.parametrize("delay", [0.05, 0.15, 0.4])
def test_sigkill_during_create_leaves_no_project_or_a_whole_one(tmp_path, delay):
    child = _child("create-loop", str(tmp_path))
    started = child.stdout.readline()  # the interpreter is up: creating from now on
    assert started.strip() == "0"
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    names = sorted(p.name for p in tmp_path.iterdir())
    projects = [n for n in names if n.endswith(".medpose")]
    for name in projects:  # every file at a project's name opens with its media record
        with Project.open(tmp_path / name) as project:
            assert project.media.num_frames == 100
    killed = tmp_path / f"p{len(projects)}.medpose"  # the one being created at the kill
    with pytest.raises(ProjectError, match="no such project file"):
        Project.open(killed)
    # What the kill interrupted is hidden and is cleaned up by the next create of it.
    leftovers = [n for n in names if n.endswith(".creating") or ".creating-" in n]
    for n in leftovers:
        assert n.startswith(".p")
    new_project(killed).close()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(f".{killed.name}.")]


def test_failed_create_leaves_nothing(tmp_path):
    with mounted_tmpfs(tmp_path / "tiny", "16k") as disk:
        (disk / "filler").write_bytes(b"\0" * (12 << 10))
        with pytest.raises(ProjectError, match=r"p\.medpose: cannot create: .*(full|space)"):
            new_project(disk / "p.medpose")
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]


# -- read-only files ----------------------------------------------------------------------

def _report(path: Path) -> dict:
    done = run_unprivileged("tests.core.project_child", "read-only", str(path))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_file_without_write_permission_opens_read_only_with_no_side_files():
    with world_folder() as folder:
        os.chmod(folder, 0o777)  # the folder is writable: only the file is not
        path = folder / "p.medpose"
        with new_project(path) as project:
            project.put_instance(0, _person("a"))
        os.chmod(path, 0o444)
        report = _report(path)
        assert report["read_only"] is True and report["instances"] == 1
        assert report["reason"] == "you do not have permission to change it"
        assert "read-only" in report["write"] and str(path) in report["write"]
        assert report["side_files_while_open"] == []  # immutable: no -shm, no -wal
        assert _others(folder, path.name) == []


def test_project_in_a_folder_without_write_permission_opens_read_only():
    with world_folder() as folder:  # 0755 root: nobody may not create -wal/-shm here
        path = folder / "p.medpose"
        with new_project(path) as project:
            project.put_instance(0, _person("a"))
        os.chmod(path, 0o666)  # the file itself is writable
        report = _report(path)
        assert report["read_only"] is True and "folder" in report["reason"]
        assert report["write"].startswith("error: ") and "read-only" in report["write"]
        assert _others(folder, path.name) == []


def test_project_on_a_read_only_mount_opens_read_only(tmp_path):
    with mounted_tmpfs(tmp_path / "disk", "1m") as disk:
        path = disk / "p.medpose"
        with new_project(path) as project:
            project.put_instance(2, _person("a"))
            project.set_review_state(2, ReviewState.APPROVED)
        remount(disk, "ro")
        with Project.open(path) as project:
            assert project.read_only
            assert project.read_only_reason == "it is on a read-only file system"
            assert [i.uid for i in project.instances(2)] == ["a"]
            assert project.review_state(2) == ReviewState.APPROVED
            with pytest.raises(ProjectWriteError, match="the project is read-only: it is on"):
                project.put_instance(3, _person("b"))
            copy = project.save_as(tmp_path / "copy.medpose")  # Save as elsewhere works
            assert [i.uid for i in copy.instances(2)] == ["a"]
            copy.close()
        assert _others(disk, path.name) == []


# -- read-only opens beside the window ----------------------------------------------------

def test_read_only_open_works_while_the_window_writes_and_reads_one_snapshot(holder):
    path, child, put = holder
    assert put(1, "second") == "ok"
    with Project.open(path, read_only=True) as snapshot:
        assert snapshot.read_only and snapshot.writer_pid == child.pid
        assert snapshot.read_only_reason == (
            f"read while open in another medpose-gui (pid {child.pid})")
        assert put(2, "third") == "ok"  # the window keeps working meanwhile
        assert [i.uid for i in snapshot.instances(1)] == ["second"]
        assert snapshot.instances(2) == []  # saved after the snapshot began
        with pytest.raises(ProjectWriteError, match="read-only"):
            snapshot.put_instance(5, _person("x"))
    assert put(3, "fourth") == "ok"
    with Project.open(path, read_only=True) as later:
        assert [f for f in later.annotated_frames()] == [0, 1, 2, 3]


def test_read_only_open_without_a_writer_leaves_no_side_files(tmp_path):
    path = tmp_path / "p.medpose"
    with new_project(path) as project:
        project.put_instance(0, _person("a"))
    with Project.open(path, read_only=True) as project:
        assert project.read_only_reason == "opened read-only" and project.writer_pid is None
        assert [i.uid for i in project.instances(0)] == ["a"]
    assert _others(tmp_path, path.name) == []
    with Project.open(path) as writable:  # and it did not keep a lock
        assert not writable.read_only


def test_read_only_open_does_not_block_the_writer(tmp_path):
    path = tmp_path / "p.medpose"
    new_project(path).close()
    with Project.open(path, read_only=True), Project.open(path) as writer:
        writer.put_instance(0, _person("a"))
    with Project.open(path) as again:
        assert [i.uid for i in again.instances(0)] == ["a"]
