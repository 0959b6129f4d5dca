"""Two sources of one video decoded at once in two threads (the window's frame loader and its
prefetcher do this) each get exactly the frames asked for."""

from __future__ import annotations

import threading

import numpy as np

from medpose_gui.media import open_media
from tests.media.video_factory import make_indexed_video, read_index


def test_two_threads_reading_one_video_each_get_every_frame_they_ask_for(tmp_path):
    path = make_indexed_video(tmp_path / "clip.mp4", 40, size=(160, 120), gop=8)
    errors: list[BaseException] = []
    wrong: list[tuple[int, int]] = []
    start = threading.Barrier(2)

    def read_many(seed: int) -> None:
        rng = np.random.default_rng(seed)
        try:
            with open_media(path) as source:
                start.wait()
                for _ in range(4):
                    # from the start (the packets with the smallest byte positions), then hops
                    for index in [0, 1, 2, *rng.integers(0, len(source), 20).tolist()]:
                        got = read_index(source[int(index)])
                        if got != index:
                            wrong.append((int(index), got))
                    source.close()  # next round from a fresh container, as a re-open does
                    source = open_media(path)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read_many, args=(seed,)) for seed in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert not wrong
