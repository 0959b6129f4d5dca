"""Where the test fixtures live: the subset in the repository and the full reference set.

- ``tests/fixtures_min/`` travels with the repository (its README says what it holds): the
  slim detector checkpoint, the casualty ViTPose checkpoint, their configs, one image and
  the goldens of one detector and one pose check. Every clone tests fidelity with it.
- The full reference set (``fixtures/detectron2``, ``fixtures/vitpose``): the folder named by
  ``$MEDPOSE_FIXTURES``, else ``../shared/fixtures`` beside the repository. Tests that need a
  file only it has call :func:`need_full`; without the set they skip, all with one reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# -- the full reference set ------------------------------------------------------------------

_DEFAULT_FULL = REPO.parent / "shared" / "fixtures"


def _full_root() -> Path | None:
    named = os.environ.get("MEDPOSE_FIXTURES")
    if named:
        return Path(named)  # named explicitly: used as is (a wrong path fails loudly)
    return _DEFAULT_FULL if _DEFAULT_FULL.is_dir() else None


FULL = _full_root()
FULL_SET_MISSING = ("needs the full reference fixtures: set MEDPOSE_FIXTURES to their folder "
                    "(README, Tests)")
# Paths into the full set; they exist only where FULL is not None.
DETECTRON2 = (FULL or _DEFAULT_FULL) / "detectron2"
VITPOSE = (FULL or _DEFAULT_FULL) / "vitpose"


def need_full() -> None:
    """Skip the calling test (or, at import, its whole module) without the full set."""
    if FULL is None:
        pytest.skip(FULL_SET_MISSING, allow_module_level=True)


# -- the subset in the repository ------------------------------------------------------------

MIN = REPO / "tests" / "fixtures_min"
MANIFEST = json.loads((MIN / "manifest.json").read_text())


def _joined(rel: str) -> Path:
    """A file stored in parts under 1 MB, joined byte for byte into a per-user temp folder
    (once; checked against the SHA-256 recorded in the manifest on every test run)."""
    spec = MANIFEST["joined"][rel]
    user = getattr(os, "getuid", lambda: 0)()
    folder = Path(tempfile.gettempdir()) / f"medpose-fixtures-{user}-{spec['sha256'][:16]}"
    target = folder / Path(rel).name
    if target.is_file() and target.stat().st_size == spec["bytes"] and \
            hashlib.sha256(target.read_bytes()).hexdigest() == spec["sha256"]:
        return target
    data = b"".join((MIN / part).read_bytes() for part in spec["parts"])
    if hashlib.sha256(data).hexdigest() != spec["sha256"]:
        raise RuntimeError(f"{MIN / rel}.part*: joined parts differ from the manifest's SHA-256")
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    partial.write_bytes(data)
    os.replace(partial, target)  # atomic: concurrent test processes see a whole file
    return target


# detectron2's slim model_final.pth (fixtures/detectron2/README.md), unchanged.
DETECTOR_WEIGHTS = _joined("detectron2/model_final.pth")
DETECTOR_CONFIG = MIN / "detectron2" / "configs" / "medic_pose_slim.yaml"
DETECTOR_GOLDENS = MIN / "detectron2" / "goldens_subset.json"
BBOX_DETECTIONS = MIN / "detectron2" / "bbox_detections.json"  # the reference demo's file
# vitpose_tiny_casualty_k21.pth: meta and weights unchanged, optimizer state dropped.
CASUALTY_WEIGHTS = MIN / "vitpose" / "vitpose_tiny_casualty_k21.pth"
CASUALTY_CONFIG = MIN / "vitpose" / "configs" / "vitpose_tiny_casualty_k21.py"
USER_CONFIG = MIN / "vitpose" / "configs" / "vitpose_tiny_user_k6.py"
POSE_GOLDENS = MIN / "vitpose" / "goldens_subset.json"
IMAGE = MIN / "images" / "astronaut_512.png"
