"""FrameCache budget and LRU order; CachedFrameSource with its prefetch thread under concurrency."""

from __future__ import annotations

import contextlib
import os
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from medpose_gui.media import CachedFrameSource, FrameCache, FrameSource, open_media
from medpose_gui.thread_priority import PREFETCH_NICE
from tests.media.video_factory import read_index

FRAME_BYTES = 320 * 240 * 3


def _frame(value: int, nbytes: int = 10_000) -> np.ndarray:
    return np.full(nbytes, value % 256, np.uint8)


def _wait_until(condition, timeout: float = 20.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_cache_never_holds_more_bytes_than_its_budget():
    cache = FrameCache(max_bytes=35_000)
    for i in range(20):
        cache.put(i, _frame(i))
        assert cache.nbytes <= 35_000
    assert len(cache) == 3
    assert cache.keys() == [17, 18, 19]


def test_cache_evicts_least_recently_used_first():
    cache = FrameCache(max_bytes=30_000)
    for i in range(3):
        cache.put(i, _frame(i))
    assert cache.get(0) is not None  # 0 becomes most recent
    cache.put(3, _frame(3))
    assert cache.keys() == [2, 0, 3]
    assert cache.get(1) is None


def test_frame_larger_than_budget_is_not_cached():
    cache = FrameCache(max_bytes=5_000)
    cache.put(0, _frame(0))
    assert len(cache) == 0 and cache.nbytes == 0


def test_cached_frames_are_read_only():
    cache = FrameCache(max_bytes=50_000)
    arr = cache.put(0, _frame(1))
    with pytest.raises(ValueError):
        arr[0] = 5


def test_cached_source_returns_exact_frames_and_peek_does_not_decode(video_files):
    with CachedFrameSource(open_media(video_files["h264_mp4"]), prefetch=0) as cached:
        assert cached.peek(100) is None
        assert cached.peek(100) is None  # still nothing: peek never decodes
        assert read_index(cached[100]) == 100
        assert read_index(cached.peek(100)) == 100
        assert len(cached) == 180 and cached.size == (320, 240) and cached.fps == pytest.approx(25)


def test_request_prefetches_the_frames_after_it(video_files):
    with CachedFrameSource(open_media(video_files["h264_mkv_gop90"]), prefetch=12) as cached:
        cached.request(40)
        assert _wait_until(lambda: all(j in cached.cache for j in range(41, 53)))
        assert [read_index(cached.peek(j)) for j in range(41, 53)] == list(range(41, 53))
        assert 53 not in cached.cache


def test_prefetch_window_is_limited_by_the_cache_budget(video_files):
    budget = 6 * FRAME_BYTES
    with CachedFrameSource(
        open_media(video_files["h264_mp4"]), cache_bytes=budget, prefetch=50
    ) as cached:
        for i in range(0, 150, 7):
            assert read_index(cached[i]) == i
            assert cached.cache.nbytes <= budget
        # the frame on screen survives its own prefetch window
        time.sleep(0.3)
        assert cached.peek(147) is not None


class _CountingSource(FrameSource):
    """A real video source that records how many threads decode the same frame at once."""

    def __init__(self, inner: FrameSource) -> None:
        self.inner, self.path = inner, inner.path
        self.decodes: Counter[int] = Counter()
        self._active: Counter[int] = Counter()
        self.max_same_frame_concurrency = 0
        self._lock = threading.Lock()

    def _read(self, index: int) -> np.ndarray:
        with self._lock:
            self._active[index] += 1
            self.decodes[index] += 1
            self.max_same_frame_concurrency = max(
                self.max_same_frame_concurrency, self._active[index]
            )
        try:
            time.sleep(0.001)  # widen the window in which a second decode could start
            return self.inner[index]
        finally:
            with self._lock:
                self._active[index] -= 1

    def __len__(self) -> int:
        return len(self.inner)

    fps = property(lambda self: self.inner.fps)
    size = property(lambda self: self.inner.size)
    timestamps = property(lambda self: self.inner.timestamps)

    def frame_name(self, index: int) -> str:
        return self.inner.frame_name(index)

    def close(self) -> None:
        self.inner.close()


def test_two_reader_threads_with_prefetcher_get_exact_frames(video_files):
    counting = _CountingSource(open_media(video_files["h264_vfr_mkv"]))
    cached = CachedFrameSource(counting, cache_bytes=40 * FRAME_BYTES, prefetch=8)
    errors: list[str] = []

    def reader(seed: int, sequential: bool) -> None:
        rng = random.Random(seed)
        pos = rng.randrange(180)
        for _ in range(120):
            pos = (pos + 1) % 180 if sequential else rng.randrange(180)
            got = read_index(cached[pos])
            if got != pos:
                errors.append(f"asked {pos}, got {got}")
            peeked = cached.peek(rng.randrange(180))
            if peeked is not None and peeked.shape != (240, 320, 3):
                errors.append("bad peek")

    threads = [
        threading.Thread(target=reader, args=(1, False)),
        threading.Thread(target=reader, args=(2, True)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    cached.close()
    assert errors == []
    assert counting.max_same_frame_concurrency == 1
    assert cached.cache.nbytes <= 40 * FRAME_BYTES


def test_same_frame_wanted_by_two_threads_is_decoded_once(video_files):
    counting = _CountingSource(open_media(video_files["h264_mp4"]))
    cached = CachedFrameSource(counting, prefetch=0)
    barrier = threading.Barrier(2)
    results = []

    def want(i: int) -> None:
        barrier.wait()
        results.append(read_index(cached[i]))

    threads = [threading.Thread(target=want, args=(137,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    cached.close()
    assert results == [137, 137]
    assert counting.decodes[137] == 1


def _nice_of(tid: int) -> int:
    stat = Path(f"/proc/self/task/{tid}/stat").read_text()
    return int(stat[stat.rindex(")") + 2:].split()[16])  # field 19 of stat: nice


def _decoder_threads() -> list[int]:
    """Thread ids of FFmpeg's decoding threads (it names them "av:<codec>:...")."""
    tids = []
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):  # the thread may have ended meanwhile
            if (task / "comm").read_text().startswith("av:"):
                tids.append(int(task.name))
    return tids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_prefetching_runs_below_the_gui_threads_priority(video_files):
    """Decoding ahead must not take the CPU from the GUI thread drawing a frame."""
    with CachedFrameSource(open_media(video_files["h264_mkv_gop90"]), prefetch=12) as cached:
        before = set(_decoder_threads())  # other sources' (and the opening's, now gone)
        cached.request(40)  # the prefetch thread decodes first: FFmpeg's threads are its own
        assert _wait_until(lambda: all(j in cached.cache for j in range(41, 53)))
        prefetch = next(t for t in threading.enumerate() if t.name == "medpose-prefetch")
        assert _nice_of(prefetch.native_id) == PREFETCH_NICE
        new = set(_decoder_threads()) - before
        assert new and all(_nice_of(tid) >= PREFETCH_NICE for tid in new)
    assert os.getpriority(os.PRIO_PROCESS, 0) == 0  # the calling (GUI) thread is untouched
