"""Frames for the window without decoding on the GUI thread.

``FrameLoader.request(i)`` shows a cached frame at once (``CachedFrameSource.peek``);
otherwise it hands ``i`` to a loader thread that decodes it (``cached[i]``, which also moves
the prefetch window) and emits ``frameReady(i, image)`` when it is there. Requests coalesce:
while the loader decodes, newer requests overwrite the pending one, so fast slider moves
end at the latest index instead of queueing every frame passed on the way.
"""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, Signal

from medpose_gui.media import CachedFrameSource, FrameSource
from medpose_gui.thread_priority import LOADER_NICE, lower_this_thread

# 512 MiB holds ~190 frames of 1280x720 RGB: several seconds of scrubbing back and forth.
CACHE_BYTES = 512 * 1024 * 1024
PREFETCH = 24


class FrameLoader(QObject):
    frameReady = Signal(int, object)  # index, RGB uint8 (read-only, shared with the cache)
    failed = Signal(int, str)

    def __init__(self, source: FrameSource, parent: QObject | None = None,
                 cache_bytes: int = CACHE_BYTES, prefetch: int = PREFETCH) -> None:
        super().__init__(parent)
        self.cached = CachedFrameSource(source, cache_bytes=cache_bytes, prefetch=prefetch)
        self._cond = threading.Condition()
        self._pending: int | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="medpose-frame-loader", daemon=True)
        self._thread.start()

    def __len__(self) -> int:
        return len(self.cached)

    def request(self, index: int) -> np.ndarray | None:
        """The frame if cached (returned, not emitted); else None and ``frameReady`` later."""
        image = self.cached.peek(index)
        if image is not None:
            self.cached.request(index)  # keep the prefetch window following the user
            return image
        with self._cond:
            self._pending = index
            self._cond.notify()
        return None

    def _run(self) -> None:
        lower_this_thread(LOADER_NICE)
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None or self._stop)
                if self._stop:
                    return
                index, self._pending = self._pending, None
            try:
                image = self.cached[index]
            except Exception as exc:  # noqa: BLE001 - reported to the window, loader lives on
                self.failed.emit(index, str(exc))
                continue
            self.frameReady.emit(index, image)

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(timeout=5)
        self.cached.close()
