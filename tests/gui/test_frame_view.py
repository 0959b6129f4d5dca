"""The frame view's picture, zoom, pan, hover and selection (real widget, offscreen)."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QHelpEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QToolTip

from medpose_gui.core.annotations import Source, Visibility
from medpose_gui.core.schema import load_schema
from medpose_gui.widgets.frame_view import FrameView, FrameViewError
from tests.gui.frame_view_support import (
    FRAME_H,
    FRAME_W,
    click,
    drag,
    make_frame,
    make_patient,
    with_visibility,
)

SCHEMAS = {"patient": load_schema("medic_casualty"), "user": load_schema("medic_user")}


@pytest.fixture
def view(qtbot):
    v = FrameView()
    qtbot.addWidget(v)
    v.resize(800, 500)
    v.show()
    qtbot.waitExposed(v)
    v.set_frame(0, make_frame(FRAME_W, FRAME_H))
    return v


def _instances():
    pred = make_patient((60, 40, 240, 330), seed=1)
    corr = with_visibility(make_patient((330, 40, 520, 330), source=Source.CORRECTED, seed=2),
                           9, Visibility.OCCLUDED)
    corr = with_visibility(corr, 16, Visibility.ABSENT)
    manual = make_patient((540, 200, 630, 350), source=Source.MANUAL, box_score=None, seed=3)
    return pred, corr, manual


def _wheel(view, pos: QPoint, notches: float) -> None:
    event = QWheelEvent(QPointF(pos), QPointF(view.viewport().mapToGlobal(pos)), QPoint(0, 0),
                        QPoint(0, int(120 * notches)), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def test_object_name_is_frame_view(view):
    assert view.objectName() == "frameView"


def test_sources_points_and_labels_look_different(view):
    pred, corr, manual = _instances()
    view.set_annotations([pred, corr, manual], SCHEMAS)
    styles = {uid: view.items_for(uid).box.pen for uid in (pred.uid, corr.uid, manual.uid)}
    assert styles[pred.uid].dashPattern() and styles[corr.uid].style() == Qt.PenStyle.SolidLine
    assert styles[manual.uid].widthF() > styles[corr.uid].widthF()
    assert all(pen.isCosmetic() for pen in styles.values())
    assert view.items_for(pred.uid).label.text == "patient 0.97 · predicted"
    assert view.items_for(manual.uid).label.text == "patient · manual"
    points = view.items_for(corr.uid).markers
    assert points.marker(9).occluded and not points.marker(8).occluded
    assert not points.marker(16).shown  # absent: not drawn
    # Confidence: the lower-scoring point is fainter; colour from the schema.
    lo, hi = int(np.argmin(pred.scores)), int(np.argmax(pred.scores))
    pred_points = view.items_for(pred.uid).markers
    assert pred_points.marker(lo).opacity < pred_points.marker(hi).opacity
    assert pred_points.marker(5).color_rgb == tuple(SCHEMAS["patient"].keypoint_colors[5])


def test_hovering_a_point_names_it_with_score_and_visibility(view, qtbot):
    pred, *_ = _instances()
    view.set_annotations([pred], SCHEMAS)
    texts = []
    view.hoverText.connect(texts.append)
    from PySide6.QtTest import QTest
    QTest.mouseMove(view.viewport(), view.mapFromScene(view.keypoint_scene_pos(pred.uid, 15)))
    assert texts[-1] == f"left_knee · score {pred.scores[15]:.2f} · visible"
    assert view.items_for(pred.uid).markers.marker(15).hover  # ringed: a press grabs it
    at = view.mapFromScene(view.keypoint_scene_pos(pred.uid, 15))
    QApplication.sendEvent(view.viewport(), QHelpEvent(
        QEvent.Type.ToolTip, at, view.viewport().mapToGlobal(at)))
    assert QToolTip.text() == texts[-1]


def test_wheel_zoom_keeps_the_point_under_the_cursor(view):
    cursor = QPoint(230, 140)
    before = view.mapToScene(cursor)
    scale = view.transform().m11()
    for notches in (3, 2, -1):
        _wheel(view, cursor, notches)
        after = view.mapToScene(cursor)
        # Within one screen pixel of where it was.
        assert abs(after.x() - before.x()) <= 1.0 / view.transform().m11()
        assert abs(after.y() - before.y()) <= 1.0 / view.transform().m11()
    assert view.transform().m11() == pytest.approx(scale * 1.2 ** 4)


def test_fit_shows_the_whole_frame_and_follows_resizes(view, qtbot):
    view.zoom_by(3.0)
    view.zoom_fit()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(QPointF(0, 0)) and visible.contains(QPointF(FRAME_W, FRAME_H))
    view.resize(400, 300)
    qtbot.waitUntil(lambda: view.transform().m11() < 0.7)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(QPointF(0, 0)) and visible.contains(QPointF(FRAME_W, FRAME_H))


def test_actual_size_is_one_image_pixel_per_screen_pixel(view):
    view.zoom_actual()
    a, b = view.mapFromScene(QPointF(100, 100)), view.mapFromScene(QPointF(200, 150))
    assert (b.x() - a.x(), b.y() - a.y()) == (100, 50)


def test_markers_and_lines_keep_their_screen_size_when_zooming(view):
    pred, *_ = _instances()
    view.set_annotations([pred], SCHEMAS)
    items = view.items_for(pred.uid)

    def marker_rect():
        return items.markers.marker_scene_rect(3, view.pixel_size())

    def on_screen_width():
        return view.viewportTransform().mapRect(marker_rect()).width()

    small = on_screen_width()
    assert items.extent.contains(marker_rect())  # a repaint of the instance covers it
    view.zoom_by(4.0)
    assert on_screen_width() == pytest.approx(small)
    assert items.extent.contains(marker_rect())


def test_dragging_the_background_pans_and_a_click_there_clears_the_selection(view):
    pred, *_ = _instances()
    view.set_annotations([pred], SCHEMAS)
    view.zoom_by(2.0)
    view.select(pred.uid)
    empty = view.mapFromScene(QPointF(300, 20))  # no box, no point
    click(view, empty)
    assert view.selected_uid() is None
    before = view.mapToScene(QPoint(100, 100))
    drag(view, empty, empty + QPoint(40, 25))
    after = view.mapToScene(QPoint(100, 100))
    scale = view.transform().m11()
    assert after.x() == pytest.approx(before.x() - 40 / scale, abs=1 / scale)
    assert after.y() == pytest.approx(before.y() - 25 / scale, abs=1 / scale)


def test_middle_button_pans_even_over_a_point(view):
    pred, *_ = _instances()
    view.set_annotations([pred], SCHEMAS)
    edits = []
    view.editRequested.connect(edits.append)
    start = view.mapFromScene(view.keypoint_scene_pos(pred.uid, 3))
    before = view.mapToScene(QPoint(10, 10))
    drag(view, start, start + QPoint(30, 0), button=Qt.MouseButton.MiddleButton)
    assert edits == [] and view.mapToScene(QPoint(10, 10)).x() < before.x()


def test_selection_survives_a_refresh_and_clears_when_the_instance_goes(view):
    pred, corr, _ = _instances()
    view.set_annotations([pred, corr], SCHEMAS)
    changes = []
    view.selectionChanged.connect(changes.append)
    view.select_keypoint(corr.uid, 4)
    view.set_annotations([pred, corr.replace(box=np.array([300, 30, 520, 330]))], SCHEMAS)
    assert view.selected_keypoint() == (corr.uid, 4)
    view.set_annotations([pred], SCHEMAS)
    assert view.selected_uid() is None and changes == [corr.uid, ""]


def test_the_selected_point_is_ringed_and_its_instance_drawn_on_top(view):
    pred, corr, _ = _instances()
    view.set_annotations([pred, corr], SCHEMAS)
    view.select_keypoint(corr.uid, 4)
    markers = view.items_for(corr.uid).markers
    assert markers.marker(4).selected
    assert not any(markers.marker(k).selected for k in range(21) if k != 4)
    assert not any(view.items_for(pred.uid).markers.marker(k).selected for k in range(21))
    assert view.drawing_order() == [pred.uid, corr.uid]
    view.select_keypoint(pred.uid, 2)
    assert view.drawing_order() == [corr.uid, pred.uid]
    assert not markers.marker(4).selected
    assert view.items_for(pred.uid).markers.marker(2).selected


def test_a_visible_marker_is_painted_in_its_schema_colour_at_its_point(view):
    pred, *_ = _instances()
    view.set_display_options(show_skeleton=False, show_boxes=False, show_labels=False)
    view.set_annotations([pred.replace(scores=np.full(21, np.nan))], SCHEMAS)  # opaque
    image = view.viewport().grab().toImage()
    for k in (0, 5, 15):
        at = view.mapFromScene(view.keypoint_scene_pos(pred.uid, k))
        got = image.pixelColor(at).getRgb()[:3]
        want = SCHEMAS["patient"].keypoint_colors[k]
        assert max(abs(g - w) for g, w in zip(got, want, strict=True)) <= 3, (k, got, want)


def test_items_are_reused_from_frame_to_frame(view):
    pred, corr, _ = _instances()
    view.set_annotations([pred, corr], SCHEMAS)
    count = len(view.scene().items())
    first = {id(view.items_for(pred.uid)), id(view.items_for(corr.uid))}
    later = [make_patient((50 + i, 40, 250, 330), seed=10 + i) for i in range(2)]
    view.set_frame(1, make_frame(FRAME_W, FRAME_H, seed=1))
    view.set_annotations(later, SCHEMAS)
    assert {id(view.items_for(i.uid)) for i in later} == first
    assert len(view.scene().items()) == count
    # A crowd adds no scene items: one layer paints every person (Qt's per-item cost was
    # what stalled the GUI thread on the detector's 25-70-person frames).
    crowd = [make_patient((10 + 20 * i, 40, 200 + 20 * i, 330), seed=50 + i) for i in range(30)]
    view.set_annotations(crowd, SCHEMAS)
    assert len(view.scene().items()) == count
    assert len(list(view.displayed_items())) == 30


def test_min_score_and_category_filters_hide_and_unpick(view):
    pred, corr, _ = _instances()
    view.set_annotations([pred, corr], SCHEMAS)
    lo = int(np.argmin(pred.scores))
    view.set_display_options(min_score=float(pred.scores[lo]) + 1e-6)
    assert not view.items_for(pred.uid).markers.marker(lo).shown
    view.set_display_options(categories=["user"], show_boxes=False)
    assert not view.items_for(pred.uid).box.visible
    assert [uid for uid, _ in view.displayed_items()] == []


def test_set_frame_rejects_an_image_it_cannot_show(view):
    with pytest.raises(FrameViewError, match="uint8"):
        view.set_frame(0, np.zeros((10, 10, 3), dtype=np.float32))
    with pytest.raises(FrameViewError, match="shape"):
        view.set_frame(0, np.zeros((10, 10, 2), dtype=np.uint8))


def test_a_frame_the_caller_drops_keeps_showing(view, qtbot):
    image = make_frame(FRAME_W, FRAME_H)
    view.set_frame(0, image[:, ::-1])  # a non-contiguous view, then dropped
    del image
    shown = view.grab().toImage()
    assert not shown.isNull() and shown.pixelColor(400, 250).alpha() == 255
