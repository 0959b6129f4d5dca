"""The model-quality report: COCO metrics, counts, per-keypoint errors; JSON and a text table."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class KeypointErrorArrays:
    """Per-keypoint arrays, index = keypoint id, ready for a bar/box plot."""

    names: tuple[str, ...]
    mean_px: np.ndarray  # (K,) mean distance prediction -> correction; NaN where no point
    median_px: np.ndarray  # (K,)
    num_points: np.ndarray  # (K,) points labelled in both (the errors' sample size)
    correction_rate: np.ndarray  # (K,) corrected / compared; NaN where nothing compared
    num_compared: np.ndarray  # (K,) points labelled in the prediction or the correction
    num_corrected: np.ndarray  # (K,) of those, moved > tolerance or visibility changed
    errors: tuple[np.ndarray, ...]  # per keypoint, every distance (for histograms)


@dataclass(frozen=True)
class Counts:
    approved_frames: int
    instances: int  # accepted instances of the category on approved frames
    predicted: int  # of those, ones that come from the model (have an original prediction)
    untouched: int  # predictions accepted as they were
    corrected: int  # predictions edited by the medic
    manual: int  # drawn by the medic: detections the model missed
    deleted_predictions: int | None  # predictions the medic deleted; None: not known


@dataclass(frozen=True)
class QualityReport:
    """How well the models did on the approved frames of one category."""

    project: str
    category: str
    schema: str
    keypoint_names: tuple[str, ...]
    counts: Counts
    keypoint_metrics: dict[str, float | None]  # OKS AP/AR (COCOeval "keypoints")
    box_metrics: dict[str, float | None]  # detector AP/AR (COCOeval "bbox")
    keypoints: KeypointErrorArrays
    move_tolerance_px: float

    def per_keypoint_error(self) -> KeypointErrorArrays:
        """Per-keypoint mean/median pixel error, correction rate and sample sizes."""
        return self.keypoints

    @property
    def mean_error_px(self) -> float:
        """Mean pixel error over every point labelled in both (NaN when none)."""
        every = np.concatenate([*self.keypoints.errors, np.empty(0)])
        return float(every.mean()) if every.size else math.nan

    @property
    def correction_rate(self) -> float:
        """Fraction of compared points that the medic corrected (NaN when none)."""
        compared = int(self.keypoints.num_compared.sum())
        return int(self.keypoints.num_corrected.sum()) / compared if compared else math.nan

    # -- output ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN -> null)."""
        k = self.keypoints
        return {
            "project": self.project,
            "category": self.category,
            "schema": self.schema,
            "move_tolerance_px": self.move_tolerance_px,
            "counts": dict(self.counts.__dict__),
            "keypoint_metrics": dict(self.keypoint_metrics),
            "box_metrics": dict(self.box_metrics),
            "mean_error_px": _finite(self.mean_error_px),
            "correction_rate": _finite(self.correction_rate),
            "per_keypoint": [
                {"id": i, "name": name, "mean_error_px": _finite(k.mean_px[i]),
                 "median_error_px": _finite(k.median_px[i]), "num_points": int(k.num_points[i]),
                 "correction_rate": _finite(k.correction_rate[i]),
                 "num_compared": int(k.num_compared[i]),
                 "num_corrected": int(k.num_corrected[i])}
                for i, name in enumerate(k.names)],
        }

    def to_json(self, path: str | os.PathLike) -> Path:
        """Write :meth:`to_dict` atomically (the old file or the complete new one)."""
        from medpose_gui.formats.atomic import atomic_write_json

        return atomic_write_json(path, self.to_dict(), indent=2)

    def format_table(self) -> str:
        """A plain-text report for the terminal."""
        c = self.counts
        deleted = ("unknown" if c.deleted_predictions is None
                   else str(c.deleted_predictions))
        lines = [
            f"Model quality: {self.project}",
            f"category {self.category} (schema {self.schema}, "
            f"{len(self.keypoint_names)} keypoints), approved frames only",
            f"approved frames {c.approved_frames}; instances {c.instances}: predicted "
            f"{c.predicted} (untouched {c.untouched}, corrected {c.corrected}), manual "
            f"{c.manual} (missed detections); deleted predictions: {deleted}",
            "",
            _metric_row("", list(self.keypoint_metrics)),
            _metric_row("keypoints (OKS)", list(self.keypoint_metrics.values())),
            _metric_row("", list(self.box_metrics)),
            _metric_row("boxes", list(self.box_metrics.values())),
            "",
            f"{'keypoint':<18}{'points':>7}{'mean px':>10}{'median px':>11}"
            f"{'corrected':>11}{'of':>6}",
        ]
        k = self.keypoints
        for i, name in enumerate(k.names):
            lines.append(f"{name:<18}{int(k.num_points[i]):>7}{_num(k.mean_px[i]):>10}"
                         f"{_num(k.median_px[i]):>11}{_pct(k.correction_rate[i]):>11}"
                         f"{int(k.num_compared[i]):>6}")
        lines.append(f"{'all':<18}{int(k.num_points.sum()):>7}{_num(self.mean_error_px):>10}"
                     f"{'':>11}{_pct(self.correction_rate):>11}{int(k.num_compared.sum()):>6}")
        lines.append(f"(corrected: moved > {self.move_tolerance_px:g} px or visibility changed)")
        return "\n".join(lines)


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _num(value: float) -> str:
    return "-" if not math.isfinite(float(value)) else f"{float(value):.2f}"


def _pct(value: float) -> str:
    return "-" if not math.isfinite(float(value)) else f"{100 * float(value):.1f}%"


def _metric_row(label: str, cells: list) -> str:
    text = [c if isinstance(c, str) else ("-" if c is None else f"{c:.3f}") for c in cells]
    return f"{label:<18}" + "".join(f"{t:>8}" for t in text)
