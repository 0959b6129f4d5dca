"""The persons' tags: inside the view and never on top of each other (layout arithmetic,
then the real frame view painting overlapping persons at the edge of the image)."""

from itertools import combinations

import pytest
from PySide6.QtCore import QRectF

from medpose_gui.core.schema import load_schema
from medpose_gui.widgets.frame_view import FrameView
from medpose_gui.widgets.frame_view.items.label_layout import layout_tags
from tests.gui.frame_view_support import FRAME_H, FRAME_W, make_frame, make_patient

SCHEMAS = {"patient": load_schema("medic_casualty")}


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_tags_at_the_same_corner_stack_below_each_other():
    spots = layout_tags([(100, 50, 120, 16)] * 3, (0, 0, 800, 500))
    assert spots[0] == (100, 50)  # the first keeps its place
    rects = [(x, y, 120, 16) for x, y in spots]
    assert not any(_overlap(a, b) for a, b in combinations(rects, 2))
    assert [y for _, y in spots] == pytest.approx([50, 67, 84])


def test_tags_stay_inside_the_view_and_stack_upwards_at_the_bottom():
    spots = layout_tags([(760, -10, 120, 16), (700, 490, 120, 16), (700, 490, 120, 16)],
                        (0, 0, 800, 500))
    assert spots[0] == (680, 0)  # pulled in from the right and the top
    assert spots[1] == (680, 484) and spots[2][1] == pytest.approx(467)  # no room below


def test_overlapping_persons_get_readable_tags_inside_the_view(qtbot):
    view = FrameView()
    qtbot.addWidget(view)
    view.resize(800, 500)
    view.show()
    qtbot.waitExposed(view)
    view.set_frame(0, make_frame(FRAME_W, FRAME_H))
    persons = [make_patient((200, 100, 380, 330), seed=1),
               make_patient((203, 102, 385, 335), seed=2),  # the same person found twice
               make_patient((206, 98, 370, 320), seed=3),
               make_patient((560, 10, 640, 200), seed=4)]  # against the right edge
    view.set_annotations(persons, SCHEMAS)
    view.zoom_by(1.6)  # the right-hand person's box now runs past the view's edge
    view.viewport().grab()  # paint now
    rects = view._layer.tag_rects  # what the last paint laid out
    assert set(rects) == {p.uid for p in persons}
    inside = QRectF(view.viewport().rect())
    for rect in rects.values():
        assert inside.contains(rect), rect
    for a, b in combinations(rects.values(), 2):
        assert not a.intersects(b), (a, b)
