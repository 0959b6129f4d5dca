"""Where the instance tags go on screen: inside the view and never on top of each other.

Each tag wants to sit at its box's top-left corner. Persons lying close together (a medic
over a casualty, several detections of one person) have corners a few pixels apart, and
their tags piled up unreadably; a box at the edge of the view had its tag cut. The layout
keeps each tag inside the view and moves a tag that would cover one placed before it just
below that one (or above, when there is no room below), so overlapping persons' tags stack
like a short list next to the boxes. Pure arithmetic on screen rectangles; the annotation
layer paints the result.
"""

from __future__ import annotations

from collections.abc import Sequence

Rect = tuple[float, float, float, float]  # x, y, width, height in screen pixels
GAP = 1.0  # screen px between stacked tags


def _clamp(value: float, low: float, high: float) -> float:
    return low if high < low else min(max(value, low), high)


def _hit(x: float, y: float, w: float, h: float, placed: Sequence[Rect]) -> Rect | None:
    for px, py, pw, ph in placed:
        if x < px + pw and px < x + w and y < py + ph and py < y + h:
            return px, py, pw, ph
    return None


def layout_tags(wanted: Sequence[Rect], bounds: Rect | None) -> list[tuple[float, float]]:
    """Top-left corners for tags of the given size, in order of priority (the first keeps
    its place): inside ``bounds`` (None: anywhere) and not overlapping each other when there
    is room; a tag that finds no free place stays at its clamped position."""
    bx, by, bw, bh = bounds if bounds is not None else (-1e9, -1e9, 2e9, 2e9)
    placed: list[Rect] = []
    out: list[tuple[float, float]] = []
    for x, y, w, h in wanted:
        x = _clamp(x, bx, bx + bw - w)
        start = _clamp(y, by, by + bh - h)
        found = None
        for step in (1, -1):  # stack downwards first, then upwards
            y = start
            for _ in range(len(placed) + 1):
                hit = _hit(x, y, w, h, placed)
                if hit is None:
                    break
                y = hit[1] + hit[3] + GAP if step > 0 else hit[1] - h - GAP
            if _hit(x, y, w, h, placed) is None and by <= y <= by + bh - h:
                found = y
                break
        y = start if found is None else found
        placed.append((x, y, w, h))
        out.append((x, y))
    return out
