"""How alike two persons of neighbouring frames are: box overlap and keypoint similarity.

Both are matrices (every person of one frame against every person of the other), numpy only.
Box IoU is the one the re-run policy uses; keypoint similarity is COCO's OKS with the
schema's per-point sigmas, so "the same pose a little moved" scores high even where two
persons' boxes overlap (a medic kneeling over a casualty).
"""

from __future__ import annotations

import numpy as np

from medpose_gui.core.rerun_policy import box_iou

# Fewer shared labelled points than this and the OKS says nothing (the box decides alone).
MIN_SHARED_POINTS = 3


def box_area(boxes: np.ndarray) -> np.ndarray:
    """Area of each x1,y1,x2,y2 box (N, 4) -> (N,), never negative."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.prod(np.clip(boxes[:, 2:] - boxes[:, :2], 0.0, None), axis=1)


def oks_matrix(a: np.ndarray, b: np.ndarray, sigmas: np.ndarray, areas: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Object keypoint similarity of every pose of ``a`` (N, K, 3) with every pose of ``b``
    (M, K, 3), and how many labelled points each pair shares (N, M).

    COCO's definition (cocoeval.computeOks): per shared point exp(-d^2 / (2 s^2 (2 sigma)^2))
    with s^2 the object's area (here ``areas`` (N,), the boxes of ``a``), averaged over the
    points labelled (v > 0) in both.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return np.zeros((n, m)), np.zeros((n, m), dtype=np.int64)
    kappa2 = (2.0 * np.asarray(sigmas, dtype=np.float64)) ** 2  # (K,)
    d2 = ((a[:, None, :, :2] - b[None, :, :, :2]) ** 2).sum(axis=3)  # (N, M, K)
    shared = (a[:, None, :, 2] > 0) & (b[None, :, :, 2] > 0)
    scale = 2.0 * np.maximum(np.asarray(areas, dtype=np.float64), 1.0)[:, None, None] * kappa2
    sim = np.where(shared, np.exp(-d2 / scale), 0.0).sum(axis=2)
    count = shared.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        oks = np.where(count > 0, sim / np.maximum(count, 1), 0.0)
    return oks, count


def similarity_matrix(boxes_a: np.ndarray, kps_a: np.ndarray, boxes_b: np.ndarray,
                      kps_b: np.ndarray, sigmas: np.ndarray, box_weight: float = 0.5
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(similarity, IoU, OKS), each (N, M): similarity = ``box_weight`` IoU + the rest OKS
    where a pair shares enough labelled points, else the IoU alone."""
    iou = box_iou(boxes_a, boxes_b)
    oks, shared = oks_matrix(kps_a, kps_b, sigmas, box_area(boxes_a))
    sim = np.where(shared >= MIN_SHARED_POINTS, box_weight * iou + (1 - box_weight) * oks, iou)
    return sim, iou, oks
