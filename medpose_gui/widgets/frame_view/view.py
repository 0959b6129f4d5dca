"""The frame view: one video frame with its boxes and skeletons, zoomable and editable.

The view shows what it is given (:meth:`FrameView.set_frame`, :meth:`set_annotations`) and
never changes the project: every finished gesture becomes one core
:class:`~medpose_gui.core.edits.Edit` on :attr:`FrameView.editRequested`, which the main
window pushes on its undo stack and then hands the new annotations back. What the mouse and
the keys do depends on the view's :class:`~.modes.Mode` and is looked up in the table of
:mod:`.modes`; gestures live in :mod:`.gestures`, drawing in :mod:`.items`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QToolTip, QWidget

from medpose_gui.core.annotations import Instance
from medpose_gui.core.edits import Edit
from medpose_gui.widgets.frame_view import context_menu
from medpose_gui.widgets.frame_view.gestures import Gesture
from medpose_gui.widgets.frame_view.items.annotation_layer import AnnotationLayer
from medpose_gui.widgets.frame_view.items.frame_image import FrameImageError, FrameImageItem
from medpose_gui.widgets.frame_view.items.frame_prep import SchemaLooks, prepare
from medpose_gui.widgets.frame_view.items.geometry import clamp_point
from medpose_gui.widgets.frame_view.items.instance_items import DisplayOptions, InstanceItems
from medpose_gui.widgets.frame_view.items.style import keypoint_name
from medpose_gui.widgets.frame_view.key_bindings import KeyBinding
from medpose_gui.widgets.frame_view.modes import BINDINGS, Mode, ModeBindings
from medpose_gui.widgets.frame_view.picking import Hit, hit_test, hover_cursor, hover_text
from medpose_gui.widgets.frame_view.zoomable import ZoomableView

if TYPE_CHECKING:
    from medpose_gui.core.schema import KeypointSchema

FrameViewError = FrameImageError  # bad image given to set_frame


class FrameView(ZoomableView):
    """Frame + annotations canvas (object name ``frameView``)."""

    editRequested = Signal(object)  # core.edits.Edit to push on the undo stack
    boxDrawn = Signal(float, float, float, float)  # x1, y1, x2, y2 of a drawn box
    reestimateRequested = Signal(str)  # uid
    selectionChanged = Signal(str)  # uid or ""
    keypointSelectionChanged = Signal(str, int)  # uid, k; ("", -1) when none
    hoverText = Signal(str)  # status-bar text for what is under the cursor
    drawBoxModeChanged = Signal(bool)  # draw-box mode ended by a drawn box or Escape too

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("frameView")
        self._image = FrameImageItem()
        self.scene().addItem(self._image)
        self._layer = AnnotationLayer()
        self.scene().addItem(self._layer)
        self.viewport().setMouseTracking(True)  # hover text and cursors without a button

        self.frame_index = 0
        self._mode = Mode.EDIT
        self._mode_under_pan: Mode | None = None  # what Space-held panning returns to
        self.place_target: tuple[str, int] | None = None  # (uid, k) in Mode.PLACE_POINT
        self._items: dict[str, InstanceItems] = {}  # uid -> items, in drawing order
        self._pool: list[InstanceItems] = []  # parked items for the next frame
        self._schemas: dict[str, KeypointSchema] = {}
        self._looks = SchemaLooks()
        self._options = DisplayOptions()
        self._selected: str | None = None
        self._selected_k: int | None = None
        self._gesture: Gesture | None = None  # from a press to its release
        self._hover = Hit()

    # -- content --------------------------------------------------------------------
    def set_frame(self, index: int, image: np.ndarray | None) -> None:
        """Show frame ``index`` (``image`` None: media missing/loading; keeps the size).

        Call :meth:`set_annotations` afterwards with that frame's instances.
        """
        self.frame_index = int(index)
        size = self._image.set_image(image)
        if size is not None:
            self.show_image_size(size)
            self._layer.set_image_size(size)  # points outside the image are marked

    def set_annotations(self, instances: Iterable[Instance],
                        schemas: Mapping[str, KeypointSchema]) -> None:
        """Draw ``instances`` (schemas by category name), reusing the existing items."""
        self._schemas = dict(schemas)
        instances = list(instances)
        dragged = self._dragged_uid()
        if dragged is not None:
            new = next((i for i in instances if i.uid == dragged), None)
            old = self._items[dragged].inst
            if new is None or new != old:  # the dragged instance changed under the mouse
                self.cancel_gesture()
                dragged = None
        self._set_hover(Hit())  # items may now show other instances
        old_items, self._items = self._items, {}
        wanted = {inst.uid for inst in instances}
        for uid in [uid for uid in old_items if uid not in wanted]:
            self._pool.append(old_items.pop(uid))  # free for this frame's new instances
        px = self.pixel_size()
        looks = [self._looks.get(self._schemas.get(inst.category), inst.category,
                                 inst.num_keypoints) for inst in instances]
        preps = prepare(instances, looks, self._options)
        for inst, look, prep in zip(instances, looks, preps, strict=True):
            items = old_items.pop(inst.uid, None)
            if items is None:
                items = self._pool.pop() if self._pool else InstanceItems(self._layer)
            if inst.uid != dragged:
                items.show(inst, look, prep, self._options, px)
            self._items[inst.uid] = items
        for items in self._pool:
            if items.inst is not None:
                items.hide()
        if self._selected is not None and (self._selected not in self._items
                                           or not self._items[self._selected].visible):
            self.select(None)
        else:
            self._apply_selection_look()
        if self.place_target is not None and self.place_target[0] not in self._items:
            self.end_place_keypoint()

    def set_display_options(self, show_boxes: bool = True, show_labels: bool = True,
                            show_skeleton: bool = True, min_score: float = 0.0,
                            categories: Iterable[str] | None = None) -> None:
        """What to draw; hidden points and instances cannot be picked either."""
        self._set_options(DisplayOptions(
            show_boxes, show_labels, show_skeleton, float(min_score),
            frozenset(categories) if categories is not None else None,
            self._options.solo_track))

    def set_solo_track(self, track_id: int | None) -> None:
        """Show only the persons of track ``track_id`` (None: everyone)."""
        self._set_options(dataclasses.replace(self._options, solo_track=track_id))

    @property
    def solo_track(self) -> int | None:
        return self._options.solo_track

    def _set_options(self, options: DisplayOptions) -> None:
        self._options = options
        current = [items.inst for items in self._items.values() if items.inst is not None]
        self.set_annotations(current, self._schemas)

    # -- selection --------------------------------------------------------------------
    def selected_uid(self) -> str | None:
        return self._selected

    def selected_keypoint(self) -> tuple[str, int] | None:
        if self._selected is None or self._selected_k is None:
            return None
        return self._selected, self._selected_k

    def select(self, uid: str | None) -> None:
        """Select an instance (None or "" clears; an unknown uid clears too)."""
        uid = uid if uid and uid in self._items and self._items[uid].visible else None
        self._set_selection(uid, None)

    def select_keypoint(self, uid: str, k: int) -> None:
        items = self._items.get(uid)
        if items is None or items.inst is None or not 0 <= k < items.inst.num_keypoints:
            self._set_selection(None, None)
        else:
            self._set_selection(uid, int(k))

    def _set_selection(self, uid: str | None, k: int | None) -> None:
        old_uid, old_k = self._selected, self._selected_k
        self._selected, self._selected_k = uid, k
        self._apply_selection_look()
        if uid != old_uid:
            self.selectionChanged.emit(uid or "")
        if (uid, k) != (old_uid, old_k) and (k is not None or old_k is not None):
            self.keypointSelectionChanged.emit(uid or "" if k is not None else "",
                                               -1 if k is None else k)

    def _apply_selection_look(self) -> None:
        for uid, items in self._items.items():
            on = uid == self._selected
            items.set_selected(on, self._selected_k if on else None)
        on_top = self._items.get(self._selected) if self._selected is not None else None
        self._layer.set_entries(list(self._items.values()), on_top)

    # -- modes --------------------------------------------------------------------------
    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def draw_box_mode(self) -> bool:
        """The next left drag draws a box (also while Space holds a pan over that mode)."""
        return self._chosen_mode() is Mode.DRAW_BOX

    def _chosen_mode(self) -> Mode:
        return self._mode_under_pan or self._mode

    def _bindings(self) -> ModeBindings:
        return BINDINGS[self._mode]

    def set_mode(self, mode: Mode) -> None:
        """Switch to ``mode`` (while Space is held: the mode the pan returns to)."""
        was_drawing = self.draw_box_mode
        if mode is not Mode.PLACE_POINT:
            self.place_target = None
        if self._mode_under_pan is not None:
            self._mode_under_pan = mode
        else:
            self._mode = mode
        self._update_idle_cursor()
        if self.draw_box_mode != was_drawing:
            self.drawBoxModeChanged.emit(self.draw_box_mode)

    def leave_mode(self) -> None:
        """Back to editing (Escape in the draw-box and place-point modes)."""
        self.set_mode(Mode.EDIT)

    def set_draw_box_mode(self, on: bool) -> None:
        """Next left drag draws a box (``boxDrawn`` on release); Escape leaves the mode."""
        if on:
            self.set_mode(Mode.DRAW_BOX)
        elif self.draw_box_mode:
            self.leave_mode()

    def begin_place_keypoint(self, uid: str, k: int) -> None:
        """Next left click puts point ``k`` of ``uid`` there (a ``move_keypoint`` edit)."""
        items = self._items.get(uid)
        if items is None or items.inst is None:
            return
        self.set_mode(Mode.PLACE_POINT)
        self.place_target = (uid, int(k))
        self.select_keypoint(uid, k)
        name = keypoint_name(items.names, int(k))
        self.hoverText.emit(f"Click to place {name} (Esc cancels)")

    def end_place_keypoint(self) -> None:
        if self._chosen_mode() is Mode.PLACE_POINT:
            self.leave_mode()

    def _hold_pan(self) -> None:
        """Space pressed: left drags pan until it is released (napari's hold-to-pan)."""
        if self._mode_under_pan is None:
            self._mode_under_pan, self._mode = self._mode, Mode.PAN
            self._update_idle_cursor()

    def _release_pan(self) -> None:
        if self._mode_under_pan is not None:
            self._mode, self._mode_under_pan = self._mode_under_pan, None
            self._update_idle_cursor()

    @property
    def gesture_running(self) -> bool:
        return self._gesture is not None

    def cancel_gesture(self) -> bool:
        """Abort the drag in progress and put everything back; False when there is none."""
        gesture, self._gesture = self._gesture, None
        if gesture is None:
            return False
        gesture.cancel()
        self._update_idle_cursor()
        return True

    def _escape(self) -> KeyBinding:
        return self._bindings().keys[Qt.Key.Key_Escape]

    def has_something_to_cancel(self) -> bool:
        return self._escape().applies(self, None)

    def cancel_current(self) -> bool:
        """Escape: abort a drag, else leave a mode, else clear the selection."""
        return self.has_something_to_cancel() and self._escape().act(self, None)

    def _key_binding(self, event: QKeyEvent) -> KeyBinding | None:
        binding = self._bindings().keys.get(Qt.Key(event.key()))
        return binding if binding is not None and binding.applies(self, event) else None

    def _dragged_uid(self) -> str | None:
        return self._gesture.uid or None if self._gesture is not None else None

    # -- services for the bindings and for tests ---------------------------------------
    def request_edit(self, edit: Edit) -> None:
        self.editRequested.emit(edit)

    def displayed_items(self) -> Iterator[tuple[str, InstanceItems]]:
        """(uid, items) of the instances drawn now (category filter applied)."""
        return ((uid, items) for uid, items in self._items.items() if items.visible)

    def items_for(self, uid: str) -> InstanceItems | None:
        return self._items.get(uid)

    def drawing_order(self) -> list[str]:
        """uids of the instances drawn now, bottom first (the selected one on top)."""
        return [items.inst.uid for items in self._layer.drawing_order()
                if items.inst is not None and items.visible]

    def category_names(self) -> list[str]:
        return list(self._schemas)

    def schema_for(self, category: str) -> KeypointSchema | None:
        return self._schemas.get(category)

    def clamp(self, x: float, y: float) -> tuple[float, float]:
        w, h = self.image_size or (None, None)
        return clamp_point(x, y, w, h)

    def keypoint_scene_pos(self, uid: str, k: int) -> QPointF:
        x, y = self._items[uid].xy[k]
        return QPointF(float(x), float(y))

    def box_scene_rect(self, uid: str) -> QRectF:
        return self._items[uid].box.rect()

    def _scale_changed(self, scale: float) -> None:
        self._image.set_scale(scale)
        px = 1.0 / scale
        for items in self._items.values():
            items.set_pixel_size(px)

    # -- Qt events ----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        if self._gesture is not None:
            event.accept()  # a second button during a drag is ignored
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        press = self._bindings().press.get(event.button())
        self._gesture = press(self, event) if press is not None else None
        if self._gesture is not None:
            self.viewport().setCursor(self._gesture.cursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        pos = event.position()
        if self._gesture is not None:
            self._gesture.move(pos, self.mapToScene(pos.toPoint()))
        elif self._bindings().hover:
            self._update_hover(self.mapToScene(pos.toPoint()))
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        gesture = self._gesture
        if gesture is None or event.button() != gesture.button:
            event.accept()
            return
        self._gesture = None  # before release: its edit may refresh this view
        gesture.release(self.mapToScene(event.position().toPoint()))
        self._update_idle_cursor()
        self._set_hover(Hit())
        if self._bindings().hover:
            self._update_hover(self.mapToScene(event.position().toPoint()))
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        self.mousePressEvent(event)  # a fast second click is still a click, never an edit

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 (Qt API)
        if self._gesture is not None or not self._bindings().context_menu:
            return
        menu = context_menu.context_menu(self, event.pos())
        menu.exec(event.globalPos())
        menu.deleteLater()

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        # Tooltips come from the same picking as clicks (no per-item strings to keep up to
        # date on every redraw): "left_knee · score 0.87 · visible".
        if event.type() == QEvent.Type.ToolTip:
            text = hover_text(self, hit_test(self, self.mapToScene(event.pos())))
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    def event(self, event: QEvent) -> bool:
        # Let our keys (V, Delete, Alt+arrows on a selected point, Esc) beat window shortcuts.
        if event.type() == QEvent.Type.ShortcutOverride and self._key_binding(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._hold_pan()
            event.accept()
            return
        binding = self._key_binding(event)
        if binding is not None and binding.act(self, event):
            event.accept()
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._release_pan()
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._release_pan()  # the Space release went to another window
        super().focusOutEvent(event)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt API)
        if self._hover.uid:
            self._set_hover(Hit())
            self.hoverText.emit("")
        super().leaveEvent(event)

    # -- cursor and hover ------------------------------------------------------------------
    def _update_hover(self, scene_pos: QPointF) -> None:
        hit = hit_test(self, scene_pos)
        if hit == self._hover:
            return
        self._set_hover(hit)
        self.viewport().setCursor(hover_cursor(hit))
        self.hoverText.emit(hover_text(self, hit))

    def _set_hover(self, hit: Hit) -> None:
        """Remember what is under the cursor and ring the point a press would grab."""
        for h, on in ((self._hover, False), (hit, True)):
            items = self._items.get(h.uid) if h.is_point else None
            if items is not None:
                items.set_hover(h.k if on else -1)
        self._hover = hit

    def _update_idle_cursor(self) -> None:
        cursor = self._bindings().cursor
        self.viewport().setCursor(cursor if cursor is not None else hover_cursor(self._hover))
