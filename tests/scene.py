"""A 1280-wide test scene made from the in-repository fixture image: the astronaut (a person
for the fixture models) pasted on a deterministic texture, as the full set's
frame_1280x720.png is made. Every clone has it (``tests/fixtures_min``), so the tests of the
video tools run without the full reference set."""

from __future__ import annotations

import functools

import cv2
import numpy as np

from tests.fixture_paths import IMAGE

PERSON_AT = (704, 150)  # where the 512x512 astronaut is pasted (x0, y0), as in the full set


@functools.lru_cache(maxsize=4)
def _scene(width: int, height: int) -> np.ndarray:
    rng = np.random.default_rng(20240611)
    coarse = rng.uniform(40, 215, (height // 16 + 2, width // 16 + 2, 3)).astype(np.float32)
    texture = cv2.resize(coarse, (width + 32, height + 32), interpolation=cv2.INTER_CUBIC)
    texture = texture[16:16 + height, 16:16 + width]
    fine = rng.normal(0, 12, (height, width, 3)).astype(np.float32)
    frame = np.clip(texture + fine, 0, 255).astype(np.uint8)
    bgr = cv2.imread(str(IMAGE))
    assert bgr is not None, f"missing fixture {IMAGE}"
    x0, y0 = PERSON_AT
    frame[y0:y0 + 512, x0:x0 + 512] = bgr[:, :, ::-1]
    frame.flags.writeable = False
    return frame


def scene_rgb(width: int = 1280, height: int = 720) -> np.ndarray:
    """The scene as RGB uint8 (height x width x 3); the same array every call (read-only)."""
    return _scene(width, height)


def make_scene_video(path, n_frames: int, shift_px: int = 4, size: tuple[int, int] = (1280, 720),
                     fps: int = 25):
    """Lossless H.264 (crf 0, 4:4:4) of the scene rolled right ``shift_px`` per frame: decoded
    frames are exact rolls of each other (the colour conversion is per pixel)."""
    return write_panning_video(path, scene_rgb(*size), n_frames, shift_px, fps,
                               options={"crf": "0", "preset": "ultrafast"}, pix_fmt="yuv444p")


def write_panning_video(path, base: np.ndarray, n_frames: int, shift_px: int, fps=25, *,
                        options: dict[str, str], pix_fmt: str):
    """H.264 of the RGB image ``base`` rolled ``shift_px`` to the right per frame (negative:
    to the left), with the encoder ``options`` and ``pix_fmt`` given."""
    import av

    height, width = base.shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps, options=options)
        stream.width, stream.height = width, height
        stream.pix_fmt = pix_fmt
        for i in range(n_frames):
            frame = np.ascontiguousarray(np.roll(base, shift_px * i, axis=1))
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path
