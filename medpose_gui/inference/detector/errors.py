"""Exceptions of the detector package (each message names the file and the problem)."""

from __future__ import annotations

from medpose_gui.inference.checkpoint_io import CheckpointError


class DetectorCheckpointError(CheckpointError):
    """A detector weights file is unreadable, of another model, or does not fit the network."""


class DetectorConfigError(ValueError):
    """A detectron2 YAML config cannot be read or asks for something this network is not."""
