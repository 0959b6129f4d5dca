"""A keypoint marker: filled when visible, hollow with a cross when occluded.

Constant size on screen (the item ignores the view's zoom); its position is the point's
image coordinate. The model score sets the opacity (see :func:`style.score_opacities`).
The item is dumb: it never reacts to the mouse itself — the view's bindings move it.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from medpose_gui.widgets.items import style

_R = style.POINT_RADIUS
_EXTENT = _R + 5.0  # marker + selection ring + antialiasing


class KeypointItem(QGraphicsItem):
    """Marker of point ``k`` of instance ``uid``."""

    def __init__(self, uid: str, k: int, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.uid = uid
        self.k = k
        self._color = QColor(255, 255, 255)
        self._occluded = False
        self._selected = False
        self._hover = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(style.Z_POINT)

    def set_look(self, color: QColor, occluded: bool, selected: bool) -> None:
        """Change colour / fill / selection ring; repaints only when something changed."""
        if color != self._color or occluded != self._occluded or selected != self._selected:
            self._color, self._occluded, self._selected = QColor(color), occluded, selected
            self.update()

    def set_hover(self, on: bool) -> None:
        """A thin ring under the cursor: shows which point a press would grab."""
        if on != self._hover:
            self._hover = on
            self.update()

    @property
    def occluded(self) -> bool:
        return self._occluded

    @property
    def marked_selected(self) -> bool:
        return self._selected

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        return QRectF(-_EXTENT, -_EXTENT, 2 * _EXTENT, 2 * _EXTENT)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._selected:
            painter.setPen(QPen(QColor(0, 0, 0, 200), 4.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), _R + 3.0, _R + 3.0)
            painter.setPen(QPen(QColor(255, 255, 255), 2.0))
            painter.drawEllipse(QPointF(0, 0), _R + 3.0, _R + 3.0)
        elif self._hover:
            painter.setPen(QPen(QColor(255, 255, 255, 220), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), _R + 3.0, _R + 3.0)
        if self._occluded:
            # Hollow ring with a white cross: "labelled, but the medic could not see it".
            # Nothing filled, so it never reads as a (dark) visible point.
            painter.setBrush(Qt.BrushStyle.NoBrush)
            r = _R + 1.0
            painter.setPen(QPen(style.OUTLINE, 1.0))
            painter.drawEllipse(QPointF(0, 0), r + 1.5, r + 1.5)
            painter.drawEllipse(QPointF(0, 0), r - 1.5, r - 1.5)
            painter.setPen(QPen(self._color, 2.0))
            painter.drawEllipse(QPointF(0, 0), r, r)
            d = r * 0.45
            for pen in (QPen(style.OUTLINE, 3.0), QPen(QColor(255, 255, 255), 1.2)):
                painter.setPen(pen)
                painter.drawLine(QPointF(-d, -d), QPointF(d, d))
                painter.drawLine(QPointF(-d, d), QPointF(d, -d))
        else:
            painter.setPen(QPen(style.OUTLINE, 1.5))
            painter.setBrush(QBrush(self._color))
            painter.drawEllipse(QPointF(0, 0), _R, _R)
