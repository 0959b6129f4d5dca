"""The frame view's interaction modes and, per mode, what the mouse and the keys do.

The view is in exactly one :class:`Mode`. Everything that differs between modes is one row
of :data:`BINDINGS` (napari's layer ``Mode`` with its binding tables): what a press of each
button starts, which keys the view takes, the idle cursor, whether moving the mouse
highlights what is under it, and whether a right click opens the context menu. The view
looks its row up; it never tests which mode it is in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent

from medpose_gui.widgets.frame_view import mouse_bindings as mouse
from medpose_gui.widgets.frame_view.key_bindings import (
    ESCAPE_CLEARS_SELECTION,
    ESCAPE_LEAVES_MODE,
    SELECTION_KEYS,
    KeyBinding,
)

if TYPE_CHECKING:
    from medpose_gui.widgets.frame_view.gestures import Gesture
    from medpose_gui.widgets.frame_view.view import FrameView

PressHandler = Callable[["FrameView", QMouseEvent], "Gesture | None"]

Left, Middle, Right = Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton, \
    Qt.MouseButton.RightButton


class Mode(Enum):
    EDIT = "edit"  # select; drag points, box edges, corners and bodies; drag the background
    DRAW_BOX = "draw_box"  # the next left drag draws the box of a new person
    PLACE_POINT = "place_point"  # the next left click puts the chosen keypoint there
    PAN = "pan"  # while Space is held: a left drag pans, then the mode before returns


@dataclass(frozen=True)
class ModeBindings:
    press: Mapping[Qt.MouseButton, PressHandler]  # a button without an entry does nothing
    keys: Mapping[Qt.Key, KeyBinding]
    cursor: Qt.CursorShape | None  # idle cursor; None: the shape of what is under it
    hover: bool  # moving the mouse rings the point a press would grab, with its text
    context_menu: bool  # a right click opens the person/point menu


BINDINGS: dict[Mode, ModeBindings] = {
    Mode.EDIT: ModeBindings(
        press={Left: mouse.grab_or_pan, Middle: mouse.pan, Right: mouse.select_under_cursor},
        keys={**SELECTION_KEYS, Qt.Key.Key_Escape: ESCAPE_CLEARS_SELECTION},
        cursor=None, hover=True, context_menu=True),
    Mode.DRAW_BOX: ModeBindings(
        press={Left: mouse.draw_box, Middle: mouse.pan, Right: mouse.select_under_cursor},
        keys={**SELECTION_KEYS, Qt.Key.Key_Escape: ESCAPE_LEAVES_MODE},
        cursor=Qt.CursorShape.CrossCursor, hover=False, context_menu=False),
    Mode.PLACE_POINT: ModeBindings(
        press={Left: mouse.place_point, Middle: mouse.pan, Right: mouse.select_under_cursor},
        keys={**SELECTION_KEYS, Qt.Key.Key_Escape: ESCAPE_LEAVES_MODE},
        cursor=Qt.CursorShape.CrossCursor, hover=False, context_menu=False),
    Mode.PAN: ModeBindings(
        press={Left: mouse.pan, Middle: mouse.pan, Right: mouse.select_under_cursor},
        keys={**SELECTION_KEYS, Qt.Key.Key_Escape: ESCAPE_CLEARS_SELECTION},
        cursor=Qt.CursorShape.OpenHandCursor, hover=False, context_menu=True),
}
