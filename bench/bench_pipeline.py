"""Model runs with the FULL-SIZE reference networks (random weights): per stage and end to end.

For each batch size (default 1 and 4), in a fresh process:

- per stage, run alone one after another: decode (``open_media``), detector
  (``Detector.detect``), pose (``estimate_batch`` on the kept boxes, flip test on), store
  (``InferenceService.store`` into a project): ms per frame and page faults per frame;
- end to end: ``InferenceService.run`` on a 1280x720 H.264 clip into a new project, exactly
  what ``medpose-gui infer`` does: frames/s and page faults per frame.

Page faults and CPU time are the process's (``resource.getrusage``: minor fault = a page
mapped again, major = read from disk; CPU seconds of all threads are steadier than wall time
on a machine others load). A regression of the allocator tuning
(:mod:`medpose_gui.runs.allocator`) shows as hundreds of thousands of minor faults per
frame. Peak RSS is the process's high-water mark.

``--baseline-worktree PATH`` runs the same measurements on another checkout too (e.g. ``git
worktree add /tmp/base <older commit>``), alternating the two in separate processes round
after round, and prints both with the ratio of end-to-end times, so before/after comes from
one run under the same machine load. The measuring code is this file's, the package measured
is each checkout's own. Run from the repository root:

    python bench/bench_pipeline.py [--frames 4] [--batch-sizes 1,4] [--people 3]
                                   [--baseline-worktree PATH --rounds 3] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_assets import ROOT, check_fixtures, import_package_from  # noqa: E402

STAGES = ("decode", "detector", "pose", "store")


class Meter:
    """Wall time and this process's page faults between ``start`` and ``stop``."""

    def __init__(self) -> None:
        self.start()

    def start(self) -> None:
        self._usage = resource.getrusage(resource.RUSAGE_SELF)
        self._t = time.perf_counter()

    def stop(self) -> dict[str, float]:
        seconds = time.perf_counter() - self._t
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (usage.ru_utime + usage.ru_stime) - (self._usage.ru_utime + self._usage.ru_stime)
        return {"s": seconds, "cpu_s": cpu, "minflt": usage.ru_minflt - self._usage.ru_minflt,
                "majflt": usage.ru_majflt - self._usage.ru_majflt}


# -- one process: measure the package found on sys.path -----------------------------------------

def measure(assets: Path, n_frames: int, batch_sizes: list[int], people: int) -> dict:
    """Stages and end to end for each batch size, in this process."""
    import numpy as np
    from bench_assets import threshold_for

    from medpose_gui.media import open_media
    from medpose_gui.runs import InferenceService, RunSettings
    from medpose_gui.session import open_or_create_project

    video = assets / "bench.mp4"
    service = InferenceService()
    settings = RunSettings(detector=str(assets / "model_final.pth"),
                           pose={"patient": str(assets / "vitpose_base_k21.pth")},
                           categories=("patient",), device="cpu")
    models = service.load(settings)
    detector, pose = models.detector, models.poses["patient"]
    with open_media(video) as src:
        frames = [src[i] for i in range(n_frames)]
    threshold = threshold_for(detector, frames[0], people)  # also warms the detector up
    settings = replace(settings, score_threshold=threshold)
    pose.estimate(frames[0], np.zeros((people, 4), np.float32) + [704, 150, 1216, 662])
    out = {"package": str(Path(sys.modules["medpose_gui"].__file__).parent.parent),
           "threshold": threshold, "rows": []}
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=assets))
    for b in batch_sizes:
        run_settings = replace(settings, batch_size=b)
        run_models = service.load(run_settings)
        chunks = [list(range(i, min(i + b, n_frames))) for i in range(0, n_frames, b)]
        detector.detect(frames[:b], batch_size=b)  # the heap grows to this batch's size once
        row: dict = {"batch": b}
        meter = Meter()
        with open_media(video) as src:
            decoded = [src[i] for i in range(n_frames)]
        row["decode"] = meter.stop()
        meter.start()
        dets = []
        for chunk in chunks:
            dets += detector.detect([decoded[i] for i in chunk], batch_size=len(chunk))
        row["detector"] = meter.stop()
        boxes = [d.boxes[(d.labels == 0) & (d.scores >= threshold)] for d in dets]
        meter.start()
        for chunk in chunks:
            pose.estimate_batch([(decoded[i], boxes[i]) for i in chunk])
        row["pose"] = meter.stop()
        row["boxes_per_frame"] = sum(len(x) for x in boxes) / n_frames

        raw: dict = {}
        with open_media(video) as src, \
                open_or_create_project(work / f"e2e_b{b}.medpose", video, src) as project:
            meter.start()
            service.run(project, src, list(range(n_frames)), run_settings, models=run_models,
                        on_results=raw.update)
            row["end_to_end"] = meter.stop()
        row["digest"] = digest(raw)
        with open_media(video) as src, \
                open_or_create_project(work / f"store_b{b}.medpose", video, src) as project:
            meter.start()
            for chunk in chunks:
                service.store(project, run_models, {i: raw[i] for i in chunk})
            row["store"] = meter.stop()
        out["rows"].append(row)
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["rss_end_mb"] = resident_mb()
    return out


