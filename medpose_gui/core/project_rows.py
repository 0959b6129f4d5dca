"""Checks of single stored rows: what makes a row of a ``.medpose`` file unusable.

Pure functions used by :mod:`medpose_gui.core.project_read` before a row becomes an
:class:`~medpose_gui.core.annotations.Instance` (or the media record a
:class:`~medpose_gui.core.project.MediaInfo`), and the :class:`ReadProblem` that records a
row left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from medpose_gui.core.annotations import Instance, Source

# Pixels. Far outside any image and far inside float range: a stored coordinate beyond it
# (1e308, inf, NaN) is damage, and would break every export and drawing that uses it.
COORD_LIMIT = 1e7
# Frames assumed when the media length is unknown (0): bounds the timeline arrays.
MAX_FRAMES_UNKNOWN_LENGTH = 1 << 22
_SOURCES = {s.value for s in Source}


@dataclass(frozen=True)
class ReadProblem:
    """Something stored in the project that could not be read (and was skipped)."""

    where: str  # "frame 12, person 3f2a..." / "review states" / "the file"
    what: str
    frame: int | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def row_fault(row: tuple, num_keypoints: Mapping[str, int], frame_limit: int) -> str | None:
    """Why a :data:`~medpose_gui.core.project_db.SELECT_INSTANCE` row cannot be an instance
    of this project (checked before decoding); None when it can."""
    (uid, category, source, box, kps, scores, box_score, track_id,
     orig_same, obox, obox_score, okps, oscores, frame) = row
    if not isinstance(frame, int) or not 0 <= frame < frame_limit:
        return f"frame index {frame!r} is outside the media (0..{frame_limit - 1})"
    if not isinstance(uid, str):
        return f"bad id {uid!r}"
    if source not in _SOURCES:
        return f"unknown source {source!r}"
    k = num_keypoints.get(category)
    if k is None:
        return f"unknown category {category!r}"
    blobs = [("box", box, 4), ("keypoints", kps, 3 * k), ("scores", scores, k)]
    if not orig_same and obox is not None:
        # The original keeps the model's point count (a category change may differ).
        ok = len(okps) // 24 if isinstance(okps, bytes) else 0
        blobs += [("original box", obox, 4), ("original keypoints", okps, 3 * ok),
                  ("original scores", oscores, ok)]
    for name, blob, count in blobs:
        if not isinstance(blob, bytes) or len(blob) != 8 * count:
            size = len(blob) if isinstance(blob, (bytes, str)) else type(blob).__name__
            return f"{name} has {size} bytes, {category} needs {8 * count}"
    for name, value in (("box score", box_score), ("original box score", obox_score)):
        if value is not None and not isinstance(value, (int, float)):
            return f"{name} {value!r} is not a number"
    if track_id is not None and not isinstance(track_id, int):
        return f"track id {track_id!r} is not an integer"
    return None


def check_media_row(path: Path, row: tuple):
    """The :class:`~medpose_gui.core.project.MediaInfo` of a ``media`` row, checked: a
    damaged length would size every per-frame array (ProjectError if unusable)."""
    from medpose_gui.core.project import MediaInfo
    from medpose_gui.core.project_files import ProjectError

    media_path, fingerprint, num_frames, fps, width, height = row
    problems = []
    if not isinstance(media_path, str) or not isinstance(fingerprint, str):
        problems.append(f"media path/fingerprint {media_path!r}/{fingerprint!r}")
    if not isinstance(num_frames, int) or not 0 <= num_frames <= MAX_FRAMES_UNKNOWN_LENGTH * 4:
        problems.append(f"media length {num_frames!r} frames")
    for name, value in (("width", width), ("height", height)):
        if not isinstance(value, int) or not 0 <= value <= 1 << 16:
            problems.append(f"media {name} {value!r}")
    if not isinstance(fps, (int, float)) or not 0 <= fps <= 10_000:
        problems.append(f"media frame rate {fps!r}")
    if problems:
        raise ProjectError(f"{path}: damaged project: impossible {', '.join(problems)}")
    return MediaInfo(media_path, fingerprint, num_frames, float(fps), width, height)


_ZERO = bytes(8)  # one float64 0.0


def faulty(rows: Sequence[tuple]) -> list[int]:
    """Indices of the rows (that passed :func:`row_fault`) whose numbers cannot be used
    (see :func:`values_fault`).

    One numpy pass over the raw blobs of all rows: each box becomes two (x, y, 0) triples
    beside the (x, y, v) keypoint triples, so one min/max and one visibility test cover
    everything. Only when that pass fails are rows checked one by one (checking decoded
    instances one by one made reading a frame twice as slow)."""
    parts: list[bytes] = []
    for row in rows:
        for box, kps in ((row[3], row[4]), (row[9], row[11])):
            if box is not None and kps is not None:
                parts += (box[:16], _ZERO, box[16:], _ZERO, kps)
    if not parts or _triples_ok(b"".join(parts)):
        return []
    return [i for i, row in enumerate(rows) if not all(
        _triples_ok(box[:16] + _ZERO + box[16:] + _ZERO + kps)
        for box, kps in ((row[3], row[4]), (row[9], row[11])) if box is not None)]


def _triples_ok(blob: bytes) -> bool:
    triples = np.frombuffer(blob, dtype="<f8").reshape(-1, 3)
    xy, vis = triples[:, :2], triples[:, 2]
    # NaN fails every comparison, so these also catch NaN and inf.
    return bool(xy.max() <= COORD_LIMIT and xy.min() >= -COORD_LIMIT
                and ((vis == 0) | (vis == 1) | (vis == 2)).all())


def coordinates_ok(inst: Instance) -> bool:
    """Whether the box and points are finite and within :data:`COORD_LIMIT` (what a write
    must satisfy: the readers would skip the row as damaged)."""
    return bool(np.abs(inst.box).max() <= COORD_LIMIT
                and np.abs(inst.keypoints[:, :2]).max(initial=0.0) <= COORD_LIMIT)


def values_fault(inst: Instance) -> str | None:
    """Why the numbers of a decoded instance cannot be used; None when they can."""
    for name, arr in (("box", inst.box), ("keypoints", inst.keypoints[:, :2])):
        if not np.all(np.abs(arr) <= COORD_LIMIT):  # False for NaN and inf too
            return f"{name} holds an impossible coordinate ({_worst(arr)})"
    vis = inst.keypoints[:, 2]
    if not np.all((vis == 0) | (vis == 1) | (vis == 2)):
        return "a keypoint visibility is not 0, 1 or 2"
    o = inst.original
    if o is not None:
        for name, arr in (("original box", o.box), ("original keypoints", o.keypoints[:, :2])):
            if not np.all(np.abs(arr) <= COORD_LIMIT):
                return f"{name} holds an impossible coordinate ({_worst(arr)})"
        ovis = o.keypoints[:, 2]
        if not np.all((ovis == 0) | (ovis == 1) | (ovis == 2)):
            return "an original keypoint visibility is not 0, 1 or 2"
    return None


def _worst(arr: np.ndarray) -> str:
    flat = arr.reshape(-1)
    bad = flat[~(np.abs(flat) <= COORD_LIMIT)]
    return repr(float(bad[0])) if bad.size else "?"
