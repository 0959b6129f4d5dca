"""``PoseEstimator``: boxes in an RGB image -> keypoints, the reference's top-down inference.

Composes the parts: :mod:`.topdown` crops, :class:`.model.ViTPoseNet` heatmaps (original and
mirrored crops in one batch), :mod:`.decode` keypoints.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import torch

from ...core.reference import REFERENCE_FLIP_TEST
from .checkpoint import ViTPoseArchitecture
from .config import PoseConfig
from .decode import decode_heatmaps, flip_back_heatmaps
from .errors import PoseModelError
from .model import ViTPoseNet
from .topdown import (
    boxes_to_center_scale,
    check_boxes,
    check_rgb_image,
    normalise_crops,
    scale_to_pixels,
    udp_warp_matrices,
    warp_crops,
)

PRECISIONS = ("fp32", "fp16")


@contextmanager
def exact_float32(device: torch.device) -> Iterator[None]:
    """Turn TF32 off on CUDA for the duration (it moves heatmaps far beyond float32 noise)."""
    if device.type != "cuda":
        yield
        return
    saved = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


class PoseEstimator:
    """A loaded ViTPose model; see :func:`medpose_gui.inference.vitpose.load_pose_estimator`."""

    def __init__(self, net: ViTPoseNet, config: PoseConfig, *, device: str | torch.device = "cpu",
                 flip_test: bool = REFERENCE_FLIP_TEST, precision: str = "fp32",
                 source: str = "<model>", max_batch: int | None = None) -> None:
        self.device = torch.device(device)
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        if precision == "fp16" and self.device.type != "cuda":
            raise ValueError("precision='fp16' is only used on CUDA devices")
        self.architecture: ViTPoseArchitecture = net.arch
        self.config = config
        self.source = source
        self.flip_test = flip_test
        self.precision = precision
        self.max_batch = max_batch  # crops per forward (original + mirrored); None = all at once
        k = net.arch.num_keypoints
        names = list(config.keypoint_names or ())[:k]
        # One output row per network channel; a 21-channel casualty model with the 22-point
        # definition never predicts the last (``back``).
        self.keypoint_names: tuple[str, ...] = tuple(names + [f"keypoint_{i}" for i in range(len(names), k)])
        bad = [p for p in config.flip_pairs if max(p) >= k]
        if bad:
            raise PoseModelError(f"{source}: flip pairs {bad} name channels beyond the "
                                 f"model's {k} keypoints")
        self.flip_pairs: tuple[tuple[int, int], ...] = config.flip_pairs
        self.net = net.to(self.device).eval()
        if precision == "fp16":
            self.net.half()

    @property
    def num_keypoints(self) -> int:
        return self.architecture.num_keypoints

    def to(self, device: str | torch.device) -> PoseEstimator:
        """Move the network (e.g. to the CPU after a GPU ran out of memory); fp16 is CUDA only."""
        self.device = torch.device(device)
        if self.device.type != "cuda" and self.precision == "fp16":
            self.net.float()
            self.precision = "fp32"
        self.net.to(self.device)
        return self

    # -- stages (public so tests and tools can look inside) -------------------------------

    def prepare(self, rgb: np.ndarray, boxes_xyxy: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Crops (N, h, w, 3) uint8, normalised inputs (N, 3, h, w), centres, scales (200 px units)."""
        rgb = check_rgb_image(rgb)
        boxes = check_boxes(boxes_xyxy)
        size = self.config.image_size
        centers, scales = boxes_to_center_scale(boxes, size)
        crops = warp_crops(rgb, udp_warp_matrices(centers, scales, size), size)
        return crops, normalise_crops(crops, self.config.mean, self.config.std), centers, scales

    def _forward(self, inputs: torch.Tensor) -> torch.Tensor:
        dtype = torch.float16 if self.precision == "fp16" else torch.float32
        outputs = []
        step = self.max_batch or max(len(inputs), 1)
        with torch.inference_mode(), exact_float32(self.device):
            for start in range(0, len(inputs), step):
                chunk = inputs[start:start + step].to(self.device, dtype)
                outputs.append(self.net(chunk).float().cpu())
        return torch.cat(outputs)

    def heatmaps(self, inputs: np.ndarray) -> np.ndarray:
        """Normalised inputs (N, 3, h, w) -> heatmaps (N, K, h/4, w/4), flip-averaged if set."""
        x = torch.from_numpy(np.ascontiguousarray(inputs, dtype=np.float32))
        n = len(x)
        if self.flip_test:
            x = torch.cat([x, x.flip(3)])  # originals and mirrored copies in one batch
        out = self._forward(x).numpy()
        if not self.flip_test:
            return out
        back = flip_back_heatmaps(out[n:], self.flip_pairs, self.config.test.shift_heatmap)
        return (out[:n] + back) * np.float32(0.5)

    def decode(self, heatmaps: np.ndarray, centers: np.ndarray, scales: np.ndarray) -> np.ndarray:
        return decode_heatmaps(heatmaps, centers, scale_to_pixels(scales),
                               self.config.test.modulate_kernel)

    # -- public API -------------------------------------------------------------------------

    def estimate(self, rgb: np.ndarray, boxes_xyxy: np.ndarray) -> np.ndarray:
        """Keypoints (N, K, 3) float32 ``x, y, score`` in image pixels for boxes (N, 4|5) xyxy."""
        return self.estimate_batch([(rgb, boxes_xyxy)])[0]

    def estimate_batch(self, items: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
        """:meth:`estimate` for several frames, all their boxes in one forward pass."""
        prepared = [self.prepare(rgb, boxes) for rgb, boxes in items]
        counts = [len(p[1]) for p in prepared]
        if sum(counts) == 0:
            return [np.zeros((0, self.num_keypoints, 3), dtype=np.float32) for _ in items]
        inputs = np.concatenate([p[1] for p in prepared])
        centers = np.concatenate([p[2] for p in prepared])
        scales = np.concatenate([p[3] for p in prepared])
        keypoints = self.decode(self.heatmaps(inputs), centers, scales)
        return np.split(keypoints, np.cumsum(counts)[:-1])


class SchemaMismatchError(PoseModelError):
    """The pose model predicts a different number of keypoints than the chosen schema has."""


def check_schema_fits(estimator: PoseEstimator, num_schema_keypoints: int,
                      schema_name: str | None = None) -> None:
    """Raise :class:`SchemaMismatchError` unless the model has one channel per schema keypoint."""
    if estimator.num_keypoints != num_schema_keypoints:
        what = f"schema {schema_name!r}" if schema_name else "the schema"
        raise SchemaMismatchError(
            f"{estimator.source}: the pose model predicts {estimator.num_keypoints} keypoints but "
            f"{what} has {num_schema_keypoints}; choose the schema the model was trained for")
