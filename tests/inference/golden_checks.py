"""Comparisons with the reference goldens, with the tolerances the fixture READMEs give.

Shared by the full-set tests and the in-repository fidelity checks (tests/fixtures_min).
"""

from __future__ import annotations

import numpy as np

# fixtures/detectron2/README.md, "Tolerances": at 0.8 compare by index; at 0.0001 the 300
# detections are matched order-free (neighbours a few 1e-6 apart in score swap places).
BOX_ATOL = 0.05  # px
SCORE_ATOL = 5e-4
# fixtures/vitpose/README.md, "Tolerances": required agreement with the pose goldens.
XY_TOL, SCORE_TOL = 0.05, 1e-4


def assert_same_by_index(found, golden: dict) -> None:
    """Threshold 0.8: same count, class sequence, boxes and scores row by row."""
    assert len(found) == golden["num"]
    np.testing.assert_array_equal(found.labels, np.asarray(golden["classes"], np.int64))
    np.testing.assert_allclose(found.boxes, np.asarray(golden["boxes_xyxy"], np.float32),
                               rtol=0, atol=BOX_ATOL)
    np.testing.assert_allclose(found.scores, np.asarray(golden["scores"], np.float32),
                               rtol=0, atol=SCORE_ATOL)


def assert_same_as_set(boxes, scores, labels, g_boxes, g_scores, g_labels,
                       box_atol: float = BOX_ATOL, score_atol: float = SCORE_ATOL) -> None:
    """Same count, and every golden row has its own same-class match within tolerance."""
    assert len(boxes) == len(g_boxes)
    unused = np.ones(len(boxes), bool)
    for box, score, label in zip(g_boxes, g_scores, g_labels, strict=True):
        error = np.abs(boxes - box).max(axis=1)
        candidates = np.flatnonzero(unused & (labels == label) & (error <= box_atol)
                                    & (np.abs(scores - score) <= score_atol))
        assert candidates.size, f"no match for golden box {box} score {score} class {label}"
        unused[candidates[np.argmin(error[candidates])]] = False


def assert_same_order_free(found, golden: dict) -> None:
    """Threshold 0.0001: the 300 detections as a set (README "Tolerances")."""
    assert len(found) == golden["num"]
    assert_same_as_set(found.boxes, found.scores, found.labels,
                       np.asarray(golden["boxes_xyxy"], np.float32),
                       np.asarray(golden["scores"], np.float32),
                       np.asarray(golden["classes"], np.int64))


def assert_keypoints_match(found: np.ndarray, golden: list, where: str) -> None:
    """(N, K, 3) keypoints within XY_TOL px and SCORE_TOL of the golden ones."""
    want = np.array(golden, np.float32)
    assert found.shape == want.shape and found.dtype == np.float32
    err_xy = np.abs(found[..., :2] - want[..., :2]).max()
    err_score = np.abs(found[..., 2] - want[..., 2]).max()
    assert err_xy <= XY_TOL, f"{where}: keypoints off by {err_xy} px"
    assert err_score <= SCORE_TOL, f"{where}: scores off by {err_score}"
