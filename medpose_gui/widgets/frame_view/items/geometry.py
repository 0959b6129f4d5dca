"""Pure geometry of the frame view: picking points and box handles, resizing, clamping.

No Qt here: everything is numpy/float in image (scene) coordinates, so picking and resizing
are tested without a window. Tolerances arrive already converted from screen pixels to
scene units by the caller (tolerance_px / zoom).
"""

from __future__ import annotations

import numpy as np

from medpose_gui.core.boxes import normalise_box

# Box handle names: compass points of the edges/corners a drag moves; "body" moves the box.
CORNERS = ("nw", "ne", "se", "sw")
EDGES = ("n", "e", "s", "w")
HANDLES = CORNERS + EDGES
BODY = "body"


def handle_positions(box: np.ndarray) -> dict[str, tuple[float, float]]:
    """Scene position of each of the 8 handles of an x1,y1,x2,y2 box."""
    x1, y1, x2, y2 = (float(v) for v in box)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    return {"nw": (x1, y1), "ne": (x2, y1), "se": (x2, y2), "sw": (x1, y2),
            "n": (cx, y1), "e": (x2, cy), "s": (cx, y2), "w": (x1, cy)}


def box_hit(box: np.ndarray, x: float, y: float, tol: float) -> str | None:
    """Which part of ``box`` is at (x, y): a handle name, ``BODY`` or None.

    Corners win over edges, edges over the body; an edge is grabbable along its whole
    length (within ``tol``), not only at its middle handle.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    if not (x1 - tol <= x <= x2 + tol and y1 - tol <= y <= y2 + tol):
        return None
    near_w, near_e = abs(x - x1) <= tol, abs(x - x2) <= tol
    near_n, near_s = abs(y - y1) <= tol, abs(y - y2) <= tol
    # A box smaller than 2 tol would be all edges: pick the nearer side.
    if near_w and near_e:
        near_w, near_e = abs(x - x1) <= abs(x - x2), abs(x - x1) > abs(x - x2)
    if near_n and near_s:
        near_n, near_s = abs(y - y1) <= abs(y - y2), abs(y - y1) > abs(y - y2)
    vertical = "n" if near_n else "s" if near_s else ""
    horizontal = "w" if near_w else "e" if near_e else ""
    if vertical or horizontal:
        return vertical + horizontal
    return BODY


def resize_box(box: np.ndarray, part: str, dx: float, dy: float) -> np.ndarray:
    """The box after dragging ``part`` (a handle or ``BODY``) by (dx, dy); not normalised."""
    x1, y1, x2, y2 = (float(v) for v in box)
    if part == BODY:
        return np.array([x1 + dx, y1 + dy, x2 + dx, y2 + dy])
    if "w" in part:
        x1 += dx
    if "e" in part:
        x2 += dx
    if "n" in part:
        y1 += dy
    if "s" in part:
        y2 += dy
    return np.array([x1, y1, x2, y2])


def clamp_point(x: float, y: float, width: float | None, height: float | None
                ) -> tuple[float, float]:
    """(x, y) inside the image [0, width] x [0, height]; unchanged when the size is unknown."""
    if width is None or height is None:
        return float(x), float(y)
    return min(max(float(x), 0.0), float(width)), min(max(float(y), 0.0), float(height))


def clamp_box_translation(box: np.ndarray, dx: float, dy: float, width: float | None,
                          height: float | None) -> tuple[float, float]:
    """Shorten a body drag so the whole box stays inside the image (keeps its size)."""
    if width is None or height is None:
        return dx, dy
    x1, y1, x2, y2 = (float(v) for v in normalise_box(box))
    dx = min(max(dx, -x1), float(width) - x2) if x2 - x1 <= width else dx
    dy = min(max(dy, -y1), float(height) - y2) if y2 - y1 <= height else dy
    return dx, dy


def nearest_point(xy: np.ndarray, shown: np.ndarray, x: float, y: float, radius: float
                  ) -> tuple[int, float]:
    """Index of the shown point nearest to (x, y) within ``radius`` and its distance.

    Returns (-1, inf) when none is close enough. ``xy`` is (K, 2), ``shown`` (K,) bool.
    """
    if xy.size == 0 or not shown.any():
        return -1, float("inf")
    d2 = (xy[:, 0] - x) ** 2 + (xy[:, 1] - y) ** 2
    d2 = np.where(shown, d2, np.inf)
    k = int(np.argmin(d2))
    dist = float(np.sqrt(d2[k]))
    return (k, dist) if dist <= radius else (-1, float("inf"))


def shown_extent(xy: np.ndarray, shown: np.ndarray) -> tuple[float, float, float, float] | None:
    """x, y, width, height of the shown points (None when no point is shown)."""
    shown = np.asarray(shown, dtype=bool)
    if not shown.any():
        return None
    pts = np.asarray(xy)[shown]
    x1, y1 = pts.min(axis=0)
    x2, y2 = pts.max(axis=0)
    return float(x1), float(y1), float(x2 - x1), float(y2 - y1)


def device_xy(xy: np.ndarray, t) -> tuple[np.ndarray, np.ndarray]:
    """x and y of (N, 2) image points under ``t``, the painter's affine world transform
    (anything with QTransform's ``m11() .. dy()``): where they land in device pixels."""
    x, y = xy[:, 0], xy[:, 1]
    return x * t.m11() + y * t.m21() + t.dx(), x * t.m12() + y * t.m22() + t.dy()
