"""Propagate a correction with the pose model: carry the medic's box along the track and let
the model place the points inside it, frame by frame.

From a person at frame t (usually one the medic corrected), forward or backward, over N
frames or up to the track's next keyframe: on each frame the box is the medic's box moved
with the track's model boxes (the detector's box of that frame, with the medic's correction
of position and size at t kept relative to it: a box the medic made 30 % larger stays 30 %
larger than the detector's as the person moves); frames where the track was not detected are
bridged linearly between the detections around them. The pose model (the run service's
:meth:`~medpose_gui.runs.InferenceService.estimate_pose`, the one way to run it) estimates the
points inside that box. The result replaces the track's person of the frame (keeping its
prediction beside it) or is added where there was none, marked ``propagated``.

It stops at the end of the video, where the track ends, before a keyframe of the track
(the medic's work is never overwritten) and before an approved frame. Each frame is stored
as soon as it is computed (one transaction): a crash or a cancel keeps every frame done.
The run returns all its per-frame edits as ONE :class:`EditGroup` (one undo step).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from medpose_gui.core.annotations import Instance, Source, Visibility
from medpose_gui.core.edits import Edit, EditGroup, InstanceChange
from medpose_gui.core.project import Project

from .settings import RunSettings

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]
StoredFn = Callable[[int, Edit], None]

FORWARD, BACKWARD = 1, -1


class PropagationError(ValueError):
    """Propagation cannot start here (the message says why, for the medic)."""


@dataclass(frozen=True)
class PropagationRequest:
    """Propagate person ``uid`` of ``frame`` in ``direction`` (+1 / -1) over ``max_frames``
    frames (None: up to the track's next keyframe, or its end)."""

    frame: int
    uid: str
    direction: int = FORWARD
    max_frames: int | None = None


@dataclass
class PropagationPlan:
    """The frames to fill and the box carried to each, in the order they are filled."""

    track: int
    category: str
    start: Instance  # the person propagated
    frames: list[int]
    boxes: dict[int, np.ndarray]
    stops: str  # why the plan ends where it does (for the medic)


@dataclass
class PropagationResult:
    group: EditGroup  # what was stored (one undo step); empty when nothing was
    frames_done: int = 0
    cancelled: bool = False
    stops: str = ""
    seconds: float = 0.0
    pose_seconds: list[float] = field(default_factory=list)  # per frame, the model's time
    error: str = ""  # why it stopped early on a failure (the frames done are in ``group``)


def carry_box(box: np.ndarray, reference: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``box`` (the medic's, at the reference frame) moved to where ``target`` (the model's
    box of another frame) is, keeping its offset and size relative to ``reference`` (the
    model's box at the reference frame): x1,y1,x2,y2 -> x1,y1,x2,y2."""
    ref_c, ref_s = (reference[:2] + reference[2:]) / 2, np.maximum(reference[2:] - reference[:2], 1e-6)
    tgt_c, tgt_s = (target[:2] + target[2:]) / 2, np.maximum(target[2:] - target[:2], 1e-6)
    c, s = (box[:2] + box[2:]) / 2, box[2:] - box[:2]
    scale = tgt_s / ref_s
    centre = tgt_c + (c - ref_c) * scale
    size = s * scale
    return np.concatenate([centre - size / 2, centre + size / 2])


def plan_propagation(project: Project, request: PropagationRequest) -> PropagationPlan:
    """What a propagation would fill (reads the project, changes nothing)."""
    start = project.instance(request.frame, request.uid)
    if start is None:
        raise PropagationError(f"frame {request.frame} has no such person any more")
    if start.track_id is None:
        raise PropagationError("this person has no track: run inference or set its track first")
    d = FORWARD if request.direction >= 0 else BACKWARD
    track = int(start.track_id)
    persons = dict(project.track_instances(track))
    num_frames = int(project.media.num_frames)
    ahead = [f for f in persons if (f - request.frame) * d > 0]
    if not ahead:
        raise PropagationError(f"track {track} has no person {'after' if d > 0 else 'before'} "
                               f"frame {request.frame} to propagate to")
    track_end = max(ahead) if d > 0 else min(ahead)
    limit = request.max_frames if request.max_frames is not None else num_frames
    lo, hi = sorted((request.frame + d, request.frame + d * limit))
    approved = project.approved_frames(max(lo, 0), hi)
    frames, stops = [], "the track ends"
    f = request.frame + d
    while True:
        if len(frames) >= limit:
            stops = f"{limit} frames done"
            break
        if not 0 <= f < num_frames:
            stops = "the video ends"
            break
        if (f - track_end) * d > 0:
            break
        if f in persons and persons[f].is_keyframe:
            stops = f"frame {f} has the medic's person of this track (a keyframe)"
            break
        if f in approved:
            stops = f"frame {f} is approved"
            break
        frames.append(f)
        f += d
    references = _model_boxes(persons, [request.frame, *frames])
    boxes = {f: carry_box(start.box, references[request.frame], references[f]) for f in frames}
    return PropagationPlan(track, start.category, start, frames, boxes, stops)


def _model_boxes(persons: dict[int, Instance], frames: list[int]) -> dict[int, np.ndarray]:
    """The detector's box of the track at each of ``frames``: its prediction where the track
    has one (a person drawn by hand: its own box), linear between them where it has none."""
    known = sorted(persons)
    boxes = np.array([persons[f].model_box() for f in known])
    out = {}
    for f in frames:
        out[f] = np.array([np.interp(f, known, boxes[:, i]) for i in range(4)])
    return out


def propagated_person(plan: PropagationPlan, base: Instance | None, box: np.ndarray,
                      keypoints_xys: np.ndarray) -> Instance:
    """The filled person: the model's points (and scores) in the carried box; the medic's
    visibility flags of the start person carried along (an occluded point stays occluded,
    one the medic left absent stays absent)."""
    xys = np.asarray(keypoints_xys, dtype=np.float64)
    vis = plan.start.keypoints[:, 2].copy()
    kps = np.column_stack([xys[:, 0], xys[:, 1], vis])
    kps[vis == Visibility.ABSENT] = 0.0
    if base is not None:
        return base.replace(box=box, keypoints=kps, scores=xys[:, 2].copy(),
                            source=Source.PROPAGATED)
    return Instance(category=plan.category, box=box, keypoints=kps, scores=xys[:, 2].copy(),
                    source=Source.PROPAGATED, track_id=plan.track)


def propagate(project: Project, source: Any, service: Any, settings: RunSettings,
              request: PropagationRequest, *, progress: ProgressFn | None = None,
              cancel: CancelFn | None = None, on_stored: StoredFn | None = None,
              plan: PropagationPlan | None = None) -> PropagationResult:
    """Run a propagation (see the module docstring): ``source[f]`` gives frame f (RGB),
    ``service`` is the :class:`~medpose_gui.runs.InferenceService` whose pose model runs.
    ``on_stored(frame, edit)`` after each frame is stored; ``cancel()`` is polled between
    frames. Returns the stored edits as one group, also when a frame fails (a read or write
    error: ``result.error``), so what was stored stays undoable as one step."""
    started = time.perf_counter()
    plan = plan or plan_propagation(project, request)
    k = project.schema_for(plan.category).num_keypoints
    direction = "forward" if request.direction >= 0 else "backward"
    edits: list[Edit] = []
    result = PropagationResult(EditGroup("", ()), stops=plan.stops)
    total = len(plan.frames)
    if progress is not None:
        progress(0, total)
    try:
        for f in plan.frames:
            if cancel is not None and cancel():
                result.cancelled, result.stops = True, "cancelled"
                break
            image = source[f]
            tick = time.perf_counter()
            (xys,) = service.estimate_pose(settings, plan.category, image,
                                           plan.boxes[f][None].astype(np.float32), k)
            result.pose_seconds.append(time.perf_counter() - tick)
            edit = _store_frame(project, plan, f, xys)
            if edit is None:
                result.stops = f"frame {f} changed meanwhile (approved or corrected)"
                break
            edits.append(edit)
            if on_stored is not None:
                on_stored(f, edit)
            if progress is not None:
                progress(len(edits), total)
    except Exception as exc:  # noqa: BLE001 - the frames stored so far stay one undo step
        result.error = str(exc) or type(exc).__name__
        result.stops = f"failed: {result.error}"
    result.frames_done = len(edits)
    text = f"Propagate track {plan.track} {direction} ({len(edits)} frames)"
    result.group = EditGroup(text, edits, request.frame)
    result.seconds = time.perf_counter() - started
    return result


def _store_frame(project: Project, plan: PropagationPlan, frame: int, xys: np.ndarray
                 ) -> Edit | None:
    """Store one frame's result (read, build, write in one transaction, so an edit the medic
    made meanwhile is seen); None when the frame became the medic's meanwhile."""
    with project.atomic():
        if project.approved_frames(frame, frame):
            return None
        persons = [i for i in project.instances(frame) if i.track_id == plan.track]
        base = persons[0] if persons else None
        if base is not None and base.is_keyframe:
            return None
        after = propagated_person(plan, base, plan.boxes[frame], xys)
        edit = Edit(frame, "Propagate", (InstanceChange(base, after),))
        edit.apply(project)
    return edit
