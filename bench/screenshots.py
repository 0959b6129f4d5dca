"""Save docs/screenshots/main_window.png: the main window with model predictions on a frame.

Runs the real window offscreen: a short video made from the detector fixture frame, the
fixture detector + ViTPose run through the inference worker, one person selected so the
inspector shows its keypoints, then ``QWidget.grab()``.

    QT_QPA_PLATFORM=offscreen python bench/screenshots.py [--out docs/screenshots/main_window.png]
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
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots" / "main_window.png"))
    parser.add_argument("--size", default="1600x1000", help="window size WxH")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from medpose_gui.app import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        video = make_fixture_video(tmp_path / "casualty_demo.mp4", 12)
        window = MainWindow(settings=make_settings(tmp_path), show_first_run=False)
        width, height = (int(v) for v in args.size.split("x"))
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
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        _save_small_png(window.grab(), out)
        print(f"wrote {out} ({width}x{height})")
        window.close()
    return 0


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
