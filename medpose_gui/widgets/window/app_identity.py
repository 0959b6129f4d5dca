"""Application-wide identity (names, icon, desktop entry) and the packaging smoke hook."""

from __future__ import annotations

import os
from importlib import resources

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget


def app_icon() -> QIcon:
    """The application icon from the package resources (empty icon if not installed)."""
    icons = resources.files("medpose_gui").joinpath("resources", "icons")
    icon = QIcon()
    for size in (48, 128, 256):
        path = icons.joinpath(f"medpose-gui-{size}.png")
        if path.is_file():
            icon.addFile(str(path))
    return icon


def apply_app_identity(app: QApplication) -> None:
    """Names for QSettings, the desktop file (packaging/medpose-gui.desktop) and the icon."""
    app.setOrganizationName("medpose-gui")
    app.setApplicationName("medpose-gui")
    app.setDesktopFileName("medpose-gui")  # Wayland/X11 match the .desktop entry by this
    app.setWindowIcon(app_icon())


def schedule_smoke_exit(window: QWidget) -> None:
    """``MEDPOSE_SMOKE_EXIT_MS=N``: print the window's title and size after N ms and close it.

    Used by packaging/smoke.sh to check that a built bundle really shows its window. Closing
    the window (not ``app.quit()``) lets closeEvent stop the worker threads first.
    """
    ms = os.environ.get("MEDPOSE_SMOKE_EXIT_MS")
    if not ms:
        return

    def report_and_close() -> None:
        print(f"window: {window.windowTitle()} {window.width()}x{window.height()}", flush=True)
        window.close()

    QTimer.singleShot(int(ms), report_and_close)
