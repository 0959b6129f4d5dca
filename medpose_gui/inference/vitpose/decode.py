"""Heatmaps -> keypoints as the reference decodes them (UDP + DARK refinement, ``post_dark_udp``).

Pure numpy/OpenCV. See fixtures/vitpose/README.md, "Reproducing the reference without
mmpose", items 6-7: score before the blur, 11x11 Gaussian blur with OpenCV's default border,
log, edge padding, the reference's own ``dxy`` formula, one Newton step, UDP back-projection.
"""

from __future__ import annotations

import cv2
import numpy as np

# mmpose post_dark_udp: heatmaps are clipped to [0.001, 50] before the log.
LOG_CLIP = (0.001, 50.0)
# mmpose post_dark_udp regularises the Hessian with float32's machine epsilon.
HESSIAN_EPS = float(np.finfo(np.float32).eps)


def flip_back_heatmaps(flipped: np.ndarray, flip_pairs: tuple[tuple[int, int], ...],
                       shift: bool = False) -> np.ndarray:
    """Heatmaps of the mirrored input -> heatmaps of the original (mmpose ``flip_back``).

    Channels of each flip pair are exchanged and the maps mirrored along the width; with
    ``shift`` (``test_cfg.shift_heatmap``) the result moves one pixel right, as mmpose does.
    """
    out = flipped.copy()
    for left, right in flip_pairs:
        out[:, [left, right]] = flipped[:, [right, left]]
    out = out[..., ::-1].copy()
    if shift:
        out[..., 1:] = out[..., :-1].copy()
    return out


def heatmap_peaks(heatmaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer peak (x, y) per channel as float32 (N, K, 2), and its value (N, K) float32.

    The first maximum in row-major order; a channel whose maximum is <= 0 gets (-1, -1).
    """
    n, k, h, w = heatmaps.shape
    flat = heatmaps.reshape(n, k, h * w)
    index = np.argmax(flat, axis=2)
    maxvals = np.take_along_axis(flat, index[..., None], axis=2)[..., 0].astype(np.float32)
    coords = np.stack([index % w, index // w], axis=-1).astype(np.float32)
    coords[maxvals <= 0.0] = -1.0
    return coords, maxvals


def refine_dark_udp(coords: np.ndarray, heatmaps: np.ndarray, kernel: int) -> np.ndarray:
    """One Newton step on the blurred log heatmap around each integer peak (float32 (N, K, 2))."""
    n, k, h, w = heatmaps.shape
    logs = np.empty_like(heatmaps, dtype=np.float32)
    for i in range(n):
        for j in range(k):
            # OpenCV derives sigma 2.0 from the 11x11 size; default border BORDER_REFLECT_101.
            logs[i, j] = cv2.GaussianBlur(heatmaps[i, j].astype(np.float32), (kernel, kernel), 0)
    np.clip(logs, *LOG_CLIP, out=logs)
    np.log(logs, out=logs)
    flat = np.pad(logs, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="edge").reshape(-1)
    row = w + 2
    # Flat index of each peak in the padded maps. A (-1, -1) peak lands on the pad corner and
    # its upper neighbours index the previous map (or wrap to the end), as in the reference.
    base = (coords[..., 0].astype(np.int64) + 1 + (coords[..., 1].astype(np.int64) + 1) * row
            + (h + 2) * row * np.arange(n * k, dtype=np.int64).reshape(n, k))
    centre = flat[base]
    right, left = flat[base + 1], flat[base - 1]
    down, up = flat[base + row], flat[base - row]
    down_right, up_left = flat[base + row + 1], flat[base - row - 1]
    dx = 0.5 * (right - left)
    dy = 0.5 * (down - up)
    dxx = right - 2 * centre + left
    dyy = down - 2 * centre + up
    # The reference's mixed derivative (not the four-corner formula), in its order of terms.
    dxy = 0.5 * (down_right - right - down + centre + centre - left - up + up_left)
    hessian = np.stack([np.stack([dxx, dxy], -1), np.stack([dxy, dyy], -1)], -2)
    inverse = np.linalg.inv(hessian + HESSIAN_EPS * np.eye(2))
    step = np.einsum("nkij,nkj->nki", inverse, np.stack([dx, dy], -1))
    return (coords - step).astype(np.float32)


def heatmap_to_image(coords: np.ndarray, centers: np.ndarray, scales_px: np.ndarray,
                     heatmap_size_wh: tuple[int, int]) -> np.ndarray:
    """UDP back-projection: heatmap pixel -> image pixel (divide by size - 1, not size)."""
    coords = coords.astype(np.float64)
    size = np.asarray(scales_px, dtype=np.float64)[:, None, :]
    centre = np.asarray(centers, dtype=np.float64)[:, None, :]
    units = np.array([heatmap_size_wh[0] - 1.0, heatmap_size_wh[1] - 1.0])
    return (coords * size / units + centre - 0.5 * size).astype(np.float32)


def decode_heatmaps(heatmaps: np.ndarray, centers: np.ndarray, scales_px: np.ndarray,
                    kernel: int) -> np.ndarray:
    """(N, K, h, w) heatmaps -> (N, K, 3) float32 keypoints x, y, score in image pixels."""
    heatmaps = np.asarray(heatmaps, dtype=np.float32)
    n, k, h, w = heatmaps.shape
    coords, maxvals = heatmap_peaks(heatmaps)  # the score is taken before any blur
    if n == 0:
        return np.zeros((0, k, 3), dtype=np.float32)
    coords = refine_dark_udp(coords, heatmaps, kernel)
    xy = heatmap_to_image(coords, centers, scales_px, (w, h))
    return np.concatenate([xy, maxvals[..., None]], axis=-1).astype(np.float32)
