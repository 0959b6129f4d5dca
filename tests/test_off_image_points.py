"""A labelled point outside the image exports, and is evaluated, as absent (0, 0, 0).

The rule (core/image_bounds.py, README "File formats"): COCO and the reference pose trainer
expect labelled points on the image; a point the model put beyond the frame edge is written
v = 0 with x = y = 0 while the project keeps it. Real project files, the real command line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from medpose_gui.core import edits
from medpose_gui.core.annotations import Instance, ReviewState
from medpose_gui.core.image_bounds import labelled_on_image, on_image
from medpose_gui.core.project import MediaInfo, Project
from medpose_gui.core.schema import default_categories
from medpose_gui.evaluation import evaluate_project

REPO = Path(__file__).resolve().parents[1]
W, H = 1280, 720
K = 21


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "medpose_gui", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})


def _casualty_cut_by_the_bottom_edge() -> Instance:
    """A lying casualty whose feet the frame cuts off: the model extrapolates the lower legs
    and feet below the 720-pixel frame (y up to 741) and one hand left of it (x = -3.5)."""
    xy = np.column_stack([np.linspace(500, 900, K), np.linspace(420, 700, K)])
    xy[[16, 17, 18]] = [[880, 722.0], [860, 731.5], [870, 720.0]]  # 720.0: just off the image
    xy[[19, 20]] = [[900, 741.0], [840, 738.25]]
    xy[10] = [-3.5, 600.0]
    scores = np.full(K, 0.9)
    return Instance.from_prediction("patient", [480.0, 400.0, 920.0, 720.0], 0.97,
                                    np.column_stack([xy, scores]))


OFF = [10, 16, 17, 18, 19, 20]


@pytest.fixture
def project_path(tmp_path) -> Path:
    path = tmp_path / "cut.medpose"
    media = MediaInfo(path=str(tmp_path / "clip.mp4"), fingerprint="f" * 16, num_frames=3,
                      fps=25.0, width=W, height=H)
    with Project.create(path, media, default_categories()) as project:
        project.store_predictions({0: [_casualty_cut_by_the_bottom_edge()]})
    return path


def test_on_image_is_the_half_open_pixel_area():
    xy = np.array([[0, 0], [1279.99, 719.99], [1280, 10], [10, 720], [-0.01, 5], [np.nan, 5]])
    assert on_image(xy, W, H).tolist() == [True, True, False, False, False, False]
    kps = np.column_stack([xy, [2, 1, 2, 2, 2, 2]])
    kps[0, 2] = 0
    assert labelled_on_image(kps, W, H).tolist() == [False, True, False, False, False, False]


def test_export_writes_points_beyond_the_frame_absent_and_says_how_many(project_path,
                                                                        tmp_path):
    out = tmp_path / "train.json"
    result = _run("export", str(project_path), "--coco", str(out), "--category", "patient")
    assert result.returncode == 0, result.stderr
    assert "6 labelled points lie outside the image: written absent (v=0)" in result.stdout
    (ann,) = json.loads(out.read_text())["annotations"]
    kps = np.array(ann["keypoints"], dtype=np.float64).reshape(K, 3)
    assert kps[OFF].tolist() == [[0, 0, 0]] * len(OFF)
    inside = np.setdiff1d(np.arange(K), OFF)
    assert (kps[inside, 2] == 2).all() and ann["num_keypoints"] == K - len(OFF)
    assert (kps[inside, 0] < W).all() and (kps[inside, 1] < H).all()
    # The project keeps the model's points as they were: the rule is applied on the way out.
    with Project.open(project_path) as project:
        (inst,) = project.instances(0)
    assert inst.keypoints[19, 1] == 741.0 and inst.keypoints[19, 2] == 2


def test_quality_report_counts_points_beyond_the_frame_as_absent(project_path):
    with Project.open(project_path) as project:
        inst = project.instances(0)[0]
        edits.set_review_state(0, ReviewState.UNREVIEWED, ReviewState.APPROVED).apply(project)
        untouched = evaluate_project(project)
        # The medic drags the cut-off left foot onto the image: a correction of that point.
        edits.move_keypoint(0, inst, 19, 900.0, 715.0).apply(project)
        dragged = evaluate_project(project)
    compared = np.ones(K, bool)
    compared[OFF] = False
    np.testing.assert_array_equal(untouched.keypoints.num_compared, compared.astype(int))
    assert untouched.correction_rate == 0.0
    assert untouched.keypoint_metrics["AP"] == pytest.approx(1.0)
    assert dragged.keypoints.num_compared[19] == 1 and dragged.keypoints.num_corrected[19] == 1
    assert dragged.keypoints.num_compared.sum() == K - len(OFF) + 1
