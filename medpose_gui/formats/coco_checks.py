"""What a sane COCO file holds: ids, image sizes and coordinates within bounds.

Every number of an imported file is checked before it reaches the project: a bbox of 1e308
once entered a project and broke every later export without naming the annotation. Errors
name the file, the image or annotation id and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from medpose_gui.formats.bounded_json import number
from medpose_gui.formats.errors import FormatError

# Ids: the integers every JSON reader agrees on (IEEE doubles are exact up to 2**53), or
# short strings (some tools use file names).
MAX_ID = 2**53
MAX_ID_TEXT = 256
MAX_IMAGE_SIDE = 1 << 16  # pixels; no video or photo is larger
# Model scores are 0..1 (heatmap maxima can exceed 1 a little); far beyond is damage.
SCORE_LIMIT = 1e3
MAX_TRACK_ID = 2**31 - 1


def check_id(value: Any, where: str, field: str = "id") -> int | str:
    """An image/annotation id: a non-negative integer below 2**53, or a short string."""
    if isinstance(value, str):
        if not value or len(value) > MAX_ID_TEXT:
            raise FormatError(f"{where}: {field} must be 1..{MAX_ID_TEXT} characters")
        return value
    return number(value, where, field, 0, MAX_ID - 1, integer=True)


def check_category_id(value: Any, where: str) -> int:
    return number(value, where, "category_id", 0, MAX_ID - 1, integer=True)


def check_image_size(img: dict, where: str) -> None:
    for field in ("width", "height"):
        if field in img:
            number(img[field], where, field, 1, MAX_IMAGE_SIDE, integer=True)


@dataclass(frozen=True)
class CoordinateBounds:
    """Where a coordinate of an image of ``width`` x ``height`` may lie: the image plus one
    image size on every side (model points and boxes reach a little past the edge; a
    point a whole frame away is not a person in this frame)."""

    width: int
    height: int

    @property
    def x(self) -> tuple[float, float]:
        return -float(self.width), 2.0 * self.width

    @property
    def y(self) -> tuple[float, float]:
        return -float(self.height), 2.0 * self.height


def numbers(values: Any, count: int, where: str, field: str,
            ranges: list[tuple[float, float]], *, allow_null: bool = False) -> np.ndarray:
    """``count`` numbers, ``values[i]`` within ``ranges[i % len(ranges)]``; null -> NaN
    where allowed."""
    if not isinstance(values, list) or len(values) != count:
        got = f"{len(values)} values" if isinstance(values, list) else repr(values)[:40]
        raise FormatError(f"{where}: '{field}' must have {count} numbers, got {got}")
    out = np.empty(count, dtype=np.float64)
    for i, value in enumerate(values):
        lo, hi = ranges[i % len(ranges)]
        checked = number(value, where, f"'{field}'[{i}]", lo, hi, allow_null=allow_null)
        out[i] = np.nan if checked is None else float(checked)
    return out


def bbox_xywh(values: Any, where: str, bounds: CoordinateBounds) -> np.ndarray:
    """A COCO ``bbox`` x, y, w, h whose corners lie within ``bounds``."""
    (x_lo, x_hi), (y_lo, y_hi) = bounds.x, bounds.y
    box = numbers(values, 4, where, "bbox",
                  [(x_lo, x_hi), (y_lo, y_hi), (-x_hi, x_hi - x_lo), (-y_hi, y_hi - y_lo)])
    if box[2] < 0 or box[3] < 0:
        raise FormatError(f"{where}: bbox width and height must not be negative")
    if box[0] + box[2] > x_hi or box[1] + box[3] > y_hi:
        raise FormatError(f"{where}: 'bbox' {values} reaches past {x_hi:g}, {y_hi:g} (the "
                          f"{bounds.width}x{bounds.height} image plus its size)")
    return box


def keypoints(values: Any, k: int, where: str, bounds: CoordinateBounds) -> np.ndarray:
    """``3 k`` numbers x, y, v: x and y within ``bounds``, v one of 0, 1, 2."""
    kps = numbers(values, 3 * k, where, "keypoints", [bounds.x, bounds.y, (-9, 9)])
    kps = kps.reshape(k, 3)
    if not np.isin(kps[:, 2], (0, 1, 2)).all():
        raise FormatError(f"{where}: keypoint visibility must be 0, 1 or 2")
    return kps
