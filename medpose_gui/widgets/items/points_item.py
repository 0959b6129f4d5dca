"""All keypoint markers of one instance in one item, painted in one call.

A marker is filled when visible, a hollow ring with a white cross when occluded; the model
score sets its opacity (see :func:`style.score_opacities`). Markers keep their screen size
whatever the zoom: the item lives in scene coordinates (its bounding rectangle grows by the
marker extent in scene units, ``pixel`` per screen pixel) and paints in device pixels.

One item per instance instead of one per point: with 20+ persons on a frame the per-item
cost of Qt's scene (Python ``boundingRect``/``paint`` calls, visibility and position
bookkeeping) made showing a frame stall the GUI thread (bench/bench_gui_latency.py).
The item is dumb: it never reacts to the mouse — the view's bindings move its points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from medpose_gui.widgets.items import style
from medpose_gui.widgets.items.geometry import shown_extent

_R = style.POINT_RADIUS
_EXTENT = _R + 5.0  # marker + selection ring + antialiasing, screen px
_RING = _R + 3.0  # selection / hover ring radius
_OCC_R = _R + 1.0  # occluded marker ring radius
_CROSS = _OCC_R * 0.45  # half-length of the occluded marker's cross arms

# Pens and brushes built once: paint() runs for every instance on every repaint.
_NO_BRUSH = QBrush(Qt.BrushStyle.NoBrush)
_SELECT_DARK = QPen(QColor(0, 0, 0, 200), 4.0)
_SELECT_LIGHT = QPen(QColor(255, 255, 255), 2.0)
_HOVER = QPen(QColor(255, 255, 255, 220), 1.5)
_OUTLINE_THIN = QPen(style.OUTLINE, 1.0)
_OUTLINE_FILLED = QPen(style.OUTLINE, 1.5)
_CROSS_DARK = QPen(style.OUTLINE, 3.0)
_CROSS_LIGHT = QPen(QColor(255, 255, 255), 1.2)


@dataclass(frozen=True)
class MarkerState:
    """How point ``k`` is drawn (a query for tests and tools; paint() does not use it)."""

    shown: bool
    occluded: bool
    opacity: float
    color_rgb: tuple[int, int, int]
    selected: bool
    hover: bool


class _ColorCache:
    """Fill brushes and occluded-ring pens per colour (schemas use a handful of colours)."""

    def __init__(self) -> None:
        self._brushes: dict[int, QBrush] = {}
        self._rings: dict[int, QPen] = {}

    def brush(self, rgb: int) -> QBrush:
        brush = self._brushes.get(rgb)
        if brush is None:
            brush = self._brushes[rgb] = QBrush(QColor.fromRgba(rgb))
        return brush

    def ring(self, rgb: int) -> QPen:
        pen = self._rings.get(rgb)
        if pen is None:
            pen = self._rings[rgb] = QPen(QColor.fromRgba(rgb), 2.0)
        return pen


_CACHE = _ColorCache()

# A plain marker (filled disc or occluded ring + cross) is drawn once per colour into a
# sprite and then blitted: one drawPixmap instead of up to four antialiased ellipses and
# four lines per point (with 25 persons that was most of a repaint's Python time).
_SPRITE_HALF = int(np.ceil(_OCC_R + 1.5 + 2.0))  # ring + outline + antialiasing, screen px
_sprites: dict[tuple[int, bool, float], QPixmap] = {}


def _sprite(rgba: int, occluded: bool, dpr: float) -> QPixmap:
    key = (rgba, occluded, dpr)
    pix = _sprites.get(key)
    if pix is None:
        size = 2 * _SPRITE_HALF
        pix = QPixmap(int(np.ceil(size * dpr)), int(np.ceil(size * dpr)))
        pix.setDevicePixelRatio(dpr)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        _draw_marker(p, QPointF(_SPRITE_HALF, _SPRITE_HALF), rgba, occluded)
        p.end()
        _sprites[key] = pix
    return pix


def _draw_marker(painter: QPainter, c: QPointF, rgba: int, occluded: bool) -> None:
    if occluded:
        # Hollow ring with a white cross: "labelled, but the medic could not see it".
        # Nothing filled, so it never reads as a (dark) visible point.
        painter.setBrush(_NO_BRUSH)
        painter.setPen(_OUTLINE_THIN)
        painter.drawEllipse(c, _OCC_R + 1.5, _OCC_R + 1.5)
        painter.drawEllipse(c, _OCC_R - 1.5, _OCC_R - 1.5)
        painter.setPen(_CACHE.ring(rgba))
        painter.drawEllipse(c, _OCC_R, _OCC_R)
        x, y, d = c.x(), c.y(), _CROSS
        for pen in (_CROSS_DARK, _CROSS_LIGHT):
            painter.setPen(pen)
            painter.drawLine(QPointF(x - d, y - d), QPointF(x + d, y + d))
            painter.drawLine(QPointF(x - d, y + d), QPointF(x + d, y - d))
    else:
        painter.setPen(_OUTLINE_FILLED)
        painter.setBrush(_CACHE.brush(rgba))
        painter.drawEllipse(c, _R, _R)


class PointsItem(QGraphicsItem):
    """Markers of every point of one instance."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._xy = np.zeros((0, 2))
        self._shown: list[bool] = []
        self._occluded: list[bool] = []
        self._opacity: list[float] = []
        self._rgba: list[int] = []  # QColor.rgba() per point
        self._selected_k = -1
        self._hover_k = -1
        self._pixel = 1.0  # scene units per screen pixel
        self._bounds = QRectF()  # extent of the shown points, scene units
        self._any_shown = False
        self.setZValue(style.Z_POINT)

    # -- content ------------------------------------------------------------------
    def set_points(self, xy: np.ndarray, shown: list[bool], occluded: list[bool],
                   opacity: list[float], colors: list[QColor]) -> None:
        """Replace all markers (``xy`` is copied; the lists are kept, not copied)."""
        self._xy = np.array(xy, dtype=np.float64).reshape(-1, 2)
        self._shown, self._occluded, self._opacity = shown, occluded, opacity
        self._rgba = [c.rgba() for c in colors]
        if not 0 <= self._hover_k < len(shown):
            self._hover_k = -1
        self._refresh_bounds()

    def move_point(self, k: int, x: float, y: float) -> None:
        """Move one marker (a drag step)."""
        self._xy[k] = (x, y)
        self._refresh_bounds()

    def set_selected_k(self, k: int) -> None:
        """Ring point ``k`` as selected (-1: none); it is drawn above the others."""
        if k != self._selected_k:
            self._selected_k = k
            self.update()

    def set_hover(self, k: int) -> None:
        """A thin ring on point ``k`` (-1: none): shows which point a press would grab."""
        if k != self._hover_k:
            self._hover_k = k
            self.update()

    def set_pixel_size(self, pixel: float) -> None:
        """Tell the item how big a screen pixel is in scene units (after a zoom)."""
        if pixel != self._pixel:
            self.prepareGeometryChange()
            self._pixel = pixel

    # -- queries ------------------------------------------------------------------
    def marker(self, k: int) -> MarkerState:
        """How point ``k`` is drawn now."""
        rgba = self._rgba[k]
        return MarkerState(bool(self._shown[k]), bool(self._occluded[k]),
                           float(self._opacity[k]),
                           ((rgba >> 16) & 255, (rgba >> 8) & 255, rgba & 255),
                           k == self._selected_k, k == self._hover_k)

    def marker_scene_rect(self, k: int) -> QRectF:
        """The area point ``k``'s marker may paint, in scene units (constant on screen)."""
        e = _EXTENT * self._pixel
        x, y = self._xy[k]
        return QRectF(float(x) - e, float(y) - e, 2 * e, 2 * e)

    # -- Qt -----------------------------------------------------------------------
    def _refresh_bounds(self) -> None:
        self.prepareGeometryChange()
        extent = shown_extent(self._xy, self._shown)
        self._any_shown = extent is not None
        self._bounds = QRectF(*extent) if extent is not None else QRectF()
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        if not self._any_shown:
            return QRectF()
        e = _EXTENT * self._pixel
        return self._bounds.adjusted(-e, -e, e, e)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        shown = self._shown
        order = [i for i in range(len(shown)) if shown[i] and i != self._selected_k]
        if 0 <= self._selected_k < len(shown) and shown[self._selected_k]:
            order.append(self._selected_k)  # the selected point on top, as its own item was
        if not order:
            return
        # Markers are drawn in device pixels so they keep their size at any zoom.
        t = painter.worldTransform()
        xy = self._xy
        dev_x = (xy[:, 0] * t.m11() + xy[:, 1] * t.m21() + t.dx()).tolist()
        dev_y = (xy[:, 0] * t.m12() + xy[:, 1] * t.m22() + t.dy()).tolist()
        base = painter.opacity()  # the item's effective opacity
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        occluded, opacity, rgba = self._occluded, self._opacity, self._rgba
        sel, hover = self._selected_k, self._hover_k
        dpr = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        half = _SPRITE_HALF
        alpha = None  # skip setOpacity calls that change nothing (most points share one)
        for i in order:
            if opacity[i] != alpha:
                alpha = opacity[i]
                painter.setOpacity(base * alpha)
            if i in (sel, hover):
                c = QPointF(dev_x[i], dev_y[i])
                painter.setBrush(_NO_BRUSH)
                if i == sel:
                    painter.setPen(_SELECT_DARK)
                    painter.drawEllipse(c, _RING, _RING)
                painter.setPen(_SELECT_LIGHT if i == sel else _HOVER)
                painter.drawEllipse(c, _RING, _RING)
            painter.drawPixmap(QPointF(dev_x[i] - half, dev_y[i] - half),
                               _sprite(rgba[i], occluded[i], dpr))
        painter.restore()
