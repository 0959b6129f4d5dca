"""`VideoSource`: exact random access to the frames of a video file, decoded with PyAV.

Random access seeks to the keyframe at or before the wanted frame and decodes forward until
the frame whose packet is the wanted one comes out (see video_index.py for how frames are
identified). Reading frame i+1 after frame i (or any frame of the GOP already being decoded)
continues decoding without a seek, so playback and sequential export cost one decode per frame.
If a seek lands after the wanted frame (a demuxer whose seek index disagrees with ours), the
read retries from an earlier keyframe, then from the start: slower, never a wrong frame.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import av
import av.error
import numpy as np

from .errors import MediaError
from .source import FrameSource
from .video_index import (
    FrameIndex,
    decoded_frames,
    frame_position,
    index_by_decoding,
    index_by_pts,
    pts_usable,
    scan_packets,
    seconds,
)

DEFAULT_VIDEO_FPS = 30.0  # only when a file states no frame rate and has no usable timestamps


class VideoSource(FrameSource):
    """Frames of the first video stream of a file. Thread-safe: reads are serialized by a lock.

    At open: the packets are indexed (see video_index.py), the first and last GOP are decoded
    to check that the frames the index promises exist; frames of a truncated/corrupt tail that
    do not decode are left out of `len(src)`. A file with no decodable frame raises MediaError.

    threads: decoder threads (0 = FFmpeg's choice, 1 = no threading).
    skip_nonref: while decoding up to a wanted frame, skip non-reference frames before it.
    autorotate: apply the stream's display rotation (multiples of 90 degrees; phone video), so
    `size` and frames are upright; False gives the stored pixels.
    """

    def __init__(
        self, path: str | Path, threads: int = 0, skip_nonref: bool = True, autorotate: bool = True
    ) -> None:
        self.skip_nonref = skip_nonref
        self._autorotate = autorotate
        self.path = Path(path)
        if not self.path.exists():
            raise MediaError(f"{self.path}: no such file")
        if not self.path.is_file():
            raise MediaError(f"{self.path}: not a file")
        self._lock = threading.Lock()
        self._frames: Iterator[av.VideoFrame] | None = None
        self._last: int | None = None  # frame index the decoder last produced
        self.stats = {"seeks": 0, "retries": 0, "decoded": 0}
        self._threads = threads
        self._container = None
        self._open_container()
        try:
            self._setup()
        except BaseException:
            self._container.close()
            self._container = None
            raise
        # Opening decoded the ends of the file, and FFmpeg made its decoding threads in the
        # opening thread (the GUI's). The first read opens the file again so they are made
        # in the reading thread, and share its priority (see thread_priority).
        self._reopen_before_read = True

    # ---- opening -------------------------------------------------------------------------
    def _open_container(self) -> None:
        """(Re)open the file at its start and configure the decoder of its first video stream."""
        if self._container is not None:
            self._container.close()
            self._container = None
        try:
            c = av.open(str(self.path), metadata_errors="ignore")
        except (av.error.FFmpegError, UnicodeDecodeError) as e:
            raise MediaError(f"{self.path}: not a readable video file ({e})") from e
        self._container = c
        if not c.streams.video:
            raise MediaError(f"{self.path}: file has no video stream")
        self._stream = c.streams.video[0]
        cc = self._stream.codec_context
        cc.copy_opaque = True  # packet.opaque (its byte position) travels to the frame
        cc.thread_count = self._threads
        cc.thread_type = "AUTO" if self._threads != 1 else "NONE"
        self._skipping = False

    def _setup(self) -> None:
        c = self._container
        stream = self._stream
        time_base = stream.time_base
        rate = stream.average_rate or stream.guessed_rate
        packets = scan_packets(c, stream)
        if not packets:
            raise MediaError(f"{self.path}: no video data (empty, truncated or corrupt file)")
        index: FrameIndex | None
        if pts_usable(c.format.name, packets):
            index = index_by_pts(packets, c.format.name)
        else:
            self._open_container()  # back to the start (raw streams cannot seek)
            index = index_by_decoding(self._container, self._stream, packets)
            if index is None:
                raise MediaError(
                    f"{self.path}: cannot index frames (no timestamps and no packet positions)"
                )
        self._set_index(index)
        first = self._verify_ends() if index.mode == "pts" else self._first_frame()
        if first is None or not len(self._index):
            raise MediaError(f"{self.path}: no decodable video frame (corrupt or truncated file)")
        # phones store portrait video as landscape pixels plus a display rotation; show it the way
        # players do (FFmpeg's autorotate), so coordinates refer to the upright picture
        self._quarter_turns = round((first.rotation or 0) / 90) % 4 if self._autorotate else 0
        w, h = first.width, first.height
        self._size = (h, w) if self._quarter_turns % 2 else (w, h)
        n = len(self._index)
        if index.mode == "pts":
            self._timestamps = seconds(self._index.pts, time_base)
        if rate:
            self._fps = float(rate)
        elif index.mode == "pts" and n > 1 and self._timestamps[-1] > 0:
            self._fps = (n - 1) / float(self._timestamps[-1])
        else:
            self._fps = DEFAULT_VIDEO_FPS
        if index.mode != "pts":
            self._timestamps = np.arange(n, dtype=np.float64) / self._fps
        self.index_mode = index.mode  # "pts" or "decode": how frames were indexed (diagnostics)

    def _set_index(self, index: FrameIndex) -> None:
        self._index = index
        self._key_to_frame = {int(k): i for i, k in enumerate(index.keys)}
        self._order_of_key = {int(k): int(o) for k, o in zip(index.keys, index.order, strict=True)}
        self._by_pos = index.key_kind == "pos"
        self._skip_before: int | None = (
            None  # decode order before which non-reference frames are skipped
        )
        self._skipping = False

    def _before_decode(self, packet: av.Packet) -> None:
        """Skip decoding non-reference frames (most B-frames) that only lead up to the target.

        Nothing references them, so the target decodes identically, and a seek decodes about a
        third fewer frames with B-frames. A skipped frame that is wanted later is found missing
        by `_advance_to` and re-decoded after a seek, so this can cost time, never exactness.
        """
        skip = False
        if self._skip_before is not None:
            key = packet.pos if self._by_pos else packet.pts
            order = self._order_of_key.get(key) if key is not None else None
            skip = order is not None and order < self._skip_before
        if skip != self._skipping:
            self._stream.codec_context.skip_frame = "NONREF" if skip else "DEFAULT"
            self._skipping = skip

    def _first_frame(self) -> av.VideoFrame | None:
        """The first frame, decoded from the start (checks the file decodes at all)."""
        self._seek(0)
        for f in self._frames_from_here():
            return f
        return None

    def _frames_from_here(self) -> Iterator[av.VideoFrame]:
        """Decoded frames that are in the index, from the current decoder position."""
        assert self._frames is not None
        for f in self._frames:
            j = self._frame_of(f)
            if j is not None:
                self._last = j
                yield f
        self._frames = self._last = None

    def _verify_ends(self) -> av.VideoFrame | None:
        """Decode the first and last GOP; drop indexed frames that do not decode; first frame."""
        idx = self._index
        first = self._first_frame()
        if first is None:
            return None
        keep = np.ones(len(idx), bool)
        keep[: self._last] = False  # shown before the first decodable one (leading pictures)
        # frames decoded after the last keyframe are the ones a truncated file loses
        tail = np.flatnonzero(idx.order >= idx.order[min(int(idx.kf_frame[-1]), len(idx) - 1)])
        missing = set(tail.tolist())
        for kf in dict.fromkeys([len(idx.kf_seek_ts) - 1, len(idx.kf_seek_ts) - 2]):
            if kf < 0 or not missing:
                break
            self._seek(kf)
            missing -= {self._last for _ in self._frames_from_here()}
        keep[list(missing)] = False
        if not keep.all():
            self._set_index(idx.keep(keep))
            self._frames = self._last = None
            first = self._first_frame()
        return first

    # ---- decoding ------------------------------------------------------------------------
    def _frame_of(self, frame: av.VideoFrame) -> int | None:
        key = frame_position(frame) if self._by_pos else frame.pts
        return None if key is None else self._key_to_frame.get(int(key))

    def _seek(self, kf: int) -> None:
        """Position the decoder at keyframe `kf` (or before it)."""
        if self._frames is not None:
            self._frames.close()
        self._frames = self._last = None
        ts = int(self._index.kf_seek_ts[kf])
        try:
            self._container.seek(ts, stream=self._stream, backward=True, any_frame=False)
            self._stream.codec_context.flush_buffers()
        except av.error.FFmpegError:
            # the demuxer cannot seek (raw streams) or refuses this timestamp: start over
            self._open_container()
        self.stats["seeks"] += 1
        self._frames = decoded_frames(
            self._container, self._stream, tag_pos=self._by_pos, before_decode=self._before_decode
        )

    def _advance_to(self, i: int) -> av.VideoFrame | None:
        """Decode forward to frame i; None if the decoder passes it or the stream ends."""
        if self._frames is None:
            return None
        for f in self._frames_from_here():
            self.stats["decoded"] += 1
            if self._last == i:
                return f
            if self._last > i:
                return None
        return None

    def _read(self, index: int) -> np.ndarray:
        with self._lock:
            if self._container is None:
                raise MediaError(f"{self.path}: source is closed")
            if self._reopen_before_read:
                self._reopen_before_read = False
                self._open_container()
                self._frames = self._last = None
            idx = self._index
            kf = int(idx.kf_of_frame[index])
            frame = None
            last = self._last
            self._skip_before = int(idx.order[index]) if self.skip_nonref else None
            try:
                if (
                    last is not None
                    and last < index
                    and (idx.kf_frame[kf] <= last or index == last + 1)
                ):
                    frame = self._advance_to(index)  # same GOP or next frame: keep decoding
                if frame is None:
                    for k, start in enumerate(dict.fromkeys(x for x in (kf, kf - 1, 0) if x >= 0)):
                        self.stats["retries"] += k > 0
                        self._seek(start)
                        frame = self._advance_to(index)
                        if frame is not None:
                            break
            finally:
                self._skip_before = None
            if frame is None:
                raise MediaError(f"{self.path}: frame {index} could not be decoded")
            rgb = frame.to_ndarray(format="rgb24")
        if self._quarter_turns:
            # frame.rotation is counter-clockwise (FFmpeg display matrix), as is np.rot90
            rgb = np.ascontiguousarray(np.rot90(rgb, self._quarter_turns))
        return rgb

    # ---- contract ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._index)

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def size(self) -> tuple[int, int]:
        return self._size

    @property
    def timestamps(self) -> np.ndarray:
        return self._timestamps.copy()

    def frame_name(self, index: int) -> str:
        return f"frame_{self.check_index(index):06d}"

    def close(self) -> None:
        with self._lock:
            if self._frames is not None:
                self._frames.close()
            self._frames = self._last = None
            if self._container is not None:
                self._container.close()
                self._container = None