def digest(results: dict) -> str:
    """SHA-256 of every predicted box, score and keypoint, frame by frame (two trees that
    compute the same numbers give the same digest)."""
    import hashlib

    import numpy as np

    h = hashlib.sha256()
    for frame in sorted(results):
        for inst in results[frame]:
            for values in (inst.box, [inst.box_score], inst.keypoints, inst.scores):
                h.update(np.asarray(values, np.float64).tobytes())
    return h.hexdigest()


def resident_mb() -> float:
    """This process's resident memory now (Linux; 0 elsewhere): with the allocator tuning
    it stays near the peak after a run, without it it falls back."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# -- the driver: assets once, then one process per measurement ----------------------------------

def make_assets(folder: Path, n_frames: int) -> None:
    from bench_assets import make_checkpoints, make_video

    make_checkpoints(folder)
    make_video(folder / "bench.mp4", n_frames)


def run_worker(tree: Path, assets: Path, args: argparse.Namespace) -> dict:
    """This file's ``measure`` in a new process that imports ``medpose_gui`` from ``tree``."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(tree),
           "--assets", str(assets), "--frames", str(args.frames),
           "--batch-sizes", args.batch_sizes, "--people", str(args.people)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    env = dict(os.environ, PYTHONPATH=str(tree))
    load = os.getloadavg()[0]
    done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench worker for {tree} failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["load"] = (load, os.getloadavg()[0])
    return result


def per_frame(stage: dict, n: int) -> tuple[float, float, float]:
    return 1e3 * stage["s"] / n, stage["minflt"] / n, stage["majflt"] / n


