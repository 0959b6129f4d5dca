"""Exceptions of the formats package."""

from __future__ import annotations


class FormatError(Exception):
    """A file could not be read or written; the message names the file and the problem."""


class NothingToExport(FormatError):
    """An export would write no annotation (asked for with ``allow_empty=False``); no file
    was written. The message says why (no approved frame, no instance of the category...)."""


class ExportCancelled(Exception):
    """The user cancelled an export; no partial annotation file was left behind."""
