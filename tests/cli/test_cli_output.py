"""What a shell user sees from the command line: a closed pipe (``| head``) ends quietly, and
an export that would write an empty training file says why instead of writing it.

Everything runs ``python -m medpose_gui`` in a subprocess on real files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from medpose_gui.core.annotations import ReviewState
from medpose_gui.core.project import Project
from tests.fixture_paths import CASUALTY_WEIGHTS, DETECTOR_WEIGHTS
from tests.formats.project_builder import populated_project
from tests.media.video_factory import make_indexed_video
from tests.small_models import write_min120_config

REPO = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1",
            "MEDPOSE_DATA_DIR": str(tmp_path / "data")}


def _run(tmp_path: Path, *args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "medpose_gui", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout, env=_env(tmp_path))


# -- a reader that went away --------------------------------------------------------------------

def _into_closed_pipe(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run with stdout a pipe whose reader is already gone: every write fails with EPIPE, as
    when ``head`` has read its lines and exited (deterministic, unlike a real ``| head``)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "medpose_gui", *args], cwd=REPO,
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120,
                              env=_env(tmp_path))
    finally:
        os.close(write_end)


@pytest.mark.parametrize("command", [["models", "list"], ["--help"], ["export", "--help"],
                                     ["export"]], ids=["models-list", "help", "export-help",
                                                       "export"])
def test_output_into_a_closed_pipe_ends_quietly_with_the_sigpipe_status(tmp_path, command):
    if command == ["export"]:
        populated_project(tmp_path / "p.medpose").close()
        command = ["export", str(tmp_path / "p.medpose"), "--coco", str(tmp_path / "o.json")]
    result = _into_closed_pipe(tmp_path, *command)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert "Exception ignored" not in result.stderr
    assert result.returncode == 141  # 128 + SIGPIPE, as `head`'s writer would end


def test_models_list_piped_to_head_shows_its_first_line_without_an_error(tmp_path):
    result = subprocess.run(
        f"{sys.executable} -m medpose_gui models list | head -n 1", shell=True, cwd=REPO,
        capture_output=True, text=True, timeout=120, env=_env(tmp_path))
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 1
    assert result.stderr == ""


# -- an export that would be empty ----------------------------------------------------------------

@pytest.fixture(scope="module")
def inferred(tmp_path_factory) -> Path:
    """The README's first step on a short clip: ``infer`` makes a fresh project (nothing
    approved). The in-repo fixture models at MIN_SIZE_TEST 120 keep it quick."""
    work = tmp_path_factory.mktemp("readme")
    video = make_indexed_video(work / "clip.mp4", 3, size=(160, 120), textured=True)
    config = write_min120_config(work)
    result = _run(work, "infer", str(video), "--detector", str(DETECTOR_WEIGHTS),
                  "--detector-config", str(config), "--pose", str(CASUALTY_WEIGHTS),
                  "--score-threshold", "0.5", "--device", "cpu", "--quiet")
    assert result.returncode == 0, result.stderr
    project = video.with_suffix(".medpose")
    with Project.open(project) as p:
        assert sum(len(p.instances(i)) for i in range(3)) > 0  # predictions, none approved
    return project


def test_reviewed_only_export_of_a_fresh_project_writes_nothing_and_says_why(inferred,
                                                                             tmp_path):
    out = tmp_path / "train.json"
    result = _run(tmp_path, "export", str(inferred), "--coco", str(out), "--reviewed-only",
                  "--category", "patient")
    assert result.returncode == 2 and not out.exists()
    error = result.stderr.splitlines()[-1]  # after the progress bar
    assert error.startswith(f"error: {out}: not written, it would hold 0 annotations: "
                            "0 of the project's 3 frames are approved")
    assert "approve frames in the window (A), or drop --reviewed-only" in result.stderr
    assert "--allow-empty" in result.stderr and "Traceback" not in result.stderr


def test_allow_empty_writes_the_empty_file_with_a_warning(inferred, tmp_path):
    from pycocotools.coco import COCO

    out = tmp_path / "empty.json"
    result = _run(tmp_path, "export", str(inferred), "--coco", str(out), "--reviewed-only",
                  "--allow-empty")
    assert result.returncode == 0, result.stderr
    assert "0 annotations" in result.stdout and "warning:" in result.stderr
    assert COCO(str(out)).getAnnIds() == []


def test_readme_sequence_infer_approve_export_writes_the_approved_frames(inferred, tmp_path):
    with Project.open(inferred) as project:  # what A in the window does
        frame = next(i for i in range(3) if project.instances(i))
        project.set_review_state(frame, ReviewState.APPROVED)
        count = len(project.instances(frame))
    out = tmp_path / "train.json"
    result = _run(tmp_path, "export", str(inferred), "--coco", str(out), "--reviewed-only",
                  "--category", "patient")
    assert result.returncode == 0, result.stderr
    doc = json.loads(out.read_text())
    assert [i["frame_index"] for i in doc["images"]] == [frame]
    assert len(doc["annotations"]) == count > 0


def test_approved_frames_without_the_category_are_named(tmp_path):
    path = tmp_path / "p.medpose"
    populated_project(path).close()  # approved frames 0, 3, 7: users on frame 0 only
    with Project.open(path) as project:
        for frame in (0, 7):
            for inst in project.instances(frame):
                if inst.category == "patient":
                    project.remove_instance(frame, inst.uid)
    result = _run(tmp_path, "export", str(path), "--coco", str(tmp_path / "o.json"),
                  "--reviewed-only", "--category", "patient")
    assert result.returncode == 2
    assert "the 3 approved frames hold no 'patient' person" in result.stderr
