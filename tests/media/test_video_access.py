"""Exact frame access on generated videos: sequential reads, random seeks, the source contract."""

from __future__ import annotations

import random

import numpy as np
import pytest

from medpose_gui.media import MediaError, VideoSource, open_media
from tests.media.conftest import VIDEO_SPECS, video_or_skip
from tests.media.video_factory import read_index, vfr_pts

N_SEEKS = 200


def _wrong_frames(src, indices) -> list[tuple[int, int]]:
    """(asked, got) for every read that did not return the asked frame."""
    wrong = []
    for i in indices:
        got = read_index(src[i])
        if got != i:
            wrong.append((i, got))
    return wrong


@pytest.mark.parametrize("key", list(VIDEO_SPECS))
def test_sequential_read_returns_every_frame_exactly_without_seeking(video_files, key):
    with open_media(video_or_skip(video_files, key)) as src:
        assert len(src) == VIDEO_SPECS[key].n_frames
        seeks_before = src.stats["seeks"]
        assert _wrong_frames(src, range(len(src))) == []
        # one seek to the start at most: every later frame continues the running decoder
        assert src.stats["seeks"] - seeks_before <= 1


@pytest.mark.parametrize("key", list(VIDEO_SPECS))
def test_random_seeks_return_exact_frame(video_files, key):
    rng = random.Random(1234)
    with open_media(video_or_skip(video_files, key)) as src:
        n = len(src)
        # uniform jumps plus the hard spots: GOP edges, last frames, backward single steps
        indices = [rng.randrange(n) for _ in range(N_SEEKS)]
        indices += [0, n - 1, n - 2, 59, 60, 61, 119, 120, 89, 90, 91, 60, 59, 58, n - 1, 0]
        assert _wrong_frames(src, indices) == []


