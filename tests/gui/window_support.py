"""Helpers for tests that drive the real main window (real media, project, models)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import av  # noqa: E402
import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from medpose_gui.model_registry import DATA_DIR_ENV, LocalModel, ModelRegistry  # noqa: E402
from medpose_gui.model_registry.selection import CONFIG_KEY  # noqa: E402
from tests.fixture_paths import (  # noqa: E402
    CASUALTY_WEIGHTS,
    DETECTOR_CONFIG,
    DETECTOR_WEIGHTS,
    DETECTRON2,
    need_full,
)

POSE_WEIGHTS = CASUALTY_WEIGHTS
FIXTURE_FRAME = DETECTRON2 / "images" / "frame_1280x720.png"


def fixture_rgb() -> np.ndarray:
    """The detector fixture frame (1280x720, astronaut on texture) as RGB."""
    need_full()  # the frame is in the full set only
    bgr = cv2.imread(str(FIXTURE_FRAME))
    assert bgr is not None, f"missing fixture {FIXTURE_FRAME}"
    return np.ascontiguousarray(bgr[:, :, ::-1])


def make_fixture_video(path: Path, n_frames: int, fps: int = 25) -> Path:
    """A video whose frames are the fixture frame, shifted by a few pixels per frame.

    Lossless H.264 (crf 0, 4:4:4) so the fixture detector still finds its boxes at 0.8.
    """
    base = fixture_rgb()
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps,
                                      options={"crf": "0", "preset": "ultrafast"})
        stream.width, stream.height = base.shape[1], base.shape[0]
        stream.pix_fmt = "yuv444p"
        for i in range(n_frames):
            frame = np.roll(base, 4 * i, axis=1)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def register_models(data_dir: Path | None = None, *, detector: str = str(DETECTOR_WEIGHTS),
                    detector_config: str = str(DETECTOR_CONFIG), pose: str = str(POSE_WEIGHTS),
                    user_pose: str = "") -> ModelRegistry:
    """Record model files in the registry (``data_dir``, default ``$MEDPOSE_DATA_DIR``) and
    choose them for runs, as Inference › Models… would. Not checked with the loaders (fast;
    a test may register a broken file on purpose); "" leaves a role empty."""
    registry = ModelRegistry(None if data_dir is None else Path(data_dir) / "models")
    chosen = {CONFIG_KEY: detector_config}
    for role, kind, name, path in (("detector", "detector", "partial-body-detector", detector),
                                   ("pose", "pose", "casualty-pose", pose),
                                   ("user_pose", "pose", "user-pose", user_pose)):
        if path:
            size = Path(path).stat().st_size if Path(path).exists() else 0
            registry.record(LocalModel(name=name, kind=kind, path=str(Path(path).resolve()),
                                       sha256="", size=size))
        chosen[role] = name if path else ""
    registry.set_chosen(chosen)
    return registry


def make_settings(tmp_path: Path, *, device: str = "cpu", first_run_done: bool = True,
                  **models: object) -> QSettings:
    """Isolated ini settings (run preferences) and the fixture models chosen in the registry
    of ``$MEDPOSE_DATA_DIR`` (set to ``tmp_path/data`` when unset, as the tests' autouse
    fixture does); every field overridable (``pose_weights=""``: no pose model)."""
    os.environ.setdefault(DATA_DIR_ENV, str(tmp_path / "data"))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    values = {"detector_weights": str(DETECTOR_WEIGHTS), "detector_config": str(DETECTOR_CONFIG),
              "pose_weights": str(POSE_WEIGHTS), "user_pose_weights": "", "device": device,
              "detection_threshold": 0.8, "categories": ["patient"], "batch_size": 2}
    values.update(models)
    register_models(detector=str(values.pop("detector_weights")),
                    detector_config=str(values.pop("detector_config")),
                    pose=str(values.pop("pose_weights")),
                    user_pose=str(values.pop("user_pose_weights")))
    for key, value in values.items():
        settings.setValue(f"models/{key}", value)
    settings.setValue("first_run_done", first_run_done)
    settings.sync()
    return settings


def wait_frame(qtbot, window, index: int, timeout: int = 30000) -> None:
    """Wait until frame ``index`` is shown (generous: models loading beside it on a busy
    2-core machine can hold the GUI thread back for seconds)."""
    qtbot.waitUntil(lambda: window.current_frame == index
                    and window.frame_view.image_size is not None, timeout=timeout)
