"""Test-wide settings and shared fixtures.

Qt renders offscreen. Torch runs one intra-op thread: on the 2-core CI machine the GUI
tests' decode/prefetch threads compete with torch's pool, and two torch threads then
stall for seconds (measured: 6 small frames took 37 s with 2 threads, 1.6 s with 1 under
load). The fixtures' tolerances hold for 1 thread (fixtures/*/README.md, Tolerances).
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A skip for the missing full fixture set is reported at need_full(), wherever it was
    asked for: pytest puts a skip raised in a fixture at the test's own line, and the summary
    would then list one line per test instead of one line in all (README, Tests)."""
    from tests.fixture_paths import need_full

    report = yield
    if report.skipped and call.excinfo is not None and isinstance(report.longrepr, tuple):
        for entry in call.excinfo.traceback:
            if entry.frame.code.raw is need_full.__code__:
                report.longrepr = (str(entry.path), entry.lineno + 1, report.longrepr[2])
                break
    return report


@pytest.fixture()
def server():
    """An HTTP server on loopback with Range support (tests/loopback_http.py)."""
    from tests.loopback_http import start_server, stop_server

    srv, thread = start_server()
    yield srv
    stop_server(srv, thread)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch) -> Path:
    """An empty user data folder for the model registry (MEDPOSE_DATA_DIR), for every test:
    the window and ``infer`` read which models run from the registry, never the user's."""
    monkeypatch.setenv("MEDPOSE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"
