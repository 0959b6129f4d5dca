"""The main window: builds the views, panels and controllers and connects them.

The window owns what is on screen: it builds its widgets here, connects each action to its
handler (one table, :meth:`MainWindow._action_handlers`) and shows the current frame and
its persons. Each job with state of its own is a controller from
``medpose_gui.widgets.controllers`` (opening, frames, export, models, runs) plus the edit
and inference controllers; they report back through signals and never import the window.
Shortcuts: see ``widgets/window/actions.py`` (F1 shows the sheet). "Approve" (A or
Ctrl+Return) approves the frame and goes to the next one.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from medpose_gui.core.annotations import ReviewState
from medpose_gui.core.project import Project
from medpose_gui.session import Session
from medpose_gui.widgets.controllers.display import ProjectDisplay
from medpose_gui.widgets.controllers.edits import EditController
from medpose_gui.widgets.controllers.export import ExportController
from medpose_gui.widgets.controllers.inference import EscapeCancelsRun, InferenceController
from medpose_gui.widgets.controllers.model_setup import ModelSetupController
from medpose_gui.widgets.controllers.navigation import (
    FrameNavigator,
    next_low_confidence,
    next_unreviewed,
)
from medpose_gui.widgets.controllers.propagation import BACKWARD, FORWARD, PropagationController
from medpose_gui.widgets.controllers.run_launcher import RunLauncher
from medpose_gui.widgets.controllers.session import SessionController
from medpose_gui.widgets.controllers.track_display import TrackDisplay
from medpose_gui.widgets.controllers.video_tools import VideoTools
from medpose_gui.widgets.dialogs.messages import ABOUT_TEXT, message
from medpose_gui.widgets.dialogs.model_quality import QualityPanel
from medpose_gui.widgets.dialogs.shortcuts_dialog import ShortcutsDialog
from medpose_gui.widgets.frame_view import FrameView
from medpose_gui.widgets.frame_view.key_bindings import ForwardPointKeys
from medpose_gui.widgets.panels.display_filters import DisplayFilters
from medpose_gui.widgets.panels.instance_panel import InstancePanel
from medpose_gui.widgets.panels.status_bar import ReviewStatusBar
from medpose_gui.widgets.panels.timeline import Timeline
from medpose_gui.widgets.panels.trajectory_plot import TrajectoryPlot
from medpose_gui.widgets.settings import AppSettings
from medpose_gui.widgets.window.actions import (
    EDIT_ACTIONS,
    MEDIA_ACTIONS,
    PROPAGATION_ACTIONS,
    SESSION_ACTIONS,
    ActionSet,
)
from medpose_gui.widgets.window.app_identity import app_icon, schedule_smoke_exit
from medpose_gui.widgets.window.recent_menu import RecentFilesMenu
from medpose_gui.widgets.window.startup import AfterFirstPaint, prepare_app
from medpose_gui.widgets.window.startup_trace import report as report_startup
from medpose_gui.widgets.window.startup_trace import trace_startup

# Start loading the models this long after the window was built even if no frame came yet.
WARM_UP_FALLBACK_MS = 3000


def _column(parent: QWidget, *widgets: tuple[QWidget, int]) -> QWidget:
    """Widgets stacked vertically with the given stretch factors."""
    host = QWidget(parent)
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    for widget, stretch in widgets:
        layout.addWidget(widget, stretch)
    return host


class MainWindow(QMainWindow):
    """``open_path(path)``, ``current_frame``. ``show_first_run`` None: once (QSettings flag).
    ``preload_models``: load the chosen models in the workers now (first run does not wait)."""

    def __init__(self, settings: QSettings | None = None, show_first_run: bool | None = None,
                 preload_models: bool = True) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("medpose-gui")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.settings = AppSettings(settings)
        self.last_error = ""
        self.last_notice = ""
        self._quality_panel: QualityPanel | None = None

        self.actions = ActionSet(self)
        self.edits = EditController(self)
        self.inference = InferenceController(self)
        self.sessions = SessionController(self.settings, self)
        self.navigator = FrameNavigator(self.actions["actionPlay"], self)
        self.exporter = ExportController(self.sessions, self)
        self.model_setup = ModelSetupController(self.settings, self)
        self.runs = RunLauncher(self.settings, self.sessions, self.navigator, self.inference,
                                self.model_setup, self)
        self.frame_view = FrameView(self)
        self.timeline = Timeline(self)
        self.trajectory = TrajectoryPlot(self)
        self.panel = InstancePanel(self)
        self.filters = DisplayFilters(self)
        self.status = ReviewStatusBar(self)
        self.setStatusBar(self.status)
        self._build_layout()
        self.recent_menu.set_paths(self.settings.recent_files())

        self.display = ProjectDisplay(self.frame_view, self.panel, self.status, self.timeline,
                                      self)
        self.tracks = TrackDisplay(self.timeline, self.trajectory, self)
        selected = self.frame_view.selected_uid
        self.video_tools = VideoTools(self.sessions, self.navigator, self.edits, self.tracks,
                                      selected, self)
        self.propagation = PropagationController(self.settings, self.sessions, self.navigator,
                                                 self.inference, self.edits, selected, self)
        self._connect()
        self._set_enabled()
        geometry, state = self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
            self.restoreState(state)
        else:
            self.resize(1400, 900)
        preload = self.settings.models().run_settings() if preload_models else None
        self._opening_at_start = False  # open_path_soon: wait for its first frame
        # torch and the models load once the first frame (or the empty window) is painted.
        AfterFirstPaint(self.frame_view.viewport(), lambda: self.inference.warm_up(preload),
                        fallback_ms=WARM_UP_FALLBACK_MS, ready=self._first_view_settled)
        # The first run: the Models dialog with a welcome text.
        self.model_setup.first_run(show_first_run)

    # -- construction ----------------------------------------------------------------
    def _build_layout(self) -> None:
        """Frame view over the timeline in the centre; inspector and undo history docked on
        the right; menus and toolbar generated from the action table."""
        self.setCentralWidget(_column(self, (self.frame_view, 1), (self.timeline, 0)))
        self.inspector_dock = self._dock("inspectorDock", "Inspector",
                                         _column(self, (self.filters, 0), (self.panel, 1)))
        self.history_dock = self._dock("historyDock", "Undo history", QUndoView(self.edits.stack))
        self.tabifyDockWidget(self.inspector_dock, self.history_dock)
        self.inspector_dock.raise_()
        self.trajectory_dock = self._dock("trajectoryDock", "Trajectory", self.trajectory,
                                          Qt.DockWidgetArea.BottomDockWidgetArea)
        self.trajectory_dock.hide()  # View > Trajectory plot (Ctrl+Shift+T) shows it
        menus = self.actions.populate_menus(self.menuBar())
        self.recent_menu = RecentFilesMenu(self)
        menus["&File"].insertMenu(self.actions["actionSaveAs"], self.recent_menu)
        for dock in (self.inspector_dock, self.history_dock):
            action = dock.toggleViewAction()
            action.setToolTip(f"Show or hide the {dock.windowTitle().lower()} panel")
            menus["&View"].addAction(action)
        toolbar = QToolBar("Tools", self)
        toolbar.setObjectName("mainToolBar")
        toolbar.toggleViewAction().setToolTip("Show or hide the toolbar")
        menus["&View"].addAction(toolbar.toggleViewAction())
        self.actions.populate_toolbar(toolbar)
        self.category_combo = QComboBox(self)
        self.category_combo.setObjectName("categoryCombo")
        self.category_combo.setToolTip("Category of the next box drawn (B)")
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" new box: ", self))
        toolbar.addWidget(self.category_combo)
        self.addToolBar(toolbar)
        self.status.cancel_button.setDefaultAction(self.actions["actionCancelInference"])

    def _dock(self, name: str, title: str, widget: QWidget,
              area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _action_handlers(self) -> dict[str, Callable[[], object]]:
        """Action object name -> what triggering it does."""
        fv, nav, edits = self.frame_view, self.navigator, self.edits
        tools, propagate = self.video_tools, self.propagation.start
        threshold = self.settings.low_confidence_threshold
        return {
            "actionOpen": self.sessions.ask_open,
            "actionOpenFolder": self.sessions.ask_open_folder,
            "actionSaveAs": self.sessions.save_as,
            "actionRelinkMedia": self.sessions.ask_relink,
            "actionExportCoco": self.exporter.ask_coco,
            "actionExportBbox": self.exporter.ask_bbox,
            "actionExportVideo": self.exporter.ask_video,
            "actionQuit": self.close,
            "actionUndo": edits.stack.undo, "actionRedo": edits.stack.redo,
            "actionReestimatePose": lambda: self.runs.reestimate(fv.selected_uid() or ""),
            "actionDeleteInstance": lambda: edits.delete(nav.current, fv.selected_uid() or ""),
            "actionCopyPrevious": lambda: edits.copy_previous(nav.current),
            "actionZoomFit": fv.zoom_fit, "actionZoomActual": fv.zoom_actual,
            "actionZoomIn": lambda: fv.zoom_by(1.25), "actionZoomOut": lambda: fv.zoom_by(0.8),
            "actionNextFrame": lambda: nav.step(1), "actionPrevFrame": lambda: nav.step(-1),
            "actionForward10": lambda: nav.step(10), "actionBack10": lambda: nav.step(-10),
            "actionFirstFrame": lambda: nav.go_to(0),
            "actionLastFrame": lambda: nav.go_to(nav.num_frames - 1),
            "actionNextUnreviewed": lambda: nav.jump(next_unreviewed, threshold()),
            "actionNextLowConfidence": lambda: nav.jump(next_low_confidence, threshold()),
            "actionApproveFrame": self.approve_and_next,
            "actionMarkInProgress": lambda: edits.set_review(nav.current, ReviewState.IN_PROGRESS),
            "actionRunInference": self.runs.ask_frames,
            "actionCancelInference": self.inference.cancel,
            "actionModels": self.model_setup.open_models,
            "actionModelQuality": self.show_model_quality,
            "actionShortcuts": self.show_shortcuts,
            "actionAbout": lambda: message(self, "About medpose-gui", ABOUT_TEXT),
            "actionGoToFrame": tools.go_to_frame,
            "actionNextNeedsLook": tools.next_needs_look,
            "actionApproveRange": tools.approve_range,
            "actionDeleteWeak": tools.delete_weak,
            "actionInterpolate": tools.interpolate,
            "actionPropagateForward": lambda: propagate(FORWARD),
            "actionPropagateBackward": lambda: propagate(BACKWARD),
            "actionPropagateFrames": self.propagation.ask_and_start,
            "actionSetTrack": tools.set_track,
            "actionMergeTrack": tools.merge_track,
            "actionSplitTrack": tools.split_track,
        }

    def _connect(self) -> None:
        a, fv = self.actions, self.frame_view
        for name, fn in self._action_handlers().items():
            a[name].triggered.connect(lambda _checked=False, fn=fn: fn())
        a["actionDrawBox"].toggled.connect(fv.set_draw_box_mode)
        self._connect_video_tools()
        st = self.edits.stack
        st.canUndoChanged.connect(a["actionUndo"].setEnabled)
        st.canRedoChanged.connect(a["actionRedo"].setEnabled)
        self.edits.applied.connect(self.display.edit_applied)
        self.edits.message.connect(self.status.showMessage)
        self.edits.failed.connect(lambda text: self.show_error("Not saved", text))
        fv.editRequested.connect(self.edits.push)
        fv.installEventFilter(EscapeCancelsRun(self.inference))
        fv.boxDrawn.connect(self._box_drawn)
        fv.reestimateRequested.connect(self.runs.reestimate)
        fv.selectionChanged.connect(self.panel.select)
        fv.keypointSelectionChanged.connect(lambda _uid, k: self.panel.select_keypoint(k))
        fv.drawBoxModeChanged.connect(a["actionDrawBox"].setChecked)
        fv.hoverText.connect(self.status.set_hover)
        self.panel.instanceSelected.connect(lambda uid: fv.select(uid))
        self.panel.keypointChosen.connect(fv.select_keypoint)
        # V and Alt+arrows on a point chosen in the inspector act as in the frame view.
        self.panel.table.installEventFilter(ForwardPointKeys(fv, self))
        self.panel.editRequested.connect(self.edits.push)
        self.panel.placeRequested.connect(fv.begin_place_keypoint)
        self.filters.optionsChanged.connect(lambda opts: fv.set_display_options(**opts))
        self.timeline.frameRequested.connect(self.navigator.go_to)
        self.recent_menu.pathChosen.connect(self.open_path)
        s = self.sessions
        s.started.connect(self._session_started)
        s.ending.connect(self._session_ending)
        s.closed.connect(self._set_enabled)
        s.aboutToCopy.connect(self.navigator.save_current_frame)
        s.failed.connect(self.show_error)
        s.recentFilesChanged.connect(self.recent_menu.set_paths)
        self.navigator.frameShown.connect(self.display.show_frame)
        self.navigator.loadFailed.connect(lambda i, msg: self.show_error(f"Cannot read frame {i}",
                                                                         msg))
        for source in (self.navigator, self.exporter, self.runs):
            source.message.connect(self.status.showMessage)
        for source in (self.exporter, self.runs):
            source.noted.connect(self.status.set_note)
        for source in (self.exporter, self.runs, self.model_setup):
            source.failed.connect(self.show_error)
        # Load newly chosen models in the background, before they are needed.
        self.model_setup.modelsChosen.connect(lambda m: self.inference.warm_up(m.run_settings()))
        inf = self.inference
        inf.runningChanged.connect(self._run_started_or_ended)
        inf.progressChanged.connect(self.status.set_progress)
        inf.predictionsStored.connect(self.display.predictions_stored)
        inf.predictionsReplaced.connect(self.edits.forget_persons)
        inf.runFinished.connect(self.runs.report_finished)
        inf.runFailed.connect(lambda msg: self.show_error("Inference failed", msg))
        inf.poseReady.connect(lambda f, uid, kps: self.edits.apply_pose(f, uid, kps, "Estimate pose"))
        inf.poseFailed.connect(lambda _uid, msg: self.show_error("Pose estimation failed", msg))

    def _connect_video_tools(self) -> None:
        """Tracks, triage, propagation and the trajectory plot."""
        a, fv, tracks = self.actions, self.frame_view, self.tracks
        a["actionSoloTrack"].toggled.connect(self.video_tools.set_solo)
        self.video_tools.soloChanged.connect(self._solo_changed)
        a["actionTrajectoryPlot"].toggled.connect(self.trajectory_dock.setVisible)
        self.trajectory_dock.visibilityChanged.connect(a["actionTrajectoryPlot"].setChecked)
        self.edits.framesChanged.connect(tracks.frames_changed)
        self.edits.framesChanged.connect(self.display.frames_changed)
        self.inference.predictionsStored.connect(tracks.frames_changed)
        self.inference.propagationStored.connect(
            lambda f, edit: (self.display.predictions_stored([f]), tracks.edit_stored(f, edit)))
        self.inference.propagationProgress.connect(
            lambda done, total: self.status.set_progress(done, total, math.nan))
        self.inference.propagatingChanged.connect(self._run_started_or_ended)
        self.navigator.frameShown.connect(lambda index, _image: tracks.frame_shown(index))
        fv.selectionChanged.connect(tracks.select)
        self.trajectory.frameRequested.connect(self.navigator.go_to)
        for source in (self.video_tools, self.propagation):
            source.message.connect(self.status.showMessage)
            source.failed.connect(self.show_error)

    def _solo_changed(self, track: int | None) -> None:
        self.frame_view.set_solo_track(track)
        self.tracks.set_solo(track)
        action = self.actions["actionSoloTrack"]
        if action.isChecked() != (track is not None):
            action.blockSignals(True)
            action.setChecked(track is not None)
            action.blockSignals(False)

    def _set_enabled(self) -> None:
        has, running = self.session is not None, self.inference.running
        media = has and self.session.source is not None
        for name in SESSION_ACTIONS:
            self.actions[name].setEnabled(has)
        for name in MEDIA_ACTIONS:
            self.actions[name].setEnabled(media)
        writable = has and not self.session.project.read_only
        for name in EDIT_ACTIONS:
            self.actions[name].setEnabled(writable)
        propagating = self.inference.propagating
        idle = media and writable and not running and not propagating
        self.actions["actionRunInference"].setEnabled(idle)
        for name in PROPAGATION_ACTIONS:
            self.actions[name].setEnabled(idle)
        self.actions["actionCancelInference"].setEnabled(running or propagating)
        self.actions["actionUndo"].setEnabled(self.edits.stack.canUndo())
        self.actions["actionRedo"].setEnabled(self.edits.stack.canRedo())
        self.status.show_progress(running or propagating)

    def _run_started_or_ended(self, running: bool) -> None:
        # Results of a run are stored in the open project: nothing else opens meanwhile.
        busy = self.inference.running or self.inference.propagating
        self.sessions.set_busy("Wait for the inference run or propagation to finish or "
                               "cancel it." if busy else "")
        if running:
            self.status.set_note("")  # the last run's summary is over; this run's comes
        self._set_enabled()

    # -- the open project ------------------------------------------------------------
    @property
    def session(self) -> Session | None:
        return self.sessions.session

    @property
    def project(self) -> Project | None:
        return self.sessions.project

    @property
    def current_frame(self) -> int:
        """0-based index of the frame shown."""
        return self.navigator.current

    @property
    def wanted_frame(self) -> int:
        """The frame asked for last (shown, or still being decoded)."""
        return self.navigator.wanted

    @property
    def num_frames(self) -> int:
        return 0 if self.project is None else int(self.project.media.num_frames)

    def _first_view_settled(self) -> bool:
        return self.frame_view.image_size is not None or not self._opening_at_start

    def open_path_soon(self, path: str | Path) -> None:
        """Open ``path`` once the window is shown (the command line's PATH); the model
        warm-up waits for its first frame."""
        self._opening_at_start = True

        def open_now() -> None:
            if not self.open_path(path):
                self._opening_at_start = False

        QTimer.singleShot(0, open_now)

    def open_path(self, path: str | Path) -> bool:
        """Open a video, frame folder or .medpose project; False (and a message) on failure."""
        return self.sessions.open_path(path)

    def go_to(self, index: int) -> None:
        """Show frame ``index`` (clamped); the image may arrive later from the loader thread."""
        self.navigator.go_to(index)

    def start_inference(self, frames: list[int], resume: bool = False) -> bool:
        """Run the models on ``frames`` with the remembered model settings (``resume``:
        skip the frames these models already predicted)."""
        return self.runs.start(frames, resume)

    def _session_started(self, session: Session) -> None:
        project = session.project
        self.edits.set_project(project)
        self.inference.project = project
        names = [c.name for c in project.categories]
        self.category_combo.clear()
        self.category_combo.addItems(names)
        self.filters.set_categories(names)
        timestamps = None if session.source is None else session.source.timestamps
        self.timeline.set_media(project.media.num_frames, project.media.fps, timestamps)
        self.timeline.set_low_confidence_threshold(self.settings.low_confidence_threshold())
        read_only = " [read-only]" if project.read_only else ""
        self.setWindowTitle(f"{Path(project.path).name}{read_only} — medpose-gui")
        self.status.set_notice("read-only" if project.read_only else "",
                               project.read_only_reason or "")
        self._set_enabled()
        self.display.set_project(project)
        self.tracks.set_project(project)
        self.navigator.start(session)
        notices = session.notices()
        if notices:  # read-only, unreadable parts, media not shown: said once, not blocking
            self.show_notice("About this project", "\n\n".join(notices))

    def _session_ending(self) -> None:
        self.status.set_note("")
        self.timeline.set_media(0, 0.0)  # its empty state until the next media
        self.navigator.stop()
        self.video_tools.set_solo(False)
        self.tracks.set_project(None)
        self.display.set_project(None)
        self.edits.set_project(None)
        self.inference.project = None

    def closeEvent(self, event) -> None:  # noqa: N802
        self.inference.shutdown()
        self.sessions.close()
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

    # -- messages and reports ----------------------------------------------------------
    def show_error(self, title: str, message_text: str) -> None:
        """A non-blocking message box; the app keeps running."""
        self.last_error = f"{title}: {message_text}"
        message(self, title, message_text, QMessageBox.Icon.Warning)

    def show_notice(self, title: str, message_text: str) -> None:
        """A non-blocking note about the open project (``last_notice`` keeps it for tests)."""
        self.last_notice = f"{title}: {message_text}"
        message(self, title, message_text, QMessageBox.Icon.Information)

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self.actions.shortcut_rows(), self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.show()
        return dialog

    def show_model_quality(self) -> QualityPanel | None:
        """Show (or raise) the model-quality report and compute it again."""
        if self.project is None:
            return None
        if self._quality_panel is None:
            self._quality_panel = QualityPanel(lambda: self.project, self)
        self._quality_panel.set_categories([c.name for c in self.project.categories])
        self._quality_panel.show()
        self._quality_panel.raise_()
        self._quality_panel.refresh()
        return self._quality_panel

    # -- edits and inference ---------------------------------------------------------
    def approve_and_next(self) -> None:
        """Approve the current frame (undoable), then go to the next frame."""
        self.edits.set_review(self.current_frame, ReviewState.APPROVED)
        self.navigator.go_to(self.current_frame + 1)

    def _box_drawn(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.actions["actionDrawBox"].setChecked(False)
        inst = self.edits.add_manual(self.current_frame, self.category_combo.currentText(),
                                     (x1, y1, x2, y2))
        if inst is not None:
            self.frame_view.select(inst.uid)
            self.runs.reestimate(inst.uid)


def run_app(path: str | None = None) -> int:
    """Start the GUI (optionally opening ``path``); returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    prepare_app(app)
    window = MainWindow()
    trace_startup(window.frame_view.viewport(), lambda: window.frame_view.image_size is not None)
    window.inference.warmingUp.connect(lambda: report_startup("warm-up-started"))
    window.inference.warmedUp.connect(lambda: report_startup("warm-up-done"))
    window.show()
    if path:
        window.open_path_soon(path)
    schedule_smoke_exit(window)
    return app.exec()


__all__ = ["MainWindow", "run_app"]
