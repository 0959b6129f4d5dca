"""A second Python process for the project tests (run as ``python -m tests.core.project_child``).

Modes:
  try-open PATH   try to open the project; print "opened" or "error: <message>"
  hold PATH       open the project, print "ready", keep it open until stdin closes
  edit PATH       open the project and apply a stream of edits; after each call returns,
                  print its sequence number (flushed) - the parent kills us mid-stream
  serve PATH      open the project, print "ready", then per stdin line "put FRAME UID" add a
                  hand-drawn person and print "ok" (or "error: ..."), until stdin closes
  create-loop DIR create DIR/p0.medpose, p1, ... one after the other, printing each number
                  before its create starts - the parent kills us mid-create
  read-only PATH  open the project (as whoever runs us), try one write, print a JSON report
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from medpose_gui.core import edits
from medpose_gui.core.annotations import Instance, ReviewState
from medpose_gui.core.project import Project, ProjectError


def edit_stream(path: str) -> None:
    project = Project.open(path)
    last: Instance | None = None
    for seq in range(10**9):
        kind = seq % 3
        if kind == 0:  # add an instance whose uid names the step
            last = Instance.manual("patient", [seq, 0, seq + 10, 10], 21)
            last = last.replace(uid=f"e{seq}", keypoints=np.zeros((21, 3)))
            edits.add_instance(seq, last).apply(project)
        elif kind == 1:  # move a point of the instance added one step before
            assert last is not None
            edits.move_keypoint(seq - 1, last, 1, float(seq), 0.5).apply(project)
        else:
            edits.set_review_state(seq, ReviewState.UNREVIEWED, ReviewState.APPROVED).apply(project)
        print(seq, flush=True)


def serve(path: str) -> None:
    with Project.open(path) as project:
        print("ready", flush=True)
        for line in sys.stdin:
            _, frame, uid = line.split()
            inst = Instance.manual("patient", [1, 1, 50, 50], 21).replace(uid=uid)
            try:
                project.put_instance(int(frame), inst)
            except ProjectError as exc:
                print(f"error: {exc}", flush=True)
                continue
            print("ok", flush=True)


def create_loop(folder: str) -> None:
    from tests.core.project_helpers import media_info

    for i in range(10**6):
        print(i, flush=True)
        Project.create(Path(folder) / f"p{i}.medpose", media_info()).close()


def read_only_report(path: str) -> None:
    report: dict = {}
    with Project.open(path) as project:
        report["read_only"] = project.read_only
        report["reason"] = project.read_only_reason
        report["write_problem"] = project.write_problem()
        report["instances"] = len(project.instances(0))
        try:
            project.set_review_state(0, ReviewState.APPROVED)
            report["write"] = "accepted"
        except ProjectError as exc:
            report["write"] = f"error: {exc}"
        report["side_files_while_open"] = sorted(
            p.name for p in Path(path).parent.iterdir() if p.name != Path(path).name)
    print(json.dumps(report), flush=True)


def main(argv: list[str]) -> int:
    mode, path = argv
    if mode == "try-open":
        try:
            Project.open(path).close()
        except ProjectError as exc:
            print(f"error: {exc}", flush=True)
            return 0
        print("opened", flush=True)
    elif mode == "hold":
        with Project.open(path):
            print("ready", flush=True)
            sys.stdin.read()
    elif mode == "edit":
        edit_stream(path)
    elif mode == "serve":
        serve(path)
    elif mode == "create-loop":
        create_loop(path)
    elif mode == "read-only":
        read_only_report(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
