"""What a project can still do: read-only or not and why, what could not be read, whether
a write can work now. The window asks these to show a notice or refuse an edit up front.

A mixin of :class:`~medpose_gui.core.project.Project` (kept apart so the store itself stays
about storing); it reads the project's ``_ro``, ``_reader``, ``_identity``, ``_conn``,
``_mutex`` and ``_last_write_error``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from medpose_gui.core import project_open as access
from medpose_gui.core.project_files import ProjectWriteError
from medpose_gui.core.project_read import ProjectReader, ReadProblem

if TYPE_CHECKING:
    import sqlite3


class ProjectStatus:
    path: Path
    _conn: sqlite3.Connection | None
    _ro: access.ReadOnlyConnection | None
    _reader: ProjectReader
    _identity: tuple[int, int] | None
    _last_write_error: ProjectWriteError | None
    _mutex: threading.RLock

    @property
    def read_only(self) -> bool:
        """True when this project never writes (opened read-only, a file this process
        cannot write, or damaged pages found); :attr:`read_only_reason` says why."""
        return self._ro is not None or self._reader.damaged is not None

    @property
    def read_only_reason(self) -> str | None:
        """Why the project is read-only, in words for a notice ("opened read-only", "read
        while open in another medpose-gui (pid 123)", "it is on a read-only file system",
        "you do not have permission to change it", "damaged: ..."); None when writable."""
        if self._reader.damaged is not None:
            return self._reader.damaged
        return None if self._ro is None else self._ro.reason

    @property
    def writer_pid(self) -> int | None:
        """Pid of another medpose-gui that had this project open for writing when it was
        opened read-only (its later edits are not in this snapshot); None otherwise."""
        return None if self._ro is None else self._ro.writer_pid

    @property
    def open_elsewhere(self) -> bool:
        """Opened read-only while another medpose-gui (pid maybe unknown) writes it."""
        return self._ro is not None and self._ro.writer_open

    @property
    def problems(self) -> list[ReadProblem]:
        """What could not be read so far (skipped rows, damaged parts), oldest first.

        Found at open (frames outside the media, unknown review codes, damaged pages met)
        and while reading; :meth:`check` reads everything once to complete the list."""
        with self._mutex:
            return self._reader.problems

    def check(self) -> list[ReadProblem]:
        """Read every stored frame once (in chunks, so other threads still get turns) and
        return :attr:`problems`."""
        for _ in self.iter_frames():  # type: ignore[attr-defined]  (Project's)
            pass
        self.deleted_predictions()  # type: ignore[attr-defined]
        return self.problems

    @property
    def last_write_error(self) -> ProjectWriteError | None:
        """The error of the last write if it failed (cleared by the next that works)."""
        return self._last_write_error

    def write_problem(self) -> str | None:
        """Why a write would fail now, in words; None when writes can be tried.

        Cheap (one ``stat``): closed, read-only, the file deleted or replaced since it was
        opened, or the last write failed (e.g. the disk is full) and none worked since."""
        with self._mutex:
            if self._conn is None:
                return f"{self.path}: project is closed"
            problem = self._permanent_write_problem()
            if problem is not None:
                return f"{self.path}: cannot save: {problem}"
            return None if self._last_write_error is None else str(self._last_write_error)

    @property
    def can_write(self) -> bool:
        return self.write_problem() is None

    def _permanent_write_problem(self) -> str | None:
        if self.read_only:
            return f"the project is read-only: {self.read_only_reason}"
        return access.identity_problem(self.path, self._identity)

    def _write_failed(self, cause: str) -> ProjectWriteError:
        self._last_write_error = ProjectWriteError(self.path, cause)
        return self._last_write_error

    # -- words for a command that only reads ----------------------------------------------
    def reading_note(self) -> str | None:
        """What a read-only command should say about the project it read, if anything."""
        if self._ro is not None and self._ro.writer_open:
            return (f"{self.path}: {self.read_only_reason}; this reads what it had saved "
                    "when the command started")
        return None

    def problem_lines(self, limit: int = 20) -> list[str]:
        """What could not be read (and was skipped), for a warning: a header line, then one
        line per problem (at most ``limit``). Empty when everything was read."""
        problems = self.problems
        if not problems:
            return []
        lines = [f"{self.path}: {len(problems)} stored item(s) could not be read and were "
                 "skipped:"]
        lines += [f"  {p}" for p in problems[:limit]]
        if len(problems) > limit:
            lines.append(f"  ... and {len(problems) - limit} more")
        return lines
