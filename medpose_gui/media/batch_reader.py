"""Decode batches of frames in a background thread, a bounded number of batches ahead.

The model run reads frames through this so that decoding the next batch overlaps the
models working on the current one. A frame source must not be read by two threads at once,
so the run gives the reader a source of its own.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

Batch = tuple[list[int], list[np.ndarray], float]  # indices, RGB frames, seconds decoding


class BatchReader:
    """Iterating yields ``(indices, frames, decode_seconds)`` per batch, in order.

    An exception raised while decoding is re-raised in the iterating thread. ``close()`` (or
    leaving the ``with`` block) stops the thread promptly, also in the middle of a run.
    """

    _END = object()

    def __init__(self, source: Any, indices: Sequence[int], batch_size: int, depth: int = 2):
        self._source = source
        self._batches = [list(indices[i:i + batch_size])
                         for i in range(0, len(indices), batch_size)]
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name="frame-decode", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        try:
            for batch in self._batches:
                if self._stop.is_set():
                    return
                t0 = time.perf_counter()
                frames = [self._source[i] for i in batch]
                if not self._put((batch, frames, time.perf_counter() - t0)):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer thread
            self._put(exc)
            return
        self._put(self._END)

    def __iter__(self) -> Iterator[Batch]:
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.05)
        self._thread.join()

    def __enter__(self) -> BatchReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
