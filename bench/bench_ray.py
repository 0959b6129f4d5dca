"""Throughput of ``infer`` here vs. ``infer --ray`` with 1 and 2 workers, and a projection
for N GPUs from the measured per-frame costs.

The fixture models (small networks in the reference file layouts) on a generated video,
run through the real command (``medpose_gui.cli.main``) in this process; Ray is started
once (``ray.init(num_cpus=2)``, outside the timings). The modes are interleaved round by
round, so a neighbour's load on a shared machine hits them alike; medians are printed.

Per mode: end to end (the whole command: model loading, planning, worker start-up, storing,
outputs) and steady state (frames / time from the first stored batch to the last: what a
long archive sees). Per-frame costs measured on the driver: storing a batch
(``InferenceService.store``) and everything else the driver does per batch (receiving it from
the object store, bookkeeping).

Run:  PYTHONPATH=. python bench/bench_ray.py [--frames 40] [--rounds 3] [--gpu-fps 4]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import ray
import torch

from medpose_gui.cli import main
from medpose_gui.runs import cluster
from medpose_gui.runs.service import InferenceService
from tests.runs.cluster_helpers import box_threshold, infer_args, make_workdir


class Probe:
    """Timestamps of stored batches and time spent in the driver's store / per batch."""

    def __init__(self) -> None:
        self.stamps: list[tuple[float, int]] = []
        self.store_s = 0.0
        self.advance_s = 0.0

    def install(self) -> None:
        store, advance = InferenceService.store, cluster.ClusterRun._advance

        def timed_store(service, project, models, batch):
            t = time.perf_counter()
            try:
                return store(service, project, models, batch)
            finally:
                now = time.perf_counter()
                self.store_s += now - t
                self.stamps.append((now, len(batch)))

        def timed_advance(runner, generator):
            t = time.perf_counter()
            try:
                return advance(runner, generator)
            finally:
                self.advance_s += time.perf_counter() - t

        InferenceService.store = timed_store
        cluster.ClusterRun._advance = timed_advance

    def reset(self) -> None:
        self.stamps.clear()
        self.store_s = self.advance_s = 0.0

    def steady_fps(self) -> float:
        """Frames after the first batch / time from the first stored batch to the last."""
        (t0, _), (t1, _) = self.stamps[0], self.stamps[-1]
        frames = sum(n for _, n in self.stamps[1:])
        return frames / (t1 - t0) if t1 > t0 else float("nan")


def run_mode(mode: str, args: list[str], out: Path, probe: Probe) -> dict:
    probe.reset()
    extra = {"local 2 threads": [], "local 1 thread": [],
             "ray 1 worker": ["--ray", "auto", "--workers", "1"],
             "ray 2 workers": ["--ray", "auto", "--workers", "2"]}[mode]
    torch.set_num_threads(1 if mode == "local 1 thread" else 2)
    start = time.perf_counter()
    assert main([*args, "--out-dir", str(out), *extra]) == 0
    wall = time.perf_counter() - start
    frames = sum(n for _, n in probe.stamps)
    return {"wall": wall, "fps_end": frames / wall, "fps_steady": probe.steady_fps(),
            "store_ms": 1e3 * probe.store_s / frames,
            "driver_ms": 1e3 * probe.advance_s / frames if probe.advance_s else float("nan")}


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--shard-frames", type=int, default=8)
    parser.add_argument("--gpu-fps", type=float, default=4.0,
                        help="assumed frames/s of one GPU worker on full-size models at 720p "
                             "(not measurable here; 'a few frames per second')")
    a = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench_ray_"))
    config, videos = make_workdir(work, {"bench": a.frames})
    threshold = box_threshold(config, videos[0])
    args = [*infer_args(config, threshold, *videos), "--shard-frames", str(a.shard_frames)]
    probe = Probe()
    probe.install()
    # Ray's workers get 1 CPU each = 1 torch thread (ShardWorker sets it).
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    modes = ["local 2 threads", "local 1 thread", "ray 1 worker", "ray 2 workers"]
    results: dict[str, list[dict]] = {m: [] for m in modes}
    try:
        run_mode("local 1 thread", args, work / "warm_up", probe)  # first imports, caches
        for r in range(a.rounds):
            for mode in modes if r % 2 == 0 else modes[::-1]:  # interleaved, both orders
                out = work / f"{mode.replace(' ', '_')}_{r}"
                results[mode].append(run_mode(mode, args, out, probe))
    finally:
        ray.shutdown()

    def med(mode: str, key: str) -> float:
        return statistics.median(x[key] for x in results[mode])

    print(f"\n{a.frames} frames of 160x120, fixture models, detector at MIN_SIZE_TEST 120, "
          f"CPU, {a.rounds} interleaved rounds (medians), shards of {a.shard_frames}\n")
    print(f"{'mode':<17}{'end-to-end s':>13}{'frames/s e2e':>14}{'frames/s steady':>17}"
          f"{'store ms/fr':>13}{'driver ms/fr':>14}")
    for m in modes:
        print(f"{m:<17}{med(m, 'wall'):>13.1f}{med(m, 'fps_end'):>14.2f}"
              f"{med(m, 'fps_steady'):>17.2f}{med(m, 'store_ms'):>13.2f}"
              f"{med(m, 'driver_ms'):>14.2f}")

    # -- projection -------------------------------------------------------------------
    one = med("ray 1 worker", "fps_steady")
    local1 = med("local 1 thread", "fps_steady")
    efficiency = min(1.0, one / local1)  # Ray path vs the same compute locally (1 thread)
    driver_ms = np.nanmedian([med("ray 1 worker", "driver_ms"), med("ray 2 workers", "driver_ms")])
    ceiling = 1e3 / driver_ms  # frames/s one driver can receive and store
    print(f"\nprojection: fps(N) = min(N x {a.gpu_fps:g} frames/s per GPU x {efficiency:.2f} "
          f"(Ray path efficiency, measured), {ceiling:.0f} frames/s (driver ceiling: "
          f"{driver_ms:.2f} ms per frame received + stored, measured))")
    print(f"{'GPUs':>6}{'frames/s':>10}{'hours of 25 fps video per hour':>33}")
    for n in (1, 2, 4, 8, 16, 32, 64):
        fps = min(n * a.gpu_fps * efficiency, ceiling)
        print(f"{n:>6}{fps:>10.1f}{fps / 25:>33.2f}")


if __name__ == "__main__":
    main_bench()
