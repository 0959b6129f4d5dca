"""Model weights: the catalogue of known models, the local registry, downloads.

- :data:`CATALOGUE` / :class:`CatalogueEntry`: the reference models (detector, casualty and
  user pose) as data: kind, expected keypoints/classes, file name, link, size/hash if known.
- :class:`ModelRegistry`: ``<data dir>/models/registry.json`` (data dir from platformdirs,
  or ``$MEDPOSE_DATA_DIR``): which file stands for which model here; :meth:`ModelRegistry.add`
  checks a file with the real loaders before recording it.
- :func:`resolve_model`: a registry name or a path -> the weights file (for the GUI and CLI).
- :func:`default_model_files`: the detector / patient pose / user pose files chosen for runs
  (the window and ``medpose-gui infer`` both use it); :func:`choose`, :func:`add_for_role`.
- :func:`download_model` / :func:`download_file`: resumable, size/hash-checked downloads.
- :func:`add_cli_parser`: the ``models`` sub-command.

Nothing here imports torch until a file is actually checked.
"""

from medpose_gui.model_registry.catalogue import (
    CATALOGUE,
    DETECTOR,
    POSE,
    CatalogueEntry,
    catalogue_entry,
)
from medpose_gui.model_registry.cli import add_cli_parser, format_listing
from medpose_gui.model_registry.download import direct_download_url, download_file
from medpose_gui.model_registry.errors import (
    DownloadError,
    DownloadInterrupted,
    ModelRegistryError,
)
from medpose_gui.model_registry.install import download_model
from medpose_gui.model_registry.model_file import ModelInfo, inspect_model_file
from medpose_gui.model_registry.paths import DATA_DIR_ENV, data_dir, models_dir
from medpose_gui.model_registry.registry import LocalModel, ModelRegistry, resolve_model
from medpose_gui.model_registry.selection import (
    DETECTOR_ROLE,
    POSE_ROLE,
    ROLES,
    USER_POSE_ROLE,
    ModelFiles,
    add_for_role,
    choices,
    choose,
    default_model_files,
    files_for_run,
)

__all__ = [
    "CATALOGUE",
    "DATA_DIR_ENV",
    "DETECTOR",
    "DETECTOR_ROLE",
    "POSE",
    "CatalogueEntry",
    "DownloadError",
    "DownloadInterrupted",
    "LocalModel",
    "ModelInfo",
    "ModelRegistry",
    "ModelFiles",
    "ModelRegistryError",
    "POSE_ROLE",
    "ROLES",
    "USER_POSE_ROLE",
    "add_for_role",
    "add_cli_parser",
    "catalogue_entry",
    "choices",
    "choose",
    "data_dir",
    "default_model_files",
    "direct_download_url",
    "download_file",
    "download_model",
    "files_for_run",
    "format_listing",
    "inspect_model_file",
    "models_dir",
    "resolve_model",
]
