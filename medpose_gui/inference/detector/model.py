"""detectron2's GeneralizedRCNN (Faster R-CNN, ResNet-FPN) composed from named parts.

Like torchvision's ``generalized_rcnn.py``, the model only wires ``transform`` -> ``backbone``
-> ``rpn`` -> ``roi_heads`` -> back to original pixels; every arithmetic choice that makes it
detectron2 rather than torchvision lives in the part that owns it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .anchors import AnchorGenerator
from .backbone import FPN_STRIDES, BackboneSpec, ResNetFPN, fold_frozen_batchnorm
from .config import DetectorConfig
from .roi_heads import ImageDetections, RoIHeads
from .rpn import RegionProposalNetwork
from .transform import ImageTransform, boxes_to_original

# The box head pools p2..p5; p6 feeds the RPN only (ROI_HEADS.IN_FEATURES of Base-RCNN-FPN).
ROI_LEVELS = 4


@dataclass(frozen=True)
class Architecture:
    """Everything about the network's shape that a checkpoint decides."""

    backbone: BackboneSpec
    num_anchors: int  # anchors per location (len(ASPECT_RATIOS) x sizes per level)
    fc_dim: int  # ROI_BOX_HEAD.FC_DIM
    num_classes: int  # ROI_HEADS.NUM_CLASSES (without background)


class FasterRCNN(nn.Module):
    """The detector network; ``forward`` takes RGB uint8 images, returns original-pixel boxes."""

    def __init__(self, arch: Architecture, config: DetectorConfig) -> None:
        super().__init__()
        self.transform = ImageTransform(config.min_size, config.max_size, config.pixel_mean,
                                        config.pixel_std, config.input_format)
        self.backbone = ResNetFPN(arch.backbone)
        anchors = AnchorGenerator(config.anchor_sizes, config.aspect_ratios, FPN_STRIDES)
        if anchors.num_anchors_per_location != arch.num_anchors:
            raise ValueError(f"the config gives {anchors.num_anchors_per_location} anchors per "
                             f"location, the RPN head predicts {arch.num_anchors}")
        self.rpn = RegionProposalNetwork(
            arch.backbone.fpn_channels, anchors, config.rpn_box_weights,
            config.rpn_pre_nms_topk, config.rpn_post_nms_topk, config.rpn_nms_threshold,
            config.rpn_min_size)
        self.roi_heads = RoIHeads(
            arch.backbone.fpn_channels, FPN_STRIDES[:ROI_LEVELS], config.pooler_resolution,
            arch.fc_dim, arch.num_classes, config.roi_box_weights, config.score_threshold,
            config.nms_threshold, config.detections_per_image)

    def optimize_for_inference(self) -> FasterRCNN:
        """Fold FrozenBN into the convs and store conv weights NHWC; returns self.

        Outputs change by float rounding only (within the fixtures' tolerances). Call after
        loading weights: the folded backbone no longer has the checkpoint's norm keys.
        """
        fold_frozen_batchnorm(self.backbone)
        self.to(memory_format=torch.channels_last)
        return self

    def features(self, batch: torch.Tensor) -> list[torch.Tensor]:
        """FPN levels p2..p6 of a normalised, padded batch."""
        return list(self.backbone(batch).values())

    def forward(self, images: Sequence[np.ndarray]) -> list[ImageDetections]:
        """Detections per RGB uint8 image, boxes in original-image pixels."""
        device = next(self.parameters()).device
        batch, sizes = self.transform(images, device)
        return self.detect_batch(batch, sizes, [image.shape[:2] for image in images])

    def detect_batch(self, batch: torch.Tensor, sizes: Sequence[tuple[int, int]],
                     original_hw: Sequence[tuple[int, int]]) -> list[ImageDetections]:
        """:meth:`forward` after the transform: the padded batch, each image's resized and
        original (h, w); boxes in original-image pixels."""
        features = self.features(batch)
        proposals, _ = self.rpn(features, sizes)
        detections = self.roi_heads(features[:ROI_LEVELS], proposals, sizes)
        results = []
        for hw, size, det in zip(original_hw, sizes, detections, strict=True):
            boxes, keep = boxes_to_original(det.boxes, size, hw)
            results.append(ImageDetections(boxes, det.scores[keep], det.labels[keep]))
        return results

