"""Linking persons of one frame to the tracks before it: pure functions, known motion."""

import numpy as np
from pycocotools.cocoeval import COCOeval

from medpose_gui.tracking import head_of, link, oks_matrix
from medpose_gui.tracking.linker import DEFAULT_LINK
from tests.tracking.synthetic import Walker, frames_of

SIGMAS = {"patient": np.full(21, 0.067), "user": np.full(6, 0.67)}


def _track(walkers, n, settings=DEFAULT_LINK):
    """Link frame by frame as the store does; returns per frame the track of each walker."""
    frames = frames_of(walkers, n)
    ids = {0: list(range(1, len(walkers) + 1))}
    history = {0: list(zip(ids[0], frames[0], strict=True))}  # frame -> [(track, inst)]
    next_id = len(walkers) + 1
    for f in range(1, n):
        heads = []
        for track, inst in history[f - 1]:
            before = next(((f - 2, i) for t, i in history.get(f - 2, []) if t == track), None)
            heads.append(head_of(track, f - 1, inst, before))
        linked = link(heads, frames[f], f, SIGMAS, settings)
        row = []
        for i in range(len(walkers)):
            if i not in linked:
                linked[i] = next_id
                next_id += 1
            row.append(linked[i])
        ids[f] = row
        history[f] = list(zip(row, frames[f], strict=True))
    return ids


def test_crossing_persons_keep_their_tracks():
    # Same size, same height, opposite directions: at frame 10 the boxes coincide.
    walkers = [Walker(100, 200, 120, 240, vx=10, pose_seed=1),
               Walker(300, 200, 120, 240, vx=-10, pose_seed=2)]
    ids = _track(walkers, 21)
    assert all(ids[f] == [1, 2] for f in ids), ids


def test_camera_pan_keeps_small_persons_on_their_tracks():
    # The whole scene moves 32 px per frame (a panning camera): persons 30 px wide never
    # overlap their previous box, the large one does and tells the common motion.
    walkers = [Walker(100, 100, 400, 500, vx=32, pose_seed=3)]
    walkers += [Walker(600 + 45 * i, 80 + 40 * (i % 3), 30, 30, vx=32, pose_seed=10 + i)
                for i in range(8)]
    ids = _track(walkers, 8)
    assert all(ids[f] == list(range(1, 10)) for f in ids), ids


def test_without_a_sure_pair_distant_persons_start_new_tracks():
    walkers = [Walker(100, 100, 30, 30, vx=200, pose_seed=4)]  # jumps far every frame
    ids = _track(walkers, 3)
    assert len({ids[f][0] for f in ids}) == 3


def test_categories_never_link():
    a = Walker(100, 100, 200, 300, pose_seed=5)
    b = Walker(100, 100, 200, 300, pose_seed=5, category="user", k=6)
    head = head_of(7, 0, a.at(0), None)
    assert link([head], [b.at(1)], 1, SIGMAS) == {}
    assert link([head], [b.at(1), a.at(1)], 1, SIGMAS) == {1: 7}


def test_overlapping_persons_are_told_apart_by_their_poses():
    # Two persons in the same box (a medic kneeling over a casualty): only OKS differs.
    a, b = Walker(100, 100, 200, 300, pose_seed=6), Walker(100, 100, 200, 300, pose_seed=7)
    heads = [head_of(1, 0, a.at(0), None), head_of(2, 0, b.at(0), None)]
    assert link(heads, [b.at(1), a.at(1)], 1, SIGMAS) == {0: 2, 1: 1}


def test_oks_matrix_is_cocoevals_oks():
    rng = np.random.default_rng(0)
    gts = rng.uniform(0, 200, (3, 21, 3))
    gts[..., 2] = 2
    gts[0, :5, 2] = 0  # unlabelled points are left out
    dts = gts + rng.normal(0, 4, gts.shape)
    dts[..., 2] = 2
    areas = np.array([5000.0, 12000.0, 800.0])
    ours, _ = oks_matrix(gts, dts, SIGMAS["patient"], areas)
    ev = COCOeval(iouType="keypoints")
    ev.params.kpt_oks_sigmas = SIGMAS["patient"]
    ev.params.maxDets = [10]
    ev._gts = {(1, 1): [{"keypoints": g.ravel().tolist(), "area": a, "bbox": [0, 0, 200, 200],
                         "num_keypoints": int((g[:, 2] > 0).sum())}
                        for g, a in zip(gts, areas, strict=True)]}
    ev._dts = {(1, 1): [{"keypoints": d.ravel().tolist(), "score": 1.0} for d in dts]}
    theirs = ev.computeOks(1, 1)  # (detections, ground truths)
    np.testing.assert_allclose(ours, theirs.T, rtol=1e-12)
