"""The keyboard-shortcut sheet (F1), generated from the window's actions and the frame view's
own key table so it never drifts."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from medpose_gui.widgets.frame_view.key_bindings import POINT_KEY_HELP

# Mouse gestures are handled inside the frame view, not by QActions; listed for completeness.
MOUSE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Frame", "Move a keypoint or a box edge/corner", "drag with left button"),
    ("Frame", "Pan", "drag with middle button / empty area"),
    ("Frame", "Zoom", "mouse wheel"),
    ("Frame", "Re-estimate pose, delete", "right click on a person"),
    ("Timeline", "Jump to a frame", "click a track or drag the marker"),
)


class ShortcutsDialog(QDialog):
    """A read-only table of (menu, command, keys) rows."""

    def __init__(self, rows: list[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        all_rows = [r for r in rows if r[2]] + list(POINT_KEY_HELP) + list(MOUSE_ROWS)
        table = QTableWidget(len(all_rows), 3, self)
        table.setObjectName("shortcutsTable")
        table.setHorizontalHeaderLabels(["Menu", "Command", "Keys"])
        for r, row in enumerate(all_rows):
            for c, text in enumerate(row):
                table.setItem(r, c, QTableWidgetItem(text))
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(560, 620)
