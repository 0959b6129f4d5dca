"""Right-dock inspector: the persons of the current frame and the keypoints of the selected one.

The panel never changes the project: a visibility change becomes a ``set_visibility`` edit
emitted on ``editRequested`` (the window pushes it on the undo stack), and "Place" asks the
frame view to place an absent point with the next click (``placeRequested``).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QModelIndex, QStringListModel, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from medpose_gui.core import edits
from medpose_gui.core.annotations import Instance, Visibility
from medpose_gui.widgets.frame_view.items import style

VISIBILITY_LABELS = {Visibility.VISIBLE: "visible", Visibility.OCCLUDED: "occluded",
                     Visibility.ABSENT: "absent"}


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


class _PersonRows(QStringListModel):
    """The person list's rows: a text each, and its track's colour as the row's swatch."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colors: list[QColor] = []

    def set_rows(self, texts: list[str], colors: list[QColor]) -> None:
        self._colors = colors
        self.setStringList(texts)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DecorationRole and 0 <= index.row() < len(self._colors):
            return self._colors[index.row()]
        return super().data(index, role)


def person_row_text(n: int, inst: Instance) -> str:
    """``2. patient #7 · propagated · box 0.93 · pts 0.81`` (the track number when known)."""
    track = f" #{inst.track_id}" if inst.track_id is not None else ""
    return (f"{n}. {inst.category}{track} · {inst.source.value} · box {_fmt(inst.box_score)} "
            f"· pts {_fmt(inst.mean_score())}")


