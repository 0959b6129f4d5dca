"""Conversions shared by the COCO writers and readers (boxes, categories, names, JSON)."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Box conversions live in core.boxes (one copy for every format); coco_import reads this name.
from medpose_gui.core.boxes import xywh_to_xyxy  # noqa: F401 - re-exported
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


def load_json(path: os.PathLike | str) -> Any:
    """Parse a JSON file; FormatError naming the file (and line/column) on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise FormatError(f"{path}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path}: cannot read: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from exc


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
