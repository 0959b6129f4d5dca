"""Timeline under the frame view: scrubber plus per-frame tracks (pyqtgraph).

Rows share one x axis (frame index): review state as a colour bar, number of persons as a
step curve, the mean keypoint score as a curve with the low-confidence threshold, and above
them the video lanes (:mod:`.timeline_lanes`): "needs a look" and one lane per track of the
frame on screen. All plot items are created once; updates only call ``setData``/``setImage``
(pyqtgraph's fast path), so refreshing after every inference batch stays cheap.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from medpose_gui.core.annotations import REVIEW_CODE, REVIEW_OF_CODE, ReviewState
from medpose_gui.widgets.panels.timeline_lanes import TimelineLanes

REVIEW_COLOURS = {ReviewState.UNREVIEWED: (90, 90, 90, 255),
                  ReviewState.IN_PROGRESS: (230, 150, 30, 255),
                  ReviewState.APPROVED: (60, 180, 75, 255)}
# The same colours indexed by the review codes of Project.frame_summary().review (0, 1, ...).
_COLOUR_OF_CODE = np.array([REVIEW_COLOURS[REVIEW_OF_CODE[code]]
                            for code in range(len(REVIEW_OF_CODE))], np.uint8)
_REVIEW_Y, _COUNT_Y, _SCORE_Y = 2.15, 1.1, 0.0  # bottom of each track; each track is < 1 high
_LOOK_Y, _LANES_Y = 3.15, 3.95  # bottom of the "look" lane and of the lowest track lane
# Plot height in px, fixed: a height that changed with the lanes of each frame would make
# the window lay itself out again while scrubbing. More lanes are drawn thinner instead.
_PLOT_HEIGHT = 200


def format_time(seconds: float) -> str:
    """mm:ss.mmm (h:mm:ss.mmm past one hour)."""
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h}:{m:02d}:{s:02d}.{ms:03d}" if h else f"{m:02d}:{s:02d}.{ms:03d}"


class Timeline(QWidget):
    """Scrubber + tracks. Emits ``frameRequested(index)``; never changes the frame itself."""

    frameRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self._num_frames = 0
        self._fps = 25.0
        self._timestamps: np.ndarray | None = None
        self._current = 0
        self._setting_line = False

        self.label = QLabel("no media", self)
        self.label.setObjectName("timelineLabel")
        # Its text changes every frame: never let it resize the window (see reserve_width).
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.plot = pg.PlotWidget(self, background="#202020")
        self.plot.setObjectName("timelinePlot")
        self.plot.setFixedHeight(_PLOT_HEIGHT)
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=True, y=False)  # wheel zooms along time only
        left = item.getAxis("left")
        left.setWidth(64)  # room for the longest track name

        self.review_bar = pg.ImageItem(axisOrder="row-major")
        item.addItem(self.review_bar)
        self.count_curve = pg.PlotDataItem(stepMode="center", fillLevel=_COUNT_Y,
                                           pen=pg.mkPen("#4aa3ff"), brush=(74, 163, 255, 90))
        item.addItem(self.count_curve)
        self.score_curve = pg.PlotDataItem(pen=pg.mkPen("#f0e060", width=2), connect="finite")
        item.addItem(self.score_curve)
        self.threshold_line = pg.InfiniteLine(angle=0, pen=pg.mkPen("#d04040", style=Qt.PenStyle.DashLine))
        item.addItem(self.threshold_line)
        self.lanes = TimelineLanes(item)
        self.lanes.place(_LOOK_Y, _LANES_Y)
        self._lane_rows = 0  # lane rows laid out (grows, so scrubbing never resizes them)
        self._laid_out: tuple | None = None  # (y top, axis labels) last applied
        self._layout_rows()
        self.cursor = pg.InfiniteLine(pos=0, angle=90, movable=True, pen=pg.mkPen("w", width=2),
                                      hoverPen=pg.mkPen("#00c0ff", width=3))
        item.addItem(self.cursor)
        self.cursor.sigPositionChanged.connect(self._cursor_moved)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.set_low_confidence_threshold(0.5)
        self.empty_text = pg.TextItem("Open a video or a folder of frames (Ctrl+O) to see its "
                                      "frames, review states and scores here",
                                      color="#a0a0a0", anchor=(0.5, 0.5))
        item.addItem(self.empty_text, ignoreBounds=True)
        self._show_empty(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 0, 2, 2)
        layout.setSpacing(0)
        layout.addWidget(self.label)
        layout.addWidget(self.plot)

    # -- data ---------------------------------------------------------------------
    def set_media(self, num_frames: int, fps: float, timestamps: np.ndarray | None = None) -> None:
        """New media: x range and time base (timestamps in seconds, if variable frame rate)."""
        self._num_frames = max(0, int(num_frames))
        self._fps = float(fps) if fps and fps > 0 else 25.0
        self._timestamps = None if timestamps is None else np.asarray(timestamps, np.float64)
        item = self.plot.getPlotItem()
        item.setLimits(xMin=-0.5, xMax=max(self._num_frames, 1) - 0.5)
        item.setXRange(-0.5, max(self._num_frames, 1) - 0.5, padding=0)
        self.cursor.setBounds((0, max(self._num_frames - 1, 0)))
        self.lanes.set_lanes([], [], [])  # the tracks of other media
        self._lane_rows = 0
        self._layout_rows()
        unreviewed = np.full(self._num_frames, REVIEW_CODE[ReviewState.UNREVIEWED], np.int8)
        self.set_tracks(unreviewed, np.zeros(self._num_frames, np.int32),
                        np.full(self._num_frames, np.nan))
        self.set_current(0)
        self._show_empty(self._num_frames == 0)

    def _show_empty(self, empty: bool) -> None:
        """No media: a line saying what goes here instead of an axis of -0.4 .. 0.4."""
        item = self.plot.getPlotItem()
        item.showAxis("bottom", not empty)
        for part in (self.cursor, self.threshold_line, self.review_bar, self.count_curve,
                     self.score_curve):
            part.setVisible(not empty)
        self.empty_text.setVisible(empty)
        if empty:
            item.setLimits(xMin=None, xMax=None)
            item.setXRange(0.0, 1.0, padding=0)
            self.empty_text.setPos(0.5, 1.55)  # the middle of the three tracks

    def set_tracks(self, review: np.ndarray, num_instances: np.ndarray, mean_score: np.ndarray) -> None:
        """Update the three tracks from per-frame arrays (Project.frame_summary() fields)."""
        n = len(review)
        if n == 0:
            return
        codes = np.clip(np.asarray(review, np.int64), 0, len(_COLOUR_OF_CODE) - 1)
        self.review_bar.setImage(_COLOUR_OF_CODE[codes][np.newaxis, :, :], autoLevels=False)
        self.review_bar.setRect(-0.5, _REVIEW_Y, n, 0.85)
        counts = np.asarray(num_instances, np.float64)
        top = max(float(counts.max()), 1.0)
        self.count_curve.setData(np.arange(n + 1) - 0.5, _COUNT_Y + 0.85 * counts / top)
        scores = np.asarray(mean_score, np.float64)
        self.score_curve.setData(np.arange(n, dtype=np.float64), _SCORE_Y + 0.95 * scores)

    def set_summary(self, summary: object) -> None:
        """Convenience for a Project.frame_summary() result."""
        self.set_tracks(summary.review, summary.num_instances, summary.mean_score)

    def set_look(self, score: np.ndarray | None) -> None:
        """The per-frame "needs a look" score (0..1; None: not known yet)."""
        self.lanes.set_look(score)

    def set_lanes(self, tracks: list[int], lanes: list[np.ndarray],
                  colors: list[tuple[int, int, int]]) -> None:
        """One lane per track (:class:`~medpose_gui.core.track_index.Lane` codes per frame)."""
        self.lanes.set_lanes(tracks, lanes, colors)
        self._layout_rows()

    def _layout_rows(self) -> None:
        """Y range and left-axis labels for the rows and the lanes there are.

        The lanes follow the frame's persons, so their number changes while scrubbing; the
        rows for them only grow (until other media are opened): the timeline does not jump
        under the medic's eyes, and the plot is not laid out and repainted whole on every
        frame (that was 7 ms of each frame change on the GUI thread)."""
        self._lane_rows = max(self._lane_rows, len(self.lanes.tracks))
        top = self.lanes.lane_y(self._lane_rows) if self._lane_rows else _LANES_Y
        ticks = ((_SCORE_Y + 0.45, "score"), (_COUNT_Y + 0.45, "persons"),
                 (_REVIEW_Y + 0.45, "review"), (_LOOK_Y + 0.3, "look"), *self.lanes.ticks())
        if (top, ticks) == self._laid_out:
            return
        item = self.plot.getPlotItem()
        if self._laid_out is None or top != self._laid_out[0]:
            item.setYRange(-0.05, top + 0.05, padding=0)
        item.getAxis("left").setTicks([list(ticks)])
        self._laid_out = (top, ticks)

    def set_low_confidence_threshold(self, value: float) -> None:
        self.threshold_line.setValue(_SCORE_Y + 0.95 * value)

    # -- current frame ------------------------------------------------------------
    def time_of(self, index: int) -> float:
        if self._timestamps is not None and 0 <= index < len(self._timestamps):
            return float(self._timestamps[index])
        return index / self._fps

    def set_current(self, index: int) -> None:
        """Show ``index`` as current (does not emit frameRequested)."""
        self._current = int(index)
        self._setting_line = True
        try:
            self.cursor.setValue(self._current)
        finally:
            self._setting_line = False
        n = self._num_frames
        # 0-based like every index in the program (exports, CLI); "/ last" so the end reads N-1 / N-1
        self.label.setText(f"  frame {self._current} / {n - 1}   {format_time(self.time_of(self._current))}"
                           if n else "no media")

    def _cursor_moved(self) -> None:
        if self._setting_line or not self._num_frames:
            return
        index = int(round(self.cursor.value()))
        if index != self._current:
            self.frameRequested.emit(index)

    def _clicked(self, event: object) -> None:
        if not self._num_frames or event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.plot.getPlotItem().getViewBox()
        pos = vb.mapSceneToView(event.scenePos())
        index = int(np.clip(round(pos.x()), 0, self._num_frames - 1))
        self.frameRequested.emit(index)
