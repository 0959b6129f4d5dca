"""Work done ahead in the decode thread (the detector's resizing) changes no result: a run
gives bit-identical instances with and without it, and its errors reach the caller."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from medpose_gui.inference import load_detector, load_pose_estimator, run_pipeline
from medpose_gui.inference.engine import Engine
from medpose_gui.media import open_media
from medpose_gui.media.batch_reader import BatchReader
from tests.fixture_paths import CASUALTY_WEIGHTS, DETECTOR_CONFIG, DETECTOR_WEIGHTS
from tests.media.video_factory import make_indexed_video

N_FRAMES = 5


@pytest.fixture(scope="module")
def models():
    det = load_detector(DETECTOR_WEIGHTS, DETECTOR_CONFIG, min_size=120)
    return det, load_pose_estimator(CASUALTY_WEIGHTS)


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return make_indexed_video(tmp_path_factory.mktemp("overlap") / "clip.mp4", N_FRAMES,
                              size=(160, 120), textured=True)


def _frames(path):
    with open_media(path) as src:
        return [src[i] for i in range(len(src))]


def test_detect_with_prepared_inputs_equals_detect_bit_for_bit(models, video):
    det, _ = models
    frames = _frames(video)
    for batch in (1, 3):
        plain = det.detect(frames, batch_size=batch)
        ahead = det.detect(frames, batch_size=batch, prepared=det.prepare(frames))
        for a, b in zip(plain, ahead, strict=True):
            np.testing.assert_array_equal(a.boxes, b.boxes)
            np.testing.assert_array_equal(a.scores, b.scores)
            np.testing.assert_array_equal(a.labels, b.labels)


def test_prepared_inputs_must_match_the_images(models, video):
    det, _ = models
    frames = _frames(video)
    with pytest.raises(ValueError, match="prepared inputs"):
        det.detect(frames, prepared=det.prepare(frames[:2]))


@pytest.mark.parametrize("batch_size", [1, 2])
def test_a_run_gives_the_same_instances_as_without_work_ahead(models, video, monkeypatch,
                                                              batch_size):
    det, pose = models
    scores = np.concatenate([d.scores[d.labels == 0] for d in det.detect(_frames(video))])
    threshold = float(np.sort(scores)[::-1][2 * N_FRAMES])  # about two boxes per frame

    def run():
        with open_media(video) as src:
            return run_pipeline(src, range(N_FRAMES), det, pose, score_threshold=threshold,
                                batch_size=batch_size)

    ahead = run()
    assert ahead.stats.prepare_s > 0
    monkeypatch.setattr(Engine, "prepare", lambda self, frames: None)
    sequential = run()
    assert sorted(ahead) == sorted(sequential) == list(range(N_FRAMES))
    assert sum(len(v) for v in ahead.values()) > 0
    for index in range(N_FRAMES):
        assert len(ahead[index]) == len(sequential[index])
        for a, b in zip(ahead[index], sequential[index], strict=True):
            assert np.array_equal(a.box, b.box) and a.box_score == b.box_score
            assert np.array_equal(a.keypoints, b.keypoints)
            assert np.array_equal(a.scores, b.scores)


def test_prepare_runs_in_the_decode_thread_and_its_errors_reach_the_caller():
    threads: list[str] = []

    def prepare(frames):
        threads.append(threading.current_thread().name)
        if len(threads) == 2:
            raise RuntimeError("cannot resize")
        return [f.shape for f in frames]

    source = [np.zeros((4, 4, 3), np.uint8)] * 6
    seen = []
    with pytest.raises(RuntimeError, match="cannot resize"), \
            BatchReader(source, range(6), 3, prepare=prepare) as reader:
        for batch in reader:
            seen.append((batch.indices, batch.prepared))
    assert seen == [([0, 1, 2], [(4, 4, 3)] * 3)]
    assert threads == ["frame-decode", "frame-decode"]
