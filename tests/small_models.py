"""The fixture models made cheap for 160x120 generated video (CLI, run service, cluster tests).

The detector runs at MIN_SIZE_TEST 120 (a YAML whose ``_BASE_`` is the fixture config), so a
160x120 frame is not resized up to 800 px: a few frames take seconds on two CPU cores.
"""

from __future__ import annotations

from pathlib import Path

from tests.fixture_paths import DETECTOR_CONFIG


def write_min120_config(folder: Path) -> Path:
    """A detectron2 YAML: the fixture's slim config at MIN_SIZE_TEST 120."""
    config = folder / "slim_min120.yaml"
    config.write_text(f"_BASE_: {DETECTOR_CONFIG}\n"
                      "INPUT: {MIN_SIZE_TEST: 120}\n")
    return config
