"""The worker's import of the inference stack: torch loaded and working, the collector left as
it was, the imported objects frozen, torch's native libraries loaded without the GIL in torch's
own order, and ctypes and the import system put back as they were."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

# A fresh interpreter: the test session imported torch long ago.
PROBE = textwrap.dedent("""
    import ctypes, gc, json, sys, threading
    from medpose_gui.widgets.background.inference_imports import import_inference_stack

    original_dlopen, finders = ctypes._dlopen, list(sys.meta_path)
    gc.enable()
    result = []
    worker = threading.Thread(target=lambda: result.append(import_inference_stack()))
    worker.start()
    worker.join()
    import torch
    print(json.dumps({
        "loaded": result[0], "again": import_inference_stack(),
        "put_back": ctypes._dlopen is original_dlopen and sys.meta_path == finders,
        "gc_enabled": gc.isenabled(), "frozen": gc.get_freeze_count(),
        "works": float(torch.ones(2).sum()), "cuda_build": torch.version.cuda is not None,
    }))
""")


def _probe(**env_extra: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          env=dict(os.environ, **env_extra), timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_stack_is_imported_once_with_the_collector_as_it_was_and_the_import_frozen():
    out = _probe()
    assert out["works"] == 2.0 and out["again"] == []
    assert out["gc_enabled"]  # paused for the import only
    assert out["frozen"] > 100_000  # torch's objects are out of every later collection
    assert out["put_back"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="native loads: Linux only")
def test_native_libraries_load_without_the_gil_in_torchs_own_order():
    out = _probe()
    loaded = out["loaded"]
    # torch's first step, then (CUDA builds) its CUDA wheels, and libtorch only after them,
    # just before torch._C: the order torch itself uses. Nothing after it loads GIL-free
    # (torchvision's operator libraries call into torch's Python side).
    assert loaded[0] == "libtorch_global_deps.so" and loaded[-1] == "libtorch.so", loaded
    assert loaded.count("libtorch.so") == 1
    cuda = [i for i, name in enumerate(loaded) if name.startswith(("libcu", "libnv", "libnccl"))]
    assert all(i < loaded.index("libtorch.so") for i in cuda), loaded
    assert out["cuda_build"] or not cuda, loaded  # a CPU build loads no CUDA library


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="native loads: Linux only")
def test_torch_use_rtld_global_still_imports_a_working_torch():
    out = _probe(TORCH_USE_RTLD_GLOBAL="1")  # torch then loads itself with other flags
    assert out["works"] == 2.0 and out["put_back"] and "libtorch.so" in out["loaded"]
