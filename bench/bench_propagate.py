"""Propagation throughput: carrying a corrected box along a track with the pose model (CPU).

A track of one person moving 8 px per frame over a 1280x720 H.264 video; the medic's box at
frame 0 is 30 % larger than the detector's. "Propagate forward" runs through the run service
(pose model only, flip test on, as the window does) and stores each frame at once. Reported
per frame: the whole step, the pose model, decoding the frame, and storing the result (the
rest), for the fixture ViTPose (tiny) and a full-size ViTPose-B (random weights of the real
shapes; speed only). Run:

    PYTHONPATH=. python bench/bench_propagate.py --frames 30 --threads 1
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench.bench_pipeline import make_checkpoints, make_video  # noqa: E402
from medpose_gui.core import edits  # noqa: E402
from medpose_gui.core.annotations import Instance  # noqa: E402
from medpose_gui.core.project import Project  # noqa: E402
from medpose_gui.media import open_media  # noqa: E402
from medpose_gui.runs import InferenceService, RunSettings  # noqa: E402
from medpose_gui.runs.propagate import PropagationRequest, propagate  # noqa: E402
from medpose_gui.session import media_info  # noqa: E402
from tests.fixture_paths import CASUALTY_WEIGHTS  # noqa: E402

FIXTURE_POSE = CASUALTY_WEIGHTS  # in the repository (tests/fixtures_min)
SHIFT_PX = 8  # bench_pipeline.make_video's shift per frame


def tracked_project(path: Path, video: Path, n: int) -> tuple[Project, str]:
    """A project whose one track follows the pasted person; frame 0's box corrected."""
    with open_media(video) as src:
        project = Project.create(path, media_info(video, src))
    rng = np.random.default_rng(0)
    preds = {}
    for f in range(n):
        x1 = 704 + SHIFT_PX * f
        box = [x1 + 60, 180, x1 + 60 + 300, 180 + 420]  # 30 % too small a box around him
        xys = np.column_stack([rng.uniform(box[0], box[2], 21), rng.uniform(box[1], box[3], 21),
                               np.full(21, 0.9)])
        preds[f] = [Instance.from_prediction("patient", box, 0.95, xys, track_id=1)]
    project.store_predictions(preds)
    first = project.instances(0)[0]
    c, s = (first.box[:2] + first.box[2:]) / 2, (first.box[2:] - first.box[:2]) * 1.3
    edits.set_box(0, first, [*(c - s / 2), *(c + s / 2)], merge=False).apply(project)
    return project, first.uid


def bench(name: str, pose_weights: Path, video: Path, folder: Path, n: int) -> tuple:
    project, uid = tracked_project(folder / f"{name}.medpose", video, n)
    settings = RunSettings(detector="", pose={"patient": str(pose_weights)}, device="cpu")
    service = InferenceService()
    service.load(settings, pose_only=True, categories=("patient",))  # not timed: model load
    with open_media(video) as src:
        decode = []

        class TimedSource:
            def __getitem__(self, i):
                t = time.perf_counter()
                frame = src[i]
                decode.append(time.perf_counter() - t)
                return frame

        result = propagate(project, TimedSource(), service, settings, PropagationRequest(0, uid))
    project.close()
    done = result.frames_done
    step = 1e3 * result.seconds / done
    pose = 1e3 * float(np.mean(result.pose_seconds))
    dec = 1e3 * float(np.mean(decode))
    return name, done, step, pose, dec, step - pose - dec, 1e3 / step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--skip-full", action="store_true", help="fixture model only")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load = os.getloadavg()
    print(f"CPU, {torch.get_num_threads()} torch thread(s), torch {torch.__version__}, "
          f"{os.cpu_count()} cores, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        video = make_video(folder / "clip.mp4", args.frames)
        rows.append(bench("ViTPose tiny (fixture)", FIXTURE_POSE, video, folder, args.frames))
        if not args.skip_full:
            _, pose_path = make_checkpoints(folder)
            rows.append(bench("ViTPose-B (full size, random)", pose_path, video, folder,
                              args.frames))
    print("\n| pose model | frames | ms/frame (all) | pose ms/frame (flip) | decode ms/frame "
          "| store + rest ms/frame | frames/s |")
    print("|---|---|---|---|---|---|---|")
    for name, done, step, pose, dec, rest, fps in rows:
        print(f"| {name} | {done} | {step:.0f} | {pose:.0f} | {dec:.1f} | {rest:.1f} | {fps:.2f} |")
    load = os.getloadavg()
    print(f"\nload average after: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")


if __name__ == "__main__":
    main()
