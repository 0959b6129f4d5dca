"""Annotation data model: instances, frames and review states.

An :class:`Instance` is one person (patient or user) in one frame: a box, K keypoints
with visibility, and per-point model scores. The model's output is kept unchanged in
:attr:`Instance.original` beside the current (possibly corrected) values, so a
model-quality report can always compare "what the model said" with "what the medic
accepted". Instances are treated as immutable values: edits build new instances with
:meth:`Instance.replace` (see :mod:`medpose_gui.core.edits`).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum, IntEnum

import numpy as np


class Visibility(IntEnum):
    """COCO keypoint visibility flag."""

    ABSENT = 0  # not labelled (x, y meaningless)
    OCCLUDED = 1  # labelled but not visible
    VISIBLE = 2


class Source(str, Enum):
    """Where an instance's current values come from."""

    PREDICTED = "predicted"  # untouched model output
    CORRECTED = "corrected"  # model output edited by a person
    MANUAL = "manual"  # drawn by a person
    INTERPOLATED = "interpolated"  # filled between two keyframes of its track
    PROPAGATED = "propagated"  # the pose model inside a corrected box carried along the track

    @property
    def is_keyframe(self) -> bool:
        """A person the medic corrected or drew: the anchor of interpolation/propagation."""
        return self in KEYFRAME_SOURCES

    @property
    def is_filled(self) -> bool:
        """Made by a video tool from a keyframe (reviewed like a prediction, kept by runs)."""
        return self in (Source.INTERPOLATED, Source.PROPAGATED)


# The medic's own persons; every other source is machine output (a prediction or a fill).
KEYFRAME_SOURCES = frozenset({Source.CORRECTED, Source.MANUAL})


class ReviewState(str, Enum):
    UNREVIEWED = "unreviewed"
    IN_PROGRESS = "in_progress"
    APPROVED = "approved"


# The small integer each review state is stored as in the project file and returned as in
# ``Project.frame_summary().review`` (an int8 array, one code per frame). Code outside core
# compares with these names (or uses :func:`in_review_state`), never with literal 0/1/2.
REVIEW_CODE: dict[ReviewState, int] = {ReviewState.UNREVIEWED: 0, ReviewState.IN_PROGRESS: 1,
                                       ReviewState.APPROVED: 2}
REVIEW_OF_CODE: dict[int, ReviewState] = {code: state for state, code in REVIEW_CODE.items()}


def in_review_state(codes: np.ndarray | Iterable[int], state: ReviewState) -> np.ndarray:
    """Per frame, whether its review code (``frame_summary().review``) is ``state``."""
    return np.asarray(codes) == REVIEW_CODE[state]


def new_uid() -> str:
    """A project-wide unique, stable instance id (survives save/reopen)."""
    return uuid.uuid4().hex


def _as_box(box: Iterable[float]) -> np.ndarray:
    arr = np.asarray(box, dtype=np.float64).reshape(4)
    return arr


def _as_keypoints(keypoints: np.ndarray | Iterable) -> np.ndarray:
    arr = np.asarray(keypoints, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError(f"keypoints must be (K, 3) x, y, v; got shape {arr.shape}")
    return arr


@dataclass(frozen=True, eq=False)
class Prediction:
    """What a model predicted for one instance; never modified after creation."""

    box: np.ndarray  # (4,) x1, y1, x2, y2
    box_score: float
    keypoints: np.ndarray  # (K, 3) x, y, v (v from the score threshold at prediction time)
    scores: np.ndarray  # (K,) model keypoint scores (heatmap maxima)

    def __post_init__(self) -> None:
        object.__setattr__(self, "box", _as_box(self.box))
        object.__setattr__(self, "keypoints", _as_keypoints(self.keypoints))
        object.__setattr__(self, "scores", np.asarray(self.scores, dtype=np.float64).reshape(-1))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Prediction):
            return NotImplemented
        return (
            self.box_score == other.box_score
            and np.array_equal(self.box, other.box)
            and np.array_equal(self.keypoints, other.keypoints)
            and np.array_equal(self.scores, other.scores, equal_nan=True)
        )


