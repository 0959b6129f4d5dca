"""Which frames need a look: a per-frame score from the tracks' motion and the model's scores.

Four signs, each scored 0..1 per frame (the frame's score is the largest, with its reason):

- a keypoint jump: a point's speed (per frame, in units of the person's size) far above its
  own speed in the neighbouring frames (the median over a window), as DeepLabCut's outlier
  extraction looks for jumps, here relative to the point's own motion so a running person
  is not flagged everywhere;
- a box-size jump: the box area changes by a large factor from one frame to the next;
- a track starts or ends inside the video, or misses frames (a missed or false detection);
- a person whose mean keypoint score is below the low-confidence threshold.

Pure numpy over :class:`~medpose_gui.core.project_tracks.Trajectory` arrays; approved frames
score 0 (the medic has looked).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from medpose_gui.core.annotations import ReviewState, in_review_state
from medpose_gui.core.project_tracks import Trajectory

if TYPE_CHECKING:
    from medpose_gui.core.project import Project


class Reason(IntEnum):
    """Why a frame needs a look (the largest sign wins)."""

    NONE = 0
    KEYPOINT_JUMP = 1
    SIZE_JUMP = 2
    TRACK_START_END = 3
    LOW_SCORE = 4


REASON_TEXT = {Reason.NONE: "", Reason.KEYPOINT_JUMP: "a keypoint jumps",
               Reason.SIZE_JUMP: "a box changes size abruptly",
               Reason.TRACK_START_END: "a track starts, ends or has a gap",
               Reason.LOW_SCORE: "low keypoint scores"}

NEEDS_A_LOOK = 0.5  # a frame scoring at least this is one "next frame that needs a look" stops at


@dataclass(frozen=True)
class TriageSettings:
    jump_ratio: float = 4.0  # a point faster than this many times its neighbours' median
    min_jump: float = 0.05  # ... and faster than this fraction of the person's size per frame
    window: int = 5  # neighbours: this many frames on each side
    size_factor: float = 1.5  # box area x or / this from one frame to the next: starts to count
    start_end: float = 0.6  # score of a track's start, end or gap inside the video
    low_score: float = 0.3  # mean keypoint score below this: low confidence


DEFAULT_TRIAGE = TriageSettings()


@dataclass(frozen=True)
class Triage:
    """Per frame: how much it needs a look (0..1) and why."""

    score: np.ndarray  # (num_frames,) float
    reason: np.ndarray  # (num_frames,) int8 Reason

    def next_frame(self, after: int, approved: np.ndarray | None = None) -> int | None:
        """The first frame after ``after`` scoring at least NEEDS_A_LOOK (not approved)."""
        flagged = self.score >= NEEDS_A_LOOK
        if approved is not None:
            flagged &= ~np.asarray(approved[:len(flagged)], dtype=bool)
        later = np.flatnonzero(flagged[after + 1:])
        return None if later.size == 0 else int(after + 1 + later[0])

    def text(self, frame: int) -> str:
        if not 0 <= frame < len(self.score) or self.reason[frame] == Reason.NONE:
            return ""
        return f"{REASON_TEXT[Reason(int(self.reason[frame]))]} ({self.score[frame]:.2f})"


def point_jumps(traj: Trajectory, settings: TriageSettings = DEFAULT_TRIAGE) -> np.ndarray:
    """(n, K) jump score of each point of a track (0 where it moves like its neighbours).

    The speed at person i is its move from person i-1 over the frames between them, in
    units of the person's size (square root of its box area). A point off on one frame is
    flagged there only, not again where it comes back.
    """
    n, k = traj.keypoints.shape[:2]
    if n < 3:
        return np.zeros((n, k))
    size = np.sqrt(np.maximum(np.prod(traj.boxes[:, 2:] - traj.boxes[:, :2], axis=1), 1.0))
    dt = np.diff(traj.frames).astype(np.float64)
    xy, labelled = traj.keypoints[:, :, :2], traj.keypoints[:, :, 2] > 0
    speed = np.full((n, k), np.nan)
    step = np.linalg.norm(xy[1:] - xy[:-1], axis=2) / (dt[:, None] * size[1:, None])
    speed[1:] = np.where(labelled[1:] & labelled[:-1], step, np.nan)
    w = settings.window
    padded = np.concatenate([np.full((w, k), np.nan), speed, np.full((w, k), np.nan)])
    windows = sliding_window_view(padded, 2 * w + 1, axis=0).copy()  # (n, K, 2w + 1)
    windows[:, :, w] = np.nan  # the point itself is not its own neighbour
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows: no neighbours
        typical = np.nanmedian(windows, axis=2)
    typical = np.where(np.isfinite(typical), typical, 0.0)
    floor = settings.min_jump / settings.jump_ratio  # a still point: any real jump counts
    with np.errstate(all="ignore"):
        ratio = speed / np.maximum(typical, floor)
    score = np.clip((ratio - settings.jump_ratio) / settings.jump_ratio, 0.0, 1.0)
    out = np.where(np.isfinite(speed) & (speed >= settings.min_jump), score, 0.0)
    # A point that is off on one frame jumps there and jumps back on the next: the way back
    # is not a second outlier (the flagged frame is the one where the point is wrong).
    move = np.zeros((n, k, 2))
    move[1:] = xy[1:] - xy[:-1]
    dot = (move[1:-1] * move[2:]).sum(axis=2)
    norms = np.linalg.norm(move[1:-1], axis=2) * np.linalg.norm(move[2:], axis=2)
    with np.errstate(all="ignore"):
        back = (out[1:-1] > 0) & (out[2:] > 0) & (dot < -0.5 * norms)
    out[2:][back] = 0.0
    return out


def triage(trajectories: Sequence[Trajectory], num_frames: int,
           approved: np.ndarray | None = None,
           settings: TriageSettings = DEFAULT_TRIAGE) -> Triage:
    """The per-frame score of a video (see the module docstring)."""
    score = np.zeros(num_frames)
    reason = np.zeros(num_frames, dtype=np.int8)

    def raise_to(frames: np.ndarray, values: np.ndarray, why: Reason) -> None:
        ok = (frames >= 0) & (frames < num_frames)
        frames, values = frames[ok], values[ok]
        order = np.argsort(values, kind="stable")  # larger values written last: they win
        frames, values = frames[order], values[order]
        better = values > score[frames]
        score[frames[better]] = values[better]
        reason[frames[better]] = why

    for traj in trajectories:
        if len(traj) == 0:
            continue
        _low_scores(traj, settings, raise_to)
        if traj.track_id is None:
            continue  # untracked persons: no motion to judge
        raise_to(traj.frames, point_jumps(traj, settings).max(axis=1), Reason.KEYPOINT_JUMP)
        _size_jumps(traj, settings, raise_to)
        _starts_and_ends(traj, num_frames, settings, raise_to)
    if approved is not None:
        done = np.asarray(approved[:num_frames], dtype=bool)
        score[: len(done)][done] = 0.0
        reason[: len(done)][done] = Reason.NONE
    return Triage(score, reason)


def _low_scores(traj: Trajectory, settings: TriageSettings, raise_to) -> None:
    scored = np.isfinite(traj.scores)
    count = scored.sum(axis=1)
    with np.errstate(all="ignore"):  # a hand-placed person has no score: NaN, not low
        mean = np.where(count > 0, np.where(scored, traj.scores, 0.0).sum(axis=1) / count,
                        np.nan)
    low = np.isfinite(mean) & (mean < settings.low_score) & ~traj.keyframe
    value = 0.5 + 0.5 * (1.0 - mean[low] / settings.low_score)
    raise_to(traj.frames[low], value, Reason.LOW_SCORE)


def _size_jumps(traj: Trajectory, settings: TriageSettings, raise_to) -> None:
    if len(traj) < 2:
        return
    area = np.maximum(np.prod(traj.boxes[:, 2:] - traj.boxes[:, :2], axis=1), 1.0)
    change = np.abs(np.log(area[1:] / area[:-1]))
    start = np.log(settings.size_factor)
    raise_to(traj.frames[1:], np.clip((change - start) / start, 0.0, 1.0), Reason.SIZE_JUMP)


def _starts_and_ends(traj: Trajectory, num_frames: int, settings: TriageSettings,
                     raise_to) -> None:
    """A track's first frame (after frame 0), the first frame it is missing from after its
    end (before the last frame), and the first frame of every gap inside it."""
    frames = traj.frames
    marks = [int(frames[0])] if frames[0] > 0 else []
    if frames[-1] < num_frames - 1:
        marks.append(int(frames[-1]) + 1)
    gaps = np.flatnonzero(np.diff(frames) > 1)
    marks += (frames[gaps] + 1).tolist()
    if marks:
        raise_to(np.array(marks), np.full(len(marks), settings.start_end),
                 Reason.TRACK_START_END)


def triage_project(project: Project, settings: TriageSettings = DEFAULT_TRIAGE) -> Triage:
    """:func:`triage` of every person of a project (reads all of them: run it off the GUI
    thread for a long video)."""
    summary = project.frame_summary()
    n = max(int(project.media.num_frames), len(summary.review))
    approved = in_review_state(summary.review, ReviewState.APPROVED)
    return triage(project.trajectories(), n, approved, settings)
