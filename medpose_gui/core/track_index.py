"""Where each track is, in memory, kept up to date frame by frame (for the timeline's lanes).

Built once from :meth:`Project.track_rows` (one query, no blobs), then each edit or stored
batch updates only the frames it touched (:meth:`TrackIndex.update_frame` with that frame's
instances, which the project serves from its cache). A lane is one track's state per frame:
absent, predicted, filled by a video tool (interpolated/propagated), or a keyframe (the
medic's own person).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

import numpy as np

from medpose_gui.core.annotations import Instance, Source
from medpose_gui.core.project_tracks import SOURCE_OF_CODE, TrackRows


class Lane(IntEnum):
    """A track's state in one frame, as a lane shows it (larger wins when a frame has two)."""

    ABSENT = 0
    PREDICTED = 1
    FILLED = 2  # interpolated or propagated
    KEYFRAME = 3  # corrected or drawn by the medic


def lane_of(source: Source) -> Lane:
    if source.is_keyframe:
        return Lane.KEYFRAME
    return Lane.FILLED if source.is_filled else Lane.PREDICTED


class TrackIndex:
    """Tracks by frame and frames by track, with each person's lane state."""

    def __init__(self, num_frames: int) -> None:
        self.num_frames = int(num_frames)
        self._tracks: dict[int, dict[int, Lane]] = {}  # track -> {frame: lane state}
        self._frames: dict[int, set[int]] = {}  # frame -> tracks in it
        self._category: dict[int, str] = {}  # track -> its persons' category

    @classmethod
    def from_rows(cls, rows: TrackRows, num_frames: int) -> TrackIndex:
        index = cls(num_frames)
        for frame, track, code, category in zip(rows.frame.tolist(), rows.track.tolist(),
                                                rows.source.tolist(), rows.category,
                                                strict=True):
            index._add(frame, track, lane_of(SOURCE_OF_CODE[code]), category)
        return index

    def _add(self, frame: int, track: int, state: Lane, category: str) -> None:
        self._category[track] = category
        states = self._tracks.setdefault(track, {})
        states[frame] = max(states.get(frame, Lane.ABSENT), state)
        self._frames.setdefault(frame, set()).add(track)

    def update_frame(self, frame: int, instances: Iterable[Instance]) -> None:
        """Replace what the index knows of ``frame`` with its current ``instances``."""
        for track in self._frames.pop(frame, set()):
            states = self._tracks.get(track)
            if states is not None:
                states.pop(frame, None)
                if not states:
                    del self._tracks[track]
        for inst in instances:
            if inst.track_id is not None:
                self._add(frame, int(inst.track_id), lane_of(inst.source), inst.category)

    def apply_changes(self, frame: int, changes: Iterable[tuple[Instance | None, Instance | None]]
                      ) -> None:
        """Follow ``(before, after)`` person changes of ``frame`` without reading the frame
        (a propagation reports each stored frame this way; one person per track per frame)."""
        for before, after in changes:
            if before is not None and before.track_id is not None:
                track = int(before.track_id)
                states = self._tracks.get(track, {})
                states.pop(frame, None)
                if not states:
                    self._tracks.pop(track, None)
                self._frames.get(frame, set()).discard(track)
            if after is not None and after.track_id is not None:
                self._add(frame, int(after.track_id), lane_of(after.source), after.category)

    def tracks_at(self, frame: int) -> list[int]:
        return sorted(self._frames.get(frame, ()))

    def track_ids(self) -> list[int]:
        return sorted(self._tracks)

    def span(self, track: int) -> tuple[int, int] | None:
        states = self._tracks.get(track)
        return (min(states), max(states)) if states else None

    def lane(self, track: int) -> np.ndarray:
        """(num_frames,) int8 :class:`Lane` codes of one track."""
        out = np.zeros(self.num_frames, dtype=np.int8)
        states = self._tracks.get(track, {})
        if states:
            frames = np.fromiter(states.keys(), dtype=np.int64, count=len(states))
            codes = np.fromiter(states.values(), dtype=np.int8, count=len(states))
            ok = (frames >= 0) & (frames < self.num_frames)
            out[frames[ok]] = codes[ok]
        return out

    def keyframes(self, track: int) -> list[int]:
        return sorted(f for f, s in self._tracks.get(track, {}).items() if s == Lane.KEYFRAME)

    def shares_a_frame(self, a: int, b: int) -> bool:
        """Whether tracks ``a`` and ``b`` both have a person in some frame."""
        fa, fb = self._tracks.get(a, {}), self._tracks.get(b, {})
        small, large = (fa, fb) if len(fa) <= len(fb) else (fb, fa)
        return any(f in large for f in small)

    def merge_candidates(self, track: int, limit: int = 20) -> list[tuple[int, int]]:
        """Tracks that could join ``track`` (same category, never in a frame with it),
        nearest in time first: ``(track id, frames between them)``."""
        span = self.span(track)
        if span is None:
            return []
        out = []
        for other, states in self._tracks.items():
            if (other == track or not states or self.shares_a_frame(track, other)
                    or self._category.get(other) != self._category.get(track)):
                continue
            lo, hi = min(states), max(states)
            gap = lo - span[1] if lo > span[1] else span[0] - hi if hi < span[0] else 0
            out.append((gap, other))
        return [(other, gap) for gap, other in sorted(out)[:limit]]
