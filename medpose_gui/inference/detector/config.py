"""Test-time settings of the detector, read from a detectron2 YAML config as data.

detectron2 configs are YAML files that may name a parent with ``_BASE_`` (a path relative to
the file); the child's keys are merged over the parent's, dicts recursively. We read them with
``yaml.safe_load`` (never executed) and pull out only what inference needs. Every file of a
chain must be a regular file of at most :data:`MAX_CONFIG_BYTES` (``_BASE_: /dev/zero``
once read without end), and a chain at most :data:`MAX_BASE_DEPTH` files long. Architecture widths
are NOT taken from here: they are inferred from the checkpoint's tensor shapes
(:mod:`.checkpoint`), so a config only carries pre/post-processing settings.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from medpose_gui.core.reference import DETECTOR_CLASS_NAMES

from .errors import DetectorConfigError

DEFAULT_CLASS_NAMES = DETECTOR_CLASS_NAMES  # used when a YAML gives no class names
# detectron2's own configs are a few KiB; a YAML of more than this is not a config.
MAX_CONFIG_BYTES = 1 << 20
# detectron2's model zoo chains two deep (Base-RCNN-FPN.yaml <- model.yaml <- ours).
MAX_BASE_DEPTH = 16


@dataclass(frozen=True)
class DetectorConfig:
    """Inference settings; defaults are detectron2 0.6 defaults + the seed's medic_pose.yaml."""

    # INPUT.MIN_SIZE_TEST / INPUT.MAX_SIZE_TEST (ResizeShortestEdge at test time).
    min_size: int = 800
    max_size: int = 1333
    # INPUT.FORMAT: channel order the network was trained on (detectron2 default BGR).
    input_format: str = "BGR"
    # MODEL.PIXEL_MEAN / PIXEL_STD, in the channel order of input_format, on 0..255 values.
    pixel_mean: tuple[float, float, float] = (103.530, 116.280, 123.675)
    pixel_std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    # MODEL.ROI_HEADS.SCORE_THRESH_TEST (medic_pose.yaml: 0.0001; the seed demo uses 0.8).
    score_threshold: float = 0.0001
    # MODEL.ROI_HEADS.NMS_THRESH_TEST.
    nms_threshold: float = 0.5
    # TEST.DETECTIONS_PER_IMAGE (medic_pose.yaml: 300).
    detections_per_image: int = 300
    # MODEL.RPN.PRE_NMS_TOPK_TEST (per FPN level), POST_NMS_TOPK_TEST (per image), NMS_THRESH.
    rpn_pre_nms_topk: int = 1000
    rpn_post_nms_topk: int = 1000
    rpn_nms_threshold: float = 0.7
    # MODEL.RPN.MIN_SIZE: proposals must be wider and taller than this (resized pixels).
    rpn_min_size: float = 0.0
    # MODEL.ANCHOR_GENERATOR.SIZES (one list per level p2..p6) and ASPECT_RATIOS (h / w).
    anchor_sizes: tuple[tuple[float, ...], ...] = ((32,), (64,), (128,), (256,), (512,))
    aspect_ratios: tuple[float, ...] = (0.5, 1.0, 2.0)
    # MODEL.RPN.BBOX_REG_WEIGHTS and MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS.
    rpn_box_weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    roi_box_weights: tuple[float, float, float, float] = (10.0, 10.0, 5.0, 5.0)
    # MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION (ROIAlignV2 output size).
    pooler_resolution: int = 7
    # MODEL.ROI_HEADS.NUM_CLASSES; None = take it from the checkpoint.
    num_classes: int | None = None
    # Not a detectron2 key: names of the classes in checkpoint order, if the YAML has them.
    class_names: tuple[str, ...] = field(default=DEFAULT_CLASS_NAMES)

    def replace(self, **overrides: Any) -> DetectorConfig:
        """A copy with some fields changed; unknown names raise a :class:`TypeError`."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise TypeError(f"unknown detector setting(s) {unknown}; known: {sorted(known)}")
        return dataclasses.replace(self, **_normalise(overrides))


# (YAML path, field name): where each setting lives in a detectron2 config.
_YAML_FIELDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("INPUT", "MIN_SIZE_TEST"), "min_size"),
    (("INPUT", "MAX_SIZE_TEST"), "max_size"),
    (("INPUT", "FORMAT"), "input_format"),
    (("MODEL", "PIXEL_MEAN"), "pixel_mean"),
    (("MODEL", "PIXEL_STD"), "pixel_std"),
    (("MODEL", "ROI_HEADS", "SCORE_THRESH_TEST"), "score_threshold"),
    (("MODEL", "ROI_HEADS", "NMS_THRESH_TEST"), "nms_threshold"),
    (("TEST", "DETECTIONS_PER_IMAGE"), "detections_per_image"),
    (("MODEL", "RPN", "PRE_NMS_TOPK_TEST"), "rpn_pre_nms_topk"),
    (("MODEL", "RPN", "POST_NMS_TOPK_TEST"), "rpn_post_nms_topk"),
    (("MODEL", "RPN", "NMS_THRESH"), "rpn_nms_threshold"),
    (("MODEL", "RPN", "MIN_SIZE"), "rpn_min_size"),
    (("MODEL", "ANCHOR_GENERATOR", "SIZES"), "anchor_sizes"),
    (("MODEL", "ANCHOR_GENERATOR", "ASPECT_RATIOS"), "aspect_ratios"),
    (("MODEL", "RPN", "BBOX_REG_WEIGHTS"), "rpn_box_weights"),
    (("MODEL", "ROI_BOX_HEAD", "BBOX_REG_WEIGHTS"), "roi_box_weights"),
    (("MODEL", "ROI_BOX_HEAD", "POOLER_RESOLUTION"), "pooler_resolution"),
    (("MODEL", "ROI_HEADS", "NUM_CLASSES"), "num_classes"),
    (("MODEL", "ROI_HEADS", "CLASS_NAMES"), "class_names"),
    (("DATASETS", "CLASS_NAMES"), "class_names"),
    (("CLASS_NAMES",), "class_names"),
)

# Settings that would make a different network than the one we build; a config that sets them
# to anything else is refused instead of silently ignored. Values are detectron2's defaults
# (detectron2/config/defaults.py), which the medic_pose configs keep.
_REQUIRED: tuple[tuple[tuple[str, ...], Any], ...] = (
    (("MODEL", "META_ARCHITECTURE"), "GeneralizedRCNN"),
    (("MODEL", "BACKBONE", "NAME"), "build_resnet_fpn_backbone"),
    (("MODEL", "MASK_ON"), False),
    (("MODEL", "KEYPOINT_ON"), False),
    (("MODEL", "RESNETS", "STRIDE_IN_1X1"), True),
    (("MODEL", "RESNETS", "NUM_GROUPS"), 1),
    (("MODEL", "RESNETS", "RES5_DILATION"), 1),
    (("MODEL", "RESNETS", "NORM"), "FrozenBN"),
    (("MODEL", "RESNETS", "OUT_FEATURES"), ["res2", "res3", "res4", "res5"]),
    (("MODEL", "FPN", "IN_FEATURES"), ["res2", "res3", "res4", "res5"]),
    (("MODEL", "FPN", "NORM"), ""),
    (("MODEL", "FPN", "FUSE_TYPE"), "sum"),
    (("MODEL", "ANCHOR_GENERATOR", "OFFSET"), 0.0),
    (("MODEL", "PROPOSAL_GENERATOR", "NAME"), "RPN"),
    (("MODEL", "RPN", "HEAD_NAME"), "StandardRPNHead"),
    (("MODEL", "RPN", "IN_FEATURES"), ["p2", "p3", "p4", "p5", "p6"]),
    (("MODEL", "ROI_HEADS", "NAME"), "StandardROIHeads"),
    (("MODEL", "ROI_HEADS", "IN_FEATURES"), ["p2", "p3", "p4", "p5"]),
    (("MODEL", "ROI_BOX_HEAD", "NAME"), "FastRCNNConvFCHead"),
    (("MODEL", "ROI_BOX_HEAD", "NUM_CONV"), 0),
    (("MODEL", "ROI_BOX_HEAD", "NUM_FC"), 2),
    (("MODEL", "ROI_BOX_HEAD", "POOLER_TYPE"), "ROIAlignV2"),
    (("MODEL", "ROI_BOX_HEAD", "POOLER_SAMPLING_RATIO"), 0),
    (("MODEL", "ROI_BOX_HEAD", "CLS_AGNOSTIC_BBOX_REG"), False),
    (("MODEL", "ROI_BOX_HEAD", "USE_SIGMOID_CE"), False),
)


def read_detectron2_yaml(path: str | Path) -> dict[str, Any]:
    """Read a detectron2 YAML file with its ``_BASE_`` chain merged (child over parent)."""
    return _read_merged(Path(path), ())


def _read_merged(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    resolved = path.expanduser().resolve()
    if resolved in chain:
        raise DetectorConfigError(f"{path}: _BASE_ chain loops back to this file")
    if len(chain) >= MAX_BASE_DEPTH:
        raise DetectorConfigError(f"{path}: _BASE_ chain longer than {MAX_BASE_DEPTH} files")
    where = f" (named by _BASE_ in {chain[-1]})" if chain else ""
    try:
        data = yaml.safe_load(_read_text(resolved, where))
    except FileNotFoundError as exc:
        raise DetectorConfigError(f"{path}: config file not found{where}") from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        raise DetectorConfigError(f"{path}: not a readable YAML config: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DetectorConfigError(f"{path}: a detectron2 config is a YAML mapping, "
                                  f"this file holds a {type(data).__name__}")
    base = data.pop("_BASE_", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise DetectorConfigError(f"{path}: _BASE_ must be a file path, got {base!r}")
    base_path = Path(base).expanduser()
    if not base_path.is_absolute():
        # detectron2 resolves a relative _BASE_ against the directory of the file naming it.
        base_path = resolved.parent / base_path
    merged = _read_merged(base_path, (*chain, resolved))
    _merge_into(merged, data)
    return merged


def _read_text(path: Path, where: str) -> str:
    """The text of a config file: a regular file (checked on the open file, not on the
    name) of at most MAX_CONFIG_BYTES, read with that limit. Opened non-blocking: opening
    a named pipe would otherwise wait for a writer."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with open(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise DetectorConfigError(f"{path}: not a regular file{where}")
        data = f.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise DetectorConfigError(f"{path}: larger than {MAX_CONFIG_BYTES >> 10} KiB{where}; "
                                  "not a detectron2 config")
    return data.decode("utf-8")


