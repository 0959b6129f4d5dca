"""Atomic file writes: a reader sees the old file or the complete new one, never a part.

The data goes to a temporary file in the destination's own directory (so the final
``os.replace`` is a rename within one filesystem, which POSIX and Windows make atomic),
is flushed to the disk with ``fsync``, and only then replaces the destination. Any
failure — a full disk (ENOSPC) included — removes the temporary file and raises
:class:`FormatError`; an existing destination is left untouched.

Permissions are those of any file the user writes: a new file gets 0666 minus the umask
(the temporary file is created with mode 0666 and the kernel applies the umask, so the
umask is never read or changed, which would race with other threads); a file written over
keeps its mode, as an in-place overwrite would. (``tempfile.mkstemp`` creates 0600, which
made every export private and turned a re-exported 0644 file into 0600.)
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from medpose_gui.formats.errors import FormatError


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    dest = Path(path)
    directory = dest.parent if str(dest.parent) else Path(".")
    if not directory.is_dir():
        raise FormatError(f"{dest}: cannot write: folder {directory} does not exist")
    try:
        fd, tmp_name = _create_temporary(dest, directory)
    except OSError as exc:
        raise FormatError(f"{dest}: cannot write: {exc.strerror or exc}") from exc
    try:
        try:
            view = memoryview(data)
            while view:
                # os.write may write less than asked; loop until all bytes are out.
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp_name, dest)
    except BaseException as exc:
        # BaseException too: a KeyboardInterrupt must not leave the temporary file behind.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError):
            raise FormatError(f"{dest}: cannot write: {exc.strerror or exc}") from exc
        raise
    _fsync_directory(directory)
    return dest


def _create_temporary(dest: Path, directory: Path) -> tuple[int, str]:
    """A new hidden file beside ``dest``: mode 0666 less the umask, or ``dest``'s own mode
    when it exists."""
    try:
        keep = stat.S_IMODE(os.stat(dest).st_mode)
    except OSError:
        keep = None
    for _ in range(100):
        name = str(directory / f".{dest.name}.{secrets.token_hex(4)}.tmp")
        try:
            # O_EXCL: never write into a file someone else created under our random name.
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o666)
        except FileExistsError:
            continue
        if keep is not None:
            try:
                os.chmod(name, keep)
            except OSError:
                os.close(fd)
                os.unlink(name)
                raise
        return fd, name
    raise FileExistsError(f"no free temporary name beside {dest}")


def atomic_write(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write bytes, or text as UTF-8, atomically."""
    return atomic_write_bytes(path, data.encode("utf-8") if isinstance(data, str) else data)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any, *, newline: bool = True,
                      **dumps_kwargs: Any) -> Path:
    """Serialise ``obj`` with :func:`json.dumps` (``allow_nan=False``) and write it atomically.

    NaN/Infinity are not JSON; refusing them here keeps every file we write readable by
    strict parsers (pycocotools uses :mod:`json`, which would accept them, others do not).
    """
    dumps_kwargs.setdefault("allow_nan", False)
    try:
        text = json.dumps(obj, **dumps_kwargs)
    except (TypeError, ValueError) as exc:
        raise FormatError(f"{path}: cannot serialise to JSON: {exc}") from exc
    return atomic_write_text(path, text + ("\n" if newline else ""))


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX only; Windows cannot open directories)."""
    if os.name != "posix":
        return
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass  # some filesystems (e.g. network mounts) refuse fsync on a directory
    finally:
        os.close(dir_fd)
