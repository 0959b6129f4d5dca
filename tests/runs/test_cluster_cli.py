"""``medpose-gui infer --ray 127.0.0.1:PORT`` as a user runs it: a separate ``ray start
--head`` process on loopback, the command in a subprocess joining it, a real Ctrl+C
(SIGINT) in the middle of the run, then ``--resume``: every frame predicted, equal to a
local run. The head is stopped afterwards (its process group, which this test started).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from medpose_gui.cli import main
from tests.runs.cluster_helpers import (
    DET_WEIGHTS,
    POSE_WEIGHTS,
    box_threshold,
    infer_args,
    make_workdir,
    project_contents,
)

pytest.importorskip("ray", reason="Ray is not installed (pip install -e '.[cluster]')")

REPO = Path(__file__).resolve().parents[2]
FRAMES = 24  # long enough to interrupt mid-run on a loaded 2-core machine
# The workers import the package from this checkout; loopback only, so Ray's token
# authentication is off for this throw-away cluster (a real cluster keeps it).
ENV = {**os.environ, "PYTHONPATH": str(REPO), "RAY_AUTH_MODE": "disabled",
       "OMP_NUM_THREADS": "1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def head(tmp_path_factory):
    ray_cli = shutil.which("ray", path=str(Path(sys.executable).parent)) or shutil.which("ray")
    if ray_cli is None:
        pytest.skip("the ray command is not installed")
    port = _free_port()
    log = (tmp_path_factory.mktemp("head") / "head.log").open("w+")
    proc = subprocess.Popen(
        [ray_cli, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
         "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats", "--block"],
        cwd=REPO, env=ENV, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "Ray runtime started" not in Path(log.name).read_text():
            assert proc.poll() is None, Path(log.name).read_text()[-3000:]
            assert time.monotonic() < deadline, "ray start --head did not come up"
            time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        _stop_group(proc)
        log.close()
        _forget_cluster(port)


def _forget_cluster(port: int) -> None:
    """Remove the note `ray start` leaves for `ray.init()` to find this cluster (`ray stop`
    would, but it stops every Ray on the machine); a stale note makes the next `ray.init()`
    try to join a cluster that is gone."""
    note = Path(tempfile.gettempdir()) / "ray" / "ray_current_cluster"
    with contextlib.suppress(OSError):
        if note.read_text().strip().endswith(f":{port}"):
            note.unlink()


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM to the head's process group, SIGKILL if it lingers (Ray drains up to 30 s);
    its workers exit on their own once their raylet is gone."""
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _predicted(path: Path, identity: dict) -> set[int]:
    from medpose_gui.core.project import Project

    with Project.open(path) as project:
        return project.frames_predicted_by(identity)


def test_ctrl_c_on_a_ray_start_cluster_then_resume_gives_the_local_result(head, tmp_path):
    from medpose_gui.runs import InferenceService, RunSettings

    config, videos = make_workdir(tmp_path, {"long": FRAMES})
    threshold = box_threshold(config, videos[0])
    identity = InferenceService().load(RunSettings(
        detector=str(DET_WEIGHTS), detector_config=str(config), pose={"patient": str(POSE_WEIGHTS)},
        score_threshold=threshold, device="cpu")).identity()
    args = [*infer_args(config, threshold, *videos, quiet=False), "--out-dir",
            str(tmp_path / "ray"), "--ray", head, "--shard-frames", "2"]
    command = [sys.executable, "-m", "medpose_gui", *args]
    proc = subprocess.Popen(command, cwd=REPO, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    stderr = bytearray()

    def read_stderr() -> None:
        for chunk in iter(proc.stderr.read1, b""):
            stderr.extend(chunk)

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    deadline = time.monotonic() + 240
    while not any(int(n) >= 2 for n in re.findall(rb"\| *(\d+)/%d" % FRAMES, bytes(stderr))):
        assert proc.poll() is None, bytes(stderr).decode(errors="replace")[-3000:]
        assert time.monotonic() < deadline, "no progress"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)  # Ctrl+C
    assert proc.wait(timeout=120) == 130
    reader.join(timeout=10)
    assert b"--resume" in stderr
    project = tmp_path / "ray" / "long.medpose"
    first = _predicted(project, identity)
    assert 2 <= len(first) < FRAMES, "the interrupt came too late to test anything"

    resumed = subprocess.run([*command, "--resume"], cwd=REPO, env=ENV, capture_output=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr.decode(errors="replace")[-3000:]
    assert b"%d approved or already predicted frames skipped" % len(first) in resumed.stdout
    assert _predicted(project, identity) == set(range(FRAMES))

    local = tmp_path / "local.medpose"
    assert main([*infer_args(config, threshold, *videos), "--out", str(local)]) == 0
    assert project_contents(project) == project_contents(local)
