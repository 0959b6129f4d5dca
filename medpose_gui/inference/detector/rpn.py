"""Region proposal network at test time, as detectron2's ``RPN`` + ``find_top_rpn_proposals``.

The head is torchvision's ``RPNHead`` (3x3 conv + ReLU, 1x1 objectness and deltas), whose
outputs and flattening order (H, W, A) are detectron2's (README point 7). Proposal selection
follows README point 8: top-k by raw logit per level, clip to the unpadded image, drop empty
boxes, NMS per level ranked by logit, keep the first POST_NMS_TOPK overall.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torchvision.models.detection.rpn import RPNHead
from torchvision.ops import batched_nms

from .anchors import AnchorGenerator
from .box_coding import box_coder, clip_boxes, nonempty


class RegionProposalNetwork(nn.Module):
    """Proposals (boxes in resized-image pixels) and their objectness logits per image."""

    def __init__(self, in_channels: int, anchor_generator: AnchorGenerator,
                 box_weights: Sequence[float], pre_nms_topk: int, post_nms_topk: int,
                 nms_threshold: float, min_size: float = 0.0) -> None:
        super().__init__()
        self.anchor_generator = anchor_generator
        self.head = RPNHead(in_channels, anchor_generator.num_anchors_per_location)
        self.box_coder = box_coder(box_weights)
        self.pre_nms_topk = pre_nms_topk
        self.post_nms_topk = post_nms_topk
        self.nms_threshold = nms_threshold
        self.min_size = min_size

    def forward(self, features: Sequence[torch.Tensor], image_sizes: Sequence[tuple[int, int]]
                ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """``features``: p2..p6 of the padded batch. Returns boxes and logits per image."""
        logits_per_level, deltas_per_level = self.head(list(features))
        anchors = self.anchor_generator([f.shape[-2:] for f in features], features[0].device)
        batch = features[0].shape[0]

        top_boxes, top_logits, top_levels = [], [], []
        for level, (logits, deltas, level_anchors) in enumerate(
                zip(logits_per_level, deltas_per_level, anchors, strict=True)):
            # (N, A, H, W) -> (N, H*W*A); (N, A*4, H, W) -> (N, H*W*A, 4).
            # float32 even under autocast: fp16 cannot hold pixel coordinates to 0.05 px.
            logits = logits.float().permute(0, 2, 3, 1).reshape(batch, -1)
            n, a4, h, w = deltas.shape
            deltas = deltas.float().view(n, a4 // 4, 4, h, w).permute(0, 3, 4, 1, 2)
            deltas = deltas.reshape(batch, -1, 4)
            k = min(self.pre_nms_topk, logits.shape[1])
            top_logits_level, order = top_k_by_logit(logits, k)
            picked_deltas = torch.gather(deltas, 1, order.unsqueeze(-1).expand(-1, -1, 4))
            boxes = self.box_coder.decode_single(picked_deltas.reshape(-1, 4),
                                                 level_anchors[order.reshape(-1)])
            top_boxes.append(boxes.view(batch, k, 4))
            top_logits.append(top_logits_level)
            top_levels.append(torch.full((k,), level, dtype=torch.int64, device=logits.device))

        boxes_all = torch.cat(top_boxes, dim=1)
        logits_all = torch.cat(top_logits, dim=1)
        levels_all = torch.cat(top_levels)
        proposals, proposal_logits = [], []
        for i, size in enumerate(image_sizes):
            boxes, logits, levels = boxes_all[i], logits_all[i], levels_all
            finite = torch.isfinite(boxes).all(dim=1) & torch.isfinite(logits)
            if not bool(finite.all()):
                boxes, logits, levels = boxes[finite], logits[finite], levels[finite]
            boxes = clip_boxes(boxes, size)
            keep = nonempty(boxes, self.min_size)
            if not bool(keep.all()):
                boxes, logits, levels = boxes[keep], logits[keep], levels[keep]
            # Ranked by logit, not sigmoid: sigmoid saturates to 1.0 and would reorder ties.
            keep = batched_nms(boxes, logits, levels, self.nms_threshold)[: self.post_nms_topk]
            proposals.append(boxes[keep])
            proposal_logits.append(logits[keep])
        return proposals, proposal_logits


def top_k_by_logit(logits: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` largest logits of each row and their indices, best first: exactly the first
    ``k`` columns of ``logits.sort(dim=1, descending=True)`` (detectron2 sorts).

    ``topk`` picks them without sorting all H*W*A logits (p2 of a 750x1333 frame has 194k;
    about 18 ms less per frame, issue 15). Where ``topk`` and a full sort could disagree (two
    equal logits among the first k + 1, which makes the tie order or the cut decide, or a
    NaN/inf) it sorts, so the result never depends on the choice.
    """
    n = logits.shape[1]
    if k >= n:
        values, order = logits.sort(dim=1, descending=True)
        return values, order
    values, order = logits.topk(k + 1, dim=1, largest=True, sorted=True)
    tied = (values[:, 1:] == values[:, :-1]).any()
    if bool(tied) or not bool(torch.isfinite(values).all()):
        values, order = logits.sort(dim=1, descending=True)
    return values[:, :k], order[:, :k]
