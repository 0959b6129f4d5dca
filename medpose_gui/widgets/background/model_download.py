"""A catalogue model downloaded in a child process, so that Cancel can stop it mid-stream.

:func:`medpose_gui.model_registry.download_model` has no cancel hook and may wait on a
silent server for its whole timeout; a process (not a thread) can be ended at once.
Cancel ends the process and the ``.part`` file stays, so the next download resumes from
it. The caller polls :meth:`ModelDownload.received` for progress and
:meth:`ModelDownload.result` for the outcome.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue

from medpose_gui.model_registry import CatalogueEntry, ModelRegistry
from medpose_gui.model_registry.download import part_path


def _download_in_child(name: str, url: str | None, directory: str, results) -> None:
    """Child-process body: download, check and register; report ("ok"|"error", text)."""
    from medpose_gui.model_registry import download_model

    try:
        model = download_model(name, url=url, registry=ModelRegistry(directory), progress=False)
        results.put(("ok", model.path))
    except Exception as exc:  # noqa: BLE001 - passed to the dialog as text
        results.put(("error", str(exc) or type(exc).__name__))


class ModelDownload:
    """A running download child process and the file it fills."""

    def __init__(self, entry: CatalogueEntry, url: str | None, registry: ModelRegistry) -> None:
        ctx = multiprocessing.get_context("spawn")  # no fork of a threaded Qt process
        self.entry = entry
        self.part = part_path(registry.directory / entry.file_name)
        self.exitcode: int | None = None
        self.results = ctx.Queue()
        self.process = ctx.Process(target=_download_in_child, daemon=True,
                                   args=(entry.name, url, str(registry.directory), self.results))
        self.process.start()

    def received(self) -> int:
        """Bytes in the partial file so far."""
        try:
            return self.part.stat().st_size
        except OSError:
            return 0

    def result(self) -> tuple[str, str] | None:
        """("ok", path) | ("error", message) once the child is done, else None."""
        try:
            return self.results.get_nowait()
        except queue.Empty:
            pass
        if self.process.is_alive():
            return None
        try:  # the child may have ended just after the first look
            return self.results.get(timeout=1.0)
        except queue.Empty:
            return ("error", f"the download process ended unexpectedly "
                             f"(exit code {self.process.exitcode})")

    def cancel(self) -> None:
        self.process.terminate()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)

    def close(self) -> None:
        self.exitcode = self.process.exitcode  # None: still running (it cannot be closed)
        self.results.close()
        with contextlib.suppress(ValueError):
            self.process.close()
