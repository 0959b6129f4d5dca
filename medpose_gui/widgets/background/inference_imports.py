"""Import the inference stack (torch, torchvision, timm, the run service) in a worker thread
without freezing the GUI thread.

The window paints first and imports torch afterwards, in its inference worker. A thread that
imports still takes the GIL from the GUI thread in three long, uninterruptible pieces, measured
with a 5 ms ticker thread (bench/bench_gui_latency.py, "start" rows; 200-300 ms stalls, 2-7 of
them over 50 ms):

1. Native library loads: torch's ``ctypes`` loads of its global dependencies and, on CUDA
   builds, of the CUDA wheels (~0.2 s), then the import system's ``dlopen`` of libtorch_cpu
   and libtorch (relocations and C++ static initialisers, 0.2 + 0.15 s), all with the GIL held.
   A ``dlopen`` called as a ctypes foreign function releases the GIL and runs beside the GUI
   thread; a library loaded that way is found ready by the later loads (see below).
2. Python's cyclic garbage collector: the import creates ~450,000 objects, and each full
   collection it triggers scans all of them holding the GIL (100-300 ms). Collection is paused
   during the import (process-wide, for the 2-3 s it takes).
3. The explicit ``gc.collect()`` that used to precede ``gc.freeze()`` (one more 200-360 ms
   scan of the grown heap; even before the import, with the window built, a full collection
   costs 25-45 ms of the GUI's first second). The objects present when the import ends are
   frozen without it: the imported ones live as long as the program anyway, and the few
   cycles left dead by then (the import's, the window's start-up) stay as a little memory
   instead of costing a stall. Frozen objects are never scanned again, so later collections
   (a model build in a worker) stay short too.

Together: no stall over 50 ms in a ticker thread while torch, torchvision and timm import
(longest 35 ms in a probe of the same loads), and the import itself is faster (2.6 s instead
of 3.5-4.4 s) on this 2-core machine.

Only libraries that link no Python load without the GIL (everything up to libtorch; see
:func:`native_loads_without_gil` for the deadlock this avoids). The order and flags of every
native load stay torch's own (on CUDA builds torch front-loads
its CUDA component libraries before libtorch so that they win the soname lookups): during the
import, ctypes' ``dlopen`` is swapped for one that releases the GIL, so torch's own loads
(``libtorch_global_deps``, the CUDA wheels) run beside the GUI thread in torch's order; and a
finder placed first on ``sys.meta_path`` loads libtorch, GIL-free, at the moment the import
system is about to load ``torch._C`` (after torch's own loads, with the flags the import
system would use), so that load finds it ready. Linux only; elsewhere only the collector pause
applies.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib.abc
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

_lock = threading.Lock()
_imported = False


def import_inference_stack() -> list[str]:
    """Import the run service (and with it torch, torchvision and timm) once per process,
    quietly for the other threads; later calls return at once. Thread-safe. Returns the native
    libraries loaded without the GIL, in load order (empty on later calls and off Linux)."""
    global _imported
    with _lock:
        if _imported:
            return []
        collecting = gc.isenabled()
        gc.disable()  # no full collection over the growing heap while importing
        try:
            with native_loads_without_gil() as loaded:
                import medpose_gui.runs.service  # noqa: F401 - imports torch, torchvision, timm
        finally:
            gc.freeze()  # the imported objects are never scanned again
            if collecting:
                gc.enable()
        _imported = True
        return loaded


@contextlib.contextmanager
def native_loads_without_gil() -> Iterator[list[str]]:
    """Within the block, torch's native libraries load without holding the GIL, up to and
    including libtorch (see the module docstring); yields the list of the files loaded that
    way, filled in load order.

    Only libraries that cannot call into Python may load without the GIL: a static
    initialiser that asked for the GIL while the loader lock is held would deadlock with a
    thread that holds the GIL and waits for the loader lock (importing any extension module
    does). Torch's loads before ``torch._C`` (its global dependencies, the CUDA wheels) and
    libtorch with its C++ dependencies link no Python; from ``torch._C`` on (and for
    torchvision's operator libraries, which register with torch's Python side) ctypes is
    itself again."""
    loaded: list[str] = []
    dlopen = _libc_dlopen() if sys.platform.startswith("linux") else None
    if dlopen is None or "torch" in sys.modules:
        yield loaded
        return
    original = ctypes._dlopen  # type: ignore[attr-defined]

    def ctypes_dlopen(name: str | None, mode: int = ctypes.DEFAULT_MODE) -> int:
        handle = dlopen(None if name is None else os.fsencode(name), mode | os.RTLD_NOW)
        if not handle:
            raise OSError(_dlerror())
        if name is not None:  # None: the program itself, nothing loaded
            loaded.append(os.path.basename(name))
        return handle

    def restore_ctypes() -> None:
        ctypes._dlopen = original  # type: ignore[attr-defined]

    finder = _LibtorchBeforeTorchC(dlopen, loaded, restore_ctypes)
    ctypes._dlopen = ctypes_dlopen  # type: ignore[attr-defined]
    sys.meta_path.insert(0, finder)
    try:
        yield loaded
    finally:
        sys.meta_path.remove(finder)
        restore_ctypes()


class _LibtorchBeforeTorchC(importlib.abc.MetaPathFinder):
    """Just before ``torch._C``: puts ctypes back and loads libtorch (with its C++
    dependencies) GIL-free; finds nothing itself, so the import system then loads
    ``torch._C`` as usual."""

    def __init__(self, dlopen, loaded: list[str], restore_ctypes) -> None:
        self._dlopen = dlopen
        self._loaded = loaded
        self._restore_ctypes = restore_ctypes

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001 - the finder protocol
        if fullname == "torch._C" and path:
            self._restore_ctypes()
            libtorch = Path(next(iter(path))) / "lib" / "libtorch.so"
            # The flags the import system is about to use (torch may have changed them).
            if libtorch.is_file() and self._dlopen(bytes(libtorch), sys.getdlopenflags()):
                self._loaded.append(libtorch.name)
        return None


def _libc_dlopen():
    """libc's ``dlopen`` as a ctypes foreign function (calling it releases the GIL), or None."""
    try:
        dlopen = ctypes.CDLL(None).dlopen
    except (OSError, AttributeError):
        return None
    dlopen.argtypes = (ctypes.c_char_p, ctypes.c_int)
    dlopen.restype = ctypes.c_void_p
    return dlopen


def _dlerror() -> str:
    dlerror = ctypes.CDLL(None).dlerror
    dlerror.restype = ctypes.c_char_p
    message = dlerror()
    return message.decode(errors="replace") if message else "dlopen failed"
