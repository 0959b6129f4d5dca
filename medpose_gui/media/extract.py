"""`extract_frames`: write every frame of a video (or image folder) as an image file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import cv2

from .errors import Cancelled, MediaError
from .opener import open_media

JPEG_QUALITY = 95


def extract_frames(
    video_path: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    fmt: str = "jpg",
    progress: Callable[[int, int], object] | None = None,
    cancel: Callable[[], bool] | None = None,
    jpeg_quality: int = JPEG_QUALITY,
) -> list[Path]:
    """Write frame i as `out_dir/frame_{i:06d}.{fmt}` (RGB kept exactly, PNG lossless).

    progress(done, total) is called after each frame. cancel() is polled before each frame;
    when it returns True, `Cancelled` is raised, its `.written` listing the files already
    written (they stay on disk). Returns the written paths in frame order. Existing files of
    the same names are overwritten. Names come from `src.frame_name(i)`, so an image folder
    keeps its original stems.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt not in ("jpg", "png"):
        raise ValueError(f"fmt must be 'jpg' or 'png', got {fmt!r}")
    params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)] if fmt == "jpg" else []
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with open_media(video_path) as src:
        total = len(src)
        for i in range(total):
            if cancel is not None and cancel():
                raise Cancelled(
                    f"frame extraction from {src.path} cancelled after {i} of {total} frames",
                    written,
                )
            ok, buf = cv2.imencode(f".{fmt}", cv2.cvtColor(src[i], cv2.COLOR_RGB2BGR), params)
            path = out / f"{src.frame_name(i)}.{fmt}"
            if not ok:
                raise MediaError(f"{path}: could not encode frame {i} as {fmt}")
            try:
                buf.tofile(str(path))  # tofile: cv2.imwrite cannot write non-ASCII paths on Windows
            except OSError as e:
                raise MediaError(f"{path}: cannot write frame {i} ({e})") from e
            written.append(path)
            if progress is not None:
                progress(i + 1, total)
    return written
