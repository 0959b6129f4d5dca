"""Box arithmetic shared by the RPN and the box head (torchvision ops, detectron2 conventions)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torchvision.models.detection._utils import BoxCoder

# detectron2's Box2BoxTransform clamps dw, dh at log(1000 / 16) before exp (README
# "Conventions"; box_regression.py _DEFAULT_SCALE_CLAMP). torchvision's default is the same.
SCALE_CLAMP = math.log(1000.0 / 16)


def box_coder(weights: Sequence[float]) -> BoxCoder:
    """torchvision's BoxCoder with detectron2's clamp; its decode equals Box2BoxTransform's."""
    wx, wy, ww, wh = (float(w) for w in weights)
    return BoxCoder((wx, wy, ww, wh), bbox_xform_clip=SCALE_CLAMP)


def clip_boxes(boxes: torch.Tensor, size_hw: tuple[int, int]) -> torch.Tensor:
    """Clamp x to [0, w] and y to [0, h] (boxes (..., 4) xyxy); returns a new tensor."""
    h, w = size_hw
    out = boxes.clone()
    out[..., 0::2] = out[..., 0::2].clamp(min=0, max=w)
    out[..., 1::2] = out[..., 1::2].clamp(min=0, max=h)
    return out


def nonempty(boxes: torch.Tensor, min_size: float = 0.0) -> torch.Tensor:
    """Mask of boxes strictly wider and taller than ``min_size``.

    detectron2's ``Boxes.nonempty`` uses ``>``; torchvision's ``remove_small_boxes`` uses
    ``>=``, which would keep zero-area boxes at min_size 0.
    """
    return ((boxes[:, 2] - boxes[:, 0]) > min_size) & ((boxes[:, 3] - boxes[:, 1]) > min_size)
