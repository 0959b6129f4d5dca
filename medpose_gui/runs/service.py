"""The one way to run the models: media + model files + settings -> instances in a project.

The window's inference worker (a thin QThread adapter), ``medpose-gui infer`` and the
cluster runner all call :class:`InferenceService`; none has its own way to route categories
to detector classes, pick pose models, check schemas, set exact-math flags, record models
or store results. Its parts, each usable alone:

- :meth:`InferenceService.load`: settings -> :class:`LoadedModels` (cached between runs).
- :meth:`InferenceService.prepare`: checks the models fit the project's schemas, records
  the model files, and says which frames to compute (approved frames never; with
  ``resume``, not the frames these models already predicted).
- :meth:`InferenceService.predict`: compute only (frames -> instances, batch by batch);
  what a cluster worker runs.
- :meth:`InferenceService.store`: one batch into the project under the re-run policy
  (:meth:`Project.store_predictions`), each new person given its track
  (:mod:`medpose_gui.tracking`); what the cluster driver runs as results arrive.
- :meth:`InferenceService.run`: the four together, storing each batch as it finishes, so a
  crash or a cancel loses nothing that was reported done.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from medpose_gui.core.annotations import Instance, ReviewState, Source, in_review_state
from medpose_gui.core.project import Project, StoredPredictions
from medpose_gui.inference import choose_device
from medpose_gui.inference.pipeline import (
    PipelineResult,
    PipelineStats,
    estimate_poses,
    run_pipeline,
)
from medpose_gui.inference.vitpose import check_schema_fits
from medpose_gui.tracking import RunTracks, assign_tracks

from .allocator import tune_allocator
from .models import LoadedModels, ModelCache
from .settings import RunSettings

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]
LogFn = Callable[[str], None]
BatchFn = Callable[[dict[int, list[Instance]]], None]
StoredFn = Callable[[StoredPredictions], None]


@dataclass
class RunReport:
    """How a run ended and what the re-run policy did with its predictions."""

    frames_asked: int = 0
    frames_to_compute: int = 0  # after approved (and, resuming, already predicted) frames
    frames_done: int = 0
    instances_stored: int = 0
    covered_by_medic: int = 0
    deleted_by_medic: int = 0
    replaced: list[str] = field(default_factory=list)  # uids of the predictions replaced
    cancelled: bool = False
    seconds: float = 0.0
    device: str = ""
    batch_size: int = 0
    messages: list[str] = field(default_factory=list)
    stats: PipelineStats | None = None  # where the compute time went (decode, detector, pose)
    store_s: float = 0.0  # seconds storing into the project

    def add(self, stored: StoredPredictions) -> None:
        self.instances_stored += stored.instances
        self.covered_by_medic += stored.covered_by_medic
        self.deleted_by_medic += stored.deleted_by_medic
        self.replaced.extend(stored.replaced)

    def policy_text(self) -> str:
        """One line for a person: what was kept of the medic's work (empty if nothing)."""
        parts = []
        if self.covered_by_medic:
            parts.append(f"{self.covered_by_medic} prediction(s) dropped where you had "
                         "corrected or drawn that person")
        if self.deleted_by_medic:
            parts.append(f"{self.deleted_by_medic} prediction(s) you had deleted not brought back")
        return "; ".join(parts)


