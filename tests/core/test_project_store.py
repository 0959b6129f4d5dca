"""The .medpose project file: round trips, bulk predictions, refusals, relink and save-as."""

import sqlite3

import numpy as np
import pytest

from medpose_gui.core.annotations import Instance, ReviewState, Source
from medpose_gui.core.project import MediaInfo, Project, ProjectError
from medpose_gui.core.project_db import FORMAT_VERSION, SELECT_INSTANCE, decode_instance
from medpose_gui.core.schema import Category, load_schema
from tests.core.project_helpers import media_info, new_project, predicted


def _everything(project):
    return ([(fa.index, fa.review, fa.instances) for fa in project.iter_frames()],
            project.media, project.categories, project.models(), project.get_setting("s"))


def test_create_edit_reopen_gives_equal_project(tmp_path):
    path = tmp_path / "a.medpose"
    with new_project(path) as project:
        a, b = predicted(1), predicted(2, "user", 6)
        project.store_predictions({0: [a], 5: [b]}, model_ids={"pose": 1})
        project.put_instance(0, a.replace(box=np.array([1.0, 2.0, 3.0, 4.0])))
        manual = Instance.manual("patient", [5, 6, 70, 80], 21)
        project.put_instance(9, manual)
        project.set_review_state(5, ReviewState.APPROVED)
        project.set_review_state(7, ReviewState.IN_PROGRESS)
        project.record_model("pose", "/m/pose.pth", "f00d", {"num_keypoints": 21})
        project.set_setting("s", {"current_frame": 5, "list": [1, 2]})
        before = _everything(project)
    with Project.open(path) as project:
        assert _everything(project) == before
        stored = project.instance(0, a.uid)
        assert stored.source == Source.CORRECTED and stored.original == a.original
        assert np.isnan(project.instance(9, manual.uid).scores).all()
        assert project.annotated_frames() == [0, 5, 7, 9]
        assert project.models()[0]["info"] == {"num_keypoints": 21}


def test_create_refuses_to_overwrite_unless_asked(tmp_path):
    path = tmp_path / "a.medpose"
    new_project(path).close()
    with pytest.raises(ProjectError, match="already exists"):
        new_project(path)
    with Project.create(path, media_info(), overwrite=True) as project:
        assert project.annotated_frames() == []


def test_put_instance_replaces_by_uid_and_keeps_order(tmp_path):
    with new_project(tmp_path / "a.medpose") as project:
        insts = [predicted(i) for i in range(3)]
        for inst in insts:
            project.put_instance(4, inst)
        changed = insts[1].replace(track_id=7)
        project.put_instance(4, changed)
        assert project.instances(4) == [insts[0], changed, insts[2]]
        assert project.remove_instance(4, insts[0].uid)
        assert not project.remove_instance(4, insts[0].uid)
        assert project.instance(4, insts[0].uid) is None


def test_instances_that_do_not_fit_the_schema_are_refused(tmp_path):
    with new_project(tmp_path / "a.medpose") as project:
        with pytest.raises(ProjectError, match="6 keypoints"):
            project.put_instance(0, predicted(1, "patient", 6))
        with pytest.raises(ProjectError, match="no category 'dog'"):
            project.put_instance(0, predicted(1, "dog", 21))
        with pytest.raises(ProjectError, match="frame 100"):
            project.put_instance(100, predicted(1))


def test_store_predictions_skips_approved_frames_and_keeps_corrections(tmp_path):
    with new_project(tmp_path / "a.medpose") as project:
        first = {f: [predicted(10 * f + j) for j in range(2)] for f in range(4)}
        assert project.store_predictions(first).frames == [0, 1, 2, 3]
        corrected = first[1][0].replace(box=np.array([0.0, 0, 9, 9]))
        project.put_instance(1, corrected)
        manual = Instance.manual("user", [1, 1, 5, 5], 6)
        project.put_instance(2, manual)
        project.set_review_state(3, ReviewState.APPROVED)

        second = {f: [predicted(100 + f)] for f in range(4)}
        written = project.store_predictions(second).frames
        assert written == [0, 1, 2]
        assert project.instances(0) == second[0]
        assert project.instances(1) == [corrected, second[1][0]]
        assert project.instances(2) == [manual, second[2][0]]
        assert project.instances(3) == first[3]  # approved: untouched
        assert project.store_predictions({0: []}).frames == [0]
        assert project.instances(0) == []


def test_bulk_store_of_50k_frames_with_3_instances(tmp_path):
    templates = [predicted(1), predicted(2), predicted(3, "user", 6)]
    preds = {f: [t.copy_as_new() for t in templates] for f in range(50_000)}
    with new_project(tmp_path / "big.medpose", num_frames=50_000) as project:
        assert len(project.store_predictions(preds).frames) == 50_000
        summary = project.frame_summary()
        assert (summary.num_instances == 3).all()
        expected_mean = np.mean([t.mean_score() for t in templates])
        assert np.allclose(summary.mean_score, expected_mean)
        assert project.instances(31_337) == preds[31_337]


