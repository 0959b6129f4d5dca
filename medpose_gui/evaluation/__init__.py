"""Model-quality report: the models' original predictions vs. the medic's approved corrections.

- :func:`evaluate_project` (an open Project, a category) -> :class:`QualityReport`: OKS keypoint
  AP/AR and box AP/AR (pycocotools ``COCOeval``), counts (approved frames, untouched / corrected
  predictions, manual instances = missed detections, deleted predictions = the medic's
  rejected detections), per-keypoint pixel error and correction rate;
  :meth:`QualityReport.per_keypoint_error` gives the arrays for a plot.
- :func:`evaluate_frames`: the same on any frames (deleted predictions passed in, or unknown).
- :func:`add_cli_parser`: the ``evaluate`` sub-command.
"""

from medpose_gui.evaluation.cli import add_cli_parser
from medpose_gui.evaluation.corrections import MOVE_TOLERANCE_PX, point_changes
from medpose_gui.evaluation.evaluate import evaluate_frames, evaluate_project
from medpose_gui.evaluation.report import Counts, KeypointErrorArrays, QualityReport

__all__ = [
    "MOVE_TOLERANCE_PX",
    "Counts",
    "KeypointErrorArrays",
    "QualityReport",
    "add_cli_parser",
    "evaluate_frames",
    "evaluate_project",
    "point_changes",
]
