"""Where the main window's parts go: frame view over the timeline in the centre, inspector
and undo history docked on the right, menus and toolbar generated from the action table."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QToolBar,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from medpose_gui.app import MainWindow


def _column(parent: QWidget, *widgets: tuple[QWidget, int]) -> QWidget:
    """Widgets stacked vertically with the given stretch factors."""
    host = QWidget(parent)
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    for widget, stretch in widgets:
        layout.addWidget(widget, stretch)
    return host


def _dock(window: QMainWindow, name: str, title: str, widget: QWidget) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(widget)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    return dock


def app_icon() -> QIcon:
    """The application icon from the package resources (empty icon if not installed)."""
    icons = resources.files("medpose_gui").joinpath("resources", "icons")
    icon = QIcon()
    for size in (48, 128, 256):
        path = icons.joinpath(f"medpose-gui-{size}.png")
        if path.is_file():
            icon.addFile(str(path))
    return icon


def build_layout(w: MainWindow) -> QMenu:
    """Place the window's widgets; returns the "Open recent" menu for the window to fill."""
    w.setWindowIcon(app_icon())
    central = _column(w, (w.frame_view, 1), (w.timeline, 0))
    w.setCentralWidget(central)
    w.inspector_dock = _dock(w, "inspectorDock", "Inspector", _column(w, (w.filters, 0), (w.panel, 1)))
    w.history_dock = _dock(w, "historyDock", "Undo history", QUndoView(w.edits.stack))
    w.tabifyDockWidget(w.inspector_dock, w.history_dock)
    w.inspector_dock.raise_()
    menus = w.actions.populate_menus(w.menuBar())
    recent = QMenu("Open &recent", w)
    recent.setObjectName("recentMenu")
    menus["&File"].insertMenu(w.actions["actionSaveAs"], recent)
    for dock in (w.inspector_dock, w.history_dock):
        action = dock.toggleViewAction()
        action.setToolTip(f"Show or hide the {dock.windowTitle().lower()} panel")
        menus["&View"].addAction(action)
    toolbar = QToolBar("Tools", w)
    toolbar.setObjectName("mainToolBar")
    toolbar.toggleViewAction().setToolTip("Show or hide the toolbar")
    menus["&View"].addAction(toolbar.toggleViewAction())
    w.actions.populate_toolbar(toolbar)
    w.category_combo = QComboBox(w)
    w.category_combo.setObjectName("categoryCombo")
    w.category_combo.setToolTip("Category of the next box drawn (B)")
    toolbar.addSeparator()
    toolbar.addWidget(QLabel(" new box: ", w))
    toolbar.addWidget(w.category_combo)
    w.addToolBar(toolbar)
    w.status.cancel_button.setDefaultAction(w.actions["actionCancelInference"])
    return recent


def fill_recent(menu: QMenu, paths: list[str], open_path: Callable[[str], object]) -> None:
    """(Re)fill File > Open recent; each entry's tooltip is its full path."""
    menu.clear()
    for path in paths:
        action = menu.addAction(Path(path).name)
        action.setToolTip(f"Open {path}")
        action.triggered.connect(lambda _checked=False, p=path: open_path(p))
    menu.setEnabled(not menu.isEmpty())
