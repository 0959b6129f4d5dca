"""Box arithmetic written once: normalising a box and converting between x1,y1,x2,y2 and x,y,w,h.

Inside the program a box is x1,y1,x2,y2 in image pixels (DESIGN.md conventions); COCO files
carry x,y,w,h. Every writer and reader of a file, the quality report and the editors use
these functions, so the two forms never drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Coordinates are written with 1/1000 px resolution. Rounding makes x,y,w,h <-> x1,y1,x2,y2
# exact in both directions (x + w - x is not always w in binary floating point), which is
# what makes export -> import -> export byte-identical.
COORD_DECIMALS = 3


def round_coord(value: float) -> float:
    """A coordinate at the resolution the files carry (1/1000 px)."""
    return round(float(value), COORD_DECIMALS)


def normalise_box(box: Sequence[float] | np.ndarray) -> np.ndarray:
    """x1,y1,x2,y2 with x1 <= x2 and y1 <= y2 (a box dragged out or resized past itself)."""
    x1, y1, x2, y2 = (float(v) for v in box)
    return np.array([min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)])


def xyxy_to_xywh(box: Sequence[float] | np.ndarray) -> list[float]:
    """x1,y1,x2,y2 (program) -> x,y,w,h (COCO), rounded to the files' resolution.

    The corners are rounded first, then the width and height: reading the result back with
    :func:`xywh_to_xyxy` and converting again gives the same numbers.
    """
    x1, y1, x2, y2 = (round_coord(v) for v in box)
    return [x1, y1, round_coord(x2 - x1), round_coord(y2 - y1)]


def xywh_to_xyxy(box: Sequence[float] | np.ndarray) -> np.ndarray:
    """x,y,w,h (COCO) -> x1,y1,x2,y2 (program)."""
    x, y, w, h = (float(v) for v in box)
    return np.array([x, y, x + w, y + h], dtype=np.float64)
