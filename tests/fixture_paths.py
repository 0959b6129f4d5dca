"""Where the reference fixtures live (../shared/fixtures beside the repository)."""

import os
from pathlib import Path

FIXTURES = Path(
    os.environ.get("MEDPOSE_FIXTURES", Path(__file__).resolve().parents[1].parent / "shared" / "fixtures")
)
DETECTRON2 = FIXTURES / "detectron2"
VITPOSE = FIXTURES / "vitpose"
