"""Tracks of one model run assigned in frame order, whatever order its batches are stored in.

A local run stores its frames in order; a cluster run stores shards as workers finish them.
Linking a frame to the tracks just before it gives the same tracks in both only if the frames
are linked in the same order, so :class:`RunTracks` holds each stored frame back (with the
predictions it replaced) until every earlier frame of the run is stored, then assigns the
ready frames in order (:func:`~.assign.assign_tracks`). A run stored in order is assigned
batch by batch as before; a cluster run stores exactly what a local run stores, track ids
included. Persons without a track in the frames between the run's frames (stored by an
earlier, interrupted run) are assigned on the way, so a resumed run leaves none behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from medpose_gui.core.annotations import Instance
from medpose_gui.core.project import Project

from .assign import TrackingReport, assign_tracks
from .linker import DEFAULT_LINK, LinkSettings


class RunTracks:
    """The track assignment of one run over ``frames`` (the frames it computes)."""

    def __init__(self, frames: Iterable[int], settings: LinkSettings = DEFAULT_LINK) -> None:
        self._order = sorted({int(f) for f in frames})
        self._next = 0  # index into _order of the first frame not yet assigned
        self._stored: set[int] = set()
        self._replaced: dict[int, list[Instance]] = {}
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
        for frame in frames:
            self._stored.add(int(frame))
            self._replaced[int(frame)] = list(replaced.get(frame, ()))
        ready: list[int] = []
        while self._next < len(self._order) and self._order[self._next] in self._stored:
            ready.append(self._order[self._next])
            self._next += 1
        extra = set(self._stored) - set(self._order)  # stored but not planned: now
        if not ready and not extra:
            return []
        lo, hi = (ready[0], ready[-1]) if ready else (min(extra), max(extra))
        between = set(project.untracked_frames(lo, hi)) if ready else set()
        todo = sorted(set(ready) | extra | between)
        report = assign_tracks(project, todo, {f: self._replaced.get(f, ()) for f in todo},
                               self._settings)
        for frame in ready + sorted(extra):
            self._stored.discard(frame)
            self._replaced.pop(frame, None)
        for name in ("kept", "continued", "started", "joined"):
            setattr(self.report, name, getattr(self.report, name) + getattr(report, name))
        return todo