def test_frame_summary_reports_review_counts_and_nan_without_scores(tmp_path):
    with new_project(tmp_path / "a.medpose") as project:
        project.put_instance(2, predicted(1))
        project.put_instance(2, predicted(2))
        project.put_instance(3, Instance.manual("patient", [0, 0, 1, 1], 21))
        project.set_review_state(2, ReviewState.APPROVED)
        project.set_review_state(4, ReviewState.IN_PROGRESS)
        project.set_review_state(4, ReviewState.UNREVIEWED)
        project.set_review_state(5, ReviewState.IN_PROGRESS)
        s = project.frame_summary()
        assert s.review.dtype == np.int8 and len(s.review) == 100
        assert s.review[[2, 4, 5]].tolist() == [2, 0, 1]
        assert s.num_instances[[1, 2, 3]].tolist() == [0, 2, 1]
        insts = project.instances(2)
        assert s.mean_score[2] == pytest.approx(np.mean([i.mean_score() for i in insts]))
        assert np.isnan(s.mean_score[3]) and np.isnan(s.mean_score[0])
        assert project.review_counts() == {ReviewState.UNREVIEWED: 98,
                                           ReviewState.IN_PROGRESS: 1, ReviewState.APPROVED: 1}


def test_newer_format_is_refused_and_file_left_unchanged(tmp_path):
    path = tmp_path / "future.medpose"
    new_project(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'format_version'",
                     (str(FORMAT_VERSION + 1),))
    conn.close()
    data = path.read_bytes()
    with pytest.raises(ProjectError, match=rf"newer medpose-gui \(format {FORMAT_VERSION + 1}, "
                                           rf"this one reads up to {FORMAT_VERSION}\)"):
        Project.open(path)
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["future.medpose"]  # no side files


@pytest.mark.parametrize("content", [b"", b"not a database at all\n" * 50,
                                     b"SQLite format 3\x00" + b"\xff" * 200])
def test_non_project_file_is_refused_and_left_byte_identical(tmp_path, content):
    path = tmp_path / "junk.medpose"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match="junk.medpose") as err:
        Project.open(path)
    assert "not a medpose project" in str(err.value) or "cannot open" in str(err.value)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.medpose"]


def test_sqlite_file_of_another_program_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    data = path.read_bytes()
    with pytest.raises(ProjectError, match="not a medpose project"):
        Project.open(path)
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.sqlite"]


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ProjectError, match="no such project file"):
        Project.open(tmp_path / "nope.medpose")


def test_relink_media_checks_fingerprint_unless_forced(tmp_path):
    video = tmp_path / "moved.mp4"
    video.write_bytes(b"x")
    path = tmp_path / "a.medpose"
    with new_project(path) as project:
        assert project.media_missing()
        with pytest.raises(ProjectError, match="fingerprint"):
            project.relink_media(video, "sha256:other")
        assert project.media.path == "/data/video.mp4"
        project.relink_media(video, "sha256:abc")
        assert not project.media_missing()
    with Project.open(path) as project:
        assert project.media == MediaInfo(str(video), "sha256:abc", 100, 30.0, 1280, 720)
        project.relink_media(video, "sha256:other", force=True)
        assert project.media.fingerprint == "sha256:other"


def test_save_as_copies_everything_and_opens_the_copy(tmp_path):
    src = tmp_path / "a.medpose"
    dst = tmp_path / "b.medpose"
    with new_project(src) as project:
        project.store_predictions({f: [predicted(f)] for f in range(10)})
        project.set_review_state(3, ReviewState.APPROVED)
        project.add_category(Category(3, "person", load_schema("coco_17")))
        with project.save_as(dst) as copy:
            assert _everything(copy) == _everything(project)
            copy.set_review_state(4, ReviewState.APPROVED)
            assert project.review_state(4) == ReviewState.UNREVIEWED
        with pytest.raises(ProjectError, match="already exists"):
            project.save_as(dst)
        with pytest.raises(ProjectError, match="itself"):
            project.save_as(src, overwrite=True)
    with Project.open(dst) as copy:
        assert copy.review_state(4) == ReviewState.APPROVED
        assert copy.category("person").schema.num_keypoints == 17


def test_closed_project_refuses_calls(tmp_path):
    project = new_project(tmp_path / "a.medpose")
    project.close()
    project.close()  # idempotent
    with pytest.raises(ProjectError, match="closed"):
        project.instances(0)


