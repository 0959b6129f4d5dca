"""Frame-view timings: redraw of a frame's annotations, a drag step, a full repaint.

Prints a table (no asserts). Run: ``QT_QPA_PLATFORM=offscreen python bench/bench_frame_view.py``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from medpose_gui.core.schema import load_schema  # noqa: E402
from medpose_gui.widgets.frame_view import FrameView  # noqa: E402
from tests.gui.frame_view_support import make_frame, make_patient  # noqa: E402


def _time(fn, repeat: int) -> float:
    fn()  # warm up
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat * 1e3


def main() -> None:
    app = QApplication.instance() or QApplication([])
    schemas = {"patient": load_schema("medic_casualty")}
    view = FrameView()
    view.resize(1280, 720)
    view.show()
    app.processEvents()
    frame = make_frame(1920, 1080)
    frames = [[make_patient((100 + 400 * i + j, 100, 400 + 400 * i, 1000), seed=i + j)
               for i in range(4)] for j in range(2)]
    view.set_frame(0, frame)
    state = {"j": 0, "k": 0}

    def redraw() -> None:
        state["j"] ^= 1
        view.set_annotations(frames[state["j"]], schemas)

    def drag_step() -> None:
        items = view.items_for(frames[state["j"]][0].uid)
        items.move_point(15, 300.0 + state["k"], 700.0)
        state["k"] ^= 1

    def repaint() -> None:
        view.viewport().repaint()

    def set_frame() -> None:
        view.set_frame(0, frame)

    rows = [("set_annotations, 4 instances x 21 points", _time(redraw, 50))]
    state["j"] = 0
    view.set_annotations(frames[0], schemas)
    rows += [("drag step (move one point + its edges)", _time(drag_step, 500)),
            ("set_frame 1920x1080 RGB", _time(set_frame, 20)),
            ("full repaint 1280x720 viewport (fit)", _time(repaint, 20))]
    view.zoom_by(6.0)
    view.centerOn(QPointF(500, 500))
    rows.append(("full repaint at 6x zoom", _time(repaint, 20)))

    # A crowded frame: what a hop between two frames of 25 persons costs the GUI thread.
    view.zoom_fit()
    crowds = [[make_patient((40 + 370 * (i % 5) + j, 40 + 205 * (i // 5),
                             300 + 370 * (i % 5), 230 + 205 * (i // 5)), seed=100 * j + i)
               for i in range(25)] for j in range(2)]

    def crowd_hop() -> None:
        state["j"] ^= 1
        view.set_annotations(crowds[state["j"]], schemas)
        view.viewport().repaint()

    rows.append(("set_annotations + repaint, 25 instances (fit)", _time(crowd_hop, 20)))
    # Dragging a point on that crowded frame: only the dragged person's area is repainted.
    view.set_annotations(crowds[0], schemas)
    app.processEvents()
    dragged = view.items_for(crowds[0][12].uid)
    x0, y0 = (float(v) for v in dragged.xy[15])

    def crowd_drag_step() -> None:
        state["k"] ^= 1
        dragged.move_point(15, x0 + 6 * state["k"], y0)
        app.processEvents()  # the repaint of the dirty area

    rows.append(("drag step + its repaint, 25 instances", _time(crowd_drag_step, 50)))
    print(f"{'operation':45s} {'ms':>8s}")
    for name, ms in rows:
        print(f"{name:45s} {ms:8.2f}")


if __name__ == "__main__":
    main()
