"""OKS keypoint AP/AR and box AP/AR with pycocotools' ``COCOeval``, from in-memory annotations.

Ground truth and detections are built as COCO datasets in memory (never written to disk) and
evaluated for one category over a fixed list of images, so an approved frame where every
prediction was deleted still counts its detections as false positives. ``COCOeval`` prints its
progress and summary; that output is swallowed. A metric without ground truth (pycocotools
reports -1) is ``None``.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from typing import Any

import numpy as np

# Indices of COCOeval.stats after summarize() (pycocotools cocoeval.py, _summarizeKps and
# _summarizeDets): keypoints use maxDets 20, boxes report AR at 1/10/100 detections.
KEYPOINT_STATS = {"AP": 0, "AP50": 1, "AP75": 2, "AR": 5, "AR50": 6, "AR75": 7}
BOX_STATS = {"AP": 0, "AP50": 1, "AP75": 2, "AR1": 6, "AR10": 7, "AR100": 8}


def _coco(images: list[dict], annotations: list[dict], category: dict) -> Any:
    from pycocotools.coco import COCO

    coco = COCO()
    for number, ann in enumerate(annotations, start=1):
        ann["id"] = number
    coco.dataset = {"images": images, "annotations": annotations, "categories": [category]}
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def coco_evaluate(iou_type: str, image_ids: Sequence[int], category: dict,
                  ground_truth: list[dict], detections: list[dict],
                  sigmas: Sequence[float] | None = None) -> dict[str, float | None]:
    """Run ``COCOeval`` (``iou_type`` "keypoints" or "bbox") and return the named stats.

    ``ground_truth``/``detections``: COCO annotation dicts without ``id`` (``image_id``,
    ``category_id``, ``bbox`` x,y,w,h, ``area``; keypoints: ``keypoints`` and, for ground
    truth, ``num_keypoints``; detections: ``score``). ``sigmas``: OKS sigma per keypoint.
    """
    images = [{"id": int(i)} for i in image_ids]
    gt = _coco(images, [dict(a, iscrowd=0) for a in ground_truth], category)
    dt = _coco(images, [dict(a) for a in detections], category)
    return run_cocoeval(gt, dt, iou_type, image_ids=image_ids, category_ids=[category["id"]],
                        sigmas=sigmas)


def load_results(ground_truth: Any, results: list[dict]) -> Any:
    """A COCO results list as a pycocotools ``COCO`` of ``ground_truth``'s images (quietly)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return ground_truth.loadRes(results)


def run_cocoeval(ground_truth: Any, detections: Any, iou_type: str, *,
                 image_ids: Sequence[int] | None = None,
                 category_ids: Sequence[int] | None = None,
                 sigmas: Sequence[float] | None = None) -> dict[str, float | None]:
    """``COCOeval`` of two pycocotools ``COCO`` objects, its printing swallowed: the named
    stats (None where pycocotools reports -1, no ground truth). ``image_ids`` and
    ``category_ids`` narrow the evaluation (default: all of ``ground_truth``); keypoint
    evaluation needs the OKS ``sigmas`` of the schema (pycocotools' default is COCO's 17)."""
    from pycocotools.cocoeval import COCOeval

    evaluator = COCOeval(ground_truth, detections, iouType=iou_type)
    if image_ids is not None:
        evaluator.params.imgIds = [int(i) for i in image_ids]
    if category_ids is not None:
        evaluator.params.catIds = [int(c) for c in category_ids]
    if iou_type == "keypoints":
        if sigmas is None:
            raise ValueError("keypoint evaluation needs the schema's OKS sigmas")
        evaluator.params.kpt_oks_sigmas = np.asarray(sigmas, dtype=np.float64)
    names = KEYPOINT_STATS if iou_type == "keypoints" else BOX_STATS
    if image_ids is not None and not image_ids:
        return dict.fromkeys(names)
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    stats = evaluator.stats
    return {name: (None if stats[i] < 0 else float(stats[i])) for name, i in names.items()}
