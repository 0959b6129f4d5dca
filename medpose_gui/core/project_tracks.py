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
from collections.abc import Iterable, Iterator, Mapping
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

    def _touch(self, frames: Iterable[int]) -> None: ...  # Project's

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

    def track_category(self, track_id: int) -> str | None:
        """The category of a track's persons (None: no person has it)."""
        with self._read() as c:
            row = c.execute("SELECT category FROM instances WHERE track_id = ? LIMIT 1",
                            (int(track_id),)).fetchone()
        return None if row is None else row[0]

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

    def untracked_frames(self, first: int, last: int) -> list[int]:
        """Frames in first..last holding a person without a track, ascending."""
        with self._read() as c:
            return [r[0] for r in c.execute(
                "SELECT DISTINCT frame FROM instances WHERE track_id IS NULL "
                "AND frame BETWEEN ? AND ? ORDER BY frame", (int(first), int(last)))]

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
            self._touch([int(frame)])

    def rename_track(self, old: int, new: int) -> list[int]:
        """Every instance of track ``old`` joins track ``new`` (the tracker stitching a
        track stored out of order onto the one it continues); returns the frames changed."""
        with self._write() as c:
            frames = [r[0] for r in c.execute(
                "SELECT DISTINCT frame FROM instances WHERE track_id = ?", (int(old),))]
            c.execute("UPDATE instances SET track_id = ? WHERE track_id = ?", (int(new), int(old)))
            self._touch(frames)
        return frames

    def trajectories(self, track_id: int | None = None) -> list[Trajectory]:
        """Arrays of every track (or of ``track_id``): frames, boxes, points, scores.

        Read straight from the stored blobs (no :class:`Instance` is built): the triage of
        a long video reads every person once, in frame chunks so a reader on another thread
        never holds the project for long. Untracked persons come as one trajectory with
        ``track_id`` None (frames may repeat there).
        """
        columns = ("SELECT track_id, frame, source, box, keypoints, scores, ord, category "
                   "FROM instances")
        if track_id is not None:
            with self._read() as c:
                rows = c.execute(f"{columns} WHERE track_id = ?", (int(track_id),)).fetchall()
        else:
            with self._read() as c:
                top = c.execute("SELECT MAX(frame) FROM instances").fetchone()[0]
            rows = []
            for lo in range(0, (top if top is not None else -1) + 1, TRAJECTORY_CHUNK):
                with self._read() as c:
                    rows += c.execute(f"{columns} WHERE frame BETWEEN ? AND ?",
                                      (lo, lo + TRAJECTORY_CHUNK - 1)).fetchall()
        rows.sort(key=lambda r: (-1 if r[0] is None else r[0], r[1], r[6]))
        out: list[Trajectory] = []
        start = 0
        for i in range(1, len(rows) + 1):
            if i == len(rows) or rows[i][0] != rows[start][0]:
                out.append(_trajectory(rows[start:i]))
                start = i
        return out


# Frames per query when reading every trajectory (each query holds the project ~10 ms).
TRAJECTORY_CHUNK = 512


@dataclass(frozen=True)
class Trajectory:
    """One track as arrays (n persons, K points), ordered by frame."""

    track_id: int | None
    category: str  # of its first person (a track is one person: one category)
    frames: np.ndarray  # (n,) int64
    boxes: np.ndarray  # (n, 4)
    keypoints: np.ndarray  # (n, K, 3)
    scores: np.ndarray  # (n, K)
    keyframe: np.ndarray  # (n,) bool: the medic's person (corrected or drawn)

    def __len__(self) -> int:
        return int(self.frames.shape[0])


_KEYFRAME_VALUES = {s.value for s in Source if s.is_keyframe}


def _trajectory(rows: list[tuple]) -> Trajectory:
    k = len(rows[0][5]) // 8
    kps = [np.frombuffer(r[4], dtype="<f8") for r in rows]
    same_k = all(a.shape[0] == 3 * k for a in kps)
    if not same_k:  # a category changed inside a track: keep the points of the first schema
        rows = [r for r, a in zip(rows, kps, strict=True) if a.shape[0] == 3 * k]
        kps = [a for a in kps if a.shape[0] == 3 * k]
    return Trajectory(
        track_id=rows[0][0],
        category=rows[0][7],
        frames=np.array([r[1] for r in rows], dtype=np.int64),
        boxes=np.frombuffer(b"".join(r[3] for r in rows), dtype="<f8").reshape(-1, 4).copy(),
        keypoints=np.concatenate(kps).reshape(len(rows), k, 3) if rows else np.zeros((0, k, 3)),
        scores=np.frombuffer(b"".join(r[5] for r in rows), dtype="<f8").reshape(-1, k).copy(),
        keyframe=np.array([r[2] in _KEYFRAME_VALUES for r in rows], dtype=bool))
