"""Opening and validating ``.medpose`` files at the file level.

Everything here happens before a :class:`~medpose_gui.core.project.Project` exists: the
SQLite header check, the read-only validation that never changes a refused file, the
single-writer lock, and the connection settings every project connection uses.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from medpose_gui.core import project_db as db
from medpose_gui.core.project_lock import LockHeldError, ProjectLock

# FULL: in WAL mode the WAL is fsynced at every commit, so a committed edit survives a
# power cut, not only a crash (NORMAL would only survive a crash). bench/bench_store.py
# measures the cost per edit.
SYNCHRONOUS = "FULL"


class ProjectError(Exception):
    """A project file cannot be created, opened or changed; the message names the file."""


def connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, one transaction per call.
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
    # After a bulk store the WAL holds the whole batch; truncate it after checkpoints.
    conn.execute(f"PRAGMA journal_size_limit={16 << 20}")
    # 64 MiB page cache (default 2 MiB): a bulk store updates the uid index at random
    # places; a larger cache spills fewer pages (bench/bench_store.py: ~25% less CPU).
    conn.execute(f"PRAGMA cache_size={-(64 << 10)}")
    return conn


def check_sqlite_file(path: Path) -> None:
    if not path.is_file():
        raise ProjectError(f"{path}: no such project file")
    try:
        with open(path, "rb") as f:
            header = f.read(len(db.SQLITE_HEADER))
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read: {exc}") from None
    if header != db.SQLITE_HEADER:
        raise ProjectError(f"{path}: not a medpose project (not an SQLite database)")


def read_format_version(path: Path) -> int:
    """Validate through a read-only connection (which cannot change the file)."""
    # Reading a WAL database creates empty -wal/-shm side files; remove the ones we made.
    sides = [Path(f"{path}-wal"), Path(f"{path}-shm")]
    existed = [p.exists() for p in sides]
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ProjectError(f"{path}: cannot open: {exc}") from None
    try:
        rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{path}: not a medpose project ({exc})") from None
    finally:
        conn.close()
        for side, was_there in zip(sides, existed, strict=True):
            if not was_there and side.exists() and (
                    side.name.endswith("-shm") or side.stat().st_size == 0):
                side.unlink(missing_ok=True)
    if rows.get("application") != db.APPLICATION or "format_version" not in rows:
        raise ProjectError(f"{path}: not a medpose project (SQLite file of another program)")
    try:
        version = int(rows["format_version"])
    except ValueError:
        raise ProjectError(f"{path}: damaged project (format version "
                           f"{rows['format_version']!r})") from None
    if version > db.FORMAT_VERSION:
        raise ProjectError(f"{path}: made by a newer medpose-gui (format {version}, "
                           f"this one reads up to {db.FORMAT_VERSION})")
    return version


def acquire_lock(path: Path) -> ProjectLock:
    lock = ProjectLock(path)
    try:
        lock.acquire()
    except LockHeldError as exc:
        who = ("this process" if exc.pid == os.getpid() else f"pid {exc.pid}")
        raise ProjectError(f"{path} is open in another medpose-gui ({who})") from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot create lock file {lock.path}: {exc}") from None
    return lock


def remove_database_files(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)


def now_text() -> str:
    """UTC time stamp stored with meta, models and prediction runs."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def create_database(path: Path, media_row: tuple, category_rows: Sequence[tuple]
                    ) -> sqlite3.Connection:
    """A new project file with its tables, media and categories, written in one
    transaction; an existing file at ``path`` is replaced (the caller holds the lock)."""
    remove_database_files(path)
    try:
        conn = connect(path)
    except sqlite3.Error as exc:
        raise ProjectError(f"{path}: cannot create: {exc}") from None
    try:
        conn.execute(f"PRAGMA application_id={db.APPLICATION_ID}")
        conn.execute("BEGIN IMMEDIATE")  # DDL is transactional: all or nothing
        for stmt in db.SCHEMA_SQL.split(";"):
            if stmt.strip():
                conn.execute(stmt)
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("application", db.APPLICATION), ("format_version", str(db.FORMAT_VERSION)),
            ("created_at", now_text())])
        conn.execute("INSERT INTO media VALUES (1, ?, ?, ?, ?, ?, ?)", media_row)
        conn.executemany("INSERT INTO categories VALUES (?, ?, ?)", category_rows)
        conn.execute("COMMIT")
    except BaseException as exc:
        conn.close()
        remove_database_files(path)
        if isinstance(exc, sqlite3.Error):
            raise ProjectError(f"{path}: cannot create: {exc}") from None
        raise
    return conn


def backup_database(source: sqlite3.Connection, target: Path) -> sqlite3.Connection:
    """Copy ``source`` to ``target`` with SQLite's online backup (consistent even while
    the source is open) and return a project connection to the copy."""
    remove_database_files(target)
    try:
        dst = sqlite3.connect(str(target))
        try:
            source.backup(dst)
        finally:
            dst.close()
        return connect(target)
    except sqlite3.Error as exc:
        remove_database_files(target)
        raise ProjectError(f"{target}: cannot save a copy: {exc}") from None
