"""Top-down preprocessing of the reference: box -> centre/scale -> UDP warp -> normalised crop.

Pure numpy/OpenCV functions, written once here (the pipeline and the GUI reuse them). The
float32 roundings and OpenCV 4.x's fixed-point ``warpAffine`` are part of the recipe; see
fixtures/vitpose/README.md, "Reproducing the reference without mmpose", items 1-3.
"""

from __future__ import annotations

import cv2
import numpy as np

# mmpose expresses box scale in units of 200 px (``_box2cs``: scale = w / 200).
PIXEL_STD = 200.0
# mmpose ``_box2cs``: the box is enlarged by 1.25 around its centre.
BOX_PADDING = 1.25


def boxes_to_center_scale(boxes_xyxy: np.ndarray, image_size_wh: tuple[int, int]
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Reference ``_xyxy2xywh`` + ``_box2cs``: per box a float32 centre and scale (200 px units).

    Extra columns (a detector score) are ignored. The arithmetic runs in float64 on the given
    values, then rounds to float32 where the reference does.
    """
    boxes = check_boxes(boxes_xyxy)
    x1, y1 = boxes[:, 0], boxes[:, 1]
    # _xyxy2xywh: width and height count pixels inclusively (+1), even for continuous boxes.
    w = boxes[:, 2] - x1 + 1
    h = boxes[:, 3] - y1 + 1
    centers = np.stack([x1 + w * 0.5, y1 + h * 0.5], axis=1).astype(np.float32)
    aspect = image_size_wh[0] / image_size_wh[1]
    wider = w > aspect * h
    taller = w < aspect * h
    h = np.where(wider, w / aspect, h)
    w = np.where(taller, h * aspect, w)
    scales = np.stack([w / PIXEL_STD, h / PIXEL_STD], axis=1).astype(np.float32)
    scales = scales * np.float32(BOX_PADDING)  # float32 product, as the reference
    return centers, scales


def scale_to_pixels(scales: np.ndarray) -> np.ndarray:
    """Crop size in image pixels, float32 (the reference's ``scale * 200``)."""
    return np.asarray(scales, dtype=np.float32) * np.float32(PIXEL_STD)


def udp_warp_matrices(centers: np.ndarray, scales: np.ndarray,
                      image_size_wh: tuple[int, int]) -> np.ndarray:
    """UDP affine matrices (N, 2, 3) float32 mapping each box region onto the input crop.

    ``get_warp_matrix(0, 2 * center, image_size - 1, scale * 200)``: image x = cx - sw/2 ..
    cx + sw/2 maps to crop x = 0 .. w-1 pixel centre to pixel centre (likewise y); computed in
    float64 from the float32 centre and size, stored as float32.
    """
    centers = np.asarray(centers, dtype=np.float32).astype(np.float64)
    size_px = scale_to_pixels(scales).astype(np.float64)
    sx = (image_size_wh[0] - 1.0) / size_px[:, 0]
    sy = (image_size_wh[1] - 1.0) / size_px[:, 1]
    matrices = np.zeros((len(centers), 2, 3), dtype=np.float64)
    matrices[:, 0, 0] = sx
    matrices[:, 0, 2] = sx * (0.5 * size_px[:, 0] - centers[:, 0])
    matrices[:, 1, 1] = sy
    matrices[:, 1, 2] = sy * (0.5 * size_px[:, 1] - centers[:, 1])
    return matrices.astype(np.float32)


def warp_crops(rgb: np.ndarray, matrices: np.ndarray,
               image_size_wh: tuple[int, int]) -> np.ndarray:
    """Crops (N, h, w, 3) uint8 by OpenCV 4.x bilinear ``warpAffine``, black outside the image."""
    w, h = image_size_wh
    crops = np.empty((len(matrices), h, w, 3), dtype=np.uint8)
    for i, matrix in enumerate(matrices):
        crops[i] = cv2.warpAffine(rgb, matrix, (w, h), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return crops


def normalise_crops(crops: np.ndarray, mean: tuple[float, ...],
                    std: tuple[float, ...]) -> np.ndarray:
    """uint8 (N, h, w, 3) RGB -> float32 (N, 3, h, w): ``(crop / 255 - mean) / std``.

    Same float32 operations as torchvision's ``to_tensor`` + ``normalize`` in the reference.
    """
    x = crops.astype(np.float32) / np.float32(255.0)
    x = (x - np.asarray(mean, dtype=np.float32)) / np.asarray(std, dtype=np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def check_rgb_image(rgb: np.ndarray) -> np.ndarray:
    """The image contract of the estimator: H x W x 3 uint8 RGB."""
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an H x W x 3 uint8 RGB image, got {rgb.dtype} {rgb.shape}")
    return np.ascontiguousarray(rgb)


def check_boxes(boxes_xyxy: np.ndarray) -> np.ndarray:
    """Boxes (N, >=4) x1, y1, x2, y2[, score] as float64; (0, 4) for no boxes."""
    boxes = np.asarray(boxes_xyxy, dtype=np.float64)
    if boxes.size == 0:
        return np.zeros((0, 4), dtype=np.float64)
    if boxes.ndim == 1:
        boxes = boxes[None]
    if boxes.ndim != 2 or boxes.shape[1] < 4:
        raise ValueError(f"expected boxes of shape (N, 4) or (N, 5), got {boxes.shape}")
    if not np.isfinite(boxes[:, :4]).all():
        raise ValueError("boxes contain NaN or infinite coordinates")
    return boxes
