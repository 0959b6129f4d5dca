"""ResNet (detectron2 flavour) + FPN with a max-pool P6, from torchvision blocks where they fit.

The ResNet is detectron2's, not torchvision's: with ``STRIDE_IN_1X1`` (the MSRA weights'
convention, kept by the medic_pose config) the stride 2 of a stage's first block sits on the
1x1 ``conv1``, while torchvision's ``Bottleneck`` strides the 3x3 (README point 3). Widths are
free parameters so the slim fixture model and the full R101 share the code. The FPN is
torchvision's ``FeaturePyramidNetwork`` with ``LastLevelMaxPool``, which computes what
detectron2's FPN + ``LastLevelMaxPool`` computes (README point 5).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import FeaturePyramidNetwork, FrozenBatchNorm2d
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

# FrozenBN eps of detectron2's FrozenBatchNorm2d (README point 4); torchvision's default too.
FROZEN_BN_EPS = 1e-5


@dataclass(frozen=True)
class BackboneSpec:
    """Widths and depth of a ResNet-FPN, as inferred from a checkpoint."""

    blocks_per_stage: tuple[int, int, int, int]  # res2..res5, e.g. (3, 4, 23, 3) for R101
    stem_channels: int  # STEM_OUT_CHANNELS
    bottleneck_channels: tuple[int, int, int, int]  # conv1/conv2 width of each stage
    out_channels: tuple[int, int, int, int]  # conv3 width (stage output) of each stage
    fpn_channels: int  # FPN.OUT_CHANNELS


def _conv(in_ch: int, out_ch: int, kernel: int, stride: int = 1) -> nn.Conv2d:
    # ResNet convs have no bias: a FrozenBN follows each (detectron2 keys have no conv bias).
    return nn.Conv2d(in_ch, out_ch, kernel, stride=stride, padding=kernel // 2, bias=False)


class Bottleneck(nn.Module):
    """1x1 -> 3x3 -> 1x1 residual block with the stride on the first 1x1 (STRIDE_IN_1X1)."""

    def __init__(self, in_ch: int, mid_ch: int, out_ch: int, stride: int) -> None:
        super().__init__()
        self.conv1 = _conv(in_ch, mid_ch, 1, stride)
        self.bn1 = FrozenBatchNorm2d(mid_ch, eps=FROZEN_BN_EPS)
        self.conv2 = _conv(mid_ch, mid_ch, 3)
        self.bn2 = FrozenBatchNorm2d(mid_ch, eps=FROZEN_BN_EPS)
        self.conv3 = _conv(mid_ch, out_ch, 1)
        self.bn3 = FrozenBatchNorm2d(out_ch, eps=FROZEN_BN_EPS)
        # detectron2 gives a block a projection shortcut whenever the width changes, which
        # includes res2's first block (stride 1); other blocks add their input unchanged.
        self.downsample: nn.Module | None = None
        if in_ch != out_ch:
            self.downsample = nn.Sequential(_conv(in_ch, out_ch, 1, stride),
                                            FrozenBatchNorm2d(out_ch, eps=FROZEN_BN_EPS))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = F.relu(self.bn2(self.conv2(out)), inplace=True)
        out = self.bn3(self.conv3(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        # In place: ``out`` is this block's own fresh tensor, so adding into it saves one
        # stage-sized allocation per block (R101 has 33); bit-identical to ``out + shortcut``
        # (the same elementwise sum) and 1-3 % faster (issue 15).
        out += shortcut
        return F.relu_(out)


class ResNet(nn.Module):
    """Stem (7x7/2 conv, FrozenBN, ReLU, 3x3/2 max-pool) and stages res2..res5."""

    def __init__(self, spec: BackboneSpec) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, spec.stem_channels, 7, stride=2, padding=3, bias=False)
        self.bn1 = FrozenBatchNorm2d(spec.stem_channels, eps=FROZEN_BN_EPS)
        in_ch = spec.stem_channels
        for index, (count, mid, out) in enumerate(
                zip(spec.blocks_per_stage, spec.bottleneck_channels, spec.out_channels,
                    strict=True)):
            first_stride = 1 if index == 0 else 2  # res2 keeps the stem's stride 4
            blocks = []
            for b in range(count):
                blocks.append(Bottleneck(in_ch, mid, out, first_stride if b == 0 else 1))
                in_ch = out
            self.add_module(f"layer{index + 1}", nn.Sequential(*blocks))

    def forward(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        x = F.relu(self.bn1(self.conv1(x)), inplace=True)
        x = F.max_pool2d(x, kernel_size=3, stride=2, padding=1)
        outputs: OrderedDict[str, torch.Tensor] = OrderedDict()
        for index, name in enumerate(("res2", "res3", "res4", "res5")):
            x = getattr(self, f"layer{index + 1}")(x)
            outputs[name] = x
        return outputs


# Names of the FPN outputs in order, with the stride of each (detectron2's p2..p6).
FPN_LEVELS: tuple[str, ...] = ("p2", "p3", "p4", "p5", "p6")
FPN_STRIDES: tuple[int, ...] = (4, 8, 16, 32, 64)


class ResNetFPN(nn.Module):
    """ResNet body + FPN; returns the dict p2..p6 of feature maps."""

    def __init__(self, spec: BackboneSpec) -> None:
        super().__init__()
        self.body = ResNet(spec)
        self.fpn = FeaturePyramidNetwork(list(spec.out_channels), spec.fpn_channels,
                                         extra_blocks=LastLevelMaxPool())

    def forward(self, images: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        # NHWC lets oneDNN/cuDNN pick faster convolutions (about a quarter less CPU time for
        # R101 at 768x1344); values are the same up to float rounding.
        pyramid = self.fpn(self.body(images.contiguous(memory_format=torch.channels_last)))
        # torchvision returns res2..res5 names + "pool"; rename to detectron2's p2..p6.
        return OrderedDict(zip(FPN_LEVELS, pyramid.values(), strict=True))



def fold_frozen_batchnorm(module: nn.Module) -> None:
    """Fold every FrozenBN into the bias-free conv before it, in place (inference speed-up).

    A frozen norm is a fixed per-channel affine map, so ``bn(conv(x))`` equals a conv with
    weights scaled by ``weight / sqrt(var + eps)`` and bias ``bias - mean * scale``. This saves
    the two elementwise passes per conv (about a quarter of the CPU time); outputs move by
    float rounding only (README "Tolerances": the FrozenBN formula is not what decides them).
    Run it after the strict load: folded modules no longer have detectron2's keys.
    """
    pairs: list[tuple[nn.Module, str, str]] = []
    for parent in module.modules():
        if isinstance(parent, (Bottleneck, ResNet)):
            pairs += [(parent, f"conv{i}", f"bn{i}") for i in (1, 2, 3) if hasattr(parent, f"bn{i}")]
        if isinstance(parent, nn.Sequential) and len(parent) == 2 \
                and isinstance(parent[0], nn.Conv2d) and isinstance(parent[1], FrozenBatchNorm2d):
            pairs.append((parent, "0", "1"))
    for parent, conv_name, bn_name in pairs:
        conv, bn = getattr(parent, conv_name), getattr(parent, bn_name)
        if not isinstance(bn, FrozenBatchNorm2d):
            continue  # already folded
        with torch.no_grad():
            scale = bn.weight * (bn.running_var + bn.eps).rsqrt()
            folded = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                               stride=conv.stride, padding=conv.padding, bias=True,
                               device=conv.weight.device, dtype=conv.weight.dtype)
            folded.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
            folded.bias.copy_(bn.bias - bn.running_mean * scale)
        setattr(parent, conv_name, folded)
        setattr(parent, bn_name, nn.Identity())
