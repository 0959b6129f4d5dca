"""Tracks given at store time, on real project files: kept by re-runs and by the medic's
persons, independent of the order frames are stored in."""

import pytest

from medpose_gui.core import edits
from medpose_gui.core.project import Project
from medpose_gui.tracking import assign_tracks
from tests.core.project_helpers import media_info
from tests.tracking.synthetic import Walker, frames_of

WALKERS = [Walker(100, 100, 200, 300, vx=6, pose_seed=1),
           Walker(700, 120, 180, 280, vx=-5, pose_seed=2),
           Walker(400, 500, 60, 60, vx=3, vy=-2, pose_seed=3, category="user", k=6)]


@pytest.fixture
def project(tmp_path):
    proj = Project.create(tmp_path / "tracks.medpose", media_info(num_frames=40))
    yield proj
    proj.close()


def _store(project, preds):
    """What InferenceService.store does: store under the policy, then assign tracks."""
    with project.atomic():
        replaced = {f: [i for i in project.instances(f) if i.source.value == "predicted"]
                    for f in preds}
        stored = project.store_predictions(preds)
        return assign_tracks(project, stored.frames, replaced)


def _tracks_by_walker(project, frames):
    """{frame: [track of walker 0, 1, 2]} (walkers told apart by their first box corner)."""
    out = {}
    for f in frames:
        by_x = {round(float(i.box[0]), 3): i.track_id for i in project.instances(f)}
        out[f] = [by_x[round(w.x + w.vx * f, 3)] for w in WALKERS]
    return out


def test_each_person_keeps_one_track_frame_after_frame(project):
    preds = frames_of(WALKERS, 20)
    for f in range(20):  # one frame per batch, as the window stores on the CPU
        _store(project, {f: preds[f]})
    ids = _tracks_by_walker(project, range(20))
    assert all(ids[f] == ids[0] for f in ids)
    assert len(set(ids[0])) == 3


def test_a_rerun_keeps_the_track_of_the_prediction_it_replaces(project):
    _store(project, frames_of(WALKERS, 10))
    first = _tracks_by_walker(project, range(10))
    report = _store(project, frames_of(WALKERS, 10))  # same predictions again, new uids
    assert report.kept == 30 and report.started == 0
    assert _tracks_by_walker(project, range(10)) == first


def test_the_medics_person_keeps_its_track_and_the_run_continues_it(project):
    preds = frames_of(WALKERS, 10)
    _store(project, {f: preds[f] for f in range(5)})
    walker0 = next(i for i in project.instances(4) if i.track_id is not None
                   and i.box[0] == WALKERS[0].x + 4 * WALKERS[0].vx)
    edits.set_box(4, walker0, walker0.box + [0, 0, 20, 20]).apply(project)
    _store(project, {f: preds[f] for f in range(4, 10)})  # re-run over the corrected frame
    corrected = project.instance(4, walker0.uid)
    assert corrected.track_id == walker0.track_id
    assert len([i for i in project.instances(4) if i.track_id == walker0.track_id]) == 1
    later = [i.track_id for f in range(5, 10) for i in project.instances(f)
             if i.box[0] == WALKERS[0].x + f * WALKERS[0].vx]
    assert later == [walker0.track_id] * 5


def test_frames_stored_out_of_order_end_in_one_track_per_person(project):
    preds = frames_of(WALKERS, 16)
    for start in (12, 4, 8, 0):  # a cluster returning batches in any order
        _store(project, {f: preds[f] for f in range(start, start + 4)})
    ids = _tracks_by_walker(project, range(16))
    assert all(ids[f] == ids[0] for f in ids), ids


def test_track_ids_are_never_reused_after_a_deletion(project):
    _store(project, frames_of(WALKERS[:1], 1))
    (only,) = project.instances(0)
    edits.delete_instance(0, only).apply(project)
    _store(project, {1: [WALKERS[1].at(1)]})
    assert project.instances(1)[0].track_id != only.track_id


MODELS = {"files": {"detector": "d", "pose_patient": "p"}}


def _run_store(project, preds, tracks):
    """What InferenceService.store does with a run's RunTracks."""
    with project.atomic():
        replaced = {f: [i for i in project.instances(f) if i.source.value == "predicted"]
                    for f in preds}
        project.store_predictions(preds, model_ids=MODELS)
        tracks.stored(project, list(preds), replaced)


def _all_tracks(project, frames):
    return {f: sorted((round(float(i.box[0]), 3), i.track_id) for i in project.instances(f))
            for f in frames}


def test_a_run_stored_out_of_order_gets_the_tracks_of_the_same_run_stored_in_order(tmp_path):
    from medpose_gui.tracking import RunTracks

    preds = frames_of(WALKERS, 16)
    results = []
    for order in ([0, 4, 8, 12], [12, 4, 0, 8]):  # a local run; a cluster's shards
        with Project.create(tmp_path / f"run{order[0]}.medpose",
                            media_info(num_frames=40)) as project:
            tracks = RunTracks(range(16), MODELS)
            for start in order:
                _run_store(project, {f: [w.at(f) for w in WALKERS]
                                     for f in range(start, start + 4)}, tracks)
                if start == 12 and order[0] == 12:
                    assert tracks.waiting == [12, 13, 14, 15]  # held back for frames 0-11
            assert tracks.waiting == []
            results.append(_all_tracks(project, range(16)))
    assert results[0] == results[1]
    assert len({t for persons in results[0].values() for _, t in persons}) == 3
    del preds


def test_a_resumed_run_tracks_what_the_interrupted_one_held_back(tmp_path):
    from medpose_gui.tracking import RunTracks

    batch = {s: {f: [w.at(f) for w in WALKERS] for f in range(s, s + 4)} for s in (0, 4, 8, 12)}
    with Project.create(tmp_path / "in_order.medpose", media_info(num_frames=40)) as project:
        tracks = RunTracks(range(16), MODELS)
        for s in (0, 4, 8, 12):
            _run_store(project, batch[s], tracks)
        expected = _all_tracks(project, range(16))
    with Project.create(tmp_path / "resumed.medpose", media_info(num_frames=40)) as project:
        first = RunTracks(range(16), MODELS)
        _run_store(project, batch[12], first)
        _run_store(project, batch[4], first)  # interrupted here: 4-7 and 12-15 untracked
        assert first.waiting == [4, 5, 6, 7, 12, 13, 14, 15]
        resumed = RunTracks([*range(0, 4), *range(8, 12)], MODELS)
        _run_store(project, batch[8], resumed)
        _run_store(project, batch[0], resumed)
        assert _all_tracks(project, range(16)) == expected
