"""Opening projects and media (medpose_gui.session, no Qt) with real videos: media identity
is checked on every open. A different file at the recorded path is never opened silently:
the window's two questions (confirm, ask_relink) lead to a relink, or the project opens
without frames with ``media_problem`` saying why; headless callers get MediaChangedError."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from medpose_gui.core.project import Project
from medpose_gui.media import fingerprint
from medpose_gui.session import (
    MediaChangedError,
    MediaState,
    media_state,
    open_or_create_project,
    open_path,
)
from tests.media.video_factory import make_indexed_video, read_index


class Asked:
    """The window's questions, answered by the test and recorded."""

    def __init__(self, confirm: bool = False, relink_to: Path | None = None) -> None:
        self.answer, self.relink_to = confirm, relink_to
        self.questions: list[str] = []
        self.relinks = 0

    def confirm(self, text: str) -> bool:
        self.questions.append(text)
        return self.answer

    def ask_relink(self, project: Project) -> str | None:
        self.relinks += 1
        return None if self.relink_to is None else str(self.relink_to)


@pytest.fixture
def swapped(tmp_path):
    """clip.medpose made from clip.mp4; then clip.mp4 replaced by a re-cut (3 frames more);
    the original kept as original.mp4."""
    video = make_indexed_video(tmp_path / "clip.mp4", 5, size=(64, 48))
    session = open_path(video, Asked().ask_relink, Asked().confirm)
    session.close()
    shutil.copy(video, tmp_path / "original.mp4")
    make_indexed_video(tmp_path / "recut.mp4", 8, size=(64, 48))
    os.replace(tmp_path / "recut.mp4", video)
    return tmp_path / "clip.medpose", video, tmp_path / "original.mp4"


def test_opening_the_project_of_a_swapped_video_asks_and_opens_without_frames(swapped):
    project_path, video, _ = swapped
    asked = Asked(confirm=False)
    session = open_path(project_path, asked.ask_relink, asked.confirm)
    try:
        assert session.source is None and asked.relinks == 0
        assert str(video) in session.media_problem and str(project_path) in session.media_problem
        assert len(asked.questions) == 1 and "has changed since" in asked.questions[0]
        assert session.project.media.num_frames == 5  # the project is as it was
        assert media_state(session.project) == MediaState.CHANGED
    finally:
        session.close()


def test_relinking_to_the_right_video_opens_its_frames(swapped):
    project_path, video, original = swapped
    asked = Asked(confirm=True, relink_to=original)
    session = open_path(project_path, asked.ask_relink, asked.confirm)
    try:
        assert session.media_problem is None and asked.relinks == 1
        assert Path(session.project.media.path) == original
        assert read_index(session.source[4]) == 4 and len(session.source) == 5
    finally:
        session.close()


def test_declining_to_choose_a_file_opens_without_frames(swapped):
    project_path, _, _ = swapped
    asked = Asked(confirm=True, relink_to=None)
    session = open_path(project_path, asked.ask_relink, asked.confirm)
    try:
        assert session.source is None and "has changed" in session.media_problem
    finally:
        session.close()


def test_opening_the_changed_video_itself_needs_a_confirmation(swapped):
    project_path, video, _ = swapped
    with pytest.raises(MediaChangedError) as err:
        open_path(video, Asked().ask_relink, Asked(confirm=False).confirm)
    assert err.value.media_path == str(video) and err.value.project_path == project_path
    with Project.open(project_path) as project:  # declined: the project is unchanged
        assert project.media.fingerprint == err.value.expected != err.value.actual

    asked = Asked(confirm=True)
    session = open_path(video, asked.ask_relink, asked.confirm)
    try:
        assert len(session.source) == 8 and "Annotations may not match" in asked.questions[0]
        assert session.project.media.fingerprint == fingerprint(video)
    finally:
        session.close()


def test_headless_open_of_a_project_with_a_changed_video_is_refused(swapped):
    project_path, video, _ = swapped
    from medpose_gui.media import open_media

    with open_media(video) as source, pytest.raises(MediaChangedError, match="has changed"):
        open_or_create_project(project_path, video, source)


def test_fingerprint_reads_the_ends_only_so_every_open_can_afford_it(tmp_path):
    big = tmp_path / "big.mp4"
    with open(big, "wb") as f:  # 8 GiB, sparse: reading all of it would take minutes
        f.truncate(8 << 30)
    start = time.perf_counter()
    first = fingerprint(big)
    assert time.perf_counter() - start < 2.0
    with open(big, "r+b") as f:
        f.seek((8 << 30) - 10)
        f.write(b"changed")
    assert fingerprint(big) != first