def print_tables(results: dict[str, list[dict]], n: int) -> None:
    names = list(results)
    digests = {(row["batch"], row["digest"]) for runs in results.values() for r in runs
               for row in r["rows"]}
    batches = {b for b, _ in digests}
    print("\nOutputs (SHA-256 of every box, score and keypoint): "
          + ("identical in every run of every tree" if len(digests) == len(batches)
             else "DIFFER between runs or trees"))
    print("\nPer stage (each alone; median of runs): ms/frame, minor page faults/frame")
    print("| tree | batch | " + " | ".join(f"{s} ms | {s} faults" for s in STAGES) + " |")
    print("|---|---|" + "---|---|" * len(STAGES))
    for name in names:
        for i, row in enumerate(results[name][0]["rows"]):
            cells = []
            for stage in STAGES:
                ms = statistics.median(per_frame(r["rows"][i][stage], n)[0] for r in results[name])
                fl = statistics.median(per_frame(r["rows"][i][stage], n)[1] for r in results[name])
                cells += [f"{ms:.0f}" if ms >= 10 else f"{ms:.1f}", f"{fl:,.0f}"]
            print(f"| {name} | {row['batch']} | " + " | ".join(cells) + " |")

    print(f"\nEnd to end (InferenceService.run, {n} frames 1280x720, "
          f"{results[names[0]][0]['rows'][0]['boxes_per_frame']:.1f} persons/frame)")
    header = "| tree | batch | frames/s (median) | each run | CPU s/frame | minor faults/frame | " \
             "major faults/frame | peak RSS MB | RSS at the end MB |"
    if len(names) == 2:
        header += f" time {names[1]}/{names[0]} |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    medians: dict[tuple[str, int], float] = {}
    for name in names:
        for i, row in enumerate(results[name][0]["rows"]):
            runs = [r["rows"][i]["end_to_end"] for r in results[name]]
            fps = [n / e["s"] for e in runs]
            medians[name, row["batch"]] = statistics.median(e["s"] for e in runs)
            minflt = statistics.median(e["minflt"] / n for e in runs)
            majflt = statistics.median(e["majflt"] / n for e in runs)
            rss = statistics.median(r["maxrss_mb"] for r in results[name])
            rss_end = statistics.median(r["rss_end_mb"] for r in results[name])
            cpu = statistics.median(e["cpu_s"] / n for e in runs)
            cells = [f"{statistics.median(fps):.3f}", " ".join(f"{f:.3f}" for f in fps),
                     f"{cpu:.2f}", f"{minflt:,.0f}", f"{majflt:.1f}", f"{rss:,.0f}", f"{rss_end:,.0f}"]
            if len(names) == 2:
                cells.append(f"{medians[name, row['batch']] / medians[names[0], row['batch']]:.3f}"
                             if (names[0], row["batch"]) in medians else "")
            print(f"| {name} | {row['batch']} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--batch-sizes", default="1,4")
    parser.add_argument("--people", type=int, default=3, help="boxes kept per frame (approx.)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--baseline-worktree", type=Path, default=None,
                        help="a checkout of an older commit to measure alternately")
    parser.add_argument("--rounds", type=int, default=None,
                        help="measurements per tree (default 3 with a baseline, else 1)")
    parser.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--assets", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]

    if args.worker is not None:  # a measuring process (see run_worker)
        import_package_from(args.worker)
        if args.threads:
            import torch
            torch.set_num_threads(args.threads)
        result = measure(args.assets, args.frames, batch_sizes, args.people)
        print(json.dumps(result))
        return

    problem = check_fixtures()
    if problem:
        raise SystemExit(problem)
    trees = {"this": ROOT}
    if args.baseline_worktree is not None:
        trees = {"baseline": args.baseline_worktree.resolve(), "this": ROOT}
    rounds = args.rounds or (3 if len(trees) == 2 else 1)
    import torch
    print(f"torch {torch.__version__}, {args.threads or torch.get_num_threads()} threads, "
          f"{os.cpu_count()} CPUs, {args.frames} frames 1280x720 H.264, batch sizes "
          f"{batch_sizes}; trees: " + ", ".join(f"{k} = {v}" for k, v in trees.items()))
    results: dict[str, list[dict]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="medpose-bench-") as tmp:
        t0 = time.perf_counter()
        make_assets(Path(tmp), args.frames)
        print(f"full-size random checkpoints and clip made in {time.perf_counter() - t0:.0f} s")
        for r in range(rounds):
            order = list(trees) if r % 2 == 0 else list(trees)[::-1]  # A B, then B A, ...
            for name in order:
                result = run_worker(trees[name], Path(tmp), args)
                results[name].append(result)
                e2e = ", ".join(f"b{row['batch']} {args.frames / row['end_to_end']['s']:.3f}"
                                for row in result["rows"])
                print(f"round {r + 1} {name}: end to end frames/s {e2e} (load "
                      f"{result['load'][0]:.2f} -> {result['load'][1]:.2f}; package "
                      f"{result['package']})", flush=True)
    print_tables(results, args.frames)


if __name__ == "__main__":
    main()
