"""What one instance looks like on the frame view, kept and reused across frames.

:class:`InstanceItems` turns an :class:`~medpose_gui.core.annotations.Instance` into its
box, label, skeleton and markers (schema colours and edges, display options) and offers
the few in-place changes a drag needs (:meth:`move_point`, :meth:`move_box`). The frame's
:class:`~.annotation_layer.AnnotationLayer` paints it. It never edits anything: the view
turns a finished drag into a core edit and the project's new instance comes back through
:meth:`show`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush

from medpose_gui.core.annotations import Instance, Source
from medpose_gui.widgets.frame_view.items import style
from medpose_gui.widgets.frame_view.items.box import HANDLE_EXTENT, Box
from medpose_gui.widgets.frame_view.items.label import Label
from medpose_gui.widgets.frame_view.items.markers import EXTENT as MARKER_EXTENT
from medpose_gui.widgets.frame_view.items.markers import Markers
from medpose_gui.widgets.frame_view.items.skeleton import Skeleton

if TYPE_CHECKING:
    from medpose_gui.widgets.frame_view.items.annotation_layer import AnnotationLayer
    from medpose_gui.widgets.frame_view.items.frame_prep import PreparedInstance, SchemaLook

_BOX_MARGIN = max(3.0, HANDLE_EXTENT)  # pen and handles beyond the box edge, screen px


@dataclass(frozen=True)
class DisplayOptions:
    """What the frame view draws (``categories`` None = every category)."""

    show_boxes: bool = True
    show_labels: bool = True
    show_skeleton: bool = True
    min_score: float = 0.0  # hide predicted points scoring below this
    categories: frozenset[str] | None = None
    solo_track: int | None = None  # "show only this person": only this track is drawn

    def shows(self, category: str, track_id: int | None = None) -> bool:
        """Whether a person of ``category`` in track ``track_id`` passes the filters."""
        return ((self.categories is None or category in self.categories)
                and (self.solo_track is None or track_id == self.solo_track))


class InstanceItems:
    """Box, label, skeleton and markers of one instance."""

    def __init__(self, layer: AnnotationLayer) -> None:
        self.layer = layer
        self.box = Box()
        self.label = Label()
        self.skeleton = Skeleton()
        self.markers = Markers()
        self.inst: Instance | None = None
        self.names: tuple[str, ...] | None = None
        self.xy = np.zeros((0, 2))  # current point positions (moved live by a drag)
        self.bbox = np.zeros(4)  # current box (moved live by a drag)
        self.shown = np.zeros(0, dtype=bool)  # drawn and pickable points
        self.visible = False  # instance passes the category filter
        self.options = DisplayOptions()
        self.extent = QRectF()  # where it paints, image pixels (repaint and culling area)
        self._selected, self._selected_k, self._pixel = False, -1, 1.0

    # -- content ------------------------------------------------------------------
    def show(self, inst: Instance, look: SchemaLook, prep: PreparedInstance,
             options: DisplayOptions, pixel: float) -> None:
        """Show ``inst`` (``prep`` from :func:`.frame_prep.prepare`) under ``options``.

        The view repaints the layer afterwards.
        """
        self.inst, self.options, self._pixel = inst, options, pixel
        self.visible = options.shows(inst.category, inst.track_id)
        self.names = look.names
        self.xy = inst.keypoints[:, :2].copy()  # shared by markers and skeleton
        self.bbox = inst.box.copy()
        self.shown = prep.shown
        self.markers.set_points(self.xy, prep.shown_list, prep.occluded_list,
                                prep.opacity_list, prep.step_list, look.rgba)
        self.skeleton.set_edges(self.xy, look.edges, prep.edge_drawn, prep.edge_looks)
        self.skeleton.visible = self.visible and options.show_skeleton
        self.box.set_rect(*self.bbox.tolist())
        self.box.visible = self.visible and options.show_boxes
        self.label.set_label(style.instance_text(inst),
                             style.person_rgba(inst.category, inst.track_id),
                             translucent=inst.source == Source.PREDICTED)
        self.label.visible = self.visible and options.show_labels
        self._restyle()
        self._place_label()
        self._refresh_extent(prep.points_box)

    # -- selection, hover and zoom ------------------------------------------------
    def set_selected(self, selected: bool, k: int | None) -> None:
        """Highlight the instance (box fill + handles) and point ``k`` of it."""
        k = -1 if k is None or not selected else k
        if selected == self._selected and k == self._selected_k:
            return
        self._selected, self._selected_k = selected, k
        self.markers.set_selected_k(k)
        self._restyle()  # the view repaints the layer with the new drawing order

    def set_hover(self, k: int) -> None:
        """Ring point ``k`` (-1: none) as the one a press would grab."""
        old = self.markers.hover_k
        if k == old:
            return
        self.markers.set_hover(k)
        for j in (old, k):
            if 0 <= j < len(self.xy):
                self.layer.repaint_area(self.markers.marker_scene_rect(j, self._pixel))

    def _restyle(self) -> None:
        if self.inst is None:
            return
        selected = self._selected
        category, track = self.inst.category, self.inst.track_id
        look = (category, self.inst.source, selected, track)
        if look != self.box.look_key:  # pens are rebuilt only when the look changes
            fill = QBrush()
            if selected:
                tint = style.person_color(category, track)
                tint.setAlpha(28)
                fill = QBrush(tint)
            self.box.set_look(style.box_pen(category, self.inst.source, selected, track),
                              fill, look)
        self.box.handles_visible = selected

    def set_pixel_size(self, pixel: float) -> None:
        """Adapt to a zoom: where the label fits and the screen-sized margins."""
        self._pixel = pixel
        self._place_label()
        self._refresh_extent()

    def _place_label(self) -> None:
        x1, y1 = min(self.bbox[0], self.bbox[2]), min(self.bbox[1], self.bbox[3])
        self.label.anchor = (float(x1), float(y1))
        # Above the box unless that would leave the image (tag height in scene units).
        self.label.inside = y1 < (self.label.tag_height() + 2.0) * self._pixel

    def _refresh_extent(self, points_box: tuple[float, float, float, float] | None = None
                        ) -> None:
        """Where the instance paints; ``points_box`` spares finding the shown points' extent."""
        px = self._pixel
        extent = QRectF()
        if self.box.visible:
            m = _BOX_MARGIN * px
            extent = self.box.rect().adjusted(-m, -m, m, m)
        if points_box is None and self.shown.any():
            pts = self.xy[self.shown]
            points_box = (*pts.min(axis=0).tolist(), *pts.max(axis=0).tolist())
        if points_box is not None:
            x1, y1, x2, y2 = points_box
            m = MARKER_EXTENT * px
            extent = extent.united(QRectF(x1 - m, y1 - m, x2 - x1 + 2 * m, y2 - y1 + 2 * m))
        if self.label.visible:
            extent = extent.united(self.label.scene_rect(px).adjusted(-px, -px, px, px))
        self.extent = extent

    # -- live changes during a drag ----------------------------------------------
    def move_point(self, k: int, x: float, y: float) -> None:
        before = self.extent
        self.xy[k] = (x, y)  # the markers' and the skeleton's positions too
        self._refresh_extent()
        self.layer.repaint_area(before.united(self.extent))

    def move_box(self, box: np.ndarray) -> None:
        before = self.extent
        self.bbox = np.asarray(box, dtype=np.float64).copy()
        self.box.set_rect(*self.bbox)
        self._place_label()
        self._refresh_extent()
        self.layer.repaint_area(before.united(self.extent))

    # -- life cycle ---------------------------------------------------------------
    def hide(self) -> None:
        """Park the items (kept for reuse by the next frame)."""
        self.inst = None
        self.visible = False
        self.shown = np.zeros(0, dtype=bool)
        self._selected, self._selected_k = False, -1
        self.markers.set_selected_k(-1)
        self.markers.set_hover(-1)
        self.box.visible = self.label.visible = self.skeleton.visible = False
        self.extent = QRectF()
