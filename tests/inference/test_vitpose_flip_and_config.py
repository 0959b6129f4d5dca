"""Flip pairs are built as mmpose's DatasetInfo builds them and are applied by the flip test."""

from __future__ import annotations

import numpy as np
import torch

from medpose_gui.inference.checkpoint_io import load_checkpoint_file
from medpose_gui.inference.vitpose import load_pose_estimator, pose_config_from_meta
from medpose_gui.inference.vitpose.config import flip_pairs_from_keypoint_info
from medpose_gui.inference.vitpose.decode import decode_heatmaps, flip_back_heatmaps
from tests.fixture_paths import VITPOSE, need_full

need_full()

USER = VITPOSE / "vitpose_tiny_user_k6.pth"


def test_flip_pairs_follow_keypoint_info_order_without_reverse_duplicates():
    info = {
        0: dict(name="nose", swap=""),
        1: dict(name="left_eye", swap="right_eye"),
        2: dict(name="right_eye", swap="left_eye"),
        3: dict(name="left_ear", swap="right_ear"),
        4: dict(name="right_ear", swap="left_ear"),
        5: dict(name="centre", swap="centre"),
    }
    assert flip_pairs_from_keypoint_info(info) == ((1, 2), (3, 4))


def test_stored_config_gives_heads_sizes_and_test_settings():
    cfg = pose_config_from_meta(load_checkpoint_file(USER)["meta"], str(USER))
    assert cfg.num_heads == 2 and cfg.dataset_name == "medic_user"
    assert cfg.image_size == (192, 256) and cfg.heatmap_size == (48, 64)
    assert cfg.test.modulate_kernel == 11 and cfg.test.shift_heatmap is False
    assert cfg.flip_pairs == ()


def test_flip_back_exchanges_pair_channels_and_mirrors_width():
    maps = np.zeros((1, 3, 8, 6), np.float32)
    maps[0, 0, 2, 1] = 1.0
    back = flip_back_heatmaps(maps, ((0, 1),))
    assert back[0, 1, 2, 6 - 1 - 1] == 1.0 and back[0, 0].sum() == 0 and back[0, 2].sum() == 0
    shifted = flip_back_heatmaps(maps, ((0, 1),), shift=True)
    assert shifted[0, 1, 2, 5] == 1.0


def test_left_right_swaps_in_the_dataset_definition_change_the_flip_test(tmp_path):
    ckpt = load_checkpoint_file(USER)
    text = ckpt["meta"]["config"]
    # Give each left/right keypoint its partner (the stored config writes swap='' for all).
    for side in ("upper_arm", "lower_arm", "hand"):
        for a, b in (("left", "right"), ("right", "left")):
            text = _set_swap(text, f"{a}_{side}", f"{b}_{side}")
    path = tmp_path / "user_with_pairs.pth"
    torch.save({"meta": dict(ckpt["meta"], config=text), "state_dict": ckpt["state_dict"]}, path)
    paired = load_pose_estimator(path)
    assert paired.flip_pairs == ((0, 1), (2, 3), (4, 5))
    plain = load_pose_estimator(USER)
    rgb = np.asarray(np.random.default_rng(3).integers(0, 256, (300, 220, 3)), np.uint8)
    boxes = np.array([[30.0, 20.0, 190.0, 280.0]])
    _, inputs, centers, scales = plain.prepare(rgb, boxes)
    plain.flip_test = False
    raw = plain.heatmaps(inputs)
    mirrored = plain.heatmaps(inputs[..., ::-1].copy())
    expected = (raw + flip_back_heatmaps(mirrored, paired.flip_pairs)) * np.float32(0.5)
    want = decode_heatmaps(expected, centers, scales * 200, 11)
    np.testing.assert_allclose(paired.estimate(rgb, boxes), want, rtol=0, atol=1e-3)
    assert not np.allclose(paired.estimate(rgb, boxes), load_pose_estimator(USER).estimate(rgb, boxes))


def _set_swap(text: str, name: str, partner: str) -> str:
    """Rewrite every ``swap=''`` that follows ``name='<name>'`` in the config source."""
    out, start = [], 0
    marker = f"name='{name}'"
    while (pos := text.find(marker, start)) >= 0:
        swap = text.find("swap=''", pos)
        out.append(text[start:swap] + f"swap='{partner}'")
        start = swap + len("swap=''")
    out.append(text[start:])
    return "".join(out)
