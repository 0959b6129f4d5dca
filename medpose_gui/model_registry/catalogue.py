"""The models medpose-gui knows about, as data.

Facts come from the reference system ("Medical Partial Body Pose Estimation") and its README:
the partial body detector is a detectron2 Faster R-CNN R101-FPN with 2 classes (0 = patient,
1 = user) whose weights the README links on Google Drive; the casualty pose model is ViTPose-B
with 21 keypoints (schema ``medic_casualty``), for which the README gives no link yet; the user
pose model predicts 6 keypoints (``medic_user``) and has no public link.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from medpose_gui.core.reference import DETECTOR_CLASS_NAMES
from medpose_gui.model_registry.errors import ModelRegistryError

DETECTOR, POSE = "detector", "pose"
KINDS = (DETECTOR, POSE)


@dataclass(frozen=True)
class CatalogueEntry:
    """One known model: what it is, what a file of it must look like, where to get it."""

    name: str  # registry name, used on the command line and by resolve_model
    title: str
    kind: str  # "detector" | "pose"
    file_name: str  # name of the downloaded file in the models folder
    schema: str | None = None  # keypoint schema of a pose model's output
    num_keypoints: int | None = None  # pose models
    class_names: tuple[str, ...] | None = None  # detectors, in the checkpoint's class order
    url: str = ""  # "" = no public download link known
    size: int | None = None  # bytes; None = unknown
    sha256: str | None = None  # hex; None = unknown
    note: str = ""  # shown in the listing

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"catalogue entry {self.name!r}: kind {self.kind!r} not in {KINDS}")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["class_names"] = list(self.class_names) if self.class_names else None
        return out


# Link exactly as the reference README gives it. Google Drive answers large downloads with a
# confirmation page instead of the file; see download.direct_download_url.
_DETECTOR_README_URL = ("https://drive.google.com/file/d/1OHAr31n41keDTJygDmFfOgsXwpriuFT9/view"
                        "?usp=drive_link")

CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        name="partial-body-detector",
        title="Partial body detector (detectron2 Faster R-CNN R101-FPN)",
        kind=DETECTOR,
        file_name="partial_body_detector_model_final.pth",
        class_names=DETECTOR_CLASS_NAMES,  # reference class order: 0 = patient, 1 = user
        url=_DETECTOR_README_URL,
        note="Google Drive link from the reference README; Drive may ask to confirm the "
             "download. If it does, download the file in a browser and run "
             "'medpose-gui models add FILE', or give a direct link with "
             "'medpose-gui models download partial-body-detector --url URL'.",
    ),
    CatalogueEntry(
        name="casualty-pose",
        title="Casualty pose estimator (ViTPose-B, 21 keypoints)",
        kind=POSE,
        file_name="vitpose_b_casualty_k21.pth",
        schema="medic_casualty",
        num_keypoints=21,
        note="The reference README gives no download link yet: add your file with "
             "'medpose-gui models add FILE' or download with --url URL.",
    ),
    CatalogueEntry(
        name="user-pose",
        title="User (medic) pose estimator (ViTPose, 6 keypoints)",
        kind=POSE,
        file_name="vitpose_user_k6.pth",
        schema="medic_user",
        num_keypoints=6,
        note="No public download link: add your file with 'medpose-gui models add FILE'.",
    ),
)


def catalogue_entry(name: str, entries: tuple[CatalogueEntry, ...] = CATALOGUE) -> CatalogueEntry:
    """The entry called ``name``; raises :class:`ModelRegistryError` listing the known names."""
    for entry in entries:
        if entry.name == name:
            return entry
    raise ModelRegistryError(f"no known model {name!r} (known: "
                             f"{', '.join(e.name for e in entries)})")


def matching_entry(kind: str, *, num_keypoints: int | None = None,
                   num_classes: int | None = None,
                   entries: tuple[CatalogueEntry, ...] = CATALOGUE) -> CatalogueEntry | None:
    """The catalogue entry a loaded file fits (same kind and keypoint/class count), if one."""
    for entry in entries:
        if entry.kind != kind:
            continue
        if kind == POSE and entry.num_keypoints == num_keypoints:
            return entry
        if kind == DETECTOR and entry.class_names is not None and \
                len(entry.class_names) == num_classes:
            return entry
    return None