@pytest.mark.parametrize("key", ["h264_mp4", "h264_vfr_mp4", "mpeg4_avi", "mjpeg_avi"])
def test_frames_are_rgb_uint8_with_the_stated_size(video_files, key):
    with open_media(video_or_skip(video_files, key)) as src:
        frame = src[len(src) // 2]
        assert src.size == (320, 240)
        assert frame.shape == (240, 320, 3) and frame.dtype == np.uint8
        # the bands below the bit blocks are mid-grey: same value in R, G and B
        grey = frame[200:230, 20:300].astype(int)
        assert abs(grey.mean() - 128) < 6
        assert np.abs(grey[..., 0] - grey[..., 2]).mean() < 4


def test_vfr_timestamps_are_the_written_pts(video_files):
    with open_media(video_files["h264_vfr_mp4"]) as src:
        expected = np.array(vfr_pts(VIDEO_SPECS["h264_vfr_mp4"].n_frames)) / 1000.0
        np.testing.assert_allclose(src.timestamps, expected, atol=1e-3)
        # irregular steps really are in the file (not a constant frame rate)
        assert len(set(np.round(np.diff(src.timestamps), 3))) > 3


def test_constant_rate_video_reports_fps_and_even_timestamps(video_files):
    with open_media(video_files["h264_mp4"]) as src:
        assert src.fps == pytest.approx(25.0)
        np.testing.assert_allclose(src.timestamps, np.arange(len(src)) / 25.0, atol=1e-6)
        assert (
            isinstance(src.path, type(video_files["h264_mp4"]))
            and src.path == video_files["h264_mp4"]
        )


def test_avi_with_b_frames_is_indexed_by_decoding(video_files):
    # AVI stores no presentation timestamps; sorting its invented pts would swap frames
    with open_media(video_files["h264_avi"]) as src:
        assert src.index_mode == "decode"
    with open_media(video_files["h264_mkv_gop90"]) as src:
        assert src.index_mode == "pts"


@pytest.mark.parametrize("bad", [-1, -180, 180, 10_000])
def test_out_of_range_index_raises_index_error(video_files, bad):
    with (
        open_media(video_files["h264_mp4"]) as src,
        pytest.raises(IndexError, match="out of range"),
    ):
        src[bad]


def test_numpy_integer_index_is_accepted(video_files):
    with open_media(video_files["h264_mp4"]) as src:
        assert read_index(src[np.int64(7)]) == 7


def test_video_frame_name_is_zero_padded_index(video_files):
    with open_media(video_files["h264_mp4"]) as src:
        assert src.frame_name(12) == "frame_000012"
        with pytest.raises(IndexError):
            src.frame_name(len(src))


def test_read_after_close_raises_media_error(video_files):
    src = open_media(video_files["h264_mp4"])
    src.close()
    with pytest.raises(MediaError, match="closed"):
        src[0]


def test_single_threaded_decoder_gives_the_same_exact_frames(video_files):
    rng = random.Random(5)
    with VideoSource(video_files["h264_vfr_mkv"], threads=1) as src:
        assert _wrong_frames(src, [rng.randrange(len(src)) for _ in range(50)]) == []


@pytest.mark.parametrize("key", ["h264_mp4", "h264_vfr_mkv", "hevc_mp4", "mpeg4_avi"])
def test_generated_videos_really_have_b_frames_and_long_gops(video_files, key):
    """Guards the tests above: they prove nothing if the encoder dropped B-frames or keyframe spacing."""
    import av

    spec = VIDEO_SPECS[key]
    with av.open(str(video_or_skip(video_files, key))) as c:
        frames = list(c.decode(c.streams.video[0]))
    from av.video.frame import PictureType

    kinds = [PictureType(f.pict_type) for f in frames]
    assert kinds.count(PictureType.B) > spec.n_frames // 4
    key_at = [i for i, f in enumerate(frames) if f.key_frame]
    assert set(range(0, spec.n_frames, spec.gop)) <= set(key_at)
    assert len(key_at) <= spec.n_frames // spec.gop + 2  # (MPEG-4 also codes the last frame intra)


@pytest.mark.parametrize(
    "key", ["h264_mp4", "h264_mov", "h264_vfr_mp4", "h264_vfr_mkv", "h264_mkv_gop90"]
)
def test_random_seek_lands_on_the_keyframe_before_the_target(video_files, key):
    """A seek decodes at most one GOP: it must not land a GOP early (MP4 with VFR + B-frames did)."""
    rng = random.Random(99)
    gop = VIDEO_SPECS[key].gop
    with open_media(video_files[key]) as src:
        start = dict(src.stats)
        for _ in range(60):
            i = rng.randrange(len(src))
            src[i]
            src[max(0, i - gop)]  # always a backward jump: forces a seek
        seeks = src.stats["seeks"] - start["seeks"]
        assert seeks >= 60
        assert src.stats["retries"] == start["retries"]
        assert src.stats["decoded"] - start["decoded"] <= seeks * gop


def test_raw_h264_stream_without_timestamps_or_seeking_is_exact(tmp_path):
    # a raw Annex-B stream: packets carry no pts and the demuxer cannot seek
    from tests.media.video_factory import make_indexed_video

    path = make_indexed_video(tmp_path / "raw.h264", 90, "h264", gop=30, bframes=2)
    rng = random.Random(8)
    with open_media(path) as src:
        assert src.index_mode == "decode" and len(src) == 90
        assert (
            _wrong_frames(src, [rng.randrange(90) for _ in range(30)] + list(range(40, 50))) == []
        )


@pytest.mark.parametrize("rotation", [90, -90, 180])
def test_display_rotation_is_applied_like_a_player(tmp_path, rotation):
    from tests.media.video_factory import make_indexed_video

    path = make_indexed_video(tmp_path / f"rot{rotation}.mp4", 8, "mjpeg", rotation=rotation)
    turns = rotation // 90  # counter-clockwise quarter turns, as np.rot90 counts them
    with open_media(path) as src:
        assert src.size == ((240, 320) if rotation % 180 else (320, 240))
        frame = src[3]
        assert frame.shape == (src.size[1], src.size[0], 3)
        assert read_index(np.rot90(frame, -turns)) == 3
    with VideoSource(path, autorotate=False) as raw:
        assert raw.size == (320, 240)
        stored = raw[3]
    # counter-clockwise quarter turns (for 90: the stored top-left corner ends up bottom-left)
    np.testing.assert_array_equal(frame, np.rot90(stored, turns))
