"""Opening what the user chose: a video, a frame folder or a ``.medpose`` project.

Media get a project beside them (``clip.mp4`` -> ``clip.medpose``; a folder ``frames/`` ->
``frames.medpose``); an existing one is reopened. A project whose media moved is relinked:
first silently to a file of the same name beside the project (if its fingerprint matches),
otherwise through ``ask_relink`` (the window shows a file dialog), with the fingerprint
check of :meth:`Project.relink_media` (a mismatch needs the user's ``confirm``).
No Qt here: the window passes the two questions in as callables; the command line uses
the same paths and helpers (:func:`open_or_create_project`, :func:`frame_file_names`).

Media identity is checked on every open, not only on relink: a different file at the
recorded path (a re-cut video, a replaced frame folder) has another fingerprint
(:func:`medpose_gui.media.fingerprint`: size + first and last MiB, cheap for any video).
Annotations would land on the wrong frames, so such media are never opened silently: the
window is asked to relink (:func:`open_path`, or :attr:`Session.media_problem` when the
user declines), and the command line stops with :class:`MediaChangedError`
(:func:`check_media`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from medpose_gui.core.project import MediaInfo, Project, ProjectError
from medpose_gui.media import FrameSource, MediaError, fingerprint, open_media
from medpose_gui.media.identity import (
    MediaState,
    changed_message,
    fingerprint_or_none,
    media_state,
)

PROJECT_SUFFIX = ".medpose"

AskRelink = Callable[[Project], "str | None"]  # -> new media path, or None to go on without
Confirm = Callable[[str], bool]


class OpenError(Exception):
    """The path cannot be opened; the message names it and says why."""


class MediaChangedError(OpenError):
    """The file at the project's recorded media path is not the project's media (its
    fingerprint differs). Names both; the window offers relink, the CLI stops."""

    def __init__(self, project_path: Path, media_path: str, expected: str,
                 actual: str | None) -> None:
        self.project_path = project_path
        self.media_path = media_path
        self.expected = expected
        self.actual = actual  # None: unreadable
        super().__init__(changed_message(project_path, media_path, expected, actual))


@dataclass
class Session:
    """An open project and its media (``source`` is None while the media are missing or
    not the project's: then ``media_problem`` says why, for the window to show)."""

    project: Project
    source: FrameSource | None
    media_problem: str | None = None

    def close(self) -> None:
        if self.source is not None:
            self.source.close()
        self.project.close()

    def notices(self) -> list[str]:
        """What the person must know about this session before working in it: the project
        is read-only (and why), parts of it could not be read, or its media are not shown.
        Empty when all is well."""
        out = []
        project = self.project
        if project.read_only:
            out.append(f"{project.path.name} is open read-only: {project.read_only_reason}.\n"
                       "You can look at it and export it; File › Save project as… makes an "
                       "editable copy.")
        lines = project.problem_lines()
        if lines:
            out.append("\n".join([*lines, "Everything else can be viewed, edited and exported."]))
        if self.media_problem:
            out.append(f"{self.media_problem}\nFile › Relink media… points the project at "
                       "the right file.")
        return out


def is_project_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() == PROJECT_SUFFIX


def project_path_for(media_path: str | Path) -> Path:
    """Where the project of ``media_path`` lives by default."""
    p = Path(media_path).absolute()
    return p.with_name(p.stem + PROJECT_SUFFIX) if p.is_file() else p.with_name(p.name + PROJECT_SUFFIX)


def media_info(path: str | Path, source: FrameSource) -> MediaInfo:
    width, height = source.size
    return MediaInfo(path=str(Path(path).absolute()), fingerprint=fingerprint(path),
                     num_frames=len(source), fps=float(source.fps), width=int(width),
                     height=int(height))


def check_media(project: Project, *, required: bool = False) -> MediaState:
    """For the command line: :class:`MediaChangedError` when another file sits at the
    recorded path; with ``required``, an OpenError when the media are missing too."""
    state = media_state(project)
    if state == MediaState.CHANGED:
        raise _changed_error(project)
    if state == MediaState.MISSING and required:
        raise OpenError(f"{project.path}: its media {project.media.path} are missing; "
                        "relink them in the window (File > Relink media...)")
    return state


def _changed_error(project: Project, media_path: str | None = None) -> MediaChangedError:
    media_path = media_path or project.media.path
    return MediaChangedError(project.path, media_path, project.media.fingerprint,
                             fingerprint_or_none(media_path))


def _same_media(project: Project, media: Path) -> bool:
    try:
        return Path(project.media.path).resolve() == media.resolve()
    except OSError:
        return False


def open_path(path: str | Path, ask_relink: AskRelink, confirm: Confirm) -> Session:
    """Open ``path`` (media or project) and return the session; raises :class:`OpenError`."""
    path = Path(path)
    if not path.exists():
        raise OpenError(f"{path}: no such file or folder")
    try:
        if is_project_path(path):
            return _open_project(path, ask_relink, confirm)
        return _open_media(path, confirm)
    except (ProjectError, MediaError) as exc:
        raise OpenError(str(exc)) from exc


def _open_media(path: Path, confirm: Confirm) -> Session:
    source = open_media(path)
    try:
        project_file = project_path_for(path)
        if project_file.exists():
            project = Project.open(project_file)
            if not _same_media(project, path):
                if project.media_missing() or confirm(
                        f"{project_file} belongs to {project.media.path}.\n"
                        f"Use it for {path} anyway?"):
                    _relink(project, str(path.absolute()), confirm)
                else:
                    project.close()
                    raise OpenError(f"{project_file} belongs to other media "
                                    f"({project.media.path}); open it directly or move it")
            elif media_state(project) == MediaState.CHANGED:
                # The project's own media path, but the file there changed (re-cut,
                # re-encoded): its annotations would sit on other frames.
                error = _changed_error(project, str(path.absolute()))
                if not confirm(f"{error}\n\nUse this file for the project anyway? "
                               "Annotations may not match the frames."):
                    project.close()
                    raise error
                project.relink_media(str(path.absolute()), fingerprint(path), force=True)
        else:
            project = Project.create(project_file, media_info(path, source))
    except BaseException:
        source.close()
        raise
    return Session(project, source)


def _open_project(path: Path, ask_relink: AskRelink, confirm: Confirm) -> Session:
    project = Project.open(path)
    try:
        state = media_state(project)
        if state == MediaState.MISSING:
            beside = path.absolute().parent / Path(project.media.path).name
            if beside.exists() and fingerprint(beside) == project.media.fingerprint:
                project.relink_media(str(beside), project.media.fingerprint)
            else:
                new = ask_relink(project)
                if not new:
                    return Session(project, None, f"{project.media.path}: media not found")
                _relink(project, new, confirm)
        elif state == MediaState.CHANGED:
            error = _changed_error(project)
            new = ask_relink(project) if confirm(
                f"{error}\n\nChoose the right media now? (No opens the project without "
                "frames.)") else None
            if not new:
                return Session(project, None, str(error))
            _relink(project, new, confirm)
        return Session(project, open_media(project.media.path))
    except BaseException:
        project.close()
        raise


def _relink(project: Project, new_path: str, confirm: Confirm) -> None:
    """Relink with the fingerprint check; a mismatch is allowed only if the user confirms."""
    fp = fingerprint(new_path)
    if fp == project.media.fingerprint:
        project.relink_media(new_path, fp)
        return
    if not confirm(f"{new_path} does not have the same content as the project's media "
                   f"({Path(project.media.path).name}).\nLink it anyway? Annotations may not "
                   "match the frames."):
        raise OpenError(f"{new_path}: not the project's media (fingerprint differs)")
    project.relink_media(new_path, fp, force=True)


def relink(project: Project, new_path: str, confirm: Confirm) -> Session:
    """Relink ``project`` to ``new_path`` and open those media (the caller closes the old ones)."""
    try:
        _relink(project, new_path, confirm)
        return Session(project, open_media(new_path))
    except (ProjectError, MediaError) as exc:
        raise OpenError(str(exc)) from exc


def save_as(project: Project, new_path: str) -> Session:
    """Copy ``project`` to ``new_path`` (overwriting: the user confirmed in the file dialog)
    and open the copy with its own media source."""
    try:
        copy = project.save_as(new_path, overwrite=True)
    except ProjectError as exc:
        raise OpenError(str(exc)) from exc
    state = media_state(copy)
    if state != MediaState.OK:
        problem = (f"{copy.media.path}: media not found" if state == MediaState.MISSING
                   else str(_changed_error(copy)))
        return Session(copy, None, problem)
    try:
        return Session(copy, open_media(copy.media.path))
    except MediaError as exc:
        return Session(copy, None, str(exc))


def open_or_create_project(project_path: Path, media_path: str | Path,
                           source: FrameSource) -> Project:
    """Open ``project_path`` if it exists (it must be of the same media), else create it.

    The headless form of :func:`open_path`: nobody to ask, so other media is an error.
    """
    if project_path.exists():
        project = Project.open(project_path)
        if project.media.fingerprint != fingerprint(media_path):
            project.close()
            if _same_path(project.media.path, media_path):
                raise _changed_error(project, str(media_path))
            raise OpenError(f"{project_path}: this project is of {project.media.path}, not of "
                            f"{media_path} (different content); choose another --out")
        return project
    return Project.create(project_path, media_info(media_path, source))


def _same_path(a: str | Path, b: str | Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def frame_file_names(source: FrameSource, indices: Sequence[int]) -> list[str]:
    """The image file name of each frame: the folder's own files, else ``<stem>.jpg``."""
    files = getattr(source, "files", None)
    if files is not None:
        return [Path(files[i]).name for i in indices]
    return [f"{source.frame_name(i)}.jpg" for i in indices]


def export_frame_namer(source: FrameSource | None) -> Callable[[int], str] | None:
    """COCO ``file_name`` of frame i: a folder's own file names (so an export without
    ``--images-dir`` points at the images the user has); None = the exporter's default
    ``frame_000012.jpg``, which is also what ``extract-frames`` writes for a video."""
    if source is None or getattr(source, "files", None) is None:
        return None
    return lambda i: frame_file_names(source, [i])[0]
