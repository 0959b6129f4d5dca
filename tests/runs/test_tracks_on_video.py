"""Tracks made by a real run (fixture detector + pose model) on a video with known motion:
the scene pans 32 px per frame, so the same person's box moves by that much (the random
detector is shift-equivariant to within a pixel or two, less near the frame's edges)."""

import numpy as np

from tests.runs.conftest import PAN_FRAMES
from tests.runs.known_motion import PAN_PX

SHIFT = np.array([PAN_PX, 0, PAN_PX, 0])


def _successor(project, frame, inst):
    """The instance of ``frame + 1`` that is ``inst`` moved by the pan (within 2 px), if any."""
    for other in project.instances(frame + 1):
        if np.abs(other.box - (inst.box + SHIFT)).max() < 2.0:
            return other
    return None


def test_tracks_follow_each_person_without_swaps(panned_project):
    project, _ = panned_project
    followed = swapped = 0
    for f in range(PAN_FRAMES - 1):
        for inst in project.instances(f):
            assert inst.track_id is not None
            nxt = _successor(project, f, inst)
            if nxt is None:
                continue  # not a person the detector sees again (its boxes are random)
            linked = [o for o in project.instances(f + 1) if o.track_id == inst.track_id]
            if linked == [nxt]:
                followed += 1
            else:
                swapped += 1
    assert swapped == 0
    assert followed >= 20  # 4+ persons through all 6 frames, more for part of the clip


def test_a_person_seen_frame_after_frame_keeps_one_track(panned_project):
    project, _ = panned_project
    long_chains = 0
    for inst in project.instances(0):
        chain, current = [inst.track_id], inst
        for f in range(PAN_FRAMES - 1):
            current = _successor(project, f, current)
            if current is None:
                break
            chain.append(current.track_id)
        assert len(set(chain)) == 1, chain
        long_chains += len(chain) >= 4
    assert long_chains >= 4
