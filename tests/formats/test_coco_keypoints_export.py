"""COCO keypoints export: loadable by pycocotools, scored perfectly against itself, exact
point counts for the reference trainers, filters, and frame images."""

from __future__ import annotations

import contextlib
import io
import json

import cv2
import numpy as np
import pytest
from pycocotools.coco import COCO

from medpose_gui.core.annotations import ReviewState, Visibility
from medpose_gui.evaluation.coco_metrics import load_results, run_cocoeval
from medpose_gui.formats import ExportCancelled, FormatError, export_coco_keypoints
from tests.formats.project_builder import HEIGHT, WIDTH, populated_project
from tests.media.video_factory import read_index, render_index_frame


@pytest.fixture
def project(tmp_path):
    proj = populated_project(tmp_path / "clip.medpose")
    yield proj
    proj.close()


def _load(path):
    return json.loads(path.read_text())


def _quiet_coco(path) -> COCO:
    with contextlib.redirect_stdout(io.StringIO()):
        return COCO(str(path))


def _self_eval_ap(gt_path, sigmas) -> float:
    """Keypoint AP of the file's own annotations (score 1) against the file."""
    gt = _quiet_coco(gt_path)
    dets = [{"image_id": a["image_id"], "category_id": a["category_id"],
             "keypoints": a["keypoints"], "score": 1.0}
            for a in gt.dataset["annotations"] if a["num_keypoints"] > 0]
    return run_cocoeval(gt, load_results(gt, dets), "keypoints", sigmas=sigmas)["AP"]


def test_export_loads_in_pycocotools_with_every_frame_and_instance(project, tmp_path):
    out = tmp_path / "all.json"
    stats = export_coco_keypoints(project, out)
    coco = _quiet_coco(out)
    # frames 0, 1, 2, 3, 5, 7 (3 is an approved empty frame), ids = index + 1
    assert sorted(coco.getImgIds()) == [1, 2, 3, 4, 6, 8]
    assert len(coco.getAnnIds()) == stats.num_annotations == 8
    assert {c["name"]: c["id"] for c in coco.loadCats(coco.getCatIds())} == {
        "patient": 1, "user": 2}
    img = coco.loadImgs(8)[0]
    assert (img["file_name"], img["width"], img["height"], img["frame_index"]) == (
        "frame_000007.jpg", WIDTH, HEIGHT, 7)
    for ann in coco.dataset["annotations"]:
        x, y, w, h = ann["bbox"]
        assert ann["area"] == pytest.approx(w * h, abs=1e-3) and ann["area"] > 0
        assert ann["iscrowd"] == 0
        vis = ann["keypoints"][2::3]
        assert set(vis) <= {0, 1, 2}
        assert ann["num_keypoints"] == sum(v > 0 for v in vis)
        for i, v in enumerate(vis):
            if v == 0:
                assert ann["keypoints"][3 * i:3 * i + 2] == [0, 0]


@pytest.mark.parametrize("category, sigmas_of", [("patient", "patient"), ("user", "user")])
def test_export_scores_ap_one_against_itself_with_schema_sigmas(project, tmp_path, category,
                                                                sigmas_of):
    out = tmp_path / f"{category}.json"
    export_coco_keypoints(project, out, category=category)
    assert _self_eval_ap(out, project.schema_for(sigmas_of).sigmas) == pytest.approx(1.0)


def test_shifted_points_lower_the_ap_so_the_self_check_can_fail(project, tmp_path):
    out = tmp_path / "patient.json"
    export_coco_keypoints(project, out, category="patient")
    gt = _quiet_coco(out)
    dets = []
    for a in gt.dataset["annotations"]:
        if a["num_keypoints"] == 0:
            continue
        kps = list(a["keypoints"])
        kps[:: 3] = [x + 25.0 if v else x for x, v in zip(kps[::3], kps[2::3], strict=True)]
        dets.append({"image_id": a["image_id"], "category_id": 1, "keypoints": kps, "score": 1.0})
    sigmas = project.schema_for("patient").sigmas
    assert run_cocoeval(gt, load_results(gt, dets), "keypoints", sigmas=sigmas)["AP"] < 0.5


