"""The keypoint markers of one instance and how they are painted.

A marker is filled when visible, a hollow ring with a white cross when occluded; the model
score sets its opacity (see :func:`style.score_opacities`). A point outside the image gets a
red slashed ring on top (:func:`paint_off_image`): the export writes it absent
(:mod:`medpose_gui.core.image_bounds`). Markers keep their screen size
whatever the zoom: they are painted in device pixels at the mapped point positions.

Markers are plain data (:class:`Markers`); the frame's one
:class:`~medpose_gui.widgets.frame_view.items.annotation_layer.AnnotationLayer` paints those of every
instance in one ``paint`` call (see there why). Nothing here reacts to the mouse: the view's
bindings move points and the layer repaints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap, QTransform

from medpose_gui.core.image_bounds import on_image
from medpose_gui.widgets.frame_view.items import style
from medpose_gui.widgets.frame_view.items.frame_prep import OPACITY_STEPS
from medpose_gui.widgets.frame_view.items.geometry import device_xy

_R = style.POINT_RADIUS
EXTENT = _R + 5.0  # marker + selection ring + antialiasing, screen px
_RING = _R + 3.0  # selection / hover ring radius
_OCC_R = _R + 1.0  # occluded marker ring radius
_CROSS = _OCC_R * 0.45  # half-length of the occluded marker's cross arms

# Pens and brushes built once: painting runs for every instance on every repaint.
_NO_BRUSH = QBrush(Qt.BrushStyle.NoBrush)
_SELECT_DARK = QPen(QColor(0, 0, 0, 200), 4.0)
_SELECT_LIGHT = QPen(QColor(255, 255, 255), 2.0)
_HOVER = QPen(QColor(255, 255, 255, 220), 1.5)
_OUTLINE_THIN = QPen(style.OUTLINE, 1.0)
_OUTLINE_FILLED = QPen(style.OUTLINE, 1.5)
_CROSS_DARK = QPen(style.OUTLINE, 3.0)
_CROSS_LIGHT = QPen(QColor(255, 255, 255), 1.2)
OFF_IMAGE_COLOR = QColor(255, 40, 40)  # "not on the image: exported absent"
_OFF_IMAGE = QPen(OFF_IMAGE_COLOR, 1.6)
_OFF_R = _RING + 1.0  # outside the selection ring, inside EXTENT with the pen

# A marker (filled disc or occluded ring + cross, at one of OPACITY_STEPS opacities) is
# drawn once into a sprite and then blitted: one drawPixmap per point instead of up to four
# antialiased ellipses, four lines and an opacity change.
# Half sizes, screen px: ring + outline + antialiasing; a filled disc needs less than the
# occluded ring, and every pixel of a sprite is blended on each repaint.
_SPRITE_HALF = {True: int(np.ceil(_OCC_R + 1.5 + 2.0)), False: int(np.ceil(_R + 0.75 + 1.5))}
_sprites: dict[tuple[int, bool, int, float], QPixmap] = {}


@dataclass(frozen=True)
class MarkerState:
    """How point ``k`` is drawn (a query for tests and tools; painting does not use it)."""

    shown: bool
    occluded: bool
    opacity: float
    color_rgb: tuple[int, int, int]
    selected: bool
    hover: bool


def _sprite(rgba: int, occluded: bool, step: int, dpr: float) -> QPixmap:
    key = (rgba, occluded, step, dpr)
    pix = _sprites.get(key)
    if pix is None:
        half = _SPRITE_HALF[occluded]
        size = int(np.ceil(2 * half * dpr))
        pix = QPixmap(size, size)
        pix.setDevicePixelRatio(dpr)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setOpacity(step / OPACITY_STEPS)
        _draw_marker(p, QPointF(half, half), rgba, occluded)
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
        painter.setPen(QPen(QColor.fromRgba(rgba), 2.0))
        painter.drawEllipse(c, _OCC_R, _OCC_R)
        x, y, d = c.x(), c.y(), _CROSS
        for pen in (_CROSS_DARK, _CROSS_LIGHT):
            painter.setPen(pen)
            painter.drawLine(QPointF(x - d, y - d), QPointF(x + d, y + d))
            painter.drawLine(QPointF(x - d, y + d), QPointF(x + d, y - d))
    else:
        painter.setPen(_OUTLINE_FILLED)
        painter.setBrush(QBrush(QColor.fromRgba(rgba)))
        painter.drawEllipse(c, _R, _R)


def paint_off_image(painter: QPainter, t: QTransform, xy: np.ndarray, shown: np.ndarray,
                    image_size: tuple[int, int]) -> None:
    """Over the markers: a red ring crossed by a slash on each shown point outside the
    image of ``image_size`` (width, height); ``t`` maps image to device pixels."""
    off = np.flatnonzero(np.asarray(shown, dtype=bool) & ~on_image(xy, *image_size))
    if off.size == 0:
        return
    xs, ys = device_xy(xy[off], t)
    d = _OFF_R * 0.7071  # the slash runs from ring to ring at 45 degrees
    painter.setBrush(_NO_BRUSH)
    painter.setPen(_OFF_IMAGE)
    for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
        painter.drawEllipse(QPointF(x, y), _OFF_R, _OFF_R)
        painter.drawLine(QPointF(x - d, y + d), QPointF(x + d, y - d))


class Markers:
    """The markers of every point of one instance (positions in image pixels)."""

    def __init__(self) -> None:
        self.xy = np.zeros((0, 2))
        self._shown: list[bool] = []
        self._occluded: list[bool] = []
        self._opacity: list[float] = []
        self._rgba: Sequence[int] = ()  # QColor.rgba() per point
        self._selected_k = -1
        self._hover_k = -1
        self._order: list[int] = []  # the shown points (paint puts hovered/selected last)
        self._looks: list[tuple[int, bool, int]] = []  # sprite key per point (no dpr)
        self._sprites: list[QPixmap] = []  # the sprite per point, for _sprites_dpr
        self._half = np.zeros(0)  # half the sprite size per point, screen px
        self._sprites_dpr = 0.0

    # -- content ------------------------------------------------------------------
    def set_points(self, xy: np.ndarray, shown: list[bool], occluded: list[bool],
                   opacity: list[float], steps: list[int], rgba: Sequence[int]) -> None:
        """Replace all markers (``xy`` and the lists are kept, not copied: the owner moves
        points in ``xy`` during a drag).

        ``steps`` is the opacity in :data:`OPACITY_STEPS` steps (the sprite drawn),
        ``rgba`` the colour of each point (``QColor.rgba()``).
        """
        self.xy = xy
        self._shown, self._occluded, self._opacity = shown, occluded, opacity
        self._rgba = rgba
        self._looks = list(zip(rgba, occluded, steps, strict=True))
        self._half = np.array([_SPRITE_HALF[o] for o in occluded], dtype=np.float64)
        self._sprites_dpr = 0.0
        if not 0 <= self._hover_k < len(shown):
            self._hover_k = -1
        self._order = [i for i, on in enumerate(shown) if on]

    def set_selected_k(self, k: int) -> None:
        """Ring point ``k`` as selected (-1: none); it is drawn above the others."""
        self._selected_k = k

    def set_hover(self, k: int) -> None:
        """A thin ring on point ``k`` (-1: none): shows which point a press would grab."""
        self._hover_k = k

    @property
    def hover_k(self) -> int:
        return self._hover_k

    # -- queries ------------------------------------------------------------------
    def marker(self, k: int) -> MarkerState:
        """How point ``k`` is drawn now."""
        rgba = self._rgba[k]
        return MarkerState(bool(self._shown[k]), bool(self._occluded[k]),
                           float(self._opacity[k]),
                           ((rgba >> 16) & 255, (rgba >> 8) & 255, rgba & 255),
                           k == self._selected_k, k == self._hover_k)

    def marker_scene_rect(self, k: int, pixel: float) -> QRectF:
        """The area point ``k``'s marker may paint, in scene units (``pixel`` per screen px)."""
        e = EXTENT * pixel
        x, y = self.xy[k]
        return QRectF(float(x) - e, float(y) - e, 2 * e, 2 * e)

    # -- painting -----------------------------------------------------------------
    def paint(self, painter: QPainter, t: QTransform, dpr: float) -> None:
        """Draw the markers; ``painter`` is in device pixels, ``t`` maps image to device."""
        order = self._order
        if not order:
            return
        # The hovered and the selected point go last (selected on top), each over its ring.
        ringed = [i for i in dict.fromkeys((self._hover_k, self._selected_k)) if i in order]
        if ringed:
            order = [i for i in order if i not in ringed] + ringed
        n_plain = len(order) - len(ringed)
        half = self._half[order]
        centre_x, centre_y = device_xy(self.xy[order], t)
        dev_x, dev_y = (centre_x - half).tolist(), (centre_y - half).tolist()  # sprite corner
        if dpr != self._sprites_dpr:
            self._sprites = [_sprite(*look, dpr) for look in self._looks]
            self._sprites_dpr = dpr
        sprites = [self._sprites[i] for i in order]
        # A thousand points on a crowded frame: map() keeps the per-point Python work small.
        list(map(painter.drawPixmap, map(QPointF, dev_x[:n_plain], dev_y[:n_plain]),
                 sprites[:n_plain]))
        for j in range(n_plain, len(order)):
            self._paint_ring(painter, order[j], float(centre_x[j]), float(centre_y[j]))
            painter.drawPixmap(QPointF(dev_x[j], dev_y[j]), sprites[j])

    def _paint_ring(self, painter: QPainter, i: int, x: float, y: float) -> None:
        c = QPointF(x, y)
        painter.setBrush(_NO_BRUSH)
        if i == self._selected_k:
            painter.setPen(_SELECT_DARK)
            painter.drawEllipse(c, _RING, _RING)
        painter.setPen(_SELECT_LIGHT if i == self._selected_k else _HOVER)
        painter.drawEllipse(c, _RING, _RING)
