"""The detector's speed-ups change no output bit: in-place residual adds, ``topk`` for the
RPN's pre-NMS selection, and box pooling split over threads (issue 15). Each is compared
with the plain computation it replaces, on the fixture checkpoint: the in-repo image, and the
1280x720 frame where the full reference fixtures are present."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from medpose_gui.inference.detector import backbone, load_detector, roi_heads, rpn
from tests.fixture_paths import DETECTOR_WEIGHTS, DETECTRON2, FULL, IMAGE

IMAGES = ("astronaut_512.png", "frame_1280x720.png") if FULL else ("astronaut_512.png",)


@cache
def _rgb(name: str) -> np.ndarray:
    path = IMAGE if name == IMAGE.name else DETECTRON2 / "images" / name
    return np.asarray(Image.open(path).convert("RGB"))


@cache
def _detector():
    return load_detector(DETECTOR_WEIGHTS)


def _sorted_top_k(logits: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    values, order = logits.sort(dim=1, descending=True)
    return values[:, :k], order[:, :k]


def _out_of_place_forward(self, x):
    out = F.relu(self.bn1(self.conv1(x)))
    out = F.relu(self.bn2(self.conv2(out)))
    out = self.bn3(self.conv3(out))
    shortcut = x if self.downsample is None else self.downsample(x)
    return F.relu(out + shortcut)


@pytest.fixture()
def two_threads():
    saved = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(saved)


def test_top_k_by_logit_is_the_head_of_a_full_sort():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 5000, generator=gen)
    for k in (1, 1000, 4999, 5000, 6000):
        got = rpn.top_k_by_logit(logits, min(k, 5000))
        want = _sorted_top_k(logits, min(k, 5000))
        assert torch.equal(got[0], want[0]) and torch.equal(got[1], want[1])


@pytest.mark.parametrize("case", ["tie inside", "tie at the cut", "nan"])
def test_top_k_by_logit_keeps_the_sorts_choice_where_values_tie(case):
    logits = torch.arange(100, dtype=torch.float32).flip(0).repeat(2, 1)  # 99 .. 0
    if case == "tie inside":
        logits[:, 40] = logits[:, 3]
    elif case == "tie at the cut":
        logits[:, 70] = logits[:, 10]  # equal to the 11th best: which one is kept?
    else:
        logits[1, 50] = float("nan")
    got = rpn.top_k_by_logit(logits, 11)
    want = _sorted_top_k(logits, 11)
    assert torch.equal(got[1], want[1])
    assert torch.equal(got[0], want[0]) or case == "nan"


def test_rpn_proposals_on_the_fixture_images_are_those_of_a_full_sort(monkeypatch):
    model = _detector().model
    for name in IMAGES:
        with torch.inference_mode():
            batch, sizes = model.transform([_rgb(name)])
            features = model.features(batch)
            fast = model.rpn(features, sizes)
            monkeypatch.setattr(rpn, "top_k_by_logit", _sorted_top_k)
            plain = model.rpn(features, sizes)
            monkeypatch.undo()
        for a, b in zip(fast, plain, strict=True):
            assert torch.equal(a[0], b[0]), name


def test_in_place_residual_add_gives_the_out_of_place_sum_bit_for_bit(monkeypatch):
    model = _detector().model
    with torch.inference_mode():
        batch, _ = model.transform([_rgb(IMAGES[-1])])
        fast = model.features(batch)
        monkeypatch.setattr(backbone.Bottleneck, "forward", _out_of_place_forward)
        plain = model.features(batch)
    for a, b in zip(fast, plain, strict=True):
        assert torch.equal(a, b)


def test_box_pooling_on_two_threads_equals_one_call_per_level(two_threads, monkeypatch):
    model = _detector().model
    with torch.inference_mode():
        batch, sizes = model.transform([_rgb(IMAGES[-1])])
        features = model.features(batch)[:4]
        proposals, _ = model.rpn(features + [features[-1]], sizes)
        threaded = roi_heads.pool_boxes(features, (4, 8, 16, 32), proposals, 7)
        monkeypatch.setattr(roi_heads, "pooling_threads", lambda device: 1)
        single = roi_heads.pool_boxes(features, (4, 8, 16, 32), proposals, 7)
    assert len(proposals[0]) > 4 * roi_heads.MIN_BOXES_PER_THREAD
    assert torch.equal(threaded, single)


@pytest.mark.parametrize("name", IMAGES)
def test_detections_equal_those_without_the_fast_paths_bit_for_bit(name, two_threads,
                                                                   monkeypatch):
    det = _detector()
    fast = det.detect([_rgb(name)])[0]
    monkeypatch.setattr(rpn, "top_k_by_logit", _sorted_top_k)
    monkeypatch.setattr(backbone.Bottleneck, "forward", _out_of_place_forward)
    monkeypatch.setattr(roi_heads, "pooling_threads", lambda device: 1)
    plain = det.detect([_rgb(name)])[0]
    np.testing.assert_array_equal(fast.boxes, plain.boxes)
    np.testing.assert_array_equal(fast.scores, plain.scores)
    np.testing.assert_array_equal(fast.labels, plain.labels)
