"""Download a catalogue model into the models folder, prove it loads, and register it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from medpose_gui.model_registry.catalogue import CatalogueEntry, catalogue_entry
from medpose_gui.model_registry.download import download_file
from medpose_gui.model_registry.errors import ModelRegistryError
from medpose_gui.model_registry.model_file import ModelInfo, inspect_model_file
from medpose_gui.model_registry.registry import LocalModel, ModelRegistry, describe


def check_fits(entry: CatalogueEntry, info: ModelInfo, where: str) -> None:
    """Refuse a file that loads but is not the model ``entry`` describes."""
    if info.kind != entry.kind:
        raise ModelRegistryError(f"{where}: is a {describe(info)}, but {entry.name!r} is a "
                                 f"{entry.kind}")
    if entry.kind == "pose" and info.num_keypoints != entry.num_keypoints:
        raise ModelRegistryError(f"{where}: predicts {info.num_keypoints} keypoints, "
                                 f"{entry.name!r} has {entry.num_keypoints}")
    if entry.kind == "detector" and entry.class_names is not None and \
            len(info.class_names or ()) != len(entry.class_names):
        raise ModelRegistryError(f"{where}: has {len(info.class_names or ())} classes, "
                                 f"{entry.name!r} has {len(entry.class_names)}")


def download_model(name: str, *, url: str | None = None, registry: ModelRegistry | None = None,
                   trust: bool = False, retries: int = 3, timeout: float = 30.0,
                   progress: bool = True,
                   log: Callable[[str], None] | None = None) -> LocalModel:
    """Fetch catalogue model ``name`` (from ``url`` when given, else the catalogue's link) into
    the models folder, check size/hash/loading, and record it in the registry."""
    registry = registry or ModelRegistry()
    entry = catalogue_entry(name, registry.catalogue)
    source = url or entry.url
    if not source:
        raise ModelRegistryError(
            f"no public download link is known for {name!r}: pass --url URL, or run "
            f"'medpose-gui models add FILE --name {name}'")
    dest = registry.directory / entry.file_name
    found: list[ModelInfo] = []

    def verify(part: Path) -> None:
        info = inspect_model_file(part, trust=trust)
        check_fits(entry, info, str(part))
        found.append(info)

    # A URL the user gives may point at another build of the model: its size and hash are
    # then unknown, so only the catalogue's own link is checked against the catalogue's.
    own = url is None or url == entry.url
    download_file(source, dest, expected_size=entry.size if own else None,
                  expected_sha256=entry.sha256 if own else None, verify=verify,
                  retries=retries, timeout=timeout, progress=progress, log=log)
    info = dataclasses.replace(found[0], path=dest)
    model = LocalModel.from_info(name, info, "downloaded", source)
    registry.record(model)
    return model
