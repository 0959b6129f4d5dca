"""Pre- and post-processing of detectron2's test path: resize, normalise, pad, scale boxes back.

This replaces torchvision's ``GeneralizedRCNNTransform``, which differs from detectron2 in
rounding, interpolation, input scaling and channel order (fixtures/detectron2/README.md,
"Reproducing detectron2 with torchvision parts", points 1, 2 and 12).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image

# detectron2's FPN backbone has size_divisibility 32 (the p5 stride): inputs are padded to it.
SIZE_DIVISIBILITY = 32


def resized_size(height: int, width: int, min_size: int, max_size: int) -> tuple[int, int]:
    """(new_h, new_w) of detectron2's ``ResizeShortestEdge`` at test time.

    Scales the short side to ``min_size`` unless the long side would pass ``max_size``, then
    rounds half up (``int(x + 0.5)``), so 720x1280 becomes 750x1333, not 749x1333.
    """
    scale = min_size / min(height, width)
    if height < width:
        new_h, new_w = float(min_size), scale * width
    else:
        new_h, new_w = scale * height, float(min_size)
    if max(new_h, new_w) > max_size:
        shrink = max_size / max(new_h, new_w)
        new_h, new_w = new_h * shrink, new_w * shrink
    return int(new_h + 0.5), int(new_w + 0.5)


def resize_image(image: np.ndarray, size_hw: tuple[int, int]) -> np.ndarray:
    """Resize an HxWx3 uint8 image with Pillow's bilinear filter, as detectron2 does.

    Pillow antialiases when shrinking; cv2 or torch interpolation give other pixels.
    The channel order is irrelevant to the filter (each channel is resized alone).
    """
    new_h, new_w = size_hw
    resized = Image.fromarray(np.ascontiguousarray(image)).resize((new_w, new_h), Image.BILINEAR)
    return np.asarray(resized)


class ImageTransform:
    """Turns RGB uint8 frames into the padded, normalised batch the network takes."""

    def __init__(self, min_size: int, max_size: int, pixel_mean: Sequence[float],
                 pixel_std: Sequence[float], input_format: str = "BGR") -> None:
        self.min_size = min_size
        self.max_size = max_size
        self.pixel_mean = torch.tensor(pixel_mean, dtype=torch.float32).view(3, 1, 1)
        self.pixel_std = torch.tensor(pixel_std, dtype=torch.float32).view(3, 1, 1)
        self.input_format = input_format

    def resize(self, rgb: np.ndarray) -> np.ndarray:
        """The resized image in the network's channel order (BGR for the reference), uint8."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected an HxWx3 uint8 RGB image, got {rgb.dtype} {rgb.shape}")
        # The program's images are RGB; the reference network was trained on BGR (INPUT.FORMAT).
        image = rgb[:, :, ::-1] if self.input_format == "BGR" else rgb
        size = resized_size(rgb.shape[0], rgb.shape[1], self.min_size, self.max_size)
        return resize_image(image, size)

    def to_chw(self, resized: np.ndarray, *, pin: bool = False) -> torch.Tensor:
        """A resized HWC uint8 image as the CHW uint8 tensor :meth:`batch_chw` takes; in
        page-locked memory with ``pin`` (a CUDA upload from it can overlap GPU work)."""
        chw = torch.from_numpy(np.ascontiguousarray(resized.transpose(2, 0, 1)))
        return chw.pin_memory() if pin else chw

    def batch(self, resized: Sequence[np.ndarray],
              device: torch.device | str = "cpu") -> tuple[torch.Tensor, list[tuple[int, int]]]:
        """Normalise each image, pad right/bottom with 0 to a common multiple of 32.

        Returns the (N, 3, H, W) float32 batch and each image's unpadded (h, w), like
        detectron2's ``ImageList.from_tensors``. Padding happens after normalisation, so the
        padded area is 0 in normalised space (README point 2).
        """
        return self.batch_chw([self.to_chw(im) for im in resized], device)

    def batch_chw(self, images: Sequence[torch.Tensor],
                  device: torch.device | str = "cpu") -> tuple[torch.Tensor, list[tuple[int, int]]]:
        """:meth:`batch` of CHW uint8 tensors (:meth:`to_chw`). The uint8 pixels go to the
        device (a quarter of the float bytes), are normalised there, and the copy does not
        wait for the device where the tensor is page-locked (same values either way)."""
        sizes = [(int(im.shape[1]), int(im.shape[2])) for im in images]
        pad_h = _round_up(max(h for h, _ in sizes), SIZE_DIVISIBILITY)
        pad_w = _round_up(max(w for _, w in sizes), SIZE_DIVISIBILITY)
        mean = self.pixel_mean.to(device)
        std = self.pixel_std.to(device)
        out = torch.zeros((len(images), 3, pad_h, pad_w), dtype=torch.float32, device=device)
        for i, image in enumerate(images):
            chw = image.to(device, non_blocking=True)
            h, w = sizes[i]
            out[i, :, :h, :w] = (chw.float() - mean) / std
        return out, sizes

    def __call__(self, images: Sequence[np.ndarray], device: torch.device | str = "cpu"
                 ) -> tuple[torch.Tensor, list[tuple[int, int]]]:
        return self.batch([self.resize(im) for im in images], device)


def _round_up(value: int, multiple: int) -> int:
    return (value + multiple - 1) // multiple * multiple


def boxes_to_original(boxes: torch.Tensor, resized_hw: tuple[int, int],
                      original_hw: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Scale boxes from resized to original pixels, clip, and drop empty ones.

    Returns the boxes kept and the boolean mask of which input rows were kept
    (detectron2's ``detector_postprocess``, README point 12).
    """
    scale_x = original_hw[1] / resized_hw[1]
    scale_y = original_hw[0] / resized_hw[0]
    out = boxes.clone()
    out[:, 0::2] *= scale_x
    out[:, 1::2] *= scale_y
    out[:, 0::2] = out[:, 0::2].clamp(min=0, max=original_hw[1])
    out[:, 1::2] = out[:, 1::2].clamp(min=0, max=original_hw[0])
    keep = (out[:, 2] > out[:, 0]) & (out[:, 3] > out[:, 1])
    return out[keep], keep
