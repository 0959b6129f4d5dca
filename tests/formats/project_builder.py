"""Real projects (SQLite files under tmp_path) with a known mix of annotations for the
formats tests: every source, every review state, both categories, absent points, NaN
scores of hand-placed points and a moved prediction."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from medpose_gui.core.annotations import Instance, ReviewState, Visibility
from medpose_gui.core.project import MediaInfo, Project
from medpose_gui.core.schema import default_categories

WIDTH, HEIGHT = 320, 240
NUM_FRAMES = 12


def media_info(num_frames: int = NUM_FRAMES) -> MediaInfo:
    return MediaInfo(path="/data/clip.mp4", fingerprint="f" * 16, num_frames=num_frames,
                     fps=25.0, width=WIDTH, height=HEIGHT)


def empty_project(path: Path, num_frames: int = NUM_FRAMES) -> Project:
    return Project.create(path, media_info(num_frames), default_categories())


def predicted(rng: np.random.Generator, category: str, k: int, low: float = 0.05,
              high: float = 0.99) -> Instance:
    """A model-style instance: points inside a random box, scores spread over [low, high]."""
    x1, y1 = rng.uniform(5, 150), rng.uniform(5, 100)
    w, h = rng.uniform(40, 150), rng.uniform(40, 120)
    xys = np.column_stack([rng.uniform(x1, x1 + w, k), rng.uniform(y1, y1 + h, k),
                           np.linspace(low, high, k)])
    return Instance.from_prediction(category, [x1, y1, x1 + w, y1 + h],
                                    float(rng.uniform(0.8, 1.0)), xys, score_threshold=0.3)


def populated_project(path: Path, seed: int = 0) -> Project:
    """Frames:
    0 approved: corrected patient (one point moved, one occluded) + manual user
    1 unreviewed: two predicted patients + one predicted user
    2 in progress: predicted patient with one point moved by the medic
    3 approved, no instances (a reviewed empty frame)
    5 unreviewed: predicted user
    7 approved: predicted patient accepted as is
    """
    rng = np.random.default_rng(seed)
    project = empty_project(path)
    k_pat = project.schema_for("patient").num_keypoints
    k_usr = project.schema_for("user").num_keypoints

    pat = predicted(rng, "patient", k_pat)
    kps = pat.keypoints.copy()
    kps[4, :] = [60.25, 70.5, Visibility.VISIBLE]
    kps[5, 2] = Visibility.OCCLUDED
    project.put_instance(0, pat.replace(keypoints=kps))
    manual = Instance.manual("user", [200.0, 20.0, 260.5, 90.0], k_usr)
    mk = manual.keypoints.copy()
    mk[:3] = [[210.0, 30.0, 2], [220.5, 40.0, 2], [230.0, 55.125, 1]]
    project.put_instance(0, manual.replace(keypoints=mk))
    project.set_review_state(0, ReviewState.APPROVED)

    for inst in (predicted(rng, "patient", k_pat), predicted(rng, "patient", k_pat),
                 predicted(rng, "user", k_usr)):
        project.put_instance(1, inst)

    moved = predicted(rng, "patient", k_pat)
    mkps = moved.keypoints.copy()
    mkps[0] = [101.5, 102.5, Visibility.VISIBLE]  # score 0.05 stays; the medic placed it
    project.put_instance(2, moved.replace(keypoints=mkps))
    project.set_review_state(2, ReviewState.IN_PROGRESS)

    project.set_review_state(3, ReviewState.APPROVED)
    project.put_instance(5, predicted(rng, "user", k_usr))
    project.put_instance(7, predicted(rng, "patient", k_pat))
    project.set_review_state(7, ReviewState.APPROVED)
    return project
