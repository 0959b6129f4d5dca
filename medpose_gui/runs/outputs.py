"""The reference demos' side outputs of a run: ``bbox_detections.json`` and annotated frames.

Both are made from the run's raw predictions (what the detector and pose model said), which
:class:`RawResults` collects batch by batch while the run service stores them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from medpose_gui.core.annotations import Instance
from medpose_gui.core.schema import KeypointSchema
from medpose_gui.media import FrameSource
from medpose_gui.media.errors import MediaError
from medpose_gui.session import frame_file_names


class RawResults(dict):
    """``{frame: [Instance, ...]}`` as predicted; pass :meth:`add` as ``on_results``."""

    def add(self, batch: dict[int, list[Instance]]) -> None:
        self.update(batch)


def write_bbox_json(path: str | Path, source: FrameSource, results: dict[int, list[Instance]],
                    class_names: Sequence[str]) -> None:
    """The reference demo's bbox_detections.json for the processed frames."""
    from medpose_gui.formats import write_bbox_detections

    indices = sorted(results)
    entries = []
    for name, index in zip(frame_file_names(source, indices), indices, strict=True):
        instances = results[index]
        entries.append((name, np.array([inst.box for inst in instances]).reshape(-1, 4),
                        np.array([inst.box_score for inst in instances], dtype=np.float32),
                        np.array([list(class_names).index(inst.category) for inst in instances],
                                 dtype=np.int64)))
    write_bbox_detections(path, entries)


def write_vis_frames(folder: Path, source: FrameSource, results: dict[int, list[Instance]],
                     schemas: dict[str, KeypointSchema]) -> None:
    """Annotated frame images (the reference demos' ``vis`` output)."""
    import cv2

    from medpose_gui.media.render import draw_annotations

    folder.mkdir(parents=True, exist_ok=True)
    indices = sorted(results)
    for index, name in zip(indices, frame_file_names(source, indices), strict=True):
        image = draw_annotations(source[index], results[index], schemas)
        target = folder / name
        if not cv2.imwrite(str(target), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
            raise MediaError(f"{target}: cannot write image")
