"""Fidelity wherever the repository is cloned: one detector and one pose golden check on the
subset of the reference fixtures the repository carries (tests/fixtures_min/README.md).

The full set (``MEDPOSE_FIXTURES``) checks every image, variant, checkpoint layout and stage;
these two need nothing beside the repository.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from medpose_gui.inference import load_detector, load_pose_estimator
from tests.fixture_paths import (
    CASUALTY_WEIGHTS,
    DETECTOR_CONFIG,
    DETECTOR_GOLDENS,
    DETECTOR_WEIGHTS,
    IMAGE,
    POSE_GOLDENS,
)
from tests.inference.golden_checks import (
    assert_keypoints_match,
    assert_same_by_index,
    assert_same_order_free,
)


def _rgb() -> np.ndarray:
    return np.asarray(Image.open(IMAGE).convert("RGB"))


def test_detector_reproduces_detectron2_on_the_in_repo_checkpoint_and_image():
    golden = json.loads(DETECTOR_GOLDENS.read_text())["variants"]["default"]
    thresholds = golden["images"][IMAGE.name]["thresholds"]
    det = load_detector(DETECTOR_WEIGHTS, DETECTOR_CONFIG)
    det.score_threshold = 0.8  # the reference demo's threshold: compared row by row
    assert_same_by_index(det.detect([_rgb()])[0], thresholds["0.8"])
    det.score_threshold = 0.0001  # the config's: 300 detections, compared as a set
    assert_same_order_free(det.detect([_rgb()])[0], thresholds["0.0001"])


@pytest.mark.parametrize("flip_test", [True, False], ids=["flip", "noflip"])
def test_pose_estimator_reproduces_mmpose_on_the_in_repo_checkpoint_and_image(flip_test):
    model = json.loads(POSE_GOLDENS.read_text())["models"]["vitpose_tiny_casualty_k21"]
    golden = model["images"][IMAGE.name]
    pose = load_pose_estimator(CASUALTY_WEIGHTS, flip_test=flip_test)
    keypoints = pose.estimate(_rgb(), np.array(golden["boxes_xyxy_score"]))
    assert len(keypoints) == 5  # person, tall thin, wide short, 30 px, partly outside
    assert_keypoints_match(keypoints, golden[f"flip_test_{str(flip_test).lower()}"]["keypoints"],
                           IMAGE.name)
