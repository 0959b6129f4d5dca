"""The graphics items of one instance, kept and reused across frames.

:class:`InstanceItems` shows an :class:`~medpose_gui.core.annotations.Instance` with its
schema's colours and edges, and offers the few in-place changes a drag needs
(:meth:`move_point`, :meth:`move_box`). It never edits anything: the view turns a finished
drag into a core edit and the project's new instance comes back through :meth:`show`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from medpose_gui.core.annotations import Instance, Source, Visibility
from medpose_gui.widgets.items import style
from medpose_gui.widgets.items.box_item import BoxItem
from medpose_gui.widgets.items.label_item import LabelItem
from medpose_gui.widgets.items.points_item import PointsItem
from medpose_gui.widgets.items.skeleton_item import SkeletonItem

if TYPE_CHECKING:
    from medpose_gui.core.schema import KeypointSchema


@dataclass(frozen=True)
class DisplayOptions:
    """What the frame view draws (``categories`` None = every category)."""

    show_boxes: bool = True
    show_labels: bool = True
    show_skeleton: bool = True
    min_score: float = 0.0  # hide predicted points scoring below this
    categories: frozenset[str] | None = None


class InstanceItems:
    """Box, label, skeleton and markers of one instance in a scene."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self.box = BoxItem()
        self.label = LabelItem()
        self.skeleton = SkeletonItem()
        self.points_item = PointsItem()
        for item in (self.box, self.label, self.skeleton, self.points_item):
            scene.addItem(item)
        self.inst: Instance | None = None
        self.names: tuple[str, ...] | None = None
        self.xy = np.zeros((0, 2))  # current point positions (moved live by a drag)
        self.bbox = np.zeros(4)  # current box (moved live by a drag)
        self.shown = np.zeros(0, dtype=bool)  # drawn and pickable points
        self.visible = False  # instance passes the category filter
        self.options = DisplayOptions()
        self._colors: list[QColor] = []
        self._edges: tuple[tuple[int, int], ...] = ()
        self._edge_colors: list[QColor] = []
        self._schema_key: tuple | None = None  # what _colors/_edges were built for
        self._selected, self._selected_k, self._pixel = False, -1, 1.0
        self._z_bonus: float | None = None  # selection bonus the z values were set for
        self._look_key: tuple | None = None  # what the box pen/fill were set for

    # -- content ------------------------------------------------------------------
    def show(self, inst: Instance, schema: KeypointSchema | None, options: DisplayOptions,
             pixel: float) -> None:
        """Draw ``inst`` (reusing this object's items) under ``options``."""
        self.inst, self.options, self._pixel = inst, options, pixel
        for item in (self.box, self.skeleton, self.points_item):
            item.set_pixel_size(pixel)  # a pooled item may come from another zoom
        self.visible = options.categories is None or inst.category in options.categories
        k = inst.num_keypoints
        self._use_schema(schema, inst.category, k)
        self.xy = inst.keypoints[:, :2].copy()
        self.bbox = inst.box.copy()
        vis = inst.keypoints[:, 2]
        scores = inst.scores
        confident = np.isnan(scores) | (scores >= options.min_score)
        self.shown = (vis > Visibility.ABSENT) & confident & self.visible
        occluded = vis == Visibility.OCCLUDED
        opacity = style.score_opacities(scores)

        # Plain lists: the item reads them per point while painting.
        self.points_item.set_points(self.xy, self.shown.tolist(), occluded.tolist(),
                                    opacity.tolist(), self._colors)
        _set_visible(self.points_item, self.visible)

        self.skeleton.set_skeleton(self.xy, self.shown, occluded, self._edges,
                                   self._edge_colors)
        _set_visible(self.skeleton, self.visible and options.show_skeleton)

        self.box.set_rect(*self.bbox)
        _set_visible(self.box, self.visible and options.show_boxes)
        self.label.set_label(style.instance_text(inst), style.category_color(inst.category),
                             translucent=inst.source == Source.PREDICTED)
        _set_visible(self.label, self.visible and options.show_labels)
        self._place_label()
        self._restyle()

    def _use_schema(self, schema: KeypointSchema | None, category: str, k: int) -> None:
        """Names, colours and edges for this instance (rebuilt only when they change)."""
        key = (id(schema), category, k)
        if key == self._schema_key:
            return
        self._schema_key = key
        self.names = tuple(schema.keypoints) if schema is not None else None
        fallback = style.category_color(category)
        rgb = list(schema.keypoint_colors) if schema is not None else []
        self._colors = [QColor(*rgb[i]) if i < len(rgb) else fallback for i in range(k)]
        self._edges = tuple(schema.edges) if schema is not None else ()
        edge_rgb = list(schema.edge_colors) if schema is not None else []
        self._edge_colors = [QColor(*edge_rgb[i]) if i < len(edge_rgb) else fallback
                             for i in range(len(self._edges))]

    # -- selection and zoom -------------------------------------------------------
    def set_selected(self, selected: bool, k: int | None) -> None:
        """Highlight the instance (box fill + handles) and point ``k`` of it."""
        k = -1 if k is None or not selected else k
        if selected == self._selected and k == self._selected_k:
            return
        self._selected, self._selected_k = selected, k
        self.points_item.set_selected_k(k)
        self._restyle()

    def _restyle(self) -> None:
        if self.inst is None:
            return
        selected = self._selected
        look = (self.inst.category, self.inst.source, selected)
        if look != self._look_key:  # pens are rebuilt only when the look changes
            self._look_key = look
            fill = QBrush()
            if selected:
                tint = style.category_color(self.inst.category)
                tint.setAlpha(28)
                fill = QBrush(tint)
            self.box.set_look(style.box_pen(self.inst.category, self.inst.source, selected),
                              fill)
        self.box.set_handles_visible(selected and self.box.isVisible())
        bonus = style.Z_SELECTED_BONUS if selected else 0.0
        if bonus != self._z_bonus:
            self._z_bonus = bonus
            self.box.setZValue(style.Z_BOX + bonus)
            self.skeleton.setZValue(style.Z_SKELETON + bonus)
            self.points_item.setZValue(style.Z_POINT + bonus)
            self.label.setZValue(style.Z_LABEL + bonus)

    def set_pixel_size(self, pixel: float) -> None:
        """Adapt to a zoom: repaint margins and where the label fits."""
        self._pixel = pixel
        self.box.set_pixel_size(pixel)
        self.skeleton.set_pixel_size(pixel)
        self.points_item.set_pixel_size(pixel)
        self._place_label()

    def _place_label(self) -> None:
        x1, y1 = min(self.bbox[0], self.bbox[2]), min(self.bbox[1], self.bbox[3])
        pos = QPointF(float(x1), float(y1))
        if pos != self.label.pos():
            self.label.setPos(pos)
        # Above the box unless that would leave the image (tag height in scene units).
        self.label.set_inside(y1 < (self.label.tag_height() + 2.0) * self._pixel)

    # -- live changes during a drag ----------------------------------------------
    def move_point(self, k: int, x: float, y: float) -> None:
        self.xy[k] = (x, y)
        self.points_item.move_point(k, x, y)
        self.skeleton.move_point(k, x, y)

    def move_box(self, box: np.ndarray) -> None:
        self.bbox = np.asarray(box, dtype=np.float64).copy()
        self.box.set_rect(*self.bbox)
        self._place_label()

    # -- life cycle ---------------------------------------------------------------
    def hide(self) -> None:
        """Park the items (kept for reuse by the next frame)."""
        self.inst = None
        self.visible = False
        self.shown = np.zeros(0, dtype=bool)
        self._selected, self._selected_k = False, -1
        self.points_item.set_selected_k(-1)
        self.points_item.set_hover(-1)
        for item in (self.box, self.label, self.skeleton, self.points_item):
            _set_visible(item, False)


def _set_visible(item: QGraphicsItem, on: bool) -> None:
    """``setVisible`` only on a change (each call costs a scene update in Qt)."""
    if item.isVisible() != on:
        item.setVisible(on)
