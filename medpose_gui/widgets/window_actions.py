"""What each menu and toolbar action of the main window does (one table, name -> callable).

The actions themselves (text, shortcuts, tooltips) are declared in
:mod:`medpose_gui.widgets.actions`; this table binds them to the window's parts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from medpose_gui.core.annotations import ReviewState
from medpose_gui.widgets import window_dialogs as dialogs
from medpose_gui.widgets.model_setup_dialog import open_model_setup
from medpose_gui.widgets.navigation import next_low_confidence, next_unreviewed
from medpose_gui.widgets.quality_panel import open_quality_panel

if TYPE_CHECKING:
    from medpose_gui.app import MainWindow


def action_handlers(w: MainWindow) -> dict[str, Callable[[], object]]:
    """Action object name -> what triggering it does in window ``w``."""
    fv = w.frame_view
    return {
        "actionOpen": lambda: dialogs.open_dialog(w),
        "actionOpenFolder": lambda: dialogs.open_folder_dialog(w),
        "actionSaveAs": lambda: dialogs.save_as(w),
        "actionRelinkMedia": lambda: dialogs.relink_dialog(w),
        "actionExportCoco": lambda: dialogs.export_coco_dialog(w),
        "actionExportBbox": lambda: dialogs.export_bbox_dialog(w),
        "actionExportVideo": lambda: dialogs.export_video_dialog(w),
        "actionQuit": w.close,
        "actionUndo": w.edits.stack.undo, "actionRedo": w.edits.stack.redo,
        "actionReestimatePose": lambda: w.reestimate(fv.selected_uid() or ""),
        "actionDeleteInstance": lambda: w.edits.delete(w.current_frame, fv.selected_uid() or ""),
        "actionCopyPrevious": lambda: w.edits.copy_previous(w.current_frame),
        "actionZoomFit": fv.zoom_fit, "actionZoomActual": fv.zoom_actual,
        "actionZoomIn": lambda: fv.zoom_by(1.25), "actionZoomOut": lambda: fv.zoom_by(0.8),
        "actionNextFrame": lambda: w.go_to(w.wanted_frame + 1),
        "actionPrevFrame": lambda: w.go_to(w.wanted_frame - 1),
        "actionForward10": lambda: w.go_to(w.wanted_frame + 10),
        "actionBack10": lambda: w.go_to(w.wanted_frame - 10),
        "actionFirstFrame": lambda: w.go_to(0),
        "actionLastFrame": lambda: w.go_to(w.num_frames - 1),
        "actionNextUnreviewed": lambda: w.jump(next_unreviewed),
        "actionNextLowConfidence": lambda: w.jump(next_low_confidence),
        "actionApproveFrame": w.approve_and_next,
        "actionMarkInProgress": lambda: w.edits.set_review(w.current_frame, ReviewState.IN_PROGRESS),
        "actionRunInference": lambda: dialogs.run_dialog(w),
        "actionCancelInference": w.inference.cancel,
        "actionModels": lambda: dialogs.models_dialog(w),
        "actionModelSetup": lambda: open_model_setup(w),
        "actionModelQuality": lambda: open_quality_panel(w),
        "actionShortcuts": lambda: dialogs.shortcuts(w),
        "actionAbout": lambda: dialogs.about(w),
    }
