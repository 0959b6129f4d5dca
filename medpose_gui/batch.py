"""Headless inference of one input: what ``medpose-gui infer`` does for each video or folder.

The models run through the run service (:mod:`medpose_gui.runs`), exactly as in the window;
this module only adds what the command line offers beside the project: the reference's
``bbox_detections.json``, COCO results and annotated frames. Models are loaded before the
project is created, so a bad model file leaves no empty project behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from medpose_gui.media import FrameSource
from medpose_gui.runs import RunSettings
from medpose_gui.session import open_or_create_project


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


def infer_to_project(
    media_path: str | Path,
    source: FrameSource,
    frames: Sequence[int],
    settings: RunSettings,
    outputs: InferOutputs,
    *,
    service=None,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> InferSummary:
    """Run both models on ``frames`` of ``source`` and store the predictions in the project."""
    from medpose_gui.runs import InferenceService
    from medpose_gui.runs.outputs import RawResults, write_bbox_json, write_vis_frames

    service = service or InferenceService()
    models = service.load(settings)  # a bad model file fails before any project exists
    make_parent_folders(outputs.project, outputs.coco_predictions, outputs.bbox_json)
    keep_raw = outputs.bbox_json or outputs.vis_dir
    raw = RawResults()
    created = not outputs.project.exists()
    with open_or_create_project(outputs.project, media_path, source) as project:
        try:
            report = service.run(project, source, frames, settings, resume=resume,
                                 progress=progress, log=log, models=models,
                                 on_results=raw.add if keep_raw else None)
        except BaseException:
            if created and not project.annotated_frames():
                project.close()
                remove_project_files(outputs.project)  # a failed first run leaves nothing
            raise
        if outputs.coco_predictions:
            from medpose_gui.formats import export_coco_results
            export_coco_results(project, outputs.coco_predictions)
        if outputs.bbox_json:
            write_bbox_json(outputs.bbox_json, source, raw, models.detector.class_names)
        if outputs.vis_dir:
            schemas = {c.name: c.schema for c in project.categories}
            write_vis_frames(Path(outputs.vis_dir), source, raw, schemas)
    return InferSummary(outputs.project, report.frames_done, report.instances_stored,
                        report.cancelled, report.frames_asked - report.frames_to_compute,
                        report.policy_text())
