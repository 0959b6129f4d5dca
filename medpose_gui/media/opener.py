"""`open_media`: one entry point for video files and image folders."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import MediaError
from .folder import DEFAULT_FOLDER_FPS, ImageFolderSource
from .source import FrameSource
from .video import VideoSource

VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm"})


def open_media(path: str | os.PathLike, *, fps: float | None = None) -> FrameSource:
    """Open a video file (any format FFmpeg reads) or a folder of images.

    fps: frame rate of an image folder (default 30.0); a video's own rate cannot be overridden.
    Raises MediaError naming the path and the problem.
    """
    p = Path(path)
    if p.is_dir():
        return ImageFolderSource(p, fps=DEFAULT_FOLDER_FPS if fps is None else fps)
    if not p.exists():
        raise MediaError(f"{p}: no such file or folder")
    if fps is not None:
        raise ValueError("fps can only be set for image folders")
    return VideoSource(p)
