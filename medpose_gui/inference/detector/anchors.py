"""Anchor boxes of detectron2's ``DefaultAnchorGenerator`` (README point 6).

Differs from torchvision's ``AnchorGenerator`` in three ways that move the goldens: the stride
of each level is fixed (4..64) rather than inferred from padded size / feature size, the cell
anchors are not rounded to integers, and grid shifts have no half-pixel offset (OFFSET 0.0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn


def cell_anchors(sizes: Sequence[float], aspect_ratios: Sequence[float]) -> torch.Tensor:
    """(len(sizes) * len(ratios), 4) anchors centred on 0; ratio = height / width.

    Computed in Python floats, then stored as float32, as detectron2 does; sizes outer,
    ratios inner.
    """
    rows = []
    for size in sizes:
        area = float(size) ** 2
        for ratio in aspect_ratios:
            w = math.sqrt(area / ratio)
            h = ratio * w
            rows.append([-w / 2.0, -h / 2.0, w / 2.0, h / 2.0])
    return torch.tensor(rows, dtype=torch.float32)


class AnchorGenerator(nn.Module):
    """Anchors for every position of every feature level, in (y, x, anchor) row-major order."""

    def __init__(self, sizes: Sequence[Sequence[float]], aspect_ratios: Sequence[float],
                 strides: Sequence[int]) -> None:
        super().__init__()
        if len(sizes) != len(strides):
            raise ValueError(f"{len(sizes)} anchor size lists for {len(strides)} feature levels")
        self.strides = tuple(int(s) for s in strides)
        self._cells = [cell_anchors(s, aspect_ratios) for s in sizes]

    @property
    def num_anchors_per_location(self) -> int:
        """Anchors per feature-map cell (the same on every level)."""
        return int(self._cells[0].shape[0])

    def forward(self, feature_shapes: Sequence[tuple[int, int]],
                device: torch.device) -> list[torch.Tensor]:
        """One (H * W * A, 4) tensor per level for feature maps of the given (H, W)."""
        anchors = []
        for (height, width), stride, cell in zip(feature_shapes, self.strides, self._cells,
                                                 strict=True):
            shift_x = torch.arange(0, width * stride, step=stride, dtype=torch.float32,
                                   device=device)
            shift_y = torch.arange(0, height * stride, step=stride, dtype=torch.float32,
                                   device=device)
            grid_y, grid_x = torch.meshgrid(shift_y, shift_x, indexing="ij")
            grid_x, grid_y = grid_x.reshape(-1), grid_y.reshape(-1)
            shifts = torch.stack((grid_x, grid_y, grid_x, grid_y), dim=1)
            anchors.append((shifts.view(-1, 1, 4) + cell.to(device).view(1, -1, 4)).reshape(-1, 4))
        return anchors
