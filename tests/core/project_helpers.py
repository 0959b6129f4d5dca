"""Shared builders for the core tests (and the child processes they start)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from medpose_gui.core.annotations import Instance
from medpose_gui.core.project import MediaInfo, Project

NUM_FRAMES = 100


def media_info(path: str = "/data/video.mp4", num_frames: int = NUM_FRAMES) -> MediaInfo:
    return MediaInfo(path=path, fingerprint="sha256:abc", num_frames=num_frames, fps=30.0,
                     width=1280, height=720)


def predicted(seed: int, category: str = "patient", k: int = 21) -> Instance:
    """A model-style instance with random but reproducible values."""
    rng = np.random.default_rng(seed)
    xys = np.column_stack([rng.uniform(0, 1280, k), rng.uniform(0, 720, k), rng.uniform(0, 1, k)])
    x1, y1 = rng.uniform(0, 600, 2)
    return Instance.from_prediction(category, [x1, y1, x1 + 300, y1 + 200],
                                    float(rng.uniform(0.8, 1)), xys, score_threshold=0.3)


def new_project(path: Path, num_frames: int = NUM_FRAMES) -> Project:
    return Project.create(path, media_info(num_frames=num_frames))
