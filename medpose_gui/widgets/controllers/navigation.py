"""Which frame the window shows, and moving through the video while reviewing it.

:class:`FrameNavigator` asks the loader thread for a frame (a cached one is shown at once),
shows only the latest frame asked for, remembers it in the project a moment after the last
move, plays at the video's rate and jumps to the next unreviewed (N) or low-confidence (L)
frame. Where N and L go is decided by the pure functions :func:`next_unreviewed` and
:func:`next_low_confidence` on ``Project.frame_summary()`` arrays (both search forward and
wrap around once).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction

from medpose_gui.core.annotations import ReviewState, in_review_state
from medpose_gui.core.project import FrameSummary, Project, ProjectError
from medpose_gui.session import Session
from medpose_gui.widgets.background.frame_loader import FrameLoader
from medpose_gui.widgets.controllers.player import Player

SAVE_FRAME_MS = 400  # the current frame is stored this long after the last move (not per step)

FrameFinder = Callable[[FrameSummary, int, float], "int | None"]


def _first_after(mask: np.ndarray, current: int) -> int | None:
    """First True index after ``current``, wrapping to the start; None if there is none."""
    hits = np.flatnonzero(mask)
    if hits.size == 0:
        return None
    later = hits[hits > current]
    target = int(later[0]) if later.size else int(hits[0])
    return None if target == current else target


def next_unreviewed(summary: FrameSummary, current: int, _threshold: float = 0.0) -> int | None:
    """Next frame that is not approved."""
    return _first_after(~in_review_state(summary.review, ReviewState.APPROVED), current)


def next_low_confidence(summary: FrameSummary, current: int, threshold: float) -> int | None:
    """Next frame with persons whose mean keypoint score is below ``threshold``."""
    scores = np.asarray(summary.mean_score, np.float64)
    with np.errstate(invalid="ignore"):
        mask = np.isfinite(scores) & (scores < threshold)
    return _first_after(mask, current)


class FrameNavigator(QObject):
    """The shown frame of the open session (``frameShown`` each time one is on screen)."""

    frameShown = Signal(int, object)  # index, RGB image (None: the media are missing)
    loadFailed = Signal(int, str)  # index, why
    message = Signal(str, int)  # status-bar text, milliseconds

    def __init__(self, play_action: QAction, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.loader: FrameLoader | None = None
        self.image: np.ndarray | None = None  # the frame on screen
        self._current, self._wanted = 0, 0
        self.player = Player(play_action, lambda: self._wanted == self._current,
                             self.advance, self)
        self._save_timer = QTimer(self, singleShot=True, interval=SAVE_FRAME_MS)
        self._save_timer.timeout.connect(self.save_current_frame)

    @property
    def current(self) -> int:
        """0-based index of the frame shown."""
        return self._current

    @property
    def wanted(self) -> int:
        """The frame asked for last (shown, or still being decoded)."""
        return self._wanted

    @property
    def num_frames(self) -> int:
        return 0 if self.project is None else int(self.project.media.num_frames)

    def start(self, session: Session) -> None:
        """Show ``session``'s media at the frame its project was left at."""
        self.project = session.project
        if session.source is not None:
            self.loader = FrameLoader(session.source, self)
            self.loader.frameReady.connect(self._frame_ready)
            self.loader.failed.connect(self.loadFailed)
        self.player.fps = session.project.media.fps
        start = int(self.project.get_setting("current_frame", 0) or 0)
        self._current = -1
        self.go_to(min(max(start, 0), max(self.num_frames - 1, 0)), force=True)

    def stop(self) -> None:
        """Before the session closes: stop playing, remember the frame, close the loader
        (and with it the media source it reads)."""
        self.player.stop()
        self.save_current_frame()
        if self.loader is not None:
            self.loader.close()
            self.loader = None
        self.project, self.image = None, None

    def go_to(self, index: int, force: bool = False) -> None:
        """Show frame ``index`` (clamped); the image may arrive later from the loader thread."""
        if self.project is None or self.num_frames == 0:
            return
        index = int(min(max(index, 0), self.num_frames - 1))
        if index == self._wanted and index == self._current and not force:
            return
        self._wanted = index
        if self.loader is None:
            self._show(index, None)
            return
        image = self.loader.request(index)
        if image is not None:
            self._show(index, image)

    def step(self, frames: int) -> None:
        """Forward (or back) by ``frames`` from the frame asked for last."""
        self.go_to(self._wanted + frames)

    def advance(self) -> bool:
        """The next frame; False at the last one (ends playback)."""
        if self._current >= self.num_frames - 1:
            return False
        self.go_to(self._current + 1)
        return True

    def jump(self, finder: FrameFinder, threshold: float) -> None:
        """To the frame ``finder`` picks after the frame asked for last."""
        if self.project is None:
            return
        target = finder(self.project.frame_summary(), self._wanted, threshold)
        if target is None:
            self.message.emit("no such frame after this one", 3000)
        else:
            self.go_to(target)

    def save_current_frame(self) -> None:
        self._save_timer.stop()
        if self.project is not None and not self.project.closed:
            # Only where to reopen; the edits themselves report write failures.
            with contextlib.suppress(ProjectError):
                self.project.set_setting("current_frame", self._current)

    def _frame_ready(self, index: int, image: np.ndarray) -> None:
        if index == self._wanted and self.project is not None:
            self._show(index, image)

    def _show(self, index: int, image: np.ndarray | None) -> None:
        changed = index != self._current
        self._current, self.image = index, image
        self.frameShown.emit(index, image)
        if changed:
            self._save_timer.start()
