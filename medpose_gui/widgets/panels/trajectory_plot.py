"""A track's trajectory: one keypoint's x and y over time, with its jumps clickable (pyqtgraph).

Two plots share the frame axis, x above y. Frames where the point jumps (its triage score,
:func:`medpose_gui.core.triage.point_jumps`, at least "needs a look") are red dots; clicking
one, or anywhere on the plots, asks for that frame (``frameRequested``). Keyframes (the
medic's persons) are white dots. Items are created once and fed arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from medpose_gui.core.project_tracks import Trajectory
from medpose_gui.core.triage import NEEDS_A_LOOK


class _Axis:
    """One coordinate's plot: the curve, its jump dots, its keyframe dots, the cursor."""

    def __init__(self, widget: pg.PlotWidget, label: str) -> None:
        self.widget = widget
        item = widget.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setLabel("left", label)
        item.setMouseEnabled(x=True, y=False)
        self.curve = pg.PlotDataItem(connect="finite")
        self.keys = pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush("w"))
        self.jumps = pg.ScatterPlotItem(size=11, pen=pg.mkPen("k"), brush=pg.mkBrush("#ff3030"),
                                        hoverable=True, hoverSize=15)
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("w", width=1))
        for it in (self.curve, self.keys, self.jumps):
            item.addItem(it)
        # The cursor moves with every frame shown: it must not make the plot fit its range
        # again each time (a few ms per plot per frame, measured while stepping).
        item.addItem(self.cursor, ignoreBounds=True)


class TrajectoryPlot(QWidget):
    """``set_track(...)`` shows a track; ``frameRequested(frame)`` on a click."""

    frameRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trajectoryPlot")
        self.title = QLabel("select a person with a track", self)
        self.keypoint = QComboBox(self)
        self.keypoint.setObjectName("trajectoryKeypoint")
        self.keypoint.setToolTip("The keypoint whose x and y are plotted")
        self.keypoint.currentIndexChanged.connect(lambda _i: self._draw())
        # A point the medic picks stays picked from track to track; one picked for them
        # (the point that jumps most) is picked again for the next track.
        self.keypoint.activated.connect(lambda _i: setattr(self, "_picked", True))
        self._picked = False
        plot_x = pg.PlotWidget(self, background="#202020")
        plot_y = pg.PlotWidget(self, background="#202020")
        plot_y.setXLink(plot_x)
        self.x_axis, self.y_axis = _Axis(plot_x, "x (px)"), _Axis(plot_y, "y (px)")
        for axis in (self.x_axis, self.y_axis):
            axis.jumps.sigClicked.connect(self._jump_clicked)
            axis.widget.scene().sigMouseClicked.connect(
                lambda event, a=axis: self._plot_clicked(a, event))
        self.track: int | None = None
        self._current = 0
        self._traj: Trajectory | None = None
        self._jumps: np.ndarray | None = None

        row = QHBoxLayout()
        row.addWidget(self.title, 1)
        row.addWidget(self.keypoint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row)
        layout.addWidget(plot_x, 1)
        layout.addWidget(plot_y, 1)

    def clear(self) -> None:
        self.track, self._traj, self._jumps = None, None, None
        self.title.setText("select a person with a track")
        self._draw()

    def set_track(self, track: int, traj: Trajectory, jumps: np.ndarray,
                  names: Sequence[str], rgb: tuple[int, int, int]) -> None:
        """Show ``traj`` (its point jump scores ``jumps`` (n, K)); keeps the point the medic
        picked, else picks the one that jumps most."""
        self.track, self._traj, self._jumps = track, traj, np.asarray(jumps)
        wanted = self.keypoint.currentText() if self._picked else ""
        self.keypoint.blockSignals(True)
        try:
            self.keypoint.clear()
            self.keypoint.addItems(list(names))
            if wanted in names:
                self.keypoint.setCurrentIndex(list(names).index(wanted))
            elif self._jumps.size:
                self.keypoint.setCurrentIndex(int(np.argmax(self._jumps.max(axis=0))))
        finally:
            self.keypoint.blockSignals(False)
        pen = pg.mkPen(rgb, width=2)
        self.x_axis.curve.setPen(pen)
        self.y_axis.curve.setPen(pen)
        self._draw()

    def _draw(self) -> None:
        traj, k = self._traj, self.keypoint.currentIndex()
        for axis in (self.x_axis, self.y_axis):
            if traj is None or k < 0:
                axis.curve.setData([], [])
                axis.keys.setData([], [])
                axis.jumps.setData([], [])
        if traj is None or k < 0 or k >= traj.keypoints.shape[1]:
            return
        frames = traj.frames.astype(np.float64)
        labelled = traj.keypoints[:, k, 2] > 0
        flagged = (self._jumps[:, k] >= NEEDS_A_LOOK if self._jumps is not None
                   else np.zeros_like(labelled))
        for axis, col in ((self.x_axis, 0), (self.y_axis, 1)):
            values = np.where(labelled, traj.keypoints[:, k, col], np.nan)
            axis.curve.setData(frames, values)
            keys = traj.keyframe & labelled
            axis.keys.setData(frames[keys], values[keys])
            axis.jumps.setData(frames[flagged], values[flagged],
                               data=traj.frames[flagged].tolist())
        jumps = int(flagged.sum())
        self.title.setText(f"track #{self.track} · {self.keypoint.currentText()} · "
                           f"{len(frames)} frames · {jumps} jump(s)")

    def jump_frames(self) -> list[int]:
        """Frames marked as jumps of the chosen keypoint (the red dots)."""
        data = self.x_axis.jumps.data
        return [int(d) for d in data["data"]] if len(data) else []

    def set_current(self, frame: int) -> None:
        self._current = frame
        if self.isVisible():  # a hidden plot is brought up to date when it is shown
            self.x_axis.cursor.setValue(frame)
            self.y_axis.cursor.setValue(frame)

    def showEvent(self, event: object) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.set_current(self._current)

    def _jump_clicked(self, _item: object, points: Sequence[object], *_rest: object) -> None:
        if len(points):
            self.frameRequested.emit(int(points[0].data()))

    def _plot_clicked(self, axis: _Axis, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.isAccepted():
            return
        pos = axis.widget.getPlotItem().getViewBox().mapSceneToView(event.scenePos())
        if self._traj is not None and len(self._traj):
            self.frameRequested.emit(int(round(pos.x())))
