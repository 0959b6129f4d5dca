"""glibc's allocator tuned for model runs: large freed blocks stay in the process.

Why: glibc gives every freed block above its mmap threshold (which grows to at most 32 MiB)
back to the kernel, and trims the heap top above 128 KiB. The detector allocates and frees
tens of feature maps of 16-66 MiB per frame, so each forward pass faults all of them in again
(zeroed pages): about 250,000 minor page faults per 1280x720 frame for the full R101 alone,
320,000 for a whole run with the pose model (bench/bench_pipeline.py), 13-17 % of the
detector's time (issue 15). With the settings below the second frame takes almost none.

Settings (``mallopt``, process-wide):

- ``M_MMAP_MAX`` 0: no block is served by its own ``mmap``; large blocks come from the heap.
- ``M_TRIM_THRESHOLD`` 1 GiB: free memory at the top of the heap goes back to the kernel
  only once more than 1 GiB of it is free.
- ``M_ARENA_MAX`` 1: threads that allocate for the first time from now on share the main
  heap. A thread's own arena grows in 64 MiB heaps, and a larger block (p2 of a frame is
  66 MiB) is mapped and unmapped alone whatever M_MMAP_MAX says: in a worker thread the two
  settings above leave 94-142k of the 214k faults per frame, with the shared heap none. So
  this must run before the window starts its inference thread (``medpose_gui.runs`` applies
  it on import, which the window does at start-up; the service applies it too).

Memory cost: freed memory stays in the process, so its resident size stays near its peak
until the process ends instead of falling back after each frame; other programs cannot use
that memory. Measured with the full-size models on the CPU (bench_pipeline, "RSS at the
end"): about 2.2 GB stay after runs at batch 1 (1.7 GB without the tuning), 3.9 GB after a
run at batch 4 (1.8 GB without).

Linux with glibc only: elsewhere (macOS, Windows, musl) :func:`tune_allocator` does nothing,
and it never raises.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from typing import Any

# mallopt parameter numbers from glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
M_ARENA_MAX = -8
TRIM_THRESHOLD_BYTES = 1 << 30  # 1 GiB: above the largest run's working set on the CPU

SETTINGS: tuple[tuple[str, int, int], ...] = (
    ("M_MMAP_MAX", M_MMAP_MAX, 0),
    ("M_TRIM_THRESHOLD", M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES),
    ("M_ARENA_MAX", M_ARENA_MAX, 1),
)

_lock = threading.Lock()
_applied: dict[str, bool] | None = None  # what the first call did, for the whole process


def load_glibc() -> Any | None:
    """The running C library if it is glibc (it exports ``gnu_get_libc_version``), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - AttributeError on musl and others
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return libc


def tune_allocator() -> dict[str, bool]:
    """Apply :data:`SETTINGS` once per process; later calls return the first call's result.

    Returns ``{setting name: accepted}``, empty where the C library is not glibc.
    """
    global _applied
    with _lock:
        if _applied is None:
            _applied = _apply(load_glibc())
        return dict(_applied)


def _apply(libc: Any | None) -> dict[str, bool]:
    if libc is None:
        return {}
    done = {}
    for name, param, value in SETTINGS:
        try:
            done[name] = bool(libc.mallopt(param, value))  # 1 on success
        except Exception:  # noqa: BLE001 - tuning is an optimisation, never a failure
            done[name] = False
    return done
