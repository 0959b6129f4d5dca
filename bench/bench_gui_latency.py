"""Longest GUI-thread stall of the main window while scrubbing and while inference runs.

A QTimer asks to tick every 5 ms on the GUI thread and records the gaps between ticks; a gap
much longer than 5 ms means the GUI thread was busy (decoding, drawing, storing results) and
the window did not respond for that long. Scenarios, on a textured 1280x720 H.264 video:

- start: the window's first layout and paint, then torch importing and the models loading in
  the workers
- idle: nothing happens (baseline of the timer itself on this machine)
- scrub: the timeline cursor is dragged across the video at 60 Hz (random jumps, as a hand
  dragging fast); frames come from the cache or the loader thread, requests coalesce
- step: Right arrow held (next frame every 33 ms)
- scrub + inference: the same scrubbing while the fixture detector + ViTPose run on frames in
  the worker thread and results are stored as they come
- scrub + inference, predicted frames skipped: the same, but a jump that lands on one of the
  inferred frames goes to the frame after it, so no predicted person is drawn: what inference
  running in the worker costs the GUI thread by itself
- scrub, no inference, predictions on N frames: the same scrubbing once the runs are over;
  the frames the runs wrote now carry predicted persons to draw. Against the row above it
  tells the cost of drawing those persons from the cost of inference running alongside
  (the fixture detector finds tens of persons in each textured frame)
- hop to frames of k persons: every 100 ms to an inferred frame cut down to its first k
  persons, or to the empty frame after it: the cost of drawing k persons
- tracks: 8 tracked persons on every frame (one colour each, 8 timeline lanes, the "needs a
  look" lane, the trajectory plot of a selected person open): scrubbing and stepping, then
  stepping while a propagation (fixture ViTPose in the pose worker) stores a frame at a time

    QT_QPA_PLATFORM=offscreen python bench/bench_gui_latency.py [--frames 300] [--seconds 6]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from medpose_gui.core.annotations import Instance  # noqa: E402
from tests.gui.window_support import make_settings  # noqa: E402
from tests.media.video_factory import make_indexed_video  # noqa: E402

TICK_MS = 5


class StallMeter:
    """Records the gaps between ticks of a 5 ms QTimer on the GUI thread."""

    def __init__(self) -> None:
        self.timer = QTimer(interval=TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self._last = 0.0

    def start(self) -> None:
        self.gaps.clear()
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now


def run_for(seconds: float, every_ms: int | None = None, action=None) -> None:
    """Spin the event loop for ``seconds``, calling ``action()`` every ``every_ms``."""
    loop = QEventLoop()
    driver = None
    if action is not None:
        driver = QTimer(interval=every_ms)
        driver.timeout.connect(action)
        driver.start()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    if driver is not None:
        driver.stop()


def measure(meter: StallMeter, window, seconds: float, every_ms=None, action=None) -> dict:
    shown = set()
    watch = QTimer(interval=TICK_MS)
    watch.timeout.connect(lambda: shown.add(window.current_frame))
    watch.start()
    meter.start()
    run_for(seconds, every_ms, action)
    meter.stop()
    watch.stop()
    gaps = np.array(meter.gaps) if meter.gaps else np.array([0.0])
    return {"max_ms": gaps.max(), "p99_ms": np.percentile(gaps, 99),
            "over_50ms": int((gaps > 50).sum()), "frames_shown": len(shown)}


def tracked_person(track: int, frame: int) -> Instance:
    """Person ``track`` of 8 side by side, drifting 2 px per frame (a track per person)."""
    x1, y1 = 40.0 + 150 * track + 2 * (frame % 50), 200.0 + 20 * (track % 3)
    t = np.linspace(0.2, 0.8, 21)
    xys = np.column_stack([x1 + t * 120, y1 + t[::-1] * 300, np.full(21, 0.7)])
    return Instance.from_prediction("patient", [x1, y1, x1 + 120, y1 + 300], 0.9, xys,
                                    track_id=track + 1)


def tracked_rows(window, meter: StallMeter, args, scrub, step) -> list:
    """The scenarios with tracks drawn (see the module docstring)."""
    from medpose_gui.core import edits

    n, project = args.frames, window.project
    project.store_predictions({f: [tracked_person(t, f) for t in range(8)] for f in range(n)})
    window.tracks.set_project(project)  # as opening the project does: index + triage
    while window.tracks.index is None or window.tracks.triage is None:
        run_for(0.2)
    window.actions["actionTrajectoryPlot"].setChecked(True)
    window.go_to(0)
    run_for(0.5)
    first = next(i for i in project.instances(0) if i.track_id == 1)
    window.frame_view.select(first.uid)
    window.frame_view.selectionChanged.emit(first.uid)
    run_for(1.0)
    rows = [("tracks: scrub, 8 lanes + plot", measure(meter, window, args.seconds, 16, scrub))]
    window.go_to(0)
    run_for(0.5)
    rows.append(("tracks: step, 8 lanes + plot", measure(meter, window, args.seconds, 33, step)))
    window.go_to(0)
    run_for(0.5)
    window.edits.push(edits.set_box(0, first, first.box + [-10, -10, 10, 10], merge=False))
    window.frame_view.select(first.uid)
    window.frame_view.selectionChanged.emit(first.uid)
    run_for(0.3)
    assert window.propagation.start(1, max_frames=min(n - 1, 150))
    rows.append(("tracks: step + propagation", measure(meter, window, args.seconds, 33, step)))
    while window.inference.propagating:
        run_for(0.2)
    result = window.propagation.last_result
    print(f"propagation while stepping: {result.frames_done} frames in {result.seconds:.1f} s")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--infer-frames", type=int, default=8)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 - must live
    from medpose_gui.app import MainWindow

    # As in run_app, torch is imported by the inference worker once the window is painted
    # (the "start: models loading in worker" row shows what that costs the GUI thread).

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        t0 = time.perf_counter()
        video = make_indexed_video(tmp_path / "bench.mp4", args.frames, size=(1280, 720),
                                   textured=True, gop=60)
        print(f"video: {args.frames} frames 1280x720 H.264 (gop 60), made in "
              f"{time.perf_counter() - t0:.1f} s")
        window = MainWindow(settings=make_settings(tmp_path, device=args.device, batch_size=2),
                            show_first_run=False)
        window.resize(1600, 1000)
        window.show()
        meter = StallMeter()
        # The first 0.3 s: the window's first layout and paint (once per session), with the
        # workers starting to load the models; then until the models are loaded.
        rows.append(("start: first paint", measure(meter, window, 0.3)))
        meter.start()
        while not window.inference.run_runner.worker.warmed.is_set():
            run_for(0.2)
        meter.stop()
        rows.append(("start: models loading in worker", {
            "max_ms": max(meter.gaps or [0]), "p99_ms": float(np.percentile(meter.gaps or [0], 99)),
            "over_50ms": int(sum(g > 50 for g in meter.gaps)), "frames_shown": 0}))
        assert window.open_path(str(video)), window.last_error
        run_for(1.0)
        rng = np.random.default_rng(0)
        n = args.frames

        avoid: set[int] = set()  # frames a scrub steps over (see "skip pred." below)

        def scrub() -> None:  # a fast hand: jumps of up to 1/10 of the video per 16 ms
            step = int(rng.integers(-n // 10, n // 10 + 1))
            target = int(np.clip(window.wanted_frame + step, 0, n - 1))
            while target in avoid:
                target = (target + 1) % n
            window.timeline.frameRequested.emit(target)

        def step() -> None:
            window.actions["actionNextFrame"].trigger()

        rows.append(("idle", measure(meter, window, 2.0)))
        rows.append(("scrub (60 Hz random jumps)", measure(meter, window, args.seconds, 16, scrub)))
        window.go_to(0)
        run_for(0.5)
        rows.append(("step (Right every 33 ms)", measure(meter, window, args.seconds, 33, step)))

        frames = list(range(0, n, max(1, n // args.infer_frames)))[:args.infer_frames]
        done: list = []
        window.inference.runFinished.connect(done.append)
        window.inference.runFailed.connect(done.append)
        summaries = []
        for name, action, skip in (("inference running, GUI idle", None, ()),
                                   ("scrub + inference running", scrub, ()),
                                   ("scrub + inference, skip pred.", scrub, frames)):
            avoid.clear()
            avoid.update(skip)
            done.clear()
            window.go_to(1 if skip else 0)  # frame 1 is never inferred
            run_for(0.3)
            assert window.start_inference(frames)
            t_inf = time.perf_counter()
            r = measure(meter, window, args.seconds, 16 if action else None, action)
            rows.append((name, r))
            while not done:
                run_for(0.2)
            summaries.append((done[0], time.perf_counter() - t_inf))
        avoid.clear()
        persons = [len(window.project.instances(f)) for f in frames]
        window.go_to(0)
        run_for(0.5)
        rows.append((f"scrub, no inference, {len(frames)} predicted", measure(
            meter, window, args.seconds, 16, scrub)))
        # Drawing cost against persons per frame: keep the first k predicted persons of each
        # inferred frame, then alternate between inferred frames and their (empty) neighbours.
        project = window.project
        full = {f: project.instances(f) for f in frames}
        for k in (3, 10, 25, max(persons)):
            project.store_predictions({f: v[:k] for f, v in full.items()})
            hops = iter([frames[i // 2 % len(frames)] + i % 2 for i in range(10_000)])
            window.go_to(1)
            run_for(0.3)
            rows.append((f"hop to frames of {k} persons", measure(
                meter, window, 2.0, 100, lambda hops=hops: window.go_to(next(hops)))))
        rows += tracked_rows(window, meter, args, scrub, step)
        window.close()

    for summary, seconds in summaries:
        print(f"inference run: {getattr(summary, 'frames_done', summary)} frames in {seconds:.1f} s "
              f"({args.device}; models preloaded when the window opened)")
    print(f"persons stored per inferred frame: {persons}")
    print(f"GUI-thread timer ticks every {TICK_MS} ms; a gap is the time between two ticks")
    print(f"{'scenario':30s} {'max stall ms':>12s} {'p99 gap ms':>11s} {'gaps>50ms':>10s} "
          f"{'frames shown':>13s}")
    for name, r in rows:
        print(f"{name:30s} {r['max_ms']:12.1f} {r['p99_ms']:11.1f} {r['over_50ms']:10d} "
              f"{r['frames_shown']:13d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
