"""Play / pause at the source's frame rate, driven by the checkable "Play" action."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction


class Player(QObject):
    """Play / pause (a checkable action) at the source's frame rate.

    Each tick asks for the next frame only if the previous one is on screen (``ready()``):
    a slow decode drops ticks instead of queueing frames, so playback never lags behind.
    ``advance()`` returns False at the last frame, which stops playing.
    """

    def __init__(self, action: QAction, ready: Callable[[], bool], advance: Callable[[], bool],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.action = action
        self._ready, self._advance = ready, advance
        self.fps = 25.0
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        action.toggled.connect(self._toggled)

    def _toggled(self, on: bool) -> None:
        if on:
            self.timer.start(max(1, int(1000 / (self.fps or 25.0))))
        else:
            self.timer.stop()

    def stop(self) -> None:
        self.action.setChecked(False)

    def _tick(self) -> None:
        if self._ready() and not self._advance():
            self.stop()
