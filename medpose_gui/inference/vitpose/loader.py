"""Build a :class:`PoseEstimator` from an mmpose 0.x ViTPose checkpoint file, strictly."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch

from ...core.reference import REFERENCE_FLIP_TEST
from ..checkpoint_io import load_checkpoint_file
from .checkpoint import convert_mmpose_state_dict
from .config import pose_config_from_meta
from .errors import PoseModelError
from .estimator import PoseEstimator
from .model import ViTPoseNet, patch_grid


def _state_dict_of(checkpoint: Mapping[str, object], source: str) -> Mapping[str, object]:
    """mmcv writes ``{'meta', 'state_dict', 'optimizer'}``; a bare state dict is accepted too."""
    state = checkpoint.get("state_dict")
    if isinstance(state, Mapping):
        return state
    model = checkpoint.get("model")
    if isinstance(model, Mapping):
        return model  # detectron2 layout: the converter names it a detector checkpoint
    if checkpoint and all(isinstance(v, torch.Tensor) for v in checkpoint.values()):
        return checkpoint
    raise PoseModelError(f"{source}: no 'state_dict' in the checkpoint "
                         f"(top-level keys: {sorted(map(str, checkpoint))[:8]})")


def load_pose_estimator(weights: str | Path, device: str | torch.device = "cpu",
                        flip_test: bool = REFERENCE_FLIP_TEST, trust: bool = False,
                        precision: str = "fp32", max_batch: int | None = None) -> PoseEstimator:
    """Load an mmpose ViTPose checkpoint unchanged and return a ready :class:`PoseEstimator`.

    The architecture comes from the tensor shapes, the head count, keypoint names and flip
    pairs from ``meta['config']`` (read as data). Any key or shape that does not fit raises
    :class:`PoseModelError`; nothing is ever half-loaded. ``trust=True`` lets a checkpoint
    whose pickle needs more than plain data load (it can run code; opt-in only).
    """
    source = str(weights)
    checkpoint = load_checkpoint_file(weights, trust=trust)
    config = pose_config_from_meta(checkpoint.get("meta"), source)
    arch, tensors = convert_mmpose_state_dict(_state_dict_of(checkpoint, source),
                                              config.num_heads, source)
    rows, cols = patch_grid(config.image_size, arch.patch_size)
    if rows * cols != arch.num_patches:
        raise PoseModelError(f"{source}: pos_embed has {arch.num_patches} patches but a "
                             f"{config.image_size[0]}x{config.image_size[1]} input gives {rows}x{cols}")
    upscale = 2 ** len(arch.deconv_filters)
    if (cols * upscale, rows * upscale) != tuple(config.heatmap_size):
        raise PoseModelError(f"{source}: the head gives {cols * upscale}x{rows * upscale} heatmaps, "
                             f"the config says {config.heatmap_size[0]}x{config.heatmap_size[1]}")
    # Built on the meta device: no time spent on random initialisation that the checkpoint
    # overwrites; the strict load then assigns the checkpoint tensors themselves.
    with torch.device("meta"):
        net = ViTPoseNet(arch)
    net.load_state_dict(tensors, strict=True, assign=True)
    if any(t.is_meta for t in (*net.parameters(), *net.buffers())):
        raise PoseModelError(f"{source}: internal error: a network tensor was not loaded")
    return PoseEstimator(net, config, device=device, flip_test=flip_test, precision=precision,
                         source=source, max_batch=max_batch)
