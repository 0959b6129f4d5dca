"""Pure-Python data model: schemas, annotations, invertible edits, the project store.

Imports neither Qt nor torch, so it is usable from the GUI, the CLI and training scripts.
"""

from medpose_gui.core.annotations import (
    REVIEW_CODE,
    REVIEW_OF_CODE,
    FrameAnnotations,
    Instance,
    Prediction,
    ReviewState,
    Source,
    Visibility,
    in_review_state,
)
from medpose_gui.core.image_bounds import labelled_on_image, on_image
from medpose_gui.core.project import FrameSummary, MediaInfo, Project, ProjectError
from medpose_gui.core.schema import (
    Category,
    KeypointSchema,
    SchemaError,
    builtin_schema_names,
    default_categories,
    load_schema,
    schema_from_mmpose_dataset_info,
)

__all__ = [
    "REVIEW_CODE",
    "REVIEW_OF_CODE",
    "Category",
    "FrameAnnotations",
    "FrameSummary",
    "Instance",
    "KeypointSchema",
    "MediaInfo",
    "Prediction",
    "Project",
    "ProjectError",
    "ReviewState",
    "SchemaError",
    "Source",
    "Visibility",
    "builtin_schema_names",
    "default_categories",
    "in_review_state",
    "labelled_on_image",
    "load_schema",
    "on_image",
    "schema_from_mmpose_dataset_info",
]
