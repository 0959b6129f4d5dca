"""Background threads yield the CPU to the GUI thread: a per-thread nice value.

On Linux a thread is a task with its own nice value, and threads it creates afterwards
inherit it: torch's OpenMP pool (made on the first parallel op), FFmpeg's decoder threads
(made when the codec opens on the first decode). On a machine with few cores, decoding and
inference at the GUI's priority take the CPU from it in the middle of drawing a frame
(bench/bench_gui_latency.py). Elsewhere this does nothing: on macOS PRIO_PROCESS would
renice the whole application.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

INFERENCE_NICE = 10  # model runs: use every idle core, never the GUI's
PREFETCH_NICE = 10  # frames decoded ahead of the user, in case
LOADER_NICE = 5  # the frame the user asked for: before prefetching, after the GUI


def lower_this_thread(nice: int) -> None:
    """Give the calling thread at least ``nice`` (never raises its priority)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), nice))
