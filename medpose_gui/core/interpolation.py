"""Keyframe interpolation: fill a track between two of the medic's persons, linear in time.

A keyframe is a person the medic corrected or drew (:attr:`Source.is_keyframe`). Between two
keyframes of a track, every frame gets the box and each point moved linearly from the first
keyframe to the second. A point absent in either keyframe is not interpolated: it stays as
predicted (the track's person in that frame), or absent where there is none. Filled persons
are marked :attr:`Source.INTERPOLATED` (kept by model runs, reviewed like predictions); a
filled person replaces the track's person of that frame in place (same uid, prediction
kept), or is added where the detector missed it. Approved frames are left as they are.
"""

from __future__ import annotations

import numpy as np

from medpose_gui.core.annotations import Instance, Source, Visibility
from medpose_gui.core.edits import Edit, EditGroup, InstanceChange
from medpose_gui.core.project import Project


class InterpolationError(ValueError):
    """Interpolation is not possible here (the message says why, for the medic)."""


def interpolate_pose(first: Instance, last: Instance, t: float, base: Instance | None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(box, keypoints, scores) a fraction ``t`` (0..1) of the way from ``first`` to ``last``.

    Points labelled in both keyframes move linearly (visible if visible in both, else
    occluded; score NaN: the tool placed them); the others are ``base``'s (absent without).
    """
    box = first.box + (last.box - first.box) * t
    both = (first.keypoints[:, 2] > Visibility.ABSENT) & (last.keypoints[:, 2] > Visibility.ABSENT)
    if base is not None and base.num_keypoints == first.num_keypoints:
        kps, scores = base.keypoints.copy(), base.scores.copy()
    else:
        kps, scores = np.zeros_like(first.keypoints), np.full(first.num_keypoints, np.nan)
    xy = first.keypoints[:, :2] + (last.keypoints[:, :2] - first.keypoints[:, :2]) * t
    kps[both, :2] = xy[both]
    kps[both, 2] = np.minimum(first.keypoints[both, 2], last.keypoints[both, 2])
    scores[both] = np.nan
    return box, kps, scores


def keyframes(project: Project, track: int) -> list[tuple[int, Instance]]:
    """The track's keyframes (frame, person), by frame."""
    return [(f, inst) for f, inst in project.track_instances(track) if inst.is_keyframe]


def keyframes_around(project: Project, track: int, frame: int
                     ) -> tuple[tuple[int, Instance] | None, tuple[int, Instance] | None]:
    """The track's last keyframe before ``frame`` (or at it) and first after it."""
    keys = keyframes(project, track)
    before = [k for k in keys if k[0] <= frame]
    after = [k for k in keys if k[0] > frame]
    return (before[-1] if before else None), (after[0] if after else None)


def interpolate_track(project: Project, track: int, frame: int) -> EditGroup:
    """Fill the gap(s) of ``track`` around ``frame``: between the keyframes before and after
    it; at a keyframe, on both sides of it. One undo step."""
    keys = keyframes(project, track)
    spans = [(a, b) for a, b in zip(keys, keys[1:], strict=False)
             if a[0] <= frame <= b[0] and b[0] - a[0] > 1]
    if not spans:
        raise InterpolationError(
            f"track {track} needs a corrected person before and after frame {frame} "
            f"(it has {len(keys)} keyframe(s)): correct one, then interpolate")
    edits: list[Edit] = []
    for (fa, a), (fb, b) in spans:
        edits += _fill(project, track, fa, a, fb, b)
    return EditGroup(f"Interpolate track {track}", edits, frame)


def _fill(project: Project, track: int, fa: int, a: Instance, fb: int, b: Instance) -> list[Edit]:
    if a.category != b.category or a.num_keypoints != b.num_keypoints:
        raise InterpolationError(f"track {track}: keyframes {fa} and {fb} are of different "
                                 f"categories ({a.category}, {b.category})")
    persons = dict(project.track_instances(track, first=fa + 1, last=fb - 1))
    approved = project.approved_frames(fa + 1, fb - 1)
    edits = []
    for f in range(fa + 1, fb):
        if f in approved:
            continue  # the medic's verdict on this frame stands
        base = persons.get(f)
        box, kps, scores = interpolate_pose(a, b, (f - fa) / (fb - fa), base)
        if base is None:
            filled = Instance(category=a.category, box=box, keypoints=kps, scores=scores,
                              source=Source.INTERPOLATED, track_id=track)
        else:
            filled = base.replace(box=box, keypoints=kps, scores=scores,
                                  source=Source.INTERPOLATED)
        edits.append(Edit(f, "Interpolate", (InstanceChange(base, filled),)))
    return edits
