"""glibc's allocator is tuned once per process for model runs, and nowhere fails."""

from __future__ import annotations

import subprocess
import sys

import pytest

from medpose_gui.runs import allocator


class FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def mallopt(self, param: int, value: int) -> int:
        self.calls.append((param, value))
        return 1


@pytest.fixture()
def fresh(monkeypatch):
    """The module as if this process had not tuned anything yet."""
    monkeypatch.setattr(allocator, "_applied", None)
    return monkeypatch


def test_settings_are_applied_once_per_process(fresh):
    libc = FakeLibc()
    fresh.setattr(allocator, "load_glibc", lambda: libc)
    first = allocator.tune_allocator()
    second = allocator.tune_allocator()
    assert first == second == {"M_MMAP_MAX": True, "M_TRIM_THRESHOLD": True,
                               "M_ARENA_MAX": True}
    assert libc.calls == [(allocator.M_MMAP_MAX, 0),
                          (allocator.M_TRIM_THRESHOLD, 1 << 30),
                          (allocator.M_ARENA_MAX, 1)]


def test_without_glibc_tuning_is_a_no_op(fresh):
    fresh.setattr(allocator.sys, "platform", "darwin")
    assert allocator.load_glibc() is None
    assert allocator.tune_allocator() == {}


def test_a_failing_mallopt_is_reported_not_raised(fresh):
    class Broken:
        def mallopt(self, param: int, value: int) -> int:
            raise OSError("no mallopt here")

    fresh.setattr(allocator, "load_glibc", lambda: Broken())
    assert allocator.tune_allocator() == dict.fromkeys(
        ("M_MMAP_MAX", "M_TRIM_THRESHOLD", "M_ARENA_MAX"), False)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc is Linux only")
def test_importing_the_run_service_tunes_glibc_before_any_run():
    # A fresh interpreter: the package applies it on import (the window's inference
    # thread starts after that import), and the service's own call does nothing more.
    code = ("import medpose_gui.runs as runs, medpose_gui.runs.allocator as a;"
            "first = a._applied; runs.InferenceService();"
            "print(a.load_glibc() is not None, first, a._applied == first)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split(maxsplit=1)
    if out[0] == "False":
        pytest.skip("this Linux has no glibc")
    assert out[1].strip() == ("{'M_MMAP_MAX': True, 'M_TRIM_THRESHOLD': True, "
                              "'M_ARENA_MAX': True} True")
