"""Pure parts behind the main window: frame scopes, N/L navigation, in-progress marking."""

from __future__ import annotations

import numpy as np
import pytest

from medpose_gui.core import edits
from medpose_gui.core.annotations import Instance, ReviewState
from medpose_gui.widgets.controllers.edits import with_in_progress
from medpose_gui.widgets.controllers.navigation import next_low_confidence, next_unreviewed
from medpose_gui.widgets.dialogs.run_dialog import frames_for
from medpose_gui.widgets.panels.status_bar import format_eta
from medpose_gui.widgets.panels.timeline import format_time
from medpose_gui.widgets.settings import ModelSettings


class _Summary:
    def __init__(self, review, mean_score):
        self.review = np.asarray(review, np.int8)
        self.mean_score = np.asarray(mean_score, np.float64)


def test_run_scopes_pick_all_range_current_or_not_approved_frames():
    review = [2, 0, 1, 2, 0]
    assert frames_for("all", 5, 2, review) == [0, 1, 2, 3, 4]
    assert frames_for("current", 5, 2, review) == [2]
    assert frames_for("range", 5, 2, review, first=3, last=1) == [1, 2, 3]
    assert frames_for("range", 5, 2, review, first=3, last=99) == [3, 4]
    assert frames_for("unreviewed", 5, 2, review) == [1, 2, 4]
    with pytest.raises(ValueError, match="unknown scope"):
        frames_for("some", 5, 0, review)


def test_next_unreviewed_searches_forward_and_wraps_around():
    s = _Summary([2, 0, 2, 2, 0, 2], [np.nan] * 6)
    assert next_unreviewed(s, 1) == 4
    assert next_unreviewed(s, 4) == 1  # wraps
    assert next_unreviewed(_Summary([2, 2], [np.nan] * 2), 0) is None


def test_next_low_confidence_ignores_frames_without_scores():
    s = _Summary([0] * 5, [0.9, np.nan, 0.3, 0.8, 0.1])
    assert next_low_confidence(s, 0, 0.5) == 2
    assert next_low_confidence(s, 2, 0.5) == 4
    assert next_low_confidence(s, 4, 0.05) is None


def test_first_edit_of_an_unreviewed_frame_also_marks_it_in_progress_in_one_undo_step():
    inst = Instance.manual("patient", (0, 0, 10, 10), 21)
    edit = edits.move_keypoint(3, inst, 2, 5.0, 5.0)
    marked = with_in_progress(edit, ReviewState.UNREVIEWED)
    assert (marked.review_before, marked.review_after) == (ReviewState.UNREVIEWED,
                                                           ReviewState.IN_PROGRESS)
    assert marked.merge_key is None and marked.changes == edit.changes
    assert with_in_progress(edit, ReviewState.APPROVED) is edit  # approved stays approved
    approve = edits.set_review_state(3, ReviewState.UNREVIEWED, ReviewState.APPROVED)
    assert with_in_progress(approve, ReviewState.UNREVIEWED) is approve


def test_model_settings_problems_name_the_missing_file(tmp_path):
    m = ModelSettings(detector_weights=str(tmp_path / "missing.pth"), pose_weights="")
    problems = "\n".join(m.problems())
    assert "missing.pth" in problems
    assert "Pose model (patients): none configured (Inference › Models…)" in problems
    m = ModelSettings(detector_weights=__file__, pose_weights=__file__, device="tpu")
    assert any("Device" in p for p in m.problems())


def test_times_and_eta_are_formatted_for_people():
    assert format_time(0) == "00:00.000"
    assert format_time(61.5) == "01:01.500"
    assert format_time(3725.25) == "1:02:05.250"
    assert format_eta(float("nan")) == "ETA –"
    assert format_eta(75) == "ETA 1:15"


def test_after_first_paint_waits_for_the_paint_and_runs_once(qtbot):
    from PySide6.QtWidgets import QWidget

    from medpose_gui.widgets.window.startup import AfterFirstPaint

    widget = QWidget()
    qtbot.addWidget(widget)
    calls = []
    AfterFirstPaint(widget, lambda: calls.append(widget.isVisible()), fallback_ms=60_000)
    qtbot.wait(50)
    assert calls == []  # not shown, not painted: nothing yet
    widget.show()
    qtbot.waitUntil(lambda: calls == [True], timeout=5000)
    widget.repaint()
    qtbot.wait(50)
    assert calls == [True]  # later paints do not call again


def test_after_first_paint_falls_back_to_a_timer_for_a_window_never_shown(qtbot):
    from PySide6.QtWidgets import QWidget

    from medpose_gui.widgets.window.startup import AfterFirstPaint

    widget = QWidget()
    qtbot.addWidget(widget)
    calls = []
    AfterFirstPaint(widget, lambda: calls.append(1), fallback_ms=100)
    qtbot.waitUntil(lambda: calls == [1], timeout=5000)


def test_after_first_paint_can_wait_for_a_paint_that_is_ready(qtbot):
    from PySide6.QtWidgets import QWidget

    from medpose_gui.widgets.window.startup import AfterFirstPaint

    widget = QWidget()
    qtbot.addWidget(widget)
    calls, ready = [], []
    AfterFirstPaint(widget, lambda: calls.append(1), fallback_ms=60_000,
                    ready=lambda: bool(ready))  # e.g. "the first frame is on screen"
    widget.show()
    qtbot.waitExposed(widget)
    widget.repaint()
    qtbot.wait(50)
    assert calls == []  # painted, but not ready
    ready.append(True)
    widget.repaint()
    qtbot.waitUntil(lambda: calls == [1], timeout=5000)