def test_older_format_is_migrated_step_by_step_on_open(tmp_path, monkeypatch):
    from medpose_gui.core import project_db

    path = tmp_path / "old.medpose"
    with new_project(path) as project:
        project.put_instance(1, predicted(5))
    steps = []

    def add_notes_table(conn):
        steps.append(1)
        conn.execute("CREATE TABLE notes (frame INTEGER, text TEXT)")

    # a future format 2 whose migration from 1 adds a table
    monkeypatch.setattr(project_db, "FORMAT_VERSION", FORMAT_VERSION + 1)
    monkeypatch.setitem(project_db.MIGRATIONS, FORMAT_VERSION, add_notes_table)
    with Project.open(path) as project:
        assert len(project.instances(1)) == 1
    conn = sqlite3.connect(path)
    try:
        version = conn.execute("SELECT value FROM meta WHERE key = 'format_version'").fetchone()
        assert version == (str(FORMAT_VERSION + 1),)
        assert conn.execute("SELECT COUNT(*) FROM notes").fetchone() == (0,)
    finally:
        conn.close()
    Project.open(path).close()
    assert steps == [1]  # not migrated twice


def test_writes_from_several_threads_all_land(tmp_path):
    import threading

    with new_project(tmp_path / "a.medpose") as project:
        made = {t: [predicted(100 * t + i) for i in range(20)] for t in range(4)}

        def worker(t):
            for inst in made[t]:
                project.put_instance(t, inst)
                project.frame_summary()

        threads = [threading.Thread(target=worker, args=(t,)) for t in made]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        for t, insts in made.items():
            assert project.instances(t) == insts


def test_close_removes_the_lock_file(tmp_path):
    path = tmp_path / "a.medpose"
    project = new_project(path)
    assert (tmp_path / "a.medpose.lock").exists()
    project.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.medpose"]


def test_frame_summary_stays_exact_through_every_kind_of_write(tmp_path):
    path = tmp_path / "a.medpose"
    rng = np.random.default_rng(7)
    with new_project(path) as project:
        project.frame_summary()  # built once, then kept up to date per write
        live = {}
        for step in range(120):
            frame = int(rng.integers(0, 100))
            op = step % 5
            if op == 0:
                project.store_predictions({frame: [predicted(step)], frame + 1 if frame < 99
                                           else 0: [predicted(step + 1000)]})
            elif op == 1:
                inst = Instance.manual("patient", [0, 0, 5, 5], 21)
                project.put_instance(frame, inst)
                live[inst.uid] = frame
            elif op == 2 and live:
                uid, at = live.popitem()
                project.remove_instance(at, uid)
            elif op == 3 and live:  # move an instance to another frame
                uid, at = next(iter(live.items()))
                project.put_instance(frame, project.instance(at, uid))
                live[uid] = frame
            else:
                project.set_review_state(frame, list(ReviewState)[step % 3])
        cached = project.frame_summary()
    with Project.open(path) as project:
        fresh = project.frame_summary()
    assert np.array_equal(cached.review, fresh.review)
    assert np.array_equal(cached.num_instances, fresh.num_instances)
    assert np.allclose(cached.mean_score, fresh.mean_score, equal_nan=True)


def _read_from_file(path, frame: int) -> list[Instance]:
    """The frame's instances as committed in the file, through a connection of our own."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(f"{SELECT_INSTANCE} WHERE frame = ? ORDER BY ord", (frame,))
        return [decode_instance(r) for r in rows.fetchall()]
    finally:
        conn.close()


def test_instance_reads_follow_every_write_and_cannot_be_changed_in_place(tmp_path):
    """instances() is served from memory between writes: it must never lag a write."""
    path = tmp_path / "a.medpose"
    rng = np.random.default_rng(11)
    with new_project(path) as project:
        for step in range(150):
            frame = int(rng.integers(0, 6))
            before = project.instances(frame)  # read (and cache) before each write
            op = step % 4
            if op == 0:
                project.store_predictions({frame: [predicted(step), predicted(step + 500)]})
            elif op == 1:
                project.put_instance(frame, Instance.manual("patient", [0, 0, 5, 5], 21))
            elif op == 2 and before:
                project.remove_instance(frame, before[0].uid)
            elif op == 3 and before:
                project.put_instance(frame, before[-1].replace(track_id=step))
            assert project.instances(frame) == _read_from_file(path, frame)
        inst = project.instances(frame)[0]
        with pytest.raises(ValueError, match="read-only"):
            inst.keypoints[0, 0] = 1.0
        assert project.instances(frame) is not project.instances(frame)  # callers' own lists


def test_a_failed_write_leaves_the_instances_read_before_it(tmp_path):
    path = tmp_path / "a.medpose"
    with new_project(path) as project:
        manual = Instance.manual("patient", [0, 0, 5, 5], 21)
        project.put_instance(3, manual)  # kept by new runs
        project.store_predictions({3: [predicted(1)], 4: [predicted(2)]})
        before = {f: project.instances(f) for f in (3, 4)}  # read, so cached
        with pytest.raises(ProjectError, match="reuse an existing instance uid"):
            # Deletes the predictions of 3 and 4, then fails on the manual box's uid.
            project.store_predictions({3: [predicted(5)], 4: [manual]})
        for f in (3, 4):
            assert project.instances(f) == before[f] == _read_from_file(path, f)
