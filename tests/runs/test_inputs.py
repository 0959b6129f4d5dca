"""Input lists, project paths and shards of a many-input ``infer`` (plain data, no models)."""

from __future__ import annotations

from pathlib import Path

import pytest

from medpose_gui.runs.inputs import (
    InputsError,
    cut_shards,
    expand_inputs,
    project_paths,
    side_output,
)


def test_a_txt_input_lists_media_relative_to_its_folder_skipping_comments_and_repeats(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    listing = archive / "day1.txt"
    listing.write_text("# day 1\nclip_a.mp4\n\n  frames_b  \n/abs/clip_c.mp4\nclip_a.mp4\n")
    got = expand_inputs([str(listing), str(archive / "clip_a.mp4"), "extra.mp4"])
    assert got == [str(archive / "clip_a.mp4"), str(archive / "frames_b"), "/abs/clip_c.mp4",
                   "extra.mp4"]


def test_an_unreadable_or_empty_list_is_an_error_naming_it(tmp_path):
    with pytest.raises(InputsError, match="missing.txt"):
        expand_inputs([str(tmp_path / "missing.txt")])
    (tmp_path / "empty.txt").write_text("# nothing yet\n")
    with pytest.raises(InputsError, match="no input"):
        expand_inputs([str(tmp_path / "empty.txt")])


def test_projects_go_beside_the_media_or_into_out_dir(tmp_path):
    (tmp_path / "clip.mp4").write_bytes(b"")
    (tmp_path / "frames").mkdir()
    media = [str(tmp_path / "clip.mp4"), str(tmp_path / "frames")]
    assert project_paths(media, None, None) == [tmp_path / "clip.medpose",
                                                tmp_path / "frames.medpose"]
    assert project_paths(media, None, "out") == [Path("out/clip.medpose"),
                                                 Path("out/frames.medpose")]
    assert project_paths(media[:1], "x.medpose", None) == [Path("x.medpose")]


def test_out_with_several_inputs_and_inputs_sharing_a_project_are_refused(tmp_path):
    for day in ("day1", "day2"):
        (tmp_path / day).mkdir()
        (tmp_path / day / "clip.mp4").write_bytes(b"")
    media = [str(tmp_path / "day1" / "clip.mp4"), str(tmp_path / "day2" / "clip.mp4")]
    with pytest.raises(InputsError, match="--out names one project"):
        project_paths(media, "x.medpose", None)
    project_paths(media, None, None)  # beside each: two different projects
    with pytest.raises(InputsError, match="would share the project"):
        project_paths(media, None, str(tmp_path / "out"))


def test_side_outputs_of_several_inputs_are_named_after_each_project():
    project = Path("out/clip.medpose")
    assert side_output("preds.json", project, many=False) == "preds.json"
    assert side_output("preds", project, many=True) == str(Path("preds/clip.json"))
    assert side_output("vis", project, many=True, suffix="") == str(Path("vis/clip"))
    assert side_output(None, project, many=True) is None


@pytest.mark.parametrize("batch, shard, sizes", [
    (1, 3, [3, 3, 3, 1]),
    (4, 3, [4, 4, 2]),  # rounded up to whole batches
    (4, 8, [8, 2]),
    (2, 5, [6, 4]),
])
def test_shards_start_at_whole_batches_of_the_inputs_frame_list(batch, shard, sizes):
    frames = [0, 2, 3, 5, 6, 7, 9, 11, 12, 15]  # what is left after approved/resumed frames
    shards = cut_shards(frames, batch, shard)
    assert [len(s) for s in shards] == sizes
    assert [f for s in shards for f in s] == frames
    local_batches = [tuple(frames[i:i + batch]) for i in range(0, len(frames), batch)]
    shard_batches = [s[i:i + batch] for s in shards for i in range(0, len(s), batch)]
    assert shard_batches == local_batches
