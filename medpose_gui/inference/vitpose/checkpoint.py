"""mmpose 0.x ViTPose state dict -> our module keys, with the architecture read from the shapes.

One pure function, :func:`convert_mmpose_state_dict`, in the manner of timm's
``checkpoint_filter_fn``. It is strict: the network described by the shapes must have exactly
the given keys with exactly the given shapes, otherwise :class:`PoseModelError` lists what does
not fit. (The reference's own loader, mmcv ``load_checkpoint``, only logs missing or unexpected
keys and leaves random weights behind; we never half-load.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import torch

from ..checkpoint_io import key_report, list_keys
from .errors import PoseModelError

# ViT-B's head width (ViTPose-B: embed 768, 12 heads); the only sensible guess for the head
# count when a checkpoint carries no config, since tensor shapes cannot give it.
VIT_B_HEAD_DIM = 64
# mmpose TopdownHeatmapSimpleHead._get_deconv_cfg: kernel -> (padding, output_padding).
DECONV_PADDING = {4: (1, 0), 3: (1, 1), 2: (0, 0)}
# Key prefixes only a detectron2 GeneralizedRCNN state dict has.
_DETECTRON2_PREFIXES = ("backbone.bottom_up.", "backbone.fpn_", "proposal_generator.", "roi_heads.")
_RENAMES = (("backbone.last_norm.", "backbone.norm."), ("keypoint_head.", "head."))


@dataclass(frozen=True)
class ViTPoseArchitecture:
    """Everything needed to build the network, read from a state dict (+ the head count)."""

    embed_dim: int
    depth: int
    num_heads: int
    mlp_hidden: int
    patch_size: int
    num_patches: int
    deconv_filters: tuple[int, ...]
    deconv_kernels: tuple[int, ...]
    final_kernel: int
    num_keypoints: int


def expected_shapes(arch: ViTPoseArchitecture) -> dict[str, tuple[int, ...]]:
    """Keys and shapes (in our naming) of the network ``arch`` describes."""
    d, p = arch.embed_dim, arch.patch_size
    shapes: dict[str, tuple[int, ...]] = {
        "backbone.pos_embed": (1, arch.num_patches + 1, d),
        "backbone.patch_embed.proj.weight": (d, 3, p, p),
        "backbone.patch_embed.proj.bias": (d,),
    }
    for i in range(arch.depth):
        b = f"backbone.blocks.{i}."
        shapes.update({
            b + "norm1.weight": (d,), b + "norm1.bias": (d,),
            b + "attn.qkv.weight": (3 * d, d), b + "attn.qkv.bias": (3 * d,),
            b + "attn.proj.weight": (d, d), b + "attn.proj.bias": (d,),
            b + "norm2.weight": (d,), b + "norm2.bias": (d,),
            b + "mlp.fc1.weight": (arch.mlp_hidden, d), b + "mlp.fc1.bias": (arch.mlp_hidden,),
            b + "mlp.fc2.weight": (d, arch.mlp_hidden), b + "mlp.fc2.bias": (d,),
        })
    shapes["backbone.norm.weight"] = (d,)
    shapes["backbone.norm.bias"] = (d,)
    channels = d
    for j, (filters, kernel) in enumerate(zip(arch.deconv_filters, arch.deconv_kernels, strict=True)):
        # mmpose Sequential per deconv: ConvTranspose2d (3j), BatchNorm2d (3j+1), ReLU (3j+2).
        conv, bn = f"head.deconv_layers.{3 * j}.", f"head.deconv_layers.{3 * j + 1}."
        shapes[conv + "weight"] = (channels, filters, kernel, kernel)
        for name in ("weight", "bias", "running_mean", "running_var"):
            shapes[bn + name] = (filters,)
        shapes[bn + "num_batches_tracked"] = ()
        channels = filters
    k = arch.final_kernel
    shapes["head.final_layer.weight"] = (arch.num_keypoints, channels, k, k)
    shapes["head.final_layer.bias"] = (arch.num_keypoints,)
    return shapes


def _rename(key: str) -> str:
    if key.startswith("module."):  # DataParallel prefix; the reference strips it too
        key = key[len("module."):]
    for old, new in _RENAMES:
        if key.startswith(old):
            return new + key[len(old):]
    return key


def _file_key(key: str) -> str:
    """Our key -> the mmpose name, for messages about keys a file lacks."""
    for old, new in _RENAMES:
        if key.startswith(new):
            return old + key[len(new):]
    return key


def _shape(tensors: Mapping[str, torch.Tensor], key: str, source: str) -> tuple[int, ...]:
    if key not in tensors:
        raise PoseModelError(f"{source}: not an mmpose ViTPose checkpoint: no {_file_key(key)!r} "
                             f"(has e.g. {[_file_key(k) for k in sorted(tensors)[:4]]})")
    return tuple(tensors[key].shape)


def _architecture(tensors: Mapping[str, torch.Tensor], num_heads: int | None,
                  source: str) -> ViTPoseArchitecture:
    pos = _shape(tensors, "backbone.pos_embed", source)
    patch = _shape(tensors, "backbone.patch_embed.proj.weight", source)
    if len(pos) != 3 or pos[0] != 1 or len(patch) != 4 or patch[2] != patch[3]:
        raise PoseModelError(f"{source}: unexpected pos_embed {pos} / patch_embed {patch} shapes")
    embed_dim = pos[2]
    block_ids = {int(m.group(1)) for k in tensors if (m := re.match(r"backbone\.blocks\.(\d+)\.", k))}
    depth = max(block_ids) + 1 if block_ids else 0
    if depth == 0:
        raise PoseModelError(f"{source}: no transformer blocks (backbone.blocks.*) in the state dict")
    fc1 = _shape(tensors, "backbone.blocks.0.mlp.fc1.weight", source)
    filters, kernels = [], []
    while (key := f"head.deconv_layers.{3 * len(filters)}.weight") in tensors:
        shape = tuple(tensors[key].shape)
        if len(shape) != 4 or shape[2] != shape[3] or shape[2] not in DECONV_PADDING:
            raise PoseModelError(f"{source}: unsupported deconvolution {key} of shape {shape}")
        filters.append(shape[1])
        kernels.append(shape[2])
    final = _shape(tensors, "head.final_layer.weight", source)
    if len(final) != 4 or final[2] != final[3] or final[2] % 2 == 0:
        raise PoseModelError(f"{source}: unsupported final layer shape {final}")
    if num_heads is None:
        if embed_dim % VIT_B_HEAD_DIM:
            raise PoseModelError(f"{source}: no stored config gives the attention head count and "
                                 f"embed dim {embed_dim} is not a multiple of {VIT_B_HEAD_DIM}")
        num_heads = embed_dim // VIT_B_HEAD_DIM
    if embed_dim % num_heads:
        raise PoseModelError(f"{source}: {num_heads} heads do not divide embed dim {embed_dim}")
    return ViTPoseArchitecture(
        embed_dim=embed_dim, depth=depth, num_heads=num_heads, mlp_hidden=fc1[0],
        patch_size=patch[2], num_patches=pos[1] - 1, deconv_filters=tuple(filters),
        deconv_kernels=tuple(kernels), final_kernel=final[2], num_keypoints=final[0])


def convert_mmpose_state_dict(state_dict: Mapping[str, object], num_heads: int | None,
                              source: str = "<state_dict>",
                              ) -> tuple[ViTPoseArchitecture, dict[str, torch.Tensor]]:
    """Map an mmpose ViTPose ``state_dict`` to our keys and read the architecture from it.

    ``num_heads`` comes from the stored config; ``None`` falls back to ViT-B's head dim 64.
    Floating tensors are returned as float32. Raises :class:`PoseModelError` for a detectron2
    state dict, a non-tensor value, or any extra/missing key or contradictory shape.
    """
    if not isinstance(state_dict, Mapping) or not state_dict:
        raise PoseModelError(f"{source}: no state dict with tensors in the checkpoint")
    keys = [str(k) for k in state_dict]
    if any(k.startswith(_DETECTRON2_PREFIXES) for k in keys):
        raise PoseModelError(f"{source}: this is a detectron2 detector checkpoint (keys such as "
                             f"{list_keys([k for k in keys if k.startswith(_DETECTRON2_PREFIXES)], 2)}), "
                             "not an mmpose pose checkpoint; give it as the detector weights")
    tensors: dict[str, torch.Tensor] = {}
    original: dict[str, str] = {}  # our key -> the file's key, for error messages
    for key, value in state_dict.items():
        if not isinstance(value, torch.Tensor):
            raise PoseModelError(f"{source}: state dict entry {key!r} is a "
                                 f"{type(value).__name__}, not a tensor")
        new_key = _rename(str(key))
        if new_key in tensors:
            raise PoseModelError(f"{source}: key {key!r} appears twice (with and without 'module.')")
        original[new_key] = str(key)
        tensors[new_key] = value.float() if value.is_floating_point() else value
    arch = _architecture(tensors, num_heads, source)
    expected = expected_shapes(arch)
    problems = key_report({k: t.shape for k, t in tensors.items()}, expected,
                          file_key=lambda k: original.get(k) or _file_key(k))
    if problems:
        raise PoseModelError(f"{source}: does not fit a ViTPose network (embed {arch.embed_dim}, "
                             f"depth {arch.depth}, {arch.num_keypoints} keypoints): "
                             + "; ".join(problems))
    return arch, {k: tensors[k] for k in expected}
