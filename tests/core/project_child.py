"""A second Python process for the project tests (run as ``python -m tests.core.project_child``).

Modes:
  try-open PATH   try to open the project; print "opened" or "error: <message>"
  hold PATH       open the project, print "ready", keep it open until stdin closes
  edit PATH       open the project and apply a stream of edits; after each call returns,
                  print its sequence number (flushed) - the parent kills us mid-stream
"""

from __future__ import annotations

import sys

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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
