"""Draw annotations on frames, and write an annotated H.264 video of a project.

``draw_annotations`` is the one drawing routine of the headless side (CLI ``--vis-dir``,
``render``); the GUI draws with Qt items instead. Conventions follow the data model: boxes
x1,y1,x2,y2; points with visibility 2 (visible) drawn filled, 1 (occluded) hollow, 0 (absent)
not drawn; skeleton edges only between two drawn points, in the schema's colours (RGB).

``render_video`` replaces the reference's images-to-video step: every frame of the source with
its annotations, encoded with libx264 (yuv420p, so any player opens it) at the source frame rate.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from medpose_gui.core.annotations import Instance, Visibility
from medpose_gui.core.schema import KeypointSchema

RGB = tuple[int, int, int]

# Box/label colour per category (RGB); other categories get a colour from _PALETTE.
CATEGORY_COLORS: dict[str, RGB] = {"patient": (46, 204, 113), "user": (52, 152, 219)}
_PALETTE: tuple[RGB, ...] = ((231, 76, 60), (241, 196, 15), (155, 89, 182), (26, 188, 156),
                             (230, 126, 34), (236, 240, 241))
DEFAULT_POINT_COLOR: RGB = (255, 255, 255)
# Frame rate used when the source has none (an image folder without timing).
FALLBACK_FPS = 25.0


def category_color(name: str) -> RGB:
    """A stable colour for a category name (same name -> same colour in every run)."""
    if name in CATEGORY_COLORS:
        return CATEGORY_COLORS[name]
    return _PALETTE[sum(name.encode("utf-8")) % len(_PALETTE)]


def _line_scale(height: int, width: int) -> int:
    """Line thickness in pixels: 1 up to ~480p, 2 at 720p, 3 at 1080p."""
    return max(1, round(min(height, width) / 360))


def draw_annotations(
    rgb: np.ndarray,
    instances: Iterable[Instance],
    schemas: Mapping[str, KeypointSchema],
    *,
    show_boxes: bool = True,
    show_labels: bool = True,
    show_skeleton: bool = True,
    min_score: float = 0.0,
) -> np.ndarray:
    """A copy of ``rgb`` (H, W, 3 uint8) with the instances drawn on it.

    ``schemas`` maps category name -> schema (``{c.name: c.schema for c in project.categories}``).
    An instance whose category has no schema, or whose point count differs from it, is drawn
    with points only, in white. Instances with a box score below ``min_score`` are skipped.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 (H, W, 3) image, got {rgb.shape} {rgb.dtype}")
    canvas = np.ascontiguousarray(rgb).copy()
    scale = _line_scale(*canvas.shape[:2])
    for inst in instances:
        if inst.box_score is not None and inst.box_score < min_score:
            continue
        schema = schemas.get(inst.category)
        if schema is not None and schema.num_keypoints != inst.num_keypoints:
            schema = None
        color = category_color(inst.category)
        if show_boxes:
            _draw_box(canvas, inst.box, color, scale)
        if show_skeleton and schema is not None:
            _draw_skeleton(canvas, inst, schema, scale)
        _draw_points(canvas, inst, schema, scale)
        if show_labels:
            label = inst.category if inst.box_score is None else f"{inst.category} {inst.box_score:.2f}"
            _draw_label(canvas, label, inst.box, color, scale)
    return canvas


def _pt(x: float, y: float) -> tuple[int, int]:
    return int(round(x)), int(round(y))


def _draw_box(canvas: np.ndarray, box: np.ndarray, color: RGB, scale: int) -> None:
    x1, y1, x2, y2 = box
    cv2.rectangle(canvas, _pt(x1, y1), _pt(x2, y2), color, scale, cv2.LINE_AA)


def _draw_skeleton(canvas: np.ndarray, inst: Instance, schema: KeypointSchema, scale: int) -> None:
    kps, vis = inst.keypoints, inst.visibility
    for (a, b), color in zip(schema.edges, schema.edge_colors, strict=True):
        if vis[a] == Visibility.ABSENT or vis[b] == Visibility.ABSENT:
            continue
        cv2.line(canvas, _pt(*kps[a, :2]), _pt(*kps[b, :2]), color, scale, cv2.LINE_AA)


