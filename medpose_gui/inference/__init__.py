"""The two reference networks and the pipeline that runs them on video (torch only, no Qt).

- ``load_detector(weights, config=None, device="cpu", **overrides)``: the partial-body detector
  (detectron2 Faster R-CNN R101-FPN rebuilt from torchvision parts), in :mod:`.detector`.
- ``load_pose_estimator(weights, device="cpu", flip_test=True, trust=False)``: ViTPose, in
  :mod:`.vitpose`.
- ``run_pipeline(source, frame_indices, detector, pose, ...)``: batches of frames -> detections
  -> poses -> per-frame :class:`~medpose_gui.core.Instance` lists, in :mod:`.pipeline`.
- ``choose_device("auto")``, ``configure_exact_math()``: in :mod:`.device`.
- ``CheckpointError``: a weights file that cannot be read or does not fit (:mod:`.checkpoint_io`).

Names are resolved on first use (PEP 562), so ``import medpose_gui.inference`` is cheap and each
sub-package is imported only when one of its names is asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> module that defines it
_EXPORTS = {
    "load_detector": "medpose_gui.inference.detector",
    "load_pose_estimator": "medpose_gui.inference.vitpose",
    "run_pipeline": "medpose_gui.inference.pipeline",
    "estimate_poses": "medpose_gui.inference.pipeline",
    "PipelineResult": "medpose_gui.inference.pipeline",
    "choose_device": "medpose_gui.inference.device",
    "configure_exact_math": "medpose_gui.inference.device",
    "DeviceError": "medpose_gui.inference.device",
    "CheckpointError": "medpose_gui.inference.checkpoint_io",
}

__all__ = [
    "CheckpointError",
    "DeviceError",
    "PipelineResult",
    "choose_device",
    "configure_exact_math",
    "estimate_poses",
    "load_detector",
    "load_pose_estimator",
    "run_pipeline",
]

if TYPE_CHECKING:  # for type checkers and IDEs; at run time __getattr__ below does the work
    from medpose_gui.inference.checkpoint_io import CheckpointError
    from medpose_gui.inference.detector import load_detector
    from medpose_gui.inference.device import DeviceError, choose_device, configure_exact_math
    from medpose_gui.inference.pipeline import PipelineResult, estimate_poses, run_pipeline
    from medpose_gui.inference.vitpose import load_pose_estimator


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
