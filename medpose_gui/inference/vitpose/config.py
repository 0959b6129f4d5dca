"""What the pose estimator needs from an mmpose checkpoint's stored config (``meta['config']``).

The config is mmcv ``pretty_text`` Python source; it is read as data with
:func:`medpose_gui.core.config_literal.parse_config_text`, never executed. From it we take the
attention head count (tensor shapes cannot give it), the dataset definition (keypoint names and
flip pairs), the input/heatmap sizes, the normalisation and the test settings. A checkpoint
without a config gets the ViTPose 256x192 defaults below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...core.config_literal import ConfigSyntaxError, parse_config_text
from ...core.reference import REFERENCE_FLIP_TEST
from .errors import PoseModelError

# ViTPose 256x192 defaults (every ViTPose top-down 256x192 config of the reference, e.g. the
# seed's ViTPose_base_medic_casualty_256x192.py): data_cfg image/heatmap size (w, h), test_cfg,
# and the test pipeline's NormalizeTensor (ImageNet mean/std on RGB in [0, 1]).
DEFAULT_IMAGE_SIZE = (192, 256)
DEFAULT_HEATMAP_SIZE = (48, 64)
DEFAULT_MEAN = (0.485, 0.456, 0.406)
DEFAULT_STD = (0.229, 0.224, 0.225)
DEFAULT_TEST_CFG: dict[str, Any] = {
    "flip_test": True,
    "post_process": "default",
    "shift_heatmap": False,
    "target_type": "GaussianHeatmap",
    "modulate_kernel": 11,
    "use_udp": True,
}


@dataclass(frozen=True)
class InferenceSettings:
    """The reference ``model.test_cfg`` entries that change the arithmetic."""

    flip_test: bool = REFERENCE_FLIP_TEST
    shift_heatmap: bool = False
    modulate_kernel: int = 11


@dataclass(frozen=True)
class PoseConfig:
    """Facts about a pose checkpoint that come from its stored config (or the defaults)."""

    num_heads: int | None
    keypoint_names: tuple[str, ...] | None
    flip_pairs: tuple[tuple[int, int], ...]
    dataset_name: str | None = None
    image_size: tuple[int, int] = DEFAULT_IMAGE_SIZE  # (w, h)
    heatmap_size: tuple[int, int] = DEFAULT_HEATMAP_SIZE  # (w, h)
    mean: tuple[float, float, float] = DEFAULT_MEAN
    std: tuple[float, float, float] = DEFAULT_STD
    test: InferenceSettings = field(default_factory=InferenceSettings)


def flip_pairs_from_keypoint_info(keypoint_info: Mapping[Any, Mapping[str, Any]],
                                  source: str = "<config>") -> tuple[tuple[int, int], ...]:
    """Flip pairs as mmpose's ``DatasetInfo`` builds them.

    In ``keypoint_info`` order, each keypoint whose ``swap`` names another keypoint gives the
    pair ``(its key, key of the swap partner)``, unless the reverse pair is already listed.
    """
    key_of_name = {}
    for key, info in keypoint_info.items():
        key_of_name[_field(info, "name", source)] = key
    pairs: list[tuple[int, int]] = []
    for key, info in keypoint_info.items():
        name, swap = info["name"], info.get("swap", "")
        if not swap or swap == name:
            continue
        if swap not in key_of_name:
            raise PoseModelError(f"{source}: keypoint {name!r} swaps with unknown keypoint {swap!r}")
        pair = (int(key), int(key_of_name[swap]))
        if (pair[1], pair[0]) not in pairs:
            pairs.append(pair)
    return tuple(pairs)


def _field(info: Mapping[str, Any], name: str, source: str) -> Any:
    if not isinstance(info, Mapping) or name not in info:
        raise PoseModelError(f"{source}: keypoint_info entry without {name!r}: {info!r}")
    return info[name]


def _keypoint_names(keypoint_info: Mapping[Any, Mapping[str, Any]], source: str) -> tuple[str, ...]:
    keys = sorted(keypoint_info)
    if keys != list(range(len(keys))):
        raise PoseModelError(f"{source}: keypoint_info keys are not 0..{len(keys) - 1}: {keys}")
    return tuple(str(_field(keypoint_info[k], "name", source)) for k in keys)


def _dataset_info(cfg: Mapping[str, Any]) -> Mapping[str, Any] | None:
    # The reference's inference API uses data.test.dataset_info; the top-level one is the same.
    test = cfg.get("data", {}).get("test", {}) if isinstance(cfg.get("data"), Mapping) else {}
    info = test.get("dataset_info") if isinstance(test, Mapping) else None
    if info is None:
        info = cfg.get("dataset_info")
    return info if isinstance(info, Mapping) else None


def _normalisation(cfg: Mapping[str, Any]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    for step in cfg.get("test_pipeline", []) or []:
        if isinstance(step, Mapping) and step.get("type") == "NormalizeTensor":
            return tuple(float(v) for v in step["mean"]), tuple(float(v) for v in step["std"])
    return DEFAULT_MEAN, DEFAULT_STD


def _test_settings(test_cfg: Mapping[str, Any], source: str) -> InferenceSettings:
    merged = {**DEFAULT_TEST_CFG, **dict(test_cfg)}
    # Only the UDP + DARK-UDP decoding of ViTPose is reproduced; refuse configs that ask for
    # another decoder rather than give silently different keypoints.
    unsupported = {k: merged[k] for k, want in (("use_udp", True), ("target_type", "GaussianHeatmap"),
                                                ("post_process", "default"))
                   if merged[k] != want}
    if unsupported:
        raise PoseModelError(f"{source}: test_cfg {unsupported} is not supported "
                             "(only use_udp=True, GaussianHeatmap, post_process='default')")
    kernel = int(merged["modulate_kernel"])
    if kernel < 1 or kernel % 2 == 0:
        raise PoseModelError(f"{source}: test_cfg modulate_kernel must be odd, got {kernel}")
    return InferenceSettings(flip_test=bool(merged["flip_test"]),
                        shift_heatmap=bool(merged["shift_heatmap"]), modulate_kernel=kernel)


def pose_config_from_dict(cfg: Mapping[str, Any], source: str = "<config>") -> PoseConfig:
    """Extract :class:`PoseConfig` from a parsed mmpose config."""
    model = cfg.get("model", {}) if isinstance(cfg.get("model"), Mapping) else {}
    backbone = model.get("backbone", {}) if isinstance(model.get("backbone"), Mapping) else {}
    num_heads = backbone.get("num_heads")
    if num_heads is not None and (not isinstance(num_heads, int) or num_heads < 1):
        raise PoseModelError(f"{source}: model.backbone.num_heads must be a positive int, "
                             f"got {num_heads!r}")
    data_cfg = cfg.get("data_cfg", {}) if isinstance(cfg.get("data_cfg"), Mapping) else {}
    image_size = tuple(int(v) for v in data_cfg.get("image_size", DEFAULT_IMAGE_SIZE))
    heatmap_size = tuple(int(v) for v in data_cfg.get("heatmap_size", DEFAULT_HEATMAP_SIZE))
    if len(image_size) != 2 or len(heatmap_size) != 2:
        raise PoseModelError(f"{source}: data_cfg image_size/heatmap_size must be [w, h]")
    info = _dataset_info(cfg)
    names: tuple[str, ...] | None = None
    pairs: tuple[tuple[int, int], ...] = ()
    dataset_name = None
    if info is not None and isinstance(info.get("keypoint_info"), Mapping):
        names = _keypoint_names(info["keypoint_info"], source)
        pairs = flip_pairs_from_keypoint_info(info["keypoint_info"], source)
        dataset_name = info.get("dataset_name")
    mean, std = _normalisation(cfg)
    test_cfg = model.get("test_cfg", {}) if isinstance(model.get("test_cfg"), Mapping) else {}
    return PoseConfig(num_heads=num_heads, keypoint_names=names, flip_pairs=pairs,
                      dataset_name=dataset_name, image_size=image_size,  # type: ignore[arg-type]
                      heatmap_size=heatmap_size, mean=mean, std=std,  # type: ignore[arg-type]
                      test=_test_settings(test_cfg, source))


def pose_config_from_meta(meta: Any, source: str = "<checkpoint>") -> PoseConfig:
    """Read ``meta['config']`` of an mmpose checkpoint; defaults when there is none."""
    text = meta.get("config") if isinstance(meta, Mapping) else None
    if not text:
        return PoseConfig(num_heads=None, keypoint_names=None, flip_pairs=())
    if not isinstance(text, str):
        raise PoseModelError(f"{source}: meta['config'] is a {type(text).__name__}, expected text")
    try:
        cfg = parse_config_text(text, f"{source}:meta['config']")
    except ConfigSyntaxError as exc:
        raise PoseModelError(f"{source}: stored config cannot be read as data: {exc}") from exc
    return pose_config_from_dict(cfg, source)
