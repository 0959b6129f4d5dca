"""What a weights file is: detector or pose model, detected from its keys, then proven by loading.

The kind is read from the checkpoint's keys (detectron2 keeps its weights under ``model`` with
``backbone.bottom_up.*`` / ``proposal_generator.*`` / ``roi_heads.*``; mmpose under
``state_dict`` with ``backbone.blocks.*`` / ``keypoint_head.*``), and the file is then loaded
with the program's real loader (``load_detector`` / ``load_pose_estimator``), so a file that is
accepted here is one the app and the CLI can run. torch is imported only when a file is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medpose_gui.model_registry.catalogue import DETECTOR, POSE
from medpose_gui.model_registry.errors import ModelRegistryError

# Top-level module names of a detectron2 GeneralizedRCNN state dict.
_DETECTRON2_PREFIXES = ("backbone.bottom_up.", "backbone.fpn_", "proposal_generator.",
                        "roi_heads.")


@dataclass(frozen=True)
class ModelInfo:
    """A checked weights file."""

    path: Path
    kind: str  # "detector" | "pose"
    sha256: str
    size: int
    num_keypoints: int | None = None  # pose
    keypoint_names: tuple[str, ...] | None = None  # pose
    schema: str | None = None  # builtin schema whose point names the pose model predicts
    class_names: tuple[str, ...] | None = None  # detector


def kind_of_checkpoint(checkpoint: Mapping[str, Any]) -> str | None:
    """``"detector"``, ``"pose"`` or None from a loaded checkpoint dict's keys."""
    from medpose_gui.inference.detector.checkpoint import looks_like_mmpose

    candidates = [checkpoint.get("state_dict"), checkpoint.get("model"), checkpoint]
    for state in candidates:
        if not isinstance(state, Mapping):
            continue
        keys = [str(k) for k in state]
        if looks_like_mmpose(keys):
            return POSE
        if any(k.startswith(_DETECTRON2_PREFIXES) for k in keys):
            return DETECTOR
    return None


def schema_for_keypoints(names: tuple[str, ...]) -> str | None:
    """The builtin schema with exactly these point names, in this order."""
    from medpose_gui.core.schema import builtin_schema_names, load_schema

    for schema_name in builtin_schema_names():
        if load_schema(schema_name).keypoints == tuple(names):
            return schema_name
    return None


def inspect_model_file(path: str | Path, *, trust: bool = False) -> ModelInfo:
    """Check that ``path`` is a detector or pose checkpoint the program can load.

    Raises :class:`ModelRegistryError` naming the file when it is not a checkpoint (a text
    file, an image, a web page), is a checkpoint of something else, or does not load.
    """
    from medpose_gui.inference.checkpoint_io import (
        CheckpointError,
        file_sha256,
        load_checkpoint_file,
    )

    path = Path(path)
    if not path.is_file():
        raise ModelRegistryError(f"{path}: no such file")
    try:
        checkpoint = load_checkpoint_file(path, trust=trust)
    except CheckpointError as exc:
        raise ModelRegistryError(f"{exc} -- expected a detectron2 detector or an mmpose "
                                 "ViTPose checkpoint (.pth)") from None
    kind = kind_of_checkpoint(checkpoint)
    del checkpoint
    if kind is None:
        raise ModelRegistryError(f"{path}: a torch checkpoint, but neither a detectron2 detector "
                                 "nor an mmpose ViTPose pose model (unknown weight names)")
    sha256, size = file_sha256(path), path.stat().st_size
    try:
        if kind == DETECTOR:
            from medpose_gui.inference import load_detector

            detector = load_detector(path, trust=trust)
            return ModelInfo(path, kind, sha256, size, class_names=tuple(detector.class_names))
        from medpose_gui.inference import load_pose_estimator

        pose = load_pose_estimator(path, trust=trust)
    except CheckpointError as exc:
        raise ModelRegistryError(f"{path}: looks like a {kind} checkpoint but does not load: "
                                 f"{exc}") from None
    names = tuple(pose.keypoint_names)
    return ModelInfo(path, kind, sha256, size, num_keypoints=int(pose.num_keypoints),
                     keypoint_names=names, schema=schema_for_keypoints(names))