@dataclass(frozen=True, eq=False)
class Instance:
    """One annotated person in one frame (current values + original prediction)."""

    category: str  # category name, e.g. "patient" or "user" (see Project.categories)
    box: np.ndarray  # (4,) x1, y1, x2, y2 in image pixels
    keypoints: np.ndarray  # (K, 3) x, y, v with v a Visibility
    scores: np.ndarray  # (K,) model score per point; NaN where a person placed the point
    source: Source = Source.MANUAL
    box_score: float | None = None
    original: Prediction | None = None
    track_id: int | None = None
    uid: str = field(default_factory=new_uid)

    def __post_init__(self) -> None:
        object.__setattr__(self, "box", _as_box(self.box))
        object.__setattr__(self, "keypoints", _as_keypoints(self.keypoints))
        scores = np.asarray(self.scores, dtype=np.float64).reshape(-1)
        if scores.shape[0] != self.keypoints.shape[0]:
            raise ValueError(
                f"{scores.shape[0]} scores for {self.keypoints.shape[0]} keypoints")
        object.__setattr__(self, "scores", scores)
        object.__setattr__(self, "source", Source(self.source))

    # -- construction -----------------------------------------------------------
    @classmethod
    def from_prediction(
        cls,
        category: str,
        box: Iterable[float],
        box_score: float,
        keypoints_xys: np.ndarray,
        score_threshold: float = 0.0,
        track_id: int | None = None,
    ) -> Instance:
        """Build a predicted instance from model output (K, 3) = x, y, score.

        Points whose score is below ``score_threshold`` get visibility ABSENT so they are
        neither drawn as confident nor exported as labelled (they stay editable).
        """
        xys = np.asarray(keypoints_xys, dtype=np.float64)
        vis = np.where(xys[:, 2] >= score_threshold, Visibility.VISIBLE, Visibility.ABSENT)
        kps = np.column_stack([xys[:, 0], xys[:, 1], vis.astype(np.float64)])
        pred = Prediction(box=box, box_score=float(box_score), keypoints=kps, scores=xys[:, 2])
        return cls(category=category, box=pred.box.copy(), keypoints=kps.copy(),
                   scores=pred.scores.copy(), source=Source.PREDICTED,
                   box_score=float(box_score), original=pred, track_id=track_id)

    @classmethod
    def manual(cls, category: str, box: Iterable[float], num_keypoints: int) -> Instance:
        """A person-drawn instance with all points absent."""
        return cls(category=category, box=box, keypoints=np.zeros((num_keypoints, 3)),
                   scores=np.full(num_keypoints, np.nan), source=Source.MANUAL)

    # -- values -----------------------------------------------------------------
    @property
    def num_keypoints(self) -> int:
        return int(self.keypoints.shape[0])

    @property
    def visibility(self) -> np.ndarray:
        return self.keypoints[:, 2].astype(np.int64)

    def replace(self, **changes) -> Instance:
        """A copy with ``changes``; an edited prediction or fill becomes CORRECTED (the
        medic's work from now on: a keyframe). A fill with no prediction behind it (added
        where the detector missed the person) becomes MANUAL."""
        if "source" not in changes and (self.source == Source.PREDICTED
                                        or self.source.is_filled):
            changes["source"] = Source.CORRECTED if self.original is not None else Source.MANUAL
        return dataclasses.replace(self, **changes)

    def with_track(self, track_id: int | None) -> Instance:
        """The same person in another track; its source stays (a track is not a pose edit)."""
        return dataclasses.replace(self, track_id=None if track_id is None else int(track_id))

    @property
    def is_keyframe(self) -> bool:
        return self.source.is_keyframe

    def model_box(self) -> np.ndarray:
        """The box the detector gave this person (the current box when none was kept)."""
        return self.original.box if self.original is not None else self.box

    def copy_as_new(self) -> Instance:
        """The same values under a fresh uid (e.g. copying from the previous frame)."""
        return dataclasses.replace(self, uid=new_uid(), keypoints=self.keypoints.copy(),
                                   box=self.box.copy(), scores=self.scores.copy())

    def mean_score(self) -> float:
        """Mean model score of the points; NaN when no point has a score."""
        finite = self.scores[np.isfinite(self.scores)]
        return float(finite.mean()) if finite.size else float("nan")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Instance):
            return NotImplemented
        return (
            self.uid == other.uid
            and self.category == other.category
            and self.source == other.source
            and self.box_score == other.box_score
            and self.track_id == other.track_id
            and self.original == other.original
            and np.array_equal(self.box, other.box)
            and np.array_equal(self.keypoints, other.keypoints)
            and np.array_equal(self.scores, other.scores, equal_nan=True)
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass
class FrameAnnotations:
    """The instances of one frame and its review state."""

    index: int
    instances: list[Instance] = field(default_factory=list)
    review: ReviewState = ReviewState.UNREVIEWED

    def find(self, uid: str) -> Instance | None:
        return next((inst for inst in self.instances if inst.uid == uid), None)
