"""Drawing annotations on frames and rendering a project to video (media/render.py)."""

from __future__ import annotations

import numpy as np
import pytest

from medpose_gui.core.annotations import Instance, Visibility
from medpose_gui.core.project import MediaInfo, Project
from medpose_gui.core.schema import load_schema
from medpose_gui.media import fingerprint, open_media
from medpose_gui.media.render import category_color, draw_annotations, render_video
from tests.media.video_factory import make_indexed_video

USER = load_schema("medic_user")  # 6 points, 4 edges


def _user_instance(visibility: list[int]) -> Instance:
    points = np.array([[40, 40], [120, 40], [40, 100], [120, 100], [40, 140], [120, 140]], float)
    keypoints = np.column_stack([points, visibility])
    return Instance(category="user", box=[20, 20, 140, 160], keypoints=keypoints,
                    scores=np.full(6, 0.9), box_score=0.93)


def _has_colour(patch: np.ndarray, color: tuple[int, int, int]) -> bool:
    """The brightest pixel of ``patch`` is ``color`` (anti-aliased: at least half as bright)."""
    pixels = patch.reshape(-1, 3).astype(float)
    brightest = pixels[pixels.sum(axis=1).argmax()]
    want = np.array(color, float)
    cosine = brightest @ want / (np.linalg.norm(brightest) * np.linalg.norm(want) + 1e-9)
    return bool(brightest.sum() > 0.5 * want.sum() and cosine > 0.98)


def test_visible_points_are_filled_in_the_schema_colour_and_absent_points_not_drawn():
    image = np.zeros((180, 160, 3), np.uint8)
    vis = [Visibility.VISIBLE] * 5 + [Visibility.ABSENT]
    out = draw_annotations(image, [_user_instance(vis)], {"user": USER}, show_boxes=False,
                           show_labels=False, show_skeleton=False)
    assert image.max() == 0  # the input is not modified
    for k in range(5):
        x, y = (40, 120)[k % 2], (40, 40, 100, 100, 140)[k]
        assert tuple(out[y, x]) == USER.keypoint_colors[k]
    assert out[130:151, 110:131].max() == 0  # point 5 is absent


def test_occluded_points_are_hollow_rings():
    image = np.zeros((180, 160, 3), np.uint8)
    vis = [Visibility.OCCLUDED] + [Visibility.ABSENT] * 5
    out = draw_annotations(image, [_user_instance(vis)], {"user": USER}, show_boxes=False,
                           show_labels=False)
    assert out[40, 40].max() == 0  # centre stays empty
    assert _has_colour(out[34:47, 34:47], USER.keypoint_colors[0])  # the ring around it


def test_skeleton_edges_join_drawn_points_in_the_edge_colour():
    image = np.zeros((180, 160, 3), np.uint8)
    out = draw_annotations(image, [_user_instance([Visibility.VISIBLE] * 6)], {"user": USER},
                           show_boxes=False, show_labels=False)
    for (a, b), color in zip(USER.edges, USER.edge_colors, strict=True):
        pa = np.array([[40, 40], [120, 40], [40, 100], [120, 100], [40, 140], [120, 140]])[[a, b]]
        x, y = pa.mean(axis=0).round().astype(int)
        assert _has_colour(out[y - 1:y + 2, x - 1:x + 2], color)


def test_box_is_drawn_in_the_category_colour_with_a_label():
    image = np.zeros((180, 160, 3), np.uint8)
    inst = _user_instance([Visibility.ABSENT] * 6)
    out = draw_annotations(image, [inst], {"user": USER})
    assert _has_colour(out[89:92, 19:22], category_color("user"))  # left edge of the box
    assert out[0:20, 20:100].any()  # label above the box
    assert not draw_annotations(image, [inst], {"user": USER}, min_score=0.95).any()


def test_instance_with_another_point_count_than_its_schema_is_drawn_points_only():
    image = np.zeros((180, 160, 3), np.uint8)
    inst = Instance(category="user", box=[0, 0, 10, 10], keypoints=[[50, 50, 2], [70, 70, 2]],
                    scores=[1, 1])
    out = draw_annotations(image, [inst], {"user": USER}, show_boxes=False, show_labels=False)
    assert tuple(out[50, 50]) == (255, 255, 255) and tuple(out[60, 60]) == (0, 0, 0)


def test_cancelled_render_leaves_no_file(tmp_path):
    video = make_indexed_video(tmp_path / "clip.mp4", 4, size=(96, 64))
    with open_media(video) as src:
        width, height = src.size
        media = MediaInfo(path=str(video), fingerprint=fingerprint(video), num_frames=len(src),
                          fps=src.fps, width=width, height=height)
        with Project.create(tmp_path / "p.medpose", media) as project:
            calls = []
            done = render_video(project, src, tmp_path / "out.mp4",
                                progress=lambda d, t: calls.append(d),
                                cancel=lambda: len(calls) >= 2)
    assert done is False and calls == [1, 2]
    assert not (tmp_path / "out.mp4").exists() and not list(tmp_path.glob(".out*"))


def test_odd_sized_frames_are_padded_for_yuv420p(tmp_path):
    frames = [np.full((63, 95, 3), 40 * i, np.uint8) for i in range(3)]

    class Frames(list):
        fps = 10.0

    media = MediaInfo(path=str(tmp_path / "x"), fingerprint="x", num_frames=3, fps=10.0,
                      width=95, height=63)
    with Project.create(tmp_path / "p.medpose", media) as project:
        assert render_video(project, Frames(frames), tmp_path / "odd.mp4")
    with open_media(tmp_path / "odd.mp4") as out:
        assert len(out) == 3 and out.size == (96, 64)
        assert abs(float(out[2][:63, :95].mean()) - 80) < 3


@pytest.mark.parametrize("name", ["patient", "user", "bystander"])
def test_category_colours_are_stable(name):
    assert category_color(name) == category_color(name)
