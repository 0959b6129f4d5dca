"""Keypoint schemas: point names, skeleton edges, colours, flip pairs and OKS sigmas.

A :class:`KeypointSchema` is plain data. The builtin schemas live as JSON in
``medpose_gui/resources/skeletons/`` (loaded with :mod:`importlib.resources`); others are
read from JSON files written by :meth:`KeypointSchema.to_dict` or imported from an mmpose
``dataset_info`` definition (a dataset ``.py`` file or a full config containing one), which
is read as data with :mod:`medpose_gui.core.config_literal` and never executed.

Colours are RGB. mmpose 0.x draws with OpenCV on BGR images, so the ``color`` values in its
dataset definitions are BGR (the casualty head colour [0, 215, 255] is "gold" read as BGR);
:func:`schema_from_mmpose_dataset_info` reverses them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from medpose_gui.core.config_literal import ConfigSyntaxError, parse_config_file, parse_config_text
from medpose_gui.core.reference import DETECTOR_CLASS_NAMES, SCHEMA_OF_CATEGORY

RGB = tuple[int, int, int]


class SchemaError(ValueError):
    """A schema (builtin name, JSON or mmpose definition) is missing or malformed."""


@dataclass(frozen=True)
class KeypointSchema:
    """Names, skeleton and drawing/evaluation facts of one kind of instance."""

    name: str
    keypoints: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]  # 0-based point indices
    keypoint_colors: tuple[RGB, ...]  # RGB per point
    edge_colors: tuple[RGB, ...]  # RGB per edge
    flip_pairs: tuple[tuple[int, int], ...]  # (left, right) swapped by a horizontal flip
    sigmas: tuple[float, ...]  # OKS sigma per point

    def __post_init__(self) -> None:
        # Normalise lists (from JSON) to tuples so equal schemas compare equal and hash.
        def pairs(items: Iterable[Sequence[int]]) -> tuple[tuple[int, int], ...]:
            return tuple((int(a), int(b)) for a, b in items)

        def colors(items: Iterable[Sequence[int]]) -> tuple[RGB, ...]:
            out = []
            for c in items:
                if len(c) != 3:
                    raise SchemaError(f"schema {self.name!r}: colour {list(c)} is not RGB")
                out.append((int(c[0]), int(c[1]), int(c[2])))
            return tuple(out)

        set_ = object.__setattr__
        set_(self, "keypoints", tuple(str(k) for k in self.keypoints))
        set_(self, "edges", pairs(self.edges))
        set_(self, "keypoint_colors", colors(self.keypoint_colors))
        set_(self, "edge_colors", colors(self.edge_colors))
        set_(self, "flip_pairs", pairs(self.flip_pairs))
        set_(self, "sigmas", tuple(float(s) for s in self.sigmas))
        self._validate()

    def _validate(self) -> None:
        k = len(self.keypoints)
        where = f"schema {self.name!r}"
        if k == 0:
            raise SchemaError(f"{where}: no keypoints")
        if len(set(self.keypoints)) != k:
            raise SchemaError(f"{where}: duplicate keypoint names")
        for label, items in (("keypoint_colors", self.keypoint_colors), ("sigmas", self.sigmas)):
            if len(items) != k:
                raise SchemaError(f"{where}: {len(items)} {label} for {k} keypoints")
        if len(self.edge_colors) != len(self.edges):
            raise SchemaError(
                f"{where}: {len(self.edge_colors)} edge colours for {len(self.edges)} edges")
        for label, items in (("edge", self.edges), ("flip pair", self.flip_pairs)):
            for a, b in items:
                if not (0 <= a < k and 0 <= b < k):
                    raise SchemaError(f"{where}: {label} ({a}, {b}) outside 0..{k - 1}")

    @property
    def num_keypoints(self) -> int:
        return len(self.keypoints)

    def index(self, keypoint: str) -> int:
        """0-based index of a point name."""
        try:
            return self.keypoints.index(keypoint)
        except ValueError:
            raise SchemaError(f"schema {self.name!r} has no keypoint {keypoint!r}") from None

    def subset(self, keep: Sequence[str], name: str) -> KeypointSchema:
        """The schema restricted to ``keep`` (in that order); edges and pairs that touch a
        dropped point are dropped."""
        old = [self.index(n) for n in keep]
        new_of = {o: i for i, o in enumerate(old)}
        kept_edges = [(i, e) for i, e in enumerate(self.edges) if e[0] in new_of and e[1] in new_of]
        return KeypointSchema(
            name=name,
            keypoints=tuple(keep),
            edges=tuple((new_of[a], new_of[b]) for _, (a, b) in kept_edges),
            keypoint_colors=tuple(self.keypoint_colors[o] for o in old),
            edge_colors=tuple(self.edge_colors[i] for i, _ in kept_edges),
            flip_pairs=tuple((new_of[a], new_of[b]) for a, b in self.flip_pairs
                             if a in new_of and b in new_of),
            sigmas=tuple(self.sigmas[o] for o in old),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (lists, not tuples)."""
        return {
            "name": self.name,
            "keypoints": list(self.keypoints),
            "edges": [list(e) for e in self.edges],
            "keypoint_colors": [list(c) for c in self.keypoint_colors],
            "edge_colors": [list(c) for c in self.edge_colors],
            "flip_pairs": [list(p) for p in self.flip_pairs],
            "sigmas": list(self.sigmas),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<dict>") -> KeypointSchema:
        fields = ("name", "keypoints", "edges", "keypoint_colors", "edge_colors",
                  "flip_pairs", "sigmas")
        if not isinstance(data, Mapping):
            raise SchemaError(f"{source}: a schema must be a JSON object")
        missing = [f for f in fields if f not in data]
        if missing:
            raise SchemaError(f"{source}: schema lacks {', '.join(missing)}")
        try:
            return cls(**{f: data[f] for f in fields})
        except SchemaError as exc:
            raise SchemaError(f"{source}: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise SchemaError(f"{source}: malformed schema: {exc}") from None


@dataclass(frozen=True)
class Category:
    """An annotation category: COCO id (1-based), name and keypoint schema."""

    id: int
    name: str
    schema: KeypointSchema

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "schema": self.schema.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<dict>") -> Category:
        try:
            return cls(int(data["id"]), str(data["name"]),
                       KeypointSchema.from_dict(data["schema"], source))
        except (KeyError, TypeError) as exc:
            raise SchemaError(f"{source}: malformed category: {exc}") from None


# -- builtins ------------------------------------------------------------------------

_BUILTIN_NAMES = ("medic_casualty", "medic_casualty_22", "medic_user", "coco_17")


def builtin_schema_names() -> list[str]:
    return list(_BUILTIN_NAMES)


def _builtin_file(name: str):
    return resources.files("medpose_gui").joinpath("resources", "skeletons", f"{name}.json")


def load_schema(name_or_path: str | Path) -> KeypointSchema:
    """A builtin schema by name, or a schema file (``.json`` from :meth:`to_dict`, or an
    mmpose dataset definition / config ``.py``)."""
    if isinstance(name_or_path, str) and name_or_path in _BUILTIN_NAMES:
        text = _builtin_file(name_or_path).read_text(encoding="utf-8")
        return KeypointSchema.from_dict(json.loads(text), f"builtin schema {name_or_path}")
    path = Path(name_or_path)
    if not path.is_file():
        raise SchemaError(f"{path}: no such schema file (builtin schemas: "
                          f"{', '.join(_BUILTIN_NAMES)})")
    if path.suffix == ".py":
        return schema_from_mmpose_dataset_info(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError(f"{path}: cannot read schema JSON: {exc}") from None
    return KeypointSchema.from_dict(data, str(path))


def default_categories() -> list[Category]:
    """The reference detector's classes: 1 = patient (21 model points), 2 = user (6).

    Category ids are the detector's 0-based class index + 1 (COCO ids start at 1)."""
    return [Category(label + 1, name, load_schema(SCHEMA_OF_CATEGORY[name]))
            for label, name in enumerate(DETECTOR_CLASS_NAMES)]


# -- mmpose dataset_info import ------------------------------------------------------

def _find_dataset_info(names: Mapping[str, Any]) -> Any:
    """``dataset_info`` at top level (dataset file), else the one the test split uses
    (the reference inference reads ``data['test']['dataset_info']``)."""
    if "dataset_info" in names:
        return names["dataset_info"]
    data = names.get("data")
    if isinstance(data, Mapping):
        for split in ("test", "val", "train"):
            sub = data.get(split)
            if isinstance(sub, Mapping) and "dataset_info" in sub:
                return sub["dataset_info"]
    return None


def _bgr_to_rgb(color: Any, where: str) -> RGB:
    if not isinstance(color, (list, tuple)) or len(color) != 3:
        raise SchemaError(f"{where}: colour {color!r} is not [b, g, r]")
    b, g, r = (int(v) for v in color)
    return (r, g, b)


def schema_from_mmpose_dataset_info(path_or_text: str | Path,
                                    name: str | None = None) -> KeypointSchema:
    """Import an mmpose ``dataset_info`` (file path, or the text of such a file).

    The text is parsed as data only; a file with anything but literals and
    ``dict(...)`` calls is refused. ``name`` defaults to the definition's ``dataset_name``.
    """
    is_text = (isinstance(path_or_text, str) and "\n" in path_or_text
               and not Path(path_or_text.splitlines()[0]).is_file())
    source = "<dataset_info text>" if is_text else str(path_or_text)
    try:
        names = (parse_config_text(str(path_or_text), source) if is_text
                 else parse_config_file(path_or_text))
    except ConfigSyntaxError as exc:
        raise SchemaError(f"not a readable mmpose dataset definition: {exc}") from None
    except (TypeError, ValueError, KeyError) as exc:  # e.g. dict() with bad arguments
        raise SchemaError(f"{source}: malformed mmpose dataset definition: {exc}") from None
    info = _find_dataset_info(names)
    if not isinstance(info, Mapping):
        raise SchemaError(f"{source}: no dataset_info dict found")
    kp_info = info.get("keypoint_info")
    if not isinstance(kp_info, Mapping) or not kp_info:
        raise SchemaError(f"{source}: dataset_info has no keypoint_info")
    try:
        return _schema_from_info(info, kp_info, source, name)
    except SchemaError as exc:
        msg = str(exc)
        raise SchemaError(msg if msg.startswith(source) else f"{source}: {msg}") from None


def _schema_from_info(info: Mapping[str, Any], kp_info: Mapping[Any, Any], source: str,
                      name: str | None) -> KeypointSchema:
    keys = list(kp_info.keys())
    if sorted(keys) != list(range(len(keys))):
        raise SchemaError(f"keypoint_info keys must be 0..{len(keys) - 1}, got {keys}")
    points: list[str] = []
    colors: list[RGB] = []
    swaps: list[str] = []
    for key in keys:  # keypoint_info order, as mmpose's DatasetInfo iterates it
        item = kp_info[key]
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise SchemaError(f"keypoint_info[{key}] has no name")
        if item.get("id", key) != key:
            raise SchemaError(f"keypoint_info[{key}] has id {item.get('id')}")
        points.append(item["name"])
        colors.append(_bgr_to_rgb(item.get("color", [255, 255, 255]), f"keypoint {item['name']}"))
        swaps.append(str(item.get("swap", "") or ""))
    ordered = [points[k] for k in sorted(range(len(keys)), key=lambda i: keys[i])]
    index = {n: i for i, n in enumerate(ordered)}
    # Flip pairs as mmpose's DatasetInfo builds them: in keypoint_info order, a point whose
    # swap names another point gives [its id, id of swap] unless the reverse is listed.
    flip_pairs: list[tuple[int, int]] = []
    for key, point, swap in zip(keys, points, swaps, strict=True):
        if swap and swap != point:
            if swap not in index:
                raise SchemaError(f"keypoint {point!r} swaps with unknown point {swap!r}")
            pair = (key, index[swap])
            if (pair[1], pair[0]) not in flip_pairs:
                flip_pairs.append(pair)
    edges: list[tuple[int, int]] = []
    edge_colors: list[RGB] = []
    skeleton = info.get("skeleton_info", {})
    if not isinstance(skeleton, Mapping):
        raise SchemaError("skeleton_info is not a dict")
    for key, item in skeleton.items():
        link = item.get("link") if isinstance(item, Mapping) else None
        if not isinstance(link, (list, tuple)) or len(link) != 2:
            raise SchemaError(f"skeleton_info[{key}] has no link (a, b)")
        for end in link:
            if end not in index:
                raise SchemaError(f"skeleton_info[{key}] links unknown point {end!r}")
        edges.append((index[link[0]], index[link[1]]))
        edge_colors.append(_bgr_to_rgb(item.get("color", [255, 255, 255]), f"link {key}"))
    sigmas = info.get("sigmas")
    if not isinstance(sigmas, (list, tuple)) or len(sigmas) != len(ordered):
        raise SchemaError(f"sigmas must list one value per keypoint ({len(ordered)})")
    return KeypointSchema(
        name=name or str(info.get("dataset_name", Path(source).stem)),
        keypoints=tuple(ordered),
        edges=tuple(edges),
        keypoint_colors=tuple(colors[k] for k in sorted(range(len(keys)), key=lambda i: keys[i])),
        edge_colors=tuple(edge_colors),
        flip_pairs=tuple(flip_pairs),
        sigmas=tuple(float(s) for s in sigmas),
    )


def with_name(schema: KeypointSchema, name: str) -> KeypointSchema:
    """The same schema under another name."""
    return replace(schema, name=name)
