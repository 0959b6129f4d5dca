"""mmcv configs are read as data: the fixture configs parse, code is refused."""

import time

import pytest

from medpose_gui.core.config_literal import ConfigSyntaxError, parse_config_file, parse_config_text
from tests.fixture_paths import CASUALTY_CONFIG


def test_fixture_config_reads_head_count_and_dataset_info():
    cfg = parse_config_file(CASUALTY_CONFIG)
    assert cfg["model"]["backbone"]["num_heads"] == 2
    info = cfg["data"]["test"]["dataset_info"]
    assert info["dataset_name"] == "coco_medic"
    assert len(info["keypoint_info"]) == 22
    assert info["keypoint_info"][21]["name"] == "back"
    assert cfg["data_cfg"]["image_size"] == [192, 256]


def test_earlier_names_can_be_referenced():
    cfg = parse_config_text("a = dict(x=1)\nb = dict(inner=a, n=-2 * 3)\n")
    assert cfg["b"] == {"inner": {"x": 1}, "n": -6}


@pytest.mark.parametrize(
    "text",
    [
        "import os\n",
        "x = __import__('os').system('true')\n",
        "x = open('/etc/passwd').read()\n",
        "x = [i for i in range(3)]\n",
        "def f():\n    pass\n",
    ],
)
def test_code_is_refused_not_executed(text):
    with pytest.raises(ConfigSyntaxError):
        parse_config_text(text, "evil.py")


def test_unreadable_file_names_the_file(tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("x = dict(a=1\n")
    with pytest.raises(ConfigSyntaxError, match="broken.py"):
        parse_config_file(bad)


# -- bounded: a config from a checkpoint cannot hang or exhaust the loader ------------------

def _quickly_refused(text: str, match: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ConfigSyntaxError, match=match):
        parse_config_text(text, "meta['config']")
    assert time.perf_counter() - start < 2.0


def test_chained_squarings_are_refused_before_they_are_computed():
    lines = ["a0 = 10000000000"] + [f"a{i + 1} = a{i} * a{i}" for i in range(40)]
    _quickly_refused("\n".join(lines), r"meta\['config'\]:\d+: integer product of more than "
                                       r"128 bits")


def test_power_operator_is_not_data():
    _quickly_refused("a = 10 ** 10 ** 10\n", "BinOp is not plain data")


def test_doubling_references_are_refused_by_their_size():
    lines = ["a0 = [1, 2]"] + [f"a{i + 1} = [a{i}, a{i}]" for i in range(60)]
    _quickly_refused("\n".join(lines), r"config holds more than 1000000 values")


def test_dict_unpacking_counts_like_a_copy():
    lines = ["d0 = dict(a=1, b=2)"] + [f"d{i + 1} = dict(x=d{i}, y=d{i})" for i in range(60)]
    _quickly_refused("\n".join(lines), r"more than 1000000 values")


def test_huge_text_and_huge_literals_are_refused():
    _quickly_refused("a = 1\n" + "#" * (2 << 20), r"characters is more than")
    _quickly_refused("a = " + "9" * 5000 + "\n", "not valid Python: Exceeds the limit")
    _quickly_refused("a = " + "9" * 100 + "\n", "integer of more than 128 bits")


@pytest.mark.parametrize("text", ["a = -'x'\n", "a = dict(1)\n", "a = {[1]: 2}\n",
                                  "a = dict(**5)\n", "a = 1 / 0\n"])
def test_bad_values_are_config_errors_not_tracebacks(text):
    with pytest.raises(ConfigSyntaxError):
        parse_config_text(text)


def test_a_device_is_not_read_as_a_config():
    with pytest.raises(ConfigSyntaxError, match="not a regular file"):
        parse_config_file("/dev/zero")
