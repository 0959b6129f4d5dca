"""Pure-Python data model: schemas, annotations, invertible edits, the project store.

Imports neither Qt nor torch, so it is usable from the GUI, the CLI and training scripts.
"""

from medpose_gui.core.annotations import (
    FrameAnnotations,
    Instance,
    Prediction,
    ReviewState,
    Source,
    Visibility,
)

__all__ = ["FrameAnnotations", "Instance", "Prediction", "ReviewState", "Source", "Visibility"]
