"""Headless batch inference: media -> detector + pose -> project (+ optional outputs).

What ``medpose-gui infer`` does, as a function the command line only feeds with its
arguments. It replaces the reference's two demo scripts (detector -> bbox_detections.json,
then top-down pose) with one run whose results are stored in a project batch by batch, so
an interrupted run loses nothing it reported as done.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from medpose_gui.core.project import Project
from medpose_gui.media import FrameSource
from medpose_gui.session import frame_file_names, open_or_create_project


class BatchError(Exception):
    """Options that make no sense together (named in the message)."""


@dataclass
class InferOptions:
    detector: str
    pose: str
    project: Path
    detector_config: str | None = None
    device: str = "auto"
    precision: str = "fp32"
    score_threshold: float = 0.8  # the reference demo's --confidence-threshold
    categories: str = "patient"  # the reference demo keeps class 0 (patient) only
    batch_size: int = 4
    trust_checkpoint: bool = False
    coco_predictions: str | None = None
    bbox_json: str | None = None
    vis_dir: str | None = None


@dataclass
class InferSummary:
    project: Path
    frames: int
    instances: int
    cancelled: bool


def resolve_categories(text: str, class_names: Sequence[str]) -> tuple[int, ...] | None:
    """``"patient,user"`` / ``"0"`` / ``"all"`` -> detector class ids (None = all)."""
    if text.strip().lower() == "all":
        return None
    ids = []
    for item in (t.strip() for t in text.split(",") if t.strip()):
        if item.isdigit() and int(item) < len(class_names):
            ids.append(int(item))
        elif item in class_names:
            ids.append(list(class_names).index(item))
        else:
            raise BatchError(f"--categories: {item!r} is not a detector class "
                             f"({', '.join(f'{i}={n}' for i, n in enumerate(class_names))})")
    if not ids:
        raise BatchError("--categories: no class given")
    return tuple(ids)


def _check_pose_fits(project: Project, pose: Any, names: Sequence[str]) -> None:
    """Each kept category's schema must have as many points as the pose model predicts."""
    for name in names:
        schema = project.schema_for(name)
        if schema.num_keypoints != pose.num_keypoints:
            raise BatchError(f"the pose model predicts {pose.num_keypoints} keypoints but "
                             f"category {name!r} of {project.path} has {schema.num_keypoints} "
                             f"({schema.name}); choose --categories or another --pose")


def make_parent_folders(*paths: str | Path | None) -> None:
    """Create the folders of the output files up front: fail before a long run, not after."""
    for path in paths:
        if path is not None:
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise BatchError(f"{path}: cannot create its folder: {exc.strerror}") from exc


def infer_to_project(
    media_path: str | Path,
    source: FrameSource,
    frames: Sequence[int],
    options: InferOptions,
    progress: Callable[[int, int], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> InferSummary:
    """Run both models on ``frames`` of ``source`` and store the predictions in the project."""
    from medpose_gui.inference import (
        choose_device,
        configure_exact_math,
        load_detector,
        load_pose_estimator,
        run_pipeline,
    )
    from medpose_gui.inference.checkpoint_io import file_sha256

    device = choose_device(options.device)
    configure_exact_math()
    detector = load_detector(options.detector, options.detector_config, device=str(device),
                             trust=options.trust_checkpoint)
    pose = load_pose_estimator(options.pose, device=str(device), trust=options.trust_checkpoint)
    categories = resolve_categories(options.categories, detector.class_names)
    kept = categories if categories is not None else range(len(detector.class_names))
    kept_names = [detector.class_names[c] for c in kept]
    make_parent_folders(options.project, options.coco_predictions, options.bbox_json)
    with open_or_create_project(options.project, media_path, source) as project:
        _check_pose_fits(project, pose, kept_names)
        project.record_model("detector", str(Path(options.detector).resolve()),
                             file_sha256(options.detector), {"config": options.detector_config})
        project.record_model("pose", str(Path(options.pose).resolve()), file_sha256(options.pose))
        project.set_setting("inference", {
            "score_threshold": options.score_threshold, "categories": kept_names,
            "batch_size": options.batch_size, "precision": options.precision,
            "device": str(device)})
        pending: dict[int, list] = {}

        def store_and_report(done: int, total: int) -> None:
            if pending:  # store each finished batch at once: a crash loses nothing stored
                project.store_predictions(dict(pending))
                pending.clear()
            if progress is not None:
                progress(done, total)

        result = run_pipeline(
            source, frames, detector, pose, categories=categories,
            score_threshold=options.score_threshold, batch_size=options.batch_size,
            precision=options.precision, progress=store_and_report,
            on_frame=pending.__setitem__, log=log)
        if pending:
            project.store_predictions(dict(pending))
        if options.coco_predictions:
            from medpose_gui.formats import export_coco_results
            export_coco_results(project, options.coco_predictions)
        if options.bbox_json:
            write_bbox_json(options.bbox_json, source, result, detector.class_names)
        if options.vis_dir:
            write_vis_frames(Path(options.vis_dir), source, project, result)
    return InferSummary(options.project, len(result), sum(len(v) for v in result.values()),
                        bool(getattr(result, "cancelled", False)))


def write_bbox_json(path: str | Path, source: FrameSource, result: dict[int, list],
                    class_names: Sequence[str]) -> None:
    """The reference demo's bbox_detections.json for the processed frames."""
    from medpose_gui.formats import write_bbox_detections

    indices = sorted(result)
    entries = []
    for name, index in zip(frame_file_names(source, indices), indices, strict=True):
        instances = result[index]
        entries.append((name, np.array([inst.box for inst in instances]).reshape(-1, 4),
                        np.array([inst.box_score for inst in instances], dtype=np.float32),
                        np.array([list(class_names).index(inst.category) for inst in instances],
                                 dtype=np.int64)))
    write_bbox_detections(path, entries)


def write_vis_frames(folder: Path, source: FrameSource, project: Project,
                     result: dict[int, list]) -> None:
    """Annotated frame images (the reference demos' ``vis`` output)."""
    import cv2

    from medpose_gui.media.errors import MediaError
    from medpose_gui.media.render import draw_annotations

    folder.mkdir(parents=True, exist_ok=True)
    schemas = {c.name: c.schema for c in project.categories}
    indices = sorted(result)
    for index, name in zip(indices, frame_file_names(source, indices), strict=True):
        image = draw_annotations(source[index], result[index], schemas)
        target = folder / name
        if not cv2.imwrite(str(target), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
            raise MediaError(f"{target}: cannot write image")