def test_xtcocotools_reads_the_export_when_it_imports(project, tmp_path):
    try:
        from xtcocotools.coco import COCO as XtCOCO
    except Exception as exc:  # ImportError, or the numpy 2 ABI error it raises today
        pytest.skip(f"xtcocotools unavailable: {type(exc).__name__}: {exc}")
    out = tmp_path / "patient.json"
    export_coco_keypoints(project, out, category="patient")
    with contextlib.redirect_stdout(io.StringIO()):
        coco = XtCOCO(str(out))
    assert len(coco.getAnnIds()) == 5


def test_casualty_annotations_have_exactly_63_numbers_and_user_18(project, tmp_path):
    out = tmp_path / "all.json"
    export_coco_keypoints(project, out)
    doc = _load(out)
    cats = {c["id"]: c for c in doc["categories"]}
    assert len(cats[1]["keypoints"]) == 21 and len(cats[2]["keypoints"]) == 6
    assert all(1 <= a <= 21 and 1 <= b <= 21 for a, b in cats[1]["skeleton"])
    lengths = {(a["category_id"], len(a["keypoints"])) for a in doc["annotations"]}
    assert lengths == {(1, 63), (2, 18)}


def test_category_filter_writes_one_category_and_one_keypoint_count(project, tmp_path):
    out = tmp_path / "user.json"
    stats = export_coco_keypoints(project, out, category="user")
    doc = _load(out)
    assert [c["name"] for c in doc["categories"]] == ["user"]
    assert {len(a["keypoints"]) for a in doc["annotations"]} == {18}
    assert stats.num_annotations == 3 and stats.per_category == {"user": 3}
    with pytest.raises(FormatError, match="unknown category 'bystander'"):
        export_coco_keypoints(project, tmp_path / "x.json", category="bystander")
    assert not (tmp_path / "x.json").exists()


def test_reviewed_only_writes_approved_frames_only(project, tmp_path):
    out = tmp_path / "reviewed.json"
    export_coco_keypoints(project, out, reviewed_only=True)
    doc = _load(out)
    assert [img["frame_index"] for img in doc["images"]] == [0, 3, 7]
    assert {a["image_id"] for a in doc["annotations"]} == {1, 8}
    assert all(a["reviewed"] for a in doc["annotations"])
    assert all(img["review"] == "approved" for img in doc["images"])


def test_min_score_drops_low_predicted_points_on_unreviewed_frames_only(project, tmp_path):
    plain, filtered = tmp_path / "plain.json", tmp_path / "filtered.json"
    export_coco_keypoints(project, plain)
    export_coco_keypoints(project, filtered, min_score=0.5)
    before = {a["id"]: a for a in _load(plain)["annotations"]}
    after = {a["id"]: a for a in _load(filtered)["annotations"]}
    assert before.keys() == after.keys()
    approved_images = {1, 8}
    changed = 0
    for ann_id, a in after.items():
        b = before[ann_id]
        if a["image_id"] in approved_images:
            assert a == b  # reviewed frames: exactly as the medic left them
            continue
        for i, s in enumerate(a["keypoint_scores"]):
            pt_a, pt_b = a["keypoints"][3 * i:3 * i + 3], b["keypoints"][3 * i:3 * i + 3]
            if s is not None and s < 0.5 and not (a["image_id"] == 3 and i == 0):
                assert pt_a == [0, 0, 0]
                changed += pt_b[2] > 0
            else:
                assert pt_a == pt_b
        assert a["num_keypoints"] == sum(v > 0 for v in a["keypoints"][2::3])
    assert changed > 0
    # frame 2 (image 3): point 0 has score 0.05 but the medic moved it, so it is kept
    moved = next(a for a in after.values() if a["image_id"] == 3)
    assert moved["keypoints"][:3] == [101.5, 102.5, 2]


def test_images_are_written_with_their_names_and_sizes(project, tmp_path):
    out, images = tmp_path / "ds" / "ann.json", tmp_path / "ds" / "images"
    out.parent.mkdir()
    calls = []
    stats = export_coco_keypoints(
        project, out, images_dir=images,
        frame_reader=lambda i: render_index_frame(i, (WIDTH, HEIGHT)),
        progress=lambda done, total: calls.append((done, total)))
    doc = _load(out)
    assert stats.num_images_written == len(doc["images"]) == 6
    assert calls == [(i, 6) for i in range(1, 7)]
    assert sorted(p.name for p in images.iterdir()) == sorted(
        img["file_name"] for img in doc["images"])
    for img in doc["images"]:
        bgr = cv2.imread(str(images / img["file_name"]))
        assert bgr.shape == (img["height"], img["width"], 3)
        assert read_index(np.ascontiguousarray(bgr[:, :, ::-1])) == img["frame_index"]


