"""Opening and validating ``.medpose`` files at the file level.

Everything here happens before a :class:`~medpose_gui.core.project.Project` exists: the
SQLite header check, the read-only validation that never changes a refused file, the
single-writer lock, and the connection settings every project connection uses.

New files (create, save as) are built under a temporary name in the target's folder and
renamed into place when complete: a kill at any moment leaves no project or a whole one,
never the empty SQLite file that every later open would refuse.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from medpose_gui.core import project_db as db
from medpose_gui.core.project_lock import LockHeldError, ProjectLock, open_here

# FULL: in WAL mode the WAL is fsynced at every commit, so a committed edit survives a
# power cut, not only a crash (NORMAL would only survive a crash). bench/bench_store.py
# measures the cost per edit.
SYNCHRONOUS = "FULL"


class ProjectError(Exception):
    """A project file cannot be created, opened or changed; the message names the file."""


class ProjectWriteError(ProjectError):
    """A change could not be saved (disk full, read-only, file deleted or replaced, I/O
    error). Nothing of the change was stored; the project stays open for reads and Save as.
    ``path`` is the project file, ``cause`` says why in words."""

    def __init__(self, path: Path, cause: str) -> None:
        self.path = path
        self.cause = cause
        super().__init__(f"{path}: cannot save: {cause}")


# SQLite primary result codes (sqlite.org/rescode.html) -> what a medic can act on.
_WRITE_CAUSES = {
    13: "the disk is full",  # SQLITE_FULL
    8: "the file is read-only",  # SQLITE_READONLY (e.g. its file system was remounted)
    10: "input/output error",  # SQLITE_IOERR (a failing disk, a vanished network share)
    11: "the file is damaged",  # SQLITE_CORRUPT
    14: "the file cannot be opened",  # SQLITE_CANTOPEN
    5: "another program is writing the file",  # SQLITE_BUSY
}


def write_cause(exc: sqlite3.Error) -> str:
    """The cause of a failed write in words, with SQLite's own message for the record."""
    code = getattr(exc, "sqlite_errorcode", None)
    words = _WRITE_CAUSES.get(code & 0xFF) if code is not None else None
    return f"{words} ({exc})" if words else str(exc)


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
    if open_here(path):
        # Open in this process: it is a project, and opening then closing a descriptor of
        # it here would drop SQLite's POSIX locks on it (project_lock._HELD_HERE).
        return
    try:
        with open(path, "rb") as f:
            header = f.read(len(db.SQLITE_HEADER))
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read: {exc}") from None
    if header != db.SQLITE_HEADER:
        raise ProjectError(f"{path}: not a medpose project (not an SQLite database)")


def side_files(path: Path) -> list[Path]:
    """SQLite's WAL side files of ``path`` (``-wal``, ``-shm``): beside the real file, as
    SQLite resolves a symlinked database name before it names them."""
    real = os.path.realpath(path)
    return [Path(f"{real}-wal"), Path(f"{real}-shm")]


def validate(conn: sqlite3.Connection, path: Path) -> int:
    """The format version of an open project file; ProjectError if it is not one we read."""
    try:
        rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{path}: not a medpose project ({exc})") from None
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


def remove_created_side_files(path: Path, created: Sequence[Path]) -> None:
    """Remove the ``-wal``/``-shm`` files a read-only connection created, the safe way.

    The caller holds the writer lock (no writer can start meanwhile). SQLite itself removes
    both when its last connection to the file closes, and only then (another reader may be
    using them), so a plain connection that reads and closes does it; deleting them by
    hand while another process maps the ``-shm`` could make it read pages being rewritten.
    The hand removal is only the fallback for files SQLite cannot read at all.
    """
    if not any(p.exists() for p in created):
        return
    try:
        conn = sqlite3.connect(str(path))
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        for side in created:
            if side.exists() and (side.name.endswith("-shm") or side.stat().st_size == 0):
                side.unlink(missing_ok=True)


def read_format_version(path: Path) -> int:
    """Validate through a read-only connection (which cannot change the file).

    The caller holds the writer lock; side files the check created are removed."""
    # Reading a WAL database creates empty -wal/-shm side files; remove the ones we made.
    created = [p for p in side_files(path) if not p.exists()]
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ProjectError(f"{path}: cannot open: {exc}") from None
    try:
        return validate(conn, path)
    except ProjectError:
        if not _needs_recovery(conn):
            raise
    finally:
        conn.close()
        remove_created_side_files(path, created)
    # A -wal without its -shm (a writer killed at the wrong moment, a copy of the two
    # files): only a writing connection can rebuild the index. We hold the lock, the file
    # is SQLite (its header was checked), so completing its own journal is the recovery
    # any writer would do.
    conn = sqlite3.connect(str(path))
    try:
        return validate(conn, path)
    finally:
        conn.close()


