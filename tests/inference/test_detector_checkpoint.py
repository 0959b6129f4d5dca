"""Loading detector checkpoints: every detectron2 layout loads strictly, anything else is refused.

The full-size network is checked against the manifest of the real medic_pose R101 state dict
(550 keys, shapes only): built from zero tensors of those shapes it must load with no missing
or unexpected key and no shape difference.
"""

from __future__ import annotations

import argparse
import json
from collections import OrderedDict

import numpy as np
import pytest
import torch

from medpose_gui.inference.checkpoint_io import CheckpointError
from medpose_gui.inference.detector import DetectorCheckpointError, load_config, load_detector
from medpose_gui.inference.detector.checkpoint import (
    convert_detectron2_state_dict,
    detectron2_key,
    infer_architecture,
)
from medpose_gui.inference.detector.loader import build_from_state_dict
from tests.fixture_paths import CASUALTY_WEIGHTS, DETECTOR_WEIGHTS, DETECTRON2, need_full

SLIM = DETECTOR_WEIGHTS


def _full_size_zero_state_dict() -> OrderedDict[str, torch.Tensor]:
    shapes = json.loads((DETECTRON2 / "medic_pose_r101_state_dict_shapes.json").read_text())
    return OrderedDict((k, torch.zeros(v)) for k, v in shapes.items())


def _slim_state_dict() -> dict[str, torch.Tensor]:
    return dict(torch.load(SLIM, map_location="cpu", weights_only=True)["model"])


def test_full_size_r101_manifest_loads_strictly_and_runs_on_a_small_image():
    need_full()
    state = _full_size_zero_state_dict()
    assert len(state) == 550
    arch = infer_architecture(state)
    assert arch.backbone.blocks_per_stage == (3, 4, 23, 3)  # ResNet-101
    assert arch.backbone.stem_channels == 64
    assert arch.backbone.bottleneck_channels == (64, 128, 256, 512)
    assert arch.backbone.out_channels == (256, 512, 1024, 2048)
    assert (arch.backbone.fpn_channels, arch.fc_dim, arch.num_classes) == (256, 1024, 2)
    model, _ = build_from_state_dict(state, load_config(min_size=96, max_size=160), "manifest")
    loaded = model.state_dict()
    converted = convert_detectron2_state_dict(state)
    assert set(loaded) == set(converted)
    assert all(loaded[k].shape == converted[k].shape for k in loaded)
    image = np.random.default_rng(0).integers(0, 256, (72, 128, 3), dtype=np.uint8)
    with torch.inference_mode():
        (found,) = model([image])
    assert found.boxes.shape[1] == 4 and len(found.boxes) == len(found.scores) > 0
    assert float(found.boxes[:, 2].max()) <= 128 and float(found.boxes[:, 3].max()) <= 72


def test_every_manifest_key_maps_to_our_module_and_back():
    need_full()
    shapes = json.loads((DETECTRON2 / "medic_pose_r101_state_dict_shapes.json").read_text())
    converted = convert_detectron2_state_dict({k: torch.empty(0) for k in shapes})
    assert len(converted) == len(shapes)
    assert sorted(detectron2_key(k) for k in converted) == sorted(shapes)


def test_bare_state_dict_file_loads_the_same_weights(tmp_path):
    bare = tmp_path / "bare.pth"
    torch.save(_slim_state_dict(), bare)
    a = load_detector(SLIM).model.state_dict()
    b = load_detector(bare).model.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _expect_refusal(path, *fragments: str) -> str:
    with pytest.raises(DetectorCheckpointError) as info:
        load_detector(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message
    assert isinstance(info.value, CheckpointError)
    return message


def test_truncated_file_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "truncated.pth"
    path.write_bytes(SLIM.read_bytes()[: SLIM.stat().st_size // 2])
    _expect_refusal(path)


def test_random_bytes_are_refused(tmp_path):
    path = tmp_path / "noise.pth"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    _expect_refusal(path, "not a readable checkpoint")


def test_vitpose_checkpoint_given_as_detector_says_what_it_is():
    _expect_refusal(CASUALTY_WEIGHTS,
                    "looks like a ViTPose/mmpose checkpoint", "not a detectron2 detector")


def test_missing_key_is_named_in_detectron2_terms(tmp_path):
    state = _slim_state_dict()
    del state["backbone.bottom_up.res4.7.conv2.norm.running_var"]
    path = tmp_path / "missing.pth"
    torch.save({"model": state}, path)
    _expect_refusal(path, "missing keys", "backbone.bottom_up.res4.7.conv2.norm.running_var")


def test_unexpected_key_is_refused(tmp_path):
    state = _slim_state_dict()
    state["roi_heads.mask_head.mask_fcn1.weight"] = torch.zeros(3)
    path = tmp_path / "extra.pth"
    torch.save({"model": state}, path)
    _expect_refusal(path, "unexpected keys", "roi_heads.mask_head.mask_fcn1.weight")


def test_shape_that_contradicts_the_architecture_is_refused(tmp_path):
    state = _slim_state_dict()
    key = "backbone.bottom_up.res3.2.conv2.weight"
    state[key] = torch.zeros(16, 16, 1, 1)  # a 1x1 where the 3x3 must be
    path = tmp_path / "shape.pth"
    torch.save({"model": state}, path)
    _expect_refusal(path, "contradict", key)


def test_torchvision_layout_box_predictor_is_refused(tmp_path):
    state = _slim_state_dict()
    state["roi_heads.box_predictor.bbox_pred.weight"] = torch.zeros(12, 64)
    state["roi_heads.box_predictor.bbox_pred.bias"] = torch.zeros(12)
    path = tmp_path / "tv_predictor.pth"
    torch.save({"model": state}, path)
    _expect_refusal(path, "box predictor")


def test_file_needing_code_to_unpickle_is_refused_without_trust(tmp_path):
    path = tmp_path / "pickled_object.pth"
    torch.save({"model": _slim_state_dict(), "cfg": argparse.Namespace(lr=1)}, path)
    _expect_refusal(path, "refused")
    assert load_detector(path, trust=True).class_names == ("patient", "user")


def test_config_class_count_that_contradicts_checkpoint_is_refused():
    with pytest.raises(DetectorCheckpointError, match="NUM_CLASSES 3"):
        load_detector(SLIM, num_classes=3, class_names=("a", "b", "c"))


def test_half_precision_weights_load_as_float32(tmp_path):
    path = tmp_path / "half.pth"
    torch.save({"model": {k: v.half() for k, v in _slim_state_dict().items()}}, path)
    model = load_detector(path).model
    assert all(p.dtype == torch.float32 for p in model.state_dict().values())
