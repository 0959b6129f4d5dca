"""The partial-body detector: detectron2's Faster R-CNN R101-FPN rebuilt from torchvision parts.

Loads a detectron2 ``model_final.pth`` unchanged and reproduces ``DefaultPredictor``'s
outputs (fixtures/detectron2). Parts, one job each: ``transform`` (resize/normalise/pad and
boxes back), ``backbone`` (ResNet + FPN), ``anchors``, ``rpn``, ``roi_heads``, ``box_coding``,
``model`` (wiring), ``checkpoint`` (detectron2 keys -> ours, architecture from shapes),
``config`` (detectron2 YAML as data), ``loader`` (file -> strictly loaded network),
``detector`` (the numpy-facing :class:`Detector`).
"""

from .config import DEFAULT_CLASS_NAMES, DetectorConfig, load_config, read_detectron2_yaml
from .detector import Detections, Detector, load_detector
from .errors import DetectorCheckpointError, DetectorConfigError

__all__ = [
    "DEFAULT_CLASS_NAMES",
    "Detections",
    "Detector",
    "DetectorCheckpointError",
    "DetectorConfig",
    "DetectorConfigError",
    "load_config",
    "load_detector",
    "read_detectron2_yaml",
]
