"""Pose checkpoints load strictly or not at all, with errors that name the file."""

from __future__ import annotations

import json
from collections import OrderedDict

import numpy as np
import pytest
import torch

from medpose_gui.inference.checkpoint_io import CheckpointError, load_checkpoint_file
from medpose_gui.inference.vitpose import (
    PoseModelError,
    SchemaMismatchError,
    check_schema_fits,
    convert_mmpose_state_dict,
    load_pose_estimator,
)
from tests.fixture_paths import DETECTRON2, VITPOSE, need_full

need_full()

USER = VITPOSE / "vitpose_tiny_user_k6.pth"
MANIFEST = json.loads((VITPOSE / "vitpose_base_casualty_k21_state_dict_shapes.json").read_text())


def _zero_state_dict(shapes: dict[str, list[int]]) -> OrderedDict:
    """Zero tensors of the given shapes, all views of one storage (so the file stays small)."""
    storage = torch.zeros(max(int(np.prod(s)) for s in shapes.values()))
    out = OrderedDict()
    for key, shape in shapes.items():
        if key.endswith("num_batches_tracked"):
            out[key] = torch.zeros((), dtype=torch.int64)
        else:
            out[key] = storage[: int(np.prod(shape))].view(shape)
    return out


def _user_checkpoint() -> dict:
    return load_checkpoint_file(USER)


def _save_with_state(tmp_path, name: str, state: dict, meta: dict | None = None):
    path = tmp_path / name
    base = _user_checkpoint()
    torch.save({"meta": base["meta"] if meta is None else meta, "state_dict": state}, path)
    return path


def test_full_size_vit_b_manifest_loads_strictly_and_runs_one_box(tmp_path):
    assert len(MANIFEST) == 163
    assert sum(int(np.prod(s)) for s in MANIFEST.values()) == 89_996_567
    path = tmp_path / "vitpose_base_zero.pth"
    torch.save({"meta": {"epoch": 1}, "state_dict": _zero_state_dict(MANIFEST)}, path)
    est = load_pose_estimator(path)
    arch = est.architecture
    assert (arch.embed_dim, arch.depth, arch.num_heads, arch.mlp_hidden) == (768, 12, 12, 3072)
    assert arch.deconv_filters == (256, 256) and est.num_keypoints == 21
    assert sum(t.numel() for t in est.net.state_dict().values()) == 89_996_567
    kp = est.estimate(np.full((120, 90, 3), 128, np.uint8), np.array([[10.0, 10.0, 80.0, 110.0]]))
    assert kp.shape == (1, 21, 3) and np.isfinite(kp).all()


def test_manifest_keys_map_one_to_one_onto_our_network():
    arch, tensors = convert_mmpose_state_dict(_zero_state_dict(MANIFEST), None, "manifest")
    assert len(tensors) == len(MANIFEST)
    assert [tuple(t.shape) for t in tensors.values()] == [tuple(s) for s in MANIFEST.values()]
    assert arch.num_patches == 192 and arch.patch_size == 16


def test_detectron2_checkpoint_given_as_pose_is_refused_naming_it():
    path = DETECTRON2 / "model_final.pth"
    with pytest.raises(PoseModelError, match="detectron2") as info:
        load_pose_estimator(path)
    assert str(path) in str(info.value)


def test_extra_key_is_refused_naming_file_and_key(tmp_path):
    state = _user_checkpoint()["state_dict"]
    state["backbone.cls_token"] = torch.zeros(1, 1, 64)
    path = _save_with_state(tmp_path, "extra.pth", state)
    with pytest.raises(PoseModelError, match=r"extra\.pth.*unexpected keys: backbone\.cls_token"):
        load_pose_estimator(path)


def test_missing_key_is_refused_naming_file_and_key(tmp_path):
    state = _user_checkpoint()["state_dict"]
    del state["backbone.blocks.1.mlp.fc2.bias"]
    path = _save_with_state(tmp_path, "missing.pth", state)
    with pytest.raises(PoseModelError, match=r"missing\.pth.*missing keys: backbone\.blocks\.1\.mlp\.fc2\.bias"):
        load_pose_estimator(path)


def test_shape_that_contradicts_the_others_is_refused(tmp_path):
    state = _user_checkpoint()["state_dict"]
    state["backbone.blocks.1.attn.qkv.weight"] = torch.zeros(96, 64)
    path = _save_with_state(tmp_path, "shape.pth", state)
    with pytest.raises(PoseModelError, match=r"shape\.pth.*backbone\.blocks\.1\.attn\.qkv\.weight \(96, 64\)"):
        load_pose_estimator(path)


def test_truncated_and_random_files_are_refused_naming_them(tmp_path):
    truncated = tmp_path / "cut.pth"
    truncated.write_bytes(USER.read_bytes()[:300_000])
    noise = tmp_path / "noise.pth"
    noise.write_bytes(np.random.default_rng(1).integers(0, 256, 2048, dtype=np.uint8).tobytes())
    for path in (truncated, noise):
        with pytest.raises(CheckpointError, match=path.name):
            load_pose_estimator(path)


class _CustomMeta:
    def __init__(self) -> None:
        self.note = "made by a trainer"


def test_pickle_needing_a_class_is_refused_unless_trusted(tmp_path):
    ckpt = _user_checkpoint()
    meta = dict(ckpt["meta"], custom=_CustomMeta())
    path = _save_with_state(tmp_path, "classy.pth", ckpt["state_dict"], meta)
    with pytest.raises(CheckpointError, match=r"classy\.pth.*_CustomMeta.*trust"):
        load_pose_estimator(path)
    assert load_pose_estimator(path, trust=True).num_keypoints == 6


def test_head_count_comes_from_the_stored_config_not_the_vit_b_rule(tmp_path):
    ckpt = _user_checkpoint()
    path = _save_with_state(tmp_path, "noconfig.pth", ckpt["state_dict"], {"epoch": 1})
    fallback = load_pose_estimator(path)
    configured = load_pose_estimator(USER)
    assert fallback.architecture.num_heads == 1 and configured.architecture.num_heads == 2
    rgb = np.asarray(np.random.default_rng(2).integers(0, 256, (200, 160, 3)), np.uint8)
    box = np.array([[20.0, 10.0, 140.0, 190.0]])
    assert not np.allclose(fallback.estimate(rgb, box), configured.estimate(rgb, box), atol=1e-3)
    assert fallback.keypoint_names[0] == "keypoint_0"


def test_schema_with_other_keypoint_count_is_refused():
    est = load_pose_estimator(USER)
    check_schema_fits(est, 6)
    with pytest.raises(SchemaMismatchError, match=r"predicts 6 keypoints.*'medic_casualty' has 21"):
        check_schema_fits(est, 21, "medic_casualty")
