"""`CachedFrameSource`: a frame source behind an LRU cache, with a background prefetch thread.

Built for a GUI: `cached[i]` blocks until frame i is there, `cached.peek(i)` never blocks,
`cached.request(i)` tells the prefetcher where the user is. Two threads (the GUI and the
prefetcher) may read at once; the underlying source decodes one frame at a time (its own lock),
and a frame being decoded by one thread is waited for, never decoded a second time by the other.
The GUI thread has priority: the prefetcher pauses between frames while a foreground read waits.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType

import numpy as np

from ..thread_priority import PREFETCH_NICE, lower_this_thread
from .cache import DEFAULT_CACHE_BYTES, FrameCache
from .source import FrameSource

log = logging.getLogger(__name__)

DEFAULT_PREFETCH = 16


class CachedFrameSource:
    """`source` with a shared frame cache and (prefetch > 0) a prefetch thread.

    Frames returned are read-only arrays shared with the cache (copy before drawing on them).
    """

    def __init__(
        self,
        source: FrameSource,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        prefetch: int = DEFAULT_PREFETCH,
        cache: FrameCache | None = None,
    ) -> None:
        self.source = source
        self.cache = cache if cache is not None else FrameCache(cache_bytes)
        self._inflight: dict[int, Future] = {}
        self._inflight_lock = threading.Lock()
        self._foreground = 0  # foreground reads waiting or decoding
        self._fg_cond = threading.Condition()
        self._prefetcher = Prefetcher(self, prefetch) if prefetch > 0 else None

    # ---- reading -------------------------------------------------------------------------
    def __getitem__(self, index: int) -> np.ndarray:
        """Frame `index` (blocking); also moves the prefetch window there."""
        i = self.source.check_index(index)
        with self._fg_cond:
            self._foreground += 1
        try:
            frame = self._load(i)
        finally:
            with self._fg_cond:
                self._foreground -= 1
                self._fg_cond.notify_all()
        self.request(i)
        return frame

    def get(self, index: int) -> np.ndarray:
        """Same as `cached[index]`."""
        return self[index]

    def peek(self, index: int) -> np.ndarray | None:
        """Frame `index` if it is cached now, else None; never decodes, never blocks on decoding."""
        return self.cache.get(self.source.check_index(index))

    def request(self, index: int) -> None:
        """Hint: the user is at frame `index`; prefetch the frames after it."""
        if self._prefetcher is not None:
            self._prefetcher.move_to(self.source.check_index(index))

    def _load(self, i: int) -> np.ndarray:
        """Frame i from the cache, from a decode already running in another thread, or decoded now."""
        frame = self.cache.get(i)
        if frame is not None:
            return frame
        with self._inflight_lock:
            # look again under the lock: another thread may have finished i since the miss
            # (it caches before it leaves the in-flight table)
            frame = self.cache.get(i)
            if frame is not None:
                return frame
            fut = self._inflight.get(i)
            owner = fut is None
            if owner:
                fut = self._inflight[i] = Future()
        if not owner:
            return fut.result()
        try:
            frame = self.cache.put(i, self.source[i])
            fut.set_result(frame)
            return frame
        except BaseException as e:
            fut.set_exception(e)
            raise
        finally:
            with self._inflight_lock:
                del self._inflight[i]

    def _wait_foreground_idle(self, stop: threading.Event) -> None:
        with self._fg_cond:
            self._fg_cond.wait_for(lambda: self._foreground == 0 or stop.is_set())

    # ---- pass-through of the source contract ---------------------------------------------
    def __len__(self) -> int:
        return len(self.source)

    @property
    def fps(self) -> float:
        return self.source.fps

    @property
    def size(self) -> tuple[int, int]:
        return self.source.size

    @property
    def timestamps(self) -> np.ndarray:
        return self.source.timestamps

    @property
    def path(self) -> Path:
        return self.source.path

    def frame_name(self, index: int) -> str:
        return self.source.frame_name(index)

    def close(self) -> None:
        """Stop the prefetcher, then close the source."""
        if self._prefetcher is not None:
            self._prefetcher.stop()
        self.source.close()

    def __enter__(self) -> CachedFrameSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# After a jump past the prefetch window the prefetcher waits this long before decoding: the
# GUI is drawing the frame it landed on, and decoding beside it on a small machine made that
# drawing 1.5x slower (bench/bench_gui_latency.py). Playing, stepping and dragging the
# timeline cursor (moves within the window) never wait.
JUMP_SETTLE_S = 0.06


class Prefetcher:
    """Background thread that decodes the `ahead` frames after the last requested index.

    The window never holds more frames than the cache can keep besides the current one, so
    prefetching cannot evict the frame the user looks at. A new request abandons the old window
    after at most the frame being decoded.
    """

    def __init__(self, owner: CachedFrameSource, ahead: int) -> None:
        self._owner = owner
        w, h = owner.source.size
        fits = owner.cache.max_bytes // max(1, w * h * 3) - 2
        self.ahead = max(0, min(int(ahead), fits))
        self._target: int | None = None
        self._generation = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="medpose-prefetch", daemon=True)
        self._thread.start()

    def move_to(self, index: int) -> None:
        with self._cond:
            if index != self._target:
                self._target = index
                self._generation += 1
                self._cond.notify_all()

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        with self._owner._fg_cond:
            self._owner._fg_cond.notify_all()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        lower_this_thread(PREFETCH_NICE)
        seen = 0
        previous: int | None = None
        n = len(self._owner)
        while not self._stop.is_set():
            with self._cond:
                self._cond.wait_for(lambda s=seen: self._generation != s or self._stop.is_set())
                if self._stop.is_set():
                    return
                seen, target = self._generation, self._target
                assert target is not None
                jumped = previous is not None and abs(target - previous) > self.ahead
                previous = target
                if jumped and self._cond.wait_for(
                        lambda s=seen: self._generation != s or self._stop.is_set(),
                        timeout=JUMP_SETTLE_S):
                    continue  # moved again (or stopping) meanwhile
            for j in range(target + 1, min(target + 1 + self.ahead, n)):
                self._owner._wait_foreground_idle(self._stop)
                if self._stop.is_set() or self._generation != seen:
                    break
                if j in self._owner.cache:
                    continue
                try:
                    self._owner._load(j)
                except Exception as e:  # a bad frame ends this window; the GUI read reports it
                    log.warning("prefetch of frame %d of %s failed: %s", j, self._owner.path, e)
                    break
