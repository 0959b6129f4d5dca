"""Damaged projects (real SQLite files changed behind the project's back): bad rows and
overwritten pages are skipped and listed in ``problems``; everything else can still be read,
summarised and exported; nothing raises and nothing allocates for absurd frame indices."""

from __future__ import annotations

import sqlite3
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from medpose_gui.core.annotations import ReviewState
from medpose_gui.core.project import Project, ProjectWriteError
from medpose_gui.formats import export_coco_keypoints
from medpose_gui.formats.coco_common import load_json
from tests.core.project_helpers import new_project, predicted

NUM_FRAMES = 100


def _populated(path: Path, frames: int = 30, per_frame: int = 2) -> dict[int, list[str]]:
    """A closed project with ``per_frame`` predicted persons on each of ``frames`` frames;
    returns frame -> uids."""
    with new_project(path, num_frames=NUM_FRAMES) as project:
        preds = {f: [predicted(100 * f + i) for i in range(per_frame)] for f in range(frames)}
        project.store_predictions(preds)
        for f in range(0, frames, 3):
            project.set_review_state(f, ReviewState.APPROVED)
    return {f: [i.uid for i in v] for f, v in preds.items()}


def _sql(path: Path, statement: str, args: tuple = ()) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(statement, args)
    conn.close()


def _problem_text(project: Project) -> str:
    return "\n".join(map(str, project.problems))


@pytest.mark.parametrize("statement, args, fault", [
    ("UPDATE instances SET keypoints = x'0102' WHERE uid = ?", (), "keypoints has 2 bytes"),
    ("UPDATE instances SET source = 'alien' WHERE uid = ?", (), "unknown source 'alien'"),
    ("UPDATE instances SET category = 'horse' WHERE uid = ?", (), "unknown category 'horse'"),
    ("UPDATE instances SET box = ? WHERE uid = ?", (struct.pack("<4d", 1e308, 0, 1, 1),),
     "box holds an impossible coordinate (1e+308)"),
    ("UPDATE instances SET box = ? WHERE uid = ?", (struct.pack("<4d", np.nan, 0, 1, 1),),
     "box holds an impossible coordinate (nan)"),
    ("UPDATE instances SET track_id = 'x' WHERE uid = ?", (), "track id 'x' is not an integer"),
])
def test_a_bad_person_row_is_skipped_and_named_and_the_rest_is_read(tmp_path, statement,
                                                                     args, fault):
    path = tmp_path / "p.medpose"
    uids = _populated(path)
    bad = uids[4][0]
    _sql(path, statement, (*args, bad))
    with Project.open(path) as project:
        assert [i.uid for i in project.instances(4)] == [uids[4][1]]
        (problem,) = project.problems
        assert problem.frame == 4 and fault in problem.what and bad[:8] in problem.where
        frames = list(project.iter_frames())
        assert sum(len(f.instances) for f in frames) == 2 * 30 - 1
        assert project.frame(4).instances[0].uid == uids[4][1]
        assert not project.read_only  # a bad row is not a damaged file: edits still work
        project.set_review_state(5, ReviewState.APPROVED)


def test_unknown_review_code_reads_as_unreviewed_and_is_listed(tmp_path):
    path = tmp_path / "p.medpose"
    _populated(path)
    _sql(path, "UPDATE frames SET review = 7 WHERE frame = 3")
    with Project.open(path) as project:
        assert "frame 3: unknown review state code 7" in _problem_text(project)
        assert project.review_state(3) == ReviewState.UNREVIEWED
        assert project.frame_summary().review[3] == 0
        states = {f.index: f.review for f in project.iter_frames()}
        assert states[3] == ReviewState.UNREVIEWED and states[6] == ReviewState.APPROVED


def test_absurd_frame_index_is_listed_at_open_and_allocates_nothing(tmp_path):
    path = tmp_path / "p.medpose"
    uids = _populated(path)
    _sql(path, "UPDATE instances SET frame = 2000000000 WHERE uid = ?", (uids[7][0],))
    _sql(path, "INSERT INTO frames VALUES (2000000001, 2)")
    tracemalloc.start()
    try:
        with Project.open(path) as project:
            text = _problem_text(project)  # found at open, before anything was read
            assert "1 stored at frame indices outside the media (0..99" in text
            assert "frame 2000000001: review state stored for a frame outside" in text
            summary = project.frame_summary()
            assert len(summary.review) == NUM_FRAMES == len(summary.num_instances)
            assert summary.num_instances[7] == 1
            assert project.annotated_frames()[-1] == 29
            assert len(project.instances(7)) == 1 and project.instances(2_000_000_000) == []
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 << 20  # a 2e9-frame summary would be ~26 GB


