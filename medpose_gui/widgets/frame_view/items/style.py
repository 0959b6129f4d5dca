"""Look of the frame-view items: colours, pens, marker sizes, label texts.

One place to tune what a medic sees for hours. Sizes are on-screen pixels: everything is
painted in device pixels (:mod:`.annotation_layer`), so a point is as easy to grab at 400 %
as at 25 %.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

from medpose_gui.core.annotations import Instance, Source, Visibility
from medpose_gui.core.track_colors import track_rgb

POINT_RADIUS = 5.0  # marker radius, screen px
POINT_PICK_RADIUS = 9.0  # how far from a marker a press still grabs it, screen px
HANDLE_SIZE = 8.0  # box handle square, screen px
EDGE_PICK_TOLERANCE = 6.0  # how far from a box edge a press grabs the edge, screen px
SKELETON_WIDTH = 2.0  # screen px, drawn over a 4 px dark outline for contrast
OUTLINE = QColor(0, 0, 0, 170)  # dark rim around markers and lines: visible on bright skin

# Stacking order (z values): image < annotations < the box being drawn. Inside the
# annotation layer: boxes < skeletons < markers < labels < handles (annotation_layer.py).
Z_IMAGE, Z_ANNOTATIONS, Z_RUBBER = 0, 10, 100

# Category hues (patient warm, user cool); other categories get a hue from the palette.
CATEGORY_COLORS = {"patient": (255, 152, 0), "user": (0, 188, 255)}
_PALETTE = [(233, 30, 99), (139, 195, 74), (156, 39, 176), (255, 235, 59), (0, 150, 136)]


def category_color(name: str) -> QColor:
    """The colour of a category's boxes and labels (stable for unknown names)."""
    rgb = CATEGORY_COLORS.get(name)
    if rgb is None:
        rgb = _PALETTE[sum(map(ord, name)) % len(_PALETTE)]
    return QColor(*rgb)


def person_color(category: str, track_id: int | None) -> QColor:
    """A person's box and label colour: its track's colour, else its category's."""
    if track_id is None:
        return category_color(category)
    return QColor(*track_rgb(track_id))


@functools.lru_cache(maxsize=4096)
def person_rgba(category: str, track_id: int | None) -> int:
    """:func:`person_color` as ``QColor.rgba()`` (cached: asked for every instance shown)."""
    return person_color(category, track_id).rgba()


@dataclass(frozen=True)
class SourceStyle:
    """How a box shows where its values come from."""

    line: Qt.PenStyle
    width: float  # screen px
    tag: str  # word in the label


# Predicted = dashed (nobody looked at it yet), corrected = solid, manual = heavier solid;
# filled by a video tool from a keyframe: dotted (interpolated), dash-dot (propagated).
SOURCE_STYLES = {
    Source.PREDICTED: SourceStyle(Qt.PenStyle.DashLine, 2.0, "predicted"),
    Source.CORRECTED: SourceStyle(Qt.PenStyle.SolidLine, 2.0, "corrected"),
    Source.MANUAL: SourceStyle(Qt.PenStyle.SolidLine, 3.0, "manual"),
    Source.INTERPOLATED: SourceStyle(Qt.PenStyle.DotLine, 2.0, "interpolated"),
    Source.PROPAGATED: SourceStyle(Qt.PenStyle.DashDotLine, 2.0, "propagated"),
}

VISIBILITY_WORDS = {Visibility.ABSENT: "absent", Visibility.OCCLUDED: "occluded",
                    Visibility.VISIBLE: "visible"}


def cosmetic_pen(color: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    """A pen whose width is in screen pixels whatever the zoom."""
    pen = QPen(color, width, style)
    pen.setCosmetic(True)
    pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    return pen


def box_pen(category: str, source: Source, selected: bool, track_id: int | None = None) -> QPen:
    style = SOURCE_STYLES[Source(source)]
    width = style.width + (1.0 if selected else 0.0)
    pen = cosmetic_pen(person_color(category, track_id), width, style.line)
    if style.line == Qt.PenStyle.DashLine:
        pen.setDashPattern([4.0, 3.0])  # in pen widths: 8 px dash, 6 px gap at width 2
    return pen


def score_opacities(scores: np.ndarray) -> np.ndarray:
    """Marker opacities for model scores: confident points solid, doubtful ones faint.

    A person-placed point has no score (NaN) and is drawn solid.
    """
    scores = np.asarray(scores, dtype=np.float64)
    return np.where(np.isfinite(scores), 0.3 + 0.7 * np.clip(scores, 0.0, 1.0), 1.0)


def keypoint_name(names: tuple[str, ...] | None, k: int) -> str:
    return names[k] if names is not None and k < len(names) else f"point {k}"


def keypoint_text(name: str, score: float, visibility: int) -> str:
    """Hover text of a point: ``left_knee · score 0.87 · visible``."""
    score_part = f"score {score:.2f}" if math.isfinite(score) else "placed by hand"
    return f"{name} · {score_part} · {VISIBILITY_WORDS[Visibility(int(visibility))]}"


def instance_text(inst: Instance) -> str:
    """Label of an instance: ``patient #3 0.97 · predicted`` (track and score when known)."""
    track = f" #{inst.track_id}" if inst.track_id is not None else ""
    score = f" {inst.box_score:.2f}" if inst.box_score is not None else ""
    return f"{inst.category}{track}{score} · {SOURCE_STYLES[inst.source].tag}"
