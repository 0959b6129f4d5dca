"""A panning video run through the fixture models once per test session (it takes seconds)."""

from __future__ import annotations

import shutil

import pytest

from medpose_gui.core.project import Project
from medpose_gui.media import open_media
from medpose_gui.runs import InferenceService
from medpose_gui.session import media_info
from tests.runs.known_motion import fixture_run_settings, make_panning_video

PAN_FRAMES = 6


@pytest.fixture(scope="session")
def panned_run(tmp_path_factory):
    """(video path, project path) after a run of the fixture models over the panning video;
    tests copy the project (:func:`panned_project`) before changing it."""
    folder = tmp_path_factory.mktemp("pan")
    video = make_panning_video(folder / "pan.mp4", PAN_FRAMES)
    source = open_media(video)
    with Project.create(folder / "pan.medpose", media_info(video, source)) as project:
        InferenceService().run(project, source, range(PAN_FRAMES), fixture_run_settings())
    source.close()
    return video, folder / "pan.medpose"


@pytest.fixture
def panned_project(panned_run, tmp_path):
    """A writable copy of the panned run's project (and its media source)."""
    video, path = panned_run
    copy = tmp_path / "pan.medpose"
    shutil.copy(path, copy)
    project = Project.open(copy)
    source = open_media(video)
    yield project, source
    source.close()
    project.close()
