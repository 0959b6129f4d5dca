"""One scene item that paints the boxes, skeletons, markers and labels of a whole frame.

Why one item and not four per instance: Qt calls a Python item's ``boundingRect`` and
``paint`` through the binding layer, and each call, visibility change and geometry change
costs tens of microseconds before anything is drawn. With the detector's crowded frames
(25-70 persons) those per-item costs were most of the time a frame took to show and
stalled the GUI thread past 50 ms (bench/bench_gui_latency.py). Here a frame is one
``paint`` call: boxes grouped by look into ``drawRects``, skeleton lines batched by colour
into ``drawLines``, markers and labels blitted from pre-rendered pixmaps.

Stacking is by kind, as separate items with z values would give: boxes < skeletons <
markers < labels < handles, and within each kind the selected instance above the others.
Labels are laid out together on screen (:func:`.label_layout.layout_tags`): inside the
view, never on top of each other, the selected instance's first.
Live changes (a drag, a hover ring) repaint only the area of the instance that changed;
``paint`` skips instances outside the exposed area.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from medpose_gui.widgets.frame_view.items import style
from medpose_gui.widgets.frame_view.items.box import paint_boxes
from medpose_gui.widgets.frame_view.items.label_layout import layout_tags
from medpose_gui.widgets.frame_view.items.markers import paint_off_image
from medpose_gui.widgets.frame_view.items.skeleton import paint_skeletons

if TYPE_CHECKING:
    from medpose_gui.widgets.frame_view.items.instance_items import InstanceItems

_EVERYWHERE = QRectF(-1e7, -1e7, 2e7, 2e7)  # annotations may be anywhere the view can pan


class AnnotationLayer(QGraphicsItem):
    """Paints the instances it is given, in their order (the selected one last)."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(style.Z_ANNOTATIONS)
        # exposedRect in paint(): skip instances a partial repaint does not touch.
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self._entries: list[InstanceItems] = []
        self._on_top: InstanceItems | None = None
        self._image_size: tuple[int, int] | None = None
        # Last layout: instance uid -> tag rect on screen, and each tag's shift from its
        # anchor (a changed shift needs a full repaint, see _paint_labels).
        self.tag_rects: dict[str, QRectF] = {}
        self._tag_shifts: dict[int, tuple[float, float]] = {}

    def set_image_size(self, size: tuple[int, int] | None) -> None:
        """The frame's (width, height): shown points outside it are marked (exported absent)."""
        if size != self._image_size:
            self._image_size = size
            self.update()

    def set_entries(self, entries: Sequence[InstanceItems],
                    on_top: InstanceItems | None = None) -> None:
        """Draw ``entries``; ``on_top`` (one of them, or None) above the others."""
        self._entries = [e for e in entries if e is not on_top]
        self._on_top = on_top
        self.update()

    def drawing_order(self) -> list[InstanceItems]:
        return self._entries + ([self._on_top] if self._on_top is not None else [])

    def repaint_area(self, rect: QRectF) -> None:
        """Repaint ``rect`` (image pixels) at the next paint event."""
        if not rect.isEmpty():
            self.update(rect)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        return _EVERYWHERE

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        exposed = option.exposedRect
        below = [e for e in self._entries if e.visible and e.extent.intersects(exposed)]
        top = self._on_top
        groups = [below]
        if top is not None and top.visible and top.extent.intersects(exposed):
            groups.append([top])
        if not any(groups) and not self._tag_shifts:
            return
        # Everything is drawn in device pixels so markers, tags and pens keep their size.
        t = painter.worldTransform()
        device = painter.device()
        dpr = device.devicePixelRatioF() if device is not None else 1.0
        painter.save()
        painter.resetTransform()
        # Boxes are axis-aligned: crisp without antialiasing, and dashed antialiased strokes
        # cost the raster engine several times more.
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for group in groups:
            paint_boxes(painter, t, [e.box for e in group if e.box.visible])
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for group in groups:
            paint_skeletons(painter, t, [e.skeleton for e in group if e.skeleton.visible])
        for group in groups:
            for e in group:
                e.markers.paint(painter, t, dpr)
                if self._image_size is not None:
                    paint_off_image(painter, t, e.xy, e.shown, self._image_size)
        self._paint_labels(painter, t, dpr, t.mapRect(exposed), widget)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for group in groups:
            for e in group:
                if e.box.visible and e.box.handles_visible:
                    e.box.paint_handles(painter, t)
        painter.restore()

    def _paint_labels(self, painter: QPainter, t, dpr: float, exposed: QRectF,
                      widget: QWidget | None) -> None:
        """Lay out every shown tag (the selected one first), paint those in ``exposed``."""
        order = self.drawing_order()
        tagged = [e for e in order[-1:] + order[:-1] if e.visible and e.label.visible]
        wanted = [e.label.wanted_rect(t) for e in tagged]
        bounds = None if widget is None else (0.0, 0.0, float(widget.width()),
                                              float(widget.height()))
        shifts: dict[int, tuple[float, float]] = {}
        rects: dict[str, QRectF] = {}
        placed = dict(zip(map(id, tagged), layout_tags(wanted, bounds), strict=True))
        for e, (x, y, w, h) in zip(tagged, wanted, strict=True):
            px, py = placed[id(e)]
            shifts[id(e)] = (round(px - x), round(py - y))
            rects[e.inst.uid if e.inst is not None else str(id(e))] = QRectF(px, py, w, h)
        for e in (e for e in order if id(e) in placed):  # paint order: selected last
            px, py = placed[id(e)]
            _x, _y, w, h = e.label.wanted_rect(t)
            if exposed.intersects(QRectF(px - 1, py - 1, w + 2, h + 2)):
                e.label.paint(painter, t, dpr, at=(px, py))
        partial = bounds is not None and not exposed.contains(QRectF(*bounds))
        if partial and shifts != self._tag_shifts:
            # A tag moved relative to its box (another tag moved, or the view scrolled it
            # against an edge): this partial repaint (or scroll) left it at its old place too.
            self.update()
        self._tag_shifts, self.tag_rects = shifts, rects