def test_a_damaged_category_schema_hides_only_that_category(tmp_path):
    path = tmp_path / "p.medpose"
    with new_project(path) as project:
        project.put_instance(0, predicted(1))
        project.put_instance(0, predicted(2, category="user", k=6))
    _sql(path, "UPDATE categories SET schema = '{broken' WHERE name = 'user'")
    with Project.open(path) as project:
        assert [c.name for c in project.categories] == ["patient"]
        assert [i.category for i in project.instances(0)] == ["patient"]
        assert "category 'user': schema cannot be read" in _problem_text(project)


# -- overwritten pages --------------------------------------------------------------------

def _pages(path: Path, name: str) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [p for (p,) in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno",
            (name,))]
    except sqlite3.OperationalError:
        pytest.skip("this SQLite has no dbstat table to find a page")
    finally:
        conn.close()


def _overwrite_page(path: Path, page: int) -> None:
    size = sqlite3.connect(path).execute("PRAGMA page_size").fetchone()[0]
    with open(path, "r+b") as f:
        f.seek((page - 1) * size)
        f.write(b"\xff" * size)


def test_overwritten_person_pages_lose_only_their_rows(tmp_path):
    path = tmp_path / "p.medpose"
    uids = _populated(path, frames=60, per_frame=3)
    leaves = _pages(path, "instances")
    _overwrite_page(path, leaves[len(leaves) // 2])
    with Project.open(path) as project:
        readable = {f: [i.uid for i in project.instances(f)] for f in range(60)}
        lost = sum(len(v) for v in uids.values()) - sum(len(v) for v in readable.values())
        assert 0 < lost <= 6  # one 4 KiB page holds a few persons
        for f, got in readable.items():
            assert set(got) <= set(uids[f])
        assert project.read_only and project.read_only_reason.startswith("damaged:")
        assert "damaged part of the file" in _problem_text(project)
        with pytest.raises(ProjectWriteError, match="read-only: damaged"):
            project.set_review_state(1, ReviewState.APPROVED)
        frames = {f.index: [i.uid for i in f.instances] for f in project.iter_frames()}
        assert {f: v for f, v in frames.items() if v} == {f: v for f, v in readable.items() if v}
        summary = project.frame_summary()
        assert summary.num_instances.sum() == sum(len(v) for v in readable.values())
        assert project.review_state(3) == ReviewState.APPROVED  # another table: intact
        stats = export_coco_keypoints(project, tmp_path / "out.json")
        assert stats.num_annotations == sum(len(v) for v in readable.values())
        assert len(load_json(tmp_path / "out.json")["annotations"]) == stats.num_annotations


def test_an_overwritten_index_page_loses_nothing(tmp_path):
    path = tmp_path / "p.medpose"
    uids = _populated(path, frames=60, per_frame=3)
    leaves = _pages(path, "instances_by_frame")
    _overwrite_page(path, leaves[len(leaves) // 2])
    with Project.open(path) as project:
        got = {f.index: [i.uid for i in f.instances] for f in project.iter_frames()}
        assert {f: v for f, v in got.items() if v} == uids  # all read from the table
        assert all(project.instances(f) for f in range(60))
        assert project.read_only and project.problems


def test_overwritten_review_pages_show_those_frames_unreviewed(tmp_path):
    path = tmp_path / "p.medpose"
    new_project(path, num_frames=5000).close()
    conn = sqlite3.connect(path)
    with conn:  # 5000 approvals in one transaction (the project commits each durably)
        conn.executemany("INSERT INTO frames VALUES (?, 2)", [(f,) for f in range(5000)])
    conn.close()
    leaves = _pages(path, "frames")
    assert len(leaves) > 2
    _overwrite_page(path, leaves[1])
    with Project.open(path) as project:
        counts = project.review_counts()
        lost = 5000 - counts[ReviewState.APPROVED]
        assert 0 < lost < 1000
        assert counts[ReviewState.UNREVIEWED] == lost
        assert "review state cannot be read" in _problem_text(project)
        assert project.frame_summary().review.sum() == 2 * (5000 - lost)
