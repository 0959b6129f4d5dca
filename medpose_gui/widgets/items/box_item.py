"""An instance's box (cosmetic pen, style by source) with 8 resize handles.

The rectangle is in image coordinates; the handles are child items of constant screen
size, shown for the selected instance only. Like all items here it never handles the
mouse: the view's bindings decide what a press on an edge or corner means.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from medpose_gui.widgets.items import style
from medpose_gui.widgets.items.geometry import HANDLES, handle_positions

_H = style.HANDLE_SIZE


class HandleItem(QGraphicsItem):
    """A small white square on a box edge or corner."""

    def __init__(self, name: str, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.name = name
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(style.Z_HANDLE - style.Z_BOX)  # relative to the box (its parent)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        return QRectF(-_H / 2 - 1, -_H / 2 - 1, _H + 2, _H + 2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setPen(QPen(QColor(20, 20, 20), 1.0))
        painter.setBrush(QBrush(QColor(255, 255, 255)))
        painter.drawRect(QRectF(-_H / 2, -_H / 2, _H, _H))


class BoxItem(QGraphicsItem):
    """The box of one instance."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._rect = QRectF()
        self._pen = QPen()
        self._fill = QBrush(Qt.BrushStyle.NoBrush)
        self._pixel = 1.0  # scene units per screen pixel (for the repaint margin)
        self.handles = {name: HandleItem(name, self) for name in HANDLES}
        self._handles_on = True  # a new child item is visible
        self.set_handles_visible(False)
        self.setZValue(style.Z_BOX)

    def rect(self) -> QRectF:
        return QRectF(self._rect)

    def set_rect(self, x1: float, y1: float, x2: float, y2: float) -> None:
        rect = QRectF(min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1))
        if rect == self._rect:
            return
        self.prepareGeometryChange()
        self._rect = rect
        for name, (x, y) in handle_positions((x1, y1, x2, y2)).items():
            self.handles[name].setPos(x, y)

    def set_look(self, pen: QPen, fill: QBrush) -> None:
        self._pen, self._fill = pen, fill
        self.update()

    def set_handles_visible(self, on: bool) -> None:
        if on == self._handles_on:
            return
        self._handles_on = on
        for handle in self.handles.values():
            handle.setVisible(on)

    def set_pixel_size(self, pixel: float) -> None:
        """Tell the item how big a screen pixel is in scene units (after a zoom)."""
        if pixel != self._pixel:
            self.prepareGeometryChange()
            self._pixel = pixel

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        m = 3.0 * self._pixel  # cosmetic pen up to 4 px wide, centred on the edge
        return self._rect.adjusted(-m, -m, m, m)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setBrush(self._fill)
        painter.setPen(self._pen)
        painter.drawRect(self._rect)
