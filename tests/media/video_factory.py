"""Generate test media whose frames carry their own index, robustly under lossy compression.

Each frame shows a row band of 16 big black/white blocks (8 columns x 2 rows in the top 40 % of
the frame): bits 0-11 are the frame index, bits 12-15 a checksum of it. `read_index` thresholds
the mean of the centre of each block, so a decoded frame names itself even after H.264 / MPEG-4 /
MJPEG compression; a block whose mean is neither clearly dark nor clearly bright (a blended or
half-decoded frame) or a checksum mismatch raises instead of returning a wrong index.

Used by tests/media and by other packages' tests:

    from tests.media.video_factory import make_indexed_video, read_index, make_frame_folder
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

INDEX_BITS = 12
CHECK_BITS = 4
MAX_INDEX = (1 << INDEX_BITS) - 1
_COLS, _ROWS = 8, 2
_BAND = 0.4  # fraction of the frame height holding the blocks
_CODECS = {"h264": "libx264", "hevc": "libx265", "mpeg4": "mpeg4", "mjpeg": "mjpeg"}


def _checksum(index: int) -> int:
    """4-bit checksum: sum of the three index nibbles, xor a constant (so index 0 is not all black)."""
    return ((index & 0xF) + ((index >> 4) & 0xF) + ((index >> 8) & 0xF) ^ 0b1010) & 0xF


def _blocks(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """Pixel rectangles (x0, y0, x1, y1) of the 16 bit blocks, bit 0 first."""
    band_h = int(height * _BAND)
    rects = []
    for k in range(_COLS * _ROWS):
        r, c = divmod(k, _COLS)
        rects.append(
            (
                c * width // _COLS,
                r * band_h // _ROWS,
                (c + 1) * width // _COLS,
                (r + 1) * band_h // _ROWS,
            )
        )
    return rects


def render_index_frame(
    index: int, size: tuple[int, int], texture: np.ndarray | None = None
) -> np.ndarray:
    """RGB uint8 frame (H, W, 3) showing `index`; below the band mid-grey or the given texture."""
    if not 0 <= index <= MAX_INDEX:
        raise ValueError(f"index {index} does not fit in {INDEX_BITS} bits")
    width, height = size
    frame = np.full((height, width, 3), 128, np.uint8)
    if texture is not None:
        band_h = int(height * _BAND)
        frame[band_h:] = texture[: height - band_h, :width]
    word = index | (_checksum(index) << INDEX_BITS)
    for bit, (x0, y0, x1, y1) in enumerate(_blocks(width, height)):
        frame[y0:y1, x0:x1] = 255 if (word >> bit) & 1 else 0
    return frame


def read_index(frame: np.ndarray) -> int:
    """Index shown by a frame made by `render_index_frame` (after lossy coding); ValueError if unclear."""
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"expected an HxWx3 uint8 frame, got {frame.shape} {frame.dtype}")
    height, width = frame.shape[:2]
    word = 0
    for bit, (x0, y0, x1, y1) in enumerate(_blocks(width, height)):
        # centre half of the block only: edges blur into neighbours under compression
        dx, dy = (x1 - x0) // 4, (y1 - y0) // 4
        mean = float(frame[y0 + dy : y1 - dy, x0 + dx : x1 - dx].mean())
        if 64 <= mean <= 192:
            raise ValueError(f"bit block {bit} is ambiguous (mean {mean:.0f}): not an index frame")
        word |= int(mean > 128) << bit
    index = word & MAX_INDEX
    if word >> INDEX_BITS != _checksum(index):
        raise ValueError(f"index checksum mismatch (word {word:#06x})")
    return index


def vfr_pts(n_frames: int, seed: int = 7) -> list[int]:
    """Irregular, strictly increasing millisecond timestamps (jumps from 10 ms to 250 ms)."""
    rng = np.random.default_rng(seed)
    steps = rng.choice([10, 17, 33, 40, 66, 100, 250], size=n_frames)
    steps[0] = 0
    return np.cumsum(steps).astype(int).tolist()


def make_indexed_video(
    path: str | Path,
    n_frames: int,
    codec: str = "h264",
    size: tuple[int, int] = (320, 240),
    fps: int = 25,
    gop: int = 60,
    bframes: int = 2,
    vfr: bool = False,
    textured: bool = False,
    rotation: int = 0,
) -> Path:
    """Write a video whose frame i shows index i; the container follows the file extension.

    codec: "h264" (libx264), "hevc" (libx265), "mpeg4" or "mjpeg" (intra only: gop/bframes
    ignored). vfr=True stamps frames with irregular pts (`vfr_pts`) on a 1/1000 time base.
    textured=True fills the rest of the frame with moving noise so the bitrate and decode cost
    look like camera footage (for benchmarks). rotation: display rotation (degrees
    counter-clockwise) stored as the stream's display matrix, as phones do.
    """
    path = Path(path)
    width, height = size
    rng = np.random.default_rng(0)
    texture = None
    if textured:
        # smooth-ish noise twice the frame size; a moving window of it gives motion
        base = rng.integers(0, 256, (height // 4 + 1, width // 2 + 1, 3), dtype=np.uint8)
        texture = np.repeat(np.repeat(base, 4, axis=0), 4, axis=1)
    pts = vfr_pts(n_frames) if vfr else list(range(n_frames))
    time_base = Fraction(1, 1000) if vfr else Fraction(1, fps)
    with av.open(str(path), "w") as container:
        options: dict[str, str] = {}
        if codec in ("h264", "hevc"):
            options = {
                "g": str(gop),
                "bf": str(bframes),
                "preset": "ultrafast" if textured else "veryfast",
            }
            if codec == "h264":
                options["x264-params"] = (
                    f"keyint={gop}:min-keyint={gop}:bframes={bframes}:b-adapt=0:scenecut=0"
                )
            else:
                options["x265-params"] = (
                    f"keyint={gop}:min-keyint={gop}:bframes={bframes}:b-adapt=0:scenecut=0:log-level=error"
                )
        stream = container.add_stream(_CODECS[codec], rate=fps, options=options)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        if rotation:
            stream.set_display_rotation(rotation)
        if codec == "mpeg4":
            stream.codec_context.gop_size = gop
            stream.codec_context.max_b_frames = bframes
            stream.codec_context.bit_rate = 2_000_000
        if codec == "mjpeg":
            stream.codec_context.qmin, stream.codec_context.qmax = 2, 8
        for i in range(n_frames):
            tex = None
            if texture is not None:
                shift = (i * 3) % (texture.shape[1] - width)
                tex = texture[:, shift : shift + width]
            frame = av.VideoFrame.from_ndarray(render_index_frame(i, size, tex), format="rgb24")
            frame.pts = pts[i]
            frame.time_base = time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def make_frame_folder(
    directory: str | Path,
    n: int,
    ext: str = "png",
    size: tuple[int, int] = (160, 120),
    prefix: str = "frame_",
) -> list[Path]:
    """Write n index images named `{prefix}{i}.{ext}` (no zero padding, to test natural sort)."""
    import cv2  # local: only needed for image folders

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = directory / f"{prefix}{i}.{ext}"
        bgr = cv2.cvtColor(render_index_frame(i, size), cv2.COLOR_RGB2BGR)
        ok, buf = cv2.imencode(f".{ext}", bgr)
        if not ok:
            raise RuntimeError(f"cannot encode .{ext}")
        buf.tofile(str(p))
        paths.append(p)
    return paths
