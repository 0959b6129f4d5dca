"""detectron2 checkpoint -> our module: key mapping and architecture inference, both pure.

detectron2 names (README "Checkpoint layouts"): ``backbone.bottom_up.stem.conv1[.norm]``,
``backbone.bottom_up.res{2..5}.{i}.conv{1,2,3}[.norm]`` and ``.shortcut[.norm]``,
``backbone.fpn_lateral{2..5}``/``fpn_output{2..5}``, ``proposal_generator.rpn_head.*``,
``roi_heads.box_head.fc{1,2}``, ``roi_heads.box_predictor.*``. Our modules use torchvision's
names where they are torchvision's blocks (``FeaturePyramidNetwork``, ``RPNHead``,
``TwoMLPHead``). The tensors themselves carry over unchanged: our box predictor keeps
detectron2's background-last, class-specific layout.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import torch

from .backbone import BackboneSpec
from .model import Architecture

_STAGES = (2, 3, 4, 5)  # res2..res5 = torchvision layer1..layer4
_FPN_LEVELS = (2, 3, 4, 5)  # fpn_lateral2..5 = inner_blocks.0..3

# detectron2 registered pixel_mean/pixel_std as state-dict buffers in early releases; they
# are config values (INPUT/MODEL.PIXEL_*), not weights, so they are dropped when present.
_IGNORED_KEYS = frozenset({"pixel_mean", "pixel_std"})


# (detectron2 prefix, our prefix) of the layers outside residual stages.
_LAYER_PREFIXES: tuple[tuple[str, str], ...] = (
    ("backbone.bottom_up.stem.conv1.norm.", "backbone.body.bn1."),
    ("backbone.bottom_up.stem.conv1.", "backbone.body.conv1."),
    *((f"backbone.fpn_lateral{lv}.", f"backbone.fpn.inner_blocks.{lv - 2}.0.") for lv in _FPN_LEVELS),
    *((f"backbone.fpn_output{lv}.", f"backbone.fpn.layer_blocks.{lv - 2}.0.") for lv in _FPN_LEVELS),
    ("proposal_generator.rpn_head.conv.", "rpn.head.conv.0.0."),
    ("proposal_generator.rpn_head.objectness_logits.", "rpn.head.cls_logits."),
    ("proposal_generator.rpn_head.anchor_deltas.", "rpn.head.bbox_pred."),
    ("roi_heads.box_head.fc1.", "roi_heads.box_head.fc6."),
    ("roi_heads.box_head.fc2.", "roi_heads.box_head.fc7."),
    ("roi_heads.box_predictor.cls_score.", "roi_heads.box_predictor.cls_score."),
    ("roi_heads.box_predictor.bbox_pred.", "roi_heads.box_predictor.bbox_pred."),
)
# (detectron2 prefix, our prefix) of the residual stages; block keys follow as "{i}.{part}".
_STAGE_PREFIXES: tuple[tuple[str, str], ...] = tuple(
    (f"backbone.bottom_up.res{s}.", f"backbone.body.layer{s - 1}.") for s in _STAGES)
# Inside a bottleneck block: (detectron2 part, our part), most specific first.
_BLOCK_PARTS: tuple[tuple[str, str], ...] = (
    ("conv1.norm.", "bn1."), ("conv2.norm.", "bn2."), ("conv3.norm.", "bn3."),
    ("shortcut.norm.", "downsample.1."), ("shortcut.", "downsample.0."),
    ("conv1.", "conv1."), ("conv2.", "conv2."), ("conv3.", "conv3."),
)
_BLOCK_KEY = re.compile(r"(\d+)\.(.+)")


def _swap(pair: tuple[str, str], to_model: bool) -> tuple[str, str]:
    return pair if to_model else (pair[1], pair[0])


def _rename(key: str, to_model: bool) -> str | None:
    for pair in _LAYER_PREFIXES:
        src, dst = _swap(pair, to_model)
        if key.startswith(src):
            return dst + key[len(src):]
    for pair in _STAGE_PREFIXES:
        src, dst = _swap(pair, to_model)
        match = _BLOCK_KEY.fullmatch(key[len(src):]) if key.startswith(src) else None
        if match is None:
            continue
        index, part = match.groups()
        for part_pair in _BLOCK_PARTS:
            p_src, p_dst = _swap(part_pair, to_model)
            if part.startswith(p_src):
                return f"{dst}{index}.{p_dst}{part[len(p_src):]}"
    return None


def model_key(detectron2_key: str) -> str | None:
    """Our module's name for a detectron2 state-dict key (None: not part of this network)."""
    return _rename(detectron2_key, to_model=True)


