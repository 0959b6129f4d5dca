"""`ImageFolderSource`: a folder of still images read as a video, in natural name order."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import MediaError
from .source import FrameSource

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff"})
DEFAULT_FOLDER_FPS = 30.0

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple:
    """Sort key that orders embedded numbers by value: frame_2 < frame_10 (case-insensitive)."""
    parts = _DIGITS.split(name.lower())
    # even positions are text, odd positions digit runs; (0, text) / (1, number) keeps the
    # tuple comparable whatever mix of text and numbers two names have
    return tuple((1, int(p), p) if k % 2 else (0, p, "") for k, p in enumerate(parts)) + (name,)


def list_images(folder: Path) -> list[Path]:
    """Image files directly in `folder` (by extension, case-insensitive), naturally sorted."""
    files = [
        p
        for p in folder.iterdir()
        if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file() and not p.name.startswith(".")
    ]
    return sorted(files, key=lambda p: natural_key(p.name))


class ImageFolderSource(FrameSource):
    """Frames = the images of one folder, naturally sorted by name.

    At open time every image's header is read with Pillow (cheap: no pixel decoding): an image
    whose header cannot be read, or whose size differs from the first image's, raises
    MediaError naming that file. Pixel data is decoded on access (OpenCV); an image whose
    pixels turn out unreadable then raises MediaError naming it. EXIF orientation is ignored
    (pixels are used as stored, matching the header size), so coordinates are those of the file.
    """

    def __init__(self, folder: str | Path, fps: float = DEFAULT_FOLDER_FPS) -> None:
        self.path = Path(folder)
        if not self.path.is_dir():
            raise MediaError(f"{self.path}: not a folder")
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self._files = list_images(self.path)
        if not self._files:
            exts = ", ".join(sorted(IMAGE_EXTENSIONS))
            raise MediaError(f"{self.path}: folder has no images ({exts})")
        self._size = self._check_headers()
        self._fps = float(fps)
        self._closed = False

    def _check_headers(self) -> tuple[int, int]:
        size: tuple[int, int] | None = None
        for f in self._files:
            try:
                with Image.open(f) as im:
                    s = im.size
            except (UnidentifiedImageError, OSError, ValueError) as e:
                raise MediaError(f"{f}: not a readable image ({e})") from e
            if size is None:
                size = s
            elif s != size:
                raise MediaError(
                    f"{f}: image size {s[0]}x{s[1]} differs from {self._files[0].name} "
                    f"({size[0]}x{size[1]}); all images of a folder must have one size"
                )
        assert size is not None
        return size

    @property
    def files(self) -> list[Path]:
        """The image files, in frame order."""
        return list(self._files)

    def __len__(self) -> int:
        return len(self._files)

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def size(self) -> tuple[int, int]:
        return self._size

    @property
    def timestamps(self) -> np.ndarray:
        return np.arange(len(self._files), dtype=np.float64) / self._fps

    def frame_name(self, index: int) -> str:
        return self._files[self.check_index(index)].stem

    def _read(self, index: int) -> np.ndarray:
        if self._closed:
            raise MediaError(f"{self.path}: source is closed")
        f = self._files[index]
        try:
            # fromfile + imdecode: cv2.imread cannot open non-ASCII paths on Windows
            data = np.fromfile(str(f), dtype=np.uint8)
        except OSError as e:
            raise MediaError(f"{f}: cannot read image file ({e})") from e
        bgr = cv2.imdecode(data, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
        if bgr is None:
            raise MediaError(f"{f}: image data cannot be decoded (corrupt or unsupported)")
        h, w = bgr.shape[:2]
        if (w, h) != self._size:
            raise MediaError(
                f"{f}: decoded size {w}x{h} differs from the folder's {self._size[0]}x{self._size[1]}"
            )
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        self._closed = True
