"""The detector as the rest of the program sees it: numpy RGB frames in, numpy boxes out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .config import DetectorConfig, load_config
from .loader import build_from_state_dict, class_names_for, read_state_dict
from .model import Architecture, FasterRCNN


@dataclass(frozen=True)
class Detections:
    """Detections of one image, best first, in original-image pixels."""

    boxes: np.ndarray  # (N, 4) float32 x1, y1, x2, y2
    scores: np.ndarray  # (N,) float32 softmax probability of the class
    labels: np.ndarray  # (N,) int64, 0-based in the checkpoint's class order

    def __len__(self) -> int:
        return len(self.scores)


class Detector:
    """A loaded detectron2 Faster R-CNN; see :func:`load_detector`."""

    def __init__(self, model: FasterRCNN, config: DetectorConfig, architecture: Architecture,
                 class_names: Sequence[str], batch_size: int = 2) -> None:
        self.model = model.eval()
        self.config = config
        self.architecture = architecture
        self.class_names = tuple(class_names)
        self.batch_size = batch_size

    @property
    def device(self) -> torch.device:
        """Where the network's weights live."""
        return next(self.model.parameters()).device

    def to(self, device: torch.device | str) -> Detector:
        """Move the network to ``device``; returns self."""
        self.model.to(device)
        return self

    @property
    def score_threshold(self) -> float:
        """Minimum class probability of a returned detection (strictly greater)."""
        return self.model.roi_heads.score_threshold

    @score_threshold.setter
    def score_threshold(self, value: float) -> None:
        self.model.roi_heads.score_threshold = float(value)

    @torch.inference_mode()
    def prepare(self, images: Sequence[np.ndarray]) -> list[torch.Tensor]:
        """The resized network input of each image (CHW uint8, page-locked when the model is
        on CUDA), for :meth:`detect`'s ``prepared``: a run makes it in its decode thread, so
        resizing the next frames overlaps the network working on the current ones."""
        _check_images(images)
        pin = self.device.type == "cuda"
        transform = self.model.transform
        return [transform.to_chw(transform.resize(image), pin=pin) for image in images]

    @torch.inference_mode()
    def detect(self, images: Sequence[np.ndarray], batch_size: int | None = None,
               prepared: Sequence[torch.Tensor] | None = None) -> list[Detections]:
        """Detections for each RGB uint8 HxWx3 image, in input order.

        Images go through the network ``batch_size`` at a time (default ``self.batch_size``),
        padded to a common size as detectron2's ImageList does. Only consecutive images of
        the same size share a forward pass: padding a small image up to a larger one's size
        would change its features near the border, so results never depend on batching.
        ``prepared``: :meth:`prepare` of ``images``, made ahead (the same numbers).
        """
        size = int(batch_size or self.batch_size)
        if size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        _check_images(images)
        if prepared is not None and len(prepared) != len(images):
            raise ValueError(f"{len(prepared)} prepared inputs for {len(images)} images")
        model, device = self.model, self.device
        results: list[Detections] = []
        for group in _groups(images, size):
            if prepared is None:
                batch, sizes = model.transform([images[i] for i in group], device)
            else:
                batch, sizes = model.transform.batch_chw([prepared[i] for i in group], device)
            original_hw = [images[i].shape[:2] for i in group]
            for det in model.detect_batch(batch, sizes, original_hw):
                results.append(Detections(det.boxes.float().cpu().numpy(),
                                          det.scores.float().cpu().numpy(),
                                          det.labels.to(torch.int64).cpu().numpy()))
        return results


def _check_images(images: Sequence[np.ndarray]) -> None:
    for index, image in enumerate(images):
        if not (isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3
                and image.dtype == np.uint8):
            raise ValueError(f"image {index}: expected an HxWx3 uint8 RGB array, got "
                             f"{getattr(image, 'dtype', type(image))} "
                             f"{getattr(image, 'shape', '')}")


def _groups(images: Sequence[np.ndarray], batch_size: int) -> list[list[int]]:
    """Runs of consecutive same-shape images, at most ``batch_size`` long."""
    groups: list[list[int]] = []
    for i, image in enumerate(images):
        if groups and len(groups[-1]) < batch_size and images[groups[-1][0]].shape == image.shape:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def load_detector(weights: str | Path, config: str | Path | None = None,
                  device: torch.device | str = "cpu", *, trust: bool = False,
                  **overrides: object) -> Detector:
    """Load a detectron2 ``model_final.pth`` (any detectron2 layout) as a :class:`Detector`.

    ``config``: a detectron2 YAML (``_BASE_`` followed) for test-time settings; ``None`` uses
    the reference's (medic_pose.yaml). ``overrides`` set :class:`DetectorConfig` fields, e.g.
    ``min_size=600``, ``score_threshold=0.8``. ``trust=True`` lets the file unpickle more than
    plain data (only for files from a trusted source). Raises
    :class:`DetectorCheckpointError` / :class:`DetectorConfigError` naming the file.
    """
    settings = load_config(config, **overrides)
    state = read_state_dict(weights, trust=trust)
    model, arch = build_from_state_dict(state, settings, str(weights))
    model.optimize_for_inference()  # after the strict load: folded modules lose their keys
    names = class_names_for(settings, arch.num_classes, str(weights))
    return Detector(model.to(device), settings, arch, names)
