"""Tracks of one model run assigned in frame order, whatever order its batches are stored in.

A local run stores its frames in order; a cluster run stores shards as workers finish them.
Linking a frame to the tracks just before it gives the same tracks in both only if the frames
are linked in the same order, so :class:`RunTracks` holds each stored frame back (with the
predictions it replaced) until every earlier frame of the run is stored, then assigns the
ready frames in order (:func:`~.assign.assign_tracks`). A run stored in order is assigned
batch by batch as before; a cluster run stores exactly what a local run stores, track ids
included.

A run interrupted with frames held back leaves them untracked; the run that resumes it (the
same models: "frames not yet predicted by these models") assigns them in their place in the
frame order, so the resumed result equals an uninterrupted one. At most
:data:`MAX_SWEPT_FRAMES` such frames are taken per stored batch (a project written before
tracks existed is not tracked all at once inside one store).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence

from medpose_gui.core.annotations import Instance
from medpose_gui.core.project import Project

from .assign import TrackingReport, assign_tracks
from .linker import DEFAULT_LINK, LinkSettings

MAX_SWEPT_FRAMES = 2000


class RunTracks:
    """The track assignment of one run over ``frames`` (the frames it computes) with the
    models of identity ``model_ids`` (their earlier, interrupted runs are completed)."""

    def __init__(self, frames: Iterable[int], model_ids: dict | None = None,
                 settings: LinkSettings = DEFAULT_LINK) -> None:
        self._order = sorted({int(f) for f in frames})
        self._next = 0  # index into _order of the first frame not yet assigned
        self._stored: set[int] = set()
        self._replaced: dict[int, list[Instance]] = {}
        self._model_ids = model_ids
        self._earlier: list[int] | None = None  # frames earlier runs of these models stored
        self._done_upto = -math.inf  # every frame up to here is assigned
        self._settings = settings
        self.report = TrackingReport()

    @property
    def waiting(self) -> list[int]:
        """Stored frames held back for an earlier frame still to come."""
        return sorted(self._stored)

    def stored(self, project: Project, frames: Iterable[int],
               replaced: Mapping[int, Sequence[Instance]]) -> list[int]:
        """``frames`` were stored (``replaced``: the predictions they replaced); assign
        every frame now ready, in order. Returns the frames assigned."""
        if self._earlier is None:
            planned = set(self._order)
            self._earlier = sorted(
                f for f in (project.frames_predicted_by(self._model_ids)
                            if self._model_ids else ()) if f not in planned)
        for frame in frames:
            self._stored.add(int(frame))
            self._replaced[int(frame)] = list(replaced.get(frame, ()))
        ready: list[int] = []
        while self._next < len(self._order) and self._order[self._next] in self._stored:
            ready.append(self._order[self._next])
            self._next += 1
        extra = sorted(self._stored - set(self._order))  # stored but not planned: now
        upto = self._order[self._next] - 1 if self._next < len(self._order) else math.inf
        swept = self._sweep(project, upto) if ready or upto == math.inf else []
        todo = sorted(set(ready) | set(extra) | set(swept))
        if not todo:
            return []
        report = assign_tracks(project, todo, {f: self._replaced.get(f, ()) for f in todo},
                               self._settings)
        for frame in ready + extra:
            self._stored.discard(frame)
            self._replaced.pop(frame, None)
        for name in ("kept", "continued", "started", "joined"):
            setattr(self.report, name, getattr(self.report, name) + getattr(report, name))
        return todo

    def _sweep(self, project: Project, upto: float) -> list[int]:
        """Frames an earlier run of these models stored untracked, after the last frame
        assigned and before the next frame of this run still to come."""
        earlier = self._earlier or []
        lo = bisect.bisect_right(earlier, self._done_upto)
        hi = bisect.bisect_right(earlier, upto)
        candidates = earlier[lo:hi][:MAX_SWEPT_FRAMES]
        self._done_upto = upto if len(earlier[lo:hi]) <= MAX_SWEPT_FRAMES else candidates[-1]
        if not candidates:
            return []
        untracked = set(project.untracked_frames(candidates[0], candidates[-1]))
        return [f for f in candidates if f in untracked]
