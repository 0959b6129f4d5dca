"""The inference pipeline on a real H.264 video with the fixture detector and pose checkpoints.

The fixture weights are random (fixtures/*/README.md), so "correct" here means: the pipeline
gives exactly what the detector and the pose estimator give when called directly, frame by
frame, with the same selection rule. The detector runs at MIN_SIZE_TEST 120 (the frames are
160x120, so no resize) to keep the file fast on two CPU cores.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from medpose_gui.core.annotations import Source, Visibility
from medpose_gui.inference import load_detector, load_pose_estimator, run_pipeline
from medpose_gui.inference.pipeline import (
    PipelineResult,
    estimate_poses,
    is_out_of_memory,
    select_detections,
)
from medpose_gui.media import open_media
from tests.fixture_paths import (
    CASUALTY_WEIGHTS,
    DETECTOR_CONFIG,
    DETECTOR_WEIGHTS,
    DETECTRON2,
    VITPOSE,
    need_full,
)
from tests.media.video_factory import make_indexed_video

N_FRAMES = 4
BOXES_PER_FRAME = 2  # about how many boxes the chosen threshold keeps (pose cost)


@pytest.fixture(scope="module")
def models():
    det = load_detector(DETECTOR_WEIGHTS, DETECTOR_CONFIG, min_size=120)
    pose = load_pose_estimator(CASUALTY_WEIGHTS)
    return det, pose


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    path = make_indexed_video(tmp_path_factory.mktemp("pipeline") / "clip.mp4", N_FRAMES,
                              size=(160, 120), textured=True)
    with open_media(path) as src:
        frames = [src[i] for i in range(len(src))]
    return path, frames


@pytest.fixture(scope="module")
def direct(models, video):
    """Detector and pose estimator called directly, one frame at a time."""
    det, pose = models
    _, frames = video
    dets = [det.detect([f], batch_size=1)[0] for f in frames]
    patient = np.concatenate([d.scores[d.labels == 0] for d in dets])
    # a threshold that keeps a few patient boxes per frame: the random weights score anything
    return dets, threshold_keeping(patient, BOXES_PER_FRAME * N_FRAMES)


def threshold_keeping(scores: np.ndarray, count: int) -> float:
    """A score threshold that keeps the ``count`` best scores, midway between two scores so
    that float noise (batched vs single-image detection) cannot move a box across it."""
    ordered = np.sort(scores)[::-1]
    return float((ordered[count - 1] + ordered[count]) / 2)


def _reference(models, frames, dets, categories, threshold):
    _, pose = models
    out = []
    for frame, d in zip(frames, dets, strict=True):
        sel = select_detections(d, categories, threshold)
        out.append((sel, estimate_poses(pose, frame, sel.boxes)))
    return out


def _assert_matches(result, reference, class_names, pose, frames):
    """Boxes as the per-frame detector calls gave them; keypoints as the pose estimator gives
    for those boxes. (Keypoints are compared on the pipeline's own boxes: batched detection
    moves boxes by float noise, ~1e-4 px, and the fixture's memorising pose network turns
    that into ~0.1 px through the fixed-point crop; fixtures/vitpose/README.md, Tolerances.)"""
    assert sorted(result) == list(range(len(reference)))
    for index, (sel, _) in enumerate(reference):
        instances = result[index]
        assert len(instances) == len(sel.boxes), f"frame {index}"
        kps = estimate_poses(pose, frames[index], np.array([i.box for i in instances]))
        for inst, box, score, label, kp in zip(instances, sel.boxes, sel.scores, sel.labels,
                                               kps, strict=True):
            assert inst.category == class_names[label]
            assert inst.source == Source.PREDICTED and inst.track_id is None
            np.testing.assert_allclose(inst.box, box, atol=1e-3)
            assert inst.box_score == pytest.approx(float(score), abs=1e-5)
            np.testing.assert_allclose(inst.keypoints[:, :2], kp[:, :2], atol=1e-3)
            np.testing.assert_allclose(inst.scores, kp[:, 2], atol=1e-5)
            assert np.all(inst.keypoints[:, 2] == Visibility.VISIBLE)
            assert inst.original is not None and np.array_equal(inst.original.box, inst.box)


@pytest.mark.parametrize("batch_size", [1, 4])
def test_batched_pipeline_equals_per_frame_detector_and_pose_calls(models, video, direct,
                                                                   batch_size):
    det, pose = models
    path, frames = video
    dets, threshold = direct
    with open_media(path) as src:
        result = run_pipeline(src, range(N_FRAMES), det, pose, score_threshold=threshold,
                              batch_size=batch_size)
    assert isinstance(result, PipelineResult) and not result.cancelled
    assert result.stats.frames == N_FRAMES and result.stats.batch_size == batch_size
    assert result.stats.boxes == sum(len(v) for v in result.values()) > 0
    _assert_matches(result, _reference(models, frames, dets, (0,), threshold), det.class_names, pose, frames)


def test_same_input_gives_identical_results_run_after_run(models, video, direct):
    det, pose = models
    _, frames = video
    _, threshold = direct
    first = run_pipeline(frames, range(N_FRAMES), det, pose, score_threshold=threshold)
    second = run_pipeline(frames, range(N_FRAMES), det, pose, score_threshold=threshold)
    for index in range(N_FRAMES):
        for a, b in zip(first[index], second[index], strict=True):
            assert np.array_equal(a.keypoints, b.keypoints) and np.array_equal(a.box, b.box)


def test_category_filter_and_score_threshold_select_the_detector_output(models, video, direct):
    det, pose = models
    _, frames = video
    dets, _ = direct
    user_scores = np.concatenate([d.scores[d.labels == 1] for d in dets])
    threshold = threshold_keeping(user_scores, 2 * N_FRAMES)  # about two user boxes per frame
    result = run_pipeline(frames, range(N_FRAMES), det, pose, categories=[1],
                          score_threshold=threshold, batch_size=3)
    kept = [inst for v in result.values() for inst in v]
    assert kept and {inst.category for inst in kept} == {"user"}
    assert min(inst.box_score for inst in kept) >= threshold
    _assert_matches(result, _reference(models, frames, dets, (1,), threshold), det.class_names, pose, frames)
    # category_filter is another name of the same option
    alias = run_pipeline(frames, range(N_FRAMES), det, pose, category_filter=[1],
                         score_threshold=threshold, batch_size=3)
    assert {i: len(v) for i, v in alias.items()} == {i: len(v) for i, v in result.items()}


def test_one_pose_model_per_category_routes_each_box_to_its_model(models, video, direct):
    det, pose = models
    _, frames = video
    dets, threshold = direct
    need_full()  # the 6-point user model
    user_pose = load_pose_estimator(VITPOSE / "vitpose_tiny_user_k6.pth")
    result = run_pipeline(frames[:2], range(2), det, {0: pose, 1: user_pose},
                          categories=None, score_threshold=threshold, batch_size=2)
    counts = {"patient": 0, "user": 0}
    for inst in (i for v in result.values() for i in v):
        counts[inst.category] += 1
        assert inst.num_keypoints == (21 if inst.category == "patient" else 6)
    assert counts["patient"] > 0 and counts["user"] > 0


def test_cancel_stops_between_batches_and_returns_finished_frames(models, video, direct):
    det, pose = models
    path, _ = video
    _, threshold = direct
    seen: list[int] = []
    with open_media(path) as src:
        result = run_pipeline(src, range(N_FRAMES), det, pose, score_threshold=threshold,
                              batch_size=2, on_frame=lambda i, _: seen.append(i),
                              cancel=lambda: len(seen) >= 2)
    assert result.cancelled
    assert sorted(result) == [0, 1] and seen == [0, 1]


def test_progress_and_on_frame_are_reported_in_frame_order(models, video, direct):
    det, pose = models
    _, frames = video
    _, threshold = direct
    progress: list[tuple[int, int]] = []
    streamed: list[tuple[int, int]] = []
    result = run_pipeline(frames, [3, 0, 2], det, pose, score_threshold=threshold, batch_size=2,
                          progress=lambda d, t: progress.append((d, t)),
                          on_frame=lambda i, inst: streamed.append((i, len(inst))))
    assert progress == [(0, 3), (2, 3), (3, 3)]
    assert streamed == [(i, len(result[i])) for i in [3, 0, 2]]


def test_decode_error_in_the_background_thread_reaches_the_caller(models, video):
    det, pose = models
    path, _ = video
    with open_media(path) as src, pytest.raises(IndexError, match="out of range"):
        run_pipeline(src, [0, N_FRAMES + 3], det, pose, batch_size=1)
    # the decode thread is gone: nothing keeps running after the error
    assert not [t for t in threading.enumerate() if t.name == "frame-decode"]


class _MemoryLimitedDetector:
    """The real detector behind a memory limit: more than ``limit`` frames at once raise the
    same error torch raises when the GPU runs out of memory (fault injection; no GPU here)."""

    def __init__(self, detector, limit: int):
        self._detector, self.limit, self.calls = detector, limit, []
        self.class_names = detector.class_names
        self.device = detector.device

    def detect(self, images, batch_size=None):
        self.calls.append(len(images))
        if len(images) > self.limit:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return self._detector.detect(images, batch_size=batch_size)


def test_out_of_memory_halves_the_batch_and_keeps_every_frame(models, video, direct):
    det, pose = models
    _, frames = video
    dets, threshold = direct
    limited = _MemoryLimitedDetector(det, limit=1)
    messages: list[str] = []
    result = run_pipeline(frames, range(N_FRAMES), limited, pose, score_threshold=threshold,
                          batch_size=4, log=messages.append)
    assert limited.calls[:3] == [4, 2, 1] and result.stats.batch_size == 1
    assert any("batch size 2" in m for m in messages)
    _assert_matches(result, _reference(models, frames, dets, (0,), threshold), det.class_names, pose, frames)


def test_out_of_memory_messages_are_recognised():
    assert is_out_of_memory(torch.cuda.OutOfMemoryError("CUDA out of memory."))
    assert is_out_of_memory(RuntimeError("MPS backend out of memory (MPS allocated: 1 GB)"))
    assert not is_out_of_memory(RuntimeError("shape mismatch"))


def test_half_precision_is_refused_quietly_on_cpu(models, video, direct):
    det, pose = models
    _, frames = video
    _, threshold = direct
    messages: list[str] = []
    result = run_pipeline(frames[:1], [0], det, pose, score_threshold=threshold,
                          precision="fp16", log=messages.append)
    assert result.stats.precision == "fp32" and any("fp32" in m for m in messages)


@pytest.mark.skipif(not torch.cuda.is_available(),
                    reason="no CUDA on this machine: the fp16-vs-fp32 check needs a GPU")
def test_half_precision_keypoints_stay_within_one_pixel_of_fp32_on_gpu():
    import cv2

    from medpose_gui.inference import configure_exact_math

    need_full()  # the 1280x720 frame
    configure_exact_math()
    det = load_detector(DETECTOR_WEIGHTS, DETECTOR_CONFIG, device="cuda")
    pose = load_pose_estimator(CASUALTY_WEIGHTS, device="cuda")
    frame = cv2.imread(str(DETECTRON2 / "images" / "frame_1280x720.png"))[:, :, ::-1].copy()
    full = run_pipeline([frame], [0], det, pose, precision="fp32")[0]
    half = run_pipeline([frame], [0], det, pose, precision="fp16")[0]
    assert len(full) == len(half) > 0
    for a, b in zip(full, half, strict=True):
        np.testing.assert_allclose(a.box, b.box, atol=1.0)
        assert np.abs(a.keypoints[:, :2] - b.keypoints[:, :2]).max() <= 1.0
