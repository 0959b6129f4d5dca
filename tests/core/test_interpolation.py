"""Keyframe interpolation on a real project: linear motion reproduced, one undo step."""

import numpy as np
import pytest

from medpose_gui.core import edits
from medpose_gui.core.annotations import Source, Visibility
from medpose_gui.core.interpolation import (
    InterpolationError,
    interpolate_pose,
    interpolate_track,
)
from tests.core.video_helpers import person, snapshot, tracked_project, walker


@pytest.fixture
def project(tmp_path):
    proj = tracked_project(tmp_path / "interp.medpose", noise=4.0)
    yield proj
    proj.close()


def _correct_to_truth(project, frame, track=1):
    """The medic puts every point and the box of the track's person where it truly is."""
    truth = walker(frame, track, noise=0.0)
    inst = person(project, frame, track)
    edits.set_box(frame, inst, truth.box, merge=False).apply(project)
    inst = project.instance(frame, inst.uid)
    edits.set_pose(frame, inst, np.column_stack([truth.keypoints[:, :2],
                                                 np.full(21, 0.8)])).apply(project)


def test_interpolation_between_two_keyframes_reproduces_linear_motion(project):
    _correct_to_truth(project, 5)
    _correct_to_truth(project, 25)
    group = interpolate_track(project, 1, 12)
    assert group.frames == list(range(6, 25))
    group.apply(project)
    for f in range(6, 25):
        filled, truth = person(project, f, 1), walker(f, 1, noise=0.0)
        assert filled.source == Source.INTERPOLATED
        np.testing.assert_allclose(filled.box, truth.box, atol=0.01)
        np.testing.assert_allclose(filled.keypoints[:, :2], truth.keypoints[:, :2], atol=0.01)
        assert filled.original is not None  # the prediction stays beside the fill
    assert person(project, 12, 2).source == Source.PREDICTED  # other tracks untouched


def test_interpolation_undoes_exactly_as_one_step(project):
    _correct_to_truth(project, 5)
    _correct_to_truth(project, 25)
    before = snapshot(project)
    group = interpolate_track(project, 1, 25)  # at a keyframe: the gap(s) beside it
    group.apply(project)
    group.revert(project)
    assert snapshot(project) == before


def test_approved_frames_between_keyframes_stay_as_they_are(project):
    _correct_to_truth(project, 20)
    _correct_to_truth(project, 40)
    approved = person(project, 30, 1)
    interpolate_track(project, 1, 30).apply(project)
    assert project.instance(30, approved.uid) == approved
    assert person(project, 29, 1).source == Source.INTERPOLATED


def test_a_frame_the_detector_missed_gets_a_filled_person(project):
    _correct_to_truth(project, 5)
    _correct_to_truth(project, 9)
    edits.delete_instance(7, person(project, 7, 1)).apply(project)
    interpolate_track(project, 1, 7).apply(project)
    filled = person(project, 7, 1)
    assert filled.source == Source.INTERPOLATED and filled.original is None
    np.testing.assert_allclose(filled.box, walker(7).box, atol=0.01)


def test_a_point_absent_in_a_keyframe_stays_as_predicted():
    a, b, base = walker(0), walker(10), walker(5, noise=5.0)
    kps = a.keypoints.copy()
    kps[3, 2] = Visibility.ABSENT
    a = a.replace(keypoints=kps)
    occluded = b.keypoints.copy()
    occluded[4, 2] = Visibility.OCCLUDED
    b = b.replace(keypoints=occluded)
    _, points, scores = interpolate_pose(a, b, 0.5, base)
    np.testing.assert_array_equal(points[3], base.keypoints[3])
    assert scores[3] == base.scores[3] and np.isnan(scores[0])
    assert points[4, 2] == Visibility.OCCLUDED and points[0, 2] == Visibility.VISIBLE


def test_interpolating_without_two_keyframes_says_what_to_do(project):
    _correct_to_truth(project, 5)
    with pytest.raises(InterpolationError, match="corrected person before and after"):
        interpolate_track(project, 1, 12)


def test_editing_a_filled_person_makes_it_a_keyframe(project):
    _correct_to_truth(project, 5)
    _correct_to_truth(project, 9)
    interpolate_track(project, 1, 7).apply(project)
    filled = person(project, 7, 1)
    edits.move_keypoint(7, filled, 0, 1.0, 2.0).apply(project)
    assert project.instance(7, filled.uid).source == Source.CORRECTED
