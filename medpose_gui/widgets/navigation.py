"""Moving through the video: where "next unreviewed" (N) and "next low-confidence" (L) go
(pure functions on ``Project.frame_summary()`` arrays; both search forward and wrap around
once), and playback at the source frame rate (:class:`Player`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction

APPROVED = 2  # review code of an approved frame in FrameSummary.review


def _first_after(mask: np.ndarray, current: int) -> int | None:
    """First True index after ``current``, wrapping to the start; None if there is none."""
    hits = np.flatnonzero(mask)
    if hits.size == 0:
        return None
    later = hits[hits > current]
    target = int(later[0]) if later.size else int(hits[0])
    return None if target == current else target


def next_unreviewed(summary: object, current: int, _threshold: float = 0.0) -> int | None:
    """Next frame that is not approved."""
    return _first_after(np.asarray(summary.review) != APPROVED, current)


def next_low_confidence(summary: object, current: int, threshold: float) -> int | None:
    """Next frame with persons whose mean keypoint score is below ``threshold``."""
    scores = np.asarray(summary.mean_score, np.float64)
    with np.errstate(invalid="ignore"):
        mask = np.isfinite(scores) & (scores < threshold)
    return _first_after(mask, current)


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