class InferenceService:
    """Runs the models for one process; keep one instance to reuse loaded models."""

    def __init__(self) -> None:
        tune_allocator()  # once per process: the CLI, the window's worker, cluster actors
        self.cache = ModelCache()

    # -- parts ------------------------------------------------------------------------
    def load(self, settings: RunSettings, *, pose_only: bool = False,
             categories: tuple[str, ...] | None = None) -> LoadedModels:
        settings.check(pose_only=pose_only, categories=categories)
        return self.cache.load(settings, pose_only=pose_only, categories=categories)

    def detector_classes(self, settings: RunSettings) -> tuple[str, ...]:
        """The detector's class names, in its class order (loads it; cached for the run)."""
        return tuple(self.cache.detector(settings, choose_device(settings.device)).class_names)

    def prepare(self, project: Project, models: LoadedModels, frames: Sequence[int], *,
                resume: bool = False) -> list[int]:
        """Check the models against the project, record them, and return the frames to
        compute: ``frames`` less the approved ones (a run never changes those) and, with
        ``resume``, less those these models already predicted (a cancelled run goes on)."""
        for category, pose in models.poses.items():
            schema = project.schema_for(category)
            check_schema_fits(pose, schema.num_keypoints, schema.name)
        if models.detector is not None:
            models.class_ids()  # every kept category must be a detector class
        recorded = {(m["role"], m["sha256"]) for m in project.models()}
        for f in models.files:
            if (f.role, f.sha256) not in recorded:
                project.record_model(f.role, f.path, f.sha256, f.info)
        review = project.frame_summary().review
        approved = set(np.flatnonzero(in_review_state(review, ReviewState.APPROVED)).tolist())
        skip = approved | (project.frames_predicted_by(models.identity()) if resume else set())
        return [int(f) for f in frames if int(f) not in skip]

    def predict(self, models: LoadedModels, source: Any, frames: Sequence[int], *,
                on_batch: BatchFn | None = None, progress: ProgressFn | None = None,
                cancel: CancelFn | None = None, log: LogFn | None = None) -> PipelineResult:
        """Detector + pose on ``source[i]`` for each frame; no project involved."""
        s = models.settings
        return run_pipeline(source, frames, models.detector, models.poses_by_class(),
                            categories=models.class_ids(), score_threshold=s.score_threshold,
                            batch_size=models.batch_size, keypoint_threshold=s.keypoint_threshold,
                            precision=s.precision, progress=progress, cancel=cancel,
                            on_batch=on_batch, log=log)

    def store(self, project: Project, models: LoadedModels,
              batch: dict[int, list[Instance]], tracks: RunTracks | None = None
              ) -> StoredPredictions:
        """One batch of predictions into the project under the re-run policy, with their
        tracks (:mod:`medpose_gui.tracking`), in one transaction.

        ``tracks``: the run's :class:`~medpose_gui.tracking.RunTracks`, which assigns tracks
        in frame order whatever order the batches come in (a cluster run then stores what a
        local run stores); without it the batch's frames are assigned at once.
        """
        with project.atomic():
            replaced = {f: [inst for inst in project.instances(f)
                            if inst.source == Source.PREDICTED] for f in batch}
            stored = project.store_predictions(batch, model_ids=models.identity())
            if tracks is None:
                assign_tracks(project, stored.frames, replaced)
            else:  # every frame of the batch counts as arrived (an approved one too)
                tracks.stored(project, list(batch), replaced)
        return stored

    def estimate_pose(self, settings: RunSettings, category: str, image: np.ndarray,
                      boxes: np.ndarray, num_keypoints: int | None = None) -> list[np.ndarray]:
        """Keypoints (K, 3) for each box of one image with ``category``'s pose model (a
        drawn or corrected box; propagation). ``num_keypoints``: the schema's, checked."""
        models = self.load(settings, pose_only=True, categories=(category,))
        pose = models.poses[category]
        if num_keypoints is not None:
            check_schema_fits(pose, num_keypoints, category)
        return estimate_poses(pose, image, boxes)

    # -- the whole run ----------------------------------------------------------------
    def run(self, project: Project, source: Any, frames: Sequence[int], settings: RunSettings,
            *, resume: bool = False, progress: ProgressFn | None = None,
            cancel: CancelFn | None = None, log: LogFn | None = None,
            on_stored: StoredFn | None = None, on_results: BatchFn | None = None,
            models: LoadedModels | None = None) -> RunReport:
        """Load, prepare, predict and store batch by batch; see the module docstring.

        ``on_stored`` after each stored batch (the window refreshes its views and its undo
        history from it); ``on_results`` sees each batch's raw predictions (the command
        line's reference outputs). ``models``: already loaded by the caller.
        """
        start = time.perf_counter()
        models = models or self.load(settings)
        todo = self.prepare(project, models, frames, resume=resume)
        report = RunReport(frames_asked=len(frames), frames_to_compute=len(todo),
                           device=str(models.device), batch_size=models.batch_size)

        tracks = RunTracks(todo, models.identity())

        def store_batch(batch: dict[int, list[Instance]]) -> None:
            t0 = time.perf_counter()
            stored = self.store(project, models, batch, tracks)
            report.store_s += time.perf_counter() - t0
            report.add(stored)
            if on_results is not None:
                on_results(batch)
            if on_stored is not None:
                on_stored(stored)

        result = self.predict(models, source, todo, on_batch=store_batch, progress=progress,
                              cancel=cancel, log=log)
        report.frames_done = len(result)
        report.cancelled = result.cancelled
        report.messages = list(result.stats.messages)
        report.stats = result.stats
        report.seconds = time.perf_counter() - start
        return report




