"""The read-only commands (export, evaluate, render) and import on real faults: a damaged
project, a video replaced at the recorded path, a project open in another process. Each
prints ``error: ...`` (exit 2) or a note/warning naming what happened, never a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from medpose_gui.cli import main
from medpose_gui.core.annotations import ReviewState
from medpose_gui.core.project import Project
from medpose_gui.media import open_media
from medpose_gui.session import media_info
from tests.core.project_helpers import predicted
from tests.media.video_factory import make_indexed_video

REPO = Path(__file__).resolve().parents[2]
N_FRAMES = 6


def _run_module(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "medpose_gui", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO),
                               "OMP_NUM_THREADS": "1"})


def _small(seed: int):
    """A predicted person that fits a 160x120 frame."""
    inst = predicted(seed)
    scale = [160 / 1280, 120 / 720]
    kps = inst.keypoints.copy()
    kps[:, :2] *= scale
    box = inst.box * (scale * 2)
    return inst.replace(keypoints=kps, box=box, original=None, source=inst.source)


@pytest.fixture
def project(tmp_path) -> tuple[Path, Path]:
    """A closed project of a real 6-frame video with two persons on each frame."""
    video = make_indexed_video(tmp_path / "clip.mp4", N_FRAMES, size=(160, 120))
    path = tmp_path / "clip.medpose"
    with open_media(video) as source:
        info = media_info(video, source)
    with Project.create(path, info) as p:
        for f in range(N_FRAMES):
            p.put_instance(f, _small(2 * f))
            p.put_instance(f, _small(2 * f + 1))
            p.set_review_state(f, ReviewState.APPROVED)
    return path, video


def _break_one_person(path: Path) -> str:
    conn = sqlite3.connect(path)
    with conn:
        uid = conn.execute("SELECT uid FROM instances WHERE frame = 2 ORDER BY ord").fetchone()[0]
        conn.execute("UPDATE instances SET keypoints = x'00' WHERE uid = ?", (uid,))
    conn.close()
    return uid


# -- damaged projects ---------------------------------------------------------------------

def test_export_of_a_project_with_a_bad_row_writes_the_rest_and_names_the_row(project):
    path, _ = project
    uid = _break_one_person(path)
    out = path.parent / "out.json"
    done = _run_module("export", str(path), "--coco", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "warning: " in done.stderr and "1 stored item(s) could not be read" in done.stderr
    assert f"frame 2, person {uid[:8]}: keypoints has 1 bytes" in done.stderr
    assert f"{2 * N_FRAMES - 1} annotations" in done.stdout


@pytest.mark.parametrize("command", ["evaluate", "render"])
def test_evaluate_and_render_of_a_project_with_a_bad_row_warn_and_finish(project, command,
                                                                          capsys):
    path, _ = project
    _break_one_person(path)
    args = [command, str(path)] + ([str(path.parent / "out.mp4"), "--quiet"]
                                   if command == "render" else [])
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "warning: " in err and "keypoints has 1 bytes" in err


def test_a_project_whose_header_pages_are_overwritten_is_an_error_not_a_traceback(project):
    path, _ = project
    with open(path, "r+b") as f:  # page 2.. : the tables' roots; page 1 keeps the header
        size = 4096
        f.seek(size)
        f.write(b"\xff" * size * 3)
    for args in (["export", str(path), "--coco", str(path.parent / "o.json")],
                 ["evaluate", str(path)], ["render", str(path), str(path.parent / "o.mp4")]):
        done = _run_module(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
        assert str(path) in done.stderr


# -- media identity -----------------------------------------------------------------------

@pytest.fixture
def swapped(project) -> tuple[Path, Path]:
    """The project's video replaced at the same path by a re-cut (2 frames prepended)."""
    path, video = project
    make_indexed_video(video.parent / "recut.mp4", N_FRAMES + 2, size=(160, 120))
    os.replace(video.parent / "recut.mp4", video)
    return path, video


@pytest.mark.parametrize("args", [
    ["export", "{p}", "--coco", "{d}/o.json", "--images-dir", "{d}/images"],
    ["export", "{p}", "--coco", "{d}/o.json"],
    ["render", "{p}", "{d}/o.mp4"],
    ["evaluate", "{p}"],
    ["import-coco", "{d}/in.json", "--out", "{p}"],
])
def test_a_video_replaced_at_the_recorded_path_is_refused_naming_both(swapped, args, capsys):
    path, video = swapped
    args = [a.format(p=path, d=path.parent) for a in args]
    (path.parent / "in.json").write_text('{"images": [], "annotations": [], "categories": []}')
    assert main(args) == 2
    err = capsys.readouterr().err.splitlines()[-1]  # after any progress bar
    assert err.startswith("error: ") and str(video) in err and str(path) in err
    assert "has changed since the project was made" in err
    assert not (path.parent / "images").exists() and not (path.parent / "o.json").exists()


def test_a_missing_video_still_exports_annotations_but_not_images(project, capsys):
    path, video = project
    video.unlink()
    assert main(["export", str(path), "--coco", str(path.parent / "o.json"), "--quiet"]) == 0
    assert f"{2 * N_FRAMES} annotations" in capsys.readouterr().out
    assert main(["export", str(path), "--coco", str(path.parent / "o.json"),
                 "--images-dir", str(path.parent / "im"), "--quiet"]) == 2
    assert f"error: {video}: the media are missing" in capsys.readouterr().err


# -- open in the window -------------------------------------------------------------------

@pytest.fixture
def window(project):
    """Another process holding the project open for writing, as the window does."""
    path, _ = project
    env = dict(os.environ, PYTHONPATH=str(REPO))
    child = subprocess.Popen([sys.executable, "-m", "tests.core.project_child", "serve",
                              str(path)], cwd=REPO, env=env, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdout.readline().strip() == "ready"
    yield path, child
    child.stdin.close()
    child.wait(timeout=60)


@pytest.mark.parametrize("command", ["export", "evaluate", "render"])
def test_read_only_commands_work_while_the_window_has_the_project(window, command, capsys):
    path, child = window
    args = {"export": ["export", str(path), "--coco", str(path.parent / "o.json"), "--quiet"],
            "evaluate": ["evaluate", str(path)],
            "render": ["render", str(path), str(path.parent / "o.mp4"), "--quiet"]}[command]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert f"note: {path}: read while open in another medpose-gui (pid {child.pid})" in err
    child.stdin.write("put 1 after-export\n")  # the window still saves
    child.stdin.flush()
    assert child.stdout.readline().strip() == "ok"
