"""Builders for frame-view tests and screenshots: a synthetic frame and plausible poses."""

from __future__ import annotations

import numpy as np

from medpose_gui.core.annotations import Instance, Source, Visibility

# A standing casualty in box-relative coordinates, medic_casualty order (21 points).
_POSE = np.array([
    (0.50, 0.08), (0.50, 0.12), (0.50, 0.18), (0.50, 0.28), (0.50, 0.42),
    (0.68, 0.24), (0.32, 0.24), (0.75, 0.38), (0.25, 0.38), (0.80, 0.50), (0.20, 0.50),
    (0.82, 0.56), (0.18, 0.56), (0.60, 0.55), (0.40, 0.55), (0.62, 0.72), (0.38, 0.72),
    (0.62, 0.82), (0.38, 0.82), (0.64, 0.96), (0.36, 0.96)])


def make_frame(width: int = 640, height: int = 360, seed: int = 0) -> np.ndarray:
    """An RGB frame with structure (gradient, blocks, noise) so overlays can be judged."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    img = np.stack([60 + 80 * xx / width, 70 + 60 * yy / height,
                    90 + 40 * (1 - xx / width)], axis=-1)
    img[height // 2:, :] *= 0.6  # floor
    img[40:160, 420:600] = (200, 190, 170)  # a bright window
    img += rng.normal(0, 6, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def make_patient(box: tuple[float, float, float, float], *, source: Source = Source.PREDICTED,
                 box_score: float | None = 0.97, seed: int = 0) -> Instance:
    """A 21-point patient inside ``box`` with scores spread from 0.35 to 0.99."""
    x1, y1, x2, y2 = box
    xy = np.column_stack([x1 + _POSE[:, 0] * (x2 - x1), y1 + _POSE[:, 1] * (y2 - y1)])
    scores = np.random.default_rng(seed).uniform(0.35, 0.99, len(_POSE))
    inst = Instance.from_prediction("patient", box, box_score if box_score is not None else 1.0,
                                    np.column_stack([xy, scores]))
    if source != Source.PREDICTED:
        inst = inst.replace(source=source, box_score=box_score)
    return inst


def with_visibility(inst: Instance, k: int, vis: Visibility) -> Instance:
    kps = inst.keypoints.copy()
    kps[k, 2] = int(vis)
    return inst.replace(keypoints=kps, source=inst.source)


FRAME_W, FRAME_H = 640, 360


class Harness:
    """A real FrameView wired like the main window: edits -> QUndoStack -> Project -> view.

    Every edit the view requests is recorded in :attr:`edits` and pushed as an
    :class:`EditCommand` on the real project, whose new instances come back to the view.
    """

    def __init__(self, qtbot, project_path, instances, frame: int = 0) -> None:
        from PySide6.QtGui import QUndoStack

        from medpose_gui.core.project import MediaInfo, Project
        from medpose_gui.widgets.frame_view import FrameView

        self.project = Project.create(project_path, MediaInfo(
            "/data/clip.mp4", "fingerprint", 10, 25.0, FRAME_W, FRAME_H))
        self.frame = frame
        for inst in instances:
            self.project.put_instance(frame, inst)
        self.schemas = {c.name: c.schema for c in self.project.categories}
        self.stack = QUndoStack()
        self.edits: list = []
        self.view = FrameView()
        qtbot.addWidget(self.view)
        self.view.resize(800, 500)
        self.view.show()
        qtbot.waitExposed(self.view)
        self.view.editRequested.connect(self.push)
        self.view.set_frame(frame, make_frame(FRAME_W, FRAME_H))
        self.refresh(frame)

    def push(self, edit) -> None:
        from medpose_gui.widgets.controllers.undo import EditCommand

        self.edits.append(edit)
        self.stack.push(EditCommand(self.project, edit, self.refresh))

    def refresh(self, frame: int) -> None:
        self.view.set_annotations(self.project.instances(frame), self.schemas)

    def instance(self, uid: str) -> Instance | None:
        return self.project.instance(self.frame, uid)

    def close(self) -> None:
        self.project.close()


def drag(view, start, end, button=None, steps: int = 5, modifier=None) -> None:
    """Press at viewport point ``start``, move in ``steps``, release at ``end`` (QTest)."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    button = button or Qt.MouseButton.LeftButton
    modifier = modifier or Qt.KeyboardModifier.NoModifier
    vp = view.viewport()
    QTest.mousePress(vp, button, modifier, start)
    for i in range(1, steps + 1):
        QTest.mouseMove(vp, QPoint(start.x() + (end.x() - start.x()) * i // steps,
                                   start.y() + (end.y() - start.y()) * i // steps))
    QTest.mouseRelease(vp, button, modifier, end)


def click(view, pos, button=None) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    QTest.mouseClick(view.viewport(), button or Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, pos)
