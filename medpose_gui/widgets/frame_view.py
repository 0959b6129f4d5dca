"""The frame view: one video frame with its boxes and skeletons, zoomable and editable.

The view shows what it is given (:meth:`FrameView.set_frame`, :meth:`set_annotations`) and
never changes the project: every finished gesture becomes one core
:class:`~medpose_gui.core.edits.Edit` on :attr:`FrameView.editRequested`, which the main
window pushes on its undo stack and then hands the new annotations back. Gestures and keys
live in :mod:`medpose_gui.widgets.view_bindings`, drawing in :mod:`medpose_gui.widgets.items`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QKeyEvent,
    QMouseEvent,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QToolTip, QWidget

from medpose_gui.core.annotations import Instance
from medpose_gui.core.edits import Edit
from medpose_gui.widgets import frame_view_menu, view_bindings
from medpose_gui.widgets.items import style
from medpose_gui.widgets.items.annotation_layer import AnnotationLayer
from medpose_gui.widgets.items.frame_image import FrameImageError, FrameImageItem
from medpose_gui.widgets.items.frame_prep import SchemaLooks, prepare
from medpose_gui.widgets.items.geometry import clamp_point
from medpose_gui.widgets.items.instance_items import DisplayOptions, InstanceItems

if TYPE_CHECKING:
    from medpose_gui.core.schema import KeypointSchema

WHEEL_STEP = 1.2  # zoom factor per wheel notch (120 eighths of a degree)
MAX_SCALE = 32.0  # screen px per image px: enough to place a point on a single pixel
MIN_FIT_FRACTION = 0.5  # zoom out at most to half the fit-to-window size
FIT_MARGIN = 0.98  # leave a thin border around the fitted frame
SCENE_PAD = 4.0  # scene extends this many image sizes beyond the image: pan/zoom anywhere


FrameViewError = FrameImageError  # bad image given to set_frame


class FrameView(QGraphicsView):
    """Frame + annotations canvas (object name ``frameView``)."""

    editRequested = Signal(object)  # core.edits.Edit to push on the undo stack
    boxDrawn = Signal(float, float, float, float)  # x1, y1, x2, y2 of a drawn box
    reestimateRequested = Signal(str)  # uid
    # Part of the contract, not emitted: Delete emits editRequested(delete_instance) only.
    deleteRequested = Signal(str)
    selectionChanged = Signal(str)  # uid or ""
    keypointSelectionChanged = Signal(str, int)  # uid, k; ("", -1) when none
    hoverText = Signal(str)  # status-bar text for what is under the cursor
    drawBoxModeChanged = Signal(bool)  # draw-box mode ended by a drawn box or Escape too

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("frameView")
        scene = QGraphicsScene(self)
        # A handful of items (image, annotation layer, rubber band): no index to keep up.
        scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(scene)
        self._image = FrameImageItem()
        scene.addItem(self._image)
        self._layer = AnnotationLayer()
        scene.addItem(self._layer)

        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QColor(32, 33, 36))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)  # hover text and cursors without a button

        self.frame_index = 0
        self.image_size: tuple[int, int] | None = None  # (width, height) of the frame
        self.draw_box_mode = False
        self.place_target: tuple[str, int] | None = None
        self.space_held = False
        self._items: dict[str, InstanceItems] = {}  # uid -> items, in drawing order
        self._pool: list[InstanceItems] = []  # parked items for the next frame
        self._schemas: dict[str, KeypointSchema] = {}
        self._looks = SchemaLooks()
        self._options = DisplayOptions()
        self._selected: str | None = None
        self._selected_k: int | None = None
        self._interaction: view_bindings.Interaction | None = None
        self._hover = view_bindings.Hit()
        self._fit_mode = True

    # -- content --------------------------------------------------------------------
    def set_frame(self, index: int, image: np.ndarray | None) -> None:
        """Show frame ``index`` (``image`` None: media missing/loading; keeps the size).

        Call :meth:`set_annotations` afterwards with that frame's instances.
        """
        self.frame_index = int(index)
        size = self._image.set_image(image)
        if size is None:
            return
        if size != self.image_size:
            self.image_size = size
            w, h = size
            pad = SCENE_PAD * max(w, h)
            self.setSceneRect(QRectF(-pad, -pad, w + 2 * pad, h + 2 * pad))
            self._fit_mode = True
        if self._fit_mode:
            self.zoom_fit()

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
                self._cancel_interaction()
                dragged = None
        self._set_hover(view_bindings.Hit())  # items may now show other instances
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
        self._options = DisplayOptions(
            show_boxes, show_labels, show_skeleton, float(min_score),
            frozenset(categories) if categories is not None else None)
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
    def set_draw_box_mode(self, on: bool) -> None:
        """Next left drag draws a box (``boxDrawn`` on release); Escape leaves the mode."""
        on = bool(on)
        if on:
            self.end_place_keypoint()
        if on == self.draw_box_mode:
            return
        self.draw_box_mode = on
        self._update_idle_cursor()
        self.drawBoxModeChanged.emit(on)

    def begin_place_keypoint(self, uid: str, k: int) -> None:
        """Next left click puts point ``k`` of ``uid`` there (a ``move_keypoint`` edit)."""
        items = self._items.get(uid)
        if items is None or items.inst is None:
            return
        self.set_draw_box_mode(False)
        self.place_target = (uid, int(k))
        self.select_keypoint(uid, k)
        self._update_idle_cursor()
        name = style.keypoint_name(items.names, int(k))
        self.hoverText.emit(f"Click to place {name} (Esc cancels)")

    def end_place_keypoint(self) -> None:
        if self.place_target is not None:
            self.place_target = None
            self._update_idle_cursor()

    def has_something_to_cancel(self) -> bool:
        return (self._interaction is not None or self.draw_box_mode
                or self.place_target is not None or self._selected is not None)

    def cancel_current(self) -> bool:
        """Escape: abort a drag, else leave a mode, else clear the selection."""
        if self._interaction is not None:
            self._cancel_interaction()
        elif self.place_target is not None:
            self.end_place_keypoint()
        elif self.draw_box_mode:
            self.set_draw_box_mode(False)
        elif self._selected is not None:
            self.select(None)
        else:
            return False
        return True

    def _cancel_interaction(self) -> None:
        interaction, self._interaction = self._interaction, None
        if interaction is not None:
            interaction.cancel()
            self._update_idle_cursor()

    def _dragged_uid(self) -> str | None:
        return getattr(self._interaction, "uid", None) or None

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

    def pixel_size(self) -> float:
        """Scene units (image pixels) per screen pixel at the current zoom."""
        return 1.0 / self.transform().m11()

    def keypoint_scene_pos(self, uid: str, k: int) -> QPointF:
        x, y = self._items[uid].xy[k]
        return QPointF(float(x), float(y))

    def box_scene_rect(self, uid: str) -> QRectF:
        return self._items[uid].box.rect()

    # -- zoom and pan -------------------------------------------------------------------
    def zoom_fit(self) -> None:
        """Fit the whole frame in the window; stays fitted when the window resizes."""
        self._fit_mode = True
        if self.image_size is None:
            return
        w, h = self.image_size
        vp = self.viewport().size()
        scale = FIT_MARGIN * min(vp.width() / w, vp.height() / h)
        self._set_scale(max(scale, 1e-3))
        self.centerOn(QPointF(w / 2, h / 2))

    def zoom_actual(self) -> None:
        """One image pixel per screen pixel, around the middle of the window."""
        self.zoom_by(1.0 / self.transform().m11())

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by ``factor`` keeping the scene point under ``anchor`` (viewport px) there."""
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        before = self.mapToScene(anchor.toPoint())
        old = self.transform().m11()
        lowest = self._fit_scale() * MIN_FIT_FRACTION if self.image_size else 1e-3
        scale = min(max(old * factor, min(lowest, old)), max(MAX_SCALE, old))
        self._fit_mode = False
        if scale == old:
            return
        self._set_scale(scale)
        after = self.mapFromScene(before)
        self.pan_by(anchor.x() - after.x(), anchor.y() - after.y())

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the picture by (dx, dy) screen pixels."""
        self._fit_mode = False
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() - round(dx))
        v.setValue(v.value() - round(dy))

    def _fit_scale(self) -> float:
        w, h = self.image_size or (1, 1)
        vp = self.viewport().size()
        return FIT_MARGIN * min(vp.width() / w, vp.height() / h)

    def _set_scale(self, scale: float) -> None:
        if scale == self.transform().m11():
            return  # every frame re-fits: nothing to redo when the size did not change
        self.setTransform(QTransform.fromScale(scale, scale))
        self._image.set_scale(scale)
        px = 1.0 / scale
        for items in self._items.values():
            items.set_pixel_size(px)

    # -- Qt events ----------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        if self._fit_mode:
            self.zoom_fit()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt API)
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(WHEEL_STEP ** steps, event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        if self._interaction is not None:
            event.accept()  # a second button during a drag is ignored
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._interaction = view_bindings.mouse_press(self, event)
        if self._interaction is not None:
            self.viewport().setCursor(self._interaction.cursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        pos = event.position()
        if self._interaction is not None:
            self._interaction.move(pos, self.mapToScene(pos.toPoint()))
        elif self.place_target is None and not self.draw_box_mode:
            self._update_hover(self.mapToScene(pos.toPoint()))
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        interaction = self._interaction
        if interaction is None or event.button() != interaction.button:
            event.accept()
            return
        self._interaction = None  # before release: its edit may refresh this view
        interaction.release(self.mapToScene(event.position().toPoint()))
        self._update_idle_cursor()
        self._set_hover(view_bindings.Hit())
        if self.place_target is None and not self.draw_box_mode:
            self._update_hover(self.mapToScene(event.position().toPoint()))
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        self.mousePressEvent(event)  # a fast second click is still a click, never an edit

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 (Qt API)
        if self._interaction is not None or self.draw_box_mode or self.place_target:
            return
        menu = frame_view_menu.context_menu(self, event.pos())
        menu.exec(event.globalPos())
        menu.deleteLater()

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        # Tooltips come from the same picking as clicks (no per-item strings to keep up to
        # date on every redraw): "left_knee · score 0.87 · visible".
        if event.type() == QEvent.Type.ToolTip:
            text = view_bindings.hover_text(
                self, view_bindings.hit_test(self, self.mapToScene(event.pos())))
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    def event(self, event: QEvent) -> bool:
        # Let our keys (V, Delete, arrows on a selected point, Esc) beat window shortcuts.
        if event.type() == QEvent.Type.ShortcutOverride and view_bindings.handles_key(
                self, event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self.space_held = True
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        if view_bindings.key_press(self, event):
            event.accept()
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.space_held = False
            self._update_idle_cursor()
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.space_held = False  # the release went to another window
        super().focusOutEvent(event)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt API)
        if self._hover.uid:
            self._set_hover(view_bindings.Hit())
            self.hoverText.emit("")
        super().leaveEvent(event)

    # -- cursor and hover ------------------------------------------------------------------
    def _update_hover(self, scene_pos: QPointF) -> None:
        hit = view_bindings.hit_test(self, scene_pos)
        if hit == self._hover:
            return
        self._set_hover(hit)
        self.viewport().setCursor(view_bindings.hover_cursor(hit))
        self.hoverText.emit(view_bindings.hover_text(self, hit))

    def _set_hover(self, hit: view_bindings.Hit) -> None:
        """Remember what is under the cursor and ring the point a press would grab."""
        for h, on in ((self._hover, False), (hit, True)):
            items = self._items.get(h.uid) if h.is_point else None
            if items is not None:
                items.set_hover(h.k if on else -1)
        self._hover = hit

    def _update_idle_cursor(self) -> None:
        if self.draw_box_mode or self.place_target is not None:
            cursor = Qt.CursorShape.CrossCursor
        elif self.space_held:
            cursor = Qt.CursorShape.OpenHandCursor
        else:
            cursor = view_bindings.hover_cursor(self._hover)
        self.viewport().setCursor(cursor)
