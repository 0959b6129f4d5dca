"""Atomic writes: a full disk (a real 64 KiB tmpfs, and an injected ENOSPC at the os.write
boundary) raises FormatError naming the file, keeps the previous good file and leaves no
temporary file."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest

from medpose_gui.formats import (
    FormatError,
    atomic_write_bytes,
    export_coco_keypoints,
    write_bbox_detections,
)
from tests.formats.project_builder import HEIGHT, WIDTH, empty_project, predicted
from tests.small_disk import mounted_tmpfs


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs: really runs out of space. Needs root (mount); skipped otherwise."""
    with mounted_tmpfs(tmp_path / "small", "64k") as mount_point:
        yield mount_point


@pytest.fixture
def big_project(tmp_path):
    """300 frames of predictions: its COCO export is far larger than 64 KiB."""
    proj = empty_project(tmp_path / "big.medpose", num_frames=300)
    rng = np.random.default_rng(3)
    proj.store_predictions({f: [predicted(rng, "patient", 21)] for f in range(300)})
    yield proj
    proj.close()


def _leftovers(directory):
    return [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]


def test_full_tmpfs_keeps_the_previous_export_and_leaves_no_temp_file(small_disk, big_project):
    out = small_disk / "ann.json"
    export_coco_keypoints(big_project, out, category="patient", reviewed_only=True)  # small
    good = out.read_bytes()
    with pytest.raises(FormatError, match=r"ann\.json: cannot write: No space left on device"):
        export_coco_keypoints(big_project, out)
    assert out.read_bytes() == good
    assert _leftovers(small_disk) == []
    # space is free again: the failed write did not leak its partial temp file
    atomic_write_bytes(small_disk / "probe.bin", b"x" * 40_000)


def test_full_tmpfs_while_writing_frame_images_names_the_image(small_disk, big_project,
                                                                tmp_path):
    noisy = np.random.default_rng(0).integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    with pytest.raises(FormatError, match=r"frame_0000\d\d\.png: cannot write: No space left"):
        export_coco_keypoints(big_project, tmp_path / "ann.json", images_dir=small_disk / "im",
                              image_ext="png", frame_reader=lambda i: noisy)
    assert not (tmp_path / "ann.json").exists()
    assert _leftovers(small_disk / "im") == []


def test_injected_enospc_mid_write_keeps_the_old_file(monkeypatch, tmp_path):
    out = tmp_path / "bbox_detections.json"
    entries = [("a.png", np.array([[1, 2, 30, 40]], np.float32), np.array([0.9]), np.array([0]))]
    write_bbox_detections(out, entries)
    good = out.read_bytes()
    real_write, calls = os.write, []

    def disk_fills_up(fd, data):
        """The first call writes part of the data, the next finds the disk full."""
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[:10]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", disk_fills_up)
    with pytest.raises(FormatError, match=r"bbox_detections\.json: cannot write: No space left"):
        write_bbox_detections(out, entries * 3)
    monkeypatch.undo()
    assert len(calls) == 2  # the short write was continued, then failed
    assert out.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bbox_detections.json"]


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FormatError, match=r"nowhere/x\.json: cannot write: folder .* does not"):
        atomic_write_bytes(tmp_path / "nowhere" / "x.json", b"{}")


def test_write_replaces_the_file_in_one_step(tmp_path):
    out = tmp_path / "f.bin"
    out.write_bytes(b"old")
    atomic_write_bytes(out, b"new contents")
    assert out.read_bytes() == b"new contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.bin"]
