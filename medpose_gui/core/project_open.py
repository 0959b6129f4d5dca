"""How a project file can be opened here: for writing, or read-only and why.

A project is opened read-only when the caller asks (``export``, ``evaluate`` and ``render``
only read) or when this process cannot write it: the file is not writable, or its folder
is not (SQLite's WAL journal needs ``-wal``/``-shm`` files beside the project). Reading
never takes the single-writer lock, so it works while the window has the project open; it
reads one consistent snapshot (a read transaction held until close: WAL readers see the
last commit before it began, whatever the writer does meanwhile).

Side files: a file nobody can write is read with SQLite's ``immutable`` flag, which uses
no ``-shm``/``-wal`` at all (the old code left a 0444 ``-shm`` beside read-only projects).
A writable file is read with ``mode=ro``, which shares the writer's side files, or creates
them when there is no writer; those are removed at close by SQLite itself
(:func:`~medpose_gui.core.project_files.remove_created_side_files`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

from medpose_gui.core import project_files as files
from medpose_gui.core import project_lock as locks
from medpose_gui.core.project_files import ProjectError
from medpose_gui.core.project_lock import LockHeldError, ProjectLock, probe_writer


def write_access_problem(path: Path) -> str | None:
    """Why this process cannot write the project at ``path``; None when it can.

    Asks the operating system by opening the file for writing (``os.access`` would answer
    for the real uid and ignore read-only mounts on some systems), and the folder with
    ``os.access`` (creating a probe file there would change the folder). When a Project of
    this process has the file open, ``os.access`` answers for the file too: opening and
    closing a descriptor beside its connection would drop its locks."""
    if locks.open_here(path):
        if not os.access(path, os.W_OK):
            return "you do not have permission to change it"
    else:
        fd = _open_for_writing_probe(path)
        if isinstance(fd, str):
            return fd
        os.close(fd)
    folder = Path(os.path.realpath(path)).parent  # where SQLite puts -wal/-shm
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"its folder {folder} is read-only (changes need files beside the project)"
    return None


def _open_for_writing_probe(path: Path) -> int | str:
    """A descriptor of ``path`` opened for writing, or why it cannot be."""
    try:
        return os.open(path, os.O_RDWR)
    except OSError as exc:
        if exc.errno == errno.EROFS:
            return "it is on a read-only file system"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return "you do not have permission to change it"
        return f"it cannot be opened for writing ({exc.strerror})"


@dataclass
class ReadOnlyConnection:
    """A read-only connection and what its close has to clean up."""

    conn: sqlite3.Connection
    reason: str  # why read-only, for the notice the window shows
    writer_pid: int | None  # another medpose-gui writing this file, if any
    writer_open: bool  # a writer holds the lock (pid unknown on some systems)
    created_sides: list[Path]  # -wal/-shm this connection created (removed at close)
    reader_key: tuple[int, int] | None = None  # its count in project_lock._READ_HERE


def connect_read_only(path: Path, problem: str | None) -> ReadOnlyConnection:
    """Open ``path`` read-only; ``problem`` is :func:`write_access_problem`'s answer
    (None: the file is writable and the caller asked for read-only)."""
    writer_open, writer_pid = probe_writer(path)
    wal = files.side_files(path)[0]
    pending = wal.exists() and wal.stat().st_size > 0
    if problem is not None and not pending:
        # Nobody can write it (and no journal is waiting): read it as it is on disk.
        uri, created = f"{path.as_uri()}?immutable=1", []
    else:
        uri = f"{path.as_uri()}?mode=ro"
        created = [p for p in files.side_files(path) if not p.exists()]
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise ProjectError(f"{path}: cannot open read-only: {exc}") from None
    try:
        # One snapshot for the whole read: BEGIN, then the first read pins it.
        conn.execute("BEGIN")
        _require_readable_version(conn, path)
    except BaseException as exc:
        conn.close()
        _cleanup(path, created)
        if isinstance(exc, sqlite3.Error):
            hint = (f"; its journal {wal.name} is waiting and {problem}"
                    if problem is not None and pending else "")
            raise ProjectError(f"{path}: cannot open read-only: {exc}{hint}") from None
        raise
    if problem is not None:
        reason = problem
    elif writer_open:
        who = f"pid {writer_pid}" if writer_pid is not None else "another process"
        reason = f"read while open in another medpose-gui ({who})"
    else:
        reason = "opened read-only"
    return ReadOnlyConnection(conn, reason, writer_pid, writer_open, created,
                              locks.add_reader(path))


def close_read_only(path: Path, ro: ReadOnlyConnection) -> None:
    """Close; then remove the side files this reader created, if no writer uses them."""
    with contextlib.suppress(sqlite3.Error):
        ro.conn.close()
    if locks.remove_reader(ro.reader_key):  # the last reader of it here: clean up
        _cleanup(path, ro.created_sides)


def _cleanup(path: Path, created: list[Path]) -> None:
    if not any(p.exists() for p in created):
        return
    lock = ProjectLock(path)
    try:
        lock.acquire()  # a writer would be using them: leave them to it
    except (LockHeldError, OSError):
        return
    try:
        files.remove_created_side_files(path, created)
    except OSError:
        pass
    finally:
        lock.release()


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path``; None if there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def identity_problem(path: Path, opened: tuple[int, int] | None) -> str | None:
    """Why writing to ``path`` would not reach the file that was opened; None if it would.

    A project file deleted (or moved away) while open takes every later edit with it when
    the project closes; one replaced by another file (a copy, a restore) would receive
    edits it does not own. Both are refused before the write."""
    if opened is None:
        return None
    now = file_identity(path)
    if now is None:
        return (f"{path} was deleted or moved while open; nothing more can be saved there "
                "(use Save as to keep your work)")
    if now != opened:
        return (f"{path} was replaced by another file while open; nothing more is saved to "
                "it (use Save as to keep your work)")
    return None


def _require_readable_version(conn: sqlite3.Connection, path: Path) -> int:
    """The format version, checked; an older format cannot be upgraded read-only."""
    from medpose_gui.core import project_db as db

    version = files.validate(conn, path)
    if version < db.FORMAT_VERSION:
        raise ProjectError(f"{path}: older project format {version}: open it once for "
                           "writing to upgrade it")
    return version


def side_identities(path: Path) -> dict[Path, tuple[int, int] | None]:
    """(device, inode) of the project's ``-wal`` and ``-shm`` files now."""
    return {side: file_identity(side) for side in files.side_files(path)}


def retire_side_files(path: Path, ours: dict[Path, tuple[int, int] | None]) -> None:
    """After closing a project whose file was deleted or replaced while open: take our
    ``-wal``/``-shm`` away from the name, where the next open of whatever file is there
    now would replay our journal into it (SQLite leaves them when the file has moved).

    Only files that are still ours (same inode) are touched. An emptied ``-wal`` is
    removed; one still holding commits (the checkpoint failed) is renamed aside with
    ``.unsaved`` so the data stays recoverable by hand."""
    for side, ident in ours.items():
        if ident is None or file_identity(side) != ident:
            continue
        with contextlib.suppress(OSError):
            if side.name.endswith("-wal") and side.stat().st_size > 0:
                os.replace(side, side.with_name(f"{side.name}.{uuid.uuid4().hex[:8]}.unsaved"))
            else:
                side.unlink()
