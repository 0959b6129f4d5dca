"""Where downloaded models and the local model registry live."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "medpose-gui"
DATA_DIR_ENV = "MEDPOSE_DATA_DIR"  # overrides the per-user data folder (tests, portable installs)


def data_dir() -> Path:
    """The per-user data folder (platformdirs), or ``$MEDPOSE_DATA_DIR`` when set."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def models_dir() -> Path:
    """``<data dir>/models``: downloaded weights and ``registry.json``."""
    return data_dir() / "models"
