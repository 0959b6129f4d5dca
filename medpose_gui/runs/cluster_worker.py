"""The cluster worker: a Ray actor that loads the models once and computes shards.

It is the local run's compute half and nothing else: :meth:`InferenceService.load` once
(in the constructor) and :meth:`InferenceService.predict` per shard. Results go back to the
driver batch by batch through Ray's object store (the shard method is a generator); the
driver stores them. A worker never opens a project.

This module does not import Ray: :mod:`medpose_gui.runs.cluster` wraps :class:`ShardWorker`
with ``ray.remote`` when a run starts.
"""

from __future__ import annotations

import os
import queue
import socket
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from medpose_gui.core.annotations import Instance
from medpose_gui.media import MediaError, fingerprint, open_media

from .settings import RunSettings

_OPEN_SOURCES = 2  # media kept open between shards (consecutive shards are mostly one input)
_DONE = object()


class ShardWorker:
    """One model copy on one device (a GPU, or a set of CPU cores)."""

    def __init__(self, settings: RunSettings, threads: int) -> None:
        import torch

        from .service import InferenceService

        # Float results depend on torch's intra-op thread count on the CPU: use the number
        # of cores Ray gave this worker, so it computes like a local run with that many
        # threads (OMP_NUM_THREADS=threads), whatever the node has.
        torch.set_num_threads(max(1, int(threads)))
        self.service = InferenceService()
        self.models = self.service.load(settings)
        self._sources: OrderedDict[str, Any] = OrderedDict()

    def describe(self) -> dict:
        """Who this worker is and what it loaded (the driver checks the model identity)."""
        return {"pid": os.getpid(), "host": socket.gethostname(),
                "device": str(self.models.device), "identity": self.models.identity()}

    def run_shard(self, media: str, media_fingerprint: str,
                  frames: Sequence[int]) -> Iterator[dict[int, list[Instance]]]:
        """Predict ``frames`` of ``media``, yielding each batch's results as it finishes.

        The pipeline runs in a thread (it reports batches through a callback); this
        generator hands them to Ray as they come. Closing the generator (the driver cancels)
        stops the pipeline after its current batch.
        """
        source = self._source(media, media_fingerprint)
        results: queue.Queue = queue.Queue()
        stop = threading.Event()

        def compute() -> None:
            try:
                self.service.predict(self.models, source, list(frames), on_batch=results.put,
                                     cancel=stop.is_set)
                results.put(_DONE)
            except BaseException as exc:  # handed to the generator, which re-raises it
                results.put(exc)

        thread = threading.Thread(target=compute, name="shard", daemon=True)
        thread.start()
        try:
            while (item := results.get()) is not _DONE:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            thread.join()

    def _source(self, media: str, media_fingerprint: str) -> Any:
        """The open media, checked once to be the file the driver opened (same path on
        every node, e.g. a shared file system; a different file would give other results)."""
        if media in self._sources:
            self._sources.move_to_end(media)
            return self._sources[media]
        if not Path(media).exists():
            raise MediaError(f"{media}: not found on worker host {socket.gethostname()}: every "
                             "node must see the inputs at the same path (a shared file system)")
        if fingerprint(media) != media_fingerprint:
            raise MediaError(f"{media}: on worker host {socket.gethostname()} this is not the "
                             "file the driver opened (content differs)")
        source = open_media(media)
        self._sources[media] = source
        while len(self._sources) > _OPEN_SOURCES:
            self._sources.popitem(last=False)[1].close()
        return source
