"""Propagating a correction with the fixture pose model on the panning video."""

import numpy as np
import pytest

from medpose_gui.core import edits
from medpose_gui.core.annotations import Source
from medpose_gui.inference import load_pose_estimator
from medpose_gui.runs import InferenceService
from medpose_gui.runs.propagate import (
    BACKWARD,
    PropagationError,
    PropagationRequest,
    carry_box,
    plan_propagation,
    propagate,
)
from tests.runs.conftest import PAN_FRAMES
from tests.runs.known_motion import PAN_PX, POSE_WEIGHTS, fixture_run_settings

SETTINGS = fixture_run_settings()


def _whole_track(project):
    """A track with a person in every frame, and its person of frame 0."""
    for inst in project.instances(0):
        if inst.track_id is not None and project.track_span(inst.track_id) == (0, PAN_FRAMES - 1):
            return inst.track_id, inst
    raise AssertionError("no track spans the clip")


def _enlarge(project, frame, inst, factor=1.3):
    """The medic's correction: the box made 30 % larger about its centre."""
    c, s = (inst.box[:2] + inst.box[2:]) / 2, (inst.box[2:] - inst.box[:2]) * factor
    edits.set_box(frame, inst, [*(c - s / 2), *(c + s / 2)], merge=False).apply(project)
    return project.instance(frame, inst.uid)


def _snapshot(project):
    return tuple((f.index, f.review, tuple(f.instances)) for f in project.iter_frames())


def test_carry_box_keeps_the_correction_relative_to_the_models_box():
    reference, target = np.array([10.0, 20, 110, 220]), np.array([50.0, 20, 250, 420])
    medic = np.array([0.0, 10, 130, 230])  # larger, shifted left
    carried = carry_box(medic, reference, target)
    np.testing.assert_allclose(carried, [30.0, 0, 290, 440])  # twice the size, same offset x2
    np.testing.assert_allclose(carry_box(reference, reference, target), target)


def test_propagate_stores_the_models_output_inside_the_carried_box(panned_project):
    project, source = panned_project
    track, first = _whole_track(project)
    corrected = _enlarge(project, 0, first)
    result = propagate(project, source, InferenceService(), SETTINGS,
                       PropagationRequest(0, first.uid, max_frames=4))
    assert result.frames_done == 4 and result.group.frames == [1, 2, 3, 4]
    pose = load_pose_estimator(str(POSE_WEIGHTS), device="cpu")
    for f in range(1, 5):
        (person,) = [i for i in project.instances(f) if i.track_id == track]
        assert person.source == Source.PROPAGATED and person.original is not None
        expected_box = carry_box(corrected.box, first.original.box, person.original.box)
        np.testing.assert_allclose(person.box, expected_box)
        # the box moves with the pan and keeps the medic's 30 % larger size
        np.testing.assert_allclose(person.box - corrected.box, [PAN_PX * f, 0] * 2, atol=2.5)
        # the points are the model's own estimate in that box on that frame
        kps = pose.estimate(source[f], person.box[None].astype(np.float32))[0]
        np.testing.assert_allclose(person.keypoints[:, :2], kps[:, :2], atol=1e-4)
        np.testing.assert_allclose(person.scores, kps[:, 2], atol=1e-6)


def test_a_propagation_undoes_exactly_as_one_step(panned_project):
    project, source = panned_project
    _, first = _whole_track(project)
    _enlarge(project, 0, first)
    before = _snapshot(project)
    result = propagate(project, source, InferenceService(), SETTINGS,
                       PropagationRequest(0, first.uid, max_frames=3))
    assert _snapshot(project) != before
    result.group.revert(project)
    assert _snapshot(project) == before
    result.group.apply(project)  # redo puts back exactly what the run stored
    result.group.revert(project)
    assert _snapshot(project) == before


def test_propagation_stops_before_the_next_keyframe_and_goes_backward(panned_project):
    project, source = panned_project
    track, first = _whole_track(project)
    (third,) = [i for i in project.instances(3) if i.track_id == track]
    third = _enlarge(project, 3, third)
    _enlarge(project, 0, first)
    forward = plan_propagation(project, PropagationRequest(0, first.uid))
    assert forward.frames == [1, 2] and "keyframe" in forward.stops
    back = propagate(project, source, InferenceService(), SETTINGS,
                     PropagationRequest(3, third.uid, direction=BACKWARD))
    assert back.group.frames == [1, 2] and back.frames_done == 2


def test_a_cancelled_propagation_keeps_the_frames_done(panned_project):
    project, source = panned_project
    track, first = _whole_track(project)
    _enlarge(project, 0, first)
    done = []
    result = propagate(project, source, InferenceService(), SETTINGS,
                       PropagationRequest(0, first.uid), cancel=lambda: len(done) >= 2,
                       on_stored=lambda f, _edit: done.append(f))
    assert result.cancelled and done == [1, 2] and result.group.frames == [1, 2]
    kinds = [[i.source for i in project.instances(f) if i.track_id == track][0]
             for f in range(1, 4)]
    assert kinds == [Source.PROPAGATED, Source.PROPAGATED, Source.PREDICTED]


def test_a_person_without_a_track_cannot_be_propagated(panned_project):
    project, _ = panned_project
    _, first = _whole_track(project)
    edits.set_track(0, first, None).apply(project)
    with pytest.raises(PropagationError, match="no track"):
        plan_propagation(project, PropagationRequest(0, first.uid))
