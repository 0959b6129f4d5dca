"""`FrameSource`: the contract every media source keeps (video file or image folder)."""

from __future__ import annotations

import operator
from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType

import numpy as np


class FrameSource(ABC):
    """Random access to the frames of one media item.

    `len(src)` is the number of decodable frames, `src[i]` is exactly frame i as an
    H x W x 3 uint8 RGB array, `src.size` is (width, height), `src.fps` a float,
    `src.timestamps` the time of each frame in seconds (frame 0 at 0.0).
    Negative or out-of-range indices raise IndexError (no Python-style wrap-around: a
    frame index is a frame number, and -1 is almost always a bug in the caller).
    """

    path: Path

    @abstractmethod
    def __len__(self) -> int: ...

    @property
    @abstractmethod
    def fps(self) -> float: ...

    @property
    @abstractmethod
    def size(self) -> tuple[int, int]: ...

    @property
    @abstractmethod
    def timestamps(self) -> np.ndarray: ...

    @abstractmethod
    def frame_name(self, index: int) -> str:
        """A file-name stem for exporting frame `index` ("frame_000012", or the image's stem)."""

    @abstractmethod
    def _read(self, index: int) -> np.ndarray:
        """Frame `index` (already range-checked)."""

    @abstractmethod
    def close(self) -> None:
        """Release files and decoders; further reads raise MediaError."""

    def check_index(self, index: int) -> int:
        """`index` as an int; IndexError when it is not in [0, len)."""
        i = operator.index(index)
        n = len(self)
        if not 0 <= i < n:
            raise IndexError(f"frame {i} out of range: {self.path} has {n} frames (0..{n - 1})")
        return i

    def __getitem__(self, index: int) -> np.ndarray:
        return self._read(self.check_index(index))

    def get(self, index: int) -> np.ndarray:
        """Same as `src[index]`."""
        return self[index]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        w, h = self.size
        return f"{type(self).__name__}({str(self.path)!r}, frames={len(self)}, size={w}x{h}, fps={self.fps:.3f})"
