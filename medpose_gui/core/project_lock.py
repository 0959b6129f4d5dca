"""One writer per project: an exclusive OS lock on a small file beside the project.

``<name>.medpose.lock`` holds the owner's pid (for the message a second process shows).
The lock itself is an advisory ``flock`` (POSIX) or a byte-range lock (Windows) on that
file, which the operating system drops when the owner exits or is killed, so a file left
behind by a crash never blocks the next open. SQLite's own locks are not used for this:
in WAL mode they let a second process read and write concurrently, which is what we want
to forbid (two GUIs editing one file would undo each other's work).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
from pathlib import Path

_log = logging.getLogger(__name__)

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    _LOCK_OFFSET = 1 << 20  # lock a byte past the pid text: locked bytes cannot be read

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as exc:  # e.g. ENOLCK on some network file systems
            if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                raise
            _log.warning("file locking unsupported here (%s): a second medpose-gui "
                         "would not be stopped from opening this project", exc)
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class LockHeldError(Exception):
    """Another process (or another Project in this one) holds the lock."""

    def __init__(self, lock_path: Path, pid: int | None) -> None:
        self.lock_path = lock_path
        self.pid = pid
        super().__init__(f"{lock_path} is held by pid {pid}")


def lock_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


class ProjectLock:
    """Exclusive lock of one project file; ``acquire`` raises :class:`LockHeldError`."""

    def __init__(self, db_path: Path) -> None:
        self.path = lock_path_for(db_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        for _ in range(5):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd):
                pid = _read_pid(fd)
                os.close(fd)
                raise LockHeldError(self.path, pid)
            # The previous owner may have unlinked the file between our open and lock:
            # then we locked an orphan inode; retry on the file now at the path.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, f"{os.getpid():<20}\n".encode())
                os.fsync(fd)
                self._fd = fd
                return
            _unlock(fd)
            os.close(fd)
        raise LockHeldError(self.path, None)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        # Unlink while still locked, so nobody locks the file we are removing. Windows
        # cannot remove an open file; a stale lock file is harmless (the lock is what counts).
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        with contextlib.suppress(OSError):  # closing the file drops the lock anyway
            _unlock(fd)
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 64).decode("ascii", "replace").strip()
        return int(text.split()[0]) if text else None
    except (OSError, ValueError, IndexError):
        return None
