"""Keypoint schemas: builtins match the reference configs; mmpose definitions are read as data."""

import json

import pytest

from medpose_gui.core.config_literal import parse_config_file
from medpose_gui.core.schema import (
    Category,
    KeypointSchema,
    SchemaError,
    builtin_schema_names,
    default_categories,
    load_schema,
    schema_from_mmpose_dataset_info,
    with_name,
)
from tests.fixture_paths import CASUALTY_CONFIG, USER_CONFIG

CASUALTY_CFG = CASUALTY_CONFIG
USER_CFG = USER_CONFIG


def _fixture_info(path):
    return parse_config_file(path)["dataset_info"]


def test_builtin_schemas_have_expected_point_counts():
    counts = {name: load_schema(name).num_keypoints for name in builtin_schema_names()}
    assert counts == {"medic_casualty": 21, "medic_casualty_22": 22, "medic_user": 6,
                      "coco_17": 17}


def test_casualty_21_names_are_the_fixture_points_without_back():
    info = _fixture_info(CASUALTY_CFG)
    names = [info["keypoint_info"][i]["name"] for i in range(22)]
    schema = load_schema("medic_casualty")
    assert list(schema.keypoints) == names[:21]
    assert "back" not in schema.keypoints
    assert schema.sigmas == (0.067,) * 21
    # the two links to `back` are dropped, the other 20 kept in order
    links = [info["skeleton_info"][i]["link"] for i in range(22)]
    kept = [tuple(names.index(n) for n in link) for link in links if "back" not in link]
    assert list(schema.edges) == kept and len(kept) == 20


def test_casualty_22_has_back_last_and_links_it_to_the_upper_legs():
    schema = load_schema("medic_casualty_22")
    assert schema.keypoints[21] == "back"
    back = 21
    linked = {a if b == back else b for a, b in schema.edges if back in (a, b)}
    assert {schema.keypoints[i] for i in linked} == {"left_upper_leg", "right_upper_leg"}


def test_fixture_dataset_info_imports_equal_to_builtins():
    casualty = schema_from_mmpose_dataset_info(CASUALTY_CFG)
    assert casualty.name == "coco_medic"  # dataset_name of the definition
    assert with_name(casualty, "medic_casualty_22") == load_schema("medic_casualty_22")
    user = schema_from_mmpose_dataset_info(USER_CFG)
    assert user == load_schema("medic_user")
    assert user.sigmas == (0.67,) * 6
    assert user.flip_pairs == () and casualty.flip_pairs == ()


def test_mmpose_colours_are_converted_from_bgr_to_rgb():
    info = _fixture_info(CASUALTY_CFG)
    schema = load_schema("medic_casualty_22")
    b, g, r = info["keypoint_info"][21]["color"]
    assert schema.keypoint_colors[21] == (r, g, b) == (255, 20, 147)  # "deeppink"


def test_coco_17_skeleton_flip_pairs_and_sigmas():
    coco = load_schema("coco_17")
    assert coco.keypoints[0] == "nose" and coco.keypoints[16] == "right_ankle"
    # cocoapi person skeleton, 1-based
    one_based = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7],
                 [6, 8], [7, 9], [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5],
                 [4, 6], [5, 7]]
    assert [list(e) for e in coco.edges] == [[a - 1, b - 1] for a, b in one_based]
    assert coco.flip_pairs == tuple((i, i + 1) for i in range(1, 17, 2))
    assert coco.sigmas[:3] == (0.026, 0.025, 0.025) and coco.sigmas[-1] == 0.089


