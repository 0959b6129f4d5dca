"""Fixtures shared by the tests that drive the real main window."""

from __future__ import annotations

import pytest

from medpose_gui.app import MainWindow
from tests.gui.window_support import make_settings


@pytest.fixture
def window(qtbot, tmp_path):
    """A shown main window, 1200x800, no first-run dialog, models not preloaded; a module
    that needs another start (a project already open, another size) defines its own."""
    w = MainWindow(settings=make_settings(tmp_path), show_first_run=False, preload_models=False)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    yield w
    w.close()
