"""The one model setup (Inference › Models…, and the first run): real fixture checkpoints
checked by the real loaders, a real registry under $MEDPOSE_DATA_DIR (tmp_path), downloads
from a real HTTP server on loopback, isolated QSettings. What the dialog sets up is what
``medpose-gui models`` and ``infer`` use."""

from __future__ import annotations

import os
import shutil
import socket

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402

from medpose_gui.app import MainWindow  # noqa: E402
from medpose_gui.model_registry import ModelRegistry, default_model_files  # noqa: E402
from medpose_gui.widgets.dialogs.model_files import NOT_CONFIGURED  # noqa: E402
from medpose_gui.widgets.dialogs.models_dialog import ModelsDialog  # noqa: E402
from medpose_gui.widgets.settings import AppSettings, ModelSettings  # noqa: E402
from tests.cli_runner import run_cli  # noqa: E402
from tests.fixture_paths import CASUALTY_WEIGHTS, DETECTOR_CONFIG, DETECTOR_WEIGHTS  # noqa: E402
from tests.gui.window_support import make_settings  # noqa: E402
from tests.loopback_http import Route  # noqa: E402

DETECTOR_FILE = DETECTOR_WEIGHTS
CASUALTY_FILE = CASUALTY_WEIGHTS
TIMEOUT_MS = 60000  # loading checks import torch; the CI machine is small


def _dialog(qtbot, base: ModelSettings | None = None, **kwargs) -> tuple[ModelsDialog, list]:
    dialog = ModelsDialog(base or ModelSettings(), **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    outcomes: list[tuple[str, str, str]] = []
    dialog.finishedWork.connect(lambda *args: outcomes.append(args))
    return dialog, outcomes


def _wait(qtbot, dialog: ModelsDialog, outcomes: list, n: int = 1) -> tuple[str, str, str]:
    qtbot.waitUntil(lambda: len(outcomes) >= n and not dialog.busy, timeout=TIMEOUT_MS)
    return outcomes[n - 1]


def test_adding_fixture_checkpoints_records_them_and_fills_the_model_settings(qtbot, data_dir):
    dialog, outcomes = _dialog(qtbot, ModelSettings(detection_threshold=0.6, device="cpu"))
    combo = dialog.files.combos["detector"]
    assert combo.currentText() == NOT_CONFIGURED and not combo.isEnabled()
    assert dialog.models().detector_weights == ""

    dialog.add_file("detector", str(DETECTOR_FILE))
    assert dialog.busy  # checked in the background
    assert _wait(qtbot, dialog, outcomes) == ("detector", "ok", "")
    dialog.add_file("pose", str(CASUALTY_FILE))
    assert _wait(qtbot, dialog, outcomes, 2) == ("pose", "ok", "")

    registry = ModelRegistry()  # the $MEDPOSE_DATA_DIR one
    assert registry.directory == data_dir / "models"
    assert registry.get("partial-body-detector").path == str(DETECTOR_FILE.resolve())
    assert registry.get("casualty-pose").num_keypoints == 21
    assert dialog.files.paths["pose"].text() == str(CASUALTY_FILE.resolve())
    assert dialog.files.combos["user_pose"].currentText() == NOT_CONFIGURED
    models = dialog.models()
    assert (models.detector_model, models.pose_model) == ("partial-body-detector",
                                                          "casualty-pose")
    assert models.detector_weights == str(DETECTOR_FILE.resolve())
    assert models.pose_weights == str(CASUALTY_FILE.resolve())
    assert models.user_pose_weights == ""
    assert (models.detection_threshold, models.device) == (0.6, "cpu")  # the rest is kept
    assert models.problems() == []


def test_a_file_that_is_not_a_checkpoint_is_refused_with_a_message(qtbot, data_dir, tmp_path):
    text = tmp_path / "notes.pth"
    text.write_text("these are not weights\n")
    dialog, outcomes = _dialog(qtbot)
    dialog.add_file("pose", str(text))
    role, outcome, message = _wait(qtbot, dialog, outcomes)
    assert (role, outcome) == ("pose", "failed")
    assert "notes.pth" in message
    assert "notes.pth" in dialog.status.text() and "c03030" in dialog.status.styleSheet()
    assert ModelRegistry().models() == []
    # A pose model offered as the detector is refused too, naming what it is.
    dialog.add_file("detector", str(CASUALTY_FILE))
    _role, outcome, message = _wait(qtbot, dialog, outcomes, 2)
    assert outcome == "failed" and "pose model (21 keypoints" in message
    assert "not a detector" in message
    assert ModelRegistry().models() == []


def test_download_from_a_loopback_server_registers_and_selects_the_model(qtbot, data_dir,
                                                                          server):
    server.routes["/casualty.pth"] = Route(CASUALTY_FILE.read_bytes())
    dialog, outcomes = _dialog(qtbot)
    assert dialog.start_download("pose", url=f"{server.base}/casualty.pth")
    assert dialog.progress.isVisible() and dialog.cancel_button.isVisible()
    role, outcome, path = _wait(qtbot, dialog, outcomes)
    assert (role, outcome) == ("pose", "ok")
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
    dialog.start_download("pose", url=f"http://127.0.0.1:{port}/casualty.pth")
    _role, outcome, message = _wait(qtbot, dialog, outcomes)
    assert outcome == "failed" and "offline" in message
    assert "offline" in dialog.status.text()
    assert ModelRegistry().models() == []


def test_cancel_stops_a_download_that_hangs(qtbot, data_dir):
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        dialog, outcomes = _dialog(qtbot)
        dialog.start_download("pose", url=f"http://127.0.0.1:{silent.getsockname()[1]}/slow.pth")
        download = dialog.files.download
        qtbot.wait(300)
        assert dialog.busy
        dialog.cancel_button.click()
        assert _wait(qtbot, dialog, outcomes) == ("pose", "cancelled", "")
    assert download.exitcode is not None and download.exitcode != 0  # ended by Cancel
    assert "cancelled" in dialog.status.text()
    assert ModelRegistry().models() == []


def test_first_run_guides_through_the_one_dialog_and_the_command_line_agrees(
        qtbot, tmp_path, data_dir, capsys):
    settings = QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, preload_models=False)  # a fresh user: nothing set
    qtbot.addWidget(window)
    dialog = window.findChild(ModelsDialog, "modelsDialog")
    assert dialog is not None and dialog.isVisible() and dialog.intro.isVisible()
    outcomes: list = []
    dialog.finishedWork.connect(lambda *args: outcomes.append(args))
    dialog.add_file("detector", str(DETECTOR_FILE))
    _wait(qtbot, dialog, outcomes)
    dialog.add_file("pose", str(CASUALTY_FILE))
    _wait(qtbot, dialog, outcomes, 2)
    dialog.device.setCurrentText("cpu")
    with qtbot.waitSignal(window.model_setup.modelsChosen):
        dialog.accept()
    models = window.settings.models()  # what inference will use
    run = models.run_settings()
    assert run.detector == str(DETECTOR_FILE.resolve())
    assert run.pose == {"patient": str(CASUALTY_FILE.resolve())}
    assert run.device == "cpu"
    # The command line sees the same models: listed as used, and infer's defaults.
    code, out, _ = run_cli(["models"], capsys)
    assert code == 0
    used = out.split("used by the window")[1]
    assert str(DETECTOR_FILE.resolve()) in used and str(CASUALTY_FILE.resolve()) in used
    files = default_model_files()
    assert (files.detector, files.pose) == (run.detector, run.pose["patient"])
    window.close()


