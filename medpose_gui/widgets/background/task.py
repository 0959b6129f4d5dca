"""Work that must not run on the GUI thread, run in a Python thread and reported as signals.

:class:`BackgroundTask` runs ``fn(progress, cancel)``: exports, the model-quality report,
checking a model file. The function reports progress through ``progress(done, total)`` and
polls ``cancel()``; its result, its failure or its cancellation comes back to the GUI
thread as one signal.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from medpose_gui.formats.errors import ExportCancelled

TaskFn = Callable[[Callable[[int, int], None], Callable[[], bool]], object]


class BackgroundTask(QObject):
    """Runs ``fn(progress, cancel)`` in a Python thread; results come back as signals."""

    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, fn: TaskFn, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="medpose-export", daemon=True)
        self.done = False

    def start(self) -> None:
        # Connected last, so ``done`` turns true only after every handler connected before
        # start() has seen the outcome (queued slots run in connection order).
        for sig in (self.succeeded, self.failed, self.cancelled):
            sig.connect(self._mark_done)
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _mark_done(self, *_args: object) -> None:
        self.done = True

    def _run(self) -> None:
        try:
            result = self._fn(self.progress.emit, self._cancel.is_set)
        except ExportCancelled:
            self.cancelled.emit()
            return
        except Exception as exc:  # noqa: BLE001 - shown to the user; the app lives on
            traceback.print_exc()
            self.failed.emit(str(exc) or type(exc).__name__)
            return
        if self._cancel.is_set() and result is False:
            self.cancelled.emit()
        else:
            self.succeeded.emit(result)
