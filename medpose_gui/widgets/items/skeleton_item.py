"""All skeleton edges of one instance in one item (cosmetic lines, schema colours).

Edges to an absent point are not drawn; an edge touching an occluded point is dashed.
One item per instance keeps a redraw cheap; a drag moves one point with :meth:`move_point`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from medpose_gui.widgets.items import style
from medpose_gui.widgets.items.geometry import shown_extent

_LINE_OUTLINE = QColor(25, 25, 25)  # opaque: translucent wide lines are slow to raster


class SkeletonItem(QGraphicsItem):
    """Lines between keypoints of one instance."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._xy = np.zeros((0, 2))
        self._shown = np.zeros(0, dtype=bool)  # endpoints that may carry an edge
        self._occluded = np.zeros(0, dtype=bool)
        self._edges: tuple[tuple[int, int], ...] = ()
        self._colors: list[QColor] = []
        self._bounds = QRectF()
        self._pixel = 1.0
        self.setZValue(style.Z_SKELETON)

    def set_skeleton(self, xy: np.ndarray, shown: np.ndarray, occluded: np.ndarray,
                     edges: tuple[tuple[int, int], ...],
                     colors: list[QColor]) -> None:
        """Replace everything the item draws (arrays are copied)."""
        k = len(xy)
        self._xy = np.array(xy, dtype=np.float64).reshape(k, 2)
        self._shown, self._occluded = np.array(shown, bool), np.array(occluded, bool)
        self._edges = tuple((a, b) for a, b in edges if a < k and b < k)
        self._colors = colors
        self._refresh_bounds()

    def move_point(self, k: int, x: float, y: float) -> None:
        self._xy[k] = (x, y)
        self._refresh_bounds()

    def set_pixel_size(self, pixel: float) -> None:
        if pixel != self._pixel:
            self.prepareGeometryChange()
            self._pixel = pixel

    def _refresh_bounds(self) -> None:
        self.prepareGeometryChange()
        extent = shown_extent(self._xy, self._shown)
        self._bounds = QRectF(*extent) if extent is not None else QRectF()
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        m = 3.0 * self._pixel  # the 4 px outline, centred on the line
        return self._bounds.adjusted(-m, -m, m, m)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        # Speed matters: a drag repaints this item on every mouse move. Qt's raster engine
        # strokes antialiased round-capped or translucent wide lines 10-50x slower than
        # opaque flat-capped ones (measured for bench/bench_frame_view.py), so lines are
        # opaque and flat (the markers cover the joints), batched per colour, and drawn in
        # device pixels. Confidence shows on the markers, not on the lines.
        t = painter.worldTransform()
        dev = self._xy * (t.m11(), t.m22()) + (t.dx(), t.dy())
        outlines: list[QLineF] = []
        batches: dict[tuple[int, bool], list[QLineF]] = {}
        shown, occluded = self._shown, self._occluded
        for i, (a, b) in enumerate(self._edges):
            if not (shown[a] and shown[b]):
                continue
            line = QLineF(dev[a, 0], dev[a, 1], dev[b, 0], dev[b, 1])
            dashed = bool(occluded[a] or occluded[b])
            if not dashed:
                outlines.append(line)
            rgb = self._colors[i].rgb() if i < len(self._colors) else 0xFFFFFFFF
            batches.setdefault((rgb, dashed), []).append(line)
        if not batches:
            return
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if outlines:
            painter.setPen(QPen(_LINE_OUTLINE, style.SKELETON_WIDTH + 2.0, Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.FlatCap))
            painter.drawLines(outlines)
        for (rgb, dashed), lines in batches.items():
            painter.setPen(QPen(QColor.fromRgb(rgb), style.SKELETON_WIDTH,
                                Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.FlatCap))
            painter.drawLines(lines)
        painter.restore()
