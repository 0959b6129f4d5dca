"""Which project is open: open (file pickers, recent files, drops), Save as, relink, close.

:class:`SessionController` owns the open :class:`~medpose_gui.session.Session` (project +
media source). The opening itself, with its questions (where did the media go? link
different content anyway?), is :mod:`medpose_gui.session`, shared with the command line;
this controller asks those questions with dialogs and tells the window through signals:
``ending`` before a session goes (store what belongs to it, release its media), ``started``
when one is open, ``closed`` when none is.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from medpose_gui.core.project import Project
from medpose_gui.media import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from medpose_gui.session import AskRelink, Confirm, OpenError, Session, open_path, relink
from medpose_gui.session import save_as as save_session_as
from medpose_gui.widgets.dialogs import messages
from medpose_gui.widgets.settings import AppSettings


class SessionController(QObject):
    started = Signal(object)  # Session: a project is open (also after Save as and relink)
    ending = Signal()  # the open session is about to close or be replaced
    closed = Signal()  # no session is open any more
    aboutToCopy = Signal()  # Save as is about to copy the project: store what belongs in it
    failed = Signal(str, str)  # title, message
    recentFilesChanged = Signal(list)  # paths, newest first

    def __init__(self, settings: AppSettings, dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self.settings = settings
        self.session: Session | None = None
        self._parent = dialog_parent
        self._busy_reason = ""  # while set, nothing else can be opened
        # The two questions of opening; replaceable (tests answer them without dialogs).
        self.ask_relink_path: AskRelink = messages.choose_relink_path
        self.confirm: Confirm = messages.confirm

    @property
    def project(self) -> Project | None:
        return None if self.session is None else self.session.project

    @property
    def media_path(self) -> str | None:
        """The media path, or None while the media are missing (not relinked)."""
        session = self.session
        return None if session is None or session.source is None else session.project.media.path

    def set_busy(self, reason: str) -> None:
        """While ``reason`` is set (e.g. a run is storing results), opening is refused with it."""
        self._busy_reason = reason

    # -- opening and closing ---------------------------------------------------------
    def open_path(self, path: str | Path) -> bool:
        """Open a video, frame folder or .medpose project; False (and ``failed``) on failure."""
        if self._busy_reason:
            self.failed.emit("Cannot open", self._busy_reason)
            return False
        project = self.project
        if project is not None and Path(path).absolute() in (
                project.path, Path(project.media.path).absolute()):
            return True  # already open (the project file is locked while open)
        try:
            session = open_path(path, self.ask_relink_path, self.confirm)
        except OpenError as exc:
            self.failed.emit("Cannot open", str(exc))
            return False
        self.close()
        self._start(session)
        self._add_recent(str(path))
        self._remember_dir(str(Path(path).absolute()))  # however it was opened: the pickers start there
        return True

    def close(self) -> None:
        if self.session is None:
            return
        self.ending.emit()
        self.session.close()
        self.session = None
        self.closed.emit()

    def _start(self, session: Session) -> None:
        self.session = session
        self.started.emit(session)

    def _replace(self, session: Session) -> None:
        """Continue on another session (Save as, relink) at the same frame."""
        old = self.session
        self.ending.emit()  # the frame is stored; the loader closes the old media source
        if old is not None:
            if old.source is not None:
                old.source.close()
            if old.project is not session.project:
                old.project.close()
        self.session = None
        self._start(session)

    def _add_recent(self, path: str) -> None:
        self.settings.add_recent_file(path)
        self.recentFilesChanged.emit(self.settings.recent_files())

    def save_as(self, path: str | None = None) -> bool:
        """Copy the project to ``path`` (asked for when None) and continue in the copy."""
        project = self.project
        if project is None:
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self._parent, "Save project as",
                                                  str(project.path), "medpose project (*.medpose)")
            if not path:
                return False
            if not path.endswith(".medpose"):
                path += ".medpose"
        self.aboutToCopy.emit()  # the copy opens at the frame shown now
        try:
            session = save_session_as(project, path)
        except OpenError as exc:
            self.failed.emit("Cannot save", str(exc))
            return False
        self._replace(session)
        self._add_recent(path)
        return True

    def relink_to(self, new_path: str) -> bool:
        """Point the project at moved media (after the fingerprint check) and show them."""
        if self.project is None:
            return False
        try:
            session = relink(self.project, new_path, self.confirm)
        except OpenError as exc:
            self.failed.emit("Cannot relink", str(exc))
            return False
        self._replace(session)
        return True

    # -- asking where ----------------------------------------------------------------
    def _start_dir(self) -> str:
        return self.settings.last_directory() or str(Path.home())

    def _remember_dir(self, path: str) -> None:
        self.settings.set_last_directory(str(Path(path).parent))

    def ask_open(self) -> None:
        """File › Open: a video, a project, or any image of a frame folder."""
        videos = " ".join(f"*{e}" for e in sorted(VIDEO_EXTENSIONS))
        images = " ".join(f"*{e}" for e in sorted(IMAGE_EXTENSIONS))
        path, _ = QFileDialog.getOpenFileName(
            self._parent, "Open video or project", self._start_dir(),
            f"Videos and projects ({videos} *.medpose);;Projects (*.medpose);;"
            f"Images (frame folder: pick any) ({images});;All files (*)")
        if path:
            self._remember_dir(path)
            if Path(path).suffix.lower() in IMAGE_EXTENSIONS:
                path = str(Path(path).parent)  # an image stands for its folder
            self.open_path(path)

    def ask_open_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self._parent, "Open frame folder",
                                                self._start_dir())
        if path:
            self._remember_dir(path)
            self.open_path(path)

    def ask_relink(self) -> None:
        if self.project is None:
            return
        path = self.ask_relink_path(self.project)
        if path:
            self.relink_to(path)
