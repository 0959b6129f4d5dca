"""A real project holding tracks with known, linear motion (for the video tools' tests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from medpose_gui.core.annotations import Instance, ReviewState
from medpose_gui.core.project import Project
from tests.core.project_helpers import media_info

NUM_FRAMES = 60
VELOCITY = np.array([3.25, -1.5])  # px per frame of track 1 (box and every point)


def walker(frame: int, track: int = 1, noise: float = 0.0, seed: int = 0) -> Instance:
    """Track ``track``'s person at ``frame``: moving linearly, points (+ noise) inside it."""
    rng = np.random.default_rng(seed * 1000 + frame)
    origin = np.array([100.0, 300.0]) + VELOCITY * frame + (track - 1) * np.array([500.0, 0.0])
    rel = np.random.default_rng(track).uniform(0, 1, (21, 2)) * [150, 300]
    xy = origin + rel + rng.normal(0, noise, (21, 2))
    xys = np.column_stack([xy, np.full(21, 0.8)])
    box = [*origin, *(origin + [150, 300])]
    return Instance.from_prediction("patient", box, 0.9, xys, track_id=track)


def tracked_project(path: Path, noise: float = 4.0) -> Project:
    """Frames 0..59: track 1 (moving right and up) and track 2, noisy points; frame 30
    approved; nothing corrected yet."""
    project = Project.create(path, media_info(num_frames=NUM_FRAMES))
    project.store_predictions({f: [walker(f, 1, noise), walker(f, 2, noise, seed=1)]
                               for f in range(NUM_FRAMES)})
    project.set_review_state(30, ReviewState.APPROVED)
    return project


def snapshot(project: Project) -> tuple:
    """Every frame's instances and review state (to compare before/after an undo)."""
    return tuple((f.index, f.review, tuple(f.instances)) for f in project.iter_frames())


def person(project: Project, frame: int, track: int) -> Instance:
    (inst,) = [i for i in project.instances(frame) if i.track_id == track]
    return inst
