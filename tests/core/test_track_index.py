"""The in-memory track index stays equal to the project as frames are edited."""

from medpose_gui.core import edits
from medpose_gui.core.interpolation import interpolate_track
from medpose_gui.core.track_index import Lane, TrackIndex
from tests.core.video_helpers import NUM_FRAMES, person, tracked_project


def _fresh(project):
    return TrackIndex.from_rows(project.track_rows(), NUM_FRAMES)


def test_lanes_show_presence_fills_and_keyframes_and_follow_edits(tmp_path):
    with tracked_project(tmp_path / "lanes.medpose") as project:
        index = _fresh(project)
        assert index.track_ids() == [1, 2] and index.tracks_at(7) == [1, 2]
        assert (index.lane(1) == Lane.PREDICTED).all()
        touched = set()
        for f in (10, 20):
            inst = person(project, f, 1)
            project.put_instance(f, inst.replace(box=inst.box + 2))
            touched.add(f)
        group = interpolate_track(project, 1, 15)
        group.apply(project)
        touched.update(group.frames)
        edits.delete_instance(40, person(project, 40, 2)).apply(project)
        touched.add(40)
        for f in touched:
            index.update_frame(f, project.instances(f))
        lane = index.lane(1)
        assert lane[10] == lane[20] == Lane.KEYFRAME and (lane[11:20] == Lane.FILLED).all()
        assert index.lane(2)[40] == Lane.ABSENT and index.keyframes(1) == [10, 20]
        fresh = _fresh(project)
        for track in (1, 2):
            assert (fresh.lane(track) == index.lane(track)).all()


def test_following_edits_without_reading_the_frames_gives_the_same_lanes(tmp_path):
    with tracked_project(tmp_path / "follow.medpose") as project:
        index = _fresh(project)
        for f in (10, 20):
            inst = person(project, f, 1)
            edit = edits.set_box(f, inst, inst.box + 2, merge=False)
            edit.apply(project)
            index.apply_changes(f, [(c.before, c.after) for c in edit.changes])
        group = interpolate_track(project, 1, 15)
        group.apply(project)
        for edit in group.edits:
            index.apply_changes(edit.frame, [(c.before, c.after) for c in edit.changes])
        gone = edits.delete_instance(40, person(project, 40, 2))
        gone.apply(project)
        index.apply_changes(40, [(c.before, c.after) for c in gone.changes])
        fresh = _fresh(project)
        for track in (1, 2):
            assert (fresh.lane(track) == index.lane(track)).all()
        assert index.tracks_at(40) == fresh.tracks_at(40) == [1]
