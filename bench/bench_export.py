"""Benchmark of the exports and imports (prints a table; not a test).

    PYTHONPATH=. python bench/bench_export.py [--frames 5000] [--images 50]

A project of N frames x 3 predicted instances (2 patients with 21 points, 1 user with 6),
a tenth of the frames approved; times COCO keypoints export (all, approved only, one
category), the COCO import of that file into a new project, the COCO results export,
bbox_detections.json, and writing frame images (1280x720 JPEG) through the exporter.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from medpose_gui.core.annotations import Instance, ReviewState
from medpose_gui.core.project import MediaInfo, Project
from medpose_gui.formats import (
    export_coco_keypoints,
    export_coco_results,
    import_coco_keypoints,
    project_to_bbox_entries,
    write_bbox_detections,
)


def _prediction(rng: np.random.Generator, category: str, k: int) -> Instance:
    xys = np.column_stack([rng.uniform(100, 1180, k), rng.uniform(100, 620, k),
                           rng.uniform(0.2, 1, k)])
    return Instance.from_prediction(category, [50, 60, 700, 650], 0.95, xys)


def _timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=5000)
    parser.add_argument("--images", type=int, default=50)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    media = MediaInfo("/data/video.mp4", "sha1:0", args.frames, 30.0, 1280, 720)
    frame = rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        project = Project.create(tmp_path / "bench.medpose", media)
        project.store_predictions({f: [_prediction(rng, "patient", 21),
                                       _prediction(rng, "patient", 21),
                                       _prediction(rng, "user", 6)]
                                   for f in range(args.frames)})
        for f in range(0, args.frames, 10):
            project.set_review_state(f, ReviewState.APPROVED)
        n_inst = 3 * args.frames
        out = tmp_path / "all.json"
        dt, stats = _timed(lambda: export_coco_keypoints(project, out))
        rows.append(("COCO keypoints, all frames", dt,
                     f"{stats.num_annotations} annotations, {out.stat().st_size / 1e6:.1f} MB"))
        dt, stats = _timed(lambda: export_coco_keypoints(project, tmp_path / "rev.json",
                                                         reviewed_only=True))
        rows.append(("COCO keypoints, approved only", dt, f"{stats.num_annotations} annotations"))
        dt, stats = _timed(lambda: export_coco_keypoints(project, tmp_path / "pat.json",
                                                         category="patient"))
        rows.append(("COCO keypoints, --category patient", dt,
                     f"{stats.num_annotations} annotations"))
        target = Project.create(tmp_path / "import.medpose", media)
        dt, istats = _timed(lambda: import_coco_keypoints(out, target))
        rows.append(("COCO keypoints import (new project)", dt,
                     f"{istats.num_annotations} annotations"))
        target.close()
        dt, _ = _timed(lambda: export_coco_results(project, tmp_path / "results.json"))
        rows.append(("COCO results", dt, f"{n_inst} instances"))
        dt, _ = _timed(lambda: write_bbox_detections(tmp_path / "bbox.json",
                                                     project_to_bbox_entries(project)))
        rows.append(("bbox_detections.json", dt, f"{args.frames} images"))
        dt, stats = _timed(lambda: export_coco_keypoints(
            project, tmp_path / "img.json", reviewed_only=True, images_dir=tmp_path / "images",
            frame_reader=lambda i: frame, progress=None))
        rows.append(("approved frames + JPEG images", dt,
                     f"{stats.num_images_written} images 1280x720"))
        project.close()
    print(f"\nexports of a {args.frames}-frame project ({n_inst} instances)\n")
    print(f"| {'task':40} | {'seconds':>8} | what |")
    print(f"|{'-' * 42}|{'-' * 10}|------|")
    for name, seconds, what in rows:
        print(f"| {name:40} | {seconds:8.2f} | {what} |")


if __name__ == "__main__":
    main()
