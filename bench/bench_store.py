"""Benchmark of the .medpose project store (prints a table; not a test).

    PYTHONPATH=. python bench/bench_store.py [--frames 50000] [--edits 200]

Measures, for synchronous=FULL (the default) and NORMAL: storing N frames x 3 predicted
instances (2 casualty with 21 points, 1 user with 6) in one store_predictions call,
reopening the file, frame_summary() (first call: one query; later calls: a cache kept
up to date per write), reading every frame with iter_frames(), and the
commit latency of single put_instance calls (each its own durable transaction).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from medpose_gui.core import project_files
from medpose_gui.core.annotations import Instance
from medpose_gui.core.project import MediaInfo, Project


def _prediction(rng: np.random.Generator, category: str, k: int) -> Instance:
    xys = np.column_stack([rng.uniform(0, 1280, k), rng.uniform(0, 720, k), rng.uniform(0, 1, k)])
    return Instance.from_prediction(category, [10, 20, 300, 400], 0.95, xys, score_threshold=0.3)


def run(path: Path, frames: int, edits: int, synchronous: str) -> dict[str, str]:
    project_files.SYNCHRONOUS = synchronous
    rng = np.random.default_rng(0)
    t = time.perf_counter()
    preds = {f: [_prediction(rng, "patient", 21), _prediction(rng, "patient", 21),
                 _prediction(rng, "user", 6)] for f in range(frames)}
    build = time.perf_counter() - t
    media = MediaInfo("/data/video.mp4", "sha256:0", frames, 30.0, 1280, 720)
    out: dict[str, str] = {"synchronous": synchronous,
                           "build Instances (not stored)": f"{build:.2f} s"}
    with Project.create(path, media, overwrite=True) as project:
        t, cpu = time.perf_counter(), time.process_time()
        project.store_predictions(preds)
        out[f"store {frames} frames x 3"] = f"{time.perf_counter() - t:.2f} s"
        out["  (CPU time of this process)"] = f"{time.process_time() - cpu:.2f} s"
    out["file size"] = f"{os.path.getsize(path) / 1e6:.0f} MB"
    t = time.perf_counter()
    project = Project.open(path)
    out["reopen"] = f"{(time.perf_counter() - t) * 1e3:.1f} ms"
    try:
        t = time.perf_counter()
        project.frame_summary()
        out["frame_summary (first call)"] = f"{(time.perf_counter() - t) * 1e3:.0f} ms"
        project.set_review_state(1, project.review_state(1))  # a write: cache updated
        t = time.perf_counter()
        project.frame_summary()
        out["frame_summary (after a write)"] = f"{(time.perf_counter() - t) * 1e3:.2f} ms"
        t = time.perf_counter()
        project.frame(frames // 2)
        out["frame(i)"] = f"{(time.perf_counter() - t) * 1e3:.2f} ms"
        t, cpu = time.perf_counter(), time.process_time()
        count = sum(len(fa.instances) for fa in project.iter_frames())
        out[f"iter_frames ({count} instances)"] = f"{time.perf_counter() - t:.2f} s"
        out["  (CPU time of this process) "] = f"{time.process_time() - cpu:.2f} s"
        inst = project.instances(0)[0]
        latencies = []
        for i in range(edits):
            kps = inst.keypoints.copy()
            kps[0, 0] = i
            inst = inst.replace(keypoints=kps)
            t = time.perf_counter()
            project.put_instance(0, inst)
            latencies.append((time.perf_counter() - t) * 1e3)
        latencies.sort()
        out[f"put_instance median ({edits})"] = f"{statistics.median(latencies):.2f} ms"
        out[f"put_instance p95 ({edits})"] = f"{latencies[int(0.95 * (edits - 1))]:.2f} ms"
    finally:
        project.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=50_000)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(wall times grow with load; CPU times much less)")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        results = [run(Path(tmp) / f"bench_{s}.medpose", args.frames, args.edits, s)
                   for s in ("FULL", "NORMAL")]
    width = max(len(k) for k in results[0])
    print(f"{'measure':<{width}}  " + "  ".join(f"{r['synchronous']:>10}" for r in results))
    for key in results[0]:
        if key != "synchronous":
            print(f"{key:<{width}}  " + "  ".join(f"{r[key]:>10}" for r in results))


if __name__ == "__main__":
    main()
