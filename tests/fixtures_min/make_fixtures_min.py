"""Rebuild tests/fixtures_min/ from the full reference fixtures (README.md here says why).

    python tests/fixtures_min/make_fixtures_min.py /path/to/fixtures

Copies the casualty configs, one image and the slim detector's config; cuts the two golden
files down to the astronaut image (detector: default variant; pose: casualty model); writes
the casualty ViTPose checkpoint without its optimizer state; stores the detector checkpoint
unchanged, cut into parts under 1 MB (tests/fixture_paths.py joins them again and checks the
SHA-256). manifest.json records every file with its source and SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PART_BYTES = 950_000  # every committed file stays under 1 MB
IMAGE = "astronaut_512.png"
POSE_MODEL = "vitpose_tiny_casualty_k21"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(rel: str, data: bytes, source: str, how: str, manifest: dict) -> None:
    path = HERE / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    manifest["files"][rel] = {"source": source, "how": how, "bytes": len(data),
                              "sha256": _sha256(data)}


def _json_bytes(doc: dict) -> bytes:
    return (json.dumps(doc, indent=1) + "\n").encode()


def main(full: Path) -> None:
    import torch

    manifest: dict = {"files": {}, "joined": {}}
    for folder in ("images", "detectron2", "vitpose"):
        shutil.rmtree(HERE / folder, ignore_errors=True)

    _write(f"images/{IMAGE}", (full / "detectron2" / "images" / IMAGE).read_bytes(),
           f"detectron2/images/{IMAGE}", "copied", manifest)
    for rel in ("detectron2/configs/medic_pose_slim.yaml",
                "detectron2/configs/medic_pose_slim_min600.yaml", "detectron2/bbox_detections.json",
                f"vitpose/configs/{POSE_MODEL}.py", "vitpose/configs/vitpose_tiny_user_k6.py"):
        _write(rel, (full / rel).read_bytes(), rel, "copied", manifest)

    det = json.loads((full / "detectron2" / "goldens.json").read_text())
    default = det["variants"]["default"]
    default["images"] = {IMAGE: default["images"][IMAGE]}
    det["variants"] = {"default": default}
    _write("detectron2/goldens_subset.json", _json_bytes(det), "detectron2/goldens.json",
           f"subset: variant default, image {IMAGE}, both thresholds", manifest)

    pose = json.loads((full / "vitpose" / "goldens.json").read_text())
    model = pose["models"][POSE_MODEL]
    model["images"] = {IMAGE: model["images"][IMAGE]}
    pose["models"] = {POSE_MODEL: model}
    _write("vitpose/goldens_subset.json", _json_bytes(pose), "vitpose/goldens.json",
           f"subset: model {POSE_MODEL}, image {IMAGE}, flip test on and off", manifest)

    source = full / "vitpose" / f"{POSE_MODEL}.pth"
    ckpt = torch.load(source, map_location="cpu", weights_only=True)
    target = HERE / "vitpose" / f"{POSE_MODEL}.pth"
    # What mmcv's save_checkpoint writes without an optimizer: meta + state_dict, unchanged.
    torch.save({"meta": ckpt["meta"], "state_dict": ckpt["state_dict"]}, target)
    _write(f"vitpose/{POSE_MODEL}.pth", target.read_bytes(), f"vitpose/{POSE_MODEL}.pth",
           "meta and state_dict unchanged, optimizer state dropped", manifest)

    rel = "detectron2/model_final.pth"
    data = (full / rel).read_bytes()
    parts = []
    for i, start in enumerate(range(0, len(data), PART_BYTES)):
        part = f"{rel}.part{i}"
        _write(part, data[start:start + PART_BYTES], rel, f"bytes {start}.. of the file", manifest)
        parts.append(part)
    manifest["joined"][rel] = {"parts": parts, "bytes": len(data), "sha256": _sha256(data)}

    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    total = sum(f["bytes"] for f in manifest["files"].values())
    print(f"{len(manifest['files'])} files, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