def test_flip_pairs_built_like_mmpose_dataset_info(tmp_path):
    text = """dataset_info = dict(
    dataset_name='toy',
    keypoint_info={
        0: dict(name='nose', id=0, color=[1, 2, 3], swap=''),
        1: dict(name='l_eye', id=1, color=[1, 2, 3], swap='r_eye'),
        2: dict(name='r_eye', id=2, color=[1, 2, 3], swap='l_eye'),
        3: dict(name='mid', id=3, color=[1, 2, 3], swap='mid'),
    },
    skeleton_info={0: dict(link=('l_eye', 'nose'), id=0, color=[9, 8, 7])},
    sigmas=[0.1, 0.2, 0.2, 0.3])
"""
    path = tmp_path / "toy.py"
    path.write_text(text)
    schema = schema_from_mmpose_dataset_info(path)
    assert schema.flip_pairs == ((1, 2),)  # reverse pair not repeated, self-swap ignored
    assert schema.edges == ((1, 0),) and schema.edge_colors == ((7, 8, 9),)
    assert schema_from_mmpose_dataset_info(text) == schema  # text works as well as a path


def test_schema_json_round_trip_via_file(tmp_path):
    schema = load_schema("coco_17")
    path = tmp_path / "s.json"
    path.write_text(json.dumps(schema.to_dict()))
    assert load_schema(path) == schema
    cat = Category(1, "person", schema)
    assert Category.from_dict(json.loads(json.dumps(cat.to_dict()))) == cat


def test_default_categories_are_patient_and_user():
    cats = default_categories()
    assert [(c.id, c.name, c.schema.name) for c in cats] == [
        (1, "patient", "medic_casualty"), (2, "user", "medic_user")]


@pytest.mark.parametrize("body, problem", [
    ("dataset_info = dict(dataset_name='x')", "keypoint_info"),
    ("other = 1", "dataset_info"),
    ("dataset_info = dict(keypoint_info={0: dict(name='a', id=0, color=[0,0,0], swap='')},"
     " skeleton_info={0: dict(link=('a', 'ghost'), id=0, color=[0,0,0])}, sigmas=[0.1])",
     "ghost"),
    ("dataset_info = dict(keypoint_info={0: dict(name='a', id=0, color=[0,0,0], swap='b')},"
     " sigmas=[0.1])", "unknown point 'b'"),
    ("dataset_info = dict(keypoint_info={0: dict(name='a', id=0, color=[0,0,0], swap='')},"
     " sigmas=[0.1, 0.2])", "sigmas"),
    ("dataset_info = dict(keypoint_info={0: dict(name='a'", "not valid Python"),
])
def test_malformed_definitions_are_refused_naming_the_file(tmp_path, body, problem):
    path = tmp_path / "bad_def.py"
    path.write_text(body + "\n")
    with pytest.raises(SchemaError) as err:
        schema_from_mmpose_dataset_info(path)
    assert str(path) in str(err.value) and problem in str(err.value)


def test_import_never_executes_code(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.py"
    path.write_text(f"__import__('os').system('touch {marker}')\n"
                    f"dataset_info = dict(keypoint_info={{}}, x=__import__('os').system("
                    f"'touch {marker}'))\n")
    with pytest.raises(SchemaError, match="evil.py"):
        schema_from_mmpose_dataset_info(path)
    path.write_text(f"dataset_info = dict(keypoint_info=open('{marker}', 'w'))\n")
    with pytest.raises(SchemaError, match="evil.py"):
        schema_from_mmpose_dataset_info(path)
    assert not marker.exists()


def test_unknown_schema_name_lists_builtins():
    with pytest.raises(SchemaError, match="medic_casualty"):
        load_schema("no_such_schema")


def test_inconsistent_schema_is_refused():
    with pytest.raises(SchemaError, match="edge"):
        KeypointSchema("x", ("a", "b"), ((0, 2),), ((0, 0, 0),) * 2, ((0, 0, 0),), (), (1, 1))


def test_dataset_info_is_found_in_the_test_split_of_a_full_config(tmp_path):
    info_text = CASUALTY_CFG.read_text()
    # keep only `data = dict(...)` (the reference reads data['test']['dataset_info'])
    data_only = info_text[info_text.index("data = dict("):]
    path = tmp_path / "split_only.py"
    path.write_text(data_only)
    assert with_name(load_schema(path), "medic_casualty_22") == load_schema("medic_casualty_22")
