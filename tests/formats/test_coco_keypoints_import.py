"""COCO keypoints import: lossless round trip, image->frame mapping, review state, and a
clear error naming the file for every kind of bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from medpose_gui.core.annotations import ReviewState, Source
from medpose_gui.formats import FormatError, export_coco_keypoints, import_coco_keypoints
from tests.formats.project_builder import empty_project, populated_project


@pytest.fixture
def exported(tmp_path):
    proj = populated_project(tmp_path / "src.medpose")
    out = tmp_path / "src.json"
    export_coco_keypoints(proj, out)
    yield proj, out
    proj.close()


@pytest.fixture
def target(tmp_path):
    proj = empty_project(tmp_path / "dst.medpose")
    yield proj
    proj.close()


def _write(path, doc) -> None:
    path.write_text(json.dumps(doc))


def test_export_import_export_is_byte_identical(exported, target, tmp_path):
    _, first = exported
    stats = import_coco_keypoints(first, target)
    assert stats.num_annotations == 8 and stats.image_mapping == "frame_index"
    second = tmp_path / "again.json"
    export_coco_keypoints(target, second)
    assert second.read_bytes() == first.read_bytes()


@pytest.mark.parametrize("options", [
    {"category": "patient"}, {"category": "user", "reviewed_only": True}, {"min_score": 0.6}])
def test_filtered_exports_round_trip_byte_identical(exported, target, tmp_path, options):
    src, _ = exported
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    export_coco_keypoints(src, first, **options)
    import_coco_keypoints(first, target)
    export_coco_keypoints(target, second, **options)
    assert second.read_bytes() == first.read_bytes()


def test_round_trip_survives_reopening_the_project(exported, tmp_path):
    from medpose_gui.core.project import Project

    _, first = exported
    with empty_project(tmp_path / "dst.medpose") as proj:
        import_coco_keypoints(first, proj)
    with Project.open(tmp_path / "dst.medpose") as proj:
        export_coco_keypoints(proj, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == first.read_bytes()


def test_import_restores_review_state_sources_and_scores(exported, target):
    src, first = exported
    import_coco_keypoints(first, target)
    assert target.review_state(0) == ReviewState.APPROVED
    assert target.review_state(3) == ReviewState.APPROVED  # empty approved frame
    assert target.review_state(2) == ReviewState.IN_PROGRESS
    assert target.review_state(1) == ReviewState.UNREVIEWED
    got = {i.source for i in target.instances(0)}
    assert got == {Source.CORRECTED, Source.MANUAL}
    pred = target.instances(7)[0]
    orig = src.instances(7)[0]
    assert pred.source == Source.PREDICTED and pred.original is not None
    assert pred.box_score == orig.box_score
    assert np.array_equal(pred.scores, orig.scores)
    manual = next(i for i in target.instances(0) if i.source == Source.MANUAL)
    assert np.isnan(manual.scores).all() and manual.box_score is None


def test_reviewed_flag_on_annotations_approves_frames_without_review_field(exported, target,
                                                                           tmp_path):
    _, first = exported
    doc = json.loads(first.read_text())
    for img in doc["images"]:
        del img["review"]
    _write(tmp_path / "flags.json", doc)
    stats = import_coco_keypoints(tmp_path / "flags.json", target)
    assert target.review_state(0) == ReviewState.APPROVED
    assert target.review_state(7) == ReviewState.APPROVED
    assert target.review_state(2) == ReviewState.UNREVIEWED
    assert stats.frames_approved == 2


def test_forced_source_overrides_the_file(exported, target):
    _, first = exported
    import_coco_keypoints(first, target, source="manual")
    assert {i.source for f in target.iter_frames() for i in f.instances} == {Source.MANUAL}


def _third_party(ids, names, frame_index=None):
    """A plain COCO file as another tool writes it (no extra fields)."""
    images = [{"id": i, "file_name": n, "width": 320, "height": 240} for i, n in zip(
        ids, names, strict=True)]
    if frame_index is not None:
        for img, f in zip(images, frame_index, strict=True):
            img["frame_index"] = f
    kps = [10.0, 20.0, 2] * 6
    anns = [{"id": 100 + j, "image_id": img["id"], "category_id": 7, "bbox": [5 + j, 5, 50, 60],
             "area": 3000, "iscrowd": 0, "keypoints": kps, "num_keypoints": 6}
            for j, img in enumerate(images)]
    cats = [{"id": 7, "name": "user", "keypoints": None}]
    return {"images": images, "annotations": anns, "categories": cats}


def test_images_map_by_id_minus_one(target, tmp_path):
    _write(tmp_path / "a.json", _third_party([3, 5], ["x.jpg", "y.jpg"]))
    stats = import_coco_keypoints(tmp_path / "a.json", target)
    assert stats.image_mapping == "id"
    assert target.annotated_frames() == [2, 4]
    inst = target.instances(2)[0]
    assert inst.category == "user" and inst.source == Source.MANUAL
    assert np.array_equal(inst.box, [5, 5, 55, 65])


def test_images_map_by_natural_file_name_order_when_ids_are_not_frames(target, tmp_path):
    _write(tmp_path / "a.json", _third_party([9001, 9000, 9002],
                                             ["img_10.jpg", "img_9.jpg", "img_100.jpg"]))
    stats = import_coco_keypoints(tmp_path / "a.json", target)
    assert stats.image_mapping == "file_name"
    assert target.annotated_frames() == [0, 1, 2]
    # annotation j has x = 5 + j: img_9 (j=1) -> frame 0, img_10 (j=0) -> 1, img_100 (j=2) -> 2
    assert [target.instances(f)[0].box[0] for f in range(3)] == [6, 5, 7]


def test_frame_index_wins_over_id(target, tmp_path):
    _write(tmp_path / "a.json", _third_party([1, 2], ["a.jpg", "b.jpg"], frame_index=[10, 11]))
    import_coco_keypoints(tmp_path / "a.json", target)
    assert target.annotated_frames() == [10, 11]


def test_malformed_json_names_the_file_and_position(target, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"images": [ {"id": 1,, }')
    with pytest.raises(FormatError, match=r"broken\.json: not valid JSON \(line 1, column"):
        import_coco_keypoints(bad, target)


def test_missing_section_is_named(target, tmp_path):
    _write(tmp_path / "nocat.json", {"images": [], "annotations": []})
    with pytest.raises(FormatError, match=r"nocat\.json: 'categories' is missing"):
        import_coco_keypoints(tmp_path / "nocat.json", target)


def test_unknown_category_names_file_and_annotation(target, tmp_path):
    doc = _third_party([1], ["a.jpg"])
    doc["categories"][0]["name"] = "bystander"
    _write(tmp_path / "cat.json", doc)
    with pytest.raises(FormatError, match=r"cat\.json: annotation 100: category_id 7 is not a "
                                          r"category of the project"):
        import_coco_keypoints(tmp_path / "cat.json", target)
    assert target.annotated_frames() == []  # nothing imported


def test_wrong_keypoint_count_names_file_annotation_and_counts(exported, target, tmp_path):
    _, first = exported
    doc = json.loads(first.read_text())
    patient = next(a for a in doc["annotations"] if a["category_id"] == 1)
    patient["keypoints"] = patient["keypoints"] + [0, 0, 0]  # the 22-point dataset layout
    _write(tmp_path / "k22.json", doc)
    with pytest.raises(FormatError, match=rf"k22\.json: annotation {patient['id']}: 66 keypoint "
                                          r"numbers \(22 points\) but category 'patient'.*21"):
        import_coco_keypoints(tmp_path / "k22.json", target)
    assert target.annotated_frames() == []


@pytest.mark.parametrize("field, value, message", [
    ("bbox", [1, 2, 3], r"'bbox' must have 4 numbers, got 3 values"),
    ("bbox", [1, 2, -3, 4], r"bbox width and height must not be negative"),
    ("keypoints", ["a"] * 18, r"'keypoints'\[0\] is 'a', not a number"),
    ("image_id", 99, r"image_id 99 is not in 'images'"),
    ("source", "guessed", r"unknown source 'guessed'"),
])
def test_bad_annotation_fields_are_named(target, tmp_path, field, value, message):
    doc = _third_party([1], ["a.jpg"])
    doc["annotations"][0][field] = value
    _write(tmp_path / "bad.json", doc)
    with pytest.raises(FormatError, match=r"bad\.json: annotation 100: " + message):
        import_coco_keypoints(tmp_path / "bad.json", target)


def test_bad_visibility_is_refused(target, tmp_path):
    doc = _third_party([1], ["a.jpg"])
    doc["annotations"][0]["keypoints"][2] = 3
    _write(tmp_path / "vis.json", doc)
    with pytest.raises(FormatError, match="visibility must be 0, 1 or 2"):
        import_coco_keypoints(tmp_path / "vis.json", target)


def test_image_size_different_from_media_is_refused(target, tmp_path):
    doc = _third_party([1], ["a.jpg"])
    doc["images"][0]["width"] = 640
    _write(tmp_path / "size.json", doc)
    with pytest.raises(FormatError, match=r"size\.json: image 1 is 640x240 but the project's "
                                          r"media is 320x240"):
        import_coco_keypoints(tmp_path / "size.json", target)


def test_mismatched_keypoint_names_are_refused(target, tmp_path):
    doc = _third_party([1], ["a.jpg"])
    doc["categories"][0]["keypoints"] = [f"p{i}" for i in range(6)]
    _write(tmp_path / "names.json", doc)
    with pytest.raises(FormatError, match=r"names\.json: category 'user' lists keypoints"):
        import_coco_keypoints(tmp_path / "names.json", target)


def test_replace_clears_the_frames_the_file_covers(exported, tmp_path):
    _, first = exported
    with populated_project(tmp_path / "again.medpose", seed=1) as proj:
        before = len(proj.instances(1))
        import_coco_keypoints(first, proj)
        assert len(proj.instances(1)) == 2 * before
        import_coco_keypoints(first, proj, replace=True)
        assert len(proj.instances(1)) == before
