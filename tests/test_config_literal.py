"""mmcv configs are read as data: the fixture configs parse, code is refused."""

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
