"""Approve a range, delete weak detections in a range: one undo step each, undone exactly."""

import pytest

from medpose_gui.core import edits
from medpose_gui.core.annotations import ReviewState, Source
from medpose_gui.core.bulk_edits import approve_range, delete_under_score
from tests.core.video_helpers import person, snapshot, tracked_project, walker


@pytest.fixture
def project(tmp_path):
    proj = tracked_project(tmp_path / "bulk.medpose")
    yield proj
    proj.close()


def test_approving_a_range_approves_each_frame_once_and_undoes_exactly(project):
    project.set_review_state(12, ReviewState.IN_PROGRESS)
    before = snapshot(project)
    group = approve_range(project, 15, 5)  # either order
    assert group.frames == list(range(5, 16))
    group.apply(project)
    assert all(project.review_state(f) == ReviewState.APPROVED for f in range(5, 16))
    assert project.review_state(16) == ReviewState.UNREVIEWED
    group.revert(project)
    assert snapshot(project) == before
    assert project.review_state(12) == ReviewState.IN_PROGRESS


def test_deleting_under_a_box_score_takes_only_untouched_predictions(project):
    weak = {f: walker(f, 3).replace(box_score=0.3, source=Source.PREDICTED, track_id=3)
            for f in range(0, 60)}
    for f, inst in weak.items():
        project.put_instance(f, inst)
    edits.set_box(8, weak[8], weak[8].box + 5, merge=False).apply(project)  # the medic's now
    before = snapshot(project)
    group = delete_under_score(project, 5, 35, 0.5)
    group.apply(project)
    remaining = {f for f in range(60) if any(i.track_id == 3 for i in project.instances(f))}
    assert remaining == set(range(0, 5)) | {8, 30} | set(range(36, 60))  # 30 is approved
    assert person(project, 20, 1).source == Source.PREDICTED  # box score 0.9 stays
    group.revert(project)
    assert snapshot(project) == before
    assert project.deleted_predictions() == []
