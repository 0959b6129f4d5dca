"""Real fault environments for tests (beside tests/small_disk.py's tmpfs that fills up): a
mount made read-only, a folder an unprivileged child can reach, and a child process that
runs without root's privileges (root ignores file modes).

Each needs root (mount, setuid); they skip with a reason where that is missing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOBODY = 65534  # uid/gid of "nobody" on Linux


def remount(mount_point: Path, mode: str) -> None:
    """Remount a tmpfs made by :func:`tests.small_disk.mounted_tmpfs` ``ro`` or ``rw``."""
    done = subprocess.run(["mount", "-o", f"remount,{mode}", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount {mode}: {done.stderr.strip()}")


@contextlib.contextmanager
def world_folder() -> Iterator[Path]:
    """A folder that the unprivileged child can reach (pytest's tmp_path is root-only 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="medpose-test-"))
    os.chmod(folder, 0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_unprivileged(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m ARGS`` as uid/gid nobody, so file modes apply (root ignores them).

    The child keeps one capability, CAP_DAC_READ_SEARCH (read and list anything, write
    nothing more than nobody may): the interpreter lives under /root, which nobody cannot
    enter. ``setpriv`` (util-linux) does the drop; skips where it or root is missing."""
    if os.geteuid() != 0:
        pytest.skip("dropping privileges to test file modes needs root")
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to run a child as nobody")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1",
           "HOME": "/tmp", "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
         "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search",
         sys.executable, "-m", *args],
        cwd=REPO, env=env, text=True, capture_output=True, timeout=timeout)
