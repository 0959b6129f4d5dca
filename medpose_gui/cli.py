"""The ``medpose-gui`` command: the app, and headless sub-commands for batch work.

    medpose-gui [PATH]                  open the app (PATH: video, image folder or .medpose)
    medpose-gui infer INPUT... [--detector W] [--pose W] [--ray [ADDRESS]] [...]  (models: the registry's)
    medpose-gui export P.medpose --coco OUT.json [...]
    medpose-gui extract-frames VIDEO OUTDIR
    medpose-gui render P.medpose OUT.mp4
    medpose-gui import-coco COCO.json --media VIDEO [--out P.medpose]
    medpose-gui import-bbox bbox_detections.json --media VIDEO [--out P.medpose]
    medpose-gui models [list | add FILE | download NAME | remove NAME | path NAME]
    medpose-gui evaluate P.medpose [--json OUT] [--category NAME]

This module only reads arguments and calls the packages; imports are deferred to the command
that needs them so ``--help`` is instant and does not import torch or Qt. Bad input (a missing
file, a checkpoint of the wrong model, a locked project...) raises one of the packages' own
exception classes; they are reported as ``error: <message>`` with exit status 2, no traceback.
When the reader of the output goes away (``medpose-gui models list | head``), every command
stops quietly with status 141, as a program ended by SIGPIPE does.

``export``, ``evaluate`` and ``render`` only read: they open the project read-only, so they
work while the window has it open (and say so), check that the media are the project's
before reading frames, and warn about anything stored that could not be read.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED = 0, 2, 130
EXIT_BROKEN_PIPE = 128 + 13  # the shell's status for a program ended by SIGPIPE (13)
COMMANDS = ("infer", "export", "extract-frames", "render", "import-coco", "import-bbox",
            "models", "evaluate")


class CliError(Exception):
    """Arguments that parse but make no sense together (reported as ``error:``, exit 2)."""


# -- argument parsing ---------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The full parser (sub-commands); the app form ``medpose-gui [PATH]`` is handled in main."""
    parser = argparse.ArgumentParser(
        prog="medpose-gui",
        usage="medpose-gui [PATH]\n       medpose-gui COMMAND [options]",
        description="Review and correct casualty pose predictions; export COCO keypoints. "
                    "Without a command, opens the app (PATH: a video, an image folder or a "
                    ".medpose project).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from medpose_gui.infer_command import add_cli_parser as add_infer_command

    add_infer_command(sub)  # first in --help: the command most runs start with

    p = sub.add_parser("export", help="export a project as COCO keypoints for retraining")
    p.add_argument("project", metavar="P.medpose")
    p.add_argument("--coco", required=True, metavar="OUT.json", help="COCO keypoints file to write")
    p.add_argument("--reviewed-only", action="store_true", help="approved frames only")
    p.add_argument("--images-dir", metavar="DIR", help="also write the frames' images here")
    p.add_argument("--category", metavar="NAME",
                   help="one category only (a pose-training file holds one keypoint count)")
    p.add_argument("--min-score", type=float, metavar="S",
                   help="on frames not approved, write untouched points scoring below S absent")
    p.add_argument("--allow-empty", action="store_true",
                   help="write the file even when it holds no annotation (otherwise: exit 2, "
                        "no file, and why)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("extract-frames", help="write every frame of a video as an image")
    p.add_argument("video", metavar="VIDEO")
    p.add_argument("outdir", metavar="OUTDIR")
    p.add_argument("--format", dest="fmt", choices=("jpg", "png"), default="jpg")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("render", help="write an H.264 video of the frames with annotations")
    p.add_argument("project", metavar="P.medpose")
    p.add_argument("output", metavar="OUT.mp4")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("import-coco", help="add a COCO keypoints file to a (new) project")
    p.add_argument("coco", metavar="COCO.json")
    p.add_argument("--media", metavar="VIDEO",
                   help="the video or folder the file annotates (needed for a new project)")
    p.add_argument("--out", metavar="P.medpose",
                   help="project to create or extend (default: beside the media)")
    p.add_argument("--replace", action="store_true",
                   help="remove existing instances on the frames the file covers")

    p = sub.add_parser("import-bbox", help="add the reference's bbox_detections.json boxes "
                                           "(as predicted patients, points absent) to a project")
    p.add_argument("bbox_json", metavar="bbox_detections.json")
    p.add_argument("--media", required=True, metavar="VIDEO",
                   help="the video or image folder the file's images come from")
    p.add_argument("--out", metavar="P.medpose",
                   help="project to create or extend (default: beside the media)")

    from medpose_gui.evaluation.cli import add_cli_parser as add_evaluate_command
    from medpose_gui.model_registry.cli import add_cli_parser as add_models_command

    add_models_command(sub)
    add_evaluate_command(sub)
    return parser


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _version() -> str:
    from medpose_gui import __version__
    return __version__


# -- helpers shared by commands -----------------------------------------------------------------

def parse_frame_range(text: str | None, num_frames: int) -> range:
    """``"A:B"`` / ``"A:B:S"`` / ``"A"`` (one frame) -> a range within ``[0, num_frames)``."""
    if text is None:
        return range(num_frames)
    parts = text.split(":")
    try:
        if len(parts) == 1:
            start = int(parts[0])
            chosen = range(start, start + 1)
        elif len(parts) in (2, 3):
            values = [int(p) if p.strip() else None for p in parts]
            chosen = range(num_frames)[slice(*values)]
        else:
            raise ValueError
    except ValueError:
        raise CliError(f"--frames {text!r}: expected A:B (e.g. 0:100)") from None
    if len(parts) == 1 and not 0 <= chosen.start < num_frames:
        raise CliError(f"--frames {text}: the media has frames 0..{num_frames - 1}")
    if len(chosen) == 0:
        raise CliError(f"--frames {text!r} selects no frame of the {num_frames} frames")
    return chosen


def _progress_bar(total: int, unit: str, quiet: bool, desc: str = "") -> tuple[Any, Callable]:
    from tqdm import tqdm

    bar = tqdm(total=total, unit=unit, desc=desc or None, disable=quiet, file=sys.stderr,
               dynamic_ncols=True)

    def update(done: int, new_total: int) -> None:
        if bar.total != new_total:  # some tasks learn their total only when they start
            bar.total = new_total
            bar.refresh()
        bar.update(done - bar.n)

    return bar, update


def report_reading(project: Any) -> None:
    """After a read-only command: warn about what could not be read (and was skipped)."""
    for i, line in enumerate(project.problem_lines()):
        print(f"warning: {line}" if i == 0 else line, file=sys.stderr)


def open_for_reading(path: str) -> Any:
    """The project, read-only (it works while the window has it open, and says so)."""
    from medpose_gui.core.project import Project

    project = Project.open(path, read_only=True)
    note = project.reading_note()
    if note:
        print(f"note: {note}", file=sys.stderr)
    return project


def _project_path(out: str | None, media: str | Path) -> Path:
    from medpose_gui.session import project_path_for

    return Path(out) if out else project_path_for(media)


# -- commands -----------------------------------------------------------------------------------

def cmd_export(args: argparse.Namespace) -> int:
    from medpose_gui.exports import export_coco_with_frames
    from medpose_gui.formats import NothingToExport

    # Read-only: works while the window has the project open (open_for_reading says so).
    with open_for_reading(args.project) as project:
        bar, update = _progress_bar(0, "frame", args.quiet, "export")
        try:
            stats = export_coco_with_frames(
                project, args.coco, reviewed_only=args.reviewed_only, min_score=args.min_score,
                category=args.category, images_dir=args.images_dir, progress=update,
                allow_empty=args.allow_empty)
        except NothingToExport as exc:  # an empty training file is almost always a mistake
            hint = ("approve frames in the window (A), or drop --reviewed-only"
                    if args.reviewed_only else "run `medpose-gui infer` or draw persons first")
            raise CliError(f"{exc}. To fix: {hint}; --allow-empty writes the empty file") \
                from None
        finally:
            bar.close()
        report_reading(project)
    print(f"wrote {stats.path}: {stats.num_images} images, {stats.num_annotations} annotations"
          + (f", {stats.num_images_written} frame images in {args.images_dir}"
             if args.images_dir else ""))
    if stats.num_off_image_points:
        print(f"{stats.num_off_image_points} labelled points lie outside the image: written "
              "absent (v=0)")
    if stats.num_annotations == 0:
        print(f"warning: {stats.path} holds no annotation (--allow-empty)", file=sys.stderr)
    return EXIT_OK


def cmd_extract_frames(args: argparse.Namespace) -> int:
    from medpose_gui.media import extract_frames

    bar, update = _progress_bar(0, "frame", args.quiet, "extract")
    try:
        written = extract_frames(args.video, args.outdir, fmt=args.fmt, progress=update)
    finally:
        bar.close()
    print(f"wrote {len(written)} frames to {args.outdir}")
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    from medpose_gui.exports import render_overlay_video

    with open_for_reading(args.project) as project:
        bar, update = _progress_bar(0, "frame", args.quiet, "render")
        try:
            render_overlay_video(project, args.output, progress=update)
        finally:
            bar.close()
        report_reading(project)
    print(f"wrote {args.output}")
    return EXIT_OK


def cmd_import_coco(args: argparse.Namespace) -> int:
    from medpose_gui.core.project import Project
    from medpose_gui.formats import import_coco_keypoints
    from medpose_gui.media import open_media
    from medpose_gui.session import open_or_create_project

    if args.out is None and args.media is None:
        raise CliError("import-coco: give --media (for a new project) or --out (an existing one)")
    out = _project_path(args.out, args.media)
    if args.media is None:
        from medpose_gui.session import check_media

        project = Project.open(out)
        try:
            check_media(project)  # frame numbers are only meaningful on the same media
        except BaseException:
            project.close()
            raise
    else:
        with open_media(args.media) as source:
            project = open_or_create_project(out, args.media, source)
    with project:
        stats = import_coco_keypoints(args.coco, project, replace=args.replace)
    print(f"imported {stats.num_annotations} annotations on {stats.num_images} images "
          f"into {out}")
    return EXIT_OK


def cmd_import_bbox(args: argparse.Namespace) -> int:
    from medpose_gui.formats import import_bbox_detections
    from medpose_gui.media import open_media
    from medpose_gui.session import frame_file_names, open_or_create_project

    out = _project_path(args.out, args.media)
    with open_media(args.media) as source, \
            open_or_create_project(out, args.media, source) as project:
        names = frame_file_names(source, range(len(source)))
        offered = import_bbox_detections(args.bbox_json, project, frame_names=names)
    print(f"imported {sum(len(v) for v in offered.values())} boxes on {len(offered)} frames "
          f"into {out}")
    return EXIT_OK


_HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "export": cmd_export,
    "extract-frames": cmd_extract_frames,
    "render": cmd_render,
    "import-coco": cmd_import_coco,
    "import-bbox": cmd_import_bbox,
}


# -- entry point --------------------------------------------------------------------------------

def is_user_error(exc: BaseException) -> bool:
    """Our packages' own exception classes describe bad input; anything else is a bug.
    SQLite's errors too: a damaged project file is bad input, not a bug (the project
    turns the ones it expects into ProjectError; this catches any that slip through)."""
    import sqlite3

    if isinstance(exc, (CliError, sqlite3.Error)):
        return True
    return any(cls.__module__.startswith("medpose_gui.") for cls in type(exc).__mro__)


def _run_app(argv: Sequence[str]) -> int:
    app_parser = argparse.ArgumentParser(prog="medpose-gui", usage="medpose-gui [PATH]")
    app_parser.add_argument("path", nargs="?", metavar="PATH")
    args = app_parser.parse_args(argv)
    if args.path is not None and not Path(args.path).exists():
        raise CliError(f"{args.path}: no such file or folder")
    from medpose_gui.app import run_app

    return int(run_app(args.path) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input, 130 interrupted,
    141 the reader of the output went away; ``infer`` over several inputs: 1 when some of
    them failed)."""
    try:
        try:
            return _dispatch(list(sys.argv[1:] if argv is None else argv))
        finally:  # also for argparse's SystemExit (--help): a closed pipe shows here,
            if sys.stdout is not None:  # not as Python's "Exception ignored" at exit
                sys.stdout.flush()  # (None: a windowed app without a console)
    except BrokenPipeError:
        return _output_closed()


def _output_closed() -> int:
    """Stop quietly: the rest of the output goes nowhere, as it would after SIGPIPE."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the flush at exit must not fail again
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (a test's capture)
        pass
    return EXIT_BROKEN_PIPE


def _dispatch(argv: list[str]) -> int:
    try:
        if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
            return _run_app(argv)
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return EXIT_OK
        return (getattr(args, "func", None) or _HANDLERS[args.command])(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if not is_user_error(exc):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
