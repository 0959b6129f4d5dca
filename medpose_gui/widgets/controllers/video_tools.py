"""The video tools of the Navigate, Review and Track menus: go to a frame, approve a range,
delete weak detections in a range, interpolate a track, set / merge / split tracks, solo.

:class:`VideoTools` asks what it needs (:class:`~..dialogs.video_questions.VideoQuestions`,
replaceable), builds the core edit (:mod:`medpose_gui.core.bulk_edits`,
:mod:`~medpose_gui.core.interpolation`, :mod:`~medpose_gui.core.track_edits`) and pushes it
as one undo step. Refusals (no keyframe on one side, tracks that share a frame) come back as
messages that say what to do.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from medpose_gui.core import bulk_edits, track_edits
from medpose_gui.core.annotations import Instance
from medpose_gui.core.interpolation import InterpolationError, interpolate_track
from medpose_gui.core.project import Project
from medpose_gui.core.reference import REFERENCE_SCORE_THRESHOLD
from medpose_gui.widgets.controllers.edits import EditController
from medpose_gui.widgets.controllers.navigation import FrameNavigator
from medpose_gui.widgets.controllers.session import SessionController
from medpose_gui.widgets.controllers.track_display import TrackDisplay
from medpose_gui.widgets.dialogs.video_questions import VideoQuestions


class VideoTools(QObject):
    message = Signal(str, int)  # status-bar text, milliseconds
    failed = Signal(str, str)  # title, message
    soloChanged = Signal(object)  # track id shown alone, or None

    def __init__(self, sessions: SessionController, navigator: FrameNavigator,
                 edits: EditController, tracks: TrackDisplay,
                 selected_uid: Callable[[], str | None], dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self._sessions, self._nav, self._edits, self._tracks = sessions, navigator, edits, tracks
        self._selected_uid = selected_uid
        self.ask = VideoQuestions(dialog_parent)
        self.solo_track: int | None = None

    # -- what the tools act on ------------------------------------------------------
    @property
    def _project(self) -> Project | None:
        return self._sessions.project

    def selected_person(self, need_track: bool = True) -> Instance | None:
        """The selected person of the shown frame (a message when there is none)."""
        project, uid = self._project, self._selected_uid()
        inst = project.instance(self._nav.current, uid) if project is not None and uid else None
        if inst is None:
            self.message.emit("select a person first (click it)", 4000)
        elif need_track and inst.track_id is None:
            self.message.emit("this person has no track (Track > Set track…)", 5000)
            return None
        return inst

    def _push(self, make: Callable[[], object], empty: str) -> bool:
        try:
            group = make()
        except (InterpolationError, track_edits.TrackEditError) as exc:
            self.failed.emit("Not possible here", str(exc))
            return False
        if group.is_noop:
            self.message.emit(empty, 4000)
            return False
        self._edits.push(group)
        self.message.emit(f"{group.text}: {len(group.frames)} frame(s)", 5000)
        return True

    # -- Navigate ---------------------------------------------------------------------
    def go_to_frame(self) -> None:
        if self._project is None:
            return
        frame = self.ask.frame(self._nav.num_frames, self._nav.current)
        if frame is not None:
            self._nav.go_to(frame)

    def next_needs_look(self) -> None:
        target = self._tracks.next_needs_look(self._nav.current)
        if target is None:
            self.message.emit("no frame after this one needs a look"
                              + (" (still computing)" if self._tracks.triage is None else ""),
                              4000)
            return
        self._nav.go_to(target)
        self.message.emit(f"frame {target}: {self._tracks.triage.text(target)}", 6000)

    # -- Review -----------------------------------------------------------------------
    def approve_range(self) -> None:
        project = self._project
        answer = None if project is None else self.ask.frame_range(
            self._nav.num_frames, self._nav.current, "Approve frames")
        if answer is not None:
            first, last, _ = answer
            self._push(lambda: bulk_edits.approve_range(project, first, last, self._nav.current),
                       "every frame of that range is approved already")

    def delete_weak(self) -> None:
        project = self._project
        answer = None if project is None else self.ask.frame_range(
            self._nav.num_frames, self._nav.current, "Delete weak detections",
            score=REFERENCE_SCORE_THRESHOLD)
        if answer is not None:
            first, last, score = answer
            self._push(lambda: bulk_edits.delete_under_score(project, first, last, score,
                                                             frame=self._nav.current),
                       f"no untouched prediction under box score {score:g} there")

    # -- Track ------------------------------------------------------------------------
    def interpolate(self) -> None:
        inst = self.selected_person()
        if inst is not None:
            self._push(lambda: interpolate_track(self._project, inst.track_id, self._nav.current),
                       "nothing to fill between those keyframes")

    def set_track(self) -> None:
        inst = self.selected_person(need_track=False)
        if inst is None:
            return
        frame = self._nav.current
        others = [t for t in self._tracks.tracks_at(frame) if t != inst.track_id]
        answer = self.ask.track(inst.track_id, others)
        if answer is not None:
            track, onward = answer
            self._push(lambda: track_edits.change_track(self._project, frame, inst, track,
                                                        onward=onward), "no change")

    def merge_track(self) -> None:
        inst = self.selected_person()
        if inst is None:
            return
        candidates = self._tracks.merge_candidates(inst.track_id)
        if not candidates:
            self.message.emit(f"no other track stays clear of track {inst.track_id}", 5000)
            return
        other = self.ask.merge_target(inst.track_id, candidates)
        if other is not None:
            self._push(lambda: track_edits.merge_tracks(self._project, inst.track_id, other,
                                                        self._nav.current), "no change")

    def split_track(self) -> None:
        inst = self.selected_person()
        if inst is not None:
            self._push(lambda: track_edits.split_track(self._project, inst.track_id,
                                                       self._nav.current), "no change")

    def set_solo(self, on: bool) -> None:
        """Show only the selected person's track (``on``), or everyone again."""
        track = None
        if on:
            inst = self.selected_person()
            if inst is None:
                self.soloChanged.emit(None)
                return
            track = inst.track_id
        self.solo_track = track
        self.soloChanged.emit(track)
        self.message.emit(f"showing only track {track} (S again: everyone)" if track is not None
                          else "showing every person", 4000)