def _draw_points(canvas: np.ndarray, inst: Instance, schema: KeypointSchema | None,
                 scale: int) -> None:
    radius = 2 * scale + 1
    for k, (x, y, v) in enumerate(inst.keypoints):
        if int(v) == Visibility.ABSENT:
            continue
        color = schema.keypoint_colors[k] if schema is not None else DEFAULT_POINT_COLOR
        if int(v) == Visibility.OCCLUDED:  # hollow ring: labelled but hidden
            cv2.circle(canvas, _pt(x, y), radius, color, max(1, scale), cv2.LINE_AA)
        else:
            cv2.circle(canvas, _pt(x, y), radius, color, -1, cv2.LINE_AA)


def _draw_label(canvas: np.ndarray, text: str, box: np.ndarray, color: RGB, scale: int) -> None:
    font, font_scale = cv2.FONT_HERSHEY_SIMPLEX, 0.4 * scale
    (tw, th), base = cv2.getTextSize(text, font, font_scale, scale)
    x, y = _pt(box[0], box[1])
    top = y - th - base - 2 if y - th - base - 2 >= 0 else y  # inside the box at the top edge
    cv2.rectangle(canvas, (x, top), (x + tw + 4, top + th + base + 2), color, -1)
    cv2.putText(canvas, text, (x + 2, top + th + 1), font, font_scale, (0, 0, 0), scale,
                cv2.LINE_AA)


def _even(frame: np.ndarray) -> np.ndarray:
    """Pad to even width and height (yuv420p halves both for the colour planes)."""
    h, w = frame.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return frame
    return np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


def render_video(
    project: Any,
    source: Any,
    out_path: str | Path,
    *,
    frames: Iterable[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    crf: int = 18,
) -> bool:
    """Write ``out_path`` (.mp4, H.264 yuv420p, source fps) of the source with annotations.

    frames: which frames (default: all, in order). The file is written under a temporary name
    and renamed at the end, so a cancelled or failed render leaves no partial video; returns
    False when cancelled, True when written. Raises MediaError when the file cannot be written.
    """
    import av  # local: PyAV is only needed here, not for drawing

    from medpose_gui.media.errors import MediaError

    out_path = Path(out_path)
    indices = list(range(len(source))) if frames is None else [int(i) for i in frames]
    if not indices:
        raise MediaError(f"{out_path}: no frames to render")
    schemas = {c.name: c.schema for c in project.categories}
    fps = float(getattr(source, "fps", 0) or 0) or float(project.media.fps or 0) or FALLBACK_FPS
    rate = Fraction(fps).limit_denominator(1001)  # 29.97 -> 30000/1001
    tmp = out_path.with_name(f".{out_path.stem}.partial{out_path.suffix or '.mp4'}")
    total, done, completed = len(indices), 0, False
    try:
        with av.open(str(tmp), "w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=rate,
                                          options={"crf": str(crf), "preset": "medium"})
            stream.pix_fmt = "yuv420p"
            for index in indices:
                if cancel is not None and cancel():
                    break
                image = _even(draw_annotations(source[index], project.instances(index), schemas))
                if done == 0:
                    stream.height, stream.width = image.shape[:2]
                elif image.shape[:2] != (stream.height, stream.width):  # mixed-size image folder
                    image = cv2.resize(image, (stream.width, stream.height),
                                       interpolation=cv2.INTER_AREA)
                for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                    container.mux(packet)
                done += 1
                if progress is not None:
                    progress(done, total)
            else:
                completed = True
            if done:
                for packet in stream.encode(None):
                    container.mux(packet)
        if completed:
            os.replace(tmp, out_path)
    except (OSError, av.FFmpegError) as exc:
        raise MediaError(f"{out_path}: cannot write the video: {exc}") from exc
    finally:
        if not completed:
            with contextlib.suppress(OSError):
                tmp.unlink()
    return completed
