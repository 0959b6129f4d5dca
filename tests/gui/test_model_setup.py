"""Model setup dialog (first run, Inference > Set up models...): real fixture checkpoints
checked by the real loaders, a real registry under $MEDPOSE_DATA_DIR (tmp_path), downloads
from a real HTTP server on loopback, isolated QSettings."""

from __future__ import annotations

import os
import socket

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QMessageBox  # noqa: E402

from medpose_gui.app import MainWindow  # noqa: E402
from medpose_gui.model_registry import ModelRegistry  # noqa: E402
from medpose_gui.widgets.dialogs.model_setup_dialog import NOT_CONFIGURED, ModelSetupDialog  # noqa: E402
from medpose_gui.widgets.dialogs.models_dialog import ModelsDialog  # noqa: E402
from medpose_gui.widgets.settings import ModelSettings  # noqa: E402
from tests.fixture_paths import CASUALTY_WEIGHTS, DETECTOR_WEIGHTS  # noqa: E402
from tests.gui.window_support import make_settings  # noqa: E402
from tests.loopback_http import Route  # noqa: E402

DETECTOR_FILE = DETECTOR_WEIGHTS
CASUALTY_FILE = CASUALTY_WEIGHTS
TIMEOUT_MS = 60000  # loading checks import torch; the CI machine is small


def _dialog(qtbot, base: ModelSettings | None = None) -> tuple[ModelSetupDialog, list]:
    dialog = ModelSetupDialog(base or ModelSettings())
    qtbot.addWidget(dialog)
    dialog.show()
    outcomes: list[tuple[str, str, str]] = []
    dialog.finishedWork.connect(lambda *args: outcomes.append(args))
    return dialog, outcomes


def _wait(qtbot, dialog: ModelSetupDialog, outcomes: list, n: int = 1) -> tuple[str, str, str]:
    qtbot.waitUntil(lambda: len(outcomes) >= n and not dialog.busy, timeout=TIMEOUT_MS)
    return outcomes[n - 1]


def _wait_configured(qtbot, dialog: ModelSetupDialog, name: str) -> None:
    qtbot.waitUntil(lambda: not dialog.busy and dialog.location(name) is not None,
                    timeout=TIMEOUT_MS)


def test_adding_fixture_checkpoints_records_them_and_fills_the_model_settings(qtbot, data_dir):
    dialog, outcomes = _dialog(qtbot, ModelSettings(detection_threshold=0.6, device="cpu"))
    assert dialog.locations["partial-body-detector"].text() == NOT_CONFIGURED
    assert dialog.models().detector_weights == ""

    dialog.add_file("partial-body-detector", str(DETECTOR_FILE))
    assert dialog.busy  # checked in the background
    assert _wait(qtbot, dialog, outcomes) == ("partial-body-detector", "ok", "")
    dialog.add_file("casualty-pose", str(CASUALTY_FILE))
    assert _wait(qtbot, dialog, outcomes, 2) == ("casualty-pose", "ok", "")

    registry = ModelRegistry()  # the $MEDPOSE_DATA_DIR one
    assert registry.directory == data_dir / "models"
    assert registry.get("partial-body-detector").path == str(DETECTOR_FILE.resolve())
    assert registry.get("casualty-pose").num_keypoints == 21
    assert dialog.locations["casualty-pose"].text() == str(CASUALTY_FILE.resolve())
    assert dialog.locations["user-pose"].text() == NOT_CONFIGURED
    models = dialog.models()
    assert models.detector_weights == str(DETECTOR_FILE.resolve())
    assert models.pose_weights == str(CASUALTY_FILE.resolve())
    assert models.user_pose_weights == ""
    assert (models.detection_threshold, models.device) == (0.6, "cpu")  # the rest is kept
    assert models.problems() == []


def test_a_file_that_is_not_a_checkpoint_is_refused_with_a_message(qtbot, data_dir, tmp_path):
    text = tmp_path / "notes.pth"
    text.write_text("these are not weights\n")
    dialog, outcomes = _dialog(qtbot)
    dialog.add_file("casualty-pose", str(text))
    name, outcome, message = _wait(qtbot, dialog, outcomes)
    assert (name, outcome) == ("casualty-pose", "failed")
    assert "notes.pth" in message
    assert "notes.pth" in dialog.status.text() and "c03030" in dialog.status.styleSheet()
    assert ModelRegistry().models() == []
    assert dialog.locations["casualty-pose"].text() == NOT_CONFIGURED
    # A pose model offered as the detector is refused too, naming what it is.
    dialog.add_file("partial-body-detector", str(CASUALTY_FILE))
    _name, outcome, message = _wait(qtbot, dialog, outcomes, 2)
    assert outcome == "failed" and "Partial body detector" in message
    assert ModelRegistry().models() == []


