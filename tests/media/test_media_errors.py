"""Bad input: every case raises MediaError naming the file and the problem (or degrades as documented)."""

from __future__ import annotations

import shutil

import av
import numpy as np
import pytest

from medpose_gui.media import MediaError, open_media
from tests.media.video_factory import make_frame_folder, make_indexed_video, read_index


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nowhere.mp4"
    with pytest.raises(MediaError, match="nowhere.mp4: no such file"):
        open_media(missing)


def test_text_file_with_video_extension_is_not_a_video(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 50)
    with pytest.raises(MediaError, match="notes.mp4: not a readable video"):
        open_media(fake)


def test_random_bytes_are_not_a_video(tmp_path):
    junk = tmp_path / "junk.avi"
    junk.write_bytes(np.random.default_rng(0).integers(0, 256, 200_000, dtype=np.uint8).tobytes())
    with pytest.raises(MediaError, match="junk.avi"):
        open_media(junk)


def test_audio_only_file_has_no_video_stream(tmp_path):
    wav = tmp_path / "tone.wav"
    with av.open(str(wav), "w") as c:
        s = c.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 800), np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = 8000
        for p in s.encode(frame):
            c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    with pytest.raises(MediaError, match="tone.wav: file has no video stream"):
        open_media(wav)


def test_mp4_cut_before_its_index_has_no_decodable_frame(video_files, tmp_path):
    # FFmpeg writes the MP4 index (moov) at the end: a cut file cannot be decoded at all
    src = video_files["h264_mp4"]
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    with pytest.raises(MediaError, match="cut.mp4"):
        open_media(cut)


def test_truncated_mkv_counts_only_decodable_frames(video_files, tmp_path):
    src = video_files["h264_mkv_gop90"]
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(src.read_bytes()[: int(src.stat().st_size * 0.6)])
    with av.open(str(cut)) as c:  # independent count: a plain full decode
        decodable = sum(1 for _ in c.decode(c.streams.video[0]))
    with open_media(cut) as v:
        assert 0 < len(v) < 180
        assert len(v) == decodable
        assert [read_index(v[i]) for i in (len(v) - 1, 0, len(v) - 2, len(v) // 2)] == [
            len(v) - 1,
            0,
            len(v) - 2,
            len(v) // 2,
        ]
        with pytest.raises(IndexError):
            v[len(v)]


def test_video_cut_inside_the_header_has_no_decodable_frame(video_files, tmp_path):
    src = video_files["h264_mkv_gop90"]
    cut = tmp_path / "header_only.mkv"
    cut.write_bytes(src.read_bytes()[:600])
    with pytest.raises(MediaError, match="header_only.mkv"):
        open_media(cut)


def test_empty_folder_is_refused(tmp_path):
    with pytest.raises(MediaError, match="folder has no images"):
        open_media(tmp_path)


def test_folder_of_non_images_is_refused(tmp_path):
    (tmp_path / "readme.txt").write_text("x")
    (tmp_path / "clip.json").write_text("{}")
    with pytest.raises(MediaError, match="folder has no images"):
        open_media(tmp_path)


def test_folder_with_unreadable_image_header_names_it_at_open(tmp_path):
    make_frame_folder(tmp_path, 5)
    (tmp_path / "frame_3.png").write_bytes(b"not a png at all" * 10)
    with pytest.raises(MediaError, match=r"frame_3\.png: not a readable image"):
        open_media(tmp_path)


def test_folder_image_with_corrupt_pixels_is_named_when_read(tmp_path):
    # headers are checked at open, pixels on access: the header survives, the data does not
    make_frame_folder(tmp_path, 5)
    bad = tmp_path / "frame_2.png"
    bad.write_bytes(bad.read_bytes()[:60])
    with open_media(tmp_path) as src:
        assert len(src) == 5
        assert read_index(src[1]) == 1
        with pytest.raises(MediaError, match=r"frame_2\.png: image data cannot be decoded"):
            src[2]
        assert read_index(src[3]) == 3


def test_folder_with_images_of_different_sizes_names_first_mismatch(tmp_path):
    make_frame_folder(tmp_path, 6, size=(160, 120))
    small = tmp_path / "small"
    make_frame_folder(small, 6, size=(96, 64))
    for i in (3, 5):
        shutil.copy(small / f"frame_{i}.png", tmp_path / f"frame_{i}.png")
    with pytest.raises(
        MediaError, match=r"frame_3\.png: image size 96x64 differs from frame_0\.png \(160x120\)"
    ):
        open_media(tmp_path)


def test_fps_override_is_refused_for_videos(tmp_path):
    path = make_indexed_video(tmp_path / "short.mkv", 5, "mjpeg")
    with pytest.raises(ValueError, match="image folders"):
        open_media(path, fps=10)
