"""The small tag on an instance's box: ``patient 0.97 · predicted``.

Constant screen size; anchored at the box's top-left corner, drawn just above the box
(or just inside it when the box touches the top of the image and the tag would be cut);
the annotation layer moves tags that would overlap or leave the view (:mod:`.label_layout`).
Tags are rendered once into pixmaps and blitted: shaping text on every repaint made a
crowded frame slow to show (bench/bench_gui_latency.py).
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen, QPixmap, QTransform

_PAD_X, _PAD_Y = 4.0, 1.0
_TEXT = QColor(15, 15, 15)  # dark text on the bright category colours reads on any frame
_CACHE_SIZE = 1024  # tags kept rendered (texts differ by category, score and source)


class _TagRenderer:
    """Font, text widths and the rendered tags (built on first use: needs a QGuiApplication)."""

    def __init__(self) -> None:
        self.font = QFont()
        self.font.setPointSizeF(8.5)
        self.font.setBold(True)
        self.metrics = QFontMetricsF(self.font)
        self._widths: dict[str, float] = {}
        self._pixmaps: OrderedDict[tuple, QPixmap] = OrderedDict()

    def size(self, text: str) -> tuple[float, float]:
        width = self._widths.get(text)
        if width is None:
            width = self._widths[text] = self.metrics.horizontalAdvance(text) + 2 * _PAD_X
        return width, self.metrics.height() + 2 * _PAD_Y

    def pixmap(self, text: str, rgba: int, translucent: bool, dpr: float) -> QPixmap:
        key = (text, rgba, translucent, dpr)
        pix = self._pixmaps.get(key)
        if pix is not None:
            self._pixmaps.move_to_end(key)
            return pix
        w, h = self.size(text)
        pix = QPixmap(int(w * dpr + 0.999), int(h * dpr + 0.999))
        pix.setDevicePixelRatio(dpr)
        pix.fill(Qt.GlobalColor.transparent)
        fill = QColor.fromRgba(rgba)
        if translucent:
            fill.setAlpha(150)
        p = QPainter(pix)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(fill))
        p.drawRect(QRectF(0, 0, w, h))
        p.setPen(QPen(_TEXT))
        p.setFont(self.font)
        p.drawText(QPointF(_PAD_X, _PAD_Y + self.metrics.ascent()), text)
        p.end()
        self._pixmaps[key] = pix
        if len(self._pixmaps) > _CACHE_SIZE:
            self._pixmaps.popitem(last=False)
        return pix


_renderer: _TagRenderer | None = None


def _tags() -> _TagRenderer:
    global _renderer
    if _renderer is None:
        _renderer = _TagRenderer()
    return _renderer


class Label:
    """Text on a coloured tag; predicted tags are translucent, edited ones opaque."""

    def __init__(self) -> None:
        self._text = ""
        self._rgba = 0xFFFFFFFF
        self._translucent = False
        self._size = (0.0, 0.0)  # tag width, height in screen px
        self.anchor = (0.0, 0.0)  # box top-left, image pixels
        self.inside = False  # drawn below the anchor (inside the box)
        self.visible = False

    @property
    def text(self) -> str:
        return self._text

    def set_label(self, text: str, rgba: int, translucent: bool) -> None:
        """Show ``text`` on a tag of colour ``rgba`` (``QColor.rgba()``)."""
        self._text, self._rgba, self._translucent = text, rgba, translucent
        self._size = _tags().size(text) if text else (0.0, 0.0)

    def tag_height(self) -> float:
        return self._size[1]

    def scene_rect(self, pixel: float) -> QRectF:
        """Where the tag is, in image pixels (``pixel`` scene units per screen pixel)."""
        w, h = self._size[0] * pixel, self._size[1] * pixel
        x, y = self.anchor
        return QRectF(x, y if self.inside else y - h, w, h)

    def wanted_rect(self, t: QTransform) -> tuple[float, float, float, float]:
        """Where the tag would go on screen (x, y, width, height) before the layout."""
        x, y = t.map(*self.anchor)
        top = y if self.inside else y - self._size[1]
        return x, top, self._size[0], self._size[1]

    def paint(self, painter: QPainter, t: QTransform, dpr: float,
              at: tuple[float, float] | None = None) -> None:
        """Blit the tag at its anchor, or at screen position ``at`` (the layout's)."""
        if not self._text:
            return
        x, top = at if at is not None else self.wanted_rect(t)[:2]
        painter.drawPixmap(QPointF(round(x), round(top)),
                           _tags().pixmap(self._text, self._rgba, self._translucent, dpr))
