"""Tracks given to predictions as they are stored (the run service calls this).

For every stored frame, in frame order, the new (untracked) persons get a track id:

1. a person that replaces a prediction of the same frame (same category, box IoU >= 0.5,
   one to one) keeps that prediction's track: a re-run does not renumber the video;
2. the others continue the tracks seen in the frames just before (:func:`.linker.link`),
   except tracks a person of this frame already holds (the medic's persons keep theirs);
3. the rest start new tracks.

Then, where the next frame was stored earlier (a cluster storing batches out of order, a
range run before the frames after it), a track that starts there and continues one of this
frame is joined to it (renamed), so the order in which frames are stored does not split
tracks. All reads and writes go through the project inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from medpose_gui.core.annotations import Instance
from medpose_gui.core.project import Project
from medpose_gui.core.rerun_policy import match_one_to_one

from .linker import DEFAULT_LINK, LinkSettings, TrackHead, head_of, link


@dataclass
class TrackingReport:
    """What the tracker did with one store."""

    kept: int = 0  # persons that kept the track of the prediction they replaced
    continued: int = 0  # persons linked to a track of the frames before
    started: int = 0  # new tracks
    joined: int = 0  # tracks stored earlier further on, joined to one of these frames


def assign_tracks(project: Project, frames: Iterable[int],
                  replaced: Mapping[int, Sequence[Instance]] | None = None,
                  settings: LinkSettings = DEFAULT_LINK) -> TrackingReport:
    """Give the untracked persons of ``frames`` their tracks (see the module docstring).

    ``replaced``: per frame, the predictions the store replaced (with their track ids).
    """
    report = TrackingReport()
    todo = sorted({int(f) for f in frames})
    pending = set(todo)
    sigmas = {c.name: np.asarray(c.schema.sigmas) for c in project.categories}
    for frame in todo:
        pending.discard(frame)
        _assign_frame(project, frame, (replaced or {}).get(frame, ()), sigmas, settings, report)
        _join_next(project, frame, pending, sigmas, settings, report)
    return report


def _assign_frame(project: Project, frame: int, replaced: Sequence[Instance],
                  sigmas: Mapping[str, np.ndarray], settings: LinkSettings,
                  report: TrackingReport) -> None:
    instances = project.instances(frame)
    new = [inst for inst in instances if inst.track_id is None]
    if not new:
        return
    taken = {inst.track_id for inst in instances if inst.track_id is not None}
    tracks: dict[str, int] = {}
    # 1. the track of the prediction each one replaces
    old = [r for r in replaced if r.track_id is not None and r.track_id not in taken]
    for i, j in match_one_to_one(new, old):
        tracks[new[i].uid] = int(old[j].track_id)
        taken.add(int(old[j].track_id))
        report.kept += 1
    # 2. the tracks of the frames just before
    rest = [inst for inst in new if inst.uid not in tracks]
    heads = [h for h in recent_heads(project, frame, settings.max_gap) if h.track_id not in taken]
    for i, track in link(heads, rest, frame, sigmas, settings).items():
        tracks[rest[i].uid] = track
        report.continued += 1
    # 3. new tracks
    next_id = project.next_track_id()
    for inst in new:
        if inst.uid not in tracks:
            tracks[inst.uid] = next_id
            next_id += 1
            report.started += 1
    project.set_track_ids(frame, tracks)


def recent_heads(project: Project, frame: int, max_gap: int) -> list[TrackHead]:
    """The heads of the tracks seen in the ``max_gap`` frames before ``frame`` (latest
    person of each, with its velocity from the person before it)."""
    seen: dict[int, tuple[int, Instance]] = {}
    before: dict[int, tuple[int, Instance]] = {}
    for f in range(frame - 1, max(frame - 2 * max_gap, 0) - 1, -1):
        for inst in project.instances(f):
            t = inst.track_id
            if t is None:
                continue
            if t not in seen:
                if f >= frame - max_gap:
                    seen[t] = (f, inst)
            elif t not in before:
                before[t] = (f, inst)
    return [head_of(t, f, inst, before.get(t)) for t, (f, inst) in seen.items()]


def heads_at(project: Project, frame: int, max_gap: int) -> list[TrackHead]:
    """Heads of the tracks of ``frame`` itself (for joining the frame after it)."""
    heads = []
    for inst in project.instances(frame):
        if inst.track_id is None:
            continue
        earlier = None
        for f in range(frame - 1, max(frame - max_gap, 0) - 1, -1):
            match = next((i for i in project.instances(f) if i.track_id == inst.track_id), None)
            if match is not None:
                earlier = (f, match)
                break
        heads.append(head_of(int(inst.track_id), frame, inst, earlier))
    return heads


def _join_next(project: Project, frame: int, pending: set[int],
               sigmas: Mapping[str, np.ndarray], settings: LinkSettings,
               report: TrackingReport) -> None:
    """Join tracks that start in the next stored frame and continue one of ``frame``."""
    nxt = next((f for f in range(frame + 1, frame + settings.max_gap + 1)
                if project.instances(f)), None)
    if nxt is None or nxt in pending:
        return  # nothing stored after this frame yet, or it is assigned next anyway
    heads = heads_at(project, frame, settings.max_gap)
    persons = [inst for inst in project.instances(nxt) if inst.track_id is not None]
    for i, track in link(heads, persons, nxt, sigmas, settings).items():
        later = int(persons[i].track_id)
        if later == track:
            continue
        ours, theirs = project.track_span(track), project.track_span(later)
        if ours is not None and theirs is not None and ours[1] <= frame < theirs[0]:
            project.rename_track(later, track)
            report.joined += 1
