"""Track queries and track-id writes of the project (a part of :class:`Project`).

A track is the set of instances that share a ``track_id``: one person across frames. Track
ids are project-wide integers (unique across categories), never reused while a deleted
prediction still names one. These methods read without decoding blobs where they can (the
timeline's lanes for 50,000 frames are one query) and write only the ``track_id`` column
(the tracker's assignment when predictions are stored; the medic's track edits go through
:mod:`medpose_gui.core.track_edits`, as undoable per-frame edits).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np

from medpose_gui.core import project_db as db
from medpose_gui.core.annotations import Instance, Source
from medpose_gui.core.project_read import ProjectReader

# Source <-> the small integer of TrackRows.source (order = Source's declaration order).
SOURCE_CODE: dict[Source, int] = {s: i for i, s in enumerate(Source)}
SOURCE_OF_CODE: dict[int, Source] = {i: s for s, i in SOURCE_CODE.items()}


@dataclass(frozen=True)
class TrackRows:
    """Where every tracked instance is, as parallel arrays sorted by (track, frame)."""

    frame: np.ndarray  # int64
    track: np.ndarray  # int64
    source: np.ndarray  # int8, SOURCE_CODE
    category: tuple[str, ...]  # per row

    def __len__(self) -> int:
        return int(self.frame.shape[0])

    def track_ids(self) -> list[int]:
        return sorted(set(self.track.tolist()))

    def frames_of(self, track_id: int) -> np.ndarray:
        return self.frame[self.track == track_id]


class TrackStore:
    """Mixin of :class:`medpose_gui.core.project.Project`: tracks by id. Persons are decoded
    by the project's checked reader (a damaged row is skipped and listed, never raised)."""

    _reader: ProjectReader

    _touched: set[int]

    def _read(self) -> AbstractContextManager[sqlite3.Connection]: ...  # Project's

    def _write(self) -> AbstractContextManager[sqlite3.Connection]: ...  # Project's

    # -- reading ---------------------------------------------------------------------
    def track_instances(self, track_id: int, first: int | None = None,
                        last: int | None = None) -> list[tuple[int, Instance]]:
        """``(frame, instance)`` of track ``track_id`` by frame (within first..last)."""
        lo = -(1 << 62) if first is None else int(first)
        hi = (1 << 62) if last is None else int(last)
        with self._read() as c:
            rows = c.execute(f"{db.SELECT_INSTANCE} WHERE track_id = ? AND frame BETWEEN ? AND ? "
                             "ORDER BY frame, ord", (int(track_id), lo, hi)).fetchall()
        return self._reader.decode(rows)

    def track_span(self, track_id: int) -> tuple[int, int] | None:
        """First and last frame of a track (None: no instance has it)."""
        with self._read() as c:
            lo, hi = c.execute("SELECT MIN(frame), MAX(frame) FROM instances WHERE track_id = ?",
                               (int(track_id),)).fetchone()
        return None if lo is None else (int(lo), int(hi))

    def track_rows(self) -> TrackRows:
        """Every tracked instance's frame, track and source (no blobs decoded)."""
        with self._read() as c:
            rows = c.execute("SELECT frame, track_id, source, category FROM instances "
                             "WHERE track_id IS NOT NULL ORDER BY track_id, frame").fetchall()
        codes = {s.value: code for s, code in SOURCE_CODE.items()}
        return TrackRows(frame=np.array([r[0] for r in rows], dtype=np.int64),
                         track=np.array([r[1] for r in rows], dtype=np.int64),
                         source=np.array([codes.get(r[2], 0) for r in rows], dtype=np.int8),
                         category=tuple(r[3] for r in rows))

    def next_track_id(self) -> int:
        """An id no instance and no kept deletion uses (ids start at 1)."""
        with self._read() as c:
            top = c.execute("SELECT MAX(m) FROM (SELECT MAX(track_id) AS m FROM instances "
                            "UNION ALL SELECT MAX(track_id) FROM deleted_predictions)"
                            ).fetchone()[0]
        return 1 if top is None else int(top) + 1

    def iter_track_frames(self, first: int, last: int) -> Iterator[tuple[int, list[Instance]]]:
        """``(frame, instances)`` of every frame in first..last that has instances."""
        with self._read() as c:
            rows = c.execute(f"{db.SELECT_INSTANCE} WHERE frame BETWEEN ? AND ? "
                             "ORDER BY frame, ord", (int(first), int(last))).fetchall()
        by_frame: dict[int, list[Instance]] = {}
        for frame, inst in self._reader.decode(rows):
            by_frame.setdefault(frame, []).append(inst)
        yield from sorted(by_frame.items())

    # -- writing (the tracker's; not the medic's) ------------------------------------
    def set_track_ids(self, frame: int, tracks: Mapping[str, int | None]) -> None:
        """Give instances of ``frame`` (by uid) their track ids; only that column changes."""
        if not tracks:
            return
        with self._write() as c:
            c.executemany("UPDATE instances SET track_id = ? WHERE uid = ? AND frame = ?",
                          [(None if t is None else int(t), uid, int(frame))
                           for uid, t in tracks.items()])
            self._touched.add(int(frame))

    def rename_track(self, old: int, new: int) -> list[int]:
        """Every instance of track ``old`` joins track ``new`` (the tracker stitching a
        track stored out of order onto the one it continues); returns the frames changed."""
        with self._write() as c:
            frames = [r[0] for r in c.execute(
                "SELECT DISTINCT frame FROM instances WHERE track_id = ?", (int(old),))]
            c.execute("UPDATE instances SET track_id = ? WHERE track_id = ?", (int(new), int(old)))
            self._touched.update(frames)
        return frames
