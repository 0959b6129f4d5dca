"""Linking one frame's persons to the tracks alive just before it (pure numpy + scipy).

Each track is represented by its :class:`TrackHead`: its latest instance and how its box
moved per frame. A head's box and points are carried to the new frame with that velocity,
then persons and heads of the same category are paired by the largest total similarity
(box IoU + keypoint OKS, :mod:`.similarity`) with scipy's ``linear_sum_assignment``; pairs
that overlap too little are not linked (the person starts a new track).

A moving camera (a medic's body camera) shifts every person alike, which a track one frame
old (no velocity yet) cannot know. So the pairs that overlap surely in a first pass give the
frame's common motion (their median displacement per frame), which then serves as the
velocity of the tracks that have none, and the final pairing runs with it (camera-motion
compensation as trackers such as BoT-SORT do with image registration; here the persons
themselves are the registration).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from medpose_gui.core.annotations import Instance

from .similarity import MIN_SHARED_POINTS, similarity_matrix

_NO_LINK = 1e6  # cost of a pair that may not be linked (the solver still needs a number)


@dataclass(frozen=True)
class LinkSettings:
    """When two persons of nearby frames are one track."""

    min_iou: float = 0.1  # box overlap of a pair after carrying the track's box forward
    min_oks: float = 0.3  # ... or this keypoint similarity (with enough shared points)
    box_weight: float = 0.5  # similarity = w IoU + (1 - w) OKS
    max_gap: int = 5  # a track missing from up to this many frames can still continue
    sure_iou: float = 0.3  # pairs this sure tell the frame's common (camera) motion
    min_camera_shift_px: float = 1.0  # smaller common motion is noise, not camera motion


DEFAULT_LINK = LinkSettings()


@dataclass(frozen=True)
class TrackHead:
    """A track as the next frame sees it: its latest person and its motion."""

    track_id: int
    category: str
    frame: int
    box: np.ndarray  # (4,) x1 y1 x2 y2 at ``frame``
    keypoints: np.ndarray  # (K, 3) at ``frame``
    velocity: np.ndarray  # (4,) box change per frame (zeros when the track is one frame old)

    def carried(self, frame: int) -> tuple[np.ndarray, np.ndarray]:
        """Box and points where this track is expected at ``frame``."""
        box = self.box + self.velocity * (frame - self.frame)
        move = (box[:2] + box[2:]) / 2 - (self.box[:2] + self.box[2:]) / 2
        kps = self.keypoints.copy()
        kps[:, :2] += move
        return box, kps


def head_of(track_id: int, frame: int, inst: Instance, before: tuple[int, Instance] | None
            ) -> TrackHead:
    """The head of a track whose latest person is ``inst`` at ``frame``; ``before`` is its
    person at an earlier frame (for the velocity), if any. Velocities come from the model's
    boxes where both have one, so a medic's resize is not mistaken for motion."""
    velocity = np.zeros(4)
    if before is not None:
        frame0, inst0 = before
        if inst.original is not None and inst0.original is not None:
            a, b = inst0.original.box, inst.original.box
        else:
            a, b = inst0.box, inst.box
        velocity = (b - a) / float(frame - frame0)
    return TrackHead(track_id, inst.category, frame, inst.box.copy(),
                     inst.keypoints.copy(), velocity)


def link(heads: Sequence[TrackHead], persons: Sequence[Instance], frame: int,
         sigmas: Mapping[str, np.ndarray], settings: LinkSettings = DEFAULT_LINK
         ) -> dict[int, int]:
    """``{index into persons: track id}`` for the persons that continue a head's track."""
    out: dict[int, int] = {}
    for category in sorted({p.category for p in persons}):
        p_idx = [i for i, p in enumerate(persons) if p.category == category]
        cat_heads = [h for h in heads if h.category == category]
        if not p_idx or not cat_heads:
            continue
        sig = np.asarray(sigmas[category], dtype=np.float64)
        cat_persons = [persons[i] for i in p_idx]
        motion = _common_motion(cat_heads, cat_persons, frame, sig, settings)
        if motion is not None:
            cat_heads = [_with_velocity(h, motion) for h in cat_heads]
        pairs = _assign(cat_heads, cat_persons, frame, sig, settings)
        out.update({p_idx[i]: cat_heads[j].track_id for j, i in pairs})
    return out


def _with_velocity(head: TrackHead, motion: np.ndarray) -> TrackHead:
    """A head without a velocity of its own moves with the frame's common motion."""
    if np.any(head.velocity):
        return head
    return TrackHead(head.track_id, head.category, head.frame, head.box, head.keypoints,
                     np.tile(motion, 2))


def _pair_matrices(heads: Sequence[TrackHead], persons: Sequence[Instance], frame: int,
                   sigmas: np.ndarray, settings: LinkSettings
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(similarity, IoU, allowed) of every head (carried to ``frame``) with every person."""
    carried = [h.carried(frame) for h in heads]
    head_boxes = np.array([b for b, _ in carried])
    head_kps = np.array([k for _, k in carried])
    boxes = np.array([p.box for p in persons])
    kps = np.array([p.keypoints for p in persons])
    if head_kps.shape[1:] != kps.shape[1:]:  # a schema changed under a track: boxes only
        head_kps, kps = head_kps[:, :0], kps[:, :0]
        sigmas = sigmas[:0]
    sim, iou, oks = similarity_matrix(head_boxes, head_kps, boxes, kps, sigmas,
                                      settings.box_weight)
    shared_enough = _shared_points(head_kps, kps) >= MIN_SHARED_POINTS
    allowed = (iou >= settings.min_iou) | (shared_enough & (oks >= settings.min_oks))
    return sim, iou, allowed


def _assign(heads: Sequence[TrackHead], persons: Sequence[Instance], frame: int,
            sigmas: np.ndarray, settings: LinkSettings) -> list[tuple[int, int]]:
    """Pairs (head index, person index) of one category, largest total similarity."""
    if not heads or not persons:
        return []
    sim, _, allowed = _pair_matrices(heads, persons, frame, sigmas, settings)
    cost = np.where(allowed, 1.0 - sim, _NO_LINK)
    rows, cols = linear_sum_assignment(cost)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if allowed[r, c]]


def _common_motion(heads: Sequence[TrackHead], persons: Sequence[Instance], frame: int,
                   sigmas: np.ndarray, settings: LinkSettings) -> np.ndarray | None:
    """The frame's common motion (dx, dy per frame): the median displacement of the pairs
    that overlap surely (IoU >= ``settings.sure_iou``) in a first pairing; None when no pair
    is sure or the motion is below the noise level."""
    sim, iou, allowed = _pair_matrices(heads, persons, frame, sigmas, settings)
    rows, cols = linear_sum_assignment(np.where(allowed, 1.0 - sim, _NO_LINK))
    moves = []
    for j, i in zip(rows, cols, strict=True):
        if iou[j, i] >= settings.sure_iou:
            h, box = heads[j], persons[i].box
            centre = (box[:2] + box[2:]) / 2 - (h.box[:2] + h.box[2:]) / 2
            moves.append(centre / float(frame - h.frame))
    if not moves:
        return None
    motion = np.median(np.array(moves), axis=0)
    return motion if np.hypot(*motion) >= settings.min_camera_shift_px else None


def _shared_points(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.shape[1] == 0:
        return np.zeros((len(a), len(b)), dtype=np.int64)
    return ((a[:, None, :, 2] > 0) & (b[None, :, :, 2] > 0)).sum(axis=2)
