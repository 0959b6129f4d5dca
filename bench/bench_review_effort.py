"""Keys and clicks to correct a clip where one person's box is 30 % too small throughout:
frame-by-frame editing vs. one keyframe + propagate, scripted through the real window.

A generated 300-frame clip (the test scene at 640x360, panning 1 px per frame) with two
tracked persons; the detector's box of person 1 is 30 % too small (width and height) on every
frame, person 2's is right. Both workflows end in the same state, checked at the end: every
frame approved and person 1's box within IoU 0.95 of the true box on every frame, its points
estimated by the pose model (fixture ViTPose) inside that box.

- per frame: click the person, drag two box corners to the true ones, R (re-estimate the
  pose), A (approve and go to the next frame) — on each of the 300 frames;
- keyframe + propagate: the same correction on frame 0 (click, two drags, R), P (propagate
  forward: the corrected box carried along the track, the pose model on each frame), Space
  (watch the clip play once), Home, Shift+A and Enter in its dialog (approve the range).

Every key press and mouse press goes through Qt's event system (QTest) into the real window;
a drag counts as one click. Run:

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python bench/bench_review_effort.py [--frames 300]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from medpose_gui.core.annotations import Instance, ReviewState  # noqa: E402
from medpose_gui.core.project import Project  # noqa: E402
from medpose_gui.core.rerun_policy import box_iou  # noqa: E402
from medpose_gui.media import open_media  # noqa: E402
from medpose_gui.session import media_info, project_path_for  # noqa: E402
from medpose_gui.widgets.frame_view.picking import hit_test  # noqa: E402
from tests.gui.window_support import make_settings  # noqa: E402
from tests.scene import scene_rgb, write_panning_video  # noqa: E402

SIZE = (640, 360)
PAN_PX = -1  # per frame (to the left, so the person stays in the frame for 300 frames)
# The astronaut of the fixture frame at half size, and a second person on the texture.
TRUE_BOXES = {1: np.array([352.0, 75.0, 608.0, 331.0]), 2: np.array([50.0, 100.0, 150.0, 325.0])}
TOO_SMALL = 0.7  # the detector's box of person 1: 30 % too small in width and height


def make_clip(path: Path, n: int) -> Path:
    base = cv2.resize(scene_rgb(), SIZE, interpolation=cv2.INTER_AREA)
    return write_panning_video(path, base, n, PAN_PX, Fraction(25), options={"crf": "18"},
                               pix_fmt="yuv420p")


def true_box(track: int, frame: int) -> np.ndarray:
    return TRUE_BOXES[track] + [PAN_PX * frame, 0, PAN_PX * frame, 0]


def predicted(track: int, frame: int) -> Instance:
    box = true_box(track, frame)
    scale = TOO_SMALL if track == 1 else 1.0
    c, half = (box[:2] + box[2:]) / 2, (box[2:] - box[:2]) / 2 * scale
    t = np.linspace(0.35, 0.65, 21)  # points well inside: the box corners stay grabbable
    xys = np.column_stack([c[0] - half[0] + t * 2 * half[0],
                           c[1] - half[1] + t[::-1] * 2 * half[1], np.full(21, 0.8)])
    return Instance.from_prediction("patient", [*(c - half), *(c + half)], 0.95, xys,
                                    track_id=track)


def make_project(folder: Path, n: int) -> Path:
    video = make_clip(folder / "clip.mp4", n)
    with open_media(video) as src:
        info = media_info(video, src)
    path = project_path_for(video)
    with Project.create(path, info) as project:
        project.store_predictions({f: [predicted(1, f), predicted(2, f)] for f in range(n)})
    return path


@dataclass
class Count:
    keys: int = 0
    clicks: int = 0
    drags: int = 0


class Medic:
    """Drives the real window with Qt events and counts every key and mouse press."""

    def __init__(self, window) -> None:
        self.w, self.count = window, Count()

    def wait(self, condition, timeout: float = 120.0) -> None:
        end = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > end:
                raise TimeoutError("the window did not get there in time")
            QApplication.processEvents()
            time.sleep(0.002)

    def key(self, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier, widget=None) -> None:
        self.count.keys += 1
        target = widget or self.w.frame_view
        QTest.keyClick(target, key, modifier)

    def _at(self, x: float, y: float) -> QPoint:
        return self.w.frame_view.mapFromScene(QPointF(x, y))

    def click(self, x: float, y: float) -> None:
        self.count.clicks += 1
        QTest.mouseClick(self.w.frame_view.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, self._at(x, y))

    def drag(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        self.count.clicks += 1
        self.count.drags += 1
        vp, a, b = self.w.frame_view.viewport(), self._at(*start), self._at(*end)
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
        for i in range(1, 7):
            QTest.mouseMove(vp, QPoint(a.x() + (b.x() - a.x()) * i // 6,
                                       a.y() + (b.y() - a.y()) * i // 6))
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)

    # -- one correction: select, two corners, re-estimate --------------------------
    def correct_person(self, frame: int) -> None:
        w = self.w
        self.wait(lambda: w.current_frame == frame and w.frame_view.image_size is not None)
        inst = next(i for i in w.project.instances(frame) if i.track_id == 1)
        self.click(*self._body_spot(inst))
        assert w.frame_view.selected_uid() == inst.uid, "the click did not select the person"
        target = true_box(1, frame)
        self.drag((inst.box[0], inst.box[1]), (target[0], target[1]))
        box = w.project.instance(frame, inst.uid).box
        self.drag((box[2], box[3]), (target[2], target[3]))
        done = w.edits.stack.index()
        self.key(Qt.Key.Key_R)
        self.wait(lambda: w.edits.stack.index() > done)  # the pose came back as an edit

    def _body_spot(self, inst: Instance) -> tuple[float, float]:
        """A place inside the person's box that picks the box, not a point."""
        x1, y1, x2, y2 = inst.box
        for fx in (0.12, 0.88, 0.5):
            for fy in (0.12, 0.88, 0.5):
                x, y = x1 + fx * (x2 - x1), y1 + fy * (y2 - y1)
                hit = hit_test(self.w.frame_view, QPointF(x, y))
                if hit.uid == inst.uid and not hit.is_point:
                    return x, y
        raise AssertionError("no free spot on the person's box")


