"""``infer`` over several inputs on this machine (no Ray): a list file, ``--out-dir``,
side outputs per input, a broken input failing alone (exit 1), options refused (exit 2)."""

from __future__ import annotations

import json

import pytest

from medpose_gui.cli import main
from tests.runs.cluster_helpers import box_threshold, infer_args, make_workdir, project_contents

FRAMES = {"day1_a": 2, "day1_b": 3}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    work = tmp_path_factory.mktemp("many")
    config, videos = make_workdir(work, FRAMES)
    return work, config, videos, box_threshold(config, videos[0])


def test_a_list_file_runs_each_input_into_out_dir_with_its_own_side_outputs(workdir, capsys):
    work, config, videos, threshold = workdir
    listing = work / "archive.txt"
    listing.write_text("# the day's clips\n" + "\n".join(v.name for v in videos) + "\n")
    out = work / "projects"
    assert main([*infer_args(config, threshold, listing), "--out-dir", str(out),
                 "--coco-predictions", str(work / "coco"),
                 "--bbox-json", str(work / "bbox")]) == 0
    printed = capsys.readouterr().out
    for video in videos:
        project = out / f"{video.stem}.medpose"
        assert f"{video}: {FRAMES[video.stem]} frames" in printed
        count = sum(len(v) for v in project_contents(project).values())
        assert len(json.loads((work / "coco" / f"{video.stem}.json").read_text())) == count
        bbox = json.loads((work / "bbox" / f"{video.stem}.json").read_text())
        assert len(bbox["images"]) == FRAMES[video.stem]
        assert not video.with_suffix(".medpose").exists()  # nothing beside the media


def test_a_broken_input_among_good_ones_is_named_the_others_done_exit_1(workdir, capsys):
    work, config, videos, threshold = workdir
    broken = work / "broken.mp4"
    broken.write_bytes(b"\0" * 4096)
    missing = work / "missing.mp4"
    out = work / "with_broken"
    rc = main([*infer_args(config, threshold, videos[0], broken, missing, videos[1]),
               "--out-dir", str(out)])
    err = capsys.readouterr().err
    assert rc == 1
    assert f"failed {broken}:" in err and f"failed {missing}:" in err
    assert "2 of 4 inputs done" in err
    assert sorted(p.name for p in out.glob("*.medpose")) == ["day1_a.medpose", "day1_b.medpose"]


@pytest.mark.parametrize("extra, message", [
    (["--out", "one.medpose"], "--out names one project"),
    (["--workers", "2"], "need --ray"),
])
def test_options_that_cannot_work_with_several_inputs_are_refused_with_exit_2(
        workdir, capsys, extra, message):
    work, config, videos, threshold = workdir
    rc = main([*infer_args(config, threshold, *videos), *extra])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("error: ") and message in err


def test_an_input_taken_for_the_ray_address_is_refused(workdir, capsys):
    pytest.importorskip("ray", reason="Ray is not installed (pip install -e '.[cluster]')")
    work, config, videos, threshold = workdir
    rc = main([*infer_args(config, threshold, videos[1]), "--ray", str(videos[0])])
    err = capsys.readouterr().err
    assert rc == 2 and "--ray auto" in err
