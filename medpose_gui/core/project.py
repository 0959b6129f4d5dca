"""The ``.medpose`` project: media reference, categories, annotations, review state, models.

Persisted in one SQLite file (layout in :mod:`medpose_gui.core.project_db`). Every
mutating call runs in its own transaction and commits before it returns (WAL journal,
``synchronous=FULL``: a commit is on disk when the call returns), so a crash or a kill
loses nothing that was shown as saved. One process owns a project at a time
(:mod:`medpose_gui.core.project_lock`; file-level checks in
:mod:`medpose_gui.core.project_files`). A file that is refused (not SQLite, not a
project, a newer format, locked) is never modified: it is validated through a read-only
connection before it is opened for writing.

Faults are errors with messages, never crashes or silent loss: a write that fails (disk
full, read-only, I/O error, the file deleted or replaced since it was opened) raises
:class:`ProjectWriteError` and stores nothing, and the project stays usable for reads and
:meth:`Project.save_as`; :meth:`Project.write_problem` says beforehand whether writes can
work. A project opened read-only (asked for, or a file this process cannot write:
:mod:`medpose_gui.core.project_open`) says why in :attr:`Project.read_only_reason`. Rows
that cannot be read are skipped and listed in :attr:`Project.problems`
(:mod:`medpose_gui.core.project_read`).

All methods are safe to call from several threads (one connection behind a lock), e.g.
the inference worker storing predictions while the GUI reads.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from medpose_gui.core import project_db as db
from medpose_gui.core import project_files as files
from medpose_gui.core import project_open as access
from medpose_gui.core.annotations import FrameAnnotations, Instance, ReviewState
from medpose_gui.core.project_files import ProjectError, ProjectWriteError, write_cause
from medpose_gui.core.project_lock import ProjectLock, lock_path_for
from medpose_gui.core.project_predictions import PredictionStore, StoredPredictions
from medpose_gui.core.project_read import ProjectReader, ReadProblem, check_media_row
from medpose_gui.core.project_rows import COORD_LIMIT, coordinates_ok
from medpose_gui.core.project_status import ProjectStatus
from medpose_gui.core.project_tracks import TrackRows, TrackStore
from medpose_gui.core.schema import Category, KeypointSchema, SchemaError, default_categories

_CHUNK_FRAMES = 512  # frames per query when streaming (iter_frames)
# Frames whose decoded instances are kept: scrubbing back and forth over a crowded stretch
# reads them from memory, not SQLite (70 persons: ~5 ms per read on a slow machine).
_CACHED_FRAMES = 256


@dataclass(frozen=True)
class MediaInfo:
    path: str
    fingerprint: str
    num_frames: int
    fps: float
    width: int
    height: int


@dataclass
class FrameSummary:
    """Per-frame arrays for the timeline (index = frame)."""

    review: np.ndarray  # int8: 0 unreviewed, 1 in progress, 2 approved
    num_instances: np.ndarray  # int32
    mean_score: np.ndarray  # float64: mean of the instances' mean point scores; NaN if none


class Project(ProjectStatus, TrackStore, PredictionStore):
    """An open project file. Use :meth:`create` or :meth:`open`; close when done.

    Track queries and the tracker's track-id writes: :class:`TrackStore`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, lock: ProjectLock | None, *,
                 read_only: access.ReadOnlyConnection | None = None) -> None:
        self.path = path
        self._conn = conn
        self._lock = lock
        self._ro = read_only  # set: opened read-only (no lock held, no writes)
        # The file this connection writes to: a write is refused once the path names
        # another file or none (project_open.identity_problem).
        self._identity = access.file_identity(path)
        self._last_write_error: ProjectWriteError | None = None
        self._mutex = threading.RLock()
        self._removed: dict[str, tuple[int, int]] = {}  # uid -> (frame, ord): undo restores order
        # Untouched predictions that a model run replaced: an undo step that would put one
        # back next to its replacement is refused (put_instance) instead of duplicating it.
        self._replaced_uids: set[str] = set()
        self._last_run: tuple[str | None, int] | None = None  # (model_ids json, prediction run id)
        # frame_summary cache: one full query (~0.2 s for 150k instances), then kept up to
        # date per written frame; we are the only writer (project_lock), so it cannot go stale.
        self._summary: FrameSummary | None = None
        self._touched: set[int] = set()  # frames the current transaction writes
        self._write_depth = 0  # > 0 inside a transaction (nested writes join it)
        # frame -> its instances as last read. Each write drops the frames it touched (we
        # are the only writer), so it never serves stale data; scrubbing while inference
        # stores results elsewhere keeps its frames. Instances and their arrays are read-only.
        self._instance_cache: OrderedDict[int, tuple[Instance, ...]] = OrderedDict()
        self._reader = ProjectReader(path, 0)  # the media length follows in _load_header
        if read_only is None:
            db.ensure_added_tables(conn)  # format-1 files written before deleted_predictions
        self._load_header()
        # Our -wal/-shm (they exist once the header was read): see close().
        self._sides = access.side_identities(path) if read_only is None else {}

    # -- lifecycle -------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | os.PathLike, media: MediaInfo,
               categories: list[Category] | None = None, *, overwrite: bool = False) -> Project:
        path = Path(path).absolute()
        if path.exists() and not overwrite:
            raise ProjectError(f"{path}: already exists (pass overwrite=True to replace it)")
        cats = list(categories) if categories is not None else default_categories()
        if len({c.name for c in cats}) != len(cats) or len({c.id for c in cats}) != len(cats):
            raise ProjectError(f"{path}: category names and ids must be unique")
        lock = files.acquire_lock(path)
        try:
            conn = files.create_database(path, media_row=(
                str(media.path), media.fingerprint, int(media.num_frames), float(media.fps),
                int(media.width), int(media.height)), category_rows=[
                (c.id, c.name, json.dumps(c.schema.to_dict())) for c in cats], lock=lock)
        except BaseException:
            lock.release()
            raise
        return cls(path, conn, lock)

    @classmethod
    def open(cls, path: str | os.PathLike, *, read_only: bool = False) -> Project:
        """Open a project file. ``read_only``: never write and never take the writer lock,
        so it works while another medpose-gui has the project open (one consistent
        snapshot: what was saved when it was opened). A file this process cannot write
        opens read-only by itself; :attr:`read_only_reason` says why."""
        path = Path(path).absolute()
        files.check_sqlite_file(path)
        problem = access.write_access_problem(path)
        if read_only or problem is not None:
            return cls._open_read_only(path, problem)
        conn, lock = files.open_for_writing(path)
        try:
            return cls(path, conn, lock)
        except BaseException as exc:
            conn.close()
            lock.release()
            if isinstance(exc, sqlite3.Error):
                raise ProjectError(f"{path}: damaged project: {exc}") from None
            raise

    @classmethod
    def _open_read_only(cls, path: Path, problem: str | None) -> Project:
        ro = access.connect_read_only(path, problem)
        try:
            return cls(path, ro.conn, None, read_only=ro)
        except BaseException as exc:
            access.close_read_only(path, ro)
            if isinstance(exc, sqlite3.Error):
                raise ProjectError(f"{path}: damaged project: {exc}") from None
            raise

    def close(self) -> None:
        """Close the file and release the lock. Never raises: closing a project whose file
        is gone or unwritable must not stop the window from closing."""
        with self._mutex:
            conn, self._conn = self._conn, None
            if conn is None:
                return
            if self._ro is not None:
                access.close_read_only(self.path, self._ro)
                return
            moved = access.identity_problem(self.path, self._identity) is not None
            # The last connection checkpoints and removes the -wal file; if it cannot
            # write (disk full), committed data stays in the -wal for the next open.
            with contextlib.suppress(sqlite3.Error):
                if moved:  # SQLite then keeps the -wal: empty it into our own file
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.close()
            if moved:
                access.retire_side_files(self.path, self._sides)
            if self._lock is not None:
                self._lock.release()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._conn is None

    # -- internals -------------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ProjectError(f"{self.path}: project is closed")
        return self._conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """The connection for a read; an SQLite error that escapes it (the reader handles
        damage where it can) becomes a ProjectError naming the file."""
        with self._mutex:
            try:
                yield self._db()
            except sqlite3.Error as exc:
                raise ProjectError(f"{self.path}: cannot read: {exc}") from None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction, committed (durably) before the outermost ``with`` block is left.

        Nested writes (inside :meth:`atomic`) join the open transaction: all or nothing.
        Refused before it starts when the project cannot be written (:meth:`write_problem`);
        any failure rolls back and raises :class:`ProjectWriteError` naming the cause."""
        with self._mutex:
            if self._write_depth:
                self._write_depth += 1
                try:
                    yield self._db()
                finally:
                    self._write_depth -= 1
                return
            conn = self._db()
            problem = self._permanent_write_problem()
            if problem is not None:
                raise self._write_failed(problem)
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._write_failed(write_cause(exc)) from None
            self._touched = set()
            self._write_depth = 1
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    # SQLite may have rolled back itself (e.g. disk full, I/O error).
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                self._instance_cache.clear()  # reads inside the transaction saw it unfinished
                self._summary = None  # likewise; recomputed on the next call
                self._last_run = None  # its prediction_runs row may be rolled back
                if isinstance(exc, sqlite3.Error):  # e.g. disk full, file removed
                    raise self._write_failed(write_cause(exc)) from None
                raise
            finally:
                self._write_depth = 0
            self._last_write_error = None
            for frame in self._touched:  # every write names the frames it changes
                self._instance_cache.pop(frame, None)
            self._update_summary(conn, self._touched)

    def _touch(self, frames: Iterable[int]) -> None:
        """Record frames the open transaction writes; their cached instances go at once, so
        a read later in the same transaction (a tracker after a store) sees the write."""
        for frame in frames:
            self._touched.add(frame)
            self._instance_cache.pop(frame, None)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Several writes as ONE transaction (an edit of many persons or frames): when any
        of them fails, none is kept."""
        with self._write():
            yield

    def _update_summary(self, conn: sqlite3.Connection, frames: set[int]) -> None:
        summary = self._summary
        if summary is None or not frames:
            return
        if len(frames) > 1000 or max(frames) >= len(summary.review) or min(frames) < 0:
            self._summary = None  # recomputed in one query on the next call
            return
        try:
            for f in frames:
                count, mean = conn.execute("SELECT COUNT(*), AVG(mean_score) FROM instances "
                                           "WHERE frame = ?", (f,)).fetchone()
                review = conn.execute("SELECT review FROM frames WHERE frame = ?",
                                      (f,)).fetchone()
                summary.num_instances[f] = count
                summary.mean_score[f] = np.nan if mean is None else mean
                summary.review[f] = review[0] if review and review[0] in (0, 1, 2) else 0
        except sqlite3.Error:
            self._summary = None  # the write is committed; the next call recomputes

    def _load_header(self) -> None:
        """Media record and categories: without them nothing can be shown (ProjectError).
        A category whose schema cannot be read is left out, listed in :attr:`problems`."""
        conn = self._db()
        try:
            row = conn.execute("SELECT path, fingerprint, num_frames, fps, width, height "
                               "FROM media WHERE id = 1").fetchone()
            cat_rows = conn.execute("SELECT id, name, schema FROM categories ORDER BY id"
                                    ).fetchall()
        except sqlite3.Error as exc:
            raise ProjectError(f"{self.path}: damaged project: {exc}") from None
        if row is None:
            raise ProjectError(f"{self.path}: project has no media record")
        self._media = check_media_row(self.path, row)
        self._reader.set_media_length(self._media.num_frames)
        cats = []
        for cid, name, schema_json in cat_rows:
            try:
                schema = KeypointSchema.from_dict(json.loads(schema_json),
                                                  f"{self.path} category {name}")
            except (SchemaError, TypeError, ValueError) as exc:
                self._reader.problem(f"category {name!r}", f"schema cannot be read ({exc}); "
                                     "its persons are not shown")
                continue
            cats.append(Category(cid, name, schema))
        self._set_categories(cats)
        self._reader.scan(conn)

    def _set_categories(self, cats: list[Category]) -> None:
        self._categories = sorted(cats, key=lambda c: c.id)
        self._num_keypoints = {c.name: c.schema.num_keypoints for c in self._categories}
        self._reader.set_categories(self._num_keypoints)

    def _check_instance(self, frame: int, inst: Instance) -> None:
        if not self._reader.in_range(frame):
            raise ProjectError(f"{self.path}: frame {frame} outside "
                               f"0..{self._reader.frame_limit - 1}")
        expected = self._num_keypoints.get(inst.category)
        if expected is None:
            self.category(inst.category)  # raises, listing the categories
        if inst.num_keypoints != expected:
            raise ProjectError(
                f"{self.path}: {inst.category} instance has {inst.num_keypoints} keypoints, "
                f"schema {self.schema_for(inst.category).name} has {expected}")
        if not coordinates_ok(inst):  # the last guard: readers would skip it as damage
            raise ProjectError(f"{self.path}: frame {frame}: {inst.category} instance has "
                               f"a coordinate that is not finite or beyond {COORD_LIMIT:g} px")

    # -- media and categories --------------------------------------------------------
    @property
    def media(self) -> MediaInfo:
        return self._media

    @property
    def categories(self) -> list[Category]:
        return list(self._categories)

    def category(self, name: str) -> Category:
        for cat in self._categories:
            if cat.name == name:
                return cat
        raise ProjectError(f"{self.path}: no category {name!r} "
                           f"(has {', '.join(c.name for c in self._categories)})")

    def schema_for(self, category_name: str) -> KeypointSchema:
        return self.category(category_name).schema

    def add_category(self, category: Category) -> None:
        """Add a category (e.g. one found in an imported COCO file)."""
        if any(c.name == category.name or c.id == category.id for c in self._categories):
            raise ProjectError(f"{self.path}: category {category.name!r} "
                               f"(id {category.id}) clashes with an existing one")
        with self._write() as c:
            c.execute("INSERT INTO categories VALUES (?, ?, ?)", (
                category.id, category.name, json.dumps(category.schema.to_dict())))
        self._set_categories([*self._categories, category])

    def media_missing(self) -> bool:
        return not os.path.exists(self._media.path)

    def relink_media(self, new_path: str | os.PathLike, fingerprint: str, *,
                     force: bool = False) -> None:
        """Point the project at moved media; ``fingerprint`` is the new file's (the caller
        computes it). A different fingerprint means different content: refused unless
        ``force`` (then the new fingerprint is recorded)."""
        if fingerprint != self._media.fingerprint and not force:
            raise ProjectError(
                f"{self.path}: {new_path} is not the project's media (fingerprint "
                f"{fingerprint} != {self._media.fingerprint}); pass force=True to relink anyway")
        new_path = str(Path(new_path).absolute())
        with self._write() as c:
            c.execute("UPDATE media SET path = ?, fingerprint = ? WHERE id = 1",
                      (new_path, fingerprint))
        self._media = replace(self._media, path=new_path, fingerprint=fingerprint)

    # -- annotations -----------------------------------------------------------------
    def instances(self, frame: int) -> list[Instance]:
        """The frame's persons in their order; rows that cannot be read are skipped (and
        listed in :attr:`problems`)."""
        frame = int(frame)
        with self._read() as c:
            cached = self._instance_cache.get(frame)
            if cached is None:
                cached = self._instance_cache[frame] = tuple(self._reader.instances(c, frame))
                if len(self._instance_cache) > _CACHED_FRAMES:
                    self._instance_cache.popitem(last=False)
            else:
                self._instance_cache.move_to_end(frame)
        return list(cached)

    def instance(self, frame: int, uid: str) -> Instance | None:
        with self._read() as c:
            return self._reader.instance(c, int(frame), uid)

    def approved_frames(self, first: int, last: int) -> set[int]:
        """The approved frames in first..last (a video tool leaves them as they are)."""
        with self._read() as c:
            return {r[0] for r in c.execute(
                "SELECT frame FROM frames WHERE review = ? AND frame BETWEEN ? AND ?",
                (db.REVIEW_CODE[ReviewState.APPROVED], int(first), int(last)))}

    def review_state(self, frame: int) -> ReviewState:
        with self._read() as c:
            return self._reader.review_state(c, int(frame))

    def frame(self, frame: int) -> FrameAnnotations:
        with self._mutex:
            return FrameAnnotations(int(frame), self.instances(frame), self.review_state(frame))

    def put_instance(self, frame: int, inst: Instance) -> None:
        """Insert, or replace the instance with the same uid (keeping its place in order)."""
        frame = int(frame)
        self._check_instance(frame, inst)
        if inst.uid in self._replaced_uids:
            raise ProjectError(f"{self.path}: this {inst.category} of frame {frame} was "
                               "replaced by a model run; the step that refers to it is gone")
        with self._write() as c:
            row = c.execute("SELECT frame, ord FROM instances WHERE uid = ?", (inst.uid,)).fetchone()
            if row is not None and row[0] == frame:
                ord_ = row[1]
            elif self._removed.get(inst.uid, (None,))[0] == frame:
                ord_ = self._removed[inst.uid][1]  # undo of a delete: back to its old place
            else:
                ord_ = c.execute("SELECT COALESCE(MAX(ord) + 1, 0) FROM instances WHERE frame = ?",
                                 (frame,)).fetchone()[0]
            c.execute("DELETE FROM instances WHERE uid = ?", (inst.uid,))
            c.execute(db.INSERT_INSTANCE, db.encode_instance(inst, frame, ord_))
            # Put back (undo of a delete): no longer a deleted prediction.
            c.execute("DELETE FROM deleted_predictions WHERE uid = ?", (inst.uid,))
            self._removed.pop(inst.uid, None)
            self._touch([frame] if row is None else [frame, row[0]])

    def remove_instance(self, frame: int, uid: str, *, record_deletion: bool = True) -> bool:
        """Delete an instance; False if the frame has no instance ``uid``.

        An instance with a model prediction (predicted or corrected) leaves its original
        prediction in :meth:`deleted_predictions`, in the same transaction; putting the
        instance back (:meth:`put_instance`, e.g. undo) removes that record. Bulk
        replacements that are not a medic's judgement (an import with ``replace``) pass
        ``record_deletion=False``.
        """
        with self._write() as c:
            row = c.execute("SELECT ord FROM instances WHERE uid = ? AND frame = ?",
                            (uid, int(frame))).fetchone()
            if row is None:
                return False
            if record_deletion:
                c.execute(db.RECORD_DELETED, (files.now_text(), uid))
            c.execute("DELETE FROM instances WHERE uid = ?", (uid,))
            self._removed[uid] = (int(frame), row[0])
            self._touch([int(frame)])
        return True

    def set_review_state(self, frame: int, state: ReviewState) -> None:
        state = ReviewState(state)
        with self._write() as c:
            if state == ReviewState.UNREVIEWED:
                c.execute("DELETE FROM frames WHERE frame = ?", (int(frame),))
            else:
                c.execute("INSERT OR REPLACE INTO frames VALUES (?, ?)",
                          (int(frame), db.REVIEW_CODE[state]))
            self._touch([int(frame)])

    # -- overviews -------------------------------------------------------------------
    def frame_summary(self) -> FrameSummary:
        """Per-frame review code, instance count and mean score (copies; cheap to call)."""
        with self._mutex:
            if self._summary is None:
                self._summary = self._compute_summary()
            s = self._summary
            return FrameSummary(s.review.copy(), s.num_instances.copy(), s.mean_score.copy())

    def _compute_summary(self) -> FrameSummary:
        with self._read() as c:
            counts = np.array([(f, n, np.nan if m is None else m)
                               for f, n, m in self._reader.frame_counts(c)],
                              dtype=np.float64).reshape(-1, 3)
            reviews = np.array([(f, self._reader.review_code(f, code))
                                for f, code in self._reader.reviews(c).items()],
                               dtype=np.int64).reshape(-1, 2)
        # Sized by the media, never by what the file claims: the reader keeps only frames
        # inside it (a stored frame index of 2e9 would otherwise allocate ~26 GB).
        n = max(self._media.num_frames, int(counts[:, 0].max(initial=-1)) + 1,
                int(reviews[:, 0].max(initial=-1)) + 1)
        review = np.zeros(n, np.int8)
        review[reviews[:, 0]] = reviews[:, 1]
        num = np.zeros(n, np.int32)
        mean = np.full(n, np.nan)
        idx = counts[:, 0].astype(np.int64)
        num[idx] = counts[:, 1]
        mean[idx] = counts[:, 2]  # AVG of only NULLs is NULL -> NaN
        return FrameSummary(review, num, mean)

    def annotated_frames(self) -> list[int]:
        """Frames with instances or a review state other than unreviewed, ascending."""
        with self._read() as c:
            return self._reader.annotated_frames(c)

    def iter_frames(self) -> Iterator[FrameAnnotations]:
        """Every annotated frame in order, read in chunks (safe for long videos)."""
        frames = self.annotated_frames()
        for start in range(0, len(frames), _CHUNK_FRAMES):
            chunk = frames[start:start + _CHUNK_FRAMES]
            with self._read() as c:
                by_frame, reviews = self._reader.chunk(c, chunk)
                states = {f: self._reader.review(f, code) for f, code in reviews.items()}
            for f in chunk:
                yield FrameAnnotations(f, by_frame.get(f, []),
                                       states.get(f, ReviewState.UNREVIEWED))

    def review_counts(self) -> dict[ReviewState, int]:
        with self._read() as c:
            counted = self._reader.review_counts(c)
        out = {state: counted.get(code, 0) for state, code in db.REVIEW_CODE.items()}
        reviewed = out[ReviewState.IN_PROGRESS] + out[ReviewState.APPROVED]
        out[ReviewState.UNREVIEWED] = max(self._media.num_frames - reviewed, 0)
        return out

    # -- models and settings ---------------------------------------------------------
    def record_model(self, role: str, path: str, sha256: str, info: dict | None = None) -> int:
        """Remember a model file used on this project (e.g. role "detector" / "pose")."""
        with self._write() as c:
            return c.execute("INSERT INTO models (role, path, sha256, info, recorded_at) "
                             "VALUES (?, ?, ?, ?, ?)", (role, str(path), sha256,
                                                        json.dumps(info or {}), files.now_text())).lastrowid

    def models(self) -> list[dict]:
        with self._read() as c:
            rows = c.execute("SELECT id, role, path, sha256, info, recorded_at FROM models "
                             "ORDER BY id").fetchall()
        return [{"id": i, "role": r, "path": p, "sha256": s, "info": json.loads(info or "{}"),
                 "recorded_at": t} for i, r, p, s, info, t in rows]

    def get_setting(self, key: str, default: Any = None) -> Any:
        with self._read() as c:
            row = c.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable value (committed at once)."""
        text = json.dumps(value)
        with self._write() as c:
            c.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, text))

    # -- copies ----------------------------------------------------------------------
    def save_as(self, path: str | os.PathLike, *, overwrite: bool = False) -> Project:
        """Copy the project (SQLite online backup) to ``path`` and open the copy.

        This project stays open; the caller usually closes it and continues on the copy.
        Works on a read-only project and on one whose file was deleted or replaced while
        open (the copy is what this connection reads: everything saved until then).
        """
        target = Path(path).absolute()
        if target == self.path or (target.exists() and
                                   access.file_identity(target) == self._identity):
            raise ProjectError(f"{target}: save_as target is the project itself")
        if target.exists() and not overwrite:
            raise ProjectError(f"{target}: already exists (pass overwrite=True to replace it)")
        lock = files.acquire_lock(target)
        try:
            with self._read() as c:
                conn = files.backup_database(c, target, lock)
        except BaseException:
            lock.release()
            raise
        return Project(target, conn, lock)


__all__ = ["FrameSummary", "MediaInfo", "Project", "ProjectError", "ProjectWriteError",
           "ReadProblem", "StoredPredictions", "TrackRows", "lock_path_for"]
