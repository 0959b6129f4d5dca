"""`FrameCache`: a thread-safe, memory-bounded LRU cache of decoded frames."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

import numpy as np

DEFAULT_CACHE_BYTES = 512 * 1024 * 1024


class FrameCache:
    """LRU of frames keyed by frame index (or any hashable), bounded by total array bytes.

    Stored arrays are made read-only: a cached frame is shared by every reader, and one that
    drew on it would corrupt the others' view; copy before modifying. A frame larger than the
    whole budget is not stored.
    """

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> np.ndarray | None:
        """The cached frame (now most recently used), or None."""
        with self._lock:
            arr = self._items.get(key)
            if arr is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return arr

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def put(self, key: Hashable, frame: np.ndarray) -> np.ndarray:
        """Store `frame` (read-only from now on), evicting least recently used frames; returns it."""
        frame.flags.writeable = False
        if frame.nbytes > self.max_bytes:
            return frame
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._items[key] = frame
            self._bytes += frame.nbytes
            while self._bytes > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= evicted.nbytes
        return frame

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        """Bytes held now (never more than max_bytes)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        with self._lock:
            return list(self._items)
