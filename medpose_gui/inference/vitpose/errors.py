"""The one exception type of the pose-estimator package."""

from __future__ import annotations

from ..checkpoint_io import CheckpointError


class PoseModelError(CheckpointError):
    """A pose checkpoint or its stored config does not describe a network we can run exactly.

    A subclass of :class:`CheckpointError`, so callers that load any checkpoint can catch one type.
    """
