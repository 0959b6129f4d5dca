"""Render the application icon (medpose_gui/resources/icons/medpose-gui.svg) to PNG and ICO.

Run from the repository root after editing the SVG:

    QT_QPA_PLATFORM=offscreen python packaging/make_icons.py

Writes ``medpose-gui-{256,128,48}.png`` beside the SVG (the Linux desktop entry and the
window icon use them) and ``medpose-gui.ico`` (the Windows executable icon, built from the
256 px rendering by Pillow). macOS wants ``.icns``: see packaging/README.md.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICON_DIR = Path(__file__).resolve().parent.parent / "medpose_gui" / "resources" / "icons"
SVG = ICON_DIR / "medpose-gui.svg"
PNG_SIZES = (256, 128, 48)
# Sizes Windows picks from for the taskbar, explorer and title bar.
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]


def render_png(renderer: QSvgRenderer, size: int, out: Path) -> None:
    """Render the SVG at ``size`` x ``size`` on a transparent background and save it as PNG."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    if not image.save(str(out), "PNG"):
        raise OSError(f"{out}: could not write PNG")


def main() -> int:
    """Write the PNGs and the ICO; return the exit status."""
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise ValueError(f"{SVG}: not a valid SVG")
    for size in PNG_SIZES:
        out = ICON_DIR / f"medpose-gui-{size}.png"
        render_png(renderer, size, out)
        print(f"wrote {out} ({out.stat().st_size} bytes)")
    ico = ICON_DIR / "medpose-gui.ico"
    with Image.open(ICON_DIR / "medpose-gui-256.png") as big:
        big.save(ico, format="ICO", sizes=ICO_SIZES)
    print(f"wrote {ico} ({ico.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
