"""What a model run is asked to do: model files, kept categories, thresholds, device.

Plain data (no torch, no Qt): the window builds it from its model settings, the command line
from its arguments, the cluster runner ships it to its workers. The run service
(:mod:`medpose_gui.runs.service`) turns it into loaded models and stored instances.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from medpose_gui.core.reference import (
    REFERENCE_CATEGORIES,
    REFERENCE_SCORE_THRESHOLD,
    USER_CATEGORY,
)

PRECISIONS = ("fp32", "fp16")


class RunSettingsError(ValueError):
    """Settings that cannot describe a run (named in the message)."""


@dataclass(frozen=True)
class RunSettings:
    """One model run's settings.

    ``pose`` maps a detector category to the ViTPose checkpoint for its persons (the
    casualty model for ``patient``, the user model for ``user``); every kept category needs
    one. ``batch_size`` None = the device's default (:func:`default_batch_size`).
    """

    detector: str
    pose: Mapping[str, str]
    detector_config: str | None = None
    categories: tuple[str, ...] = REFERENCE_CATEGORIES
    score_threshold: float = REFERENCE_SCORE_THRESHOLD
    keypoint_threshold: float = 0.0  # points scoring below it start ABSENT (still editable)
    device: str = "auto"
    precision: str = "fp32"
    batch_size: int | None = None
    trust_checkpoint: bool = False
    flip_test: bool = field(default=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pose", dict(self.pose))
        object.__setattr__(self, "categories", tuple(self.categories))
        object.__setattr__(self, "detector_config", self.detector_config or None)

    def problems(self, *, pose_only: bool = False,
                 categories: tuple[str, ...] | None = None) -> list[str]:
        """Why these settings cannot run (empty when they can); files are not opened.
        ``pose_only``: only pose models are needed (of ``categories``, default the kept)."""
        out = []
        if not self.detector and not pose_only:
            out.append("no detector weights chosen")
        wanted = self.categories if categories is None else categories
        if not wanted:
            out.append("no category to detect")
        out += [f"no pose model chosen for category {c!r}" for c in wanted
                if not self.pose.get(c)]
        if not 0.0 <= self.score_threshold <= 1.0:
            out.append(f"score threshold {self.score_threshold} is not between 0 and 1")
        if self.precision not in PRECISIONS:
            out.append(f"precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}")
        if self.batch_size is not None and self.batch_size < 1:
            out.append(f"batch size must be at least 1, not {self.batch_size}")
        return out

    def check(self, *, pose_only: bool = False,
              categories: tuple[str, ...] | None = None) -> None:
        problems = self.problems(pose_only=pose_only, categories=categories)
        if problems:
            raise RunSettingsError("; ".join(problems))

    def pose_weights(self, category: str) -> str:
        """The pose checkpoint for persons of ``category`` (refused when none is chosen)."""
        weights = self.pose.get(category)
        if not weights:
            raise RunSettingsError(f"no pose model chosen for category {category!r}")
        return weights


def pose_models(categories: Iterable[str], casualty: str | None,
                user: str | None) -> dict[str, str]:
    """The pose checkpoint of each category: the user model for the medics' own arms
    (``user``), the casualty model for every other class; a category without a model is
    left out (:meth:`RunSettings.problems` then names it)."""
    chosen = {c: (user if c == USER_CATEGORY else casualty) for c in categories}
    return {c: w for c, w in chosen.items() if w}


def default_batch_size(device_type: str) -> int:
    """Frames per batch: 4 on a GPU (it has the memory and batching pays), 1 on the CPU
    (a batch of 4 only makes the detector's feature maps 4x larger: +9 % time per frame)."""
    return 4 if device_type == "cuda" else 1