def test_models_added_on_the_command_line_are_chosen_in_the_window(qtbot, tmp_path, data_dir,
                                                                  capsys):
    assert run_cli(["models", "add", str(CASUALTY_FILE)], capsys)[0] == 0
    finetune = tmp_path / "casualty_finetune.pth"
    shutil.copyfile(CASUALTY_FILE, finetune)
    assert run_cli(["models", "add", str(finetune), "--name", "finetune"], capsys)[0] == 0
    window = MainWindow(settings=make_settings(tmp_path, pose_weights="", first_run_done=True),
                        show_first_run=False, preload_models=False)
    qtbot.addWidget(window)
    assert window.settings.models().pose_weights == str(CASUALTY_FILE.resolve())
    dialog = window.model_setup.open_models()
    combo = dialog.files.combos["pose"]
    assert [combo.itemData(i) for i in range(combo.count())] == ["casualty-pose", "finetune"]
    assert combo.currentData() == "casualty-pose"
    dialog.files.select("pose", "finetune")
    dialog.accept()
    assert window.settings.models().pose_weights == str(finetune.resolve())
    assert ModelRegistry().chosen()["pose"] == "finetune"
    code, out, _ = run_cli(["models"], capsys)
    used = {line.split("  ")[1]: line.split()[-1] for line in
            out.split("used by the window")[1].splitlines()[1:4]}
    assert used["pose model (patients)"] == str(finetune.resolve())
    window.close()


def test_model_files_of_an_older_version_are_offered_to_the_registry(qtbot, tmp_path, data_dir):
    ini = tmp_path / "old.ini"
    old = QSettings(str(ini), QSettings.Format.IniFormat)  # as versions before the registry
    old.setValue("models/detector_weights", str(DETECTOR_FILE))
    old.setValue("models/detector_config", str(DETECTOR_CONFIG))
    old.setValue("models/pose_weights", str(CASUALTY_FILE))
    old.sync()
    settings = AppSettings(QSettings(str(ini), QSettings.Format.IniFormat))
    assert settings.models().problems()  # the registry knows nothing yet
    dialog, outcomes = _dialog(qtbot, settings.models(), legacy=settings.legacy_model_files())
    _wait(qtbot, dialog, outcomes, 2)
    assert [o[:2] for o in outcomes] == [("detector", "ok"), ("pose", "ok")]
    chosen = dialog.models()
    assert chosen.detector_config.endswith("medic_pose_slim.yaml")
    settings.set_models(chosen)
    settings.forget_legacy_model_files()
    assert settings.models().problems() == []
    assert settings.legacy_model_files() == {}
