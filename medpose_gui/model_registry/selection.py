"""Which registered model files a run uses: one answer for the window and the command line.

A run needs a model in each of three roles: the detector, the pose model for patients and,
only to detect medics, the pose model for users. The registry file records the user's choice
per role (Inference › Models… in the window, ``medpose-gui models use NAME`` on the command
line); a role without a choice uses its catalogue model when that is configured.
:func:`default_model_files` gives the files; the window turns them into its run settings and
``medpose-gui infer`` uses them when ``--detector``/``--pose`` are left out. Qt-free, and
torch-free unless a file is added (:func:`add_for_role` checks it with the real loader).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from medpose_gui.model_registry.catalogue import DETECTOR, POSE
from medpose_gui.model_registry.errors import ModelRegistryError
from medpose_gui.model_registry.model_file import ModelInfo, inspect_model_file
from medpose_gui.model_registry.registry import LocalModel, ModelRegistry, describe

DETECTOR_ROLE, POSE_ROLE, USER_POSE_ROLE = "detector", "pose", "user_pose"
ROLES = (DETECTOR_ROLE, POSE_ROLE, USER_POSE_ROLE)
CONFIG_KEY = "detector_config"  # the detector's optional detectron2 YAML, kept with the choices
ROLE_KIND = {DETECTOR_ROLE: DETECTOR, POSE_ROLE: POSE, USER_POSE_ROLE: POSE}
# The catalogue model a role uses when nothing was chosen (names from catalogue.py).
ROLE_DEFAULT = {DETECTOR_ROLE: "partial-body-detector", POSE_ROLE: "casualty-pose",
                USER_POSE_ROLE: "user-pose"}
# Pose models whose points belong to the other role: a user model never serves patients.
_ROLE_SCHEMA = {POSE_ROLE: "medic_casualty", USER_POSE_ROLE: "medic_user"}
ROLE_TITLE = {DETECTOR_ROLE: "detector", POSE_ROLE: "pose model (patients)",
              USER_POSE_ROLE: "pose model (users)"}


@dataclass(frozen=True)
class ModelFiles:
    """The files a run uses, per role ("" = none), and the registry names they came from."""

    detector: str = ""
    detector_config: str = ""
    pose: str = ""
    user_pose: str = ""
    names: dict[str, str] = field(default_factory=dict)  # role -> registry name

    def file(self, role: str) -> str:
        return getattr(self, role)

    def describe(self, roles: tuple[str, ...] = ROLES) -> str:
        """One line per role: ``detector               partial-body-detector  /path/file.pth``."""
        width = max((len(n) for n in self.names.values()), default=0) + 2
        lines = []
        for role in roles:
            path = self.file(role)
            where = f"{self.names.get(role, ''):<{width}}{path}" if path else "not configured"
            lines.append(f"{ROLE_TITLE[role]:<23}{where}")
        if self.detector_config and DETECTOR_ROLE in roles:
            lines.append(f"{'detector config':<23}{'':<{width}}{self.detector_config}")
        return "\n".join(lines)


def fits_role(model: LocalModel | ModelInfo, role: str) -> bool:
    """Whether ``model`` can serve ``role`` (right kind; a pose model of the other role's
    points never does)."""
    if model.kind != ROLE_KIND[role]:
        return False
    other = {s for r, s in _ROLE_SCHEMA.items() if r != role}
    return model.schema not in other


def _usable(registry: ModelRegistry, name: str) -> str | None:
    """The weights file of model ``name`` if it is configured and still there."""
    try:
        return str(registry.resolve(name))
    except ModelRegistryError:
        return None


def choices(registry: ModelRegistry, role: str) -> list[tuple[str, str]]:
    """(name, file) of every configured model that can serve ``role``, the role's
    catalogue model first (also when it was only downloaded into the models folder)."""
    out: list[tuple[str, str]] = []
    default = ROLE_DEFAULT[role]
    entry = next((e for e in registry.catalogue if e.name == default), None)
    where = registry.location_of(entry) if entry is not None else None
    if where:
        out.append((default, where))
    out += [(m.name, m.path) for m in registry.models()
            if m.name != default and fits_role(m, role)]
    return out


def chosen_name(registry: ModelRegistry, role: str,
                chosen: dict[str, str] | None = None) -> str | None:
    """The model ``role`` uses: the user's choice while it is usable, else the role's
    catalogue model when configured, else None."""
    chosen = registry.chosen() if chosen is None else chosen
    for name in (chosen.get(role), ROLE_DEFAULT[role]):
        if name and _usable(registry, name):
            return name
    return None


def default_model_files(registry: ModelRegistry | None = None) -> ModelFiles:
    """The detector, patient pose and user pose files the window and ``infer`` use."""
    registry = registry or ModelRegistry()
    chosen = registry.chosen()
    files: dict[str, str] = {}
    names: dict[str, str] = {}
    for role in ROLES:
        name = chosen_name(registry, role, chosen)
        if name is not None:
            names[role] = name
            files[role] = _usable(registry, name) or ""
    config = chosen.get(CONFIG_KEY, "") if DETECTOR_ROLE in names else ""
    return ModelFiles(detector=files.get(DETECTOR_ROLE, ""), detector_config=config,
                      pose=files.get(POSE_ROLE, ""), user_pose=files.get(USER_POSE_ROLE, ""),
                      names=names)


def choose(registry: ModelRegistry, role: str, name: str) -> None:
    """Use model ``name`` for ``role`` from now on ("" = back to the catalogue model)."""
    if role not in ROLES:
        raise ModelRegistryError(f"no role {role!r} (roles: {', '.join(ROLES)})")
    if name:
        model = registry.get(name)
        if model is None and _usable(registry, name) is None:
            raise ModelRegistryError(f"no configured model {name!r}: add it first with "
                                     "'medpose-gui models add FILE'")
        if model is not None and not fits_role(model, role):
            raise ModelRegistryError(f"{name!r} is a {describe(model)}; it cannot be the "
                                     f"{ROLE_TITLE[role]}")
    registry.set_chosen({role: name})


def role_of(model: LocalModel) -> str:
    """The role a model serves by default: the detector, else the user pose model for user
    points, else the patient pose model."""
    if model.kind == DETECTOR:
        return DETECTOR_ROLE
    return USER_POSE_ROLE if model.schema == _ROLE_SCHEMA[USER_POSE_ROLE] else POSE_ROLE


def _free_name(registry: ModelRegistry, stem: str) -> str:
    taken = {m.name for m in registry.models()} | {e.name for e in registry.catalogue}
    name, n = stem, 2
    while name in taken:
        name, n = f"{stem}-{n}", n + 1
    return name


def add_for_role(registry: ModelRegistry, path: str | os.PathLike, role: str, *,
                 trust: bool = False) -> LocalModel:
    """Check ``path`` with the real loader, record it and choose it for ``role``.

    It is recorded under the role's catalogue name when that is free (or already this
    file), else under a new name from the file name, so a second detector is added beside
    the first rather than replacing it. A file that cannot serve ``role`` is refused,
    saying what it is.
    """
    info = inspect_model_file(path, trust=trust)
    if not fits_role(info, role):
        raise ModelRegistryError(f"{Path(path).name} is a {describe(info)}, not a "
                                 f"{ROLE_TITLE[role]}")
    name = ROLE_DEFAULT[role]
    current = registry.get(name)
    if current is not None and Path(current.path) != info.path.resolve() and \
            Path(current.path).is_file():
        name = _free_name(registry, info.path.stem)
    try:  # register refuses a catalogue name the file does not fit
        model, _old = registry.register(info, name)
    except ModelRegistryError:  # not the catalogue model (e.g. another keypoint count)
        model, _old = registry.register(info, _free_name(registry, info.path.stem))
    choose(registry, role, model.name)
    return model


def files_for_run(detector: str | None = None, pose: str | None = None,
                  user_pose: str | None = None, detector_config: str | None = None,
                  registry: ModelRegistry | None = None) -> tuple[ModelFiles, str]:
    """The files of a command-line run: what the command line names (a file or a registry
    name) wins, a model left out comes from :func:`default_model_files`.

    Returns the files and a description of those taken from the registry ("" when the
    command line named them all). Raises :class:`ModelRegistryError` when the detector or
    the patient pose model is neither given nor configured.
    """
    registry = registry or ModelRegistry()
    given = {DETECTOR_ROLE: detector, POSE_ROLE: pose, USER_POSE_ROLE: user_pose}
    defaults = default_model_files(registry) if not all(given.values()) else ModelFiles()
    files: dict[str, str] = {}
    names: dict[str, str] = {}
    from_registry: list[str] = []
    for role, value in given.items():
        if value:
            files[role] = str(registry.resolve(value))
        elif defaults.file(role):
            files[role], names[role] = defaults.file(role), defaults.names[role]
            from_registry.append(role)
    for role, option in ((DETECTOR_ROLE, "--detector"), (POSE_ROLE, "--pose")):
        if not files.get(role):
            raise ModelRegistryError(
                f"no {ROLE_TITLE[role]}: give {option} W, or configure one once with "
                "'medpose-gui models add FILE' (or Inference > Models... in the window)")
    config = detector_config or (defaults.detector_config
                                 if DETECTOR_ROLE in from_registry else "")
    out = ModelFiles(detector=files[DETECTOR_ROLE], detector_config=config or "",
                     pose=files[POSE_ROLE], user_pose=files.get(USER_POSE_ROLE, ""), names=names)
    return out, out.describe(tuple(from_registry)) if from_registry else ""
