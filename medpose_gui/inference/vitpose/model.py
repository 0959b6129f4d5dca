"""The ViTPose network: a plain ViT from timm blocks and the top-down heatmap head.

Matches the reference (ViTPose fork of mmpose 0.24, ``ViT`` backbone +
``TopdownHeatmapSimpleHead``) in every point that changes numbers; see
fixtures/vitpose/README.md, "Reproducing the reference without mmpose", items 4 and 5.
"""

from __future__ import annotations

from functools import partial

import torch
from timm.models.vision_transformer import Block
from torch import nn

from .checkpoint import DECONV_PADDING, ViTPoseArchitecture
from .errors import PoseModelError

# Reference ViT PatchEmbed: padding = 4 + 2 * (ratio // 2 - 1) with ratio = 1 -> 2
# (timm's PatchEmbed has none; 256x192 still gives 16x12 tokens).
PATCH_PADDING = 2
# Reference ViT: LayerNorm(eps=1e-6) in every block and for last_norm (1e-5 shifts scores).
LAYER_NORM_EPS = 1e-6


def patch_grid(image_size_wh: tuple[int, int], patch_size: int) -> tuple[int, int]:
    """Token grid (rows, cols) of the padded patch convolution for an input of (w, h)."""
    w, h = image_size_wh
    return ((h + 2 * PATCH_PADDING - patch_size) // patch_size + 1,
            (w + 2 * PATCH_PADDING - patch_size) // patch_size + 1)


class PatchEmbed(nn.Module):
    """16x16 stride-16 convolution with the reference's padding of 2."""

    def __init__(self, patch_size: int, embed_dim: int, in_chans: int = 3) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, patch_size, stride=patch_size,
                              padding=PATCH_PADDING)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x)


class ViTBackbone(nn.Module):
    """Plain ViT without class token; returns the token grid as an (N, D, rows, cols) map."""

    def __init__(self, arch: ViTPoseArchitecture) -> None:
        super().__init__()
        d = arch.embed_dim
        self.patch_embed = PatchEmbed(arch.patch_size, d)
        self.pos_embed = nn.Parameter(torch.zeros(1, arch.num_patches + 1, d))
        norm = partial(nn.LayerNorm, eps=LAYER_NORM_EPS)
        # timm's Block: pre-norm attention + MLP, qkv with bias, scale head_dim**-0.5, erf GELU.
        self.blocks = nn.Sequential(*[
            Block(d, arch.num_heads, mlp_ratio=arch.mlp_hidden / d, qkv_bias=True,
                  norm_layer=norm, act_layer=nn.GELU)
            for _ in range(arch.depth)])
        self.norm = norm(d)  # the reference's ``last_norm``
        built_hidden = self.blocks[0].mlp.fc1.out_features
        if built_hidden != arch.mlp_hidden:
            raise PoseModelError(f"MLP width {arch.mlp_hidden} cannot be built (got {built_hidden})")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        n, d, rows, cols = x.shape
        if rows * cols + 1 != self.pos_embed.shape[1]:
            raise PoseModelError(f"input gives {rows}x{cols} tokens but pos_embed has "
                                 f"{self.pos_embed.shape[1] - 1}")
        x = x.flatten(2).transpose(1, 2)  # tokens in row-major (y, x) order
        # The reference adds the class-token position to every token (there is no class token).
        x = x + self.pos_embed[:, 1:] + self.pos_embed[:, :1]
        x = self.norm(self.blocks(x))
        return x.transpose(1, 2).reshape(n, d, rows, cols)


class HeatmapHead(nn.Module):
    """Deconvolutions (no bias) + BatchNorm + ReLU, then a conv to one channel per keypoint."""

    def __init__(self, arch: ViTPoseArchitecture) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = arch.embed_dim
        for filters, kernel in zip(arch.deconv_filters, arch.deconv_kernels, strict=True):
            padding, output_padding = DECONV_PADDING[kernel]
            layers += [
                nn.ConvTranspose2d(channels, filters, kernel, stride=2, padding=padding,
                                   output_padding=output_padding, bias=False),
                nn.BatchNorm2d(filters),  # eps 1e-5, as mmcv's BN default
                nn.ReLU(inplace=True),
            ]
            channels = filters
        self.deconv_layers = nn.Sequential(*layers)
        k = arch.final_kernel
        self.final_layer = nn.Conv2d(channels, arch.num_keypoints, k, padding=(k - 1) // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.final_layer(self.deconv_layers(x))


class ViTPoseNet(nn.Module):
    """Backbone + head: (N, 3, H, W) normalised crops -> (N, K, H/4, W/4) heatmaps."""

    def __init__(self, arch: ViTPoseArchitecture) -> None:
        super().__init__()
        self.arch = arch
        self.backbone = ViTBackbone(arch)
        self.head = HeatmapHead(arch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))
