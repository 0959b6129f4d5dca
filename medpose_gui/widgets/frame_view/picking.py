"""What is under the cursor in the frame view: a keypoint, a box handle or body, or nothing.

Clicks, the hover ring, the cursor shape, tooltips and the context menu all ask
:func:`hit_test`, so what a press grabs is always what the cursor showed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt

from medpose_gui.widgets.frame_view.items import style
from medpose_gui.widgets.frame_view.items.geometry import BODY, box_hit, nearest_point

if TYPE_CHECKING:
    from medpose_gui.widgets.frame_view.view import FrameView

HANDLE_CURSORS = {
    "n": Qt.CursorShape.SizeVerCursor, "s": Qt.CursorShape.SizeVerCursor,
    "e": Qt.CursorShape.SizeHorCursor, "w": Qt.CursorShape.SizeHorCursor,
    "nw": Qt.CursorShape.SizeFDiagCursor, "se": Qt.CursorShape.SizeFDiagCursor,
    "ne": Qt.CursorShape.SizeBDiagCursor, "sw": Qt.CursorShape.SizeBDiagCursor,
    BODY: Qt.CursorShape.SizeAllCursor,
}


@dataclass(frozen=True)
class Hit:
    """What is under the cursor: a point, a part of a box, or nothing (uid "")."""

    uid: str = ""
    k: int = -1  # point index, -1 for a box
    part: str = ""  # handle name or BODY for a box

    @property
    def is_point(self) -> bool:
        return self.k >= 0


def hit_test(view: FrameView, pos: QPointF) -> Hit:
    """The point, box edge/corner or box body at scene position ``pos``.

    Points beat boxes; the selected instance beats the others; among boxes containing
    the cursor the smallest wins, so a box nested in another stays reachable.
    """
    px = view.pixel_size()
    x, y = pos.x(), pos.y()
    selected = view.selected_uid()
    best_point: tuple[float, str, int] | None = None
    for uid, items in view.displayed_items():
        k, dist = nearest_point(items.xy, items.shown, x, y, style.POINT_PICK_RADIUS * px)
        if k >= 0:
            rank = dist - (1e-6 if uid == selected else 0.0)  # ties go to the selection
            if best_point is None or rank < best_point[0]:
                best_point = (rank, uid, k)
    if best_point is not None:
        return Hit(best_point[1], best_point[2])
    best_box: tuple[tuple[int, float], str, str] | None = None
    for uid, items in view.displayed_items():
        if not items.options.show_boxes:
            continue
        part = box_hit(items.bbox, x, y, style.EDGE_PICK_TOLERANCE * px)
        if part is None:
            continue
        x1, y1, x2, y2 = items.bbox
        rank = (0 if uid == selected and part != BODY else 1, abs((x2 - x1) * (y2 - y1)))
        if best_box is None or rank < best_box[0]:
            best_box = (rank, uid, part)
    return Hit(best_box[1], part=best_box[2]) if best_box is not None else Hit()


def hover_cursor(hit: Hit) -> Qt.CursorShape:
    if hit.is_point:
        return Qt.CursorShape.PointingHandCursor
    if hit.uid:
        return HANDLE_CURSORS[hit.part]
    return Qt.CursorShape.ArrowCursor


def hover_text(view: FrameView, hit: Hit) -> str:
    """Status-bar text for what is under the cursor (empty over the background)."""
    items = view.items_for(hit.uid) if hit.uid else None
    if items is None or items.inst is None:
        return ""
    inst = items.inst
    if hit.is_point:
        name = style.keypoint_name(items.names, hit.k)
        return style.keypoint_text(name, float(inst.scores[hit.k]), int(inst.keypoints[hit.k, 2]))
    return style.instance_text(inst)
