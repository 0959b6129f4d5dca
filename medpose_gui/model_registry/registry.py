"""The local model registry: which weights file stands for which model on this computer.

A small JSON file, ``<models dir>/registry.json``::

    {"format": 1, "models": [{"name": "casualty-pose", "kind": "pose", "path": "/abs/file.pth",
      "sha256": "...", "size": 123, "num_keypoints": 21, "schema": "medic_casualty",
      "class_names": null, "source": "added" | "downloaded", "url": "", "added_at": "..."}],
     "chosen": {"detector": "partial-body-detector", "detector_config": "/abs/config.yaml",
                "pose": "casualty-pose", "user_pose": "user-pose"}}

``chosen`` says which registered model the window and ``medpose-gui infer`` use in each role
(:mod:`medpose_gui.model_registry.selection`); a role not chosen falls back to its catalogue
model. Older readers ignore the key. Written atomically (a reader never sees half a file).
Entries are only added after the file was loaded with the real loader
(:func:`medpose_gui.model_registry.model_file.inspect_model_file`).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from medpose_gui.model_registry.catalogue import CATALOGUE, CatalogueEntry, matching_entry
from medpose_gui.model_registry.errors import ModelRegistryError
from medpose_gui.model_registry.model_file import ModelInfo, inspect_model_file
from medpose_gui.model_registry.paths import models_dir

REGISTRY_FILE = "registry.json"
REGISTRY_FORMAT = 1


@dataclass(frozen=True)
class LocalModel:
    """A configured weights file."""

    name: str
    kind: str
    path: str
    sha256: str
    size: int
    num_keypoints: int | None = None
    schema: str | None = None
    class_names: list[str] | None = None
    source: str = "added"  # "added" | "downloaded"
    url: str = ""
    added_at: str = ""

    @classmethod
    def from_info(cls, name: str, info: ModelInfo, source: str, url: str = "") -> LocalModel:
        return cls(name=name, kind=info.kind, path=str(info.path.resolve()), sha256=info.sha256,
                   size=info.size, num_keypoints=info.num_keypoints, schema=info.schema,
                   class_names=list(info.class_names) if info.class_names else None,
                   source=source, url=url,
                   added_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))


class ModelRegistry:
    """The registry file of one models folder (default: the per-user one)."""

    def __init__(self, directory: str | os.PathLike | None = None,
                 catalogue: tuple[CatalogueEntry, ...] = CATALOGUE) -> None:
        self.directory = Path(directory) if directory is not None else models_dir()
        self.catalogue = catalogue

    @property
    def path(self) -> Path:
        return self.directory / REGISTRY_FILE

    # -- file ------------------------------------------------------------------------------
    def _read(self) -> tuple[list[LocalModel], dict[str, str]]:
        """The models and the chosen names of the registry file (both empty without a file)."""
        if not self.path.exists():
            return [], {}
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(doc, dict) or not isinstance(doc.get("models"), list):
                raise ValueError("no 'models' list")
            if int(doc.get("format", 0)) > REGISTRY_FORMAT:
                raise ValueError(f"written by a newer medpose-gui (format {doc['format']})")
            chosen = doc.get("chosen") or {}
            if not isinstance(chosen, dict):
                raise ValueError("'chosen' is not a mapping")
            return ([LocalModel(**row) for row in doc["models"]],
                    {str(k): str(v) for k, v in chosen.items() if v})
        except (OSError, ValueError, TypeError) as exc:
            raise ModelRegistryError(f"{self.path}: unreadable model registry ({exc}); fix or "
                                     "delete it (the model files themselves are kept)") from None

    def models(self) -> list[LocalModel]:
        """Every configured model, in the order they were added."""
        return self._read()[0]

    def chosen(self) -> dict[str, str]:
        """Role -> what was chosen for it (a model name; a path for ``detector_config``)."""
        return self._read()[1]

    def _save(self, models: list[LocalModel], chosen: dict[str, str] | None = None) -> None:
        """Write ``models`` (and ``chosen``; None keeps the file's)."""
        from medpose_gui.formats.atomic import atomic_write_json
        from medpose_gui.formats.errors import FormatError

        if chosen is None:
            chosen = self.chosen()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            atomic_write_json(self.path, {"format": REGISTRY_FORMAT,
                                          "models": [asdict(m) for m in models],
                                          "chosen": {k: v for k, v in chosen.items() if v}},
                              indent=2)
        except (OSError, FormatError) as exc:
            raise ModelRegistryError(f"{self.path}: cannot save the model registry: "
                                     f"{exc}") from None

    def set_chosen(self, changes: dict[str, str]) -> None:
        """Record choices (role -> model name or config path; "" forgets the role's choice)."""
        models, chosen = self._read()
        self._save(models, {**chosen, **changes})

    def get(self, name: str) -> LocalModel | None:
        return next((m for m in self.models() if m.name == name), None)

    def record(self, model: LocalModel) -> LocalModel | None:
        """Store ``model`` under its name; returns the entry it replaced, if any."""
        models = self.models()
        old = next((m for m in models if m.name == model.name), None)
        self._save([m for m in models if m.name != model.name] + [model])
        return old

    def remove(self, name: str) -> LocalModel:
        """Forget a configured model (its file stays on disk) and any choice of it."""
        models, chosen = self._read()
        old = next((m for m in models if m.name == name), None)
        if old is None:
            raise ModelRegistryError(f"no configured model {name!r} in {self.path}")
        self._save([m for m in models if m.name != name],
                   {role: value for role, value in chosen.items() if value != name})
        return old

    # -- operations ------------------------------------------------------------------------
    def add(self, path: str | os.PathLike, name: str | None = None, *, trust: bool = False,
            source: str = "added", url: str = "") -> tuple[LocalModel, LocalModel | None]:
        """Check ``path`` loads with the real loader and record it.

        ``name`` defaults to the catalogue model the file fits (same kind and keypoint/class
        count), else the file's stem. Naming a catalogue model the file does not fit is
        refused. Returns the new entry and the one it replaced (or None).
        """
        return self.register(inspect_model_file(path, trust=trust), name, source=source,
                             url=url)

    def register(self, info: ModelInfo, name: str | None = None, *, source: str = "added",
                 url: str = "") -> tuple[LocalModel, LocalModel | None]:
        """Record a file already checked by :func:`inspect_model_file` (see :meth:`add`)."""
        path = info.path
        fits = matching_entry(info.kind, num_keypoints=info.num_keypoints,
                              num_classes=len(info.class_names or ()), entries=self.catalogue)
        if name is None:
            name = fits.name if fits is not None else Path(path).stem
        known = next((e for e in self.catalogue if e.name == name), None)
        if known is not None and known is not fits:
            raise ModelRegistryError(f"{path}: is a {describe(info)}, but {name!r} is the "
                                     f"{known.title}; choose another --name")
        model = LocalModel.from_info(name, info, source, url)
        return model, self.record(model)

    def resolve(self, name_or_path: str | os.PathLike) -> Path:
        """A weights file from a registry/catalogue name or a path.

        An existing file path is returned as is; a configured name gives its recorded path; a
        catalogue name whose file was downloaded into the models folder gives that file.
        """
        text = str(name_or_path)
        candidate = Path(text).expanduser()
        if candidate.is_file():
            return candidate
        configured = self.get(text)
        if configured is not None:
            if not Path(configured.path).is_file():
                raise ModelRegistryError(
                    f"model {text!r} is configured as {configured.path}, which no longer "
                    f"exists; run 'medpose-gui models add FILE --name {text}' again")
            return Path(configured.path)
        entry = next((e for e in self.catalogue if e.name == text), None)
        if entry is not None:
            downloaded = self.directory / entry.file_name
            if downloaded.is_file():
                return downloaded
            how = (f"'medpose-gui models download {text}'" if entry.url
                   else f"'medpose-gui models download {text} --url URL'")
            raise ModelRegistryError(f"model {text!r} is not configured: run {how} or "
                                     f"'medpose-gui models add FILE'")
        if candidate.suffix or os.sep in text or "/" in text:
            raise ModelRegistryError(f"{text}: no such file")
        names = [e.name for e in self.catalogue] + [m.name for m in self.models()]
        raise ModelRegistryError(f"{text}: neither a file nor a known model "
                                 f"({', '.join(dict.fromkeys(names))})")

    def location_of(self, entry: CatalogueEntry) -> str | None:
        """Where a catalogue model is configured (a path), or None."""
        configured = self.get(entry.name)
        if configured is not None:
            return configured.path
        downloaded = self.directory / entry.file_name
        return str(downloaded) if downloaded.is_file() else None


def describe(info: ModelInfo | LocalModel) -> str:
    """``"pose model (21 keypoints, medic_casualty)"`` / ``"detector (classes patient, user)"``."""
    if info.kind == "pose":
        schema = f", {info.schema}" if info.schema else ""
        return f"pose model ({info.num_keypoints} keypoints{schema})"
    names = ", ".join(info.class_names or ())
    return f"detector (classes {names})"


def resolve_model(name_or_path: str | os.PathLike, registry: ModelRegistry | None = None) -> Path:
    """Turn a registry/catalogue name or a path into a weights file path (see
    :meth:`ModelRegistry.resolve`); used by the GUI and the CLI."""
    return (registry or ModelRegistry()).resolve(name_or_path)


def registry_rows(registry: ModelRegistry) -> list[dict[str, Any]]:
    """The listing as data: catalogue models (configured or not), then local-only models."""
    rows = []
    for entry in registry.catalogue:
        where = registry.location_of(entry)
        rows.append({"name": entry.name, "kind": entry.kind, "title": entry.title,
                     "expects": _expects(entry), "location": where or "not configured",
                     "url": entry.url, "note": entry.note})
    known = {e.name for e in registry.catalogue}
    for model in registry.models():
        if model.name not in known:
            rows.append({"name": model.name, "kind": model.kind, "title": "local model",
                         "expects": describe(model), "location": model.path, "url": model.url,
                         "note": ""})
    return rows


def _expects(entry: CatalogueEntry) -> str:
    if entry.kind == "pose":
        return f"{entry.num_keypoints} keypoints ({entry.schema})"
    return f"{len(entry.class_names or ())} classes ({', '.join(entry.class_names or ())})"
