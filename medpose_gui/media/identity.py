"""Is the file at a project's media path still the project's media?

A project records its media's path and content fingerprint (:func:`.fingerprint`: size and
first and last MiB, cheap for any video). A different file at the recorded path - a video
re-cut with frames prepended, a replaced frame folder - would pair every annotation with
another frame, so every open compares the fingerprints: the window then offers relink,
the command line stops (:mod:`medpose_gui.session`).
"""

from __future__ import annotations

import os
from enum import Enum
from typing import TYPE_CHECKING

from .errors import MediaError
from .fingerprint import fingerprint

if TYPE_CHECKING:
    from medpose_gui.core.project import Project


class MediaState(Enum):
    OK = "ok"  # the recorded media are there, with the recorded content
    MISSING = "missing"  # nothing (readable) at the recorded path, e.g. moved: relink
    CHANGED = "changed"  # another file at the recorded path: relink, never open silently


def media_state(project: Project) -> MediaState:
    """Whether the project's media are at the recorded path with the recorded content."""
    path = project.media.path
    if not os.path.exists(path):
        return MediaState.MISSING
    actual = fingerprint_or_none(path)
    if actual is None:
        return MediaState.MISSING  # unreadable: treated like moved (relink)
    return MediaState.OK if actual == project.media.fingerprint else MediaState.CHANGED


def fingerprint_or_none(path: str | os.PathLike) -> str | None:
    try:
        return fingerprint(path)
    except (OSError, MediaError):
        return None


def changed_message(project_path: os.PathLike | str, media_path: str, expected: str,
                    actual: str | None) -> str:
    """The message for media that are not the project's, naming both files."""
    found = "unreadable" if actual is None else actual[:12]
    return (f"{media_path} is not the media of {project_path}: the file at the recorded path "
            f"has changed since the project was made (fingerprint {found}, the project "
            f"recorded {expected[:12]}), so annotations would not match its frames. Relink "
            "the project to the right media (File > Relink media...)")
