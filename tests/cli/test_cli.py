"""The ``medpose-gui`` command line on real media, real checkpoints and real project files.

``infer`` runs in-process (``main([...])``) so torch is imported once for the file; the tests
that prove what a user sees in a shell (help, an error instead of a traceback) run
``python -m medpose_gui`` in a subprocess. The detector runs at MIN_SIZE_TEST 120 on 160x120
frames (a YAML config whose ``_BASE_`` is the fixture config) to keep the file fast.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import torch

from medpose_gui.cli import main
from medpose_gui.core.annotations import ReviewState
from medpose_gui.core.project import Project
from medpose_gui.formats import read_bbox_detections
from medpose_gui.inference import load_detector, load_pose_estimator, run_pipeline
from medpose_gui.inference.pipeline import estimate_poses, select_detections
from medpose_gui.media import open_media
from medpose_gui.media.render import draw_annotations
from tests.fixture_paths import (
    CASUALTY_WEIGHTS,
    DETECTOR_CONFIG,
    DETECTOR_WEIGHTS,
    DETECTRON2,
    need_full,
)
from tests.media.video_factory import make_indexed_video, read_index
from tests.small_models import write_min120_config

REPO = Path(__file__).resolve().parents[2]
N_FRAMES = 5
DET_WEIGHTS = DETECTOR_WEIGHTS
POSE_WEIGHTS = CASUALTY_WEIGHTS


def _run_module(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "medpose_gui", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO),
                               "OMP_NUM_THREADS": "1"})


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    work = tmp_path_factory.mktemp("cli")
    config = write_min120_config(work)
    video = make_indexed_video(work / "clip.mp4", N_FRAMES, size=(160, 120), textured=True)
    return work, config, video


@pytest.fixture(scope="module")
def models(workdir):
    _, config, _ = workdir
    return load_detector(DET_WEIGHTS, config), load_pose_estimator(POSE_WEIGHTS)


@pytest.fixture(scope="module")
def threshold(models, workdir):
    """A box threshold keeping about two patient boxes per frame (the weights are random)."""
    det, _ = models
    with open_media(workdir[2]) as src:
        dets = det.detect([src[i] for i in range(len(src))])
    scores = np.sort(np.concatenate([d.scores[d.labels == 0] for d in dets]))[::-1]
    k = 2 * N_FRAMES
    return float((scores[k - 1] + scores[k]) / 2)  # midway: float noise cannot flip a box


@pytest.fixture(scope="module")
def inferred(workdir, threshold):
    """One ``infer`` run writing every optional output."""
    work, config, video = workdir
    out = work / "run"
    rc = main(["infer", str(video), "--detector", str(DET_WEIGHTS), "--detector-config",
               str(config), "--pose", str(POSE_WEIGHTS), "--device", "cpu",
               "--score-threshold", repr(threshold), "--batch-size", "2", "--quiet",
               "--coco-predictions", str(out / "predictions.json"),
               "--bbox-json", str(out / "bbox_detections.json"), "--vis-dir", str(out / "vis")])
    assert rc == 0
    return out, video.with_suffix(".medpose")


def test_help_lists_every_command_without_importing_torch_qt_or_ray():
    result = _run_module("--help")
    assert result.returncode == 0, result.stderr
    for command in ("infer", "export", "extract-frames", "render", "import-coco", "import-bbox"):
        assert command in result.stdout
    probe = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom medpose_gui import cli\n"
         "try:\n    cli.main(['infer', '--help'])\nexcept SystemExit as e:\n    code = e.code\n"
         "print(code, 'torch' in sys.modules, 'PySide6' in sys.modules, 'ray' in sys.modules)"],
        cwd=REPO, capture_output=True, text=True, timeout=60, env={"PYTHONPATH": str(REPO)})
    assert probe.stdout.strip().splitlines()[-1] == "0 False False False"


def test_missing_video_is_reported_as_error_with_exit_2_not_a_traceback(tmp_path):
    result = _run_module("infer", str(tmp_path / "missing.mp4"), "--detector", str(DET_WEIGHTS),
                         "--pose", str(POSE_WEIGHTS))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "missing.mp4" in result.stderr
    assert "Traceback" not in result.stderr


def test_pose_checkpoint_given_as_detector_is_refused_with_exit_2(workdir, capsys):
    work, _, video = workdir
    rc = main(["infer", str(video), "--detector", str(POSE_WEIGHTS), "--pose", str(POSE_WEIGHTS),
               "--out", str(work / "never.medpose"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("error: ") and "pose" in err.lower()
    assert not (work / "never.medpose").exists()


@pytest.mark.parametrize("args, message", [
    (["--frames", "7:9"], "selects no frame"),
    (["--categories", "nurse"], "not a detector class"),
    (["--device", "cuda:7"], "cuda"),
])
def test_bad_infer_options_are_reported_with_exit_2(workdir, capsys, args, message):
    if args[0] == "--device" and torch.cuda.device_count() > 7:
        pytest.skip("this machine has a cuda:7")
    work, config, video = workdir
    rc = main(["infer", str(video), "--detector", str(DET_WEIGHTS), "--detector-config",
               str(config), "--pose", str(POSE_WEIGHTS), "--out", str(work / "bad.medpose"),
               "--quiet", *args])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("error: ") and message in err


def test_infer_project_holds_exactly_the_pipeline_and_direct_model_results(inferred, models,
                                                                           threshold, workdir):
    _, project_path = inferred
    det, pose = models
    with open_media(workdir[2]) as src:
        frames = [src[i] for i in range(len(src))]
    pipeline = run_pipeline(frames, range(N_FRAMES), det, pose, score_threshold=threshold)
    with Project.open(project_path) as project:
        assert project.media.num_frames == N_FRAMES and project.media.width == 160
        assert {m["role"] for m in project.models()} == {"detector", "detector_config", "pose_patient"}
        stored = {i: project.instances(i) for i in range(N_FRAMES)}
    assert sum(len(v) for v in stored.values()) > 0
    for index, frame in enumerate(frames):
        direct = select_detections(det.detect([frame])[0], (0,), threshold)
        assert len(stored[index]) == len(pipeline[index]) == len(direct.boxes)
        for got, want, box, score in zip(stored[index], pipeline[index], direct.boxes,
                                         direct.scores, strict=True):
            assert got.category == "patient"
            np.testing.assert_allclose(got.box, want.box, atol=1e-6)
            np.testing.assert_allclose(got.keypoints, want.keypoints, atol=1e-6)
            np.testing.assert_allclose(got.box, box, atol=1e-3)
            assert got.box_score == pytest.approx(float(score), abs=1e-5)
        kps = estimate_poses(pose, frame, np.array([i.box for i in stored[index]]))
        for got, kp in zip(stored[index], kps, strict=True):
            np.testing.assert_allclose(got.keypoints[:, :2], kp[:, :2], atol=1e-3)


def test_infer_bbox_json_reads_back_with_frame_names_boxes_and_scores(inferred):
    out, project_path = inferred
    entries = read_bbox_detections(out / "bbox_detections.json")
    assert [name for name, _, _ in entries] == [f"frame_{i:06d}.jpg" for i in range(N_FRAMES)]
    with Project.open(project_path) as project:
        for index, (_, boxes, scores) in enumerate(entries):
            instances = project.instances(index)
            np.testing.assert_allclose(boxes, np.array([i.box for i in instances]).reshape(-1, 4),
                                       atol=1e-4)
            # the reference writes scores as percent strings with two decimals
            np.testing.assert_allclose(scores, [i.box_score for i in instances], atol=5.1e-5)


def test_infer_coco_predictions_and_visualisations_are_written(inferred, workdir):
    out, project_path = inferred
    results = json.loads((out / "predictions.json").read_text())
    with Project.open(project_path) as project:
        count = sum(len(project.instances(i)) for i in range(N_FRAMES))
    assert len(results) == count
    assert all(len(r["keypoints"]) == 3 * 21 and r["category_id"] == 1 for r in results)
    vis = sorted((out / "vis").iterdir())
    assert [p.name for p in vis] == [f"frame_{i:06d}.jpg" for i in range(N_FRAMES)]


def test_export_writes_a_file_pycocotools_loads(inferred, tmp_path, capsys):
    from pycocotools.coco import COCO

    _, project_path = inferred
    target = tmp_path / "train.json"
    assert main(["export", str(project_path), "--coco", str(target), "--category", "patient",
                 "--quiet"]) == 0
    coco = COCO(str(target))
    with Project.open(project_path) as project:
        count = sum(len(project.instances(i)) for i in range(N_FRAMES))
    assert len(coco.getAnnIds()) == count > 0
    assert all(len(a["keypoints"]) == 63 for a in coco.loadAnns(coco.getAnnIds()))
    assert "annotations" in capsys.readouterr().out


def test_infer_again_keeps_approved_frames_and_replaces_the_others(inferred, workdir, threshold):
    work, config, video = workdir
    _, project_path = inferred
    copy = work / "again.medpose"
    with Project.open(project_path) as project, project.save_as(copy) as target:
        target.set_review_state(0, ReviewState.APPROVED)
        kept = target.instances(0)
    rc = main(["infer", str(video), "--detector", str(DET_WEIGHTS), "--detector-config",
               str(config), "--pose", str(POSE_WEIGHTS), "--out", str(copy), "--quiet",
               "--score-threshold", "0.999999", "--frames", "0:2"])
    assert rc == 0
    with Project.open(copy) as project:
        assert project.instances(0) == kept  # approved: untouched
        assert project.instances(1) == []  # re-inferred with a threshold no box reaches


def test_import_bbox_creates_a_project_with_the_boxes(inferred, workdir, tmp_path):
    out, project_path = inferred
    target = tmp_path / "boxes.medpose"
    assert main(["import-bbox", str(out / "bbox_detections.json"), "--media", str(workdir[2]),
                 "--out", str(target)]) == 0
    with Project.open(project_path) as source, Project.open(target) as imported:
        for i in range(N_FRAMES):
            want = np.array([inst.box for inst in source.instances(i)]).reshape(-1, 4)
            got = np.array([inst.box for inst in imported.instances(i)]).reshape(-1, 4)
            np.testing.assert_allclose(got, want, atol=1e-4)


def test_import_coco_round_trips_an_export(inferred, workdir, tmp_path):
    _, project_path = inferred
    exported = tmp_path / "export.json"
    assert main(["export", str(project_path), "--coco", str(exported), "--quiet"]) == 0
    target = tmp_path / "imported.medpose"
    assert main(["import-coco", str(exported), "--media", str(workdir[2]),
                 "--out", str(target)]) == 0
    with Project.open(project_path) as source, Project.open(target) as imported:
        for i in range(N_FRAMES):
            want = [inst.box for inst in source.instances(i)]
            got = [inst.box for inst in imported.instances(i)]
            assert len(got) == len(want)


def test_render_writes_h264_yuv420p_at_source_fps_with_every_frame(inferred, tmp_path):
    _, project_path = inferred
    target = tmp_path / "annotated.mp4"
    assert main(["render", str(project_path), str(target), "--quiet"]) == 0
    with av.open(str(target)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        assert float(stream.average_rate) == pytest.approx(25.0)
    with Project.open(project_path) as project, open_media(project.media.path) as src:
        schemas = {c.name: c.schema for c in project.categories}
        drawn = [draw_annotations(src[i], project.instances(i), schemas).astype(float)
                 for i in range(N_FRAMES)]
        raw = [src[i].astype(float) for i in range(N_FRAMES)]
    with open_media(target) as rendered:
        assert len(rendered) == N_FRAMES and rendered.size == (160, 120)
        for i in range(N_FRAMES):
            frame = rendered[i].astype(float)
            errors = [np.abs(frame - d).mean() for d in drawn]
            # frame i is the drawn frame i up to H.264 loss (the noise texture compresses
            # badly: ~9 grey levels), far from every other frame (~65)
            others = min(e for j, e in enumerate(errors) if j != i)
            assert errors[i] < others / 4
            if len(drawn[i]) and np.abs(drawn[i] - raw[i]).mean() > 1.0:
                assert errors[i] < np.abs(frame - raw[i]).mean()  # the drawing is in the video


def test_extract_frames_writes_every_frame_in_order(workdir, tmp_path):
    import cv2

    assert main(["extract-frames", str(workdir[2]), str(tmp_path / "frames"), "--format", "png",
                 "--quiet"]) == 0
    files = sorted((tmp_path / "frames").iterdir())
    assert len(files) == N_FRAMES
    assert [read_index(cv2.imread(str(f))[:, :, ::-1]) for f in files] == list(range(N_FRAMES))


def test_infer_on_the_fixture_frame_reproduces_the_reference_bbox_detections(tmp_path):
    """The reference demo's defaults (MIN_SIZE_TEST 800, class patient, score 0.8) on the
    fixture frame give the golden bbox_detections.json entries (fixtures/detectron2)."""
    need_full()  # the 1280x720 frame
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "frame_1280x720.png").write_bytes(
        (DETECTRON2 / "images" / "frame_1280x720.png").read_bytes())
    out = tmp_path / "bbox_detections.json"
    assert main(["infer", str(folder), "--detector", str(DET_WEIGHTS), "--detector-config",
                 str(DETECTOR_CONFIG), "--pose",
                 str(POSE_WEIGHTS), "--bbox-json", str(out), "--quiet"]) == 0
    assert (tmp_path / "frames.medpose").is_file()  # default project: beside the folder
    golden = json.loads((DETECTRON2 / "bbox_detections.json").read_text())
    image_id = next(i["id"] for i in golden["images"] if i["file_name"] == "frame_1280x720.png")
    want = [a for a in golden["annotations"] if a["image_id"] == image_id]
    got = json.loads(out.read_text())
    assert got["images"] == [{"file_name": "frame_1280x720.png", "id": 1, "height": 720,
                              "width": 1280}]
    assert len(got["annotations"]) == len(want) == 4
    for g, w in zip(got["annotations"], want, strict=True):
        np.testing.assert_allclose(g["bbox"], w["bbox"], atol=0.05)
        assert g["bbox_score"] == w["bbox_score"] and g["label"] == "patient"


def test_app_form_with_a_missing_path_is_an_error_before_qt_starts(tmp_path, capsys):
    rc = main([str(tmp_path / "nowhere.mp4")])
    assert rc == 2 and "nowhere.mp4: no such file or folder" in capsys.readouterr().err
