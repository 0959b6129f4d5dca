"""File formats: COCO keypoints (export for retraining, import for review), COCO results
(model output for ``COCOeval`` and the reference top-down tester) and the reference
detector demo's ``bbox_detections.json``.

Every file is written atomically (:mod:`medpose_gui.formats.atomic`): readers see the
old file or the complete new one, and a failed write (a full disk included) raises
:class:`FormatError` naming the file and leaves the old file untouched. Bad input raises
:class:`FormatError` naming the file and the problem. Depends only on ``core``; frames for
image export come in through a ``frame_reader(index) -> RGB`` callable.
"""

from medpose_gui.formats.atomic import (
    atomic_write,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
)
from medpose_gui.formats.bbox_detections import (
    bbox_detections_document,
    format_bbox_score,
    import_bbox_detections,
    parse_bbox_score,
    project_to_bbox_entries,
    read_bbox_detections,
    write_bbox_detections,
)
from medpose_gui.formats.coco_common import frame_image_name, natural_sort_key
from medpose_gui.formats.coco_import import ImportStats, import_coco_keypoints
from medpose_gui.formats.coco_keypoints import ExportStats, export_coco_keypoints
from medpose_gui.formats.coco_results import export_coco_results
from medpose_gui.formats.errors import ExportCancelled, FormatError, NothingToExport

__all__ = [
    "ExportCancelled",
    "ExportStats",
    "FormatError",
    "NothingToExport",
    "ImportStats",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "bbox_detections_document",
    "export_coco_keypoints",
    "export_coco_results",
    "format_bbox_score",
    "frame_image_name",
    "import_bbox_detections",
    "import_coco_keypoints",
    "natural_sort_key",
    "parse_bbox_score",
    "project_to_bbox_entries",
    "read_bbox_detections",
    "write_bbox_detections",
]
