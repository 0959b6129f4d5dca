"""The run service on real media, real checkpoints and real project files.

The detector runs at MIN_SIZE_TEST 120 on 160x120 generated frames (a YAML whose ``_BASE_``
is the fixture config) and keeps the best boxes with a threshold between two scores, so
float noise cannot move a box across it (the fixture weights are random).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from medpose_gui.cli import main
from medpose_gui.core.annotations import ReviewState
from medpose_gui.core.project import Project
from medpose_gui.media import open_media
from medpose_gui.runs import InferenceService, RunSettings
from medpose_gui.session import media_info
from tests.fixture_paths import CASUALTY_WEIGHTS, DETECTOR_WEIGHTS, VITPOSE, need_full
from tests.media.video_factory import make_indexed_video
from tests.small_models import write_min120_config

N_FRAMES = 6
POSE = CASUALTY_WEIGHTS
USER_POSE = VITPOSE / "vitpose_tiny_user_k6.pth"


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    work = tmp_path_factory.mktemp("service")
    config = write_min120_config(work)
    video = make_indexed_video(work / "clip.mp4", N_FRAMES, size=(160, 120), textured=True)
    return work, config, video


@pytest.fixture(scope="module")
def service():
    return InferenceService()


@pytest.fixture(scope="module")
def settings(clip, service):
    _, config, video = clip
    base = RunSettings(detector=str(DETECTOR_WEIGHTS), pose={"patient": str(POSE)},
                       detector_config=str(config), device="cpu")
    models = service.load(base)
    with open_media(video) as src:
        dets = models.detector.detect([src[i] for i in range(len(src))])
    scores = np.sort(np.concatenate([d.scores[d.labels == 0] for d in dets]))[::-1]
    k = 2 * N_FRAMES  # about two patients per frame
    return replace(base, score_threshold=float((scores[k - 1] + scores[k]) / 2))


def _project(path, video) -> Project:
    with open_media(video) as src:
        return Project.create(path, media_info(video, src))


def _values(project: Project) -> list:
    """Every stored instance's values (uids differ between runs by design)."""
    return [(f, i.category, i.source, i.box.tolist(), i.keypoints.tolist(), i.scores.tolist(),
             i.box_score) for f in range(N_FRAMES) for i in project.instances(f)]


def test_a_cancelled_run_resumes_with_only_the_missing_frames(clip, service, settings, tmp_path):
    _, _, video = clip
    with _project(tmp_path / "whole.medpose", video) as whole, open_media(video) as src:
        full = service.run(whole, src, range(N_FRAMES), settings)
        expected = _values(whole)
    assert full.frames_done == N_FRAMES and full.instances_stored > 0

    stored_batches: list = []
    with _project(tmp_path / "cut.medpose", video) as cut, open_media(video) as src:
        first = service.run(cut, src, range(N_FRAMES), settings,
                            on_stored=stored_batches.append,
                            cancel=lambda: len(stored_batches) >= 2)
        assert first.cancelled and first.frames_done == 2
        second = service.run(cut, src, range(N_FRAMES), settings, resume=True)
        assert second.frames_to_compute == N_FRAMES - 2 and not second.cancelled
        assert service.run(cut, src, range(N_FRAMES), settings, resume=True).frames_to_compute == 0
        assert _values(cut) == expected


def test_approved_frames_are_never_computed_and_model_files_are_recorded_once(
        clip, service, settings, tmp_path):
    _, _, video = clip
    with _project(tmp_path / "p.medpose", video) as project, open_media(video) as src:
        project.set_review_state(1, ReviewState.APPROVED)
        report = service.run(project, src, range(N_FRAMES), settings)
        again = service.run(project, src, range(N_FRAMES), settings)
        assert report.frames_to_compute == again.frames_to_compute == N_FRAMES - 1
        assert project.instances(1) == []
        roles = [m["role"] for m in project.models()]
        assert sorted(roles) == ["detector", "detector_config", "pose_patient"]


def test_each_category_gets_its_own_pose_model(clip, service, settings, tmp_path):
    need_full()
    _, _, video = clip
    both = replace(settings, categories=("patient", "user"),
                   pose={"patient": str(POSE), "user": str(USER_POSE)}, score_threshold=0.0)
    with _project(tmp_path / "p.medpose", video) as project, open_media(video) as src:
        service.run(project, src, [0], both)
        counts = {(i.category, i.num_keypoints) for i in project.instances(0)}
    assert counts == {("patient", 21), ("user", 6)}


def test_a_pose_model_that_does_not_fit_the_schema_is_refused_before_computing(
        clip, service, settings, tmp_path):
    need_full()
    _, _, video = clip
    wrong = replace(settings, pose={"patient": str(USER_POSE)})
    with _project(tmp_path / "p.medpose", video) as project, open_media(video) as src, \
            pytest.raises(Exception, match="6 keypoints but schema 'medic_casualty' has 21"):
        service.run(project, src, range(N_FRAMES), wrong)


def test_a_failed_first_infer_leaves_no_project_behind(clip, capsys):
    need_full()
    work, config, video = clip
    out = work / "never.medpose"
    rc = main(["infer", str(video), "--detector", str(DETECTOR_WEIGHTS),
               "--detector-config", str(config), "--pose", str(USER_POSE), "--device", "cpu",
               "--out", str(out), "--quiet"])
    assert rc == 2 and "6 keypoints" in capsys.readouterr().err
    assert not out.exists()
