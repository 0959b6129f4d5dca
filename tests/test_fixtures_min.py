"""The subset of the reference fixtures in the repository is what its README says: every file
taken unchanged from the full set, cut to a subset, or (the pose checkpoint) the same weights
and meta without the optimizer state. Needs the full set to compare with."""

from __future__ import annotations

import hashlib
import json

import torch

from tests.fixture_paths import (
    CASUALTY_WEIGHTS,
    DETECTOR_WEIGHTS,
    FULL,
    MANIFEST,
    MIN,
    need_full,
)

need_full()


def test_every_carried_file_matches_its_manifest_entry_and_stays_under_1_mb():
    for rel, entry in MANIFEST["files"].items():
        data = (MIN / rel).read_bytes()
        assert len(data) == entry["bytes"] < 1_000_000, rel
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], rel
        if entry["how"] == "copied":
            assert data == (FULL / entry["source"]).read_bytes(), rel


def test_joined_detector_checkpoint_is_the_reference_file_byte_for_byte():
    assert DETECTOR_WEIGHTS.read_bytes() == (FULL / "detectron2" / "model_final.pth").read_bytes()


def test_pose_checkpoint_has_the_reference_weights_and_meta_without_the_optimizer():
    ours = torch.load(CASUALTY_WEIGHTS, map_location="cpu", weights_only=True)
    ref = torch.load(FULL / "vitpose" / CASUALTY_WEIGHTS.name, map_location="cpu",
                     weights_only=True)
    assert set(ours) == {"meta", "state_dict"} and "optimizer" in ref
    assert ours["meta"] == ref["meta"]
    assert list(ours["state_dict"]) == list(ref["state_dict"])
    for key, tensor in ref["state_dict"].items():
        assert torch.equal(ours["state_dict"][key], tensor), key


def test_golden_subsets_are_cut_from_the_reference_goldens_unchanged():
    det = json.loads((MIN / "detectron2" / "goldens_subset.json").read_text())
    det_ref = json.loads((FULL / "detectron2" / "goldens.json").read_text())
    for name, image in det["variants"]["default"]["images"].items():
        assert image == det_ref["variants"]["default"]["images"][name]
    pose = json.loads((MIN / "vitpose" / "goldens_subset.json").read_text())
    pose_ref = json.loads((FULL / "vitpose" / "goldens.json").read_text())
    for model, spec in pose["models"].items():
        for name, image in spec["images"].items():
            assert image == pose_ref["models"][model]["images"][name]
