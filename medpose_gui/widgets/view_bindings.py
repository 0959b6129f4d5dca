"""Mouse and key bindings of the frame view: what a press, drag, key or menu choice means.

Kept apart from the view and the items (napari's ``_points_mouse_bindings`` split): the
items only draw, the view owns zoom and selection, and this module turns gestures into
**one** core edit each, emitted through ``view.request_edit`` when the gesture ends. A
gesture is an :class:`Interaction` that lives from mouse press to release; during it only
the dragged item moves.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QGraphicsRectItem

from medpose_gui.core import edits
from medpose_gui.core.annotations import Visibility
from medpose_gui.widgets.items import style
from medpose_gui.widgets.items.geometry import (
    BODY,
    box_hit,
    clamp_box_translation,
    nearest_point,
    normalise_box,
    resize_box,
)

if TYPE_CHECKING:
    from medpose_gui.widgets.frame_view import FrameView
    from medpose_gui.widgets.items.instance_items import InstanceItems

DRAG_THRESHOLD_PX = 3.0  # screen px a press must travel before it moves anything (jitter)
# Alt+arrow nudges the selected point 1 image px (Alt+Shift: 10). Plain arrows stay with the
# window (previous/next frame): a selected point must not swallow frame navigation.
NUDGE_MODIFIER = Qt.KeyboardModifier.AltModifier
NUDGE_STEP, NUDGE_STEP_LARGE = 1.0, 10.0
_ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0),
           Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
_HANDLE_CURSORS = {
    "n": Qt.CursorShape.SizeVerCursor, "s": Qt.CursorShape.SizeVerCursor,
    "e": Qt.CursorShape.SizeHorCursor, "w": Qt.CursorShape.SizeHorCursor,
    "nw": Qt.CursorShape.SizeFDiagCursor, "se": Qt.CursorShape.SizeFDiagCursor,
    "ne": Qt.CursorShape.SizeBDiagCursor, "sw": Qt.CursorShape.SizeBDiagCursor,
    BODY: Qt.CursorShape.SizeAllCursor,
}


# -- picking ----------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    """What is under the cursor: a point, a part of a box, or nothing (uid "")."""

    uid: str = ""
    k: int = -1  # point index, -1 for a box
    part: str = ""  # handle name or BODY for a box

    @property
    def is_point(self) -> bool:
        return self.k >= 0


def hit_test(view: FrameView, pos: QPointF) -> Hit:
    """The point, box edge/corner or box body at scene position ``pos``.

    Points beat boxes; the selected instance beats the others; among boxes containing
    the cursor the smallest wins, so a box nested in another stays reachable.
    """
    px = view.pixel_size()
    x, y = pos.x(), pos.y()
    selected = view.selected_uid()
    best_point: tuple[float, str, int] | None = None
    for uid, items in view.displayed_items():
        k, dist = nearest_point(items.xy, items.shown, x, y, style.POINT_PICK_RADIUS * px)
        if k >= 0:
            rank = dist - (1e-6 if uid == selected else 0.0)  # ties go to the selection
            if best_point is None or rank < best_point[0]:
                best_point = (rank, uid, k)
    if best_point is not None:
        return Hit(best_point[1], best_point[2])
    best_box: tuple[tuple[int, float], str, str] | None = None
    for uid, items in view.displayed_items():
        if not items.options.show_boxes:
            continue
        part = box_hit(items.bbox, x, y, style.EDGE_PICK_TOLERANCE * px)
        if part is None:
            continue
        x1, y1, x2, y2 = items.bbox
        rank = (0 if uid == selected and part != BODY else 1, abs((x2 - x1) * (y2 - y1)))
        if best_box is None or rank < best_box[0]:
            best_box = (rank, uid, part)
    return Hit(best_box[1], part=best_box[2]) if best_box is not None else Hit()


def hover_cursor(hit: Hit) -> Qt.CursorShape:
    if hit.is_point:
        return Qt.CursorShape.PointingHandCursor
    if hit.uid:
        return _HANDLE_CURSORS[hit.part]
    return Qt.CursorShape.ArrowCursor


def hover_text(view: FrameView, hit: Hit) -> str:
    """Status-bar text for what is under the cursor (empty over the background)."""
    items = view.items_for(hit.uid) if hit.uid else None
    if items is None or items.inst is None:
        return ""
    inst = items.inst
    if hit.is_point:
        name = style.keypoint_name(items.names, hit.k)
        return style.keypoint_text(name, float(inst.scores[hit.k]), int(inst.keypoints[hit.k, 2]))
    return style.instance_text(inst)


# -- gestures ---------------------------------------------------------------------

class Interaction:
    """One mouse gesture from press to release."""

    cursor = Qt.CursorShape.ArrowCursor

    def __init__(self, view: FrameView, event: QMouseEvent) -> None:
        self.view = view
        self.button = event.button()
        self.press_view = event.position()
        self.press_scene = view.mapToScene(event.position().toPoint())
        self.started = False  # passed the jitter threshold

    def _passed_threshold(self, view_pos: QPointF) -> bool:
        if not self.started:
            delta = view_pos - self.press_view
            self.started = max(abs(delta.x()), abs(delta.y())) >= DRAG_THRESHOLD_PX
        return self.started

    def move(self, view_pos: QPointF, scene_pos: QPointF) -> None:
        """Follow the mouse; only the dragged thing changes."""

    def release(self, scene_pos: QPointF) -> None:
        """Finish: emit at most one edit / signal."""

    def cancel(self) -> None:
        """Escape or a refresh of the dragged instance: put everything back."""


class Pan(Interaction):
    """Drag the image around; a plain click on the background clears the selection."""

    cursor = Qt.CursorShape.ClosedHandCursor

    def __init__(self, view: FrameView, event: QMouseEvent, click_clears: bool) -> None:
        super().__init__(view, event)
        self._last = event.position()
        self._click_clears = click_clears

    def move(self, view_pos: QPointF, scene_pos: QPointF) -> None:
        self._passed_threshold(view_pos)
        delta = view_pos - self._last
        self._last = view_pos
        self.view.pan_by(delta.x(), delta.y())

    def release(self, scene_pos: QPointF) -> None:
        if self._click_clears and not self.started:
            self.view.select(None)


class KeypointDrag(Interaction):
    """Drag one point; on release one ``move_keypoint`` edit (a drag is its own undo step)."""

    cursor = Qt.CursorShape.ClosedHandCursor

    def __init__(self, view: FrameView, event: QMouseEvent, items: InstanceItems, k: int):
        super().__init__(view, event)
        self.items, self.k = items, k
        self.origin = (float(items.xy[k, 0]), float(items.xy[k, 1]))
        self.uid = items.inst.uid if items.inst is not None else ""

    def _target(self, scene_pos: QPointF) -> tuple[float, float]:
        x = self.origin[0] + scene_pos.x() - self.press_scene.x()
        y = self.origin[1] + scene_pos.y() - self.press_scene.y()
        return self.view.clamp(x, y)

    def move(self, view_pos: QPointF, scene_pos: QPointF) -> None:
        if self._passed_threshold(view_pos):
            self.items.move_point(self.k, *self._target(scene_pos))

    def release(self, scene_pos: QPointF) -> None:
        if not self.started or self.items.inst is None:
            return
        x, y = self._target(scene_pos)
        inst = self.items.inst
        self.cancel()  # the view shows the project; the edit's result comes back via show()
        if (x, y) != self.origin:
            edit = edits.move_keypoint(self.view.frame_index, inst, self.k, x, y,
                                       style.keypoint_name(self.items.names, self.k))
            # Two drags of one point are two undo steps: only keyboard nudges merge.
            self.view.request_edit(dataclasses.replace(edit, merge_key=None))

    def cancel(self) -> None:
        self.items.move_point(self.k, *self.origin)


class BoxDrag(Interaction):
    """Move a box by its body or resize it by an edge/corner; one ``set_box`` on release."""

    def __init__(self, view: FrameView, event: QMouseEvent, items: InstanceItems, part: str):
        super().__init__(view, event)
        self.items, self.part = items, part
        self.origin = items.bbox.copy()
        self.uid = items.inst.uid if items.inst is not None else ""
        self.cursor = _HANDLE_CURSORS[part]

    def _box(self, scene_pos: QPointF) -> np.ndarray:
        dx = scene_pos.x() - self.press_scene.x()
        dy = scene_pos.y() - self.press_scene.y()
        w, h = self.view.image_size or (None, None)
        if self.part == BODY:
            dx, dy = clamp_box_translation(self.origin, dx, dy, w, h)
            return resize_box(self.origin, BODY, dx, dy)
        x1, y1, x2, y2 = resize_box(self.origin, self.part, dx, dy)
        x1, y1 = self.view.clamp(x1, y1)
        x2, y2 = self.view.clamp(x2, y2)
        return np.array([x1, y1, x2, y2])

    def move(self, view_pos: QPointF, scene_pos: QPointF) -> None:
        if self._passed_threshold(view_pos):
            self.items.move_box(self._box(scene_pos))

    def release(self, scene_pos: QPointF) -> None:
        if not self.started or self.items.inst is None:
            return
        box = normalise_box(self._box(scene_pos))
        inst = self.items.inst
        self.cancel()
        if box[2] - box[0] <= 0 or box[3] - box[1] <= 0 or np.array_equal(box, inst.box):
            return  # a box squashed to a line is a slip, not an edit
        self.view.request_edit(edits.set_box(self.view.frame_index, inst, box, merge=False))

    def cancel(self) -> None:
        self.items.move_box(self.origin)


class RubberBand(Interaction):
    """Draw-box mode: drag out a new box; ``boxDrawn`` on release (the window adds it)."""

    cursor = Qt.CursorShape.CrossCursor
    MIN_SIZE_PX = 4.0  # smaller boxes are taken for a mis-click

    def __init__(self, view: FrameView, event: QMouseEvent) -> None:
        super().__init__(view, event)
        self.anchor = view.clamp(self.press_scene.x(), self.press_scene.y())
        self.band = QGraphicsRectItem()
        pen = style.cosmetic_pen(style.category_color("patient"), 1.5, Qt.PenStyle.DashLine)
        self.band.setPen(pen)
        self.band.setZValue(style.Z_RUBBER)
        view.scene().addItem(self.band)
        self.band.setRect(QRectF(*self.anchor, 0, 0))

    def _rect(self, scene_pos: QPointF) -> tuple[float, float, float, float]:
        x, y = self.view.clamp(scene_pos.x(), scene_pos.y())
        ax, ay = self.anchor
        return min(ax, x), min(ay, y), max(ax, x), max(ay, y)

    def move(self, view_pos: QPointF, scene_pos: QPointF) -> None:
        x1, y1, x2, y2 = self._rect(scene_pos)
        self.band.setRect(QRectF(x1, y1, x2 - x1, y2 - y1))

    def release(self, scene_pos: QPointF) -> None:
        x1, y1, x2, y2 = self._rect(scene_pos)
        self.cancel()
        px = self.view.pixel_size()
        if (x2 - x1) / px >= self.MIN_SIZE_PX and (y2 - y1) / px >= self.MIN_SIZE_PX:
            self.view.set_draw_box_mode(False)  # one box per activation, like CVAT's "N"
            self.view.boxDrawn.emit(x1, y1, x2, y2)

    def cancel(self) -> None:
        if self.band.scene() is not None:
            self.band.scene().removeItem(self.band)


class PlacePoint(Interaction):
    """After ``begin_place_keypoint``: the release position becomes the point (visible)."""

    cursor = Qt.CursorShape.CrossCursor

    def release(self, scene_pos: QPointF) -> None:
        uid, k = self.view.place_target or ("", -1)
        self.view.end_place_keypoint()
        items = self.view.items_for(uid)
        if items is None or items.inst is None or not 0 <= k < items.inst.num_keypoints:
            return
        x, y = self.view.clamp(scene_pos.x(), scene_pos.y())
        edit = edits.move_keypoint(self.view.frame_index, items.inst, k, x, y,
                                   style.keypoint_name(items.names, k))
        self.view.request_edit(dataclasses.replace(edit, merge_key=None))
        self.view.select_keypoint(uid, k)


def mouse_press(view: FrameView, event: QMouseEvent) -> Interaction | None:
    """Start the gesture a press means (None: the press only selects)."""
    button = event.button()
    if button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and view.space_held):
        return Pan(view, event, click_clears=False)
    if button == Qt.MouseButton.LeftButton and view.place_target is not None:
        return PlacePoint(view, event)
    if button == Qt.MouseButton.LeftButton and view.draw_box_mode:
        return RubberBand(view, event)
    hit = hit_test(view, view.mapToScene(event.position().toPoint()))
    items = view.items_for(hit.uid) if hit.uid else None
    if items is not None:
        if hit.is_point:
            view.select_keypoint(hit.uid, hit.k)
        elif view.selected_uid() != hit.uid or view.selected_keypoint() is not None:
            view.select(hit.uid)
    if button != Qt.MouseButton.LeftButton:
        return None  # right button: selection for the context menu that follows
    if items is None:
        return Pan(view, event, click_clears=True)
    if hit.is_point:
        return KeypointDrag(view, event, items, hit.k)
    return BoxDrag(view, event, items, hit.part)


# -- keys ---------------------------------------------------------------------------

def handles_key(view: FrameView, event: QKeyEvent) -> bool:
    """Whether ``key_press`` would act on this key now (so it beats window shortcuts)."""
    key = event.key()
    if key == Qt.Key.Key_Escape:
        return view.has_something_to_cancel()
    if key == Qt.Key.Key_V or _is_nudge(event):
        return _selected_point(view) is not None
    if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
        return view.selected_uid() is not None
    return False


def _is_nudge(event: QKeyEvent) -> bool:
    return event.key() in _ARROWS and bool(event.modifiers() & NUDGE_MODIFIER)


def _selected_point(view: FrameView) -> tuple[InstanceItems, int] | None:
    sel = view.selected_keypoint()
    items = view.items_for(sel[0]) if sel else None
    if sel is None or items is None or items.inst is None:
        return None
    return items, sel[1]


def key_press(view: FrameView, event: QKeyEvent) -> bool:
    """Act on a key; True when it was used."""
    key = event.key()
    if key == Qt.Key.Key_Escape:
        return view.cancel_current()
    if key == Qt.Key.Key_V and (point := _selected_point(view)):
        items, k = point
        view.request_edit(edits.cycle_visibility(
            view.frame_index, items.inst, k, style.keypoint_name(items.names, k)))
        return True
    if _is_nudge(event) and (point := _selected_point(view)):
        items, k = point
        inst = items.inst
        if inst.keypoints[k, 2] == Visibility.ABSENT:
            return True  # nothing to nudge; swallow so the frame does not change under it
        step = NUDGE_STEP_LARGE if event.modifiers() & Qt.KeyboardModifier.ShiftModifier \
            else NUDGE_STEP
        dx, dy = _ARROWS[Qt.Key(key)]
        x, y = view.clamp(inst.keypoints[k, 0] + dx * step, inst.keypoints[k, 1] + dy * step)
        # Keeps the factory's merge key: a run of nudges is one undo step.
        view.request_edit(edits.move_keypoint(view.frame_index, inst, k, x, y,
                                              style.keypoint_name(items.names, k)))
        return True
    if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
        uid = view.selected_uid()
        items = view.items_for(uid) if uid else None
        if items is not None and items.inst is not None:
            inst = items.inst
            view.select(None)
            view.request_edit(edits.delete_instance(view.frame_index, inst))
            return True
    return False
