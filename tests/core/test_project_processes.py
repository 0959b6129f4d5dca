"""The project with real second processes: single writer, and nothing lost on SIGKILL."""

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from medpose_gui.core.annotations import ReviewState
from medpose_gui.core.project import Project
from tests.core.project_helpers import new_project

REPO = Path(__file__).resolve().parents[2]


def _child(*args: str, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", "tests.core.project_child", *args], cwd=REPO,
                            env=env, text=True, stdout=subprocess.PIPE, **kwargs)


def test_second_process_is_told_the_project_is_open_with_the_owner_pid(tmp_path):
    path = tmp_path / "p.medpose"
    with new_project(path):
        out, _ = _child("try-open", str(path)).communicate(timeout=60)
        assert out.startswith("error: ")
        assert f"is open in another medpose-gui (pid {os.getpid()})" in out
        assert str(path) in out
    out, _ = _child("try-open", str(path)).communicate(timeout=60)
    assert out.strip() == "opened"


def test_project_held_by_another_process_is_refused_here(tmp_path):
    path = tmp_path / "p.medpose"
    new_project(path).close()
    holder = _child("hold", str(path), stdin=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(Exception, match=rf"open in another medpose-gui \(pid {holder.pid}\)"):
            Project.open(path)
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    Project.open(path).close()  # released on close


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
def test_sigkill_mid_stream_loses_no_reported_edit(tmp_path):
    path = tmp_path / "killed.medpose"
    new_project(path, num_frames=10**6).close()
    child = _child("edit", str(path))
    reported = []
    for line in child.stdout:
        reported.append(int(line))
        if len(reported) >= 60:
            break
    os.kill(child.pid, signal.SIGKILL)
    reported += [int(line) for line in child.stdout.read().split()]  # printed before the kill
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert reported == list(range(len(reported)))

    with Project.open(path) as project:  # the dead child's lock does not block
        for seq in reported:
            if seq % 3 == 0:
                inst = project.instance(seq, f"e{seq}")
                assert inst is not None, f"added instance of step {seq} lost"
            elif seq % 3 == 1:
                inst = project.instance(seq - 1, f"e{seq - 1}")
                assert inst.keypoints[1, 0] == seq, f"move of step {seq} lost"
            else:
                assert project.review_state(seq) == ReviewState.APPROVED, f"step {seq} lost"
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
