"""The frame view marks a keypoint outside the image (exported absent, core/image_bounds.py)
with a red slashed ring; points on the image keep their plain marker (real widget, offscreen)."""

import numpy as np
import pytest

from medpose_gui.core.schema import load_schema
from medpose_gui.widgets.frame_view import FrameView
from medpose_gui.widgets.frame_view.items.markers import OFF_IMAGE_COLOR
from tests.gui.frame_view_support import FRAME_H, FRAME_W, make_frame, make_patient

SCHEMAS = {"patient": load_schema("medic_casualty")}


@pytest.fixture
def view(qtbot):
    v = FrameView()
    qtbot.addWidget(v)
    v.resize(800, 500)  # the 640 x 360 frame fits with a band below it
    v.show()
    qtbot.waitExposed(v)
    v.set_frame(0, make_frame(FRAME_W, FRAME_H))
    v.set_display_options(show_skeleton=False, show_boxes=False, show_labels=False)
    return v


def _red_pixels(image, centre, half: int = 11) -> int:
    """Pixels of the marker-off-image red in the (2 half + 1)^2 square around ``centre``."""
    red = OFF_IMAGE_COLOR.getRgb()[:3]
    count = 0
    for dy in range(-half, half + 1):
        for dx in range(-half, half + 1):
            rgb = image.pixelColor(centre.x() + dx, centre.y() + dy).getRgb()[:3]
            count += max(abs(g - w) for g, w in zip(rgb, red, strict=True)) <= 60
    return count


def test_point_below_the_frame_gets_a_red_slashed_ring_and_points_on_it_do_not(view):
    inst = make_patient((200, 100, 400, 350))
    kps = inst.keypoints.copy()
    kps[19, :2] = (380.0, FRAME_H + 8.0)  # the right foot, cut off by the bottom edge
    inst = inst.replace(keypoints=kps, scores=np.full(21, np.nan))  # opaque markers
    view.set_annotations([inst], SCHEMAS)
    image = view.viewport().grab().toImage()

    off = view.mapFromScene(view.keypoint_scene_pos(inst.uid, 19))
    assert off.y() + 11 < view.viewport().height()  # in the band below the image
    # A ring of radius 9 screen px (~57 px of circumference) and a slash across it.
    assert _red_pixels(image, off) > 60
    for k in (0, 5, 15, 17):  # on the image: plain markers, nothing red around them
        at = view.mapFromScene(view.keypoint_scene_pos(inst.uid, k))
        assert _red_pixels(image, at) == 0, k
