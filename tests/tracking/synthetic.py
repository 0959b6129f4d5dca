"""Persons with known motion, as a detector + pose model would report them (for tracker tests)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medpose_gui.core.annotations import Instance


@dataclass(frozen=True)
class Walker:
    """A person of fixed size and pose moving at a constant velocity (px per frame)."""

    x: float
    y: float
    w: float
    h: float
    vx: float = 0.0
    vy: float = 0.0
    pose_seed: int = 0
    category: str = "patient"
    k: int = 21

    def at(self, frame: int) -> Instance:
        x1, y1 = self.x + self.vx * frame, self.y + self.vy * frame
        rng = np.random.default_rng(self.pose_seed)  # the same pose in every frame
        rel = rng.uniform(0, 1, (self.k, 2))
        xys = np.column_stack([x1 + rel[:, 0] * self.w, y1 + rel[:, 1] * self.h,
                               np.full(self.k, 0.9)])
        return Instance.from_prediction(self.category, [x1, y1, x1 + self.w, y1 + self.h],
                                        0.95, xys)


def frames_of(walkers: list[Walker], n: int) -> dict[int, list[Instance]]:
    """{frame: instances} for frames 0..n-1 (each walker's instance in list order)."""
    return {f: [w.at(f) for w in walkers] for f in range(n)}
