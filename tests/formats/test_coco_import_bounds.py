"""COCO import within bounds (real files, real project): absurd numbers, sizes, ids and
nesting are refused with a FormatError naming the file, the annotation (or image) id and
the field - never a traceback - and the project is left unchanged."""

from __future__ import annotations

import json
import time

import pytest

from medpose_gui.formats import FormatError, import_coco_keypoints
from medpose_gui.formats.bounded_json import MAX_JSON_BYTES, load_json, nesting_depth
from tests.formats.project_builder import empty_project


@pytest.fixture
def target(tmp_path):
    proj = empty_project(tmp_path / "dst.medpose")  # 320 x 240, 12 frames
    yield proj
    assert proj.annotated_frames() == []  # every refused file left it unchanged
    proj.close()


def _doc(**changes) -> dict:
    """One image, one 6-point user annotation (id 100) on it; ``changes`` edit the
    annotation (``image.X`` keys edit the image)."""
    image = {"id": 1, "file_name": "a.jpg", "width": 320, "height": 240}
    ann = {"id": 100, "image_id": 1, "category_id": 7, "bbox": [5, 5, 50, 60],
           "keypoints": [10.0, 20.0, 2] * 6}
    for key, value in changes.items():
        if key.startswith("image."):
            image[key[len("image."):]] = value
        else:
            ann[key] = value
    return {"images": [image], "annotations": [ann],
            "categories": [{"id": 7, "name": "user"}]}


def _import(target, tmp_path, doc_or_text) -> None:
    path = tmp_path / "in.json"
    path.write_text(doc_or_text if isinstance(doc_or_text, str) else json.dumps(doc_or_text))
    import_coco_keypoints(path, target)


@pytest.mark.parametrize("changes, message", [
    ({"bbox": [1e308, 5, 50, 60]}, r"annotation 100: 'bbox'\[0\] is 1e\+308, outside -320\.\.640"),
    ({"bbox": [5, 5, 1e308, 60]}, r"annotation 100: 'bbox'\[2\] is 1e\+308, outside"),
    ({"bbox": [600, 5, 100, 60]}, r"annotation 100: 'bbox' \[600, 5, 100, 60\] reaches past 640"),
    ({"keypoints": [10.0, 1e9, 2] * 6}, r"annotation 100: 'keypoints'\[1\] is 1000000000\.0, "
                                        r"outside -240\.\.480"),
    ({"keypoint_scores": [0.5] * 5 + [1e300]},
     r"annotation 100: 'keypoint_scores'\[5\] is 1e\+300, outside"),
    ({"score": -1e99}, r"annotation 100: score is -1e\+99, outside"),
    ({"track_id": 2**40}, r"annotation 100: track_id is 1099511627776, outside"),
    ({"track_id": 1.5}, r"annotation 100: track_id is 1\.5, not an integer"),
    ({"image_id": [1]}, r"annotation 100: image_id is \[1\], not an integer"),
    ({"category_id": {"a": 1}}, r"annotation 100: category_id is \{'a': 1\}, not an integer"),
    ({"id": -5}, r"annotation #0: id is -5, outside 0\.\."),
    ({"image.width": 320.5}, r"image 1: width is 320\.5, not an integer"),
    ({"image.height": 10**400}, r"image 1: height is an integer of 401 digits, outside"),
    ({"image.frame_index": 2_000_000_000}, r"image 1: frame_index is 2000000000, outside 0\.\.11"),
])
def test_absurd_values_are_refused_naming_the_id_and_the_field(target, tmp_path, changes,
                                                                message):
    with pytest.raises(FormatError, match=r"in\.json: " + message):
        _import(target, tmp_path, _doc(**changes))


def test_a_400_digit_integer_is_refused_by_name_not_by_overflow(target, tmp_path):
    text = json.dumps(_doc()).replace('"keypoints": [10.0', '"keypoints": [' + "9" * 400)
    with pytest.raises(FormatError, match=r"annotation 100: 'keypoints'\[0\] is an integer of "
                                          r"400 digits, outside -320\.\.640"):
        _import(target, tmp_path, text)


def test_an_integer_too_long_to_parse_is_a_format_error(target, tmp_path):
    text = json.dumps(_doc()).replace('"keypoints": [10.0', '"keypoints": [' + "9" * 5000)
    with pytest.raises(FormatError, match=r"in\.json: cannot be read as JSON: .*digits"):
        _import(target, tmp_path, text)


def test_nan_and_infinity_literals_are_refused(target, tmp_path):
    text = json.dumps(_doc()).replace('"bbox": [5,', '"bbox": [NaN,')
    with pytest.raises(FormatError, match=r"annotation 100: 'bbox'\[0\] is nan, not a finite"):
        _import(target, tmp_path, text)


def test_deep_nesting_is_refused_before_parsing_and_fast(target, tmp_path):
    text = '{"images": ' + "[" * 100_000 + "]" * 100_000 + ', "annotations": [], ' \
        '"categories": []}'
    start = time.perf_counter()
    with pytest.raises(FormatError, match=r"in\.json: nested 100001 levels deep; a COCO file "
                                          r"needs at most 32"):
        _import(target, tmp_path, text)
    assert time.perf_counter() - start < 5


def test_a_file_larger_than_the_cap_is_refused_unread(target, tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(MAX_JSON_BYTES + 1)  # sparse: nothing is written, nothing must be read
    start = time.perf_counter()
    with pytest.raises(FormatError, match=r"big\.json: 1074 MB is more than the 1074 MB"):
        import_coco_keypoints(big, target)
    assert time.perf_counter() - start < 2


def test_a_device_is_not_read(target):
    with pytest.raises(FormatError, match=r"/dev/zero: not a regular file"):
        import_coco_keypoints("/dev/zero", target)


def test_nesting_depth_ignores_brackets_inside_strings(tmp_path):
    assert nesting_depth(b'{"a": "[[[[", "b": "\\\\", "c": [["\\"[["]]}') == 3
    assert nesting_depth(b"") == 0
    path = tmp_path / "ok.json"
    path.write_text(json.dumps({"x": [[[[["deep enough"]]]]]}))
    assert load_json(path) == {"x": [[[[["deep enough"]]]]]}
