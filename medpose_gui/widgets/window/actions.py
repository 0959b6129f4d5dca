"""Every QAction of the main window, built from one table.

The table is the single source for object names, texts, shortcuts, tooltips and menu
placement; the shortcut sheet (F1) and the menus are generated from it, so help never
drifts from what the keys do. The window only connects ``triggered`` signals.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenuBar, QToolBar


@dataclass(frozen=True)
class ActionSpec:
    name: str  # objectName, e.g. "actionOpen"
    text: str  # menu text with & mnemonic
    menu: str  # top-level menu title ("" = toolbar/keyboard only)
    shortcuts: tuple[str, ...] = ()
    tip: str = ""
    checkable: bool = False
    toolbar: bool = False
    separator_before: bool = False


# Order = order in menus and on the shortcut sheet.
ACTION_SPECS: tuple[ActionSpec, ...] = (
    # File
    ActionSpec("actionOpen", "&Open...", "&File", ("Ctrl+O",),
               "Open a video, a folder of frames or a .medpose project", toolbar=True),
    ActionSpec("actionOpenFolder", "Open frame &folder...", "&File", ("Ctrl+Shift+O",),
               "Open a folder of frame images"),
    ActionSpec("actionSaveAs", "Save project &as...", "&File", ("Ctrl+Shift+S",),
               "Copy the project to a new file and continue in the copy"),
    ActionSpec("actionRelinkMedia", "&Relink media...", "&File", (),
               "Point the project at the moved video or frame folder"),
    ActionSpec("actionExportCoco", "Export COCO &keypoints...", "&File", ("Ctrl+E",),
               "Write the annotations as COCO keypoints for the pose trainer",
               separator_before=True),
    ActionSpec("actionExportBbox", "Export &bbox_detections.json...", "&File", (),
               "Write the boxes in the reference's bbox_detections.json format"),
    ActionSpec("actionExportVideo", "Export overlay &video...", "&File", (),
               "Render the video with boxes and skeletons drawn on it"),
    ActionSpec("actionQuit", "&Quit", "&File", ("Ctrl+Q",), "Close the window",
               separator_before=True),
    # Edit
    ActionSpec("actionUndo", "&Undo", "&Edit", ("Ctrl+Z",), "Undo the last edit", toolbar=True),
    ActionSpec("actionRedo", "&Redo", "&Edit", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo the undone edit",
               toolbar=True),
    ActionSpec("actionDrawBox", "&Draw box", "&Edit", ("B",),
               "Draw a box for a new person of the category chosen in the toolbar; its pose is "
               "estimated at once", checkable=True, toolbar=True, separator_before=True),
    ActionSpec("actionReestimatePose", "&Re-estimate pose", "&Edit", ("R",),
               "Estimate the pose of the selected person again inside its (corrected) box",
               toolbar=True),
    ActionSpec("actionDeleteInstance", "&Delete person", "&Edit", ("Delete",),
               "Delete the selected person from this frame"),
    ActionSpec("actionCopyPrevious", "&Copy persons of previous frame", "&Edit", ("Ctrl+Shift+V",),
               "Copy every person of the previous frame into this frame"),
    # View
    ActionSpec("actionZoomFit", "Zoom to &fit", "&View", ("F", "Ctrl+0"),
               "Show the whole frame"),
    ActionSpec("actionZoomActual", "&Actual size", "&View", ("Ctrl+1",), "One image pixel per screen pixel"),
    ActionSpec("actionZoomIn", "Zoom &in", "&View", ("Ctrl+=", "Ctrl++"), "Zoom in"),
    ActionSpec("actionZoomOut", "Zoom &out", "&View", ("Ctrl+-",), "Zoom out"),
    ActionSpec("actionTrajectoryPlot", "&Trajectory plot", "&View", ("Ctrl+Shift+T",),
               "Show the selected person's track: one keypoint's x and y over time, jumps "
               "marked (click one to go there)", checkable=True, separator_before=True),
    # Navigate
    ActionSpec("actionNextFrame", "&Next frame", "&Navigate", ("Right",), "Go to the next frame"),
    ActionSpec("actionPrevFrame", "&Previous frame", "&Navigate", ("Left",),
               "Go to the previous frame"),
    ActionSpec("actionForward10", "Forward 10 frames", "&Navigate", ("Shift+Right", "PgDown"),
               "Jump 10 frames forward"),
    ActionSpec("actionBack10", "Back 10 frames", "&Navigate", ("Shift+Left", "PgUp"),
               "Jump 10 frames back"),
    ActionSpec("actionFirstFrame", "First frame", "&Navigate", ("Home",), "Go to the first frame"),
    ActionSpec("actionLastFrame", "Last frame", "&Navigate", ("End",), "Go to the last frame"),
    ActionSpec("actionGoToFrame", "&Go to frame...", "&Navigate", ("Ctrl+G",),
               "Go to the frame with the number you type"),
    ActionSpec("actionNextUnreviewed", "Next &unreviewed frame", "&Navigate", ("N",),
               "Go to the next frame that is not approved", separator_before=True),
    ActionSpec("actionNextLowConfidence", "Next &low-confidence frame", "&Navigate", ("L",),
               "Go to the next frame whose mean keypoint score is below the threshold"),
    ActionSpec("actionNextNeedsLook", "Next frame that needs a loo&k", "&Navigate", ("J",),
               "Go to the next frame where a keypoint jumps, a box changes size, a track "
               "starts, ends or has a gap, or scores are low (the timeline's 'look' lane)"),
    ActionSpec("actionPlay", "&Play / pause", "&Navigate", ("Space",),
               "Play the video at its own frame rate, or pause", checkable=True, toolbar=True,
               separator_before=True),
    # Review
    ActionSpec("actionApproveFrame", "&Approve frame and go to next", "&Review", ("A", "Ctrl+Return"),
               "Mark this frame approved (undoable) and go to the next frame", toolbar=True),
    ActionSpec("actionMarkInProgress", "Mark frame in &progress", "&Review", (),
               "Take back an approval: mark this frame in progress"),
    ActionSpec("actionApproveRange", "Approve a frame &range...", "&Review", ("Shift+A",),
               "Approve every frame from one frame to another (one undo step)"),
    ActionSpec("actionDeleteWeak", "&Delete persons under a box score...", "&Review",
               ("Ctrl+Shift+Delete",),
               "In a frame range, delete the untouched predictions whose box score is below "
               "a threshold (one undo step; approved frames and your persons stay)"),
    # Track
    ActionSpec("actionSoloTrack", "&Solo: show only this person", "&Track", ("S",),
               "Show only the selected person's track on every frame (again: everyone)",
               checkable=True),
    ActionSpec("actionInterpolate", "&Interpolate track", "&Track", ("Shift+I",),
               "Fill the selected person's track between its corrected persons (keyframes) "
               "around this frame, linear in time (one undo step)", separator_before=True),
    ActionSpec("actionPropagateForward", "Propagate &forward", "&Track", ("P",),
               "Carry the selected person's box forward along its track to the next keyframe "
               "and let the pose model place the points on each frame (Esc stops)"),
    ActionSpec("actionPropagateBackward", "Propagate &backward", "&Track", ("Shift+P",),
               "The same towards the start of the video"),
    ActionSpec("actionPropagateFrames", "Propagate N &frames...", "&Track", ("Ctrl+Shift+P",),
               "Propagate the selected person forward or backward over a number of frames"),
    ActionSpec("actionSetTrack", "Set &track...", "&Track", ("T",),
               "Put the selected person in another track (swapping with that track's person "
               "here; optionally from this frame on)", separator_before=True),
    ActionSpec("actionMergeTrack", "&Merge track into...", "&Track", ("Ctrl+Shift+M",),
               "Join the selected person's track with another track that never shares a frame "
               "with it"),
    ActionSpec("actionSplitTrack", "Spli&t track here", "&Track", ("Ctrl+K",),
               "From this frame on, the selected person's track becomes a new track"),
    ActionSpec("actionModelQuality", "Model &quality...", "&Review", ("Ctrl+Shift+Q",),
               "Compare the models' predictions with the approved corrections: AP/AR and "
               "pixel error per keypoint", separator_before=True),
    # Inference
    ActionSpec("actionRunInference", "&Run inference...", "&Inference", ("Ctrl+I",),
               "Detect persons and estimate poses on all, a range, the current or unreviewed frames",
               toolbar=True),
    ActionSpec("actionCancelInference", "&Cancel inference / propagation", "&Inference",
               ("Esc",), "Stop the running inference or propagation (frames done so far are "
               "kept)"),
    ActionSpec("actionModels", "&Models...", "&Inference", ("Ctrl+M",),
               "Choose, add or download the detector and pose models; device and thresholds",
               separator_before=True),
    # Help
    ActionSpec("actionShortcuts", "&Keyboard shortcuts", "&Help", ("F1",),
               "Show every keyboard shortcut"),
    ActionSpec("actionAbout", "&About medpose-gui", "&Help", (), "Version and licence"),
)


# Enabled only while a project is open / while its media can be read.
SESSION_ACTIONS = ("actionSaveAs", "actionExportCoco", "actionExportBbox", "actionApproveFrame",
                   "actionMarkInProgress", "actionDrawBox", "actionCopyPrevious",
                   "actionDeleteInstance", "actionReestimatePose", "actionNextUnreviewed",
                   "actionNextLowConfidence", "actionRelinkMedia", "actionModelQuality",
                   "actionGoToFrame", "actionNextNeedsLook", "actionApproveRange",
                   "actionDeleteWeak", "actionSoloTrack", "actionInterpolate", "actionSetTrack",
                   "actionMergeTrack", "actionSplitTrack", "actionTrajectoryPlot")
# Propagation runs the pose model on frames: it needs the media (and no propagation running).
PROPAGATION_ACTIONS = ("actionPropagateForward", "actionPropagateBackward",
                       "actionPropagateFrames")
# Actions that change the project: off while it cannot be written (read-only, damaged).
EDIT_ACTIONS = ("actionApproveFrame", "actionMarkInProgress", "actionDrawBox",
                "actionCopyPrevious", "actionDeleteInstance", "actionReestimatePose",
                "actionRunInference", "actionApproveRange", "actionDeleteWeak",
                "actionInterpolate", "actionSetTrack", "actionMergeTrack", "actionSplitTrack",
                *PROPAGATION_ACTIONS)
MEDIA_ACTIONS = ("actionExportVideo", "actionPlay", "actionNextFrame", "actionPrevFrame",
                 "actionForward10", "actionBack10", "actionFirstFrame", "actionLastFrame")


def tooltip_for(spec: ActionSpec) -> str:
    """The tooltip text: the description followed by the shortcut(s) in brackets."""
    keys = [QKeySequence(s).toString(QKeySequence.SequenceFormat.NativeText) for s in spec.shortcuts]
    return f"{spec.tip} ({', '.join(keys)})" if keys else spec.tip


class ActionSet:
    """The built actions, by object name: ``actions["actionOpen"]`` or ``actions.get(...)``."""

    def __init__(self, parent: QObject) -> None:
        self.specs = ACTION_SPECS
        self._by_name: dict[str, QAction] = {}
        for spec in ACTION_SPECS:
            action = QAction(spec.text.replace("...", "…"), parent)
            action.setObjectName(spec.name)
            if spec.shortcuts:
                action.setShortcuts([QKeySequence(s) for s in spec.shortcuts])
            action.setToolTip(tooltip_for(spec))
            action.setStatusTip(spec.tip)
            action.setCheckable(spec.checkable)
            self._by_name[spec.name] = action

    def __getitem__(self, name: str) -> QAction:
        return self._by_name[name]

    def all(self) -> list[QAction]:
        return list(self._by_name.values())

    def populate_menus(self, menubar: QMenuBar) -> dict[str, object]:
        """Create the menus in table order; returns {menu title: QMenu}."""
        menus: dict[str, object] = {}
        for spec in self.specs:
            if not spec.menu:
                continue
            if spec.menu not in menus:
                menus[spec.menu] = menubar.addMenu(spec.menu)
            menu = menus[spec.menu]
            if spec.separator_before:
                menu.addSeparator()
            menu.addAction(self[spec.name])
        return menus

    def populate_toolbar(self, toolbar: QToolBar) -> None:
        for spec in self.specs:
            if spec.toolbar:
                if spec.separator_before:
                    toolbar.addSeparator()
                toolbar.addAction(self[spec.name])

    def shortcut_rows(self) -> list[tuple[str, str, str]]:
        """(menu, action text, shortcuts) rows for the shortcut sheet."""
        rows = []
        for spec in self.specs:
            action = self[spec.name]
            keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText)
                             for s in action.shortcuts())
            rows.append((spec.menu.replace("&", ""), action.text().replace("&", ""), keys))
        return rows
