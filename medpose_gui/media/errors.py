"""Exceptions of the media package."""

from __future__ import annotations

from pathlib import Path


class MediaError(Exception):
    """A video file or image folder cannot be opened or read; the message names the file."""


class Cancelled(Exception):
    """A long media operation (frame extraction) was cancelled by its caller.

    `written` lists the files written before the cancel; they are left on disk.
    """

    def __init__(self, message: str, written: list[Path]) -> None:
        super().__init__(message)
        self.written = written
