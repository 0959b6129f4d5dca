"""Videos with known motion made from the in-repository scene (:mod:`tests.scene`), and the run
settings of the fixture models, for the tests of the video tools (tracks, propagation).

The fixture detector has random weights, so its "persons" are whatever it finds in the
textured frame; they move with the image only where the network is shift-equivariant. A
frame 800 px high is not resized by the detector (shortest edge 800), and a shift by 32 px
(the stride of its coarsest feature maps but one) moves most of its boxes by exactly 32 px.
The pose model (a crop of the box) follows any whole-pixel shift exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from medpose_gui.runs import RunSettings
from tests.fixture_paths import CASUALTY_WEIGHTS as POSE_WEIGHTS
from tests.fixture_paths import DETECTOR_CONFIG, DETECTOR_WEIGHTS
from tests.scene import make_scene_video, scene_rgb

PAN_PX = 32  # per frame, to the right
SIZE = (1280, 800)  # 800 high: the detector does not resize it


def panning_frame(index: int, shift_px: int = PAN_PX) -> np.ndarray:
    """Frame ``index``: the 1280x800 scene rolled right by ``index * shift_px`` pixels."""
    return np.ascontiguousarray(np.roll(scene_rgb(*SIZE), index * shift_px, axis=1))


def make_panning_video(path: Path, n_frames: int, shift_px: int = PAN_PX, fps: int = 25) -> Path:
    """Lossless H.264 of :func:`panning_frame` 0..n-1 (exact rolls of each other)."""
    return make_scene_video(path, n_frames, shift_px, SIZE, fps)


def fixture_run_settings(**changes) -> RunSettings:
    """The fixture detector + casualty pose model on the CPU, patients only."""
    values = {"detector": str(DETECTOR_WEIGHTS), "detector_config": str(DETECTOR_CONFIG),
              "pose": {"patient": str(POSE_WEIGHTS)}, "device": "cpu", "batch_size": 1}
    values.update(changes)
    return RunSettings(**values)
