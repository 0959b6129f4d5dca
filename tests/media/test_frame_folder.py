"""Image folders as frame sources: natural order, exact frames, fps, names, formats."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from medpose_gui.media import ImageFolderSource, natural_key, open_media
from tests.media.video_factory import make_frame_folder, read_index, render_index_frame


def test_natural_sort_puts_frame_2_before_frame_10():
    names = [
        "frame_10.png",
        "frame_2.png",
        "frame_1.png",
        "Frame_11.png",
        "frame_0.png",
        "frame_100.png",
    ]
    assert sorted(names, key=natural_key) == [
        "frame_0.png",
        "frame_1.png",
        "frame_2.png",
        "frame_10.png",
        "Frame_11.png",
        "frame_100.png",
    ]


def test_natural_sort_compares_every_number_run_and_mixed_names():
    names = ["cam2_t10.jpg", "cam10_t1.jpg", "cam2_t9.jpg", "cam2.jpg", "a.jpg", "10.jpg", "9.jpg"]
    assert sorted(names, key=natural_key) == [
        "9.jpg",
        "10.jpg",
        "a.jpg",
        "cam2.jpg",
        "cam2_t9.jpg",
        "cam2_t10.jpg",
        "cam10_t1.jpg",
    ]


def test_folder_frames_follow_natural_order(frame_folder):
    with open_media(frame_folder) as src:
        assert isinstance(src, ImageFolderSource)
        assert len(src) == 40
        assert [read_index(src[i]) for i in range(len(src))] == list(range(40))
        assert src.frame_name(10) == "frame_10"  # the original stem, for exports


def test_folder_random_access_returns_exact_frames(frame_folder):
    rng = random.Random(3)
    with open_media(frame_folder) as src:
        indices = [rng.randrange(len(src)) for _ in range(200)]
        assert [read_index(src[i]) for i in indices] == indices


def test_folder_frames_are_rgb_not_bgr(tmp_path):
    rgb = render_index_frame(5, (64, 48))
    rgb[40:, :, :] = (200, 30, 10)  # red strip below the bit band
    cv2.imwrite(str(tmp_path / "a.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    with open_media(tmp_path) as src:
        frame = src[0]
        assert frame.dtype == np.uint8 and frame.shape == (48, 64, 3)
        np.testing.assert_array_equal(frame, rgb)


def test_folder_fps_defaults_to_30_and_can_be_set(frame_folder):
    with open_media(frame_folder) as src:
        assert src.fps == 30.0
        np.testing.assert_allclose(src.timestamps[:3], [0, 1 / 30, 2 / 30])
    with open_media(frame_folder, fps=12.5) as src:
        assert src.fps == 12.5
        assert src.timestamps[-1] == pytest.approx(39 / 12.5)
    assert open_media(frame_folder).size == (160, 120)


@pytest.mark.parametrize("ext", ["jpg", "jpeg", "bmp", "tif", "tiff", "PNG"])
def test_every_supported_image_extension_is_read(tmp_path, ext):
    make_frame_folder(tmp_path, 4, ext=ext)
    (tmp_path / "notes.txt").write_text("ignored")
    with open_media(tmp_path) as src:
        assert len(src) == 4
        assert [read_index(src[i]) for i in range(4)] == [0, 1, 2, 3]


def test_grayscale_image_is_returned_as_three_channels(tmp_path):
    cv2.imwrite(str(tmp_path / "g.png"), np.full((30, 40), 77, np.uint8))
    with open_media(tmp_path) as src:
        frame = src[0]
        assert frame.shape == (30, 40, 3)
        assert (frame == 77).all()


def test_folder_index_out_of_range_raises_index_error(frame_folder):
    with open_media(frame_folder) as src:
        for bad in (-1, 40):
            with pytest.raises(IndexError):
                src[bad]
