"""``medpose-gui infer`` without --detector/--pose: the models configured in the registry
(``models add``, or the window's Models dialog) are used and named on stdout."""

from __future__ import annotations

from medpose_gui.core.project import Project
from medpose_gui.model_registry import ModelRegistry
from tests.cli_runner import run_cli
from tests.fixture_paths import CASUALTY_WEIGHTS, DETECTOR_WEIGHTS
from tests.media.video_factory import make_indexed_video
from tests.small_models import write_min120_config

DET_WEIGHTS = DETECTOR_WEIGHTS
POSE_WEIGHTS = CASUALTY_WEIGHTS


def test_infer_after_models_add_needs_no_model_options_and_says_which_files(
        data_dir, tmp_path, capsys):
    config = write_min120_config(tmp_path)
    video = make_indexed_video(tmp_path / "clip.mp4", 2, size=(160, 120), textured=True)
    for args in (["models", "add", str(DET_WEIGHTS)], ["models", "add", str(POSE_WEIGHTS)],
                 ["models", "use", "--detector-config", str(config)]):
        assert run_cli(args, capsys)[0] == 0
    code, out, err = run_cli(["infer", str(video), "--device", "cpu", "--quiet",
                              "--out", str(tmp_path / "run.medpose")], capsys)
    assert code == 0, err
    said = out.split("models from the registry")[1]
    for path in (DET_WEIGHTS.resolve(), POSE_WEIGHTS.resolve(), config.resolve()):
        assert str(path) in said
    with Project.open(tmp_path / "run.medpose") as project:
        used = {m["role"]: m for m in project.models()}
    assert set(used) >= {"detector", "detector_config", "pose_patient"}
    assert ModelRegistry().get("casualty-pose").path == str(POSE_WEIGHTS.resolve())


def test_infer_without_models_anywhere_says_how_to_configure_them(data_dir, tmp_path, capsys):
    video = make_indexed_video(tmp_path / "clip.mp4", 1, size=(160, 120), textured=True)
    code, _out, err = run_cli(["infer", str(video), "--quiet",
                               "--out", str(tmp_path / "never.medpose")], capsys)
    assert code == 2
    assert err.startswith("error: no detector: give --detector W")
    assert "medpose-gui models add FILE" in err
    assert not (tmp_path / "never.medpose").exists()
