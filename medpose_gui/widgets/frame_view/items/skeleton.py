"""The skeleton lines of the instances on a frame (cosmetic lines, schema colours).

Edges to an absent point are not drawn; an edge touching an occluded point is dashed.
:class:`Skeleton` is one instance's data; :func:`paint_skeletons` draws the lines of many
instances batched by colour, so a crowded frame costs a handful of ``drawLines`` calls.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QLineF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QTransform

from medpose_gui.widgets.frame_view.items import style
from medpose_gui.widgets.frame_view.items.geometry import device_xy

_LINE_OUTLINE = QColor(25, 25, 25)  # opaque: translucent wide lines are slow to raster
_OUTLINE_PEN = QPen(_LINE_OUTLINE, style.SKELETON_WIDTH + 2.0, Qt.PenStyle.SolidLine,
                    Qt.PenCapStyle.FlatCap)
_pens: dict[tuple[int, bool], QPen] = {}
CROWD_LINES = 500  # more lines than this (25 full skeletons) are drawn without antialiasing


def _pen(rgb: int, dashed: bool) -> QPen:
    pen = _pens.get((rgb, dashed))
    if pen is None:
        pen = _pens[(rgb, dashed)] = QPen(
            QColor.fromRgb(rgb), style.SKELETON_WIDTH,
            Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap)
    return pen


class _EdgeLooks:
    """Numbers for edge looks, so many skeletons sort and batch in numpy.

    Colour number ``c`` gives id ``2c`` when solid and ``2c + 1`` when dashed.
    """

    def __init__(self) -> None:
        self._numbers: dict[int, int] = {}
        self._rgbs: list[int] = []

    def id(self, rgb: int, dashed: bool) -> int:
        number = self._numbers.get(rgb)
        if number is None:
            number = self._numbers[rgb] = len(self._rgbs)
            self._rgbs.append(rgb)
        return 2 * number + int(dashed)

    def look(self, look_id: int) -> tuple[int, bool]:
        """(rgb, dashed) of an id."""
        return self._rgbs[look_id // 2], bool(look_id % 2)


_LOOKS = _EdgeLooks()


class EdgeSet:
    """A schema's edges as index arrays with their look ids, built once per schema."""

    def __init__(self, edges: Sequence[tuple[int, int]], colors: Sequence[QColor],
                 num_points: int) -> None:
        kept = [(i, p, q) for i, (p, q) in enumerate(edges) if p < num_points and q < num_points]
        self.a = np.array([p for _, p, _ in kept], dtype=np.intp)
        self.b = np.array([q for _, _, q in kept], dtype=np.intp)
        rgbs = [colors[i].rgb() if i < len(colors) else 0xFFFFFFFF for i, _, _ in kept]
        self.solid = np.array([_LOOKS.id(rgb, False) for rgb in rgbs], dtype=np.intp)
        self.dashed = np.array([_LOOKS.id(rgb, True) for rgb in rgbs], dtype=np.intp)


_NO_EDGES = EdgeSet((), (), 0)


class Skeleton:
    """The drawable edges of one instance."""

    def __init__(self) -> None:
        self.xy = np.zeros((0, 2))
        self.visible = False
        self.edges = _NO_EDGES
        self.drawn = np.zeros(0, dtype=bool)  # per schema edge: both ends shown
        self.look_ids = np.zeros(0, dtype=np.intp)  # per schema edge: colour and dashes

    def set_edges(self, xy: np.ndarray, edges: EdgeSet, drawn: np.ndarray,
                  look_ids: np.ndarray) -> None:
        """Replace everything drawn (``xy`` is kept, not copied: the owner moves points in
        it during a drag; the other arrays are per edge of ``edges``)."""
        self.xy = xy
        self.edges, self.drawn, self.look_ids = edges, drawn, look_ids


def paint_skeletons(painter: QPainter, t: QTransform, skeletons: Sequence[Skeleton]) -> None:
    """Draw the lines of ``skeletons`` (painter in device pixels, ``t`` image to device).

    Qt's raster engine strokes antialiased round-capped or translucent wide lines 10-50x
    slower than opaque flat-capped ones (bench/bench_frame_view.py), so lines are opaque and
    flat (the markers cover the joints). All edges of all skeletons are mapped in one numpy
    pass and drawn with one ``drawLines`` per colour. Confidence shows on the markers, not
    on the lines. All outlines go first so no dark rim crosses a coloured line.
    """
    drawn = [s for s in skeletons if len(s.drawn)]
    if not drawn:
        return
    # Every edge of every skeleton in one set of arrays: point indexes shifted to the
    # stacked points, then the edges not drawn dropped, then sorted solid first, by look.
    starts = np.cumsum([0] + [len(s.xy) for s in drawn[:-1]])
    counts = [len(s.drawn) for s in drawn]
    xy = np.concatenate([s.xy for s in drawn])
    shift = np.repeat(starts, counts)
    keep = np.concatenate([s.drawn for s in drawn])
    a = (np.concatenate([s.edges.a for s in drawn]) + shift)[keep]
    b = (np.concatenate([s.edges.b for s in drawn]) + shift)[keep]
    look_ids = np.concatenate([s.look_ids for s in drawn])[keep]
    if not len(look_ids):
        return
    dashed = look_ids % 2
    order = np.lexsort((look_ids, dashed))  # solid edges first, then by look
    a, b, look_ids, dashed = a[order], b[order], look_ids[order], dashed[order]
    dev_x, dev_y = device_xy(xy, t)
    lines = list(map(QLineF, dev_x[a].tolist(), dev_y[a].tolist(),
                     dev_x[b].tolist(), dev_y[b].tolist()))
    cuts = np.flatnonzero(np.diff(look_ids)) + 1
    bounds = [0, *cuts.tolist(), len(lines)]
    n_solid = len(lines) - int(dashed.sum())
    if n_solid:
        # The dark rim without antialiasing: a third of the cost on long lines, and its
        # steps hide under the antialiased coloured line drawn over its middle.
        hints = painter.renderHints()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(_OUTLINE_PEN)
        painter.drawLines(lines[:n_solid])
        painter.setRenderHints(hints)
    # A crowd (the detector's 25-70 persons on a frame) is drawn without antialiasing: on
    # a thousand long lines it triples the raster time of a repaint, and there is no fine
    # detail to see in such a tangle anyway.
    crowd = len(lines) > CROWD_LINES
    hints = painter.renderHints()
    if crowd:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        painter.setPen(_pen(*_LOOKS.look(int(look_ids[lo]))))
        painter.drawLines(lines[lo:hi])
    painter.setRenderHints(hints)