def per_frame(medic: Medic, n: int) -> None:
    w = medic.w
    for f in range(n):
        medic.correct_person(f)
        medic.key(Qt.Key.Key_A)  # approve and go to the next frame
        medic.wait(lambda f=f: w.project.review_state(f) == ReviewState.APPROVED)


def keyframe_and_propagate(medic: Medic, n: int) -> None:
    w = medic.w
    medic.correct_person(0)
    medic.key(Qt.Key.Key_P)
    medic.wait(lambda: w.propagation.last_result is not None and not w.inference.propagating,
               timeout=1800)
    medic.key(Qt.Key.Key_Space)  # watch it play once (stops by itself at the end)
    medic.wait(lambda: w.current_frame == n - 1, timeout=600)
    medic.key(Qt.Key.Key_Home)
    medic.wait(lambda: w.current_frame == 0)
    # Shift+A opens the range dialog (from this frame to the last): Enter accepts it.
    QTimer.singleShot(300, lambda: medic.key(Qt.Key.Key_Return,
                                             widget=QApplication.activeModalWidget()))
    medic.key(Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    medic.wait(lambda: w.project.review_state(n - 1) == ReviewState.APPROVED)


def check(project: Project, n: int) -> tuple[float, int]:
    """(worst IoU of person 1's box with the truth, frames approved)."""
    worst, approved = 1.0, 0
    for f in range(n):
        inst = next(i for i in project.instances(f) if i.track_id == 1)
        worst = min(worst, float(box_iou(inst.box, true_box(1, f))[0, 0]))
        approved += project.review_state(f) == ReviewState.APPROVED
    return worst, approved


def run(workflow, n: int, folder: Path) -> tuple[Count, float, float, int]:
    from medpose_gui.app import MainWindow

    path = make_project(folder, n)
    window = MainWindow(settings=make_settings(folder), show_first_run=False)
    window.resize(1400, 900)
    window.show()
    medic = Medic(window)
    assert window.open_path(str(path)), window.last_error
    medic.wait(lambda: window.current_frame == 0 and window.frame_view.image_size is not None)
    medic.wait(lambda: window.inference.pose_runner.worker.warmed.is_set(), timeout=300)
    start = time.perf_counter()
    workflow(medic, n)
    seconds = time.perf_counter() - start
    worst, approved = check(window.project, n)
    window.close()
    return medic.count, seconds, worst, approved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=300)
    args = parser.parse_args()
    QApplication.instance() or QApplication(sys.argv[:1])
    load = os.getloadavg()
    print(f"{args.frames} frames {SIZE[0]}x{SIZE[1]}, fixture ViTPose on the CPU, "
          f"{os.cpu_count()} cores, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    rows = []
    for name, workflow in (("per-frame editing", per_frame),
                           ("keyframe + propagate", keyframe_and_propagate)):
        with tempfile.TemporaryDirectory() as tmp:
            count, seconds, worst, approved = run(workflow, args.frames, Path(tmp))
        rows.append((name, count, seconds, worst, approved))
    print("\n| workflow | keys | clicks (drags) | keys + clicks | scripted time s | worst box "
          "IoU | frames approved |")
    print("|---|---|---|---|---|---|---|")
    for name, c, seconds, worst, approved in rows:
        print(f"| {name} | {c.keys} | {c.clicks} ({c.drags}) | {c.keys + c.clicks} | "
              f"{seconds:.0f} | {worst:.3f} | {approved} / {args.frames} |")
    effort = [c.keys + c.clicks for _, c, *_ in rows]
    print(f"\nratio per-frame / keyframe + propagate: {effort[0] / effort[1]:.0f} x")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")


if __name__ == "__main__":
    main()
