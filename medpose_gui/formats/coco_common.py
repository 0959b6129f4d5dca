"""Conversions shared by the COCO writers and readers (boxes, categories, names, JSON)."""

from __future__ import annotations

import math
import os
import re
from typing import TYPE_CHECKING, Any

# Box conversions live in core.boxes (one copy for every format); coco_import reads this name.
from medpose_gui.core.boxes import xywh_to_xyxy  # noqa: F401 - re-exported
from medpose_gui.formats.bounded_json import load_json
from medpose_gui.formats.errors import FormatError

if TYPE_CHECKING:
    from medpose_gui.core.project import Project
    from medpose_gui.core.schema import Category

# COCO convention (DESIGN.md "Conventions"): image id = 0-based frame index + 1.
IMAGE_ID_OFFSET = 1


def frame_image_name(index: int, ext: str = "jpg") -> str:
    """The file name of frame ``index`` inside an exported images folder."""
    return f"frame_{index:06d}.{ext.lstrip('.')}"


def natural_sort_key(name: str) -> list:
    """Sort key that orders "frame_2" before "frame_10"."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def optional_float(value: float | None) -> float | None:
    """A float for JSON: None for None/NaN/inf (JSON has no NaN)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def category_to_coco(category: Category) -> dict[str, Any]:
    """A COCO keypoint category: names in schema order, skeleton edges 1-indexed (COCO)."""
    schema = category.schema
    return {
        "id": int(category.id),
        "name": category.name,
        "supercategory": "person",
        "keypoints": list(schema.keypoints),
        "skeleton": [[int(a) + 1, int(b) + 1] for a, b in schema.edges],
    }


def select_categories(project: Project, category: str | None, out_path: os.PathLike | str
                      ) -> list[Category]:
    """The project's categories, or only ``category``; FormatError for an unknown name."""
    categories = list(project.categories)
    if category is None:
        return categories
    chosen = [c for c in categories if c.name == category]
    if not chosen:
        names = ", ".join(c.name for c in categories)
        raise FormatError(f"{out_path}: unknown category {category!r}; the project has {names}")
    return chosen


def require_list(obj: Any, key: str, path: os.PathLike | str) -> list:
    """``obj[key]`` as a list, or FormatError saying which key is missing or wrong."""
    if not isinstance(obj, dict):
        raise FormatError(f"{path}: expected a JSON object at the top level, got "
                          f"{type(obj).__name__}")
    value = obj.get(key)
    if not isinstance(value, list):
        problem = "is missing" if key not in obj else f"is a {type(value).__name__}, not a list"
        raise FormatError(f"{path}: '{key}' {problem}")
    return value


__all__ = ["IMAGE_ID_OFFSET", "category_to_coco", "frame_image_name", "load_json",
           "natural_sort_key", "optional_float", "require_list", "select_categories",
           "xywh_to_xyxy"]
