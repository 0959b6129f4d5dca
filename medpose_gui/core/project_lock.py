"""One writer per project: an exclusive OS lock on a small file beside the project.

``<name>.medpose.lock`` holds the owner's pid (for the message a second process shows).
The lock itself is an advisory ``flock`` (POSIX) or a byte-range lock (Windows) on that
file, which the operating system drops when the owner exits or is killed, so a file left
behind by a crash never blocks the next open. SQLite's own locks are not used for this:
in WAL mode they let a second process read and write concurrently, which is what we want
to forbid (two GUIs editing one file would undo each other's work).

The lock belongs to the file, not to the name it was opened by: the lock file sits beside
the *resolved* path (a symlink to the project shares the real file's lock), and on Linux
the project file itself is also ``flock``-ed once it exists, which covers hard links (two
names, one inode). Linux only: there ``flock`` and SQLite's ``fcntl`` locks are
independent; on BSD/macOS they may interact, so there hard links stay uncovered.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sys
from collections import Counter
from pathlib import Path

_log = logging.getLogger(__name__)

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    _LOCK_OFFSET = 1 << 20  # lock a byte past the pid text: locked bytes cannot be read

    def _try_lock(fd: int, shared: bool = False) -> bool:
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

    def _try_lock(fd: int, shared: bool = False) -> bool:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
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
    """The lock file of ``db_path``: beside the real file, whatever name it was opened by."""
    real = Path(os.path.realpath(db_path))
    return real.with_name(real.name + ".lock")


# flock on the project file itself (hard links): Linux only, see the module docstring.
_INODE_LOCKS = sys.platform.startswith("linux")
# (st_dev, st_ino) of the project files this process holds. Closing ANY descriptor of a
# file drops the process's POSIX locks on it, SQLite's included (sqlite.org/howtocorrupt.html
# 2.2), so nothing here opens a file that a Project of this process has open: it asks this.
_HELD_HERE: set[tuple[int, int]] = set()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


# Files that read-only Projects of this process have open (count per file), for the same
# reason: a descriptor opened and closed beside their connections would drop their locks.
_READ_HERE: Counter[tuple[int, int]] = Counter()


def held_here(db_path: Path) -> bool:
    """Whether a Project of this process holds the lock of the file at ``db_path``."""
    ident = _identity(db_path)
    return ident is not None and ident in _HELD_HERE


def open_here(db_path: Path) -> bool:
    """Whether any Project of this process (writer or reader) has the file open: then
    nothing may open and close a descriptor of it."""
    ident = _identity(db_path)
    return ident is not None and (ident in _HELD_HERE or _READ_HERE[ident] > 0)


def add_reader(db_path: Path) -> tuple[int, int] | None:
    """Count a read-only open of ``db_path``; returns the key for :func:`remove_reader`."""
    ident = _identity(db_path)
    if ident is not None:
        _READ_HERE[ident] += 1
    return ident


def remove_reader(ident: tuple[int, int] | None) -> bool:
    """Uncount a read-only open; True when it was this process's last one of the file."""
    if ident is None:
        return True
    _READ_HERE[ident] -= 1
    if _READ_HERE[ident] <= 0:
        del _READ_HERE[ident]
        return True
    return False


class ProjectLock:
    """Exclusive lock of one project file; ``acquire`` raises :class:`LockHeldError`."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.path = lock_path_for(db_path)
        self._fd: int | None = None
        self._file_fd: int | None = None  # flock on the project file itself (Linux)
        self._file_ident: tuple[int, int] | None = None  # its entry in _HELD_HERE

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Lock the name (lock file) and, when the project file exists, the file itself."""
        self._acquire_name()
        try:
            self.bind_file()
        except BaseException:
            self.release()
            raise

    def bind_file(self) -> None:
        """Also lock the project file's inode, so that another name for the same file (a
        hard link) cannot let a second writer in. Called again after a new file was
        renamed into place (atomic create). A missing file is no error (nothing to share)."""
        ident = _identity(self.db_path)
        if ident is None:
            return
        if ident in _HELD_HERE:
            raise LockHeldError(self.path, os.getpid())
        self._drop_file_lock()
        self._file_ident = ident
        _HELD_HERE.add(ident)
        if not _INODE_LOCKS:
            return
        try:
            fd = os.open(self.db_path, os.O_RDONLY)
        except OSError:
            return
        if not _try_lock(fd):
            pid = holder_of_inode(fd)
            os.close(fd)
            raise LockHeldError(self.path, pid)
        self._file_fd = fd

    def _drop_file_lock(self) -> None:
        ident, self._file_ident = self._file_ident, None
        _HELD_HERE.discard(ident)
        fd, self._file_fd = self._file_fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)  # closing drops its flock

    def _acquire_name(self) -> None:
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
        self._drop_file_lock()
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


def holder_of_inode(fd: int) -> int | None:
    """Pid holding a ``flock`` on the file open as ``fd`` (Linux ``/proc/locks``), if any."""
    try:
        st = os.fstat(fd)
        wanted = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
        with open("/proc/locks", encoding="ascii", errors="replace") as f:
            for line in f:
                # "1: FLOCK  ADVISORY  WRITE 1234 fe:00:2148580 0 EOF"
                parts = line.split()
                if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5] == wanted:
                    return int(parts[4])
    except (OSError, ValueError):
        pass
    return None


def probe_writer(db_path: Path) -> tuple[bool, int | None]:
    """Whether a writer (another process, or a Project here) holds the lock of ``db_path``,
    and its pid when known. Creates no file and keeps no lock: a read-only open asks this
    to say "read while open in another medpose-gui (pid N)"."""
    if held_here(db_path):
        return True, os.getpid()
    for path, by_name in ((lock_path_for(db_path), True), (db_path, False)):
        if not by_name and (not _INODE_LOCKS or open_here(db_path)):
            continue  # (a reader here has it open: closing a descriptor drops its locks)
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue  # no lock file: nobody holds the name
        try:
            if not _try_lock(fd, shared=True):
                return True, _read_pid(fd) if by_name else holder_of_inode(fd)
            _unlock(fd)
        except OSError:
            pass
        finally:
            os.close(fd)
    return False, None