def _needs_recovery(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.Error as exc:
        return "readonly" in str(exc)
    return False


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


def open_for_writing(path: Path) -> tuple[sqlite3.Connection, ProjectLock]:
    """Lock, validate (read-only: a refused file is never changed), connect and upgrade an
    older format; the caller owns both results."""
    lock = acquire_lock(path)
    try:
        version = read_format_version(path)
        try:
            conn = connect(path)
        except sqlite3.Error as exc:
            raise ProjectError(f"{path}: cannot open for writing: {exc}") from None
        try:
            if version < db.FORMAT_VERSION:
                db.migrate(conn, version)
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlite3.Error):
                raise ProjectError(f"{path}: damaged project: {exc}") from None
            raise
        return conn, lock
    except BaseException:
        lock.release()
        raise


def remove_database_files(path: Path) -> None:
    for p in (path, *side_files(path)):
        p.unlink(missing_ok=True)


def now_text() -> str:
    """UTC time stamp stored with meta, models and prediction runs."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# Temporary files of a create or save-as in progress: ".<name>.<random>.creating" (+ its
# "-journal" while a transaction runs). Hidden, and never named like a project.
_PARTIAL_SUFFIX = ".creating"


def _partial_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}{_PARTIAL_SUFFIX}")


def remove_partial_files(path: Path) -> None:
    """Remove what a create/save-as of ``path`` killed half-way left behind. The caller
    holds the lock of ``path``, so no other creation of it is running."""
    with contextlib.suppress(OSError):
        for leftover in path.parent.glob(f".{path.name}.*{_PARTIAL_SUFFIX}*"):
            leftover.unlink(missing_ok=True)


def _install(partial: Path, path: Path) -> None:
    """Rename the complete ``partial`` file to ``path`` (replacing a file there) durably."""
    # A -wal left beside the old file would be replayed into the new one: remove first.
    for side in side_files(path):
        side.unlink(missing_ok=True)
    os.replace(partial, path)
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _build(path: Path, fill) -> None:
    """Write a new database at ``path`` (a partial name) with ``fill(conn)``, durably.

    Filled in rollback-journal mode, then switched to WAL and closed: the close of the only
    connection checkpoints and removes the ``-wal``, so the renamed file is self-contained
    and already in WAL mode (switching after the rename would write the new project, and
    a kill during that switch left a file that only a writer could read)."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA synchronous=FULL")
        fill(conn)
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    if any(side.exists() for side in side_files(path)):
        raise ProjectError(f"{path}: the new file kept its journal (SQLite could not "
                           "complete it)")


def create_database(path: Path, media_row: tuple, category_rows: Sequence[tuple],
                    lock: ProjectLock | None = None) -> sqlite3.Connection:
    """A new project file with its tables, media and categories, built under a temporary
    name and renamed to ``path`` when complete; an existing file at ``path`` is replaced
    (the caller holds ``lock``, which is moved onto the new file)."""
    remove_partial_files(path)
    partial = _partial_path(path)

    def fill(conn: sqlite3.Connection) -> None:
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

    return _make(path, partial, fill, lock, "cannot create")


def _make(path: Path, partial: Path, fill, lock: ProjectLock | None, what: str
          ) -> sqlite3.Connection:
    try:
        _build(partial, fill)
        _install(partial, path)
        if lock is not None:
            lock.bind_file()
        return connect(path)
    except BaseException as exc:
        remove_database_files(partial)
        with contextlib.suppress(OSError):
            Path(f"{partial}-journal").unlink(missing_ok=True)
        if isinstance(exc, (sqlite3.Error, OSError)):
            raise ProjectError(f"{path}: {what}: {_cause(exc)}") from None
        raise


def _cause(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


def backup_database(source: sqlite3.Connection, target: Path,
                    lock: ProjectLock | None = None) -> sqlite3.Connection:
    """Copy ``source`` to ``target`` with SQLite's online backup (consistent even while
    the source is open) and return a project connection to the copy. Built under a
    temporary name and renamed when complete, like :func:`create_database`."""
    remove_partial_files(target)

    def fill(conn: sqlite3.Connection) -> None:
        source.backup(conn)
        # The copy takes the source's journal mode (WAL): back to rollback while building.
        conn.execute("PRAGMA journal_mode=DELETE")

    return _make(target, _partial_path(target), fill, lock, "cannot save a copy")
