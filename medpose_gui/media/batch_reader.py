"""Decode batches of frames in a background thread, a bounded number of batches ahead.

The model run reads frames through this so that decoding the next batch, and preparing it
for the model (``prepare``: the detector's resizing), overlaps the models working on the
current one. A frame source must not be read by two threads at once, so the run gives the
reader a source of its own.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

PrepareFn = Callable[[list[np.ndarray]], Any]


class Batch(NamedTuple):
    """One batch as the reader hands it over."""

    indices: list[int]
    frames: list[np.ndarray]  # RGB uint8
    decode_s: float  # seconds decoding (in the reader's thread)
    prepared: Any = None  # ``prepare(frames)``, None without a ``prepare``
    prepare_s: float = 0.0  # seconds in ``prepare`` (in the reader's thread)


class BatchReader:
    """Iterating yields a :class:`Batch` per batch, in order (unpacks as ``indices, frames,
    decode_seconds, ...``).

    ``prepare(frames)``, if given, runs in the reader's thread on each decoded batch; it must
    be a pure function of the frames (results then cannot depend on when it runs). An
    exception raised while decoding or preparing is re-raised in the iterating thread.
    ``close()`` (or leaving the ``with`` block) stops the thread promptly, also in the middle
    of a run.
    """

    _END = object()

    def __init__(self, source: Any, indices: Sequence[int], batch_size: int, depth: int = 2,
                 prepare: PrepareFn | None = None):
        self._source = source
        self._prepare = prepare
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
                t1 = time.perf_counter()
                prepared = None if self._prepare is None else self._prepare(frames)
                item = Batch(batch, frames, t1 - t0, prepared, time.perf_counter() - t1)
                if not self._put(item):
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