def _merge_into(base: dict[str, Any], child: Mapping[str, Any]) -> None:
    for key, value in child.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge_into(base[key], value)
        else:
            base[key] = value


def _lookup(tree: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[bool, Any]:
    node: Any = tree
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return False, None
        node = node[key]
    # yacs configs may hold Python literals as strings, e.g. "(640, 672)"; read them as data.
    if isinstance(node, str) and node.startswith(("(", "[", "{")):
        with contextlib.suppress(ValueError, SyntaxError):
            node = ast.literal_eval(node)
    return True, node


def config_from_dict(tree: Mapping[str, Any], source: str = "<config>",
                     **overrides: Any) -> DetectorConfig:
    """Build :class:`DetectorConfig` from a merged detectron2 config tree plus overrides."""
    for keys, expected in _REQUIRED:
        found, value = _lookup(tree, keys)
        if found and _normalise_required(value) != _normalise_required(expected):
            raise DetectorConfigError(
                f"{source}: {'.'.join(keys)} = {value!r} is not supported by this detector "
                f"(it builds the medic_pose Faster R-CNN, which needs {expected!r})")
    values: dict[str, Any] = {}
    for keys, name in _YAML_FIELDS:
        found, value = _lookup(tree, keys)
        if found and value is not None:
            values[name] = value
    try:
        config = DetectorConfig().replace(**values)
    except (TypeError, ValueError) as exc:
        raise DetectorConfigError(f"{source}: bad value in config: {exc}") from exc
    _check(config, source)
    return _apply_overrides(config, overrides)


def load_config(path: str | Path | None = None, **overrides: Any) -> DetectorConfig:
    """Settings from a detectron2 YAML (``None``: the reference defaults), then overrides."""
    if path is None:
        return _apply_overrides(DetectorConfig(), overrides)
    return config_from_dict(read_detectron2_yaml(path), str(path), **overrides)


def _apply_overrides(config: DetectorConfig, overrides: Mapping[str, Any]) -> DetectorConfig:
    """Keyword overrides over a config; unknown names raise TypeError, bad values ours."""
    try:
        config = config.replace(**overrides)
    except (ValueError, TypeError) as exc:
        if isinstance(exc, TypeError) and "unknown detector setting" in str(exc):
            raise
        raise DetectorConfigError(f"overrides: bad value: {exc}") from exc
    _check(config, "overrides")
    return config


def _normalise_required(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return float(value)


def _normalise(values: Mapping[str, Any]) -> dict[str, Any]:
    """Turn YAML lists into the tuple types the dataclass declares."""
    out = dict(values)
    for name in ("pixel_mean", "pixel_std", "rpn_box_weights", "roi_box_weights", "aspect_ratios"):
        if name in out:
            value = out[name]
            if name == "aspect_ratios" and value and isinstance(value[0], (list, tuple)):
                # detectron2 allows one list per level; ours are the same for every level.
                if any(list(v) != list(value[0]) for v in value):
                    raise ValueError("per-level aspect ratios that differ are not supported")
                value = value[0]
            out[name] = tuple(float(v) for v in value)
    if "anchor_sizes" in out:
        out["anchor_sizes"] = tuple(
            tuple(float(s) for s in (level if isinstance(level, (list, tuple)) else [level]))
            for level in out["anchor_sizes"])
    if "class_names" in out:
        out["class_names"] = tuple(str(n) for n in out["class_names"])
    for name in ("min_size", "max_size", "detections_per_image", "rpn_pre_nms_topk",
                 "rpn_post_nms_topk", "pooler_resolution"):
        if name in out:
            out[name] = _as_int(name, out[name])
    if out.get("num_classes") is not None:
        out["num_classes"] = _as_int("num_classes", out["num_classes"])
    for name in ("score_threshold", "nms_threshold", "rpn_nms_threshold", "rpn_min_size"):
        if name in out:
            out[name] = float(out[name])
    if "input_format" in out:
        out["input_format"] = str(out["input_format"]).upper()
    return out


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]  # MIN_SIZE_TEST may be written as a one-element list
    if isinstance(value, bool) or int(value) != value:
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return int(value)


def _check(config: DetectorConfig, source: str) -> None:
    problems = []
    if config.input_format not in ("BGR", "RGB"):
        problems.append(f"INPUT.FORMAT {config.input_format!r} (BGR or RGB supported)")
    if len(config.pixel_mean) != 3 or len(config.pixel_std) != 3:
        problems.append("PIXEL_MEAN/PIXEL_STD need 3 values")
    if len(config.anchor_sizes) != 5 or any(len(s) != 1 for s in config.anchor_sizes):
        problems.append("ANCHOR_GENERATOR.SIZES needs one size for each of p2..p6")
    if len(config.rpn_box_weights) != 4 or len(config.roi_box_weights) != 4:
        problems.append("BBOX_REG_WEIGHTS need 4 values")
    if config.min_size <= 0 or config.max_size <= 0:
        problems.append("MIN_SIZE_TEST and MAX_SIZE_TEST must be positive")
    if config.num_classes is not None and config.num_classes != len(config.class_names) \
            and config.class_names != DEFAULT_CLASS_NAMES:
        problems.append(f"{len(config.class_names)} class names for "
                        f"NUM_CLASSES {config.num_classes}")
    if problems:
        raise DetectorConfigError(f"{source}: " + "; ".join(problems))
