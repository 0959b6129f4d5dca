"""What the benchmarks run on: the FULL-SIZE reference networks with random weights, a
1280x720 video, and where the fixtures are.

Weights are random (only the speed matters here): state dicts are built from the full-size
key/shape manifests in the fixtures (detectron2 R101-FPN Faster R-CNN, ViTPose-B with 21
keypoints) and saved in the reference file layouts, so loading them through the public
loaders gives exactly the networks a user's ``model_final.pth`` / mmpose ``.pth`` give.
The fixtures are found at ``$MEDPOSE_FIXTURES``, else ``../shared/fixtures`` beside the
repository (as the tests find them).
"""

from __future__ import annotations

import json
import os
import sys
from collections import OrderedDict
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]  # the repository the bench files belong to
FIXTURES = Path(os.environ.get("MEDPOSE_FIXTURES", ROOT.parent / "shared" / "fixtures"))
DETECTRON2, VITPOSE = FIXTURES / "detectron2", FIXTURES / "vitpose"
DET_SHAPES = DETECTRON2 / "medic_pose_r101_state_dict_shapes.json"
POSE_SHAPES = VITPOSE / "vitpose_base_casualty_k21_state_dict_shapes.json"
FRAME = DETECTRON2 / "images" / "frame_1280x720.png"
# People boxes (x1, y1, x2, y2) on a 1280x720 frame for pose-only timings.
PEOPLE = np.array([[704, 150, 1216, 662], [100, 200, 300, 650], [400, 300, 650, 700],
                   [900, 50, 1100, 400]], np.float32)


def import_package_from(root: Path) -> None:
    """Import ``medpose_gui`` from ``root`` (a checkout), ahead of any installed copy."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))


def check_fixtures() -> str | None:
    """Why the benchmarks cannot run here (None when they can)."""
    missing = [p for p in (DET_SHAPES, POSE_SHAPES, FRAME) if not p.exists()]
    if missing:
        return (f"fixtures not found ({missing[0]}): set MEDPOSE_FIXTURES to the fixtures "
                f"folder or put it at {ROOT.parent / 'shared' / 'fixtures'}")
    return None


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


def detector_state_dict(seed: int = 1) -> OrderedDict[str, torch.Tensor]:
    """Random weights of the full-size medic_pose R101-FPN (detectron2 keys)."""
    return random_state_dict(json.loads(DET_SHAPES.read_text()), None, seed=seed)


def make_checkpoints(folder: Path) -> tuple[Path, Path]:
    """Full-size random checkpoints in the reference layouts (detectron2, mmpose)."""
    det_path, pose_path = folder / "model_final.pth", folder / "vitpose_base_k21.pth"
    torch.save({"model": detector_state_dict()}, det_path)  # DetectionCheckpointer layout
    pose_sd = random_state_dict(json.loads(POSE_SHAPES.read_text()), 0.02, seed=2)
    torch.save({"state_dict": pose_sd, "meta": {}}, pose_path)  # mmcv save_checkpoint layout
    return det_path, pose_path


def fixture_frame() -> np.ndarray:
    """The 1280x720 fixture frame, RGB."""
    import cv2

    return np.ascontiguousarray(cv2.imread(str(FRAME))[:, :, ::-1])


def make_video(path: Path, n_frames: int) -> Path:
    """1280x720 H.264 (yuv420p, 25 fps) of the fixture frame, shifted 8 px per frame."""
    import av

    base = fixture_frame()
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
    """A patient-score threshold that keeps about ``people`` boxes on ``frame`` (class 0)."""
    det = detector.detect([frame])[0]
    scores = np.sort(det.scores[det.labels == 0])[::-1]
    if len(scores) <= people:
        return 0.0
    return float((scores[people - 1] + scores[people]) / 2)
