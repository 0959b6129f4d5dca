"""What the frame view derives from a frame's instances, computed for all of them at once.

Showing a frame turns each instance's keypoints and scores into drawn/occluded masks,
marker opacities, the skeleton edges to draw and the extent of its points. Done one
instance at a time that was some twenty small numpy calls per person, most of the time a
crowded frame (25-70 persons from the detector) took to show. Here instances that share a
schema are stacked and every quantity is one numpy call per frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtGui import QColor

from medpose_gui.core.annotations import Instance, Visibility
from medpose_gui.widgets.frame_view.items import style
from medpose_gui.widgets.frame_view.items.skeleton import EdgeSet

if TYPE_CHECKING:
    from medpose_gui.core.schema import KeypointSchema
    from medpose_gui.widgets.frame_view.items.instance_items import DisplayOptions

OPACITY_STEPS = 20  # marker opacities drawn: 20 steps look continuous


@dataclass(frozen=True)
class SchemaLook:
    """Names, point colours and edges of one category's schema for K points."""

    names: tuple[str, ...] | None
    rgba: tuple[int, ...]  # QColor.rgba() per point
    edges: EdgeSet

    @classmethod
    def build(cls, schema: KeypointSchema | None, category: str, k: int) -> SchemaLook:
        fallback = style.category_color(category)
        rgb = list(schema.keypoint_colors) if schema is not None else []
        colors = tuple(QColor(*rgb[i]) if i < len(rgb) else fallback for i in range(k))
        edges = tuple(schema.edges) if schema is not None else ()
        edge_rgb = list(schema.edge_colors) if schema is not None else []
        edge_colors = [QColor(*edge_rgb[i]) if i < len(edge_rgb) else fallback
                       for i in range(len(edges))]
        return cls(tuple(schema.keypoints) if schema is not None else None,
                   tuple(c.rgba() for c in colors), EdgeSet(edges, edge_colors, k))


class SchemaLooks:
    """One :class:`SchemaLook` per (schema, category, K), built on first use."""

    def __init__(self) -> None:
        self._looks: dict[tuple, tuple[KeypointSchema | None, SchemaLook]] = {}

    def get(self, schema: KeypointSchema | None, category: str, k: int) -> SchemaLook:
        key = (id(schema), category, k)
        entry = self._looks.get(key)
        if entry is None or entry[0] is not schema:  # an id may be reused by a new schema
            entry = self._looks[key] = (schema, SchemaLook.build(schema, category, k))
        return entry[1]


@dataclass
class PreparedInstance:
    """One instance's drawing data, as :class:`InstanceItems` keeps it."""

    shown: np.ndarray  # (K,) bool: drawn and pickable points
    shown_list: list[bool]
    occluded_list: list[bool]
    opacity_list: list[float]
    step_list: list[int]  # opacity in OPACITY_STEPS steps (which sprite)
    edge_drawn: np.ndarray  # (E,) bool: edge between two shown points
    edge_looks: np.ndarray  # (E,) look id (colour, dashed) per edge
    points_box: tuple[float, float, float, float] | None  # x1, y1, x2, y2 of shown points


def prepare(instances: Sequence[Instance], looks: Sequence[SchemaLook],
            options: DisplayOptions) -> list[PreparedInstance]:
    """Drawing data of ``instances`` under ``options`` (``looks[i]`` is instance i's)."""
    out: list[PreparedInstance | None] = [None] * len(instances)
    groups: dict[int, list[int]] = {}
    for i, look in enumerate(looks):
        groups.setdefault(id(look), []).append(i)
    for members in groups.values():
        look = looks[members[0]]
        kps = np.stack([instances[i].keypoints for i in members])  # (n, K, 3)
        scores = np.stack([instances[i].scores for i in members])  # (n, K)
        vis = kps[:, :, 2]
        scored = np.isfinite(scores)
        shown = (vis > Visibility.ABSENT) & (~scored | (scores >= options.min_score))
        shown &= np.array([options.shows(instances[i].category, instances[i].track_id)
                           for i in members])[:, None]
        occluded = vis == Visibility.OCCLUDED
        opacity = style.score_opacities(scores)
        steps = np.rint(opacity * OPACITY_STEPS).astype(np.int64)
        edges = look.edges
        edge_drawn = shown[:, edges.a] & shown[:, edges.b]
        edge_looks = np.where(occluded[:, edges.a] | occluded[:, edges.b],
                              edges.dashed, edges.solid)
        x, y = kps[:, :, 0], kps[:, :, 1]
        lo_x = np.where(shown, x, np.inf).min(axis=1, initial=np.inf).tolist()
        lo_y = np.where(shown, y, np.inf).min(axis=1, initial=np.inf).tolist()
        hi_x = np.where(shown, x, -np.inf).max(axis=1, initial=-np.inf).tolist()
        hi_y = np.where(shown, y, -np.inf).max(axis=1, initial=-np.inf).tolist()
        lists = zip(shown.tolist(), occluded.tolist(), opacity.tolist(), steps.tolist(),
                    strict=True)
        for row, (i, (s, o, a, st)) in enumerate(zip(members, lists, strict=True)):
            box = ((lo_x[row], lo_y[row], hi_x[row], hi_y[row])
                   if lo_x[row] != np.inf else None)
            out[i] = PreparedInstance(shown[row], s, o, a, st, edge_drawn[row],
                                      edge_looks[row], box)
    return out  # type: ignore[return-value] - every index was filled
