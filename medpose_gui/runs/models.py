"""Loaded models of a run: the detector, one pose estimator per kept category, identities.

:class:`ModelCache` keeps loaded networks between runs (the window's worker, a cluster
actor), keyed by file identity (resolved path, size, modification time) and device, so a
changed file on disk is loaded again. A model's identity in a project is its file path and
SHA-256 (hashing a 500 MB checkpoint takes about a second: cached with the same key).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from medpose_gui.inference import (
    choose_device,
    configure_exact_math,
    load_detector,
    load_pose_estimator,
)
from medpose_gui.inference.checkpoint_io import file_sha256
from medpose_gui.inference.selection import class_ids

from .settings import RunSettings, default_batch_size


@dataclass(frozen=True)
class ModelFile:
    """A model file as a project records it."""

    role: str  # "detector", "pose_patient", "pose_user"
    path: str
    sha256: str
    info: dict = field(default_factory=dict)


@dataclass
class LoadedModels:
    """Everything a run needs from its models; built by :meth:`ModelCache.load`."""

    settings: RunSettings
    device: torch.device
    detector: Any | None  # None for pose-only work (re-estimating a drawn box)
    poses: dict[str, Any]  # category -> pose estimator
    files: list[ModelFile]

    @property
    def batch_size(self) -> int:
        return self.settings.batch_size or default_batch_size(self.device.type)

    def class_ids(self) -> tuple[int, ...]:
        """Detector class ids of the kept categories, in the detector's own class order."""
        return class_ids(self.settings.categories, self.detector.class_names,
                         self.settings.detector)

    def poses_by_class(self) -> dict[int, Any]:
        return dict(zip(self.class_ids(), (self.poses[c] for c in self.settings.categories),
                        strict=True))

    def identity(self) -> dict:
        """What makes two runs store the same predictions: file contents and the settings
        that change outputs (a run resumes over frames predicted with the same identity)."""
        s = self.settings
        return {"files": {f.role: f.sha256 for f in self.files},
                "categories": list(s.categories), "score_threshold": s.score_threshold,
                "keypoint_threshold": s.keypoint_threshold, "precision": s.precision,
                "flip_test": s.flip_test}


def _file_key(path: str) -> tuple[str, int, int]:
    resolved = Path(path).resolve()
    st = resolved.stat()  # FileNotFoundError names the file
    return str(resolved), st.st_size, st.st_mtime_ns


class ModelCache:
    """Loaded networks and file hashes, reused while the files on disk stay the same."""

    def __init__(self) -> None:
        self._models: dict[tuple, Any] = {}
        self._hashes: dict[tuple, str] = {}

    def sha256(self, path: str) -> str:
        key = _file_key(path)
        if key not in self._hashes:
            self._hashes[key] = file_sha256(path)
        return self._hashes[key]

    def _get(self, key: tuple, build: Callable[[], Any]) -> Any:
        if key not in self._models:
            self._models[key] = build()
        return self._models[key]

    def detector(self, settings: RunSettings, device: torch.device) -> Any:
        weights, config = settings.detector, settings.detector_config
        key = ("detector", _file_key(weights), _file_key(config) if config else None,
               str(device), settings.trust_checkpoint)
        return self._get(key, lambda: load_detector(weights, config, device=str(device),
                                                    trust=settings.trust_checkpoint))

    def pose(self, weights: str, settings: RunSettings, device: torch.device) -> Any:
        key = ("pose", _file_key(weights), str(device), settings.trust_checkpoint,
               settings.flip_test)
        return self._get(key, lambda: load_pose_estimator(
            weights, device=str(device), flip_test=settings.flip_test,
            trust=settings.trust_checkpoint))

    def load(self, settings: RunSettings, *, pose_only: bool = False,
             categories: tuple[str, ...] | None = None) -> LoadedModels:
        """The models of ``settings`` on their device (loaded once, then from the cache).

        ``pose_only`` skips the detector (a drawn box needs only its category's pose model);
        ``categories`` narrows which pose models are loaded (default: the kept ones).
        """
        device = choose_device(settings.device)
        configure_exact_math()  # TF32 off: the same arithmetic on every path (DESIGN.md)
        wanted = settings.categories if categories is None else categories
        files: list[ModelFile] = []
        detector = None
        if not pose_only:
            detector = self.detector(settings, device)
            info = {"config": settings.detector_config} if settings.detector_config else {}
            files.append(ModelFile("detector", _resolved(settings.detector),
                                   self.sha256(settings.detector), info))
        poses = {}
        for category in wanted:
            weights = settings.pose_weights(category)
            poses[category] = self.pose(weights, settings, device)
            files.append(ModelFile(f"pose_{category}", _resolved(weights), self.sha256(weights)))
        if settings.detector_config and not pose_only:
            files.append(ModelFile("detector_config", _resolved(settings.detector_config),
                                   self.sha256(settings.detector_config)))
        return LoadedModels(settings, device, detector, poses, files)


def _resolved(path: str) -> str:
    return str(Path(path).resolve())
