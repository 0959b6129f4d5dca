"""``infer --ray`` on a real local Ray cluster (``ray.init(num_cpus=2)``, two CPU workers)
with the fixture models on generated videos: what it stores equals a local run bit for bit,
a worker killed mid-shard costs nothing, Ctrl+C keeps the stored batches and ``--resume``
finishes, a broken input fails alone.
"""

from __future__ import annotations

import os
import signal

import pytest

from medpose_gui.cli import main
from tests.runs.cluster_helpers import (
    VIDEO_FRAMES,
    StoreLog,
    box_threshold,
    infer_args,
    make_workdir,
    project_contents,
)

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install -e '.[cluster]')")

SHARD = ["--shard-frames", "3"]  # several shards per video, so work moves between workers


@pytest.fixture(scope="module")
def ray_cluster():
    # The conftest's OMP_NUM_THREADS=1 reaches the workers; each is given 1 CPU (1 thread),
    # as the local run in this process: the same arithmetic, bit for bit.
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    work = tmp_path_factory.mktemp("cluster")
    config, videos = make_workdir(work)
    return work, config, videos, box_threshold(config, videos[0])


@pytest.fixture(scope="module")
def local(workdir):
    """The local run the cluster runs must equal: {project name: contents}."""
    work, config, videos, threshold = workdir
    out = work / "local"
    assert main([*infer_args(config, threshold, *videos), "--out-dir", str(out)]) == 0
    contents = {p.name: project_contents(p) for p in sorted(out.glob("*.medpose"))}
    assert sum(len(v) for c in contents.values() for v in c.values()) > 0
    return contents


def _projects(out):
    return {p.name: project_contents(p) for p in sorted(out.glob("*.medpose"))}


def test_ray_run_equals_local_bit_for_bit_and_a_broken_input_fails_alone(
        ray_cluster, workdir, local, capsys):
    work, config, videos, threshold = workdir
    broken = work / "broken.mp4"
    broken.write_bytes(b"not a video at all" * 100)
    out = work / "ray"
    rc = main([*infer_args(config, threshold, videos[0], broken, videos[1]), "--out-dir",
               str(out), "--ray", "auto", *SHARD])
    captured = capsys.readouterr()
    assert rc == 1
    assert f"failed {broken}" in captured.err and "1 of 3" not in captured.err
    assert "2 of 3 inputs done" in captured.err
    assert not (out / "broken.medpose").exists()
    for video in videos:
        assert f"{video}: {VIDEO_FRAMES[video.stem]} frames" in captured.out
    assert _projects(out) == local


def test_worker_killed_mid_shard_is_replaced_and_nothing_is_missing_or_stored_twice(
        ray_cluster, workdir, local, monkeypatch):
    from medpose_gui.runs import cluster

    work, config, videos, threshold = workdir
    killed: list[int] = []

    def kill_a_busy_worker(runner, job, frames):
        if not killed:
            victim = runner.busy_workers()[0]  # frames of its shard still to come
            killed.append(victim.info["pid"])
            os.kill(victim.info["pid"], signal.SIGKILL)

    monkeypatch.setattr(cluster.ClusterRun, "on_stored", kill_a_busy_worker)
    log = StoreLog(monkeypatch)
    out = work / "killed"
    assert main([*infer_args(config, threshold, *videos), "--out-dir", str(out), "--ray",
                 "auto", *SHARD]) == 0
    assert killed
    with pytest.raises(ProcessLookupError):
        os.kill(killed[0], 0)  # really gone
    expected = sorted((f"{v.stem}.medpose", i) for v in videos for i in range(VIDEO_FRAMES[v.stem]))
    assert sorted(log.frames) == expected  # each frame stored exactly once
    assert _projects(out) == local


def test_ctrl_c_keeps_stored_batches_and_resume_finishes_the_rest(
        ray_cluster, workdir, local, monkeypatch, capsys):
    from medpose_gui.runs import cluster

    work, config, videos, threshold = workdir
    out = work / "interrupted"
    args = [*infer_args(config, threshold, *videos), "--out-dir", str(out), "--ray", "auto",
            *SHARD]

    def interrupt(runner, job, frames):
        if len(log.frames) >= 4:
            raise KeyboardInterrupt

    log = StoreLog(monkeypatch)
    with monkeypatch.context() as m:
        m.setattr(cluster.ClusterRun, "on_stored", interrupt)
        assert main(args) == 130
    assert "--resume" in capsys.readouterr().err
    first = set(log.frames)
    assert 4 <= len(first) < sum(VIDEO_FRAMES.values())
    log.frames.clear()
    assert main([*args, "--resume"]) == 0
    second = set(log.frames)
    assert first.isdisjoint(second)  # the stored batches were kept, not redone
    assert len(first | second) == sum(VIDEO_FRAMES.values())
    assert _projects(out) == local
