"""The "needs a look" score: keypoint jumps, box-size jumps, track starts/ends, low scores."""

import numpy as np
import pytest

from medpose_gui.core import edits
from medpose_gui.core.annotations import ReviewState
from medpose_gui.core.triage import NEEDS_A_LOOK, Reason, point_jumps, triage_project
from tests.core.video_helpers import person, tracked_project


@pytest.fixture
def project(tmp_path):
    proj = tracked_project(tmp_path / "triage.medpose", noise=1.0)
    yield proj
    proj.close()


def test_smooth_tracks_need_no_look(project):
    result = triage_project(project)
    assert result.score.max() < NEEDS_A_LOOK


def test_a_point_that_jumps_is_flagged_on_its_frame(project):
    inst = person(project, 17, 2)
    x, y = inst.keypoints[9, :2]
    edits.move_keypoint(17, inst, 9, x + 60, y).apply(project)  # the model's wrist went astray
    result = triage_project(project)
    assert result.score[17] >= NEEDS_A_LOOK and result.reason[17] == Reason.KEYPOINT_JUMP
    assert result.next_frame(0) == 17
    (traj,) = project.trajectories(2)
    jumps = point_jumps(traj)
    assert np.argmax(jumps[:, 9]) == 17 and jumps[17].argmax() == 9
    assert jumps[18, 9] == 0.0  # coming back is not a second jump
    assert result.next_frame(17) is None
    assert "keypoint" in result.text(17)


def test_a_box_that_changes_size_is_flagged(project):
    inst = person(project, 40, 1)
    edits.set_box(40, inst, [inst.box[0], inst.box[1], inst.box[2] + 200, inst.box[3] + 300],
                  merge=False).apply(project)
    result = triage_project(project)
    assert result.reason[40] == Reason.SIZE_JUMP and result.score[40] >= NEEDS_A_LOOK


def test_a_track_gap_start_and_end_are_flagged(project):
    for f in (10, 11):
        edits.delete_instance(f, person(project, f, 1)).apply(project)
    result = triage_project(project)
    assert result.reason[10] == Reason.TRACK_START_END
    assert result.score[11] < NEEDS_A_LOOK  # the gap's first frame only


def test_approved_frames_need_no_look_and_the_next_one_skips_them(project):
    inst = person(project, 17, 2)
    edits.move_keypoint(17, inst, 9, inst.keypoints[9, 0] + 60, inst.keypoints[9, 1]).apply(
        project)
    project.set_review_state(17, ReviewState.APPROVED)
    result = triage_project(project)
    assert result.score[17] == 0.0
    assert result.next_frame(0) != 17


def test_low_keypoint_scores_are_flagged(project):
    inst = person(project, 50, 2)
    low = np.column_stack([inst.keypoints[:, :2], np.full(21, 0.05)])
    edits.set_pose(50, inst, low).apply(project)  # as the model would have scored them
    project.put_instance(50, project.instance(50, inst.uid).replace(source=inst.source))
    result = triage_project(project)
    assert result.reason[50] == Reason.LOW_SCORE
