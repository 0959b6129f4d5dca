"""Which frames a run covers: all, a range, the current frame, frames not yet approved.

Pure functions (numpy in, list out) shared by the window's run dialog and the command line.
Approved frames are never changed by a run, and a run never spends time on them
(:meth:`InferenceService.frames_to_run`); "not yet predicted by these models" (resume) is
decided where the model identities are known, in the service.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from medpose_gui.core.annotations import ReviewState, in_review_state

SCOPES = ("all", "range", "current", "unreviewed", "resume")


def frames_for(scope: str, num_frames: int, current: int, review: Sequence[int] | np.ndarray,
               first: int = 0, last: int | None = None) -> list[int]:
    """Frame indices for a scope; ``review`` holds :meth:`Project.frame_summary` codes.

    "resume" asks for every frame: the service then skips those the chosen models already
    predicted (:func:`resumes`), which only it can tell (it knows the models' identities).
    """
    if scope in ("all", "resume"):
        return list(range(num_frames))
    if scope == "current":
        return [current] if 0 <= current < num_frames else []
    if scope == "range":
        last = num_frames - 1 if last is None else last
        lo, hi = max(0, min(first, last)), min(num_frames - 1, max(first, last))
        return list(range(lo, hi + 1))
    if scope == "unreviewed":
        approved = in_review_state(np.asarray(review)[:num_frames], ReviewState.APPROVED)
        return [int(i) for i in np.flatnonzero(~approved)]
    raise ValueError(f"unknown scope {scope!r}; use one of {SCOPES}")


def resumes(scope: str) -> bool:
    """Whether a run of ``scope`` skips the frames its models already predicted."""
    return scope == "resume"
