"""Box head of detectron2's ``StandardROIHeads`` at test time (README points 9-11).

Pooling is ``torchvision.ops.roi_align`` called as detectron2's ROIAlignV2 (``aligned=True``,
``sampling_ratio=0``) on the level detectron2 assigns, not torchvision's ``MultiScaleRoIAlign``
(``aligned=False``, another level formula). The head is torchvision's ``TwoMLPHead``. The
predictor keeps detectron2's layout: ``cls_score`` has K+1 outputs with background LAST, and
``bbox_pred`` has 4K class-specific deltas with no background rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.detection.faster_rcnn import TwoMLPHead
from torchvision.ops import batched_nms, roi_align

from .box_coding import box_coder, clip_boxes

# detectron2 ROIPooler: boxes of sqrt(area) 224 go to level 4 (canonical_box_size /
# canonical_level in poolers.py); the box head pools p2..p5 (ROI_HEADS.IN_FEATURES).
CANONICAL_BOX_SIZE = 224.0
CANONICAL_LEVEL = 4
MIN_LEVEL, MAX_LEVEL = 2, 5


def assign_levels(boxes: torch.Tensor) -> torch.Tensor:
    """Index (0 = p2) of the pyramid level each xyxy box is pooled from."""
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    levels = torch.floor(CANONICAL_LEVEL + torch.log2(torch.sqrt(areas) / CANONICAL_BOX_SIZE
                                                      + 1e-8))
    return levels.clamp(min=MIN_LEVEL, max=MAX_LEVEL).to(torch.int64) - MIN_LEVEL


def pool_boxes(features: Sequence[torch.Tensor], strides: Sequence[int],
               boxes_per_image: Sequence[torch.Tensor], resolution: int) -> torch.Tensor:
    """ROIAlignV2 features (R, C, res, res) for all boxes of all images, in input order."""
    rois = torch.cat([
        torch.cat([torch.full((len(b), 1), i, dtype=b.dtype, device=b.device), b], dim=1)
        for i, b in enumerate(boxes_per_image)])
    levels = assign_levels(rois[:, 1:])
    channels = features[0].shape[1]
    # Boxes stay float32; under autocast roi_align computes in float32 and returns the
    # features' dtype, so the output takes that dtype.
    out = features[0].new_zeros((len(rois), channels, resolution, resolution))
    threads = pooling_threads(features[0].device)
    jobs = []  # (rows of ``out``, feature map, their rois, stride)
    for level, (feature, stride) in enumerate(zip(features, strides, strict=True)):
        index = torch.nonzero(levels == level).squeeze(1)
        if not index.numel():
            continue
        if feature.device.type == "cpu":
            # roi_align reads NCHW only and would copy a channels-last map in every call:
            # copy it once here (p2 of a 768x1344 batch is 66 MB).
            feature = feature.contiguous()
        parts = max(1, min(threads, len(index) // MIN_BOXES_PER_THREAD))
        jobs += [(rows, feature, rois[rows], stride) for rows in index.tensor_split(parts)]

    def pool(job: tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]) -> torch.Tensor:
        _, feature, level_rois, stride = job
        return roi_align(feature, level_rois, (resolution, resolution),
                         spatial_scale=1.0 / stride, sampling_ratio=0, aligned=True)

    if threads > 1 and len(jobs) > 1:
        # torchvision's CPU roi_align runs on one core (22 % of the full detector's time on
        # 2 cores, measured); each box is pooled alone, so splitting the boxes over threads
        # gives bit-identical features (it releases the GIL).
        with ThreadPoolExecutor(threads, "roi-align") as executor:
            pooled = list(executor.map(pool, jobs))
    else:
        pooled = [pool(job) for job in jobs]
    for (rows, *_), result in zip(jobs, pooled, strict=True):
        out[rows] = result
    return out


# Below this many boxes a level is pooled in one call (a thread costs more than it saves).
MIN_BOXES_PER_THREAD = 32


def pooling_threads(device: torch.device) -> int:
    """Threads to pool boxes on: torch's CPU threads on the CPU, one call per level else."""
    return torch.get_num_threads() if device.type == "cpu" else 1


