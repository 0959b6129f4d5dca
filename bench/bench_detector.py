"""Time the detector per stage on a 1280x720 frame: the full-size R101 (random weights built
from the medic_pose state-dict manifest) and the slim fixture model.

    python bench/bench_detector.py [--device cpu] [--repeats 3] [--threads N]

Prints one table row per model: median seconds of each stage and of a whole ``detect`` call.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from medpose_gui.inference.detector import load_config, load_detector  # noqa: E402
from medpose_gui.inference.detector.detector import Detector  # noqa: E402
from medpose_gui.inference.detector.loader import build_from_state_dict  # noqa: E402

FIXTURES = Path(os.environ.get("MEDPOSE_FIXTURES",
                               Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"))
D2 = FIXTURES / "detectron2"


def random_full_size_state_dict(seed: int = 0) -> OrderedDict[str, torch.Tensor]:
    """Random weights with the shapes of the real medic_pose R101 checkpoint."""
    shapes = json.loads((D2 / "medic_pose_r101_state_dict_shapes.json").read_text())
    gen = torch.Generator().manual_seed(seed)
    state: OrderedDict[str, torch.Tensor] = OrderedDict()
    for key, shape in shapes.items():
        if key.endswith(("norm.weight", "running_var")):
            state[key] = torch.ones(shape)
        elif key.endswith(("norm.bias", "running_mean")) or key.endswith(".bias"):
            state[key] = torch.zeros(shape)
        else:  # He-scaled so 101 layers neither vanish nor blow up too fast
            fan_in = math.prod(shape[1:])
            state[key] = torch.randn(shape, generator=gen) * math.sqrt(1.0 / fan_in)
            if "anchor_deltas" in key or "bbox_pred" in key:
                # Small deltas as in a trained model, so the RPN keeps its full 1000
                # proposals and the box head does the work it does on real weights.
                state[key] *= 0.01
    return state


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
    image = np.asarray(Image.open(D2 / "images" / "frame_1280x720.png").convert("RGB"))

    config = load_config()
    model, arch = build_from_state_dict(random_full_size_state_dict(), config, "random R101")
    model.optimize_for_inference()
    full = Detector(model.to(args.device), config, arch, ("patient", "user"))
    slim = load_detector(D2 / "model_final.pth", device=args.device)

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
