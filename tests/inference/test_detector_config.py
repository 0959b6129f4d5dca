"""detectron2 YAML configs are read as data, with their _BASE_ chain, into detector settings."""

from __future__ import annotations

import os

import pytest

from medpose_gui.inference.detector import (
    DetectorConfig,
    DetectorConfigError,
    load_config,
    read_detectron2_yaml,
)
from medpose_gui.inference.detector.config import MAX_CONFIG_BYTES
from tests.fixture_paths import DETECTOR_CONFIG, DETECTRON2, need_full

SEED = DETECTRON2 / "seed_configs" / "medic_pose" / "medic_pose.yaml"


def test_seed_config_follows_relative_base_and_child_wins():
    need_full()
    tree = read_detectron2_yaml(SEED)
    assert "_BASE_" not in tree
    assert tree["MODEL"]["RESNETS"]["DEPTH"] == 101  # from the child
    assert tree["MODEL"]["RESNETS"]["OUT_FEATURES"] == ["res2", "res3", "res4", "res5"]  # base
    assert tree["SOLVER"]["BASE_LR"] == 0.01  # child overrides base's 0.08
    assert tree["MODEL"]["RPN"]["PRE_NMS_TOPK_TEST"] == 1000  # base, beside child's MODEL keys


def test_seed_config_gives_the_reference_test_settings():
    need_full()
    config = load_config(SEED)
    assert config.score_threshold == pytest.approx(0.0001)
    assert config.detections_per_image == 300
    assert config.anchor_sizes == ((32,), (64,), (128,), (256,), (512,))
    assert config.aspect_ratios == (0.5, 1.0, 2.0)
    assert config.num_classes == 2
    assert config == DetectorConfig(num_classes=2)  # the defaults are the reference's


def test_full_dump_and_standalone_config_give_the_same_settings():
    need_full()
    dump = load_config(DETECTRON2 / "configs" / "medic_pose_slim.dump.yaml")
    plain = load_config(DETECTRON2 / "configs" / "medic_pose_slim.yaml")
    assert dump == plain
    assert (dump.min_size, dump.max_size, dump.nms_threshold) == (800, 1333, 0.5)
    assert dump.rpn_nms_threshold == 0.7 and dump.roi_box_weights == (10.0, 10.0, 5.0, 5.0)
    assert dump.pixel_mean == (103.53, 116.28, 123.675) and dump.input_format == "BGR"


def test_min600_variant_and_keyword_overrides():
    need_full()
    assert load_config(DETECTRON2 / "configs" / "medic_pose_slim_min600.yaml").min_size == 600
    assert load_config(SEED, min_size=600, score_threshold=0.8).score_threshold == 0.8
    with pytest.raises(TypeError, match="min_size_typo"):
        load_config(SEED, min_size_typo=3)
    with pytest.raises(DetectorConfigError, match="min_size"):
        load_config(None, min_size=600.5)


def test_python_object_tags_are_not_executed(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("MODEL: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(DetectorConfigError, match="not a readable YAML config") as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_missing_base_names_both_files(tmp_path):
    path = tmp_path / "child.yaml"
    path.write_text('_BASE_: "../nowhere/Base.yaml"\nINPUT: {MIN_SIZE_TEST: 640}\n')
    with pytest.raises(DetectorConfigError, match="not found") as info:
        load_config(path)
    assert "Base.yaml" in str(info.value) and "child.yaml" in str(info.value)


def test_base_cycle_is_refused(tmp_path):
    (tmp_path / "a.yaml").write_text('_BASE_: "b.yaml"\n')
    (tmp_path / "b.yaml").write_text('_BASE_: "a.yaml"\n')
    with pytest.raises(DetectorConfigError, match="loops"):
        load_config(tmp_path / "a.yaml")


@pytest.mark.parametrize("text, key", [
    ("MODEL: {MASK_ON: true}", "MODEL.MASK_ON"),
    ("MODEL: {RESNETS: {STRIDE_IN_1X1: false}}", "MODEL.RESNETS.STRIDE_IN_1X1"),
    ("MODEL: {ROI_BOX_HEAD: {CLS_AGNOSTIC_BBOX_REG: true}}", "CLS_AGNOSTIC_BBOX_REG"),
])
def test_config_for_another_network_is_refused(tmp_path, text, key):
    path = tmp_path / "other.yaml"
    path.write_text(f'_BASE_: "{DETECTOR_CONFIG}"\n{text}\n')
    with pytest.raises(DetectorConfigError, match=key):
        load_config(path)


def test_tuple_strings_and_class_names_are_read_as_data(tmp_path):
    path = tmp_path / "names.yaml"
    path.write_text(f'_BASE_: "{DETECTOR_CONFIG}"\nMODEL: {{PIXEL_MEAN: "(1.0, 2.0, 3.0)"}}\n'
                    "DATASETS: {CLASS_NAMES: [casualty, medic]}\n")
    config = load_config(path)
    assert config.pixel_mean == (1.0, 2.0, 3.0)
    assert config.class_names == ("casualty", "medic")


# -- bounded input: a config chain cannot make us read without end ---------------------------

def test_base_naming_a_device_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "zero.yaml"
    path.write_text("_BASE_: /dev/zero\n")
    with pytest.raises(DetectorConfigError, match=r"/dev/zero: not a regular file \(named by "
                                                  r"_BASE_ in .*zero\.yaml\)"):
        read_detectron2_yaml(path)


def test_base_naming_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    path = tmp_path / "child.yaml"
    path.write_text(f"_BASE_: {fifo}\n")
    with pytest.raises(DetectorConfigError, match="not a regular file"):
        read_detectron2_yaml(path)


def test_a_config_larger_than_the_cap_is_refused(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "w") as f:
        f.write("INPUT: {MIN_SIZE_TEST: 640}\n" + "#" * (MAX_CONFIG_BYTES + 10) + "\n")
    child = tmp_path / "child.yaml"
    child.write_text("_BASE_: big.yaml\n")
    with pytest.raises(DetectorConfigError, match=r"big\.yaml: larger than 1024 KiB"):
        read_detectron2_yaml(child)


def test_a_long_base_chain_is_refused(tmp_path):
    for i in range(40):
        (tmp_path / f"c{i}.yaml").write_text(f"_BASE_: c{i + 1}.yaml\n")
    (tmp_path / "c40.yaml").write_text("INPUT: {MIN_SIZE_TEST: 640}\n")
    with pytest.raises(DetectorConfigError, match="_BASE_ chain longer than 16 files"):
        read_detectron2_yaml(tmp_path / "c0.yaml")