def test_download_from_a_loopback_server_registers_the_model(qtbot, data_dir, server):
    server.routes["/casualty.pth"] = Route(CASUALTY_FILE.read_bytes())
    dialog, outcomes = _dialog(qtbot)
    assert dialog.start_download("casualty-pose", url=f"{server.base}/casualty.pth")
    assert dialog.progress.isVisible() and dialog.cancel_button.isVisible()
    name, outcome, path = _wait(qtbot, dialog, outcomes)
    assert (name, outcome) == ("casualty-pose", "ok")
    downloaded = data_dir / "models" / "vitpose_b_casualty_k21.pth"
    assert path == str(downloaded.resolve())
    assert downloaded.read_bytes() == CASUALTY_FILE.read_bytes()
    assert ModelRegistry().get("casualty-pose").source == "downloaded"
    assert dialog.models().pose_weights == path
    assert not dialog.progress.isVisible()


def test_download_while_offline_says_so(qtbot, data_dir):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    dialog, outcomes = _dialog(qtbot)
    dialog.start_download("casualty-pose", url=f"http://127.0.0.1:{port}/casualty.pth")
    _name, outcome, message = _wait(qtbot, dialog, outcomes)
    assert outcome == "failed" and "offline" in message
    assert "offline" in dialog.status.text()
    assert ModelRegistry().models() == []


def test_cancel_stops_a_download_that_hangs(qtbot, data_dir):
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        dialog, outcomes = _dialog(qtbot)
        dialog.start_download("casualty-pose",
                              url=f"http://127.0.0.1:{silent.getsockname()[1]}/slow.pth")
        download = dialog.download
        qtbot.wait(300)
        assert dialog.busy
        dialog.cancel_button.click()
        assert _wait(qtbot, dialog, outcomes) == ("casualty-pose", "cancelled", "")
    assert download.exitcode is not None and download.exitcode != 0  # ended by Cancel
    assert "cancelled" in dialog.status.text()
    assert ModelRegistry().models() == []


def test_first_run_without_models_opens_the_setup_dialog_after_the_welcome(
        qtbot, tmp_path, data_dir):
    settings = make_settings(tmp_path, first_run_done=False, detector_weights="",
                             pose_weights="", detector_config="")
    window = MainWindow(settings=settings, preload_models=False)
    qtbot.addWidget(window)
    box = window.findChild(QMessageBox, "firstRunMessage")
    assert box is not None and window.findChild(ModelSetupDialog) is None
    box.accept()
    dialog = window.findChild(ModelSetupDialog, "modelSetupDialog")
    assert dialog is not None and dialog.isVisible()
    dialog.add_file("partial-body-detector", str(DETECTOR_FILE))
    _wait_configured(qtbot, dialog, "partial-body-detector")
    dialog.add_file("casualty-pose", str(CASUALTY_FILE))
    _wait_configured(qtbot, dialog, "casualty-pose")
    dialog.accept()
    models = window.settings.models()  # what inference will use
    assert models.detector_weights == str(DETECTOR_FILE.resolve())
    assert models.pose_weights == str(CASUALTY_FILE.resolve())
    assert models.device == "cpu"
    window.close()


def test_menu_and_models_dialog_reach_the_setup(qtbot, tmp_path, data_dir):
    ModelRegistry().add(CASUALTY_FILE)  # configured earlier (e.g. on the command line)
    window = MainWindow(settings=make_settings(tmp_path, pose_weights=""), show_first_run=False,
                        preload_models=False)
    qtbot.addWidget(window)
    action = window.actions["actionModelSetup"]
    assert action.toolTip() and action.isEnabled()
    action.trigger()
    dialog = window.findChild(ModelSetupDialog, "modelSetupDialog")
    assert dialog.locations["casualty-pose"].text() == str(CASUALTY_FILE.resolve())
    dialog.accept()
    assert window.settings.models().pose_weights == str(CASUALTY_FILE.resolve())

    models_dialog = ModelsDialog(ModelSettings(device="cpu"))
    qtbot.addWidget(models_dialog)
    setup = models_dialog.open_setup()
    setup.accept()
    assert models_dialog.pose_weights.text() == str(CASUALTY_FILE.resolve())
    assert models_dialog.device.currentText() == "cpu"
    window.close()
