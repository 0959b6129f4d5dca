"""The reference demo's bbox_detections.json: written byte for byte from the golden
detections, read back, and imported as predicted boxes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from medpose_gui.core.annotations import ReviewState, Source, Visibility
from medpose_gui.formats import (
    FormatError,
    format_bbox_score,
    import_bbox_detections,
    parse_bbox_score,
    project_to_bbox_entries,
    read_bbox_detections,
    write_bbox_detections,
)
from tests.fixture_paths import BBOX_DETECTIONS, DETECTRON2, need_full
from tests.formats.project_builder import empty_project, populated_project

REFERENCE = BBOX_DETECTIONS
# The order the fixture README says the reference file was written in.
IMAGE_ORDER = ("astronaut_512.png", "frame_1280x720.png")


def _golden_entries():
    goldens = json.loads((DETECTRON2 / "goldens.json").read_text())
    images = goldens["variants"]["default"]["images"]
    entries = []
    for name in IMAGE_ORDER:
        det = images[name]["thresholds"]["0.8"]
        entries.append((name, np.asarray(det["boxes_xyxy"], np.float32),
                        np.asarray(det["scores"], np.float32), np.asarray(det["classes"])))
    return entries


def test_golden_detections_reproduce_the_reference_file_byte_for_byte(tmp_path):
    need_full()
    out = tmp_path / "bbox_detections.json"
    write_bbox_detections(out, _golden_entries())
    assert out.read_bytes() == REFERENCE.read_bytes()


def test_user_detections_are_skipped_without_using_an_id(tmp_path):
    need_full()
    entries = _golden_entries()
    assert sum(int((e[3] == 1).sum()) for e in entries) == 16  # README: 16 user boxes
    doc = json.loads(write_bbox_detections(tmp_path / "b.json", entries).read_text())
    assert [a["id"] for a in doc["annotations"]] == list(range(9))
    assert {a["category_id"] for a in doc["annotations"]} == {1}


def test_reading_the_reference_file_gives_the_golden_patient_boxes():
    need_full()
    read = read_bbox_detections(REFERENCE)
    assert [name for name, _, _ in read] == list(IMAGE_ORDER)
    for (name, boxes, scores), (gname, gboxes, gscores, classes) in zip(
            read, _golden_entries(), strict=True):
        assert name == gname
        keep = classes == 0
        assert np.array_equal(boxes.astype(np.float32), gboxes[keep])
        # the file keeps the score as a percentage with 2 decimals
        assert np.allclose(scores, gscores[keep], atol=5e-5)


def test_score_strings_follow_the_demo():
    assert format_bbox_score(np.float32(0.9306436777114868)) == "93.06%"
    assert format_bbox_score(0.975) == "97.5%"
    assert parse_bbox_score("97.5%") == pytest.approx(0.975)
    with pytest.raises(ValueError):
        parse_bbox_score("0.975")


def test_bad_score_string_names_file_and_annotation(tmp_path):
    doc = json.loads(REFERENCE.read_text())
    doc["annotations"][3]["bbox_score"] = "high"
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(FormatError, match=r"bad\.json: annotation 3: bad bbox_score"):
        read_bbox_detections(tmp_path / "bad.json")


def test_project_boxes_write_and_read_back(tmp_path):
    with populated_project(tmp_path / "p.medpose") as proj:
        entries = project_to_bbox_entries(proj)
        out = write_bbox_detections(tmp_path / "b.json", entries)
        read = read_bbox_detections(out)
        assert [n for n, _, _ in read] == [f"frame_{i:06d}.jpg" for i in (0, 1, 2, 3, 5, 7)]
        for (name, boxes, _), (_, eboxes, _, labels) in zip(read, entries, strict=True):
            assert np.array_equal(boxes.astype(np.float32), eboxes[labels == 0]), name
        # patients of frame 1, in project order
        want = [i.box for i in proj.instances(1) if i.category == "patient"]
        assert np.allclose(read[1][1], want, atol=1e-4)


def test_import_stores_predicted_boxes_with_absent_points(tmp_path):
    with empty_project(tmp_path / "p.medpose") as proj:
        proj.set_review_state(0, ReviewState.APPROVED)  # the approved frame is left alone
        names = ["astronaut_512.png", "frame_1280x720.png"]
        offered = import_bbox_detections(REFERENCE, proj, frame_names=names)
        assert sorted(offered) == [0, 1]
        assert proj.instances(0) == []
        got = proj.instances(1)
        assert len(got) == 4
        read = read_bbox_detections(REFERENCE)[1]
        for inst, box, score in zip(got, read[1], read[2], strict=True):
            assert inst.source == Source.PREDICTED and inst.category == "patient"
            assert np.array_equal(inst.box, box) and inst.box_score == score
            assert inst.num_keypoints == 21
            assert (inst.keypoints[:, 2] == Visibility.ABSENT).all()


def test_import_maps_images_by_natural_name_order(tmp_path):
    doc = json.loads(REFERENCE.read_text())
    doc["images"][0]["file_name"], doc["images"][1]["file_name"] = "f_10.png", "f_9.png"
    (tmp_path / "b.json").write_text(json.dumps(doc))
    with empty_project(tmp_path / "p.medpose") as proj:
        import_bbox_detections(tmp_path / "b.json", proj)
        assert [len(proj.instances(i)) for i in (0, 1)] == [4, 5]
