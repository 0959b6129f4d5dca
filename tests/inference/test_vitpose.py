"""The ViTPose estimator reproduces the reference (mmpose 0.x) goldens and intermediates."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from medpose_gui.inference.vitpose import load_pose_estimator
from medpose_gui.inference.vitpose.decode import heatmap_peaks
from medpose_gui.inference.vitpose.topdown import (
    boxes_to_center_scale,
    scale_to_pixels,
    udp_warp_matrices,
)
from tests.fixture_paths import VITPOSE, need_full
from tests.inference.golden_checks import SCORE_TOL, XY_TOL, assert_keypoints_match

need_full()
GOLDENS = json.loads((VITPOSE / "goldens.json").read_text())
MODELS = sorted(GOLDENS["models"])


def _rgb(name: str) -> np.ndarray:
    return np.asarray(Image.open(VITPOSE / "images" / name).convert("RGB"))


@pytest.fixture(scope="module")
def estimators():
    return {name: load_pose_estimator(VITPOSE / GOLDENS["models"][name]["checkpoint"])
            for name in MODELS}


@pytest.mark.parametrize("flip_test", [True, False], ids=["flip", "noflip"])
@pytest.mark.parametrize("model", MODELS)
def test_keypoints_match_reference_goldens_for_every_image_and_box(estimators, model, flip_test):
    est = estimators[model]
    est.flip_test = flip_test
    try:
        for image, golden in GOLDENS["models"][model]["images"].items():
            kp = est.estimate(_rgb(image), np.array(golden["boxes_xyxy_score"]))
            assert_keypoints_match(
                kp, golden[f"flip_test_{str(flip_test).lower()}"]["keypoints"], image)
    finally:
        est.flip_test = True


@pytest.mark.parametrize("model", MODELS)
def test_center_scale_and_udp_warp_match_reference_bit_for_bit(model):
    for golden in GOLDENS["models"][model]["images"].values():
        centers, scales = boxes_to_center_scale(np.array(golden["boxes_xyxy_score"]), (192, 256))
        np.testing.assert_array_equal(centers, np.array(golden["center"], np.float32))
        np.testing.assert_array_equal(scales, np.array(golden["scale"], np.float32))
        np.testing.assert_array_equal(scale_to_pixels(scales), np.array(golden["scale_px"], np.float32))
        np.testing.assert_array_equal(udp_warp_matrices(centers, scales, (192, 256)),
                                      np.array(golden["warp_matrix"], np.float32))


@pytest.mark.parametrize("model", MODELS)
def test_every_stage_matches_reference_intermediates(estimators, model):
    est = estimators[model]
    ref = np.load(VITPOSE / f"intermediates_{model}.npz")
    crops, inputs, centers, scales = est.prepare(_rgb(str(ref["image"])), ref["box_xyxy_score"][None])
    np.testing.assert_array_equal(centers[0], ref["center"])
    np.testing.assert_array_equal(scales[0], ref["scale"])
    np.testing.assert_array_equal(crops[0], ref["crop_rgb_uint8"])
    np.testing.assert_allclose(inputs, ref["input_tensor"], rtol=0, atol=1e-6)

    x = torch.from_numpy(inputs)
    with torch.inference_mode():
        features = est.net.backbone(x).numpy()
        features_flipped = est.net.backbone(x.flip(3)).numpy()
        heatmap = est.net(x).numpy()
        heatmap_flipped = est.net(x.flip(3)).numpy()
    np.testing.assert_allclose(features, ref["backbone_features"], rtol=0, atol=1e-4)
    np.testing.assert_allclose(features_flipped, ref["backbone_features_flipped_input"], rtol=0, atol=1e-4)
    np.testing.assert_allclose(heatmap, ref["heatmap"], rtol=0, atol=1e-4)
    np.testing.assert_allclose(heatmap_flipped, ref["heatmap_flipped_input"], rtol=0, atol=1e-4)
    assert est.flip_pairs == tuple(map(tuple, ref["flip_pairs"].tolist()))

    for flip_test in (True, False):
        est.flip_test = flip_test
        maps = est.heatmaps(inputs)
        tag = f"flip_test_{str(flip_test).lower()}"
        if flip_test:
            np.testing.assert_allclose(maps, ref["heatmap_flip_avg"], rtol=0, atol=1e-4)
        peaks, maxvals = heatmap_peaks(maps)
        np.testing.assert_array_equal(peaks[0].astype(np.int64), ref[f"argmax_xy_{tag}"])
        np.testing.assert_allclose(maxvals[0], ref[f"maxval_{tag}"], rtol=0, atol=1e-5)
        kp = est.decode(maps, centers, scales)[0]
        np.testing.assert_allclose(kp[:, :2], ref[f"keypoints_{tag}"][:, :2], rtol=0, atol=XY_TOL)
        np.testing.assert_allclose(kp[:, 2], ref[f"keypoints_{tag}"][:, 2], rtol=0, atol=SCORE_TOL)
    est.flip_test = True


def test_best_ap_checkpoint_gives_the_same_keypoints_as_the_plain_file(estimators):
    best = load_pose_estimator(VITPOSE / "vitpose_tiny_user_k6_best_AP_epoch_1.pth")
    golden = GOLDENS["models"]["vitpose_tiny_user_k6"]["images"]["astronaut_512.png"]
    rgb, boxes = _rgb("astronaut_512.png"), np.array(golden["boxes_xyxy_score"])
    np.testing.assert_array_equal(best.estimate(rgb, boxes),
                                  estimators["vitpose_tiny_user_k6"].estimate(rgb, boxes))


def test_batch_of_several_frames_equals_frame_by_frame(estimators):
    est = estimators["vitpose_tiny_casualty_k21"]
    images = GOLDENS["models"]["vitpose_tiny_casualty_k21"]["images"]
    items = [(_rgb(name), np.array(g["boxes_xyxy_score"])[:, :4]) for name, g in images.items()]
    items.append((items[0][0], np.zeros((0, 4))))
    batched = est.estimate_batch(items)
    assert [len(b) for b in batched] == [5, 6, 0]
    for (rgb, boxes), got in zip(items, batched, strict=True):
        np.testing.assert_allclose(got, est.estimate(rgb, boxes), rtol=0, atol=1e-3)
    assert est.estimate(items[0][0], np.zeros((0, 4))).shape == (0, 21, 3)


def test_keypoint_names_and_flip_pairs_come_from_the_stored_dataset_definition(estimators):
    casualty, user = estimators["vitpose_tiny_casualty_k21"], estimators["vitpose_tiny_user_k6"]
    # 21 channels with the 22-point definition: one row per channel, `back` never predicted.
    assert casualty.num_keypoints == 21 and len(casualty.keypoint_names) == 21
    assert casualty.keypoint_names[0] == "nose" and casualty.keypoint_names[-1] == "right_foot"
    assert user.keypoint_names == ("left_upper_arm", "right_upper_arm", "left_lower_arm",
                                   "right_lower_arm", "left_hand", "right_hand")
    assert casualty.flip_pairs == () and user.flip_pairs == ()
    assert casualty.architecture.num_heads == 2  # head dim 32: only the config can say so


def test_image_that_is_not_rgb_uint8_is_refused(estimators):
    est = estimators["vitpose_tiny_user_k6"]
    with pytest.raises(ValueError, match="uint8 RGB"):
        est.estimate(np.zeros((64, 64), np.uint8), np.array([[0, 0, 10, 10]]))
    with pytest.raises(ValueError, match="boxes"):
        est.estimate(np.zeros((64, 64, 3), np.uint8), np.array([[0, 0, 10]]))


def test_half_precision_is_refused_on_cpu():
    with pytest.raises(ValueError, match="CUDA"):
        load_pose_estimator(VITPOSE / "vitpose_tiny_user_k6.pth", precision="fp16")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("model", MODELS)
def test_cuda_fp32_matches_goldens_and_fp16_stays_close(model):
    spec = GOLDENS["models"][model]
    exact = load_pose_estimator(VITPOSE / spec["checkpoint"], device="cuda")
    half = load_pose_estimator(VITPOSE / spec["checkpoint"], device="cuda", precision="fp16")
    for image, golden in spec["images"].items():
        boxes = np.array(golden["boxes_xyxy_score"])
        want = np.array(golden["flip_test_true"]["keypoints"], np.float32)
        kp = exact.estimate(_rgb(image), boxes)
        assert np.abs(kp[..., :2] - want[..., :2]).max() <= XY_TOL
        assert np.abs(kp[..., 2] - want[..., 2]).max() <= SCORE_TOL
        assert half.estimate(_rgb(image), boxes).shape == want.shape
