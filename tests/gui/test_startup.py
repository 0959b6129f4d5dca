"""Start-up: the window and the first frame come before torch and the models (issue 14:
window within 2 s, first frame within 3 s; bench/bench_startup.py measures it). The
import checks run in a fresh interpreter: this test process has torch loaded already."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.media.video_factory import make_indexed_video

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "torchvision", "timm", "scipy.optimize")

_SHOW_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from medpose_gui.app import MainWindow
from medpose_gui.widgets.window.startup import prepare_app
prepare_app(app)
window = MainWindow(show_first_run=False)
painted = []
from PySide6.QtCore import QEvent, QObject
class Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not painted:
            painted.append([m for m in HEAVY if m in sys.modules])
        return False
watch = Watch()
window.frame_view.viewport().installEventFilter(watch)
window.show()
while not painted:
    app.processEvents()
print("FIRST_PAINT:" + (",".join(painted[0]) or "-"))
worker = window.inference.run_runner.worker
while not worker.warmed.is_set():
    app.processEvents()
print("WARMED_UP:" + (",".join(m for m in HEAVY[:3] if m in sys.modules) or "-"))
window.close()
"""


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO),
                MEDPOSE_SETTINGS=str(tmp_path / "settings.ini"),
                MEDPOSE_DATA_DIR=str(tmp_path / "data"))


def test_nothing_heavy_is_imported_before_the_window_is_painted(tmp_path):
    script = f"HEAVY = {HEAVY!r}\n{_SHOW_WINDOW}"
    result = subprocess.run([sys.executable, "-c", script], env=_env(tmp_path), cwd=REPO,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = dict(line.split(":", 1) for line in result.stdout.splitlines() if ":" in line)
    assert lines["FIRST_PAINT"] == "-"  # no torch, torchvision, timm or scipy.optimize yet
    assert lines["WARMED_UP"] == "torch,torchvision,timm"  # the worker imported them


def test_the_command_opens_its_clip_and_loads_the_models_after_the_first_frame(tmp_path):
    clip = make_indexed_video(tmp_path / "clip.mp4", 5, size=(320, 240))
    env = _env(tmp_path) | {"MEDPOSE_STARTUP_TRACE": "1"}
    (tmp_path / "settings.ini").write_text("[General]\nfirst_run_done=true\n")
    child = subprocess.Popen([sys.executable, "-m", "medpose_gui", str(clip)], env=env,
                             cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
    seen: dict[str, float] = {}
    deadline = time.monotonic() + 240
    try:
        for line in child.stderr:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "medpose-startup":
                seen[parts[1]] = float(parts[2])
            if "warm-up-done" in seen or time.monotonic() > deadline:
                break
    finally:
        child.kill()
        child.wait()
    if "warm-up-done" not in seen:
        pytest.fail(f"milestones seen: {seen}")
    assert seen["window-painted"] <= seen["frame-painted"] <= seen["warm-up-started"] \
        <= seen["warm-up-done"]
    assert (tmp_path / "clip.medpose").exists()  # the clip was opened as a project
