"""Status bar: frame i / last, time, review state, approved counts, hover text, inference progress."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from medpose_gui.core.annotations import ReviewState
from medpose_gui.widgets.timeline import format_time

REVIEW_TEXT = {ReviewState.UNREVIEWED: "unreviewed", ReviewState.IN_PROGRESS: "in progress",
               ReviewState.APPROVED: "approved"}
REVIEW_STYLE = {ReviewState.UNREVIEWED: "color: #a0a0a0", ReviewState.IN_PROGRESS: "color: #e6961e",
                ReviewState.APPROVED: "color: #3cb44b; font-weight: bold"}


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
        self.frame_label = QLabel("no media", self)
        self.frame_label.setObjectName("frameLabel")
        self.time_label = QLabel("", self)
        self.review_label = QLabel("", self)
        self.review_label.setObjectName("reviewLabel")
        self.counts_label = QLabel("", self)
        self.counts_label.setObjectName("countsLabel")
        self.progress = QProgressBar(self)
        self.progress.setObjectName("inferenceProgress")
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("inference %v / %m")
        self.eta_label = QLabel("", self)
        self.cancel_button = QToolButton(self)
        self.addWidget(self.hover_label, 1)
        for w in (self.progress, self.eta_label, self.cancel_button, self.frame_label,
                  self.time_label, self.review_label, self.counts_label):
            self.addPermanentWidget(w)
        self.show_progress(False)

    def set_frame(self, index: int, num_frames: int, seconds: float) -> None:
        self.frame_label.setText(f"frame {index} / {max(num_frames - 1, 0)}")
        self.time_label.setText(format_time(seconds))

    def set_review(self, state: ReviewState) -> None:
        self.review_label.setText(REVIEW_TEXT[state])
        self.review_label.setStyleSheet(REVIEW_STYLE[state])

    def set_counts(self, counts: dict[ReviewState, int], num_frames: int) -> None:
        approved = counts.get(ReviewState.APPROVED, 0)
        busy = counts.get(ReviewState.IN_PROGRESS, 0)
        self.counts_label.setText(f"approved {approved} / {num_frames}   in progress {busy}")

    def set_hover(self, text: str) -> None:
        self.hover_label.setText(text)

    def show_progress(self, on: bool) -> None:
        for w in (self.progress, self.eta_label, self.cancel_button):
            w.setVisible(on)

    def set_progress(self, done: int, total: int, eta_seconds: float) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.eta_label.setText(format_eta(eta_seconds))
