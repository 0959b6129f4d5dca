"""extract_frames: one image per frame, progress reports, cancellation."""

from __future__ import annotations

import cv2
import pytest

from medpose_gui.media import Cancelled, MediaError, extract_frames
from tests.media.video_factory import make_indexed_video, read_index


@pytest.fixture(scope="module")
def short_video(tmp_path_factory):
    return make_indexed_video(
        tmp_path_factory.mktemp("extract") / "short.mp4", 30, "h264", gop=12, bframes=2
    )


def _read_rgb(path):
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def test_extract_writes_every_frame_as_png_in_order(short_video, tmp_path):
    calls = []
    out = tmp_path / "frames"
    paths = extract_frames(short_video, out, fmt="png", progress=lambda d, t: calls.append((d, t)))
    assert [p.name for p in paths] == [f"frame_{i:06d}.png" for i in range(30)]
    assert sorted(out.iterdir()) == paths
    assert [read_index(_read_rgb(p)) for p in paths] == list(range(30))
    assert calls == [(i, 30) for i in range(1, 31)]


def test_extract_as_jpg_keeps_frames_recognisable(short_video, tmp_path):
    paths = extract_frames(short_video, tmp_path, fmt="jpg")
    assert len(paths) == 30 and all(p.suffix == ".jpg" for p in paths)
    assert read_index(_read_rgb(paths[17])) == 17


def test_cancel_stops_extraction_and_reports_written_files(short_video, tmp_path):
    done = []
    with pytest.raises(Cancelled) as info:
        extract_frames(
            short_video,
            tmp_path,
            fmt="png",
            progress=lambda d, t: done.append(d),
            cancel=lambda: len(done) >= 5,
        )
    assert [p.name for p in info.value.written] == [f"frame_{i:06d}.png" for i in range(5)]
    assert len(list(tmp_path.iterdir())) == 5


def test_extract_from_image_folder_keeps_original_names(frame_folder, tmp_path):
    paths = extract_frames(frame_folder, tmp_path, fmt="png")
    assert paths[11].name == "frame_11.png"
    assert read_index(_read_rgb(paths[11])) == 11


def test_unknown_format_and_missing_video_are_refused(short_video, tmp_path):
    with pytest.raises(ValueError, match="fmt"):
        extract_frames(short_video, tmp_path, fmt="gif")
    with pytest.raises(MediaError, match="missing.mp4"):
        extract_frames(tmp_path / "missing.mp4", tmp_path / "out")
