"""The main window: wires the frame view, timeline, inspector, undo stack, inference and export.

Logic lives in ``medpose_gui.widgets`` (one module per job); this file only connects them.
Shortcuts: see ``widgets/actions.py`` (F1 shows the sheet). "Approve" (A or Ctrl+Return)
approves the frame and goes to the next one.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from medpose_gui.core.annotations import ReviewState
from medpose_gui.core.project import ProjectError
from medpose_gui.session import OpenError, Session, open_path, relink
from medpose_gui.widgets import window_dialogs as dialogs
from medpose_gui.widgets.actions import MEDIA_ACTIONS, SESSION_ACTIONS, ActionSet
from medpose_gui.widgets.app_identity import schedule_smoke_exit
from medpose_gui.widgets.display_filters import DisplayFilters
from medpose_gui.widgets.edit_controller import EditController
from medpose_gui.widgets.frame_loader import FrameLoader
from medpose_gui.widgets.frame_view import FrameView
from medpose_gui.widgets.inference_controller import EscapeCancelsRun, InferenceController
from medpose_gui.widgets.instance_panel import InstancePanel
from medpose_gui.widgets.model_setup_dialog import first_run
from medpose_gui.widgets.navigation import Player
from medpose_gui.widgets.settings import AppSettings
from medpose_gui.widgets.startup import AfterFirstPaint, prepare_app
from medpose_gui.widgets.status_bar import ReviewStatusBar
from medpose_gui.widgets.timeline import Timeline
from medpose_gui.widgets.window_actions import action_handlers
from medpose_gui.widgets.window_layout import build_layout, fill_recent

SAVE_FRAME_MS = 400  # the current frame is stored this long after the last move (not per step)


class MainWindow(QMainWindow):
    """``open_path(path)``, ``current_frame``. ``show_first_run`` None: once (QSettings flag).
    ``preload_models``: load the chosen models in the workers now (first run does not wait)."""

    def __init__(self, settings: QSettings | None = None, show_first_run: bool | None = None,
                 preload_models: bool = True) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("medpose-gui")
        self.setAcceptDrops(True)
        self.settings = AppSettings(settings)
        self.session: Session | None = None
        self.loader: FrameLoader | None = None
        self._current, self._wanted = 0, 0
        self._image: np.ndarray | None = None
        self.last_error = ""
        self.last_export: tuple[str, object] | None = None  # (outcome, result) of the last export
        self.export_task = None  # the running/last BackgroundTask
        # Replaceable questions (tests answer them without modal dialogs).
        self.relink_chooser = dialogs.choose_relink_path
        self.confirmer = dialogs.confirm

        self.actions = ActionSet(self)
        self.edits = EditController(self)
        self.inference = InferenceController(self)
        self.frame_view = FrameView(self)
        self.timeline = Timeline(self)
        self.panel = InstancePanel(self)
        self.filters = DisplayFilters(self)
        self.status = ReviewStatusBar(self)
        self.setStatusBar(self.status)
        self.recent_menu = build_layout(self)
        fill_recent(self.recent_menu, self.settings.recent_files(), self.open_path)
        self._save_timer = QTimer(self, singleShot=True, interval=SAVE_FRAME_MS)
        self._save_timer.timeout.connect(self.save_current_frame)
        self._summary_timer = QTimer(self, singleShot=True, interval=100)  # coalesce refreshes
        self._summary_timer.timeout.connect(self.refresh_summary)
        # New predictions for the frame on screen are shown after the event that stored them,
        # read in one turn of the event loop and drawn in the next (_show_new_results): each
        # stays short, and input is handled in between. Several stores in a row show once.
        self._results_timer = QTimer(self, singleShot=True, interval=0)
        self._results_timer.timeout.connect(self._show_new_results)
        self._annotations_read = 0  # counts _read_annotations calls (see _show_new_results)
        self._connect()
        self._set_enabled()
        geometry, state = self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
            self.restoreState(state)
        else:
            self.resize(1400, 900)
        preload = self.settings.models().run_settings() if preload_models else None
        AfterFirstPaint(self.frame_view.viewport(), lambda: self.inference.warm_up(preload))
        first_run(self, show_first_run)  # welcome message, then model setup if models are missing

    # -- construction ----------------------------------------------------------------
    def _connect(self) -> None:
        a, fv = self.actions, self.frame_view
        for name, fn in action_handlers(self).items():
            a[name].triggered.connect(lambda _checked=False, fn=fn: fn())
        a["actionDrawBox"].toggled.connect(fv.set_draw_box_mode)
        self.player = Player(a["actionPlay"], lambda: self._wanted == self._current,
                             self._advance, self)
        st = self.edits.stack
        st.canUndoChanged.connect(a["actionUndo"].setEnabled)
        st.canRedoChanged.connect(a["actionRedo"].setEnabled)
        self.edits.applied.connect(self._edit_applied)
        self.edits.message.connect(self.status.showMessage)
        self.edits.failed.connect(lambda text: self.show_error("Not saved", text))
        self.edits.bind_view(fv, lambda: self._current)
        fv.installEventFilter(EscapeCancelsRun(self.inference))
        fv.boxDrawn.connect(self._box_drawn)
        fv.reestimateRequested.connect(self.reestimate)
        fv.selectionChanged.connect(self.panel.select)
        fv.keypointSelectionChanged.connect(lambda _uid, k: self.panel.select_keypoint(k))
        fv.drawBoxModeChanged.connect(a["actionDrawBox"].setChecked)
        fv.hoverText.connect(self.status.set_hover)
        self.panel.instanceSelected.connect(lambda uid: fv.select(uid))
        self.panel.editRequested.connect(self.edits.push)
        self.panel.placeRequested.connect(fv.begin_place_keypoint)
        self.filters.optionsChanged.connect(lambda opts: fv.set_display_options(**opts))
        self.timeline.frameRequested.connect(self.go_to)
        inf = self.inference
        inf.runningChanged.connect(lambda _running: self._set_enabled())
        inf.progressChanged.connect(self.status.set_progress)
        inf.predictionsStored.connect(self._predictions_stored)
        inf.predictionsReplaced.connect(self.edits.forget_persons)
        inf.runFinished.connect(lambda s: dialogs.run_finished(self, s))
        inf.runFailed.connect(lambda msg: self.show_error("Inference failed", msg))
        inf.poseReady.connect(lambda f, uid, kps: self.edits.apply_pose(f, uid, kps, "Estimate pose"))
        inf.poseFailed.connect(lambda _uid, msg: self.show_error("Pose estimation failed", msg))

    def _set_enabled(self) -> None:
        has, running = self.session is not None, self.inference.running
        media = has and self.session.source is not None
        for name in SESSION_ACTIONS:
            self.actions[name].setEnabled(has)
        for name in MEDIA_ACTIONS:
            self.actions[name].setEnabled(media)
        self.actions["actionRunInference"].setEnabled(media and not running)
        self.actions["actionCancelInference"].setEnabled(running)
        self.actions["actionUndo"].setEnabled(self.edits.stack.canUndo())
        self.actions["actionRedo"].setEnabled(self.edits.stack.canRedo())
        self.status.show_progress(running)

    # -- opening and closing ---------------------------------------------------------
    @property
    def current_frame(self) -> int:
        """0-based index of the frame shown."""
        return self._current

    @property
    def wanted_frame(self) -> int:
        """The frame asked for last (shown, or still being decoded)."""
        return self._wanted

    @property
    def project(self):  # -> Project | None
        return None if self.session is None else self.session.project

    @property
    def num_frames(self) -> int:
        return 0 if self.session is None else int(self.session.project.media.num_frames)

    def open_path(self, path: str | Path) -> bool:
        """Open a video, frame folder or .medpose project; False (and a message) on failure."""
        if self.inference.running:
            self.show_error("Cannot open", "Wait for the inference run to finish or cancel it.")
            return False
        if self.session is not None and Path(path).absolute() in (
                self.project.path, Path(self.project.media.path).absolute()):
            return True  # already open (the project file is locked while open)
        try:
            session = open_path(path, self.relink_chooser, self.confirmer)
        except OpenError as exc:
            self.show_error("Cannot open", str(exc))
            return False
        self.close_session()
        self._start_session(session)
        self.settings.add_recent_file(str(path))
        fill_recent(self.recent_menu, self.settings.recent_files(), self.open_path)
        return True

    def _start_session(self, session: Session) -> None:
        self.session = session
        project = session.project
        self.edits.set_project(project)
        self.inference.project = project
        names = [c.name for c in project.categories]
        self.category_combo.clear()
        self.category_combo.addItems(names)
        self.filters.set_categories(names)
        self.loader = None
        timestamps = None
        if session.source is not None:
            self.loader = FrameLoader(session.source, self)
            self.loader.frameReady.connect(self._frame_ready)
            self.loader.failed.connect(lambda i, msg: self.show_error(f"Cannot read frame {i}", msg))
            timestamps = session.source.timestamps
        self.timeline.set_media(self.num_frames, project.media.fps, timestamps)
        self.player.fps = project.media.fps
        self.timeline.set_low_confidence_threshold(self.settings.low_confidence_threshold())
        self.setWindowTitle(f"{Path(project.path).name} — medpose-gui")
        self._set_enabled()
        self.refresh_summary()
        start = int(project.get_setting("current_frame", 0) or 0)
        self._current = -1
        self.go_to(min(max(start, 0), max(self.num_frames - 1, 0)), force=True)

    def close_session(self) -> None:
        if self.session is None:
            return
        self.player.stop()
        self.save_current_frame()
        self.edits.set_project(None)
        self.inference.project = None
        if self.loader is not None:
            self.loader.close()
            self.loader = None
        self.session.close()
        self.session = None
        self._image = None
        self._set_enabled()

    def replace_session(self, session: Session) -> None:
        """Continue on another session (Save as, relink) at the same frame."""
        self.save_current_frame()
        old = self.session
        if self.loader is not None:
            self.loader.close()  # closes the old media source too
            self.loader = None
        elif old is not None and old.source is not None:
            old.source.close()
        if old is not None and old.project is not session.project:
            old.project.close()
        self.session = None
        self._start_session(session)

    def relink_to(self, new_path: str) -> bool:
        try:
            session = relink(self.project, new_path, self.confirmer)
        except OpenError as exc:
            self.show_error("Cannot relink", str(exc))
            return False
        self.replace_session(session)
        return True

    def closeEvent(self, event) -> None:  # noqa: N802
        self.inference.shutdown()
        self.close_session()
        self.settings.set_window_state(self.saveGeometry(), self.saveState())
        super().closeEvent(event)

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_path(paths[0]))

    # -- frames ----------------------------------------------------------------------
    def go_to(self, index: int, force: bool = False) -> None:
        """Show frame ``index`` (clamped); the image may arrive later from the loader thread."""
        if self.session is None or self.num_frames == 0:
            return
        index = int(min(max(index, 0), self.num_frames - 1))
        if index == self._wanted and index == self._current and not force:
            return
        self._wanted = index
        if self.loader is None:
            self._display(index, None)
            return
        image = self.loader.request(index)
        if image is not None:
            self._display(index, image)

    def _frame_ready(self, index: int, image: np.ndarray) -> None:
        if index == self._wanted and self.session is not None:
            self._display(index, image)

    def _display(self, index: int, image: np.ndarray | None) -> None:
        changed = index != self._current
        self._current, self._image = index, image
        self.frame_view.set_frame(index, image)
        self.refresh_annotations()
        self.timeline.set_current(index)
        self.status.set_frame(index, self.num_frames, self.timeline.time_of(index))
        if changed:
            self._save_timer.start()

    def refresh_annotations(self) -> None:
        """Show the current frame's instances and review state (view, panel, status bar)."""
        instances = self._read_annotations()
        if instances is not None:
            self._draw_annotations(instances)

    def _read_annotations(self) -> list | None:
        """The current frame's instances, shown in the panel and status bar (not yet drawn)."""
        project = self.project
        if project is None:
            return None
        self._annotations_read += 1
        instances = project.instances(self._current)
        names = {c.name: c.schema.keypoints for c in project.categories}
        self.panel.set_frame(self._current, instances, names)
        self.status.set_review(project.review_state(self._current))
        return instances

    def _draw_annotations(self, instances: list) -> None:
        if self.project is not None:
            self.frame_view.set_annotations(
                instances, {c.name: c.schema for c in self.project.categories})

    def _show_new_results(self) -> None:
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
        if self.project is None:
            return
        self.timeline.set_summary(self.project.frame_summary())
        self.status.set_counts(self.project.review_counts(), self.num_frames)

    def save_current_frame(self) -> None:
        self._save_timer.stop()
        if self.project is not None and not self.project.closed:
            # Only where to reopen; the edits themselves report write failures.
            with contextlib.suppress(ProjectError):
                self.project.set_setting("current_frame", self._current)

    def _advance(self) -> bool:
        if self._current >= self.num_frames - 1:
            return False
        self.go_to(self._current + 1)
        return True

    def jump(self, finder) -> None:
        if self.project is None:
            return
        target = finder(self.project.frame_summary(), self._wanted,
                        self.settings.low_confidence_threshold())
        if target is None:
            self.status.showMessage("no such frame after this one", 3000)
        else:
            self.go_to(target)

    # -- edits and inference ---------------------------------------------------------
    def _edit_applied(self, frame: int) -> None:
        if frame == self._current:
            self.refresh_annotations()
        self._summary_timer.start()

    def _predictions_stored(self, frames: list) -> None:
        if self._current in frames:
            self._results_timer.start()
        self._summary_timer.start()

    def approve_and_next(self) -> None:
        """Approve the current frame (undoable), then go to the next frame."""
        self.edits.set_review(self._current, ReviewState.APPROVED)
        self.go_to(self._current + 1)

    def _box_drawn(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.actions["actionDrawBox"].setChecked(False)
        inst = self.edits.add_manual(self._current, self.category_combo.currentText(),
                                     (x1, y1, x2, y2))
        if inst is not None:
            self.frame_view.select(inst.uid)
            self.reestimate(inst.uid)

    def reestimate(self, uid: str) -> None:
        """Estimate the pose of person ``uid`` of the current frame in the background."""
        dialogs.reestimate(self, uid, self._image)

    def start_inference(self, frames: list[int], resume: bool = False) -> bool:
        """Run the models on ``frames`` with the remembered model settings (``resume``:
        skip the frames these models already predicted)."""
        return dialogs.start_inference(self, frames, resume)

    def show_error(self, title: str, message: str) -> None:
        """A non-blocking message box; the app keeps running."""
        self.last_error = f"{title}: {message}"
        dialogs.message(self, title, message, QMessageBox.Icon.Warning)


def run_app(path: str | None = None) -> int:
    """Start the GUI (optionally opening ``path``); returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    splash = prepare_app(app)
    window = MainWindow()
    window.show()
    splash.finish(window)
    if path:
        QTimer.singleShot(0, lambda: window.open_path(path))
    schedule_smoke_exit(window)
    return app.exec()


__all__ = ["MainWindow", "run_app"]
