"""fingerprint: same content -> same value wherever it lives; changed content -> new value."""

from __future__ import annotations

import shutil

import pytest

from medpose_gui.media import MediaError, fingerprint
from tests.media.video_factory import make_frame_folder


def test_moved_video_keeps_its_fingerprint(video_files, tmp_path):
    src = video_files["h264_mp4"]
    moved = tmp_path / "renamed.mp4"
    shutil.copy(src, moved)
    assert fingerprint(moved) == fingerprint(src)
    assert len(fingerprint(src)) == 40


def test_changed_last_byte_or_length_changes_fingerprint(video_files, tmp_path):
    data = video_files["h264_mp4"].read_bytes()
    a, b, c = tmp_path / "a.mp4", tmp_path / "b.mp4", tmp_path / "c.mp4"
    a.write_bytes(data)
    b.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    c.write_bytes(data + b"\0")
    assert len({fingerprint(a), fingerprint(b), fingerprint(c)}) == 3


def test_big_file_fingerprint_sees_both_ends(tmp_path):
    size = 5 * 1024 * 1024
    base = bytearray(size)
    f = tmp_path / "big.bin"
    f.write_bytes(bytes(base))
    original = fingerprint(f)
    base[10] = 1
    f.write_bytes(bytes(base))
    head_changed = fingerprint(f)
    base[size - 10] = 1
    f.write_bytes(bytes(base))
    assert len({original, head_changed, fingerprint(f)}) == 3


def test_folder_fingerprint_follows_names_and_sizes_not_location(tmp_path):
    make_frame_folder(tmp_path / "a", 5)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    assert fingerprint(tmp_path / "a") == fingerprint(tmp_path / "b")
    (tmp_path / "b" / "notes.txt").write_text("not an image: ignored")
    assert fingerprint(tmp_path / "a") == fingerprint(tmp_path / "b")
    (tmp_path / "b" / "frame_4.png").rename(tmp_path / "b" / "frame_9.png")
    assert fingerprint(tmp_path / "a") != fingerprint(tmp_path / "b")


def test_fingerprint_of_missing_path_is_media_error(tmp_path):
    with pytest.raises(MediaError, match="gone"):
        fingerprint(tmp_path / "gone")
