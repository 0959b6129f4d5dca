"""Merge, split and change tracks on a real project: one undo step each, undone exactly."""

import pytest

from medpose_gui.core.annotations import Source
from medpose_gui.core.edits import EditGroup
from medpose_gui.core.track_edits import (
    TrackEditError,
    change_track,
    merge_tracks,
    split_track,
)
from tests.core.video_helpers import person, snapshot, tracked_project


@pytest.fixture
def project(tmp_path):
    proj = tracked_project(tmp_path / "tracks.medpose")
    yield proj
    proj.close()


def _undo_restores_exactly(project, group: EditGroup):
    before = snapshot(project)
    group.apply(project)
    after = snapshot(project)
    assert after != before
    group.revert(project)
    assert snapshot(project) == before
    group.apply(project)  # redo gives the same again
    assert snapshot(project) == after


def test_split_then_merge_gives_the_track_back_and_each_undoes_exactly(project):
    split = split_track(project, 1, 20)
    _undo_restores_exactly(project, split)
    new = person(project, 20, split.edits[0].changes[0].after.track_id).track_id
    assert project.track_span(1) == (0, 19) and project.track_span(new) == (20, 59)
    assert len(split.frames) == 40
    merge = merge_tracks(project, 1, new)
    _undo_restores_exactly(project, merge)
    assert project.track_span(1) == (0, 59) and project.track_span(new) is None


def test_track_edits_keep_values_and_sources(project):
    before = person(project, 25, 1)
    split_track(project, 1, 20).apply(project)
    after = project.instance(25, before.uid)
    assert after.source == Source.PREDICTED and after.track_id != 1
    assert after.with_track(1) == before


def test_merging_tracks_that_share_a_frame_is_refused(project):
    with pytest.raises(TrackEditError, match="both in frame"):
        merge_tracks(project, 1, 2)


def test_changing_a_person_to_an_occupied_track_swaps_the_two(project):
    one, two = person(project, 10, 1), person(project, 10, 2)
    group = change_track(project, 10, one, 2)
    _undo_restores_exactly(project, group)
    assert project.instance(10, one.uid).track_id == 2
    assert project.instance(10, two.uid).track_id == 1
    assert person(project, 11, 1).uid != two.uid  # only this frame changed


def test_changing_a_track_from_here_on_swaps_the_tails_of_both(project):
    one = person(project, 40, 1)
    group = change_track(project, 40, one, 2, onward=True)
    _undo_restores_exactly(project, group)
    assert project.instance(40, one.uid).track_id == 2
    assert person(project, 39, 1).box[0] < person(project, 39, 2).box[0]  # before: unchanged
    assert person(project, 59, 1).box[0] > person(project, 59, 2).box[0]  # after: swapped
    assert len(group.frames) == 20


def test_tracks_of_different_categories_never_merge(project):
    from medpose_gui.core.annotations import Instance

    user = Instance.manual("user", [10, 10, 60, 90], 6).with_track(9)
    project.put_instance(59, user)
    split_track(project, 1, 30).apply(project)  # track 1: frames 0-29, clear of frame 59
    with pytest.raises(TrackEditError, match="one person"):
        merge_tracks(project, 1, 9)
    with pytest.raises(TrackEditError, match="is a patient"):
        change_track(project, 59, user, 1)
