"""A real window on a real project with two tracked persons moving with the video (for the
tests and benchmarks of the video tools)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from medpose_gui.core.annotations import Instance
from medpose_gui.core.project import Project
from medpose_gui.media import open_media
from medpose_gui.session import media_info, project_path_for
from tests.scene import make_scene_video

SHIFT_PX = 4  # the video rolls the scene this far right per frame
# The astronaut pasted into the scene, and two more "persons" on its texture.
PERSONS = {1: (704.0, 150.0, 1216.0, 662.0), 2: (100.0, 200.0, 300.0, 650.0),
           3: (380.0, 300.0, 560.0, 700.0)}


def person_at(track: int, frame: int, box_scale: float = 1.0) -> Instance:
    """Track ``track``'s predicted person at ``frame`` (box ``box_scale`` x the true size)."""
    x1, y1, x2, y2 = PERSONS[track]
    dx = SHIFT_PX * frame
    c = np.array([(x1 + x2) / 2 + dx, (y1 + y2) / 2])
    half = np.array([x2 - x1, y2 - y1]) / 2 * box_scale
    t = np.linspace(0.15, 0.85, 21)
    xys = np.column_stack([x1 + dx + t * (x2 - x1), y1 + t[::-1] * (y2 - y1),
                           np.full(21, 0.8)])
    return Instance.from_prediction("patient", [*(c - half), *(c + half)], 0.95, xys,
                                    track_id=track)


def tracked_video_project(folder: Path, n_frames: int = 12, box_scale: float = 1.0) -> Path:
    """The fixture video and its project holding both tracks on every frame; returns the
    project path (beside the video, where opening the video finds it)."""
    video = make_scene_video(folder / "clip.mp4", n_frames, SHIFT_PX)
    with open_media(video) as src:
        info = media_info(video, src)
    path = project_path_for(video)
    with Project.create(path, info) as project:
        project.store_predictions({f: [person_at(1, f, box_scale), person_at(2, f, box_scale)]
                                   for f in range(n_frames)})
    return path


class Answers(SimpleNamespace):
    """Stand-in for VideoQuestions: each question returns what the test set."""

    def frame(self, _num, _current):
        return self.frame_answer

    def frame_range(self, _num, _current, _title, score=None):
        return self.range_answer

    def track(self, _current, _suggestions):
        return self.track_answer

    def merge_target(self, _track, candidates):
        self.merge_candidates = candidates
        return self.merge_answer

    def propagation(self, default_frames=25):
        return self.propagation_answer


def snapshot(project: Project) -> tuple:
    """Every frame's persons and review state (undo must give exactly this back)."""
    return tuple((f.index, f.review, tuple(f.instances)) for f in project.iter_frames())


def person(project: Project, frame: int, track: int) -> Instance:
    (inst,) = [i for i in project.instances(frame) if i.track_id == track]
    return inst