class InstancePanel(QWidget):
    """List of persons + keypoint table of the selected person."""

    editRequested = Signal(object)  # core.edits.Edit
    instanceSelected = Signal(str)  # uid ("" = none)
    keypointChosen = Signal(str, int)  # uid, keypoint index the user picked in the table
    placeRequested = Signal(str, int)  # uid, keypoint index

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("instancePanel")
        self._frame = -1
        self._instances: list[Instance] = []
        self._names: dict[str, tuple[str, ...]] = {}  # category -> keypoint names
        self._uid = ""
        self._k = -1  # the keypoint row chosen (kept while the table is filled again)
        self._filling = False

        # A string model, not a QListWidget: a crowded frame (tens of persons) is one list
        # handed to C++ instead of an item object per person on every frame shown.
        self._rows = _PersonRows(self)
        self.list = QListView(self)
        self.list.setObjectName("instanceList")
        self.list.setModel(self._rows)
        self.list.setUniformItemSizes(True)  # one text layout, not one per person per frame
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._row_changed(current.row()))
        self.details = QLabel("", self)
        self.details.setObjectName("instanceDetails")
        self.details.setWordWrap(True)
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("keypointTable")
        self.table.setHorizontalHeaderLabels(["keypoint", "visibility", "score"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_place_button)
        self.table.itemSelectionChanged.connect(self._keypoint_row_changed)
        self.place_button = QPushButton("Place", self)
        self.place_button.setObjectName("placeKeypointButton")
        self.place_button.setToolTip("Place the selected absent keypoint with the next click on the frame")
        self.place_button.clicked.connect(self._place_clicked)
        self.place_button.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(QLabel("Persons in this frame", self))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.table, 3)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.place_button)
        layout.addLayout(row)

    # -- content ------------------------------------------------------------------
    def set_frame(self, frame: int, instances: list[Instance],
                  keypoint_names: dict[str, tuple[str, ...]]) -> None:
        """Show ``instances`` of ``frame``; keeps the selected person if it is still there."""
        self._frame, self._instances, self._names = frame, list(instances), keypoint_names
        self._filling = True
        try:
            self._rows.set_rows(
                [person_row_text(n, inst) for n, inst in enumerate(self._instances, start=1)],
                [style.person_color(inst.category, inst.track_id) for inst in self._instances])
        finally:
            self._filling = False
        uids = [i.uid for i in self._instances]
        self.select(self._uid if self._uid in uids else "")

    def select(self, uid: str) -> None:
        """Select ``uid`` ("" clears) without emitting instanceSelected."""
        uids = [i.uid for i in self._instances]
        uid = uid if uid in uids else ""
        if uid != self._uid:
            self._k = -1
        self._uid = uid
        self._filling = True
        try:
            row = uids.index(self._uid) if self._uid else -1
            self.list.setCurrentIndex(self._rows.index(row) if row >= 0 else QModelIndex())
        finally:
            self._filling = False
        self._fill_table()

    def selected_uid(self) -> str:
        return self._uid

    def select_keypoint(self, k: int) -> None:
        """Show keypoint ``k`` chosen (-1: none) without emitting keypointChosen."""
        self._k = k if 0 <= k < self.table.rowCount() else -1
        self._filling = True
        try:
            if self._k >= 0:
                self.table.selectRow(self._k)
            else:
                self.table.clearSelection()
        finally:
            self._filling = False

    def _keypoint_row_changed(self) -> None:
        if self._filling:
            return
        self._k = self._selected_row()
        if self._uid and self._k >= 0:
            self.keypointChosen.emit(self._uid, self._k)  # the frame view selects it too

    def _current(self) -> Instance | None:
        return next((i for i in self._instances if i.uid == self._uid), None)

    def _fill_table(self) -> None:
        filling, self._filling = self._filling, True
        try:
            self._fill_rows()
            if 0 <= self._k < self.table.rowCount():
                self.table.selectRow(self._k)  # the same point stays chosen after an edit
        finally:
            self._filling = filling
        self._update_place_button()

    def _fill_rows(self) -> None:
        inst = self._current()
        self.table.setRowCount(0)
        if inst is None:
            self.details.setText("No person selected" if self._instances else "No persons")
            return
        box = ", ".join(f"{v:.0f}" for v in inst.box)
        self.details.setText(f"<b>{inst.category}</b> ({inst.source.value})<br>box [{box}] "
                             f"score {_fmt(inst.box_score)}")
        names = self._names.get(inst.category, ())
        self.table.setRowCount(inst.num_keypoints)
        for k in range(inst.num_keypoints):
            name = names[k] if k < len(names) else f"point {k}"
            self.table.setItem(k, 0, QTableWidgetItem(name))
            combo = QComboBox(self.table)
            combo.setObjectName(f"visibility_{k}")
            for vis, label in VISIBILITY_LABELS.items():
                combo.addItem(label, int(vis))
            combo.setCurrentIndex(combo.findData(int(inst.keypoints[k, 2])))
            combo.currentIndexChanged.connect(
                lambda _i, k=k, combo=combo: self._visibility_chosen(k, combo.currentData()))
            self.table.setCellWidget(k, 1, combo)
            self.table.setItem(k, 2, QTableWidgetItem(_fmt(inst.scores[k])))

    # -- user actions -------------------------------------------------------------
    def visibility_combo(self, k: int) -> QComboBox:
        return self.table.cellWidget(k, 1)

    def _visibility_chosen(self, k: int, value: int) -> None:
        inst = self._current()
        if inst is None or int(inst.keypoints[k, 2]) == int(value):
            return
        names = self._names.get(inst.category, ())
        name = names[k] if k < len(names) else None
        self.editRequested.emit(edits.set_visibility(self._frame, inst, k, Visibility(value), name))

    def _row_changed(self, row: int) -> None:
        if self._filling:
            return
        self._uid = self._instances[row].uid if 0 <= row < len(self._instances) else ""
        self._fill_table()
        self.instanceSelected.emit(self._uid)

    def _selected_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _update_place_button(self) -> None:
        inst, k = self._current(), self._selected_row()
        self.place_button.setEnabled(inst is not None and 0 <= k < inst.num_keypoints)
        if inst is not None and 0 <= k < inst.num_keypoints:
            absent = int(inst.keypoints[k, 2]) == Visibility.ABSENT
            self.place_button.setText("Place" if absent else "Place again")

    def _place_clicked(self) -> None:
        k = self._selected_row()
        if self._uid and k >= 0:
            self.placeRequested.emit(self._uid, k)