class BoxPredictor(nn.Module):
    """Class logits [class_0 .. class_{K-1}, background] and 4K class-specific deltas."""

    def __init__(self, in_features: int, num_classes: int) -> None:
        super().__init__()
        self.cls_score = nn.Linear(in_features, num_classes + 1)
        self.bbox_pred = nn.Linear(in_features, 4 * num_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.cls_score(x), self.bbox_pred(x)


@dataclass
class ImageDetections:
    """Detections of one image in resized-image pixels (torch tensors)."""

    boxes: torch.Tensor  # (N, 4) xyxy
    scores: torch.Tensor  # (N,)
    labels: torch.Tensor  # (N,) int64, 0-based class index


class RoIHeads(nn.Module):
    """Pool proposals, run the 2-FC head, decode, threshold and NMS per class."""

    def __init__(self, channels: int, strides: Sequence[int], resolution: int, fc_dim: int,
                 num_classes: int, box_weights: Sequence[float], score_threshold: float,
                 nms_threshold: float, detections_per_image: int) -> None:
        super().__init__()
        self.strides = tuple(strides)
        self.resolution = resolution
        # TwoMLPHead flattens (C, res, res) C-major, as detectron2's FastRCNNConvFCHead does.
        self.box_head = TwoMLPHead(channels * resolution * resolution, fc_dim)
        self.box_predictor = BoxPredictor(fc_dim, num_classes)
        self.box_coder = box_coder(box_weights)
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        self.detections_per_image = detections_per_image

    def box_outputs(self, features: Sequence[torch.Tensor],
                    proposals: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Raw ``cls_score`` (R, K+1) and ``bbox_pred`` (R, 4K) for the concatenated proposals."""
        pooled = pool_boxes(features[: len(self.strides)], self.strides, proposals,
                            self.resolution)
        return self.box_predictor(self.box_head(pooled))

    def forward(self, features: Sequence[torch.Tensor], proposals: Sequence[torch.Tensor],
                image_sizes: Sequence[tuple[int, int]]) -> list[ImageDetections]:
        """Detections per image; ``features`` are p2..p5 (p6 is ignored if given)."""
        logits, deltas = self.box_outputs(features, proposals)
        counts = [len(p) for p in proposals]
        results = []
        for p, lg, dl, size in zip(proposals, logits.split(counts), deltas.split(counts),
                                   image_sizes, strict=True):
            results.append(self._detect_one(p, lg, dl, size))
        return results

    def _detect_one(self, proposals: torch.Tensor, logits: torch.Tensor, deltas: torch.Tensor,
                    size: tuple[int, int]) -> ImageDetections:
        # Decoded in float32 even under autocast, as detectron2 does (deltas.float()).
        boxes = self.box_coder.decode_single(deltas.float(), proposals.float())  # (R, 4K)
        scores = F.softmax(logits.float(), dim=-1)
        finite = torch.isfinite(boxes).all(dim=1) & torch.isfinite(scores).all(dim=1)
        if not bool(finite.all()):
            boxes, scores = boxes[finite], scores[finite]
        scores = scores[:, :-1]  # background is the LAST column in detectron2
        num_classes = scores.shape[1]
        boxes = clip_boxes(boxes.view(-1, num_classes, 4), size)
        # Strictly above the threshold; nonzero() runs proposal-major, class-minor.
        mask = scores > self.score_threshold
        index = torch.nonzero(mask)
        boxes, scores = boxes[mask], scores[mask]
        keep = batched_nms(boxes, scores, index[:, 1], self.nms_threshold)
        keep = keep[: self.detections_per_image]
        return ImageDetections(boxes[keep], scores[keep], index[keep, 1])

