"""Files we write honour the umask like any other file the user writes (real files, the real
process umask): COCO exports, bbox_detections.json, the quality report JSON, frame images and
the model registry are 0666 minus the umask when new, and keep their mode when written over."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from medpose_gui.evaluation.evaluate import evaluate_project
from medpose_gui.formats import (
    atomic_write_bytes,
    export_coco_keypoints,
    write_bbox_detections,
)
from medpose_gui.model_registry.registry import LocalModel, ModelRegistry
from tests.formats.project_builder import HEIGHT, WIDTH, populated_project


@pytest.fixture
def umask():
    """Set the process umask for one test (restored after)."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield lambda mask: os.umask(mask)
    os.umask(saved)


@pytest.fixture
def project(tmp_path):
    proj = populated_project(tmp_path / "p.medpose")
    yield proj
    proj.close()


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _write_everything(project, folder) -> list:
    """Every kind of file we write, into ``folder``; returns their paths."""
    folder.mkdir(exist_ok=True)
    coco = folder / "train.json"
    frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    export_coco_keypoints(project, coco, images_dir=folder / "images",
                          frame_reader=lambda i: frame)
    bbox = folder / "bbox_detections.json"
    write_bbox_detections(bbox, [("a.png", np.array([[1, 2, 30, 40]], np.float32),
                                  np.array([0.9]), np.array([0]))])
    quality = evaluate_project(project).to_json(folder / "quality.json")
    registry = ModelRegistry(folder / "models")
    registry.record(LocalModel(name="m", kind="pose", path="/x.pth", sha256="0" * 64, size=1))
    images = sorted((folder / "images").iterdir())
    assert images
    return [coco, bbox, quality, registry.path, *images]


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_get_0666_minus_the_umask(project, tmp_path, umask, mask, expected):
    umask(mask)
    for path in _write_everything(project, tmp_path / "out"):
        assert _mode(path) == expected, path


def test_writing_over_a_file_keeps_its_mode(project, tmp_path, umask):
    umask(0o022)
    written = _write_everything(project, tmp_path / "out")
    for path in written:
        os.chmod(path, 0o640 if path.suffix == ".json" else 0o644)
    umask(0o077)  # a stricter umask later does not make shared files private
    _write_everything(project, tmp_path / "out")
    for path in written:
        assert _mode(path) == (0o640 if path.suffix == ".json" else 0o644), path


def test_no_temporary_file_is_left_and_the_mode_is_set_before_the_data_lands(tmp_path, umask):
    umask(0o027)
    target = tmp_path / "x.json"
    atomic_write_bytes(target, b"{}")
    assert _mode(target) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json"]
