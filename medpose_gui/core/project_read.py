"""Reading a project that may be damaged: bad rows are skipped and listed, never raised.

A ``.medpose`` file can be a valid SQLite database and still hold rows we cannot use: a
keypoint blob of the wrong size, a source or review code this version does not know, a
frame index far outside the media (2e9 would make the timeline arrays ~26 GB), pages
overwritten on disk. Every read goes through :class:`ProjectReader`, which checks each row
before it becomes an :class:`~medpose_gui.core.annotations.Instance` and records what it
skipped as a :class:`ReadProblem` (the window lists them; the command line prints them).

Damaged pages make SQLite raise ``SQLITE_CORRUPT`` for any query that touches them. Then
the reader salvages: it reads the table by ranges of row ids, halving the ranges that fail
(:mod:`~medpose_gui.core.project_salvage`), keeps every row it could reach and reports the
ranges it could not.
A project with damaged pages is read-only from then on (the project asks
:attr:`ProjectReader.damaged`): writing into a damaged b-tree could spread the damage, and
everything readable can still be viewed and exported.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from medpose_gui.core import project_db as db
from medpose_gui.core.annotations import Instance, ReviewState
from medpose_gui.core.project_rows import (
    MAX_FRAMES_UNKNOWN_LENGTH,
    ReadProblem,
    check_media_row,
    faulty,
    row_fault,
    values_fault,
)
from medpose_gui.core.project_salvage import ROWID_MAX, ROWID_MIN, is_damage, read_ranges

# One instance row by row id, with its place in the frame last (salvage reads).
_SELECT_BY_ROWID = (db.SELECT_INSTANCE.replace(" FROM instances", ", ord FROM instances")
                    + " WHERE rowid = ?")


@dataclass
class _Salvaged:
    """What could be read of a damaged instances table: row ids and mean scores per frame."""

    rowids: dict[int, list[int]]
    means: dict[int, list[float | None]]


class ProjectReader:
    """Checked reads of one project connection; the caller holds the project's mutex."""

    def __init__(self, path: Path, num_frames: int) -> None:
        self.path = path
        self.frame_limit = int(num_frames) if num_frames > 0 else MAX_FRAMES_UNKNOWN_LENGTH
        self._num_keypoints: dict[str, int] = {}
        self._problems: dict[tuple[str, str], ReadProblem] = {}
        self.damaged: str | None = None  # first page-level failure: the project is read-only
        self._instances: _Salvaged | None = None
        self._reviews: dict[int, int] | None = None

    # -- problems ----------------------------------------------------------------------
    @property
    def problems(self) -> list[ReadProblem]:
        return list(self._problems.values())

    def problem(self, where: str, what: str, frame: int | None = None) -> None:
        self._problems.setdefault((where, what), ReadProblem(where, what, frame))

    def set_categories(self, num_keypoints: Mapping[str, int]) -> None:
        self._num_keypoints = dict(num_keypoints)

    def set_media_length(self, num_frames: int) -> None:
        self.frame_limit = int(num_frames) if num_frames > 0 else MAX_FRAMES_UNKNOWN_LENGTH

    def scan(self, conn: sqlite3.Connection) -> None:
        """The checks cheap enough for every open (the frame index and the small frames
        table, not the persons' blobs): rows outside the media, unknown review codes."""
        last = self.frame_limit - 1
        try:
            outside = conn.execute("SELECT COUNT(*), MIN(frame), MAX(frame) FROM instances "
                                   "WHERE frame < 0 OR frame > ?", (last,)).fetchone()
            if outside[0]:
                self.problem("persons", f"{outside[0]} stored at frame indices outside the "
                             f"media (0..{last}; found {outside[1]}..{outside[2]}): skipped")
            for frame, code in conn.execute(
                    "SELECT frame, review FROM frames WHERE frame < 0 OR frame > ? "
                    "OR review NOT IN (0, 1, 2) LIMIT 100", (last,)):
                if self.in_range(frame):
                    self.review(frame, code)
                else:
                    self.problem(f"frame {frame}", f"review state stored for a frame outside "
                                 f"the media (0..{last}): skipped")
        except sqlite3.DatabaseError as exc:
            self._damage("the file", exc)

    def in_range(self, frame: int) -> bool:
        return 0 <= frame < self.frame_limit

    def _damage(self, where: str, exc: sqlite3.Error) -> None:
        if not is_damage(exc):
            raise exc
        self.problem(where, f"part of the file cannot be read ({exc})")
        if self.damaged is None:
            self.damaged = (f"damaged: part of the file cannot be read ({exc}); what can be "
                            "read can be viewed and exported")

    # -- rows ------------------------------------------------------------------------
    def decode(self, rows: Iterable[tuple]) -> list[tuple[int, Instance]]:
        """(frame, instance) of each :data:`~medpose_gui.core.project_db.SELECT_INSTANCE`
        row that is a valid instance; the others are recorded as problems and left out.
        The numbers are checked for all rows at once (:func:`faulty`)."""
        good: list[tuple] = []
        for row in rows:
            what = row_fault(row, self._num_keypoints, self.frame_limit)
            if what is None:
                good.append(row)
            else:
                self._row_problem(row, what)
        bad = set(faulty(good))
        out: list[tuple[int, Instance]] = []
        for i, row in enumerate(good):
            try:
                inst = db.decode_instance(row)
            except (ValueError, TypeError, KeyError) as exc:
                self._row_problem(row, f"cannot be decoded ({exc})")
                continue
            if i in bad:
                self._row_problem(row, values_fault(inst) or "impossible numbers")
                continue
            out.append((row[-1], inst))
        return out

    def _row_problem(self, row: tuple, what: str) -> None:
        uid, frame = row[0], row[-1]
        self.problem(f"frame {frame}, person {str(uid)[:8]}", what,
                     frame if isinstance(frame, int) else None)

    def review(self, frame: int, code: object) -> ReviewState:
        state = db.REVIEW_OF_CODE.get(code) if isinstance(code, int) else None
        if state is None:
            self.problem(f"frame {frame}", f"unknown review state code {code!r} "
                         "(shown as unreviewed)", frame)
            return ReviewState.UNREVIEWED
        return state

    def review_code(self, frame: int, code: object) -> int:
        """The stored code of a frame's review state, 0 (unreviewed) for an unknown one."""
        return db.REVIEW_CODE[self.review(frame, code)]

    def review_counts(self, conn: sqlite3.Connection) -> dict[int, int]:
        """review code -> number of frames inside the media with it."""
        if self._reviews is None:
            try:
                return dict(conn.execute(
                    "SELECT review, COUNT(*) FROM frames WHERE frame BETWEEN 0 AND ? "
                    "GROUP BY review", (self.frame_limit - 1,)).fetchall())
            except sqlite3.DatabaseError as exc:
                self._damage("review states", exc)
        counted: dict[int, int] = {}
        for code in self.reviews(conn).values():
            counted[code] = counted.get(code, 0) + 1
        return counted

    def decode_all(self, rows: Iterable[tuple]) -> list[Instance]:
        return [inst for _, inst in self.decode(rows)]

    # -- reads -----------------------------------------------------------------------
    def instances(self, conn: sqlite3.Connection, frame: int) -> list[Instance]:
        if not self.in_range(frame):
            return []
        if self._instances is None:
            try:
                return self.decode_all(conn.execute(
                    f"{db.SELECT_INSTANCE} WHERE frame = ? ORDER BY ord", (frame,)).fetchall())
            except sqlite3.DatabaseError as exc:
                self._damage(f"frame {frame}", exc)
                self._salvage_instances(conn)
        return self.decode_all(self._salvaged_rows(conn, frame))

    def instance(self, conn: sqlite3.Connection, frame: int, uid: str) -> Instance | None:
        try:
            row = conn.execute(f"{db.SELECT_INSTANCE} WHERE frame = ? AND uid = ?",
                               (frame, uid)).fetchone()
        except sqlite3.DatabaseError as exc:
            self._damage(f"frame {frame}", exc)
            return next((i for i in self.instances(conn, frame) if i.uid == uid), None)
        found = [] if row is None else self.decode_all([row])
        return found[0] if found else None

    def review_state(self, conn: sqlite3.Connection, frame: int) -> ReviewState:
        if self._reviews is not None:
            code = self._reviews.get(frame)
        else:
            try:
                row = conn.execute("SELECT review FROM frames WHERE frame = ?",
                                   (frame,)).fetchone()
            except sqlite3.DatabaseError as exc:
                self._damage("review states", exc)
                code = self.reviews(conn).get(frame)
            else:
                code = None if row is None else row[0]
        return ReviewState.UNREVIEWED if code is None else self.review(frame, code)

    def reviews(self, conn: sqlite3.Connection, lo: int = 0, hi: int | None = None
                ) -> dict[int, int]:
        """frame -> review code of the frames in ``lo..hi`` (inside the media); codes are
        checked by :meth:`review` where they are used."""
        hi = self.frame_limit - 1 if hi is None else min(hi, self.frame_limit - 1)
        lo = max(lo, 0)
        if self._reviews is None:
            try:
                return dict(conn.execute("SELECT frame, review FROM frames "
                                         "WHERE frame BETWEEN ? AND ?", (lo, hi)).fetchall())
            except sqlite3.DatabaseError as exc:
                self._damage("review states", exc)
                self._reviews = dict(read_ranges(
                    conn, "SELECT frame, review FROM frames", "frame",
                    self._lost_reviews, 0, self.frame_limit - 1))
        return {f: c for f, c in self._reviews.items() if lo <= f <= hi}

    def _lost_reviews(self, first: int, last: int, message: str) -> None:
        self.problem(f"frames {first}..{last}", "review state cannot be read (shown as "
                     f"unreviewed): {message}", first)

    def frame_counts(self, conn: sqlite3.Connection) -> list[tuple[int, int, float | None]]:
        """(frame, instance count, mean of the mean scores) of frames inside the media."""
        if self._instances is None:
            try:
                return conn.execute(
                    "SELECT frame, COUNT(*), AVG(mean_score) FROM instances "
                    "WHERE frame BETWEEN 0 AND ? GROUP BY frame",
                    (self.frame_limit - 1,)).fetchall()
            except sqlite3.DatabaseError as exc:
                self._damage("persons", exc)
                self._salvage_instances(conn)
        out = []
        for frame, means in sorted(self._instances.means.items()):
            scored = [m for m in means if m is not None]
            out.append((frame, len(means), sum(scored) / len(scored) if scored else None))
        return out

    def annotated_frames(self, conn: sqlite3.Connection) -> list[int]:
        if self._instances is None and self._reviews is None:
            try:
                return [r[0] for r in conn.execute(
                    "SELECT frame FROM instances WHERE frame BETWEEN 0 AND ?1 UNION "
                    "SELECT frame FROM frames WHERE frame BETWEEN 0 AND ?1 ORDER BY frame",
                    (self.frame_limit - 1,))]
            except sqlite3.DatabaseError as exc:
                self._damage("persons", exc)
        if self._instances is None:
            try:
                framed = [r[0] for r in conn.execute(
                    "SELECT DISTINCT frame FROM instances WHERE frame BETWEEN 0 AND ?",
                    (self.frame_limit - 1,))]
            except sqlite3.DatabaseError as exc:
                self._damage("persons", exc)
                self._salvage_instances(conn)
                framed = list(self._instances.rowids)
        else:
            framed = list(self._instances.rowids)
        return sorted(set(framed) | set(self.reviews(conn)))

    def chunk(self, conn: sqlite3.Connection, frames: list[int]
              ) -> tuple[dict[int, list[Instance]], dict[int, int]]:
        """Instances and review codes of ``frames`` (ascending), read together."""
        lo, hi = frames[0], frames[-1]
        by_frame: dict[int, list[Instance]] = {}
        if self._instances is None:
            try:
                rows = conn.execute(f"{db.SELECT_INSTANCE} WHERE frame BETWEEN ? AND ? "
                                    "ORDER BY frame, ord", (lo, hi)).fetchall()
            except sqlite3.DatabaseError as exc:
                self._damage(f"frames {lo}..{hi}", exc)
                self._salvage_instances(conn)
            else:
                for frame, inst in self.decode(rows):
                    by_frame.setdefault(frame, []).append(inst)
        if self._instances is not None:
            by_frame = {f: self.decode_all(self._salvaged_rows(conn, f)) for f in frames}
        return by_frame, self.reviews(conn, lo, hi)

    def deleted(self, conn: sqlite3.Connection, frame: int | None) -> list[tuple[int, Instance]]:
        where, args = ("", ()) if frame is None else (" WHERE frame = ?", (frame,))
        try:
            rows = conn.execute(f"{db.SELECT_DELETED}{where} ORDER BY frame, uid",
                                args).fetchall()
        except sqlite3.DatabaseError as exc:
            if "no such table" in str(exc):
                return []  # a format-1 file from before the table, read without upgrading
            self._damage("deleted predictions", exc)
            rows = [r for r in read_ranges(
                conn, db.SELECT_DELETED, "rowid",
                lambda a, b, m: self.problem("deleted predictions",
                                             f"some cannot be read: {m}"))
                if frame is None or r[1] == frame]
            rows.sort(key=lambda r: (r[1], str(r[0])))
        out = []
        for row in rows:
            uid, frame_, category = row[0], row[1], row[2]
            k = self._num_keypoints.get(category)
            try:
                if not isinstance(frame_, int) or not self.in_range(frame_) or k is None:
                    raise ValueError(f"frame {frame_!r} or category {category!r} unknown")
                item = db.decode_deleted(row)
                if item[1].num_keypoints != k:
                    raise ValueError(f"{item[1].num_keypoints} points, {category} has {k}")
            except (ValueError, TypeError) as exc:
                self.problem(f"deleted prediction {str(uid)[:8]}", f"cannot be read ({exc})",
                             frame_ if isinstance(frame_, int) else None)
                continue
            out.append(item)
        return out

    # -- salvage ---------------------------------------------------------------------
    def _salvage_instances(self, conn: sqlite3.Connection) -> None:
        try:  # the edges of the table, when they can be read: fewer keys to search
            lo, hi = conn.execute("SELECT MIN(rowid), MAX(rowid) FROM instances").fetchone()
        except sqlite3.DatabaseError:
            lo = hi = None
        rows = read_ranges(
            conn, "SELECT rowid, frame, mean_score FROM instances NOT INDEXED", "rowid",
            lambda a, b, m: self.problem("persons", "some persons are stored in a damaged "
                                         f"part of the file and cannot be read: {m}"),
            ROWID_MIN if lo is None else lo, ROWID_MAX if hi is None else hi)
        rowids: dict[int, list[int]] = {}
        means: dict[int, list[float | None]] = {}
        for rowid, frame, mean in rows:
            if isinstance(frame, int) and self.in_range(frame):
                rowids.setdefault(frame, []).append(rowid)
                means.setdefault(frame, []).append(
                    mean if isinstance(mean, float) and math.isfinite(mean) else None)
        self._instances = _Salvaged(rowids, means)

    def _salvaged_rows(self, conn: sqlite3.Connection, frame: int) -> list[tuple]:
        assert self._instances is not None
        rows = []
        for rowid in self._instances.rowids.get(frame, []):
            try:
                row = conn.execute(_SELECT_BY_ROWID, (rowid,)).fetchone()
            except sqlite3.DatabaseError as exc:
                self.problem(f"frame {frame}", f"a person cannot be read ({exc})", frame)
                continue
            if row is not None:
                rows.append(row)
        rows.sort(key=lambda r: r[-1] if isinstance(r[-1], int) else 0)  # stored order
        return [r[:-1] for r in rows]


__all__ = ["ProjectReader", "ReadProblem", "check_media_row", "is_damage", "read_ranges"]
