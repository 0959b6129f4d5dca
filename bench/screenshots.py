"""Save the screenshots in docs/screenshots: the main window, the Models dialog, the first run,
the video tools.

Runs the real window offscreen with its own settings and model registry (a temporary
folder, never the user's):

- ``main_window.png``: a short video made from the detector fixture frame, the fixture
  detector + ViTPose run through the inference worker, one person selected so the inspector
  shows its keypoints;
- ``models_dialog.png``: Inference › Models… with the fixture models in the registry (two
  detectors to choose from, no user pose model);
- ``first_run.png``: what a new user sees at the first start: the same dialog with the
  welcome text, nothing configured yet;
- ``video_review.png`` and ``timeline_tracks.png``: 60 frames with three tracked persons; one
  track corrected on two keyframes and interpolated between them, corrected again and
  propagated with the fixture pose model (random weights: its points jump from frame to
  frame, which the "look" lane flags); another with a gap and a predicted keypoint that jumps
  on one frame (a red dot on its trajectory), its trajectory plot docked below.

Each is ``QWidget.grab()`` of the real widget.

    QT_QPA_PLATFORM=offscreen python bench/screenshots.py [--out-dir docs/screenshots]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QColor, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.gui.window_support import make_fixture_video, make_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _wait(app: QApplication, condition, timeout_s: float) -> None:
    """Process events until ``condition()`` or the timeout (then raise)."""
    loop = QEventLoop()
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: condition() and loop.quit())
    timer.start()
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    timer.stop()
    if not condition():
        raise TimeoutError("screenshot scene did not get ready in time")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--size", default="1600x1000", help="main window size WxH")
    args = parser.parse_args()
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MEDPOSE_DATA_DIR"] = str(Path(tmp) / "first_run_data")
        first_run(app, Path(tmp), out_dir / "first_run.png")
        os.environ["MEDPOSE_DATA_DIR"] = str(Path(tmp) / "data")
        models_dialog(app, Path(tmp), out_dir / "models_dialog.png")
        main_window(app, Path(tmp), out_dir / "main_window.png", args.size)
        width, height = (int(v) for v in args.size.split("x"))
        video_review_shot(app, out_dir, width, height)
    return 0


def first_run(app: QApplication, tmp_path: Path, out: Path) -> None:
    """A new user's first start: no settings, an empty registry."""
    from PySide6.QtCore import QSettings

    from medpose_gui.app import MainWindow
    from medpose_gui.widgets.dialogs.models_dialog import ModelsDialog

    settings = QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, preload_models=False)
    window.resize(1400, 900)
    window.show()
    _save_dialog(app, window, window.findChild(ModelsDialog, "modelsDialog"), out)


