"""The exceptions of the model-weights manager (each message names the file or URL)."""

from __future__ import annotations


class ModelRegistryError(Exception):
    """A model cannot be found, added, resolved or downloaded; the message says why."""


class DownloadError(ModelRegistryError):
    """A download failed (offline, HTTP error, a web page instead of the file, wrong size or hash)."""


class DownloadInterrupted(DownloadError):
    """The connection ended before the whole file arrived; the ``.part`` file is kept to resume."""
