"""Mouse gestures of the frame view: each lives from a press to its release.

A gesture is started by the press handler of the view's mode (:mod:`.modes`); while it
runs, only the dragged thing moves, and when it ends it sends **one** core edit through
``view.request_edit`` (or one signal, such as ``boxDrawn``). Escape or a change of the
dragged instance under the mouse cancels it and puts everything back.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QGraphicsRectItem

from medpose_gui.core import edits
from medpose_gui.core.boxes import normalise_box
from medpose_gui.core.reference import REFERENCE_CATEGORIES
from medpose_gui.widgets.frame_view.items import style
from medpose_gui.widgets.frame_view.items.geometry import BODY, clamp_box_translation, resize_box
from medpose_gui.widgets.frame_view.picking import HANDLE_CURSORS

if TYPE_CHECKING:
    from medpose_gui.widgets.frame_view.items.instance_items import InstanceItems
    from medpose_gui.widgets.frame_view.view import FrameView

DRAG_THRESHOLD_PX = 3.0  # screen px a press must travel before it moves anything (jitter)


class Gesture:
    """One mouse gesture from press to release."""

    cursor = Qt.CursorShape.ArrowCursor
    uid = ""  # the instance the gesture moves ("" when it moves none)

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


class Pan(Gesture):
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


class KeypointDrag(Gesture):
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


class BoxDrag(Gesture):
    """Move a box by its body or resize it by an edge/corner; one ``set_box`` on release."""

    def __init__(self, view: FrameView, event: QMouseEvent, items: InstanceItems, part: str):
        super().__init__(view, event)
        self.items, self.part = items, part
        self.origin = items.bbox.copy()
        self.uid = items.inst.uid if items.inst is not None else ""
        self.cursor = HANDLE_CURSORS[part]

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


class RubberBand(Gesture):
    """Draw-box mode: drag out a new box; ``boxDrawn`` on release (the window adds it)."""

    cursor = Qt.CursorShape.CrossCursor
    MIN_SIZE_PX = 4.0  # smaller boxes are taken for a mis-click

    def __init__(self, view: FrameView, event: QMouseEvent) -> None:
        super().__init__(view, event)
        self.anchor = view.clamp(self.press_scene.x(), self.press_scene.y())
        self.band = QGraphicsRectItem()
        # Drawn in the colour of the reference's category (patient), the usual new person.
        pen = style.cosmetic_pen(style.category_color(REFERENCE_CATEGORIES[0]), 1.5,
                                 Qt.PenStyle.DashLine)
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


class PlacePoint(Gesture):
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
