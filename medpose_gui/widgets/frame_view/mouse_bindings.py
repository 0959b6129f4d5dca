"""What a mouse press starts in the frame view, one handler per (mode, button) of the table
in :mod:`.modes`. A handler returns the gesture that now owns the mouse until the release,
or None when the press only selects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QMouseEvent

from medpose_gui.widgets.frame_view.gestures import (
    BoxDrag,
    Gesture,
    KeypointDrag,
    Pan,
    PlacePoint,
    RubberBand,
)
from medpose_gui.widgets.frame_view.picking import Hit, hit_test

if TYPE_CHECKING:
    from medpose_gui.widgets.frame_view.view import FrameView


def _select_hit(view: FrameView, event: QMouseEvent) -> Hit:
    """Select the point or person under the press (a point selects its person too)."""
    hit = hit_test(view, view.mapToScene(event.position().toPoint()))
    if hit.uid and view.items_for(hit.uid) is not None:
        if hit.is_point:
            view.select_keypoint(hit.uid, hit.k)
        elif view.selected_uid() != hit.uid or view.selected_keypoint() is not None:
            view.select(hit.uid)
    return hit


def select_under_cursor(view: FrameView, event: QMouseEvent) -> None:
    """Right button: select what is under it for the context menu that follows."""
    _select_hit(view, event)


def grab_or_pan(view: FrameView, event: QMouseEvent) -> Gesture:
    """Drag the point or box part under the press; on the background, pan (a click there
    clears the selection)."""
    hit = _select_hit(view, event)
    items = view.items_for(hit.uid) if hit.uid else None
    if items is None:
        return Pan(view, event, click_clears=True)
    if hit.is_point:
        return KeypointDrag(view, event, items, hit.k)
    return BoxDrag(view, event, items, hit.part)


def pan(view: FrameView, event: QMouseEvent) -> Gesture:
    """Drag the picture around; a click selects nothing and clears nothing."""
    return Pan(view, event, click_clears=False)


def draw_box(view: FrameView, event: QMouseEvent) -> Gesture:
    """Drag out the box of a new person."""
    return RubberBand(view, event)


def place_point(view: FrameView, event: QMouseEvent) -> Gesture:
    """The release puts the keypoint chosen for placing there."""
    return PlacePoint(view, event)
