"""Benchmark of the media layer on generated H.264 (GOP 60, B-frames): prints a table.

    PYTHONPATH=. python bench/bench_media.py [--frames 300] [--seeks 200]

Rows: resolution x decoder threads. Columns: open (index build + end checks), sequential
decode fps (src[i] for every i, RGB conversion included) and, for scale, plain PyAV decoding
of the same file (container.decode + to_ndarray("rgb24"), same threads) on the same machine,
random seek median / p95 (ms, uniform random frames), frames the decoder output per seek,
wrong frames among the seeks (must be 0), and access to a cached frame through
CachedFrameSource (`cached[i]` and `peek(i)`, microseconds).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from medpose_gui.media import CachedFrameSource, VideoSource  # noqa: E402
from tests.media.video_factory import make_indexed_video, read_index  # noqa: E402


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def plain_pyav_fps(path: Path, threads: int) -> float:
    """Sequential decode + RGB conversion with PyAV alone: the ceiling for `seq fps`."""
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.codec_context.thread_count = threads
        s.codec_context.thread_type = "AUTO" if threads != 1 else "NONE"
        t0 = time.perf_counter()
        n = sum(1 for f in c.decode(s) if f.to_ndarray(format="rgb24") is not None)
        return n / (time.perf_counter() - t0)


def bench_file(path: Path, threads: int, n_seeks: int) -> dict[str, float]:
    t0 = time.perf_counter()
    src = VideoSource(path, threads=threads)
    open_ms = _ms(time.perf_counter() - t0)
    n = len(src)

    t0 = time.perf_counter()
    for i in range(n):
        src[i]
    seq_fps = n / (time.perf_counter() - t0)

    rng = random.Random(0)
    times, wrong = [], 0
    before = dict(src.stats)
    for _ in range(n_seeks):
        i = rng.randrange(n)
        t0 = time.perf_counter()
        frame = src[i]
        times.append(_ms(time.perf_counter() - t0))
        wrong += read_index(frame) != i
    per_seek = (src.stats["decoded"] - before["decoded"]) / max(
        1, src.stats["seeks"] - before["seeks"]
    )
    src.close()

    cached = CachedFrameSource(VideoSource(path, threads=threads), prefetch=0)
    indices = [rng.randrange(n) for _ in range(20)]
    for i in indices:
        cached[i]
    t0 = time.perf_counter()
    for _ in range(50):
        for i in indices:
            cached[i]
    hit_us = (time.perf_counter() - t0) / (50 * len(indices)) * 1e6
    t0 = time.perf_counter()
    for _ in range(50):
        for i in indices:
            cached.peek(i)
    peek_us = (time.perf_counter() - t0) / (50 * len(indices)) * 1e6
    cached.close()
    return {
        "open_ms": open_ms,
        "seq_fps": seq_fps,
        "pyav_fps": plain_pyav_fps(path, threads),
        "per_seek": per_seek,
        "seek_med": statistics.median(times),
        "seek_p95": float(np.percentile(times, 95)),
        "wrong": wrong,
        "hit_us": hit_us,
        "peek_us": peek_us,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--seeks", type=int, default=200)
    ap.add_argument(
        "--threads", type=int, nargs="+", default=[0, 1], help="decoder threads (0 = auto)"
    )
    args = ap.parse_args()
    sizes = [(1280, 720), (1920, 1080)]
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for w, h in sizes:
            path = Path(tmp) / f"h264_{w}x{h}.mp4"
            t0 = time.perf_counter()
            make_indexed_video(
                path, args.frames, "h264", size=(w, h), fps=30, gop=60, bframes=2, textured=True
            )
            mb = path.stat().st_size / 1e6
            print(
                f"# generated {path.name}: {args.frames} frames, {mb:.1f} MB, {time.perf_counter() - t0:.1f} s",
                flush=True,
            )
            for threads in args.threads:
                rows.append(
                    (
                        f"{w}x{h}",
                        "auto" if threads == 0 else str(threads),
                        bench_file(path, threads, args.seeks),
                    )
                )
    head = (
        f"| {'video':<10} | {'threads':>7} | {'open ms':>7} | {'seq fps':>7} | {'PyAV fps':>8} | {'seek med ms':>11} "
        f"| {'seek p95 ms':>11} | {'dec/seek':>8} | {'wrong':>5} | {'cached[i] us':>12} | {'peek us':>7} |"
    )
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for name, threads, r in rows:
        print(
            f"| {name:<10} | {threads:>7} | {r['open_ms']:7.1f} | {r['seq_fps']:7.1f} | {r['pyav_fps']:8.1f} | "
            f"{r['seek_med']:11.1f} | {r['seek_p95']:11.1f} | {r['per_seek']:8.1f} | {r['wrong']:5d} | "
            f"{r['hit_us']:12.1f} | {r['peek_us']:7.1f} |"
        )
    print(
        f"# {args.seeks} uniform random seeks per row, H.264 GOP 60, 2 B-frames, {args.frames} frames, textured content"
    )


if __name__ == "__main__":
    main()
