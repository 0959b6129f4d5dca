"""Remembered user settings (QSettings): model files, thresholds, device, recent files.

Tests isolate settings by passing their own ``QSettings(path, QSettings.IniFormat)`` or by
setting the environment variable ``MEDPOSE_SETTINGS`` to an ini file path; otherwise the
platform's native store under organisation "medpose-gui" is used.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from PySide6.QtCore import QSettings

from medpose_gui.core.reference import (
    DETECTOR_CLASS_NAMES,
    REFERENCE_CATEGORIES,
    REFERENCE_SCORE_THRESHOLD,
    USER_CATEGORY,
)
from medpose_gui.runs.settings import RunSettings, pose_models

ORGANIZATION = "medpose-gui"
APPLICATION = "medpose-gui"
MAX_RECENT = 10
DEVICES = ("auto", "cpu", "cuda")
DEFAULT_DETECTION_THRESHOLD = REFERENCE_SCORE_THRESHOLD


@dataclass
class ModelSettings:
    """What the inference run needs to know; persisted under the "models/" group."""

    detector_weights: str = ""
    detector_config: str = ""  # optional detectron2 YAML
    pose_weights: str = ""  # casualty pose model (patients)
    user_pose_weights: str = ""  # optional user pose model (needed only to detect users)
    device: str = "auto"
    detection_threshold: float = DEFAULT_DETECTION_THRESHOLD
    categories: list[str] = field(default_factory=lambda: list(REFERENCE_CATEGORIES))  # detector classes kept
    batch_size: int = 0  # 0 = the device's default (4 on a GPU, 1 on the CPU)
    keypoint_threshold: float = 0.0  # points below it start ABSENT (still editable)

    def problems(self) -> list[str]:
        """Human-readable reasons the settings cannot run inference (empty when fine)."""
        out = []
        for label, value, required in (("Detector weights", self.detector_weights, True),
                                        ("Detector config", self.detector_config, False),
                                        ("Pose weights", self.pose_weights, True),
                                        ("User pose weights", self.user_pose_weights,
                                         USER_CATEGORY in self.categories)):
            if not value:
                if required:
                    out.append(f"{label}: no file chosen")
            elif not Path(value).is_file():
                out.append(f"{label}: file not found: {value}")
        if self.device not in DEVICES:
            out.append(f"Device must be one of {', '.join(DEVICES)}, not {self.device!r}")
        if not 0.0 <= self.detection_threshold <= 1.0:
            out.append("Detection threshold must be between 0 and 1")
        if self.batch_size < 0:
            out.append("Batch size must be at least 1 (or 0 for the device's default)")
        if not self.categories:
            out.append("Choose at least one category to detect")
        return out

    def run_settings(self) -> RunSettings:
        """These settings as the run service takes them (the user pose model serves the
        'user' category, the casualty model every other)."""
        # Every class's model, not only the kept ones': a drawn box may be of any category.
        pose = pose_models((*self.categories, *DETECTOR_CLASS_NAMES), self.pose_weights,
                           self.user_pose_weights)
        return RunSettings(
            detector=self.detector_weights, pose=pose,
            detector_config=self.detector_config or None, categories=tuple(self.categories),
            score_threshold=self.detection_threshold, keypoint_threshold=self.keypoint_threshold,
            device=self.device, batch_size=self.batch_size or None)

    def pose_only_problems(self) -> list[str]:
        """Problems that stop estimating a pose for a drawn box (only the pose model is used)."""
        if not self.pose_weights:
            return ["Pose weights: no file chosen (Inference > Models...)"]
        if not Path(self.pose_weights).is_file():
            return [f"Pose weights: file not found: {self.pose_weights}"]
        return []


def _to_bool(value: object) -> bool:
    # Ini files hand booleans back as the strings "true"/"false".
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


class AppSettings:
    """Typed access to the application's QSettings."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        if qsettings is None:
            env = os.environ.get("MEDPOSE_SETTINGS")
            if env:
                qsettings = QSettings(env, QSettings.Format.IniFormat)
            else:
                qsettings = QSettings(ORGANIZATION, APPLICATION)
        self.qsettings = qsettings

    # -- models -------------------------------------------------------------------
    def models(self) -> ModelSettings:
        s = self.qsettings
        defaults = ModelSettings()
        values: dict[str, object] = {}
        for f in fields(ModelSettings):
            raw = s.value(f"models/{f.name}", None)
            default = getattr(defaults, f.name)
            if raw is None:
                values[f.name] = default
            elif isinstance(default, float):
                values[f.name] = float(raw)
            elif isinstance(default, int):
                values[f.name] = int(raw)
            elif isinstance(default, list):
                values[f.name] = [raw] if isinstance(raw, str) else [str(v) for v in raw]
            else:
                values[f.name] = str(raw)
        return ModelSettings(**values)  # type: ignore[arg-type]

    def set_models(self, models: ModelSettings) -> None:
        for key, value in asdict(models).items():
            self.qsettings.setValue(f"models/{key}", value)
        self.qsettings.sync()

    # -- recent files -------------------------------------------------------------
    def recent_files(self) -> list[str]:
        raw = self.qsettings.value("recent_files", [])
        if isinstance(raw, str):
            raw = [raw] if raw else []
        return [str(p) for p in raw]

    def add_recent_file(self, path: str) -> list[str]:
        path = str(Path(path).resolve())
        recent = [p for p in self.recent_files() if p != path]
        recent.insert(0, path)
        recent = recent[:MAX_RECENT]
        self.qsettings.setValue("recent_files", recent)
        self.qsettings.sync()
        return recent

    # -- flags and misc -----------------------------------------------------------
    @property
    def first_run_done(self) -> bool:
        return _to_bool(self.qsettings.value("first_run_done", False))

    def mark_first_run_done(self) -> None:
        self.qsettings.setValue("first_run_done", True)
        self.qsettings.sync()

    def last_directory(self) -> str:
        return str(self.qsettings.value("last_directory", ""))

    def set_last_directory(self, path: str) -> None:
        self.qsettings.setValue("last_directory", path)

    def window_state(self) -> tuple[object, object]:
        return self.qsettings.value("window/geometry"), self.qsettings.value("window/state")

    def set_window_state(self, geometry: object, state: object) -> None:
        self.qsettings.setValue("window/geometry", geometry)
        self.qsettings.setValue("window/state", state)
        self.qsettings.sync()

    def low_confidence_threshold(self) -> float:
        """Mean keypoint score under which 'next low-confidence frame' (L) stops."""
        return float(self.qsettings.value("review/low_confidence", 0.5))
