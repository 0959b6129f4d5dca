"""Review > Model quality...: how well the models did on the approved frames.

Shows :func:`medpose_gui.evaluation.evaluate_project` for the open project and one category:
OKS keypoint AP/AR, box AP/AR, counts, a per-keypoint table and a bar plot of the mean pixel
error per keypoint. The report is computed in a background thread (COCOeval takes seconds on
big projects) and can be saved as JSON. The dialog is modeless: it is shown with ``show()``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from medpose_gui.core.reference import REFERENCE_CATEGORIES
from medpose_gui.evaluation import QualityReport, evaluate_project
from medpose_gui.widgets.background.task import BackgroundTask

TABLE_COLUMNS = ("keypoint", "n", "mean px", "median px", "corrected", "of")
NO_APPROVED_TEXT = ("No approved frames for this category yet. Approve frames (A) after "
                    "correcting them: the report compares the model's predictions with what "
                    "you approved.")
LABEL_ANGLE = -90.0  # degrees: 21 long keypoint names only fit side by side read upwards


class SlantedAxis(pg.AxisItem):
    """A bottom axis whose tick labels are drawn turned (upwards), so 21 long names fit."""

    def __init__(self, height: int = 125) -> None:
        super().__init__("bottom")
        self.setHeight(height)
        # The labels' unturned width would push the last names past the axis end; turned they fit.
        self.setStyle(hideOverlappingLabels=False)

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs) -> None:  # noqa: N802 - Qt naming
        super().drawPicture(p, axisSpec, tickSpecs, [])
        p.setPen(self.textPen())
        metrics = p.fontMetrics()
        for rect, _flags, text in textSpecs:
            width = metrics.horizontalAdvance(text) + 4
            p.save()
            p.translate(QPointF(rect.center().x(), rect.top()))
            p.rotate(LABEL_ANGLE)  # the text ends at its tick and runs down from it
            p.drawText(QRectF(-width, -metrics.height() / 2, width, metrics.height()),
                       int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text)
            p.restore()


def _num(value: float, fmt: str = "{:.2f}") -> str:
    value = float(value)
    return fmt.format(value) if math.isfinite(value) else "–"


def _metric(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def summary_html(report: QualityReport) -> str:
    """Counts and COCO metrics as a small HTML table."""
    c = report.counts
    deleted = "unknown" if c.deleted_predictions is None else str(c.deleted_predictions)
    rows = [f"<b>{c.approved_frames}</b> approved frames, <b>{c.instances}</b> instances: "
            f"{c.predicted} predicted ({c.untouched} untouched, {c.corrected} corrected), "
            f"{c.manual} drawn by hand (missed detections); deleted predictions: {deleted}",
            f"mean error <b>{_num(report.mean_error_px)} px</b>, corrected points "
            f"<b>{_num(100 * report.correction_rate, '{:.1f}')}%</b> (moved more than "
            f"{report.move_tolerance_px:g} px or visibility changed)"]
    keys = ("AP", "AP50", "AP75", "AR")
    head = "".join(f"<th>&nbsp;{k}&nbsp;</th>" for k in keys)
    box_keys = ("AP", "AP50", "AP75", "AR100")
    kp = "".join(f"<td align=right>{_metric(report.keypoint_metrics.get(k))}</td>" for k in keys)
    box = "".join(f"<td align=right>{_metric(report.box_metrics.get(k))}</td>" for k in box_keys)
    table = (f"<table cellspacing=4><tr><th></th>{head}</tr>"
             f"<tr><td>keypoints (OKS)</td>{kp}</tr><tr><td>boxes</td>{box}</tr></table>")
    return "<br>".join(rows) + table


class QualityPanel(QDialog):
    """The model-quality report of ``project_getter()`` (None: no project open)."""

    def __init__(self, project_getter: Callable[[], object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qualityPanel")
        self.setWindowTitle("Model quality")
        self._project = project_getter
        self.report: QualityReport | None = None
        self.task: BackgroundTask | None = None
        self._pending = False  # a refresh was asked for while one was running
        self._ticks: list[tuple[float, str]] = []

        self.category = QComboBox(self)
        self.category.setObjectName("qualityCategory")
        self.category.setToolTip("Category (detector class) to evaluate")
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setObjectName("qualityRefresh")
        self.refresh_button.setToolTip("Compute the report again from the approved frames")
        self.save_button = QPushButton("Save JSON…", self)
        self.save_button.setObjectName("qualitySaveJson")
        self.save_button.setToolTip("Write the report as JSON")
        self.save_button.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(QLabel("Category:", self))
        top.addWidget(self.category)
        top.addStretch(1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.save_button)

        self.message = QLabel("", self)
        self.message.setObjectName("qualityMessage")
        self.message.setWordWrap(True)
        self.summary = QLabel("", self)
        self.summary.setObjectName("qualitySummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)

        self.table = QTableWidget(0, len(TABLE_COLUMNS), self)
        self.table.setObjectName("qualityTable")
        self.table.setHorizontalHeaderLabels(TABLE_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("n: points labelled in both prediction and correction; corrected: "
                              "share of compared points the medic changed, of that many")

        self.axis = SlantedAxis()
        self.plot = pg.PlotWidget(self, axisItems={"bottom": self.axis})
        self.plot.setObjectName("qualityPlot")
        self.plot.setBackground("w")
        self.plot.setLabel("left", "mean error", units="px")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=(70, 130, 200))
        self.plot.addItem(self.bars)

        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(self.plot)
        split.setSizes([380, 620])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        self.resize(1100, 640)

        self.refresh_button.clicked.connect(self.refresh)
        self.save_button.clicked.connect(self._choose_json)
        self.category.currentTextChanged.connect(lambda _name: self.refresh())

    # -- computing ---------------------------------------------------------------------
    def set_categories(self, names: list[str]) -> None:
        """Fill the category chooser (keeps the current choice when it still exists)."""
        current = self.category.currentText()
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItems(names)
        if current in names:
            self.category.setCurrentText(current)
        self.category.blockSignals(False)

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.done

    def refresh(self) -> None:
        """Compute the report again in a background thread."""
        project = self._project()
        if project is None:
            self._show_message("No project is open.")
            return
        if self.busy:
            self._pending = True
            return
        category = self.category.currentText() or REFERENCE_CATEGORIES[0]
        self.refresh_button.setEnabled(False)
        self.message.setText(f"Computing the report for {category}…")
        task = BackgroundTask(lambda _progress, _cancel: evaluate_project(
            project, category=category), self)
        task.succeeded.connect(self.show_report)
        task.failed.connect(lambda msg: self._show_message(f"Cannot compute the report: {msg}",
                                                           error=True))
        for signal in (task.succeeded, task.failed):
            signal.connect(self._task_done)
        self.task = task
        task.start()

    def _task_done(self, *_args: object) -> None:
        self.task = None  # finished: a pending refresh may start from this handler
        self.refresh_button.setEnabled(True)
        if self._pending:
            self._pending = False
            self.refresh()

    def _show_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #c03030" if error else "")
        self.message.setVisible(bool(text))

    # -- showing -----------------------------------------------------------------------
    def show_report(self, report: QualityReport) -> None:
        self.report = report
        self.save_button.setEnabled(True)
        none = report.counts.approved_frames == 0
        empty = f"The approved frames have no {report.category} instances."
        self._show_message(NO_APPROVED_TEXT if none else empty if not report.counts.instances
                           else "")
        self.summary.setText(summary_html(report))
        k = report.per_keypoint_error()
        self.table.setRowCount(len(k.names))
        for i, name in enumerate(k.names):
            cells = (name, str(int(k.num_points[i])), _num(k.mean_px[i]), _num(k.median_px[i]),
                     _num(100 * k.correction_rate[i], "{:.1f}%"), str(int(k.num_compared[i])))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, col, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        x = np.arange(len(k.names), dtype=float)
        heights = np.nan_to_num(k.mean_px.astype(float), nan=0.0)  # no point: no bar
        self.bars.setOpts(x=x, height=heights, width=0.7)
        self._ticks = list(zip(x.tolist(), k.names, strict=True))
        self.axis.setTicks([self._ticks])
        self.plot.setXRange(-0.6, len(k.names) - 0.4, padding=0)
        self.plot.setYRange(0, max(float(heights.max(initial=0.0)) * 1.1, 1.0), padding=0)
        self.plot.setTitle(f"Mean pixel error per keypoint ({report.category})")

    def bar_heights(self) -> np.ndarray:
        """The plotted mean errors, one per keypoint (0 where no point was compared)."""
        return np.asarray(self.bars.opts["height"], dtype=float)

    def tick_labels(self) -> list[str]:
        """The keypoint names on the plot's x axis, in bar order."""
        return [label for _x, label in self._ticks]

    # -- saving ------------------------------------------------------------------------
    def _choose_json(self) -> None:
        if self.report is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save quality report", "quality.json",
                                              "JSON (*.json)")
        if path:
            self.save_json(path)

    def save_json(self, path: str) -> bool:
        """Write the shown report; False (and a message) on failure."""
        if self.report is None:
            return False
        try:
            self.report.to_json(path)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self._show_message(f"Cannot save {path}: {exc}", error=True)
            return False
        self._show_message(f"Saved {path}")
        return True

