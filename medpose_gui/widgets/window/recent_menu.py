"""File › Open recent: the recently opened paths, newest first."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QWidget


class RecentFilesMenu(QMenu):
    """One entry per path (its tooltip is the full path); ``pathChosen(path)`` on a click."""

    pathChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Open &recent", parent)
        self.setObjectName("recentMenu")

    def set_paths(self, paths: list[str]) -> None:
        self.clear()
        for path in paths:
            action = self.addAction(Path(path).name)
            action.setToolTip(f"Open {path}")
            action.triggered.connect(lambda _checked=False, p=path: self.pathChosen.emit(p))
        self.setEnabled(not self.isEmpty())
