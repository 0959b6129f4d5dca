"""Which registered models a run uses (one answer for the window and the command line): the
real registry file under $MEDPOSE_DATA_DIR, fixture checkpoints checked by the real loaders."""

from __future__ import annotations

import json
import shutil

import pytest

from medpose_gui.model_registry import (
    DETECTOR_ROLE,
    POSE_ROLE,
    USER_POSE_ROLE,
    ModelRegistry,
    ModelRegistryError,
    add_for_role,
    choices,
    choose,
    default_model_files,
    files_for_run,
)
from tests.cli_runner import run_cli
from tests.fixture_paths import (
    CASUALTY_WEIGHTS,
    DETECTOR_CONFIG,
    DETECTOR_WEIGHTS,
    VITPOSE,
    need_full,
)

DETECTOR_FILE = DETECTOR_WEIGHTS
CASUALTY_FILE = CASUALTY_WEIGHTS
USER_FILE = VITPOSE / "vitpose_tiny_user_k6.pth"  # the full reference set only


def test_nothing_configured_gives_no_files(data_dir):
    files = default_model_files()
    assert (files.detector, files.pose, files.user_pose, files.names) == ("", "", "", {})
    assert "not configured" in files.describe()


def test_models_add_is_enough_for_runs(data_dir, capsys):
    for path in (DETECTOR_FILE, CASUALTY_FILE):
        code, out, _ = run_cli(["models", "add", str(path)], capsys)
        assert code == 0 and "runs use it as the" in out
    files = default_model_files()
    assert files.detector == str(DETECTOR_FILE.resolve())
    assert files.pose == str(CASUALTY_FILE.resolve())
    assert files.names == {DETECTOR_ROLE: "partial-body-detector", POSE_ROLE: "casualty-pose"}
    code, out, _ = run_cli(["models"], capsys)
    used = out.split("used by the window and 'medpose-gui infer'")[1]
    assert f"partial-body-detector  {DETECTOR_FILE.resolve()}" in used
    assert f"casualty-pose          {CASUALTY_FILE.resolve()}" in used
    assert "pose model (users)     not configured" in used


def test_a_second_detector_is_added_beside_the_first_and_chosen(data_dir, tmp_path):
    registry = ModelRegistry()
    add_for_role(registry, DETECTOR_FILE, DETECTOR_ROLE)
    finetuned = tmp_path / "finetuned_detector.pth"
    shutil.copyfile(DETECTOR_FILE, finetuned)
    model = add_for_role(registry, finetuned, DETECTOR_ROLE)
    assert model.name == "finetuned_detector"
    assert registry.get("partial-body-detector").path == str(DETECTOR_FILE.resolve())
    assert default_model_files(registry).detector == str(finetuned.resolve())
    assert [name for name, _ in choices(registry, DETECTOR_ROLE)] == [
        "partial-body-detector", "finetuned_detector"]
    # Back to the catalogue model; then the chosen file disappears: the catalogue model again.
    choose(registry, DETECTOR_ROLE, "finetuned_detector")
    finetuned.unlink()
    assert default_model_files(registry).detector == str(DETECTOR_FILE.resolve())


def test_a_file_of_the_wrong_role_is_refused_saying_what_it_is(data_dir):
    need_full()  # the 6-point user model
    registry = ModelRegistry()
    with pytest.raises(ModelRegistryError, match="pose model .21 keypoints.*not a detector"):
        add_for_role(registry, CASUALTY_FILE, DETECTOR_ROLE)
    with pytest.raises(ModelRegistryError, match="6 keypoints.*not a pose model .patients"):
        add_for_role(registry, USER_FILE, POSE_ROLE)
    assert registry.models() == []
    add_for_role(registry, USER_FILE, USER_POSE_ROLE)
    assert [n for n, _ in choices(registry, POSE_ROLE)] == []  # a user model never serves patients
    with pytest.raises(ModelRegistryError, match="cannot be the pose model .patients"):
        choose(registry, POSE_ROLE, "user-pose")


def test_removing_a_chosen_model_forgets_the_choice(data_dir, capsys):
    registry = ModelRegistry()
    registry.add(CASUALTY_FILE, "casualty-finetune")
    assert run_cli(["models", "use", "casualty-finetune"], capsys)[0] == 0
    assert registry.chosen() == {POSE_ROLE: "casualty-finetune"}
    assert default_model_files(registry).pose == str(CASUALTY_FILE.resolve())
    assert run_cli(["models", "remove", "casualty-finetune"], capsys)[0] == 0
    assert registry.chosen() == {}
    assert default_model_files(registry).pose == ""


def test_choices_survive_in_the_file_beside_the_models(data_dir, capsys):
    ModelRegistry().add(DETECTOR_FILE)
    code, out, _ = run_cli(["models", "use", "--detector-config", str(DETECTOR_CONFIG)], capsys)
    assert code == 0
    doc = json.loads((data_dir / "models" / "registry.json").read_text())
    assert doc["chosen"] == {"detector_config": str(DETECTOR_CONFIG.resolve())}
    assert [m["name"] for m in doc["models"]] == ["partial-body-detector"]
    assert default_model_files().detector_config == str(DETECTOR_CONFIG.resolve())


def test_the_command_line_wins_and_left_out_models_come_from_the_registry(data_dir):
    with pytest.raises(ModelRegistryError, match="no detector: give --detector W.*models add"):
        files_for_run()
    registry = ModelRegistry()
    registry.add(DETECTOR_FILE)
    registry.add(CASUALTY_FILE)
    registry.set_chosen({"detector_config": str(DETECTOR_CONFIG)})
    files, said = files_for_run()
    assert (files.detector, files.pose) == (str(DETECTOR_FILE.resolve()),
                                            str(CASUALTY_FILE.resolve()))
    assert files.detector_config == str(DETECTOR_CONFIG)
    assert "partial-body-detector" in said and "casualty-pose" in said
    # A detector named on the command line takes no config from the registry.
    files, said = files_for_run(detector=str(DETECTOR_FILE))
    assert files.detector_config == "" and "detector" not in said.split()[0:1]
    assert said.startswith("pose model (patients)")
    # Registry names work on the command line too.
    files, said = files_for_run(detector="partial-body-detector", pose="casualty-pose")
    assert said == "" and files.pose == str(CASUALTY_FILE.resolve())
