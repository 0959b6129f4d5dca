"""Videos with known motion made from the detector fixture frame, and the run settings of
the fixture models, for the tests of the video tools (tracks, propagation).

The fixture detector has random weights, so its "persons" are whatever it finds in the
textured frame; they move with the image only where the network is shift-equivariant. A
frame 800 px high is not resized by the detector (shortest edge 800), and a shift by 32 px
(the stride of its coarsest feature maps but one) moves most of its boxes by exactly 32 px.
The pose model (a crop of the box) follows any whole-pixel shift exactly.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from medpose_gui.runs import RunSettings
from tests.gui.window_support import DETECTOR_CONFIG, DETECTOR_WEIGHTS, POSE_WEIGHTS, fixture_rgb

PAN_PX = 32  # per frame, to the right


def panning_frame(index: int, shift_px: int = PAN_PX) -> np.ndarray:
    """Frame ``index``: the 1280x800 scene rolled right by ``index * shift_px`` pixels."""
    base = fixture_rgb()
    scene = np.concatenate([base, base[:80]], axis=0)  # 1280 x 800: no detector resize
    return np.ascontiguousarray(np.roll(scene, index * shift_px, axis=1))


def make_panning_video(path: Path, n_frames: int, shift_px: int = PAN_PX, fps: int = 25) -> Path:
    """Lossless H.264 (crf 0, 4:4:4) of :func:`panning_frame` 0..n-1: decoded frames are
    exact rolls of each other (the colour conversion is per pixel)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps,
                                      options={"crf": "0", "preset": "ultrafast"})
        stream.width, stream.height = 1280, 800
        stream.pix_fmt = "yuv444p"
        for i in range(n_frames):
            frame = av.VideoFrame.from_ndarray(panning_frame(i, shift_px), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def fixture_run_settings(**changes) -> RunSettings:
    """The fixture detector + casualty pose model on the CPU, patients only."""
    values = {"detector": str(DETECTOR_WEIGHTS), "detector_config": str(DETECTOR_CONFIG),
              "pose": {"patient": str(POSE_WEIGHTS)}, "device": "cpu", "batch_size": 1}
    values.update(changes)
    return RunSettings(**values)
