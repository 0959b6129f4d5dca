"""Save the screenshots in docs/screenshots: the main window, the Models dialog, the first run.

Runs the real window offscreen with its own settings and model registry (a temporary
folder, never the user's):

- ``main_window.png``: a short video made from the detector fixture frame, the fixture
  detector + ViTPose run through the inference worker, one person selected so the inspector
  shows its keypoints;
- ``models_dialog.png``: Inference › Models… with the fixture models in the registry (two
  detectors to choose from, no user pose model);
- ``first_run.png``: what a new user sees at the first start: the same dialog with the
  welcome text, nothing configured yet.

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

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
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
    dialog = window.findChild(ModelsDialog, "modelsDialog")
    _wait(app, lambda: dialog.isVisible(), 10)
    _wait(app, lambda: True, 0.3)
    _save_small_png(dialog.grab(), out)
    print(f"wrote {out} ({dialog.width()}x{dialog.height()})")
    dialog.reject()
    window.close()


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
    dialog = window.model_setup.open_models()
    _wait(app, lambda: dialog.isVisible(), 10)
    _wait(app, lambda: True, 0.3)
    _save_small_png(dialog.grab(), out)
    print(f"wrote {out} ({dialog.width()}x{dialog.height()})")
    dialog.reject()
    window.close()


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


if __name__ == "__main__":
    sys.exit(main())
