"""Keeps the track views showing the open project: the timeline's track lanes and its "needs a
look" lane, and the trajectory plot of the selected person's track.

:class:`TrackDisplay` holds a :class:`~medpose_gui.core.track_index.TrackIndex` (built off the
GUI thread when a project opens, then updated frame by frame as edits, runs and propagations
touch frames) and the :class:`~medpose_gui.core.triage.Triage` of the whole video (computed
off the GUI thread a moment after the last change). The lanes shown are the tracks of the
frame on screen (the selected person's first); everything the GUI thread does per frame
shown is a few numpy calls over those tracks.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from medpose_gui.core.annotations import ReviewState, in_review_state
from medpose_gui.core.edits import Edit
from medpose_gui.core.project import Project
from medpose_gui.core.track_colors import track_rgb
from medpose_gui.core.track_index import TrackIndex
from medpose_gui.core.triage import Triage, point_jumps, triage_project
from medpose_gui.widgets.background.task import BackgroundTask
from medpose_gui.widgets.panels.timeline import Timeline
from medpose_gui.widgets.panels.trajectory_plot import TrajectoryPlot

MAX_LANES = 8  # track lanes under the timeline's tracks (the frame's persons, selected first)
TRIAGE_DELAY_MS = 800  # after the last change, the "needs a look" scores are computed again
# Changes arriving in a stream (a propagation stores ~10 frames a second) redraw the lanes and
# the trajectory plot once per this many ms, not once per frame stored.
LANES_DELAY_MS, TRAJECTORY_DELAY_MS = 150, 400


class TrackDisplay(QObject):
    triageReady = Signal(object)  # Triage of the whole video
    indexReady = Signal()

    def __init__(self, timeline: Timeline, trajectory: TrajectoryPlot,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timeline, self._trajectory = timeline, trajectory
        self.project: Project | None = None
        self.index: TrackIndex | None = None
        self.triage: Triage | None = None
        self.frame = 0
        self.selected_track: int | None = None
        self.solo_track: int | None = None
        self._pending: set[int] = set()  # frames changed while the index was being built
        self._lanes_shown: tuple | None = None
        self._tasks: dict[str, BackgroundTask] = {}
        self._again: set[str] = set()  # jobs asked for again while running
        self._triage_timer = QTimer(self, singleShot=True, interval=TRIAGE_DELAY_MS)
        self._triage_timer.timeout.connect(lambda: self._run("triage", self._compute_triage,
                                                             self._triage_done))
        self._lanes_timer = QTimer(self, singleShot=True, interval=LANES_DELAY_MS)
        self._lanes_timer.timeout.connect(self._refresh_lanes)
        self._trajectory_timer = QTimer(self, singleShot=True, interval=TRAJECTORY_DELAY_MS)
        self._trajectory_timer.timeout.connect(self._refresh_trajectory)

    # -- the project ----------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        self.project, self.index, self.triage = project, None, None
        self.selected_track = self.solo_track = None
        self._pending.clear()
        self._lanes_shown = None
        self._timeline.set_lanes([], [], [])
        self._timeline.set_look(None)
        self._trajectory.clear()
        if project is not None:
            self._run("index", self._build_index, self._index_built)
            self._triage_timer.start(0)

    def _run(self, name: str, fn: Callable[[Project], object],
             done: Callable[[Project, object], None]) -> None:
        """``fn(project)`` in a background thread, then ``done(project, result)`` here; asked
        again while it runs, it runs once more afterwards."""
        project = self.project
        if project is None:
            return
        running = self._tasks.get(name)
        if running is not None and not running.done:
            self._again.add(name)
            return
        task = BackgroundTask(lambda _progress, _cancel: fn(project), self)
        task.succeeded.connect(lambda result: self._finished(name, project, result, fn, done))
        task.failed.connect(lambda _text: self._tasks.pop(name, None))
        for ended in (task.succeeded, task.failed):  # one per change: not kept for the session
            ended.connect(lambda *_args, t=task: t.deleteLater())
        self._tasks[name] = task
        task.start()

    def _finished(self, name: str, project: Project, result: object, fn, done) -> None:
        self._tasks.pop(name, None)
        if project is not self.project:
            return  # another project was opened meanwhile
        done(project, result)
        if name in self._again:
            self._again.discard(name)
            self._run(name, fn, done)

    @staticmethod
    def _build_index(project: Project) -> TrackIndex:
        return TrackIndex.from_rows(project.track_rows(), project.media.num_frames)

    def _index_built(self, project: Project, index: object) -> None:
        assert isinstance(index, TrackIndex)
        for frame in sorted(self._pending):  # changed while it was read: read them again
            index.update_frame(frame, project.instances(frame))
        self._pending.clear()
        self.index = index
        self._lanes_shown = None
        self._refresh_lanes()
        self.indexReady.emit()

    @staticmethod
    def _compute_triage(project: Project) -> Triage:
        return triage_project(project)

    def _triage_done(self, _project: Project, triage: object) -> None:
        assert isinstance(triage, Triage)
        self.triage = triage
        self._timeline.set_look(triage.score)
        self.triageReady.emit(triage)

    # -- changes ------------------------------------------------------------------------
    def frames_changed(self, frames: list[int]) -> None:
        """Frames an edit or a run wrote (read again from the project)."""
        if self.project is None:
            return
        if self.index is None:
            self._pending.update(frames)
        else:
            for frame in frames:
                self.index.update_frame(frame, self.project.instances(frame))
        self._changed()

    def edit_stored(self, frame: int, edit: Edit) -> None:
        """A frame a propagation stored: the index follows the edit itself (no read of the
        project, which the propagation is writing to)."""
        if self.project is None:
            return
        if self.index is None:
            self._pending.add(frame)
        else:
            self.index.apply_changes(frame, [(c.before, c.after) for c in edit.changes])
        self._changed()

    def _changed(self) -> None:
        if self.index is not None:
            self._lanes_shown = None
            if not self._lanes_timer.isActive():
                self._lanes_timer.start()
        if self.selected_track is not None and not self._trajectory_timer.isActive():
            self._trajectory_timer.start()
        self._triage_timer.start()

    def frame_shown(self, index: int) -> None:
        self.frame = index
        self._refresh_lanes()
        self._trajectory.set_current(index)

    def select(self, uid: str) -> None:
        """The selected person changed (its track's lane goes first, its plot is shown)."""
        inst = self.project.instance(self.frame, uid) if self.project is not None and uid else None
        track = inst.track_id if inst is not None else None
        if track == self.selected_track:
            return
        self.selected_track = track
        self._refresh_lanes()
        self._refresh_trajectory()

    def set_solo(self, track: int | None) -> None:
        self.solo_track = track
        self._refresh_lanes()

    # -- what the tools ask ----------------------------------------------------------------
    def tracks_at(self, frame: int) -> list[int]:
        if self.index is not None:
            return self.index.tracks_at(frame)
        if self.project is None:
            return []
        return sorted({i.track_id for i in self.project.instances(frame) if i.track_id is not None})

    def merge_candidates(self, track: int) -> list[tuple[int, str]]:
        """Tracks that may join ``track``, nearest in time first, with a description."""
        if self.index is None:
            return []
        out = []
        for other, gap in self.index.merge_candidates(track):
            lo, hi = self.index.span(other) or (0, 0)
            out.append((other, f"#{other} · frames {lo}–{hi} · {gap} frame(s) apart"))
        return out

    def next_needs_look(self, current: int) -> int | None:
        if self.triage is None:
            return None
        approved = None
        if self.project is not None:
            approved = in_review_state(self.project.frame_summary().review, ReviewState.APPROVED)
        return self.triage.next_frame(current, approved)

    # -- views ---------------------------------------------------------------------------
    def lane_tracks(self) -> list[int]:
        """The tracks given a lane: the selected (or solo) one first, then this frame's."""
        first = [t for t in (self.solo_track, self.selected_track) if t is not None]
        rest = [t for t in self.tracks_at(self.frame) if t not in first]
        return list(dict.fromkeys(first + rest))[:MAX_LANES]

    def _refresh_lanes(self) -> None:
        if self.index is None:
            return
        tracks = self.lane_tracks()
        key = (tuple(tracks), self.index.num_frames)
        if key == self._lanes_shown:
            return
        self._lanes_shown = key
        self._timeline.set_lanes(tracks, [self.index.lane(t) for t in tracks],
                                 [track_rgb(t) for t in tracks])

    def _refresh_trajectory(self) -> None:
        track = self.selected_track
        if track is None or self.project is None:
            self._trajectory.clear()
            return
        def read(project: Project) -> tuple:
            (traj,) = project.trajectories(track) or (None,)
            if traj is None:
                return track, None, None, ()
            names = project.schema_for(traj.category).keypoints
            return track, traj, point_jumps(traj), tuple(names)

        self._run("trajectory", read, self._trajectory_read)

    def _trajectory_read(self, _project: Project, result: object) -> None:
        track, traj, jumps, names = result  # type: ignore[misc]
        if track != self.selected_track:
            return  # another person was selected meanwhile (it is read next)
        if traj is None:
            self._trajectory.clear()
        else:
            self._trajectory.set_track(track, traj, jumps, names, track_rgb(track))
            self._trajectory.set_current(self.frame)
