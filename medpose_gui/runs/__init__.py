"""Model runs: the one Qt-free service that turns media + model files + settings into
instances stored in a project (:class:`InferenceService`), used alike by the window's
inference worker, ``medpose-gui infer`` and the cluster runner.

``RunSettings`` and the frame scopes are plain data and import no torch; the service and the
loaded models are resolved on first use (PEP 562), so the window can import this package on
its GUI thread without pulling in torch.

Importing the package tunes glibc's allocator for model runs (:mod:`.allocator`: freed
feature maps stay in the process instead of being faulted in again every frame). It happens
here, at import, because one setting only reaches threads started afterwards, such as the
window's inference thread; :class:`InferenceService` applies it too (once per process).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from medpose_gui.runs.allocator import tune_allocator
from medpose_gui.runs.scope import SCOPES, frames_for
from medpose_gui.runs.settings import RunSettings, RunSettingsError, default_batch_size

_LAZY = {
    "InferenceService": "medpose_gui.runs.service",
    "RunReport": "medpose_gui.runs.service",
    "LoadedModels": "medpose_gui.runs.models",
    "ModelCache": "medpose_gui.runs.models",
    "ModelFile": "medpose_gui.runs.models",
}

__all__ = ["SCOPES", "InferenceService", "LoadedModels", "ModelCache", "ModelFile", "RunReport",
           "RunSettings", "RunSettingsError", "default_batch_size", "frames_for", "tune_allocator"]

if TYPE_CHECKING:
    from medpose_gui.runs.models import LoadedModels, ModelCache, ModelFile
    from medpose_gui.runs.service import InferenceService, RunReport


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


tune_allocator()  # before the window starts its inference thread (see the docstring)
