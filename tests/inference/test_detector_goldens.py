"""The detector reproduces detectron2's DefaultPredictor on the fixture images and checkpoints.

Goldens, tolerances and the comparison rules are those of fixtures/detectron2/README.md
("Tolerances"): at 0.8 compare by index; at 0.0001 the 300 detections are matched order-free
(neighbours a few 1e-6 apart in score swap places); intermediates per stage.
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest
import torch
from PIL import Image

from medpose_gui.inference.detector import load_detector
from tests.fixture_paths import DETECTRON2, need_full
from tests.inference.golden_checks import (
    assert_same_as_set,
    assert_same_by_index,
    assert_same_order_free,
)

need_full()
IMAGES = ("astronaut_512.png", "frame_1280x720.png")
VARIANT_CONFIGS = {"default": "configs/medic_pose_slim.yaml",
                   "min600": "configs/medic_pose_slim_min600.yaml"}


@cache
def _rgb(name: str) -> np.ndarray:
    return np.asarray(Image.open(DETECTRON2 / "images" / name).convert("RGB"))


@cache
def _json(name: str) -> dict:
    return json.loads((DETECTRON2 / name).read_text())


@cache
def _detector(weights: str, config: str | None):
    return load_detector(DETECTRON2 / weights, None if config is None else DETECTRON2 / config)


def _detect(det, name: str, threshold: float):
    det.score_threshold = threshold
    return det.detect([_rgb(name)])[0]


@pytest.mark.parametrize("variant", sorted(VARIANT_CONFIGS))
@pytest.mark.parametrize("image", IMAGES)
def test_demo_threshold_detections_equal_detectron2_row_by_row(variant, image):
    golden = _json("goldens.json")["variants"][variant]["images"][image]["thresholds"]["0.8"]
    found = _detect(_detector("model_final.pth", VARIANT_CONFIGS[variant]), image, 0.8)
    assert_same_by_index(found, golden)
    assert found.boxes.dtype == np.float32 and found.labels.dtype == np.int64


@pytest.mark.parametrize("variant", sorted(VARIANT_CONFIGS))
@pytest.mark.parametrize("image", IMAGES)
def test_config_threshold_returns_detectron2s_300_detections(variant, image):
    golden = _json("goldens.json")["variants"][variant]["images"][image]["thresholds"]["0.0001"]
    found = _detect(_detector("model_final.pth", VARIANT_CONFIGS[variant]), image, 0.0001)
    assert_same_order_free(found, golden)
    assert np.all(np.diff(found.scores) <= 0), "detections are ordered best first"


@pytest.mark.parametrize("weights", ["train_run/model_final.pth",
                                     "train_run_legacy/model_final.pth"])
@pytest.mark.parametrize("image", IMAGES)
def test_trainer_written_checkpoints_reproduce_their_goldens(weights, image):
    goldens = _json("goldens_train_run.json")["images"][image]["thresholds"]
    det = _detector(weights, VARIANT_CONFIGS["default"])
    assert_same_by_index(_detect(det, image, 0.8), goldens["0.8"])
    assert_same_order_free(_detect(det, image, 0.0001), goldens["0.0001"])


def test_without_config_the_reference_settings_reproduce_the_default_goldens():
    det = _detector("model_final.pth", None)
    assert det.class_names == ("patient", "user")
    assert (det.config.min_size, det.config.max_size) == (800, 1333)
    assert det.score_threshold == pytest.approx(0.0001)
    golden = _json("goldens.json")["variants"]["default"]["images"]["frame_1280x720.png"]
    assert_same_by_index(_detect(det, "frame_1280x720.png", 0.8), golden["thresholds"]["0.8"])


# ---- per-stage intermediates (astronaut_512, min600) ----

@cache
def _intermediates() -> dict[str, np.ndarray]:
    with np.load(DETECTRON2 / "intermediates_astronaut_512.npz") as data:
        return {k: data[k] for k in data.files}


@cache
def _stages():
    """Our tensors for the intermediates' call: resized image, batch, sizes, FPN levels."""
    model = _detector("model_final.pth", VARIANT_CONFIGS["min600"]).model
    resized = model.transform.resize(_rgb("astronaut_512.png"))
    batch, sizes = model.transform.batch([resized])
    with torch.inference_mode():
        features = model.features(batch)
    return model, resized, batch, sizes, features


def test_resize_to_600_is_bit_exact_with_detectron2():
    ref = _intermediates()
    _, resized, batch, sizes, _ = _stages()
    np.testing.assert_array_equal(resized, ref["resized_bgr_uint8"])
    assert sizes == [tuple(ref["image_size_hw"])]
    assert tuple(batch.shape[-2:]) == tuple(ref["padded_size_hw"])


def test_fpn_levels_match_detectron2():
    ref = _intermediates()
    features = _stages()[4]
    for name, ours in zip(("p2", "p3", "p4", "p5", "p6"), features, strict=True):
        np.testing.assert_allclose(ours.numpy(), ref[name].astype(np.float32), rtol=0,
                                   atol=0.02, err_msg=name)


def test_rpn_proposals_match_detectron2_as_a_set():
    ref = _intermediates()
    model, _, _, sizes, features = _stages()
    with torch.inference_mode():
        proposals, logits = model.rpn(features, sizes)
    boxes, logits = proposals[0].numpy(), logits[0].numpy()
    assert np.all(np.diff(logits) <= 0), "proposals are ranked by objectness logit"
    n = len(ref["proposal_boxes"])
    assert_same_as_set(boxes, logits, np.zeros(len(boxes)), ref["proposal_boxes"],
                       ref["proposal_objectness_logits"], np.zeros(n), box_atol=0.01,
                       score_atol=1e-3)


def test_box_head_outputs_for_detectron2s_proposals_match():
    ref = _intermediates()
    model, _, _, _, features = _stages()
    with torch.inference_mode():
        logits, deltas = model.roi_heads.box_outputs(
            features, [torch.from_numpy(ref["proposal_boxes"])])
    # Columns [patient, user, background] and 4 deltas per class: detectron2's layout as is.
    np.testing.assert_allclose(logits.numpy(), ref["box_cls_logits"], rtol=0, atol=1e-3)
    np.testing.assert_allclose(deltas.numpy(), ref["box_deltas"], rtol=0, atol=1e-3)


def test_final_predictions_of_the_intermediates_call_match():
    ref = _intermediates()
    found = _detect(_detector("model_final.pth", VARIANT_CONFIGS["min600"]),
                    "astronaut_512.png", float(ref["score_thresh_test"]))
    assert_same_as_set(found.boxes, found.scores, found.labels, ref["pred_boxes"],
                       ref["pred_scores"], ref["pred_classes"])
