"""Track › Propagate: the selected person's box carried along its track, the pose model
placing the points on each frame, in the background with progress and cancel.

:class:`PropagationController` checks what is needed (a selected person with a track, the
media, a pose model), starts :func:`medpose_gui.runs.propagate.propagate` in the pose worker
(through the inference controller: the one way the window runs a model), and when it ends,
cancelled or not, puts everything it stored on the undo stack as ONE step
(:meth:`EditController.push_done`). Each frame is stored as it is done, so a crash loses
nothing that was shown.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from medpose_gui.runs.propagate import PropagationRequest, PropagationResult
from medpose_gui.widgets.controllers.edits import EditController
from medpose_gui.widgets.controllers.inference import InferenceController
from medpose_gui.widgets.controllers.navigation import FrameNavigator
from medpose_gui.widgets.controllers.session import SessionController
from medpose_gui.widgets.dialogs.video_questions import VideoQuestions
from medpose_gui.widgets.settings import AppSettings

FORWARD, BACKWARD = 1, -1


class PropagationController(QObject):
    message = Signal(str, int)  # status-bar text, milliseconds
    failed = Signal(str, str)  # title, message

    def __init__(self, settings: AppSettings, sessions: SessionController,
                 navigator: FrameNavigator, inference: InferenceController,
                 edits: EditController, selected_uid: Callable[[], str | None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._sessions, self._nav, self._inference, self._edits = (sessions, navigator,
                                                                    inference, edits)
        self._selected_uid = selected_uid
        self.ask = VideoQuestions(parent if isinstance(parent, QWidget) else None)
        inference.propagationFinished.connect(self._finished)
        inference.propagationFailed.connect(lambda text: self.failed.emit("Propagation", text))
        self.last_result: PropagationResult | None = None

    @property
    def running(self) -> bool:
        return self._inference.propagating

    def start(self, direction: int = FORWARD, max_frames: int | None = None) -> bool:
        """Propagate the selected person (``max_frames`` None: to its track's next keyframe
        or end); False (with a message) when it cannot start."""
        project, uid = self._sessions.project, self._selected_uid()
        media = self._sessions.media_path
        if project is None or media is None:
            return False
        if self.running or self._inference.running:
            self.message.emit("wait for the running inference or propagation (Esc stops it)",
                              4000)
            return False
        inst = project.instance(self._nav.current, uid) if uid else None
        if inst is None:
            self.message.emit("select the person to propagate first (click it)", 4000)
            return False
        if inst.track_id is None:
            self.message.emit("this person has no track (Track > Set track…)", 5000)
            return False
        models = self.settings.models()
        problems = models.pose_only_problems()
        if problems:
            self.failed.emit("No pose model", "\n".join(problems))
            return False
        request = PropagationRequest(self._nav.current, inst.uid, direction, max_frames)
        way = "forward" if direction >= 0 else "backward"
        self.message.emit(f"propagating track {inst.track_id} {way}… (Esc stops)", 4000)
        return self._inference.propagate(media, request, models.run_settings())

    def ask_and_start(self) -> bool:
        """Propagate N frames: ask the direction and how many, then start."""
        answer = self.ask.propagation()
        return answer is not None and self.start(*answer)

    def cancel(self) -> None:
        self._inference.cancel()

    def _finished(self, result: PropagationResult) -> None:
        self.last_result = result
        self._edits.push_done(result.group)  # one undo step, also when cancelled
        self.message.emit(f"propagated {result.frames_done} frame(s) in {result.seconds:.1f} s; "
                          f"stopped: {result.stops}", 10000)
        if result.error:
            self.failed.emit("Propagation stopped", f"{result.error}\n\nThe {result.frames_done} "
                             "frame(s) done before are kept (Undo takes them back).")
