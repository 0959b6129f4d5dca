"""track_id in COCO keypoints files (PoseTrack 2018's field): written per annotation, read
back per person, and harmless to the reference pose trainer's loader."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest
from pycocotools.coco import COCO

from medpose_gui.core.annotations import Source
from medpose_gui.core.interpolation import interpolate_track
from medpose_gui.core.project import Project
from medpose_gui.core.track_edits import split_track
from medpose_gui.formats import FormatError, export_coco_keypoints, import_coco_keypoints
from tests.core.project_helpers import media_info
from tests.core.video_helpers import person, tracked_project


@pytest.fixture
def tracked(tmp_path):
    """Two tracks over 60 frames, one split (three ids), one stretch interpolated."""
    project = tracked_project(tmp_path / "tracked.medpose")
    for f in (5, 15):
        inst = person(project, f, 1)
        project.put_instance(f, inst.replace(box=inst.box + 1.0))  # the medic's keyframes
    interpolate_track(project, 1, 10).apply(project)
    split_track(project, 2, 40).apply(project)
    yield project
    project.close()


def _persons(project):
    """Per frame, the persons as (box, track, source), sorted (what must survive a trip)."""
    return {f.index: sorted((tuple(np.round(i.box, 3)), i.track_id, i.source.value)
                            for i in f.instances) for f in project.iter_frames()}


def test_every_annotation_carries_its_persons_track_id(tracked, tmp_path):
    out = tmp_path / "tracked.json"
    export_coco_keypoints(tracked, out)
    doc = json.loads(out.read_text())
    ids = {ann["track_id"] for ann in doc["annotations"]}
    assert ids == {1, 2, 3}
    assert all(isinstance(ann["track_id"], int) for ann in doc["annotations"])
    assert {ann["source"] for ann in doc["annotations"]} >= {"interpolated", "corrected",
                                                               "predicted"}


def test_export_import_round_trip_keeps_track_ids_and_sources(tracked, tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    export_coco_keypoints(tracked, first)
    with Project.create(tmp_path / "copy.medpose", media_info(num_frames=60)) as copy:
        import_coco_keypoints(first, copy)
        assert _persons(copy) == _persons(tracked)
        export_coco_keypoints(copy, second)
    assert second.read_bytes() == first.read_bytes()


def reference_trainer_records(path, num_joints: int) -> list[dict]:
    """What mmpose 0.x ``TopDownCocoDataset`` builds from a file for training, by the same
    key accesses (read from its source: the base dataset's ``__init__`` and
    ``_load_coco_keypoint_annotation_kernel``; its own COCO API is xtcocotools, which has
    pycocotools' interface). It reads only these keys, so extra ones like ``track_id``,
    ``source`` or ``keypoint_scores`` are ignored."""
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(path))
    cats = [cat["name"] for cat in coco.loadCats(coco.getCatIds())]
    assert cats  # classes = ['__background__'] + cats
    names = {image_id: image["file_name"] for image_id, image in coco.imgs.items()}
    records = []
    for img_id in coco.getImgIds():
        image = coco.loadImgs(img_id)[0]
        width, height = image["width"], image["height"]
        for obj in coco.loadAnns(coco.getAnnIds(imgIds=img_id, iscrowd=False)):
            x, y, w, h = obj["bbox"]
            x1, y1 = max(0, x), max(0, y)
            x2, y2 = min(width - 1, x1 + max(0, w - 1)), min(height - 1, y1 + max(0, h - 1))
            if not (obj.get("area", 1) > 0 and x2 > x1 and y2 > y1):
                continue
            if max(obj["keypoints"]) == 0 or obj.get("num_keypoints", 1) == 0:
                continue
            joints = np.array(obj["keypoints"]).reshape(-1, 3)
            assert joints.shape == (num_joints, 3)  # joints_3d[:, :2] = keypoints[:, :2]
            records.append({"image_file": names[img_id], "bbox": [x1, y1, x2 - x1, y2 - y1],
                            "joints_3d_visible": np.minimum(1, joints[:, 2:3])})
    return records


def test_the_reference_trainers_loader_reads_a_tracked_export(tracked, tmp_path):
    out = tmp_path / "patients.json"
    stats = export_coco_keypoints(tracked, out, category="patient")
    records = reference_trainer_records(out, num_joints=21)
    assert len(records) == stats.num_annotations > 0


@pytest.mark.parametrize("bad", [2**31, 10**400, 1.5, "7", True])
def test_an_out_of_range_track_id_is_refused_naming_the_annotation(tracked, tmp_path, bad):
    out = tmp_path / "bad.json"
    export_coco_keypoints(tracked, out)
    doc = json.loads(out.read_text())
    doc["annotations"][3]["track_id"] = bad
    out.write_text(json.dumps(doc))
    with Project.create(tmp_path / "dst.medpose", media_info(num_frames=60)) as dst, \
            pytest.raises(FormatError, match=f"annotation {doc['annotations'][3]['id']}.*track_id"):
        import_coco_keypoints(out, dst)


def test_interpolated_persons_come_back_as_interpolated(tracked, tmp_path):
    out = tmp_path / "t.json"
    export_coco_keypoints(tracked, out)
    with Project.create(tmp_path / "dst.medpose", media_info(num_frames=60)) as dst:
        import_coco_keypoints(out, dst)
        assert person(dst, 10, 1).source == Source.INTERPOLATED
