"""Benchmark the inference pipeline with the FULL-SIZE reference architectures.

Weights are random (only the speed matters here): state dicts are built from the full-size
key/shape manifests in the fixtures (detectron2 R101-FPN Faster R-CNN, ViTPose-B with 21
keypoints), saved in the reference file layouts and loaded through the public loaders, so the
networks are exactly those a user's ``model_final.pth`` / mmpose ``.pth`` produce.

Frames: a 1280x720 H.264 video made from the fixture frame (shifted a little per frame).
Measured, per batch size: decode (background thread), detector, pose (incl. flip test) in ms
per frame, end-to-end frames/s; plus pose alone for 1-4 people boxes; fp32 vs fp16 when CUDA
exists. Run:

    PYTHONPATH=. python bench/bench_pipeline.py --frames 4 --threads 1
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import OrderedDict
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import torch

from medpose_gui.inference import (
    choose_device,
    configure_exact_math,
    load_detector,
    load_pose_estimator,
    run_pipeline,
)
from medpose_gui.media import open_media

# The full reference fixtures (README, Tests): $MEDPOSE_FIXTURES, else ../shared/fixtures.
FIXTURES = Path(os.environ.get("MEDPOSE_FIXTURES",
                               Path(__file__).resolve().parents[2] / "shared" / "fixtures"))
DET_SHAPES = FIXTURES / "detectron2" / "medic_pose_r101_state_dict_shapes.json"
POSE_SHAPES = FIXTURES / "vitpose" / "vitpose_base_casualty_k21_state_dict_shapes.json"
FRAME = FIXTURES / "detectron2" / "images" / "frame_1280x720.png"
# People boxes (x1, y1, x2, y2) on a 1280x720 frame for the pose-only rows.
PEOPLE = np.array([[704, 150, 1216, 662], [100, 200, 300, 650], [400, 300, 650, 700],
                   [900, 50, 1100, 400]], np.float32)


def _is_norm_weight(key: str, shapes: dict[str, list[int]]) -> bool:
    stem = key.rsplit(".", 1)[0]
    return (f"{stem}.running_var" in shapes or "norm" in key.split(".")[-2]
            or key.startswith("backbone.last_norm"))


# Output layers get small weights (as detectron2's own initialisers do: std 0.01 / 0.001), so
# class scores are not saturated and the detector returns its usual hundreds of candidates
# instead of one box at score 1.0; the compute per frame is then that of a real model.
_OUTPUT_LAYERS = ("rpn_head.objectness_logits", "rpn_head.anchor_deltas",
                  "box_predictor.cls_score", "box_predictor.bbox_pred")
_OUTPUT_STD = 1e-3


def random_state_dict(shapes: dict[str, list[int]], std: float | None, seed: int
                      ) -> OrderedDict[str, torch.Tensor]:
    """Random tensors of the manifest's shapes: norms 1/0, running stats 0/1, weights
    normal (``std``, or 1/sqrt(fan_in) when None, keeping activations bounded through
    101 layers), biases 0."""
    gen = torch.Generator().manual_seed(seed)
    out: OrderedDict[str, torch.Tensor] = OrderedDict()
    for key, shape in shapes.items():
        name = key.rsplit(".", 1)[-1]
        if name == "num_batches_tracked":
            out[key] = torch.zeros((), dtype=torch.int64)
        elif name in ("running_var",) or (name == "weight" and len(shape) == 1
                                           and _is_norm_weight(key, shapes)):
            out[key] = torch.ones(shape)
        elif name in ("running_mean", "bias") or len(shape) <= 1:
            out[key] = torch.zeros(shape)
        else:
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
            scale = std if std is not None else fan_in ** -0.5
            if any(layer in key for layer in _OUTPUT_LAYERS):
                scale = _OUTPUT_STD
            out[key] = torch.randn(shape, generator=gen) * scale
    return out


def make_checkpoints(folder: Path) -> tuple[Path, Path]:
    """Full-size random checkpoints in the reference layouts (detectron2, mmpose)."""
    det_path, pose_path = folder / "model_final.pth", folder / "vitpose_base_k21.pth"
    det_sd = random_state_dict(json.loads(DET_SHAPES.read_text()), None, seed=1)
    torch.save({"model": det_sd}, det_path)  # DetectionCheckpointer layout
    pose_sd = random_state_dict(json.loads(POSE_SHAPES.read_text()), 0.02, seed=2)
    torch.save({"state_dict": pose_sd, "meta": {}}, pose_path)  # mmcv save_checkpoint layout
    return det_path, pose_path


def make_video(path: Path, n_frames: int) -> Path:
    """1280x720 H.264 (yuv420p, 25 fps) of the fixture frame, shifted 8 px per frame."""
    base = cv2.imread(str(FRAME))[:, :, ::-1]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(25), options={"preset": "fast"})
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        for i in range(n_frames):
            frame = np.ascontiguousarray(np.roll(base, 8 * i, axis=1))
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def threshold_for(detector, frame: np.ndarray, people: int) -> float:
    """A patient-score threshold that keeps about ``people`` boxes on ``frame``."""
    det = detector.detect([frame])[0]
    scores = np.sort(det.scores[det.labels == 0])[::-1]
    if len(scores) <= people:
        return 0.0
    return float((scores[people - 1] + scores[people]) / 2)


def bench_pipeline(video: Path, detector, pose, batch_sizes, threshold, precision):
    rows = []
    with open_media(video) as src:
        n = len(src)
        for batch in batch_sizes:
            result = run_pipeline(src, range(n), detector, pose, score_threshold=threshold,
                                  batch_size=batch, precision=precision)
            s = result.stats
            rows.append((precision, batch, 1e3 * s.decode_s / n, 1e3 * s.detect_s / n,
                         1e3 * s.pose_s / n, s.boxes / n, n / s.wall_s))
    return rows


def bench_pose(pose, frame: np.ndarray, repeats: int) -> list[tuple[int, float]]:
    rows = []
    for people in range(1, len(PEOPLE) + 1):
        pose.estimate(frame, PEOPLE[:people])  # warm-up
        t0 = time.perf_counter()
        for _ in range(repeats):
            pose.estimate(frame, PEOPLE[:people])
        rows.append((people, 1e3 * (time.perf_counter() - t0) / repeats))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--batch-sizes", default="1,2,4")
    parser.add_argument("--people", type=int, default=3, help="boxes kept per frame (approx.)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = choose_device(args.device)
    configure_exact_math()
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    print(f"device {device}"
          + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else
             f", {torch.get_num_threads()} torch threads")
          + f", torch {torch.__version__}, {args.frames} frames 1280x720 H.264")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        det_path, pose_path = make_checkpoints(Path(tmp))
        detector = load_detector(det_path, device=str(device))
        pose = load_pose_estimator(pose_path, device=str(device))
        print(f"full-size random checkpoints written and loaded in {time.perf_counter() - t0:.1f} s "
              f"(detector {sum(p.numel() for p in detector.model.parameters()) / 1e6:.1f} M "
              f"params, pose {sum(p.numel() for p in pose.net.parameters()) / 1e6:.1f} M)")
        video = make_video(Path(tmp) / "bench.mp4", args.frames)
        with open_media(video) as src:
            first = src[0]
        threshold = threshold_for(detector, first, args.people)  # also warms the detector up

        precisions = ["fp32", "fp16"] if device.type == "cuda" else ["fp32"]
        rows = []
        for precision in precisions:
            rows += bench_pipeline(video, detector, pose, batch_sizes, threshold, precision)
        print("\n| precision | batch | decode ms/frame | detector ms/frame | pose ms/frame "
              "(flip) | boxes/frame | end-to-end frames/s |")
        print("|---|---|---|---|---|---|---|")
        for p, b, dec, det, pos, boxes, fps in rows:
            print(f"| {p} | {b} | {dec:.1f} | {det:.0f} | {pos:.0f} | {boxes:.1f} | {fps:.3f} |")
        if device.type != "cuda":
            print("\nfp16: no CUDA on this machine (half precision is used on CUDA only)")
        print("\n| people boxes | pose ms/frame (flip test on, fp32) |")
        print("|---|---|")
        for people, ms in bench_pose(pose, first, repeats=2 if device.type == "cpu" else 10):
            print(f"| {people} | {ms:.0f} |")
        print("\ndecode runs in a background thread, overlapped with detector + pose; "
              "end-to-end includes it and the instance building.")


if __name__ == "__main__":
    main()
