"""Safe checkpoint loading: plain numpy data from training passes, code-carrying pickles do not."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest
import torch

from medpose_gui.inference.checkpoint_io import CheckpointError, file_sha256, load_checkpoint_file
from tests.fixture_paths import CASUALTY_WEIGHTS, VITPOSE, need_full

BEST_AP = VITPOSE / "vitpose_tiny_user_k6_best_AP_epoch_1.pth"
PLAIN = VITPOSE / "vitpose_tiny_user_k6.pth"


class _TrainerThing:
    """A class a pickle can only rebuild by importing and calling code."""

    def __init__(self) -> None:
        self.value = 3


def test_best_ap_checkpoint_with_numpy_float64_loads_without_trust():
    need_full()
    ckpt = load_checkpoint_file(BEST_AP)
    best = ckpt["meta"]["hook_msgs"]["best_score"]
    assert isinstance(best, np.float64) and float(best) == pytest.approx(0.7312)
    plain = load_checkpoint_file(PLAIN)
    assert ckpt["state_dict"].keys() == plain["state_dict"].keys()
    for key, tensor in plain["state_dict"].items():
        assert torch.equal(ckpt["state_dict"][key], tensor)


def test_plain_torch_weights_only_refuses_the_best_ap_file_so_the_allow_list_matters():
    need_full()
    with pytest.raises(Exception, match="numpy"):
        torch.load(BEST_AP, map_location="cpu", weights_only=True)


def test_pickle_needing_a_class_is_refused_naming_file_and_global(tmp_path):
    path = tmp_path / "with_class.pth"
    torch.save({"state_dict": {}, "extra": _TrainerThing()}, path)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint_file(path)
    message = str(info.value)
    assert str(path) in message
    assert "_TrainerThing" in message
    assert "trust" in message
    trusted = load_checkpoint_file(path, trust=True)
    assert trusted["extra"].value == 3


def test_missing_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "absent.pth"
    with pytest.raises(CheckpointError, match="absent.pth.*not found"):
        load_checkpoint_file(path)


def test_truncated_checkpoint_is_refused_naming_it(tmp_path):
    path = tmp_path / "truncated.pth"
    path.write_bytes(CASUALTY_WEIGHTS.read_bytes()[: CASUALTY_WEIGHTS.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="truncated.pth"):
        load_checkpoint_file(path)


def test_random_bytes_are_refused_naming_the_file(tmp_path):
    path = tmp_path / "noise.pth"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(CheckpointError, match="noise.pth"):
        load_checkpoint_file(path)


def test_checkpoint_that_is_not_a_dict_is_refused(tmp_path):
    path = tmp_path / "list.pth"
    torch.save([torch.zeros(2)], path)
    with pytest.raises(CheckpointError, match="list.pth.*list"):
        load_checkpoint_file(path)


def test_file_sha256_matches_hashlib_over_several_chunks(tmp_path):
    path = tmp_path / "blob.bin"
    data = os.urandom(10_000)
    path.write_bytes(data)
    assert file_sha256(path, chunk_size=4096) == hashlib.sha256(data).hexdigest()
