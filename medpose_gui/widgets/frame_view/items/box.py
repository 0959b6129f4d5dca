"""An instance's box (cosmetic pen, style by source) with 8 resize handles when selected.

:class:`Box` is one instance's data in image coordinates; :func:`paint_boxes` draws many
boxes with one ``drawRects`` per look. Handles keep a constant screen size. Nothing here
handles the mouse: the view's bindings decide what a press on an edge or corner means.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QTransform

from medpose_gui.core.boxes import normalise_box
from medpose_gui.widgets.frame_view.items import style
from medpose_gui.widgets.frame_view.items.geometry import handle_positions

_H = style.HANDLE_SIZE
HANDLE_EXTENT = _H / 2 + 2.0  # how far handles reach beyond the box, screen px
_HANDLE_PEN = QPen(QColor(20, 20, 20), 1.0)
_HANDLE_FILL = QBrush(QColor(255, 255, 255))


class Box:
    """The box of one instance (x1, y1, x2, y2 in image pixels, any corner order)."""

    def __init__(self) -> None:
        self.corners = (0.0, 0.0, 0.0, 0.0)
        self._rect = QRectF()
        self._pen = QPen()
        self._fill = QBrush(Qt.BrushStyle.NoBrush)
        self.visible = False
        self.handles_visible = False
        self.look_key: object = None  # what pen and fill were made for (grouping key)

    def rect(self) -> QRectF:
        return QRectF(self._rect)

    def set_rect(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.corners = (float(x1), float(y1), float(x2), float(y2))
        left, top, right, bottom = normalise_box(self.corners)  # a box dragged past itself
        self._rect = QRectF(left, top, right - left, bottom - top)

    def set_look(self, pen: QPen, fill: QBrush, key: object) -> None:
        self._pen, self._fill, self.look_key = pen, fill, key

    @property
    def pen(self) -> QPen:
        return self._pen

    @property
    def fill(self) -> QBrush:
        return self._fill

    def device_rect(self, t: QTransform) -> QRectF:
        return t.mapRect(self._rect)

    def paint_handles(self, painter: QPainter, t: QTransform) -> None:
        painter.setPen(_HANDLE_PEN)
        painter.setBrush(_HANDLE_FILL)
        rects = []
        for x, y in handle_positions(self.corners).values():
            dx, dy = t.map(x, y)
            rects.append(QRectF(dx - _H / 2, dy - _H / 2, _H, _H))
        painter.drawRects(rects)


def paint_boxes(painter: QPainter, t: QTransform, boxes: Sequence[Box]) -> None:
    """Draw ``boxes`` (painter in device pixels, ``t`` image to device), grouped by look."""
    groups: dict[object, list[Box]] = {}
    for box in boxes:
        groups.setdefault(box.look_key, []).append(box)
    for group in groups.values():
        painter.setPen(group[0].pen)
        painter.setBrush(group[0].fill)
        painter.drawRects([box.device_rect(t) for box in group])
