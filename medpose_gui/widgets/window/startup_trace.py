"""Start-up milestones for bench/bench_startup.py: when the window and the first frame appear.

With ``MEDPOSE_STARTUP_TRACE`` set, one line per milestone goes to stderr,
``medpose-startup <event> <time.time()>``, so a parent process that noted the wall time
before starting us can tell how long a user waited. Events: ``window-painted`` (the frame
view's first paint: the window is on screen), ``frame-painted`` (its first paint with an
image in it), ``warm-up-started`` and ``warm-up-done`` (the inference worker importing torch
and loading the chosen models, reported by the window). Without the variable nothing is
installed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

TRACE_ENV = "MEDPOSE_STARTUP_TRACE"
PREFIX = "medpose-startup"


def tracing() -> bool:
    return bool(os.environ.get(TRACE_ENV))


def report(event: str) -> None:
    """Print one milestone line (only when tracing)."""
    if tracing():
        print(f"{PREFIX} {event} {time.time():.4f}", file=sys.stderr, flush=True)


class _PaintWatch(QObject):
    """Reports ``event`` at the first paint of ``widget`` for which ``ready()`` holds."""

    def __init__(self, widget: QWidget, event: str, ready: Callable[[], bool]) -> None:
        super().__init__(widget)
        self._widget, self._event, self._ready = widget, event, ready
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Paint and self._ready():
            self._widget.removeEventFilter(self)
            report(self._event)
        return False


def trace_startup(frame_viewport: QWidget, frame_shown: Callable[[], bool]) -> None:
    """Report the frame view's first paint and its first paint of a frame (when tracing)."""
    if not tracing():
        return
    _PaintWatch(frame_viewport, "window-painted", lambda: True)
    _PaintWatch(frame_viewport, "frame-painted", frame_shown)
