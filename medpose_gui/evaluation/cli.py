"""``medpose-gui evaluate P.medpose [--json OUT] [--category patient]``: the quality report."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from medpose_gui.core.reference import REFERENCE_CATEGORIES

EXIT_OK, EXIT_ERROR = 0, 2


def add_cli_parser(subparsers: Any) -> None:
    """Register ``evaluate`` on an argparse sub-parsers object (``set_defaults(func=...)``)."""
    p = subparsers.add_parser(
        "evaluate", help="how well the models did: predictions vs. the medic's corrections",
        description="On approved frames, compare the models' original predictions with the "
                    "accepted (corrected) annotations: OKS keypoint AP/AR, box AP/AR, "
                    "per-keypoint pixel error and correction rate.")
    p.add_argument("project", metavar="P.medpose")
    p.add_argument("--json", metavar="OUT", help="also write the report as JSON")
    p.add_argument("--category", default=REFERENCE_CATEGORIES[0],
                   help=f"category to evaluate (default {REFERENCE_CATEGORIES[0]})")
    p.set_defaults(func=run_evaluate_command)


def run_evaluate_command(args: argparse.Namespace) -> int:
    """Print the report table; ``error: ...`` and status 2 on bad input."""
    import sqlite3

    from medpose_gui.core.project import Project, ProjectError
    from medpose_gui.evaluation.evaluate import evaluate_project
    from medpose_gui.formats.errors import FormatError
    from medpose_gui.media.identity import (
        MediaState,
        changed_message,
        fingerprint_or_none,
        media_state,
    )

    try:
        # Read-only: works while the window has the project open.
        with Project.open(args.project, read_only=True) as project:
            if project.reading_note():
                print(f"note: {project.reading_note()}", file=sys.stderr)
            # The report reads no frames, but annotations of a changed video describe
            # other frames than the ones they claim: refused like export and render.
            if media_state(project) == MediaState.CHANGED:
                raise ProjectError(changed_message(
                    project.path, project.media.path, project.media.fingerprint,
                    fingerprint_or_none(project.media.path)))
            report = evaluate_project(project, category=args.category)
            for i, line in enumerate(project.problem_lines()):
                print(f"warning: {line}" if i == 0 else line, file=sys.stderr)
        print(report.format_table())
        if args.json:
            path = report.to_json(args.json)
            print(f"wrote {path}")
    except (ProjectError, FormatError, sqlite3.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK
