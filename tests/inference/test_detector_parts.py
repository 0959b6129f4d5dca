"""Parts of the detector that must follow detectron2 where torchvision does otherwise."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
import torch
from PIL import Image

from medpose_gui.inference.detector import load_detector
from medpose_gui.inference.detector.anchors import AnchorGenerator, cell_anchors
from medpose_gui.inference.detector.roi_heads import assign_levels
from medpose_gui.inference.detector.transform import ImageTransform, resized_size
from tests.fixture_paths import DETECTOR_WEIGHTS, DETECTRON2, need_full


@cache
def _detector():
    det = load_detector(DETECTOR_WEIGHTS, min_size=320, max_size=640)
    det.score_threshold = 0.3
    return det


@cache
def _frame() -> np.ndarray:
    need_full()  # the 1280x720 frame
    return np.asarray(Image.open(DETECTRON2 / "images" / "frame_1280x720.png").convert("RGB"))


@cache
def _images() -> dict[str, np.ndarray]:
    frame = _frame()
    return {"frame": frame, "mirrored": np.ascontiguousarray(frame[:, ::-1]),
            "small": frame[100:612, 600:1112].copy()}


@cache
def _alone(name: str):
    """Detections of one image run through the network by itself."""
    (found,) = _detector().detect([_images()[name]], batch_size=1)
    return found


@pytest.mark.parametrize("hw, size, expected", [
    ((720, 1280), (800, 1333), (750, 1333)),  # long side capped, rounded half up (not 749)
    ((512, 512), (800, 1333), (800, 800)),
    ((720, 1280), (600, 1333), (600, 1067)),  # 1066.67 rounds up
    ((1280, 720), (800, 1333), (1333, 750)),  # portrait
])
def test_resize_follows_resize_shortest_edge_rounding(hw, size, expected):
    assert resized_size(*hw, *size) == expected


def test_batch_is_bgr_mean_subtracted_and_zero_padded_to_32():
    transform = ImageTransform(600, 1333, (103.53, 116.28, 123.675), (1.0, 1.0, 1.0))
    rgb = np.zeros((512, 512, 3), np.uint8)
    rgb[..., 0] = 255  # pure red
    batch, sizes = transform([rgb])
    assert sizes == [(600, 600)] and tuple(batch.shape) == (1, 3, 608, 608)
    # BGR order: the red channel is the LAST one, and mean is subtracted from 0..255 values.
    np.testing.assert_allclose(batch[0, :, 10, 10].numpy(), [-103.53, -116.28, 255 - 123.675],
                               rtol=0, atol=1e-4)
    assert torch.count_nonzero(batch[0, :, 600:, :]) == 0
    assert torch.count_nonzero(batch[0, :, :, 600:]) == 0


def test_anchors_are_unrounded_with_fixed_strides_and_no_offset():
    cells = cell_anchors([32], [0.5, 1.0, 2.0])
    w = np.sqrt(32 * 32 / 0.5)
    np.testing.assert_allclose(cells[0].numpy(), [-w / 2, -w * 0.25, w / 2, w * 0.25], rtol=1e-6)
    generator = AnchorGenerator([[32], [64], [128], [256], [512]], [0.5, 1.0, 2.0],
                                (4, 8, 16, 32, 64))
    # An 800x800 input: p6 is 13x13; its stride stays 64 (800 // 13 would be 61).
    p6 = generator([(200, 200), (100, 100), (50, 50), (25, 25), (13, 13)], torch.device("cpu"))[4]
    assert p6.shape == (13 * 13 * 3, 4)
    centres = (p6[:, :2] + p6[:, 2:]) / 2
    assert torch.equal(centres[:3], torch.zeros(3, 2))  # first cell at (0, 0), three ratios
    assert torch.allclose(centres[3], torch.tensor([64.0, 0.0]))  # then x moves first
    assert torch.allclose(centres[-1], torch.tensor([12 * 64.0, 12 * 64.0]))


def test_roi_level_assignment_uses_canonical_224_on_p2_to_p5():
    boxes = torch.tensor([[0, 0, 10, 10], [0, 0, 112, 112], [0, 0, 224, 224],
                          [0, 0, 447, 447], [0, 0, 448, 448], [0, 0, 2000, 2000.0]])
    assert assign_levels(boxes).tolist() == [0, 1, 2, 2, 3, 3]


def test_batched_frames_give_the_same_detections_as_one_by_one():
    names = ["frame", "mirrored", "small"]
    batched = _detector().detect([_images()[n] for n in names], batch_size=2)
    for name, found in zip(names, batched, strict=True):
        alone = _alone(name)
        assert len(found) == len(alone) > 0
        # Batched convolutions round differently (~1e-5), so near-equal scores may swap.
        for box, score, label in zip(alone.boxes, alone.scores, alone.labels, strict=True):
            assert np.any((found.labels == label) & (np.abs(found.scores - score) < 1e-4)
                          & (np.abs(found.boxes - box).max(axis=1) < 1e-2)), (name, box)


def test_mirrored_frame_detections_are_not_those_of_the_frame():
    # Guards the batching test above: distinct inputs must give distinct outputs.
    a, b = _alone("frame"), _alone("mirrored")
    assert len(a) != len(b) or not np.allclose(a.boxes, b.boxes, atol=1.0)


def test_score_threshold_is_strict_and_settable():
    det = _detector()
    found = _alone("frame")
    assert len(found) > 3 and found.scores.min() > 0.3
    det.score_threshold = float(found.scores[2])
    try:
        fewer = det.detect([_frame()])[0]
    finally:
        det.score_threshold = 0.3
    assert len(fewer) == 2  # strictly greater: the third box's own score drops it


def test_boxes_lie_inside_the_original_image_and_labels_are_class_indices():
    found = _alone("frame")
    assert found.boxes.dtype == np.float32 and found.labels.dtype == np.int64
    assert (found.boxes[:, 0] >= 0).all() and (found.boxes[:, 2] <= 1280).all()
    assert (found.boxes[:, 1] >= 0).all() and (found.boxes[:, 3] <= 720).all()
    assert ((found.boxes[:, 2] > found.boxes[:, 0]) & (found.boxes[:, 3] > found.boxes[:, 1])).all()
    assert set(found.labels.tolist()) <= {0, 1}


def test_non_rgb_uint8_input_is_refused():
    with pytest.raises(ValueError, match="uint8"):
        _detector().detect([np.zeros((64, 64, 3), np.float32)])


def test_detect_under_autocast_returns_float32_boxes_near_the_fp32_ones():
    # The pipeline runs the detector under torch.autocast on CUDA; CPU bfloat16 exercises the
    # same dtype paths (roi_align's autocast output, float32 box decoding).
    reference = _alone("frame")
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        (found,) = _detector().detect([_frame()])
    assert found.boxes.dtype == np.float32 and found.scores.dtype == np.float32
    assert len(found) > 0
    best = np.abs(found.boxes[:, None] - reference.boxes[None, :1]).max(axis=2).min()
    assert best < 20.0  # bfloat16 has 8 mantissa bits; the top box is still found nearby