def models_dialog(app: QApplication, tmp_path: Path, out: Path) -> None:
    """Inference › Models… with the fixture models added (checked by the real loaders)."""
    import shutil

    from PySide6.QtCore import QSettings

    from medpose_gui.app import MainWindow
    from medpose_gui.model_registry import ModelRegistry, add_for_role, choose
    from medpose_gui.model_registry.selection import CONFIG_KEY
    from tests.gui.window_support import DETECTOR_CONFIG, DETECTOR_WEIGHTS, POSE_WEIGHTS

    registry = ModelRegistry()
    folder = tmp_path / "models"  # copies, so the dialog shows paths a user might have
    folder.mkdir()
    files = {name: folder / name for name in ("model_final.pth", "vitpose_casualty.pth",
                                              "detector_finetuned_2025-05.pth")}
    for name, source in (("model_final.pth", DETECTOR_WEIGHTS),
                         ("vitpose_casualty.pth", POSE_WEIGHTS),
                         ("detector_finetuned_2025-05.pth", DETECTOR_WEIGHTS)):
        shutil.copyfile(source, files[name])
    shutil.copyfile(DETECTOR_CONFIG, folder / "medic_pose.yaml")
    add_for_role(registry, files["model_final.pth"], "detector")  # the catalogue name
    add_for_role(registry, files["detector_finetuned_2025-05.pth"], "detector")  # a second
    add_for_role(registry, files["vitpose_casualty.pth"], "pose")
    choose(registry, "detector", "partial-body-detector")
    registry.set_chosen({CONFIG_KEY: str(folder / "medic_pose.yaml")})
    settings = QSettings(str(tmp_path / "dialog.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, show_first_run=False, preload_models=False)
    window.resize(1400, 900)
    window.show()
    _save_dialog(app, window, window.model_setup.open_models(), out)


def main_window(app: QApplication, tmp_path: Path, out: Path, size: str) -> None:
    """The window after a run of the fixture models over three frames of a short video."""
    from medpose_gui.app import MainWindow

    video = make_fixture_video(tmp_path / "casualty_demo.mp4", 12)
    window = MainWindow(settings=make_settings(tmp_path), show_first_run=False)
    width, height = (int(v) for v in size.split("x"))
    window.resize(width, height)
    window.show()
    if not window.open_path(str(video)):
        raise SystemExit(window.last_error)
    done = []
    window.inference.runFinished.connect(done.append)
    window.start_inference([0, 1, 2])
    _wait(app, lambda: bool(done), 600)
    window.go_to(0)
    window.edits.set_review(1, window.project.review_state(1).__class__("approved"))
    _wait(app, lambda: window.current_frame == 0 and window.frame_view.image_size, 30)
    first = window.project.instances(0)[0]
    window.frame_view.select(first.uid)
    window.panel.select(first.uid)
    window.display.refresh_summary()
    _wait(app, lambda: True, 0.3)
    _save_small_png(window.grab(), out)
    print(f"wrote {out} ({width}x{height})")
    window.close()


def video_review_shot(app: QApplication, out_dir: Path, width: int, height: int) -> None:
    """The video tools at work (see the module docstring)."""
    import dataclasses

    import numpy as np

    from medpose_gui.app import MainWindow
    from medpose_gui.core import edits
    from medpose_gui.core.project import Project
    from medpose_gui.media import open_media
    from medpose_gui.session import media_info, project_path_for
    from tests.gui.video_window_support import person, person_at

    n = 60
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        video = make_fixture_video(tmp_path / "casualty_tracks.mp4", n)  # SHIFT_PX per frame
        with open_media(video) as src:
            info = media_info(video, src)
        path = project_path_for(video)
        preds = {f: [person_at(1, f, 0.8), *([] if 33 <= f <= 35 else [person_at(2, f)]),
                     *([person_at(3, f)] if f >= 20 else [])] for f in range(n)}
        glitch = preds[45][1]  # the model's left wrist of person 2 goes astray on one frame
        kps = glitch.keypoints.copy()
        kps[9, :2] += [140.0, -60.0]
        preds[45][1] = dataclasses.replace(glitch, keypoints=kps)
        with Project.create(path, info) as project:
            project.store_predictions(preds)
        window = MainWindow(settings=make_settings(tmp_path), show_first_run=False)
        window.resize(width, height)
        window.show()
        if not window.open_path(str(path)):
            raise SystemExit(window.last_error)
        _wait(app, lambda: window.tracks.index is not None, 30)
        project = window.project
        for f in (5, 25, 40):  # the medic corrects track 1's box (too small) on three frames
            inst = person(project, f, 1)
            window.edits.push(edits.set_box(f, inst, person_at(1, f).box, merge=False))
        window.go_to(10)
        _wait(app, lambda: window.current_frame == 10, 30)
        window.frame_view.select(person(project, 10, 1).uid)
        window.video_tools.interpolate()
        window.go_to(40)
        _wait(app, lambda: window.current_frame == 40, 30)
        window.frame_view.select(person(project, 40, 1).uid)
        window.propagation.start(1)
        _wait(app, lambda: window.propagation.last_result is not None
              and not window.inference.propagating, 600)
        window.go_to(30)
        _wait(app, lambda: window.current_frame == 30, 30)
        selected = person(project, 30, 2)
        window.frame_view.select(selected.uid)
        window.frame_view.selectionChanged.emit(selected.uid)
        window.panel.select(selected.uid)
        window.actions["actionTrajectoryPlot"].setChecked(True)
        window.resizeDocks([window.trajectory_dock], [260], Qt.Orientation.Vertical)
        _wait(app, lambda: window.trajectory.track == 2 and bool(window.trajectory.jump_frames())
              and window.tracks.triage is not None
              and float(np.max(window.tracks.triage.score)) >= 0.5, 60)
        _wait(app, lambda: True, 0.5)
        _save_small_png(window.grab(), out_dir / "video_review.png")
        print(f"wrote {out_dir / 'video_review.png'} ({width}x{height})")
        timeline = window.timeline.grab()
        plot = window.trajectory.grab()
        _save_small_png(_stacked(timeline, plot), out_dir / "timeline_tracks.png")
        print(f"wrote {out_dir / 'timeline_tracks.png'}")
        window.close()


def _stacked(top, bottom):
    """Two pixmaps one above the other."""
    out = QPixmap(max(top.width(), bottom.width()), top.height() + bottom.height())
    out.fill(QColor("#202020"))  # the plots' own background
    painter = QPainter(out)
    painter.drawPixmap(0, 0, top)
    painter.drawPixmap(0, top.height(), bottom)
    painter.end()
    return out


def _save_small_png(pixmap, out: Path) -> None:
    """Save as a 256-colour PNG: the repository keeps binaries well under 1 MB."""
    from PIL import Image
    from PySide6.QtCore import QBuffer, QIODevice

    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not pixmap.save(buffer, "PNG"):
        raise SystemExit(f"cannot write {out}")
    image = Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                   dither=Image.Dither.NONE).save(out, optimize=True)


def _save_dialog(app: QApplication, window, dialog, out: Path) -> None:
    """Once ``dialog`` is up and settled: save it, then close it and its window."""
    _wait(app, lambda: dialog.isVisible(), 10)
    _wait(app, lambda: True, 0.3)
    _save_small_png(dialog.grab(), out)
    print(f"wrote {out} ({dialog.width()}x{dialog.height()})")
    dialog.reject()
    window.close()


if __name__ == "__main__":
    sys.exit(main())
