"""Storage faults while a project is open, on real file systems: a full tmpfs, the project
file deleted or replaced. Each write that cannot be stored raises ProjectWriteError naming
the file and the cause, stores nothing, and leaves the project readable and copyable with
Save as; closing never raises. (A file system cannot be remounted read-only under an open
writer - Linux answers EBUSY - so read-only files are tested at open, in
test_project_access.py.)"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from medpose_gui.core.annotations import Instance, ReviewState
from medpose_gui.core.project import Project, ProjectError, ProjectWriteError
from tests.core.project_helpers import new_project, predicted
from tests.small_disk import mounted_tmpfs


def _person(uid: str) -> Instance:
    return Instance.manual("patient", [1, 1, 50, 50], 21).replace(uid=uid)


def test_full_disk_raises_a_named_error_and_the_project_stays_readable(tmp_path):
    with mounted_tmpfs(tmp_path / "small", "512k") as disk:
        filler = disk / "filler.bin"
        path = disk / "full.medpose"
        project = new_project(path, num_frames=10**5)
        with pytest.raises(ProjectWriteError) as err:
            filler.write_bytes(b"\0" * (300 << 10))  # leave little room for the project
            for frame in range(10**5):  # bulk writes until the disk is full
                project.store_predictions({frame: [predicted(frame + s) for s in range(20)]})
        assert str(path) in str(err.value) and "the disk is full" in str(err.value)
        assert err.value.path == path
        stored = project.annotated_frames()
        assert stored and stored == list(range(len(stored)))  # nothing half-written
        assert len(project.instances(stored[-1])) == 20
        assert project.write_problem() == str(err.value) and not project.can_write
        assert project.last_write_error is err.value

        copy = project.save_as(tmp_path / "rescued.medpose")  # another file system
        assert copy.annotated_frames() == stored
        assert copy.instances(stored[0]) == project.instances(stored[0])
        copy.close()

        filler.unlink()  # space again: writing works again
        project.set_review_state(0, ReviewState.APPROVED)
        assert project.can_write and project.last_write_error is None
        project.close()
        with Project.open(path) as again:
            assert again.review_state(0) == ReviewState.APPROVED
            assert again.annotated_frames() == stored


def test_project_deleted_while_open_refuses_the_next_write_and_can_be_rescued(tmp_path):
    path = tmp_path / "p.medpose"
    project = new_project(path)
    project.put_instance(1, _person("before"))
    assert project.write_problem() is None
    os.unlink(path)
    problem = project.write_problem()
    assert problem is not None and "was deleted or moved while open" in problem
    with pytest.raises(ProjectWriteError, match="was deleted or moved while open"):
        project.put_instance(2, _person("after"))
    assert [i.uid for i in project.instances(1)] == ["before"]  # still readable
    rescued = project.save_as(tmp_path / "rescued.medpose")
    assert [i.uid for i in rescued.instances(1)] == ["before"]
    rescued.close()
    project.close()  # the file is gone: closing must not raise
    assert not path.exists()


def test_project_replaced_while_open_is_not_written_and_the_new_file_is_untouched(tmp_path):
    path, other = tmp_path / "p.medpose", tmp_path / "other.medpose"
    with new_project(other) as o:
        o.put_instance(5, _person("theirs"))
    project = new_project(path)
    project.put_instance(1, _person("ours"))
    os.replace(other, path)  # e.g. a backup restored over the open project
    content = path.read_bytes()
    with pytest.raises(ProjectWriteError, match="was replaced by another file while open"):
        project.put_instance(2, _person("lost"))
    project.close()
    assert path.read_bytes() == content
    with Project.open(path) as now:
        assert [i.uid for i in now.instances(5)] == ["theirs"] and now.instances(1) == []


def test_closing_with_the_whole_folder_gone_does_not_raise(tmp_path):
    folder = tmp_path / "gone"
    folder.mkdir()
    project = new_project(folder / "p.medpose")
    project.set_review_state(0, ReviewState.IN_PROGRESS)
    shutil.rmtree(folder)
    assert "deleted" in (project.write_problem() or "")
    project.close()
    project.close()


def test_a_write_error_stores_nothing_of_the_edit(tmp_path):
    path = tmp_path / "p.medpose"
    with new_project(path) as project:
        project.store_predictions({0: [predicted(1)]})
        os.unlink(path)
        with pytest.raises(ProjectWriteError):
            project.store_predictions({0: [predicted(2)], 1: [predicted(3)]})
        assert project.frame_summary().num_instances[:2].tolist() == [1, 0]
        np.testing.assert_array_equal(project.instances(0)[0].box, predicted(1).box)
        assert isinstance(project.last_write_error, ProjectError)


def test_project_moved_while_open_keeps_what_was_saved_under_its_new_name(tmp_path):
    path, moved = tmp_path / "p.medpose", tmp_path / "renamed.medpose"
    project = new_project(path)
    project.put_instance(1, _person("saved"))
    os.rename(path, moved)
    with pytest.raises(ProjectWriteError, match="deleted or moved"):
        project.put_instance(2, _person("lost"))
    project.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["renamed.medpose"]
    with Project.open(moved) as again:  # the journal went into the moved file at close
        assert [i.uid for i in again.instances(1)] == ["saved"]


def test_an_edit_of_many_persons_that_cannot_be_stored_leaves_none_of_them(tmp_path):
    from medpose_gui.core.edits import Edit, InstanceChange

    with mounted_tmpfs(tmp_path / "small", "512k") as disk:
        project = new_project(disk / "p.medpose", num_frames=10**5)
        frame = 0
        with pytest.raises(ProjectWriteError, match="the disk is full"):
            for frame in range(10**5):  # edits of 40 persons each until one does not fit
                people = [predicted(40 * frame + i) for i in range(40)]
                Edit(frame, "Paste", tuple(InstanceChange(None, p) for p in people),
                     ReviewState.UNREVIEWED, ReviewState.IN_PROGRESS).apply(project)
        assert frame > 0 and project.instances(frame) == []  # none of the failed edit
        assert project.review_state(frame) == ReviewState.UNREVIEWED
        assert len(project.instances(frame - 1)) == 40  # the edits before it: whole
        project.close()
