"""Status bar: frame i / last, time, review state, approved counts, hover text, inference
progress, and a note that stays (how the last run or export ended)."""

from __future__ import annotations

import math

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QStatusBar, QToolButton, QWidget

from medpose_gui.core.annotations import ReviewState
from medpose_gui.widgets.panels.timeline import format_time

REVIEW_TEXT = {ReviewState.UNREVIEWED: "unreviewed", ReviewState.IN_PROGRESS: "in progress",
               ReviewState.APPROVED: "approved"}
REVIEW_STYLE = {ReviewState.UNREVIEWED: "color: #a0a0a0", ReviewState.IN_PROGRESS: "color: #e6961e",
                ReviewState.APPROVED: "color: #3cb44b; font-weight: bold"}


def reserve_width(label: QLabel, widest_text: str) -> None:
    """Keep ``label`` at least as wide as ``widest_text``.

    A label whose text changes on every frame otherwise changes the window's minimum size
    with it: Qt then lays out the window again and tells the window manager the new size
    hints, on every step of a scrub.
    """
    bold = label.font()
    bold.setBold(True)  # the style sheet may make the text bold
    label.setMinimumWidth(QFontMetrics(bold).horizontalAdvance(widest_text) + 8)


PROGRESS_FORMAT = "inference %v / %m"
_BAR_CHROME_PX = 24  # the progress bar's frame and text margins around its text


def format_eta(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 0:
        return "ETA –"
    seconds = int(round(seconds))
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    return f"ETA {h}:{m:02d}:{s:02d}" if h else f"ETA {m}:{s:02d}"


class ReviewStatusBar(QStatusBar):
    """Permanent labels on the right; temporary messages (hover text) on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self.hover_label = QLabel("", self)
        self.hover_label.setObjectName("hoverLabel")
        # Long hover texts are cut, never widen the window.
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.frame_label = QLabel("no media", self)
        self.frame_label.setObjectName("frameLabel")
        self.time_label = QLabel("", self)
        self.review_label = QLabel("", self)
        self.review_label.setObjectName("reviewLabel")
        self.counts_label = QLabel("", self)
        self.counts_label.setObjectName("countsLabel")
        self.progress = QProgressBar(self)
        self.progress.setObjectName("inferenceProgress")
        self.progress.setFormat(PROGRESS_FORMAT)
        self._progress_total = -1  # what the progress bar is sized for
        self.eta_label = QLabel("", self)
        self.cancel_button = QToolButton(self)
        # A notice that must stay visible while it holds (e.g. "read-only"), red.
        self.notice_label = QLabel("", self)
        self.notice_label.setObjectName("noticeLabel")
        self.notice_label.setStyleSheet("color: #c62828; font-weight: bold;")
        self.notice_label.hide()
        self.addWidget(self.notice_label)
        self.addWidget(self.hover_label, 1)
        self._hover = self._note = ""  # the left label shows the hover text, else the note
        self._review: ReviewState | None = None
        self._num_frames = -1  # what the frame and count labels are sized for
        reserve_width(self.review_label, max(REVIEW_TEXT.values(), key=len))
        reserve_width(self.eta_label, format_eta(99 * 3600.0))
        for w in (self.progress, self.eta_label, self.cancel_button, self.frame_label,
                  self.time_label, self.review_label, self.counts_label):
            self.addPermanentWidget(w)
        self.show_progress(False)

    def set_notice(self, text: str, tooltip: str = "") -> None:
        """Show ``text`` (empty: hide it) until it is replaced."""
        self.notice_label.setText(text)
        self.notice_label.setToolTip(tooltip)
        self.notice_label.setVisible(bool(text))

    def set_frame(self, index: int, num_frames: int, seconds: float) -> None:
        self._size_for(num_frames)
        self.frame_label.setText(f"frame {index} / {max(num_frames - 1, 0)}")
        self.time_label.setText(format_time(seconds))

    def _size_for(self, num_frames: int) -> None:
        if num_frames != self._num_frames:
            self._num_frames = num_frames
            digits = "8" * len(str(max(num_frames, 1)))
            reserve_width(self.frame_label, f"frame {digits} / {digits}")
            reserve_width(self.time_label, "8:88:88.888")
            reserve_width(self.counts_label, f"approved {digits} / {digits}   in progress {digits}")

    def set_review(self, state: ReviewState) -> None:
        if state == self._review:
            return  # a style sheet change re-polishes the label: not on every frame
        self._review = state
        self.review_label.setText(REVIEW_TEXT[state])
        self.review_label.setStyleSheet(REVIEW_STYLE[state])

    def set_counts(self, counts: dict[ReviewState, int], num_frames: int) -> None:
        self._size_for(num_frames)
        approved = counts.get(ReviewState.APPROVED, 0)
        busy = counts.get(ReviewState.IN_PROGRESS, 0)
        self.counts_label.setText(f"approved {approved} / {num_frames}   in progress {busy}")

    def set_hover(self, text: str) -> None:
        """What is under the cursor; with nothing there the note shows again."""
        self._hover = text
        self._show_left()

    def set_note(self, text: str) -> None:
        """A summary that stays until the next one or ``set_note("")`` (how the last run or
        export ended): status-bar messages vanish after seconds, or as soon as a menu's
        tip passes over them, before a medic has read them."""
        self._note = text
        self.hover_label.setToolTip(text)
        self._show_left()

    @property
    def note(self) -> str:
        return self._note

    def _show_left(self) -> None:
        self.hover_label.setText(self._hover or self._note)

    def show_progress(self, on: bool) -> None:
        for w in (self.progress, self.eta_label, self.cancel_button):
            w.setVisible(on)

    def set_progress(self, done: int, total: int, eta_seconds: float) -> None:
        total = max(total, 1)
        if total != self._progress_total:
            # Wide enough for the longest text of this run on one line: a narrower bar
            # wrapped "inference 123 / 4567" into two cut lines.
            self._progress_total = total
            widest = PROGRESS_FORMAT.replace("%v", str(total)).replace("%m", str(total))
            width = self.progress.fontMetrics().horizontalAdvance(widest) + _BAR_CHROME_PX
            self.progress.setFixedWidth(max(width, 160))
        self.progress.setMaximum(total)
        self.progress.setValue(done)
        self.eta_label.setText(format_eta(eta_seconds))
