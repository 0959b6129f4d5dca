"""Time the detector per stage on a 1280x720 frame: the full-size R101 (random weights built
from the medic_pose state-dict manifest) and the slim fixture model.

    python bench/bench_detector.py [--device cpu] [--repeats 3] [--threads N]

Prints one table row per model: median seconds of each stage and of a whole ``detect`` call.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_assets import (  # noqa: E402
    DETECTRON2,
    ROOT,
    detector_state_dict,
    fixture_frame,
    import_package_from,
)

import_package_from(ROOT)

from medpose_gui.inference.detector import load_config, load_detector  # noqa: E402
from medpose_gui.inference.detector.detector import Detector  # noqa: E402
from medpose_gui.inference.detector.loader import build_from_state_dict  # noqa: E402


def time_stages(det: Detector, image: np.ndarray, repeats: int) -> dict[str, float]:
    """Median seconds of each stage and of a full detect() call, and the box counts."""
    model = det.model
    times: dict[str, list[float]] = {k: [] for k in ("resize+pad", "backbone", "rpn",
                                                     "roi_heads", "detect()")}
    counts = {}
    sync = torch.cuda.synchronize if det.device.type == "cuda" else (lambda: None)
    det.detect([image])  # warm-up
    with torch.inference_mode():
        for _ in range(repeats):
            t0 = time.perf_counter()
            batch, sizes = model.transform([image], det.device)
            sync()
            t1 = time.perf_counter()
            features = model.features(batch)
            sync()
            t2 = time.perf_counter()
            proposals, _ = model.rpn(features, sizes)
            sync()
            t3 = time.perf_counter()
            detections = model.roi_heads(features[:4], proposals, sizes)
            sync()
            counts = {"proposals": len(proposals[0]), "detections": len(detections[0].scores)}
            t4 = time.perf_counter()
            for name, value in zip(list(times)[:4], (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                times[name].append(value)
    for _ in range(repeats):
        t0 = time.perf_counter()
        det.detect([image])
        sync()
        times["detect()"].append(time.perf_counter() - t0)
    return {**{k: statistics.median(v) for k, v in times.items()}, **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    image = fixture_frame()

    config = load_config()
    model, arch = build_from_state_dict(detector_state_dict(), config, "random R101")
    model.optimize_for_inference()
    full = Detector(model.to(args.device), config, arch, ("patient", "user"))
    slim = load_detector(DETECTRON2 / "model_final.pth", device=args.device)

    print(f"device {args.device}, torch threads {torch.get_num_threads()}, "
          f"image 1280x720 -> 750x1333 (padded 768x1344), median of {args.repeats}")
    header = ["model", "resize+pad", "backbone", "rpn", "roi_heads", "detect()", "proposals",
              "detections"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, det in (("R101-FPN full (random)", full), ("R101-FPN slim (fixture)", slim)):
        row = time_stages(det, image, args.repeats)
        cells = [f"{row[k]:.3f} s" for k in header[1:6]] + [str(row[k]) for k in header[6:]]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
