"""Keeps the views showing the open project: the frame's persons, its review state, the tracks.

:class:`ProjectDisplay` hands the shown frame's instances to the frame view and the
inspector, its review state to the status bar, and the per-frame summary to the timeline
and the status bar's counts, after each frame change, edit and stored model result.
It owns the timing of those refreshes, which keeps the GUI thread's stalls short.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer

from medpose_gui.core.annotations import Instance
from medpose_gui.core.project import Project
from medpose_gui.widgets.frame_view import FrameView
from medpose_gui.widgets.panels.instance_panel import InstancePanel
from medpose_gui.widgets.panels.status_bar import ReviewStatusBar
from medpose_gui.widgets.panels.timeline import Timeline

SUMMARY_DELAY_MS = 100  # edits and results in quick succession refresh the tracks once


class ProjectDisplay(QObject):
    def __init__(self, frame_view: FrameView, panel: InstancePanel, status: ReviewStatusBar,
                 timeline: Timeline, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._view, self._panel, self._status, self._timeline = frame_view, panel, status, timeline
        self.project: Project | None = None
        self.frame = 0  # the frame shown
        self._summary_timer = QTimer(self, singleShot=True, interval=SUMMARY_DELAY_MS)
        self._summary_timer.timeout.connect(self.refresh_summary)
        # New predictions for the frame on screen are shown after the event that stored them,
        # read in one turn of the event loop and drawn in the next (show_new_results): each
        # stays short, and input is handled in between. Several stores in a row show once.
        self._results_timer = QTimer(self, singleShot=True, interval=0)
        self._results_timer.timeout.connect(self.show_new_results)
        self._annotations_read = 0  # counts _read_annotations calls (see show_new_results)

    def set_project(self, project: Project | None) -> None:
        self.project, self.frame = project, -1  # no frame of it on screen yet
        self.refresh_summary()

    @property
    def num_frames(self) -> int:
        return 0 if self.project is None else int(self.project.media.num_frames)

    def show_frame(self, index: int, image: np.ndarray | None) -> None:
        """Frame ``index`` is on screen now (``image`` None: the media are missing)."""
        self.frame = index
        self._view.set_frame(index, image)
        self.refresh_annotations()
        self._timeline.set_current(index)
        self._status.set_frame(index, self.num_frames, self._timeline.time_of(index))

    def refresh_annotations(self) -> None:
        """Show the current frame's instances and review state (view, panel, status bar)."""
        instances = self._read_annotations()
        if instances is not None:
            self._draw_annotations(instances)

    def _read_annotations(self) -> list[Instance] | None:
        """The current frame's instances, shown in the panel and status bar (not yet drawn)."""
        project = self.project
        if project is None:
            return None
        self._annotations_read += 1
        instances = project.instances(self.frame)
        names = {c.name: c.schema.keypoints for c in project.categories}
        self._panel.set_frame(self.frame, instances, names)
        self._status.set_review(project.review_state(self.frame))
        return instances

    def _draw_annotations(self, instances: list[Instance]) -> None:
        if self.project is not None:
            self._view.set_annotations(
                instances, {c.name: c.schema for c in self.project.categories})

    def show_new_results(self) -> None:
        """New predictions for the frame on screen: read them now, draw them in the next
        turn of the event loop. While inference competes for the CPU, reading and drawing a
        crowded frame in one go was the GUI thread's longest stall (bench_gui_latency)."""
        instances = self._read_annotations()
        if instances is None:
            return
        read = self._annotations_read
        # Skipped if anything showed the annotations again meanwhile (an edit, another frame).
        QTimer.singleShot(0, lambda: read == self._annotations_read
                          and self._draw_annotations(instances))

    def refresh_summary(self) -> None:
        """The timeline's tracks and the status bar's review counts."""
        if self.project is None:
            return
        self._timeline.set_summary(self.project.frame_summary())
        self._status.set_counts(self.project.review_counts(), self.num_frames)

    def edit_applied(self, frame: int) -> None:
        if frame == self.frame:
            self.refresh_annotations()
        self._summary_timer.start()

    def frames_changed(self, frames: list[int]) -> None:
        """An undo step of many frames (a video tool's) was done or undone."""
        if self.frame in frames:
            self.refresh_annotations()
        self._summary_timer.start()

    def predictions_stored(self, frames: list[int]) -> None:
        if self.frame in frames:
            self._results_timer.start()
        self._summary_timer.start()
