"""SQLite layout of the ``.medpose`` project file: tables, row codec, format versions.

Arrays are stored as raw little-endian float64 bytes (exact round trip, NaN included).
A predicted instance whose current values still equal its original prediction stores the
prediction once (``orig_same = 1``), which halves the file for untouched model output.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

import numpy as np

from medpose_gui.core.annotations import (  # noqa: F401 - REVIEW_* used as db.REVIEW_*
    REVIEW_CODE,
    REVIEW_OF_CODE,
    Instance,
    Prediction,
    Source,
)

APPLICATION = "medpose-gui"
# PRAGMA application_id: lets `file(1)`-style tools tell a project from other SQLite files.
APPLICATION_ID = 0x4D504F53  # "MPOS"
FORMAT_VERSION = 1  # bump on any layout change and add a migration below

SQLITE_HEADER = b"SQLite format 3\x00"  # first 16 bytes of every SQLite 3 file (sqlite.org/fileformat.html)

SCHEMA_SQL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE media (
    id INTEGER PRIMARY KEY CHECK (id = 1), path TEXT NOT NULL, fingerprint TEXT NOT NULL,
    num_frames INTEGER NOT NULL, fps REAL NOT NULL, width INTEGER NOT NULL,
    height INTEGER NOT NULL);
CREATE TABLE categories (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, schema TEXT NOT NULL);
CREATE TABLE instances (
    uid TEXT PRIMARY KEY, frame INTEGER NOT NULL, ord INTEGER NOT NULL,
    category TEXT NOT NULL, source TEXT NOT NULL,
    box BLOB NOT NULL, keypoints BLOB NOT NULL, scores BLOB NOT NULL,
    box_score REAL, track_id INTEGER, mean_score REAL,
    orig_same INTEGER NOT NULL DEFAULT 0,
    orig_box BLOB, orig_box_score REAL, orig_keypoints BLOB, orig_scores BLOB,
    run_id INTEGER);
-- covers the per-frame lookups and frame_summary (count, mean score) without reading blobs
CREATE INDEX instances_by_frame ON instances (frame, ord, mean_score);
CREATE TABLE frames (frame INTEGER PRIMARY KEY, review INTEGER NOT NULL);
CREATE TABLE prediction_runs (id INTEGER PRIMARY KEY, model_ids TEXT, created_at TEXT NOT NULL);
CREATE TABLE models (
    id INTEGER PRIMARY KEY, role TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
    info TEXT, recorded_at TEXT NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# Original predictions of instances the medic deleted: the model-quality report counts them
# as false detections. One row per deleted instance that carried a model prediction: the
# prediction as the model made it (the medic's edits before the delete are not kept), its
# prediction run, and when it was deleted. Added to the still unreleased format 1 without a
# FORMAT_VERSION bump: format-1 files written before it get the table when they are opened
# (ensure_added_tables runs on every open; IF NOT EXISTS makes it a no-op otherwise).
DELETED_PREDICTIONS_SQL = """
CREATE TABLE IF NOT EXISTS deleted_predictions (
    uid TEXT PRIMARY KEY, frame INTEGER NOT NULL, category TEXT NOT NULL,
    box BLOB NOT NULL, box_score REAL NOT NULL, keypoints BLOB NOT NULL, scores BLOB NOT NULL,
    track_id INTEGER, run_id INTEGER, deleted_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deleted_predictions_by_frame ON deleted_predictions (frame);
"""
SCHEMA_SQL += DELETED_PREDICTIONS_SQL

# Which frames each prediction run has processed (also those where it found nobody), so a
# run can resume: "frames not yet predicted by these models" = frames without a row of a
# run with the same model identity. Added to format 1 like deleted_predictions.
PREDICTED_FRAMES_SQL = """
CREATE TABLE IF NOT EXISTS predicted_frames (
    frame INTEGER NOT NULL, run_id INTEGER NOT NULL, PRIMARY KEY (frame, run_id));
"""
SCHEMA_SQL += PREDICTED_FRAMES_SQL

# Tracks: a person's instances across frames share a track_id (column since format 1, filled
# since tracking exists). The timeline, the video tools and the tracker look tracks up by id;
# added like the tables above (created on open when missing).
TRACK_INDEX_SQL = """
CREATE INDEX IF NOT EXISTS instances_by_track ON instances (track_id, frame);
"""
SCHEMA_SQL += TRACK_INDEX_SQL
ADDED_TABLES_SQL = DELETED_PREDICTIONS_SQL + PREDICTED_FRAMES_SQL + TRACK_INDEX_SQL

# Copies the original prediction of instance ``uid`` (parameters: deleted_at, uid) into
# deleted_predictions, straight from its row (``orig_same``: the current values are the
# prediction). Manual instances (no original) copy nothing.
RECORD_DELETED = (
    "INSERT OR REPLACE INTO deleted_predictions (uid, frame, category, box, box_score, "
    "keypoints, scores, track_id, run_id, deleted_at) "
    "SELECT uid, frame, category, "
    "CASE WHEN orig_same THEN box ELSE orig_box END, "
    "CASE WHEN orig_same THEN box_score ELSE orig_box_score END, "
    "CASE WHEN orig_same THEN keypoints ELSE orig_keypoints END, "
    "CASE WHEN orig_same THEN scores ELSE orig_scores END, track_id, run_id, ? "
    "FROM instances WHERE uid = ? AND (orig_same = 1 OR orig_box IS NOT NULL)")
# What decode_deleted reads, in this order.
SELECT_DELETED = ("SELECT uid, frame, category, box, box_score, keypoints, scores, track_id "
                  "FROM deleted_predictions")

INSTANCE_COLUMNS = ("uid", "frame", "ord", "category", "source", "box", "keypoints", "scores",
                    "box_score", "track_id", "mean_score", "orig_same", "orig_box",
                    "orig_box_score", "orig_keypoints", "orig_scores", "run_id")
INSERT_INSTANCE = (f"INSERT INTO instances ({', '.join(INSTANCE_COLUMNS)}) "
                   f"VALUES ({', '.join('?' * len(INSTANCE_COLUMNS))})")
# What decode_instance reads, in this order.
SELECT_INSTANCE = ("SELECT uid, category, source, box, keypoints, scores, box_score, track_id, "
                   "orig_same, orig_box, orig_box_score, orig_keypoints, orig_scores, frame "
                   "FROM instances")

# Review state <-> the small integer stored: REVIEW_CODE, REVIEW_OF_CODE (core.annotations).

_F8 = np.dtype("<f8")
_NATIVE_F8 = np.dtype(np.float64) == _F8  # little-endian host: tobytes() is the stored layout


def _blob(arr: np.ndarray) -> bytes:
    if _NATIVE_F8 and arr.dtype == np.float64:
        return arr.tobytes()  # always C order; the fast path for Instance arrays
    return np.ascontiguousarray(arr, dtype=_F8).tobytes()


def _array(blob: bytes, cols: int = 0) -> np.ndarray:
    arr = np.frombuffer(blob, dtype=_F8).astype(np.float64)  # own copy, native byte order
    # Read-only: the project hands the same decoded instances to every reader (its cache);
    # a change goes through an edit, which builds new arrays.
    arr.flags.writeable = False
    return arr.reshape(-1, cols) if cols else arr


def _optional(value: float | None) -> float | None:
    return None if value is None else float(value)


def mean_scores(instances: Sequence[Instance]) -> list[float | None]:
    """Mean finite point score per instance (None if none), vectorised per point count."""
    out: list[float | None] = [None] * len(instances)
    groups: dict[int, list[int]] = {}
    for i, inst in enumerate(instances):
        groups.setdefault(inst.scores.shape[0], []).append(i)
    for idx in groups.values():
        scores = np.stack([instances[i].scores for i in idx])
        finite = np.isfinite(scores)
        count = finite.sum(axis=1)
        total = np.where(finite, scores, 0.0).sum(axis=1)
        for i, c, t in zip(idx, count.tolist(), total.tolist(), strict=True):
            if c:
                out[i] = t / c
    return out


def encode_instance(inst: Instance, frame: int, ord_: int, run_id: int | None = None,
                    mean: float | None | str = "compute") -> tuple:
    """One ``instances`` row (column order :data:`INSTANCE_COLUMNS`).

    ``mean`` is the instance's mean score when the caller computed it in bulk
    (:func:`mean_scores`).
    """
    if mean == "compute":
        mean = mean_scores([inst])[0]
    box, kps, scores = _blob(inst.box), _blob(inst.keypoints), _blob(inst.scores)
    o = inst.original
    orig: tuple = (None, None, None, None)
    same = 0
    if o is not None:
        orig = (_blob(o.box), float(o.box_score), _blob(o.keypoints), _blob(o.scores))
        # Byte equality is stricter than value equality (-0.0, NaN payloads), so a stored
        # "same" always decodes to exactly the original.
        if (inst.box_score is not None and float(inst.box_score) == orig[1]
                and (box, kps, scores) == (orig[0], orig[2], orig[3])):
            same, orig = 1, (None, None, None, None)
    return (inst.uid, int(frame), int(ord_), inst.category, inst.source.value, box, kps, scores,
            _optional(inst.box_score), None if inst.track_id is None else int(inst.track_id),
            mean, same, *orig, run_id)


def decode_instance(row: tuple) -> Instance:
    """An :class:`Instance` from a :data:`SELECT_INSTANCE` row."""
    (uid, category, source, box, kps, scores, box_score, track_id,
     orig_same, obox, obox_score, okps, oscores, _frame) = row
    box_a, kps_a, scores_a = _array(box), _array(kps, 3), _array(scores)
    original = None
    if orig_same:
        original = Prediction(box=box_a, box_score=box_score, keypoints=kps_a,
                              scores=scores_a)  # shared: the arrays are read-only
    elif obox is not None:
        original = Prediction(box=_array(obox), box_score=obox_score,
                              keypoints=_array(okps, 3), scores=_array(oscores))
    return Instance(category=category, box=box_a, keypoints=kps_a, scores=scores_a,
                    source=Source(source), box_score=box_score, original=original,
                    track_id=track_id, uid=uid)


def ensure_added_tables(conn: sqlite3.Connection) -> None:
    """Create the tables (and indexes) added to format 1 after files of it were written (no-op when
    present). Each statement commits on its own (autocommit connection); a crash between
    them leaves a file that the next open completes."""
    for stmt in ADDED_TABLES_SQL.split(";"):
        if stmt.strip():
            conn.execute(stmt)


def decode_deleted(row: tuple) -> tuple[int, Instance]:
    """(frame, the deleted prediction as an untouched predicted :class:`Instance`) from a
    :data:`SELECT_DELETED` row; current values and ``original`` are both the prediction."""
    uid, frame, category, box, box_score, kps, scores, track_id = row
    pred = Prediction(box=_array(box), box_score=box_score, keypoints=_array(kps, 3),
                      scores=_array(scores))
    return frame, Instance(category=category, box=pred.box.copy(),
                           keypoints=pred.keypoints.copy(), scores=pred.scores.copy(),
                           source=Source.PREDICTED, box_score=box_score, original=pred,
                           track_id=track_id, uid=uid)


# -- format versions -------------------------------------------------------------------
# MIGRATIONS[v] upgrades a file of format v to v + 1 inside one transaction. Empty while
# format 1 is the only one; add a function here with every FORMAT_VERSION bump.
# Migrations run before ensure_added_tables: a step from format 1 must not assume the tables
# it adds (deleted_predictions) exist.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {}


def migrate(conn: sqlite3.Connection, from_version: int) -> None:
    """Upgrade an older file in place, one version at a time, each step atomic."""
    for version in range(from_version, FORMAT_VERSION):
        step = MIGRATIONS[version]
        conn.execute("BEGIN IMMEDIATE")
        try:
            step(conn)
            conn.execute("UPDATE meta SET value = ? WHERE key = 'format_version'",
                         (str(version + 1),))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
