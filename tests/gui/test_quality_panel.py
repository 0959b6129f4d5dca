"""Review > Model quality...: the panel on real projects (SQLite under tmp_path) with
predictions stored, keypoints moved by known amounts through core.edits and frames approved."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from medpose_gui.app import MainWindow  # noqa: E402
from medpose_gui.widgets.dialogs.model_quality import NO_APPROVED_TEXT, QualityPanel  # noqa: E402
from tests.formats.project_builder import empty_project  # noqa: E402
from tests.gui.window_support import make_settings  # noqa: E402
from tests.review_helpers import K, approve, move_point, spread_patient  # noqa: E402

CHEST = 3


@pytest.fixture()
def project(tmp_path):
    with empty_project(tmp_path / "p.medpose") as p:
        p.store_predictions({0: [spread_patient(20, 20)], 1: [spread_patient(40, 30)],
                             2: [spread_patient(30, 30)]})
        yield p


def _panel(qtbot, project) -> QualityPanel:
    panel = QualityPanel(lambda: project)
    qtbot.addWidget(panel)
    panel.set_categories([c.name for c in project.categories])
    return panel


def _computed(qtbot, panel: QualityPanel) -> None:
    panel.refresh()
    qtbot.waitUntil(lambda: not panel.busy and panel.report is not None, timeout=30000)


def _row(panel: QualityPanel, name: str) -> list[str]:
    for r in range(panel.table.rowCount()):
        if panel.table.item(r, 0).text() == name:
            return [panel.table.item(r, c).text() for c in range(panel.table.columnCount())]
    raise AssertionError(f"no row {name!r}")


def test_moved_keypoint_shows_its_mean_error_in_table_and_plot(qtbot, project, tmp_path):
    move_point(project, 0, CHEST, 3.0, 4.0)  # 5 px
    move_point(project, 1, CHEST, -6.0, 8.0)  # 10 px
    move_point(project, 2, CHEST, 100.0, 0.0)  # frame 2 stays unapproved: not counted
    approve(project, 0)
    approve(project, 1)
    panel = _panel(qtbot, project)
    _computed(qtbot, panel)

    name, n, mean, _median, corrected, of = _row(panel, "chest")
    assert (name, n, mean, corrected, of) == ("chest", "2", "7.50", "100.0%", "2")
    assert _row(panel, "nose")[2] == "0.00"
    heights = panel.bar_heights()
    assert heights.shape == (K,)
    assert heights[CHEST] == pytest.approx(7.5)
    assert np.delete(heights, CHEST) == pytest.approx(np.zeros(K - 1))
    assert panel.tick_labels()[CHEST] == "chest" and len(panel.tick_labels()) == K
    assert "2</b> approved frames" in panel.summary.text()
    assert panel.message.text() == ""

    out = tmp_path / "report" / "quality.json"
    out.parent.mkdir()
    assert panel.save_json(str(out))
    saved = json.loads(out.read_text())
    assert saved["per_keypoint"][CHEST]["mean_error_px"] == pytest.approx(7.5)

    # Refresh picks up a new approval: frame 2's 100 px move now counts (mean (5+10+100)/3).
    approve(project, 2)
    _computed(qtbot, panel)
    qtbot.waitUntil(lambda: panel.report.counts.approved_frames == 3, timeout=30000)
    assert _row(panel, "chest")[2] == "38.33"
    assert panel.bar_heights()[CHEST] == pytest.approx(115 / 3)


def test_no_approved_frames_says_so_and_plots_nothing(qtbot, project):
    panel = _panel(qtbot, project)
    _computed(qtbot, panel)
    assert panel.message.text() == NO_APPROVED_TEXT
    assert not panel.bar_heights().any()
    assert _row(panel, "chest")[2] == "–"


def test_category_chooser_evaluates_the_chosen_category(qtbot, project):
    approve(project, 0)
    panel = _panel(qtbot, project)
    _computed(qtbot, panel)
    assert len(panel.tick_labels()) == K
    panel.category.setCurrentText("user")  # a change recomputes by itself
    qtbot.waitUntil(lambda: not panel.busy and panel.report.category == "user", timeout=30000)
    assert panel.table.rowCount() == 6 and len(panel.tick_labels()) == 6
    assert panel.report.counts.instances == 0


def test_window_action_opens_the_panel_for_the_open_project(qtbot, tmp_path, project):
    move_point(project, 0, CHEST, 3.0, 4.0)
    approve(project, 0)
    path = project.path
    project.close()  # the window opens the file itself (projects are locked while open)
    window = MainWindow(settings=make_settings(tmp_path), show_first_run=False,
                        preload_models=False)
    qtbot.addWidget(window)
    window.sessions.ask_relink_path = lambda _project: None  # the media are not needed (no dialog)
    action = window.actions["actionModelQuality"]
    assert not action.isEnabled()  # no project yet
    assert window.open_path(path)
    assert action.isEnabled() and "Ctrl+Shift+Q" in action.toolTip()
    action.trigger()
    panel = window.findChild(QualityPanel, "qualityPanel")
    assert panel is not None and panel.isVisible()
    qtbot.waitUntil(lambda: not panel.busy and panel.report is not None, timeout=30000)
    assert _row(panel, "chest")[2] == "5.00"
    panel.grab().save(str(tmp_path / "quality_panel.png"))
    window.close()
