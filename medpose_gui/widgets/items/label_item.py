"""The small tag on an instance's box: ``patient 0.97 · predicted``.

Constant screen size; anchored at the box's top-left corner, drawn just above the box
(or just inside it when the box touches the top of the image and the tag would be cut).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from medpose_gui.widgets.items import style

_PAD_X, _PAD_Y = 4.0, 1.0


class LabelItem(QGraphicsItem):
    """Text on a coloured tag; predicted tags are translucent, edited ones opaque."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._font = QFont()
        self._font.setPointSizeF(8.5)
        self._font.setBold(True)
        self._metrics = QFontMetricsF(self._font)
        self._size = QRectF()
        self._color = QColor(255, 255, 255)
        self._translucent = False
        self._inside = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(style.Z_LABEL)

    @property
    def text(self) -> str:
        return self._text

    def set_label(self, text: str, color: QColor, translucent: bool) -> None:
        if text != self._text:
            self.prepareGeometryChange()
            self._text = text
            width = self._metrics.horizontalAdvance(text) + 2 * _PAD_X
            self._size = QRectF(0, 0, width, self._metrics.height() + 2 * _PAD_Y)
        self._color, self._translucent = QColor(color), translucent
        self.update()

    def set_inside(self, inside: bool) -> None:
        """Draw below the anchor (inside the box) instead of above it."""
        if inside != self._inside:
            self.prepareGeometryChange()
            self._inside = inside

    def tag_height(self) -> float:
        return self._size.height()

    def _tag_rect(self) -> QRectF:
        h = self._size.height()
        return self._size.translated(0, 0 if self._inside else -h)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        return self._tag_rect().adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if not self._text:
            return
        rect = self._tag_rect()
        fill = QColor(self._color)
        if self._translucent:
            fill.setAlpha(150)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(fill))
        painter.drawRect(rect)
        # Dark text on the bright category colours reads best on any frame.
        painter.setPen(QPen(QColor(15, 15, 15)))
        painter.setFont(self._font)
        baseline = rect.top() + _PAD_Y + self._metrics.ascent()
        painter.drawText(QPointF(rect.left() + _PAD_X, baseline), self._text)