def test_png_images_are_lossless(project, tmp_path):
    out, images = tmp_path / "ann.json", tmp_path / "images"
    export_coco_keypoints(project, out, images_dir=images, image_ext="png",
                          frame_reader=lambda i: render_index_frame(i, (WIDTH, HEIGHT)))
    bgr = cv2.imread(str(images / "frame_000005.png"))
    assert np.array_equal(bgr[:, :, ::-1], render_index_frame(5, (WIDTH, HEIGHT)))


def test_cancel_raises_and_leaves_no_json(project, tmp_path):
    out, images = tmp_path / "ann.json", tmp_path / "images"
    seen = []
    with pytest.raises(ExportCancelled):
        export_coco_keypoints(project, out, images_dir=images,
                              frame_reader=lambda i: render_index_frame(i, (WIDTH, HEIGHT)),
                              progress=lambda d, t: seen.append(d), cancel=lambda: len(seen) >= 2)
    assert not out.exists()
    assert len(list(images.iterdir())) == 2  # complete images only, no temporary files
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_cancel_keeps_the_previous_export(project, tmp_path):
    out = tmp_path / "ann.json"
    export_coco_keypoints(project, out, reviewed_only=True)
    good = out.read_bytes()
    with pytest.raises(ExportCancelled):
        export_coco_keypoints(project, out, cancel=lambda: True)
    assert out.read_bytes() == good


def test_wrong_frame_size_from_reader_is_a_clear_error(project, tmp_path):
    with pytest.raises(FormatError, match=r"frame 0 is 100x50 but the project's media is 320x240"):
        export_coco_keypoints(project, tmp_path / "a.json", images_dir=tmp_path / "im",
                              frame_reader=lambda i: np.zeros((50, 100, 3), np.uint8))
    assert not (tmp_path / "a.json").exists()


def test_unreviewed_export_marks_review_flags(project, tmp_path):
    out = tmp_path / "a.json"
    project.set_review_state(1, ReviewState.APPROVED)
    export_coco_keypoints(project, out)
    doc = _load(out)
    flags = {a["image_id"]: a["reviewed"] for a in doc["annotations"]}
    assert flags == {1: True, 2: True, 3: False, 6: False, 8: True}
    occluded = next(a for a in doc["annotations"] if a["image_id"] == 1 and a["category_id"] == 1)
    assert occluded["keypoints"][5 * 3 + 2] == Visibility.OCCLUDED
    assert occluded["source"] == "corrected"


def test_box_without_area_takes_the_extent_of_its_points_or_is_skipped(project, tmp_path):
    from medpose_gui.core.annotations import Instance

    flat = Instance.manual("user", [50.0, 50.0, 50.0, 50.0], 6)
    kps = flat.keypoints.copy()
    kps[0], kps[1] = [40.0, 45.0, 2], [70.5, 90.0, 1]
    project.put_instance(9, flat.replace(keypoints=kps))
    project.put_instance(9, Instance.manual("user", [10.0, 10.0, 10.0, 30.0], 6))
    out = tmp_path / "a.json"
    stats = export_coco_keypoints(project, out, category="user")
    anns = [a for a in _load(out)["annotations"] if a["image_id"] == 10]
    assert [a["bbox"] for a in anns] == [[40.0, 45.0, 30.5, 45.0]]
    assert anns[0]["area"] == 30.5 * 45.0
    assert stats.skipped_degenerate == 1


def test_unreviewed_frames_without_the_written_category_are_left_out(project, tmp_path):
    out = tmp_path / "patient.json"
    export_coco_keypoints(project, out, category="patient")
    # frame 5 holds only a user and is unreviewed; reviewed frames stay even when empty
    assert [img["frame_index"] for img in _load(out)["images"]] == [0, 1, 2, 3, 7]
