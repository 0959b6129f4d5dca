"""Start-up time of ``medpose-gui clip.mp4``: until the window is painted, until the first
frame is painted, and when the models finished loading in the background.

Each start is a fresh child process (``python -m medpose_gui CLIP``) with
``MEDPOSE_STARTUP_TRACE=1``: the app prints ``medpose-startup <event> <time.time()>`` at each
milestone (widgets/window/startup_trace.py) and this script subtracts the wall time it noted
just before starting the child. The child is killed once the models are loaded (or after
``--timeout``). Settings and the model registry are isolated in a temporary folder; with
``--models`` the fixture models are registered there so the warm-up loads real models.

cold: the page cache is dropped first (``sync; echo 3 > /proc/sys/vm/drop_caches``, needs
root); where that is not allowed, "cold" is only a fresh interpreter (marked ``cold*``).
warm: the same start again, files already cached.

    QT_QPA_PLATFORM=offscreen python bench/bench_startup.py [--repeat 5] [--models]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ("window-painted", "frame-painted", "warm-up-done")
BUDGET = {"window-painted": 2.0, "frame-painted": 3.0}  # issue 14: seconds after the command


def make_clip(path: Path, frames: int = 250, size: tuple[int, int] = (1280, 720)) -> Path:
    """An H.264 clip of moving noise and bars (a realistic decode cost, no fixtures needed)."""
    import av

    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (size[1], size[0], 3), np.uint8)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25, options={"preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(frames):
            frame = np.roll(base, 8 * i, axis=1)
            frame[:, (16 * i) % size[0]:][:, :40] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def drop_page_cache() -> bool:
    """True when the kernel's page cache was dropped (root only)."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def register_fixture_models(data_dir: Path) -> None:
    """The fixture detector and casualty pose model, chosen in the isolated registry."""
    sys.path.insert(0, str(ROOT))
    from tests.gui.window_support import register_models

    register_models(data_dir)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far, all threads (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_start(clip: Path, env: dict[str, str], timeout: float,
              wait_models: bool) -> dict[str, float]:
    """Seconds from the command to each milestone (missing: not reached), and the child's
    CPU seconds at each (``cpu:<event>``): the part of the wait that does not depend on
    how busy the machine is."""
    t0 = time.time()
    child = subprocess.Popen([sys.executable, "-m", "medpose_gui", str(clip)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen: dict[str, float] = {}
    last = "warm-up-done" if wait_models else "frame-painted"
    deadline = time.monotonic() + timeout
    try:
        for line in child.stderr:  # type: ignore[union-attr]
            parts = line.split()
            if len(parts) == 3 and parts[0] == "medpose-startup":
                seen[parts[1]] = float(parts[2]) - t0
                seen[f"cpu:{parts[1]}"] = cpu_seconds(child.pid)
                if last in seen:
                    break
            if time.monotonic() > deadline:
                break
    finally:
        child.kill()
        child.wait()
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="starts of each kind")
    parser.add_argument("--models", action="store_true",
                        help="register the fixture models so the warm-up loads them")
    parser.add_argument("--no-cold", action="store_true", help="warm starts only")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        clip = make_clip(tmp_path / "clip.mp4")
        settings = tmp_path / "settings.ini"
        settings.write_text("[General]\nfirst_run_done=true\n")
        env = dict(os.environ, MEDPOSE_STARTUP_TRACE="1", MEDPOSE_SETTINGS=str(settings),
                   MEDPOSE_DATA_DIR=str(tmp_path / "data"),
                   PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        if args.models:
            register_fixture_models(tmp_path / "data")

        load_before = os.getloadavg()
        kinds = ([] if args.no_cold else ["cold"]) + ["warm"]
        results: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
        cold_label = "cold"
        one_start(clip, env, args.timeout, False)  # compile .pyc files once, not measured
        for _ in range(args.repeat):
            for kind in kinds:
                if kind == "cold" and not drop_page_cache():
                    cold_label = "cold*"
                results[kind].append(one_start(clip, env, args.timeout, args.models))

    load = os.getloadavg()
    print(f"medpose-gui clip.mp4 (1280x720 H.264), {os.cpu_count()} CPUs, load average "
          f"(1/5/15 min) {' '.join(f'{v:.2f}' for v in load_before)} before, "
          f"{' '.join(f'{v:.2f}' for v in load)} after; {args.repeat} starts each, "
          f"models {'registered' if args.models else 'none'}")
    print("seconds after the command (median, min-max; cpu = the app's own CPU seconds by "
          "then, median); budget: window 2.0, first frame 3.0")
    events = EVENTS if args.models else EVENTS[:2]
    header = f"{'start':<7}" + "".join(f"{e:>24}{'cpu':>6}" for e in events)
    print(header)
    print("-" * len(header))
    for kind in kinds:
        label = cold_label if kind == "cold" else kind
        cells = []
        for event in events:
            values = [r[event] for r in results[kind] if event in r]
            if not values:
                cells.append(f"{'–':>24}{'':>6}")
                continue
            median = statistics.median(values)
            mark = " !" if median > BUDGET.get(event, float("inf")) else "  "
            cpu = statistics.median(r[f"cpu:{event}"] for r in results[kind] if event in r)
            cells.append(f"{median:>9.2f} ({min(values):.2f}-{max(values):.2f}){mark}"
                         .rjust(24) + f"{cpu:>6.2f}")
        print(f"{label:<7}" + "".join(cells))
    if cold_label == "cold*":
        print("cold*: page cache could not be dropped (not root): a fresh interpreter only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
