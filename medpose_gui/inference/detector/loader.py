"""Read a detectron2 weights file into a fully loaded :class:`FasterRCNN`, or refuse it.

The file is read with the shared safe loader, the state dict is found in any of the layouts
detectron2 writes (``{"model": ...}`` with or without trainer state, or a bare state dict),
the architecture is inferred from its shapes, and the weights are loaded strictly: every key
of the network present, nothing extra, every shape equal — checked before any tensor is
copied, so a refused file never leaves a half-loaded network behind.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from medpose_gui.inference.checkpoint_io import (
    CheckpointError,
    key_report,
    list_keys,
    load_checkpoint_file,
)

from .checkpoint import (
    ArchitectureError,
    convert_detectron2_state_dict,
    detectron2_key,
    infer_architecture,
    looks_like_mmpose,
)
from .config import DEFAULT_CLASS_NAMES, DetectorConfig
from .errors import DetectorCheckpointError
from .model import Architecture, FasterRCNN

_MMPOSE_MESSAGE = ("looks like a ViTPose/mmpose checkpoint (state_dict with backbone.blocks..., "
                   "keypoint_head...), not a detectron2 detector; give it as the pose model")


def read_state_dict(path: str | Path, *, trust: bool = False) -> dict[str, torch.Tensor]:
    """The detectron2 ``model`` state dict stored in ``path`` (any detectron2 layout)."""
    path = Path(path)
    try:
        obj = load_checkpoint_file(path, trust=trust)
    except DetectorCheckpointError:
        raise
    except CheckpointError as exc:
        raise DetectorCheckpointError(str(exc)) from exc
    state = _find_state_dict(obj, path)
    bad = [k for k, v in state.items() if not isinstance(v, torch.Tensor)]
    if bad:
        raise DetectorCheckpointError(f"{path}: state dict entries are not tensors: "
                                      f"{list_keys(bad)}")
    return dict(state)


def _find_state_dict(obj: Mapping[str, Any], path: Path) -> Mapping[str, Any]:
    if isinstance(obj.get("model"), Mapping):
        state = obj["model"]  # DetectionCheckpointer / DefaultTrainer layouts
    elif isinstance(obj.get("state_dict"), Mapping):
        state = obj["state_dict"]  # mmcv/mmpose and Lightning layouts: never a detectron2 file
        if looks_like_mmpose(list(state)):
            raise DetectorCheckpointError(f"{path}: {_MMPOSE_MESSAGE}")
        raise DetectorCheckpointError(
            f"{path}: has a 'state_dict' but no 'model' entry; detectron2 files keep the "
            f"weights under 'model' (keys found: {list_keys(list(obj))})")
    elif obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        state = obj  # a bare state dict
    else:
        raise DetectorCheckpointError(
            f"{path}: no detector weights found: expected a dict with a 'model' state dict or "
            f"a bare state dict of tensors (top-level keys: {list_keys(list(obj))})")
    if looks_like_mmpose(list(state)):
        raise DetectorCheckpointError(f"{path}: {_MMPOSE_MESSAGE}")
    return state


def _d2(key: str) -> str:
    return detectron2_key(key) or key


def build_from_state_dict(state: Mapping[str, torch.Tensor], config: DetectorConfig,
                          source: str) -> tuple[FasterRCNN, Architecture]:
    """Infer the architecture, build the network, check every key and shape, load strictly."""
    try:
        arch = infer_architecture(state, config.pooler_resolution)
    except ArchitectureError as exc:
        raise DetectorCheckpointError(f"{source}: not a detectron2 ResNet-FPN Faster R-CNN "
                                      f"checkpoint: {exc}") from exc
    if config.num_classes is not None and config.num_classes != arch.num_classes:
        raise DetectorCheckpointError(
            f"{source}: the config says NUM_CLASSES {config.num_classes}, the checkpoint's "
            f"box predictor has {arch.num_classes} classes")
    try:
        model = FasterRCNN(arch, config)
    except ValueError as exc:
        raise DetectorCheckpointError(f"{source}: checkpoint does not fit the config: "
                                      f"{exc}") from exc
    converted = convert_detectron2_state_dict(state)
    problems = key_report({k: v.shape for k, v in converted.items()},
                          {k: v.shape for k, v in model.state_dict().items()}, file_key=_d2)
    if problems:
        raise DetectorCheckpointError(f"{source}: does not match a detectron2 ResNet-FPN "
                                      f"Faster R-CNN: " + "; ".join(problems))
    model.load_state_dict({k: v.float() for k, v in converted.items()}, strict=True)
    return model.eval(), arch


def class_names_for(config: DetectorConfig, num_classes: int, source: str) -> tuple[str, ...]:
    """The config's class names, or generic ones when a non-reference model has none."""
    if len(config.class_names) == num_classes:
        return config.class_names
    if config.class_names == DEFAULT_CLASS_NAMES:
        return tuple(f"class_{i}" for i in range(num_classes))
    raise DetectorCheckpointError(f"{source}: {len(config.class_names)} class names given for "
                                  f"a checkpoint with {num_classes} classes")
