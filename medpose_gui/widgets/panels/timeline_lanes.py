"""The timeline's video lanes: "needs a look" and one lane per track (pyqtgraph items).

Each lane is one row of an image, one pixel per frame, coloured by state: a track's lane is
dim in its colour where the detector found it, bright where a video tool filled it
(interpolated, propagated) and carries a white tick at each keyframe (the medic's corrected
or drawn person; ticks are scatter symbols so a single frame stays visible at any zoom). The
"look" lane goes from transparent to red with the frame's triage score, with a tick on every
frame that needs a look. Items are created once; updates set arrays (pyqtgraph's fast path).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg

from medpose_gui.core.track_index import Lane
from medpose_gui.core.triage import NEEDS_A_LOOK

LANE_HEIGHT = 0.5  # plot units per track lane (the review/count/score tracks are ~1)
LOOK_HEIGHT = 0.6
_EMPTY = np.zeros((1, 1, 4), np.uint8)


def lane_rgba(lane: np.ndarray, rgb: tuple[int, int, int]) -> np.ndarray:
    """(N, 4) uint8 colours of one track lane (:class:`Lane` codes)."""
    colors = np.zeros((len(Lane), 4), np.uint8)
    colors[Lane.PREDICTED] = (*rgb, 110)
    colors[Lane.FILLED] = (*rgb, 255)
    colors[Lane.KEYFRAME] = (255, 255, 255, 255)
    return colors[np.clip(np.asarray(lane, np.int64), 0, len(Lane) - 1)]


def look_rgba(score: np.ndarray) -> np.ndarray:
    """(N, 4) uint8: transparent at 0, orange to red and opaque towards 1."""
    s = np.clip(np.nan_to_num(np.asarray(score, np.float64)), 0.0, 1.0)
    out = np.zeros((len(s), 4), np.uint8)
    out[:, 0] = 255
    out[:, 1] = (200 * (1.0 - s)).astype(np.uint8)
    out[:, 2] = 40
    out[:, 3] = (255 * np.sqrt(s)).astype(np.uint8)
    return out


class TimelineLanes:
    """The lanes' items on a timeline plot; :meth:`place` puts them at a height."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.look_image = pg.ImageItem(axisOrder="row-major")
        self.look_ticks = pg.ScatterPlotItem(symbol="|", size=9, pen=pg.mkPen("#ff5030"),
                                             brush=None)
        self.lane_image = pg.ImageItem(axisOrder="row-major")
        self.key_ticks = pg.ScatterPlotItem(symbol="|", size=9, pen=pg.mkPen("w", width=2),
                                            brush=None)
        for item in (self.look_image, self.look_ticks, self.lane_image, self.key_ticks):
            plot.addItem(item)
        self.tracks: list[int] = []
        self._look: np.ndarray | None = None
        self._lanes: list[np.ndarray] = []
        self._colors: list[tuple[int, int, int]] = []
        self._look_y, self._lanes_y = 0.0, 0.0

    def place(self, look_y: float, lanes_y: float) -> None:
        self._look_y, self._lanes_y = look_y, lanes_y
        self._draw_look()
        self._draw_lanes()

    def lane_y(self, i: int) -> float:
        """Bottom of lane ``i`` (0 = the lowest)."""
        return self._lanes_y + i * LANE_HEIGHT

    def set_look(self, score: np.ndarray | None) -> None:
        self._look = None if score is None else np.asarray(score, np.float64)
        self._draw_look()

    def set_lanes(self, tracks: Sequence[int], lanes: Sequence[np.ndarray],
                  colors: Sequence[tuple[int, int, int]]) -> None:
        self.tracks, self._lanes, self._colors = list(tracks), list(lanes), list(colors)
        self._draw_lanes()

    def _draw_look(self) -> None:
        score = self._look
        if score is None or len(score) == 0:
            self.look_image.setImage(_EMPTY, autoLevels=False)
            self.look_ticks.setData([], [])
            return
        self.look_image.setImage(look_rgba(score)[np.newaxis], autoLevels=False)
        self.look_image.setRect(-0.5, self._look_y, len(score), LOOK_HEIGHT)
        flagged = np.flatnonzero(score >= NEEDS_A_LOOK)
        self.look_ticks.setData(flagged.astype(np.float64),
                                np.full(len(flagged), self._look_y + LOOK_HEIGHT / 2))

    def _draw_lanes(self) -> None:
        if not self._lanes:
            self.lane_image.setImage(_EMPTY, autoLevels=False)
            self.lane_image.setRect(0, 0, 0, 0)
            self.key_ticks.setData([], [])
            return
        n = len(self._lanes[0])
        image = np.stack([lane_rgba(lane, rgb) for lane, rgb in
                          zip(self._lanes, self._colors, strict=True)])  # (T, N, 4)
        self.lane_image.setImage(image, autoLevels=False)
        self.lane_image.setRect(-0.5, self._lanes_y, n, LANE_HEIGHT * len(self._lanes))
        xs, ys = [], []
        for i, lane in enumerate(self._lanes):
            keys = np.flatnonzero(lane == Lane.KEYFRAME)
            xs.append(keys.astype(np.float64))
            ys.append(np.full(len(keys), self.lane_y(i) + LANE_HEIGHT / 2))
        self.key_ticks.setData(np.concatenate(xs), np.concatenate(ys))

    def ticks(self) -> list[tuple[float, str]]:
        """Left-axis labels of the lanes."""
        return [(self.lane_y(i) + LANE_HEIGHT / 2, f"#{t}") for i, t in enumerate(self.tracks)]
