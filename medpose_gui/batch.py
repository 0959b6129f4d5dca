"""Headless inference of many inputs: one :class:`InputJob` per video or frame folder.

A job is the driver's side of one input, the same whether the frames are computed here
(:func:`run_local`) or on a Ray cluster (:mod:`medpose_gui.runs.cluster`): it plans the
work (:meth:`InferenceService.prepare` on its project), stores each batch of results as it
arrives (:meth:`InferenceService.store`, the only way results enter a project) and writes
what the command line offers beside the project: COCO results, the reference's
``bbox_detections.json`` and annotated frames. The models run through the run service
(:mod:`medpose_gui.runs`), exactly as in the window.

Only the process running the jobs writes their projects (the single-writer lock). A project
is opened for its first stored batch and closed when its outputs are written, so an archive
of thousands of inputs does not hold thousands of open files; a project another program
holds at that moment fails its input, not the run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medpose_gui.core.annotations import Instance
from medpose_gui.core.project import Project
from medpose_gui.media import open_media
from medpose_gui.runs.service import RunReport
from medpose_gui.session import open_or_create_project
from medpose_gui.tracking import RunTracks

FramesFn = Callable[[int], Sequence[int]]  # number of frames -> the frames to run


class BatchError(Exception):
    """Options that make no sense together (named in the message)."""


@dataclass
class InferOutputs:
    """Where one input's results go."""

    project: Path
    coco_predictions: str | None = None
    bbox_json: str | None = None
    vis_dir: str | None = None


@dataclass
class InferSummary:
    project: Path
    frames: int
    instances: int
    cancelled: bool
    skipped: int = 0  # approved or (resuming) already predicted frames not computed
    policy: str = ""  # what the re-run policy kept of the medic's work, for a person


def resolve_categories(text: str, class_names: Sequence[str]) -> tuple[str, ...]:
    """``"patient,user"`` / ``"0"`` / ``"all"`` -> detector category names."""
    if text.strip().lower() == "all":
        return tuple(class_names)
    names = []
    for item in (t.strip() for t in text.split(",") if t.strip()):
        if item.isdigit() and int(item) < len(class_names):
            names.append(class_names[int(item)])
        elif item in class_names:
            names.append(item)
        else:
            raise BatchError(f"--categories: {item!r} is not a detector class "
                             f"({', '.join(f'{i}={n}' for i, n in enumerate(class_names))})")
    if not names:
        raise BatchError("--categories: no class given")
    return tuple(names)


def make_parent_folders(*paths: str | Path | None) -> None:
    """Create the folders of the output files up front: fail before a long run, not after."""
    for path in paths:
        if path is not None:
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise BatchError(f"{path}: cannot create its folder: {exc.strerror}") from exc


def remove_project_files(path: Path) -> None:
    """Delete a project this run created and never stored anything in (with SQLite's
    side files)."""
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)


@dataclass
class InputJob:
    """One input of a run, seen from the process that owns its project."""

    media: str
    outputs: InferOutputs
    todo: list[int] = field(default_factory=list)  # frames to compute, ascending
    fingerprint: str = ""  # of the media, as the project records it (workers check theirs)
    report: RunReport = field(default_factory=RunReport)
    created: bool = False  # this run created the project
    _stored: set[int] = field(default_factory=set)
    _tracks: RunTracks | None = None  # tracks in frame order, whatever order batches come in
    _project: Project | None = None
    _raw: dict[int, list[Instance]] | None = None

    @property
    def name(self) -> str:
        return str(self.media)

    @property
    def done(self) -> bool:
        return len(self._stored) >= len(self.todo)

    def plan(self, service: Any, models: Any, frames: FramesFn, *, resume: bool) -> None:
        """Open the media and the project (created if new), check and record the models, and
        decide the frames to compute; the project is closed again until results arrive."""
        make_parent_folders(self.outputs.project, self.outputs.coco_predictions,
                            self.outputs.bbox_json)
        with open_media(self.media) as source:
            chosen = list(frames(len(source)))
            self.created = not self.outputs.project.exists()
            with open_or_create_project(self.outputs.project, self.media, source) as project:
                self.fingerprint = project.media.fingerprint
                try:
                    self.todo = service.prepare(project, models, chosen, resume=resume)
                except BaseException:
                    project.close()
                    self.abandon()
                    raise
        self._tracks = RunTracks(self.todo, models.identity())
        self.report = RunReport(frames_asked=len(chosen), frames_to_compute=len(self.todo),
                                device=str(models.device), batch_size=models.batch_size)
        self._raw = {} if (self.outputs.bbox_json or self.outputs.vis_dir) else None

    def store(self, service: Any, models: Any, batch: dict[int, list[Instance]]) -> int:
        """Store one batch of results as it arrives; returns the number of new frames.

        Frames this run already stored are dropped: a shard re-run after its worker was
        lost may bring some again, and nothing is stored twice.
        """
        fresh = {int(f): v for f, v in batch.items() if int(f) not in self._stored}
        if not fresh:
            return 0
        if self._project is None:
            self._project = Project.open(self.outputs.project)
        stored = service.store(self._project, models, fresh, self._tracks)
        self._stored.update(fresh)
        self.report.add(stored)
        self.report.frames_done = len(self._stored)
        if self._raw is not None:
            self._raw.update(fresh)
        return len(fresh)

    def finish(self, models: Any) -> InferSummary:
        """Write the side outputs (from the project and this run's raw results); close."""
        from medpose_gui.runs.outputs import write_bbox_json, write_vis_frames

        out = self.outputs
        try:
            if out.coco_predictions:
                from medpose_gui.formats import export_coco_results

                if self._project is None:
                    self._project = Project.open(out.project)
                export_coco_results(self._project, out.coco_predictions)
            if out.bbox_json or out.vis_dir:
                with open_media(self.media) as source:
                    if out.bbox_json:
                        write_bbox_json(out.bbox_json, source, self._raw or {},
                                        models.detector.class_names)
                    if out.vis_dir:
                        if self._project is None:
                            self._project = Project.open(out.project)
                        schemas = {c.name: c.schema for c in self._project.categories}
                        write_vis_frames(Path(out.vis_dir), source, self._raw or {}, schemas)
        finally:
            self.close()
        r = self.report
        return InferSummary(out.project, r.frames_done, r.instances_stored, r.cancelled,
                            r.frames_asked - r.frames_to_compute, r.policy_text())

    def close(self) -> None:
        if self._project is not None:
            self._project.close()
            self._project = None

    def abandon(self) -> None:
        """The run stops without finishing this input: close, and remove the project if this
        run created it and stored nothing in it (a failed first run leaves nothing)."""
        self.close()
        if self.created and not self._stored:
            remove_project_files(self.outputs.project)


def run_local(job: InputJob, service: Any, models: Any, *,
              advance: Callable[[int], None] | None = None,
              log: Callable[[str], None] | None = None) -> None:
    """Compute ``job``'s frames here, storing each batch as it finishes (the same
    :meth:`InferenceService.predict` a cluster worker runs, the same store as its driver)."""
    def on_batch(batch: dict[int, list[Instance]]) -> None:
        added = job.store(service, models, batch)
        if advance is not None:
            advance(added)

    with open_media(job.media) as source:
        service.predict(models, source, job.todo, on_batch=on_batch, log=log)
