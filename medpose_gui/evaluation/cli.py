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

    from medpose_gui.cli import open_for_reading, report_reading
    from medpose_gui.core.project import ProjectError
    from medpose_gui.evaluation.evaluate import evaluate_project
    from medpose_gui.formats.errors import FormatError
    from medpose_gui.session import OpenError, check_media

    try:
        # Read-only: works while the window has the project open. The report reads no
        # frames, but a changed video means the annotations describe other frames.
        with open_for_reading(args.project) as project:
            check_media(project)
            report = evaluate_project(project, category=args.category)
            report_reading(project)
        print(report.format_table())
        if args.json:
            path = report.to_json(args.json)
            print(f"wrote {path}")
    except (ProjectError, FormatError, OpenError, sqlite3.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK
