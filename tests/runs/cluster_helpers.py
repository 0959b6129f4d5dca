"""Shared setup of the cluster tests: small generated videos, the fixture models at
MIN_SIZE_TEST 120 (tests/small_models.py), a box threshold keeping about two patients per
frame, and project contents compared instance by instance (uids aside: each run makes its own).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from medpose_gui.core.project import Project
from tests.fixture_paths import CASUALTY_WEIGHTS, DETECTOR_WEIGHTS
from tests.media.video_factory import make_indexed_video
from tests.small_models import write_min120_config

DET_WEIGHTS = DETECTOR_WEIGHTS  # the in-repo fixture subset: every clone runs these tests
POSE_WEIGHTS = CASUALTY_WEIGHTS
VIDEO_FRAMES = {"clip_a": 7, "clip_b": 5}


def make_workdir(work: Path, frames: dict[str, int] = VIDEO_FRAMES) -> tuple[Path, list[Path]]:
    """The detector config and the generated videos (160x120)."""
    config = write_min120_config(work)
    videos = [make_indexed_video(work / f"{name}.mp4", n, size=(160, 120), textured=True)
              for name, n in frames.items()]
    return config, videos


def box_threshold(config: Path, video: Path) -> float:
    """Midway between the scores of the 2n-th and (2n+1)-th patient box (random weights):
    float noise cannot flip a box across it."""
    from medpose_gui.inference import load_detector
    from medpose_gui.media import open_media

    det = load_detector(DET_WEIGHTS, config)
    with open_media(video) as src:
        dets = det.detect([src[i] for i in range(len(src))])
        n = len(src)
    scores = np.sort(np.concatenate([d.scores[d.labels == 0] for d in dets]))[::-1]
    return float((scores[2 * n - 1] + scores[2 * n]) / 2)


def infer_args(config: Path, threshold: float, *inputs: Path | str,
               quiet: bool = True) -> list[str]:
    return ["infer", *map(str, inputs), "--detector", str(DET_WEIGHTS), "--detector-config",
            str(config), "--pose", str(POSE_WEIGHTS), "--device", "cpu",
            "--score-threshold", repr(threshold), *(["--quiet"] if quiet else [])]


def project_contents(path: Path) -> dict[int, list]:
    """Every frame's instances with a blank uid (bit-exact comparison of everything else)."""
    with Project.open(path) as project:
        return {i: [dataclasses.replace(inst, uid="") for inst in project.instances(i)]
                for i in range(project.media.num_frames)}


class StoreLog:
    """Records every batch the driver stores (wraps InferenceService.store)."""

    def __init__(self, monkeypatch) -> None:
        from medpose_gui.runs.service import InferenceService

        self.frames: list[tuple[str, int]] = []  # (project file name, frame) per stored frame
        original = InferenceService.store

        def store(service, project, models, batch, *args, **kwargs):
            self.frames.extend((project.path.name, int(f)) for f in batch)
            return original(service, project, models, batch, *args, **kwargs)

        monkeypatch.setattr(InferenceService, "store", store)
