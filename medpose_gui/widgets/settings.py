"""Remembered user settings: thresholds, device, categories, recent files (QSettings), and
the model files, which come from the model registry.

Which model files run is the model registry's answer
(:func:`medpose_gui.model_registry.default_model_files`), the same for the window and
``medpose-gui infer``: :meth:`AppSettings.models` reads it, :meth:`AppSettings.set_models`
records the chosen registry names there. Only the window's own run preferences live in
QSettings. Tests isolate settings by passing their own ``QSettings(path,
QSettings.IniFormat)`` or by setting the environment variable ``MEDPOSE_SETTINGS`` to an ini
file path; otherwise the platform's native store under organisation "medpose-gui" is used;
the registry by ``$MEDPOSE_DATA_DIR``.
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
from medpose_gui.model_registry import (
    DETECTOR_ROLE,
    POSE_ROLE,
    USER_POSE_ROLE,
    ModelRegistry,
    ModelRegistryError,
    choose,
    default_model_files,
)
from medpose_gui.model_registry.selection import CONFIG_KEY
from medpose_gui.runs.settings import RunSettings, pose_models

ORGANIZATION = "medpose-gui"
APPLICATION = "medpose-gui"
MAX_RECENT = 10
DEVICES = ("auto", "cpu", "cuda")
DEFAULT_DETECTION_THRESHOLD = REFERENCE_SCORE_THRESHOLD


# ModelSettings fields that come from the model registry, not from QSettings.
REGISTRY_FIELDS = ("detector_weights", "detector_config", "pose_weights", "user_pose_weights",
                   "detector_model", "pose_model", "user_pose_model", "registry_error")
# Keys under which versions before the registry kept model paths in QSettings.
LEGACY_FILE_KEYS = {DETECTOR_ROLE: "models/detector_weights", POSE_ROLE: "models/pose_weights",
                    USER_POSE_ROLE: "models/user_pose_weights",
                    CONFIG_KEY: "models/detector_config"}


@dataclass
class ModelSettings:
    """What the inference run needs to know: the model files (from the model registry) and
    the window's run preferences (QSettings "models/" group)."""

    detector_weights: str = ""
    detector_config: str = ""  # optional detectron2 YAML
    pose_weights: str = ""  # casualty pose model (patients)
    user_pose_weights: str = ""  # optional user pose model (needed only to detect users)
    device: str = "auto"
    detection_threshold: float = DEFAULT_DETECTION_THRESHOLD
    categories: list[str] = field(default_factory=lambda: list(REFERENCE_CATEGORIES))  # detector classes kept
    batch_size: int = 0  # 0 = the device's default (4 on a GPU, 1 on the CPU)
    keypoint_threshold: float = 0.0  # points below it start ABSENT (still editable)
    # Registry names of the files above ("" = none); what Models... chooses among.
    detector_model: str = ""
    pose_model: str = ""
    user_pose_model: str = ""
    registry_error: str = ""  # the registry file could not be read

    def problems(self) -> list[str]:
        """Human-readable reasons the settings cannot run inference (empty when fine)."""
        out = [self.registry_error] if self.registry_error else []
        for label, value, required in (("Detector", self.detector_weights, True),
                                        ("Detector config", self.detector_config, False),
                                        ("Pose model (patients)", self.pose_weights, True),
                                        ("Pose model (users)", self.user_pose_weights,
                                         USER_CATEGORY in self.categories)):
            if not value:
                if required:
                    out.append(f"{label}: none configured (Inference › Models…)")
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
            return ["Pose model (patients): none configured (Inference › Models…)"]
        if not Path(self.pose_weights).is_file():
            return [f"Pose model (patients): file not found: {self.pose_weights}"]
        return []


def _to_bool(value: object) -> bool:
    # Ini files hand booleans back as the strings "true"/"false".
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


class AppSettings:
    """Typed access to the application's QSettings and the model registry's choices."""

    def __init__(self, qsettings: QSettings | None = None,
                 registry: ModelRegistry | None = None) -> None:
        if qsettings is None:
            env = os.environ.get("MEDPOSE_SETTINGS")
            if env:
                qsettings = QSettings(env, QSettings.Format.IniFormat)
            else:
                qsettings = QSettings(ORGANIZATION, APPLICATION)
        self.qsettings = qsettings
        self.registry = registry or ModelRegistry()

    # -- models -------------------------------------------------------------------
    def models(self) -> ModelSettings:
        """The run preferences from QSettings and the model files the registry says runs use."""
        s = self.qsettings
        defaults = ModelSettings()
        values: dict[str, object] = {}
        for f in fields(ModelSettings):
            if f.name in REGISTRY_FIELDS:
                continue
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
        try:
            files = default_model_files(self.registry)
        except ModelRegistryError as exc:  # an unreadable registry file: said, not raised
            return ModelSettings(**values, registry_error=str(exc))  # type: ignore[arg-type]
        names = files.names
        return ModelSettings(
            **values, detector_weights=files.detector, detector_config=files.detector_config,  # type: ignore[arg-type]
            pose_weights=files.pose, user_pose_weights=files.user_pose,
            detector_model=names.get(DETECTOR_ROLE, ""), pose_model=names.get(POSE_ROLE, ""),
            user_pose_model=names.get(USER_POSE_ROLE, ""))

    def set_models(self, models: ModelSettings) -> None:
        """Store the run preferences; record the chosen models in the registry (by name)."""
        for key, value in asdict(models).items():
            if key not in REGISTRY_FIELDS:
                self.qsettings.setValue(f"models/{key}", value)
        self.qsettings.sync()
        for role, name in ((DETECTOR_ROLE, models.detector_model),
                           (POSE_ROLE, models.pose_model),
                           (USER_POSE_ROLE, models.user_pose_model)):
            choose(self.registry, role, name)
        self.registry.set_chosen({CONFIG_KEY: models.detector_config})

    def legacy_model_files(self) -> dict[str, str]:
        """Model files an older medpose-gui remembered here (before the registry), by role
        (and ``detector_config``), where the file still exists: offered to the registry."""
        out = {}
        for role, key in LEGACY_FILE_KEYS.items():
            path = str(self.qsettings.value(key, "") or "")
            if path and Path(path).is_file():
                out[role] = path
        return out

    def forget_legacy_model_files(self) -> None:
        for key in LEGACY_FILE_KEYS.values():
            self.qsettings.remove(key)
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
