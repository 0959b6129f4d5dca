"""ViTPose top-down pose estimator (mmpose 0.x checkpoints, reproduced without mmpose).

``load_pose_estimator(weights)`` reads an original mmpose ``.pth`` unchanged (strictly, without
running code from it) and returns a :class:`PoseEstimator` whose ``estimate(rgb, boxes_xyxy)``
gives the reference keypoints. Parts: ``config`` (stored config as data), ``checkpoint`` (state
dict mapping + architecture), ``model`` (network), ``topdown`` (crops), ``decode`` (keypoints).
"""

from .checkpoint import ViTPoseArchitecture, convert_mmpose_state_dict
from .config import PoseConfig, pose_config_from_meta
from .errors import PoseModelError
from .estimator import PoseEstimator, SchemaMismatchError, check_schema_fits
from .loader import load_pose_estimator

__all__ = [
    "PoseConfig",
    "PoseEstimator",
    "PoseModelError",
    "SchemaMismatchError",
    "ViTPoseArchitecture",
    "check_schema_fits",
    "convert_mmpose_state_dict",
    "load_pose_estimator",
    "pose_config_from_meta",
]