def detectron2_key(model_key_: str) -> str | None:
    """The detectron2 name of one of our module's state-dict keys (for error messages)."""
    return _rename(model_key_, to_model=False)


def convert_detectron2_state_dict(
        state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename a detectron2 ``model`` state dict onto our module's keys.

    Tensors are passed through unchanged. A key that belongs to no part of this network keeps
    its detectron2 name, so a strict load reports it as unexpected under that name.
    """
    out: dict[str, torch.Tensor] = {}
    for key, value in state_dict.items():
        if key in _IGNORED_KEYS:
            continue
        out[model_key(key) or key] = value
    return out


class ArchitectureError(ValueError):
    """The tensor shapes do not describe a ResNet-FPN Faster R-CNN we can build."""


def _shape(state_dict: Mapping[str, torch.Tensor], key: str) -> tuple[int, ...]:
    if key not in state_dict:
        raise ArchitectureError(f"missing key {key}")
    return tuple(state_dict[key].shape)


def infer_architecture(state_dict: Mapping[str, torch.Tensor],
                       pooler_resolution: int = 7) -> Architecture:
    """Depth and widths of the network from a detectron2 state dict's keys and shapes."""
    blocks, mids, outs = [], [], []
    for stage in _STAGES:
        pattern = re.compile(rf"backbone\.bottom_up\.res{stage}\.(\d+)\.conv1\.weight")
        indices = sorted(int(m.group(1)) for k in state_dict if (m := pattern.fullmatch(k)))
        if not indices:
            raise ArchitectureError(f"no blocks for stage res{stage} "
                                    f"(no backbone.bottom_up.res{stage}.*.conv1.weight)")
        if indices != list(range(len(indices))):
            raise ArchitectureError(f"stage res{stage} has block indices {indices}, "
                                    "expected 0..n-1")
        blocks.append(len(indices))
        mids.append(_shape(state_dict, f"backbone.bottom_up.res{stage}.0.conv1.weight")[0])
        outs.append(_shape(state_dict, f"backbone.bottom_up.res{stage}.0.conv3.weight")[0])
    stem = _shape(state_dict, "backbone.bottom_up.stem.conv1.weight")[0]
    fpn = _shape(state_dict, "backbone.fpn_lateral2.weight")[0]
    anchors = _shape(state_dict, "proposal_generator.rpn_head.objectness_logits.weight")[0]
    fc1 = _shape(state_dict, "roi_heads.box_head.fc1.weight")
    cls_rows = _shape(state_dict, "roi_heads.box_predictor.cls_score.weight")[0]
    box_rows = _shape(state_dict, "roi_heads.box_predictor.bbox_pred.weight")[0]
    num_classes = cls_rows - 1  # K classes + background
    if num_classes < 1 or box_rows != 4 * num_classes:
        raise ArchitectureError(
            f"box predictor has {cls_rows} class outputs and {box_rows} box outputs; a "
            f"detectron2 class-specific head has K+1 and 4K (torchvision-layout or "
            f"class-agnostic heads are not this model)")
    pooled = fpn * pooler_resolution * pooler_resolution
    if fc1[1] != pooled:
        raise ArchitectureError(
            f"roi_heads.box_head.fc1 takes {fc1[1]} inputs, but FPN width {fpn} x "
            f"{pooler_resolution}x{pooler_resolution} pooling gives {pooled}")
    spec = BackboneSpec(tuple(blocks), stem, tuple(mids), tuple(outs), fpn)  # type: ignore[arg-type]
    return Architecture(spec, num_anchors=anchors, fc_dim=fc1[0], num_classes=num_classes)


def looks_like_mmpose(keys: list[str]) -> bool:
    """True for a ViTPose/mmpose state dict (``backbone.blocks.*``, ``keypoint_head.*``)."""
    return any(k.startswith(("backbone.blocks.", "keypoint_head.", "backbone.patch_embed."))
               for k in keys)
