"""Exceptions of the formats package."""

from __future__ import annotations


class FormatError(Exception):
    """A file could not be read or written; the message names the file and the problem."""


class ExportCancelled(Exception):
    """The user cancelled an export; no partial annotation file was left behind."""
