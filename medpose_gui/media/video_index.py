"""Frame index of a video stream: which packet shows as frame i, and where to seek for it.

Frame i is the i-th frame in presentation order. Two ways to learn that order:

* "pts" (containers that store presentation timestamps: MP4/MOV, Matroska/WebM, ...): demux
  every packet without decoding (milliseconds), sort by pts; frame i is the packet with the
  i-th smallest pts. Exact with B-frames, long GOPs and variable frame rate.
* "decode" (AVI and raw streams, whose demuxers invent pts from the decode order, which is wrong
  with B-frames; or any stream with missing/duplicate pts): decode the whole stream once at open
  and record which packet each output frame came from.

A decoded frame is matched to its packet through FFmpeg's opaque pass-through: the demuxer's
byte position of the packet travels to the frame (`copy_opaque`), so matching does not depend
on timestamps at all. Streams without byte positions fall back to matching by pts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction

import av
import av.error
import numpy as np

# Demuxers (FFmpeg format names) whose packet pts are derived from decode order rather than
# stored, so they are wrong for streams with B-frames (measured: H.264 in AVI yields two
# swapped pts per GOP).
UNRELIABLE_PTS_FORMATS = frozenset({"avi", "h264", "hevc", "m4v", "mpegvideo", "rawvideo", "mjpeg"})


@dataclass(frozen=True)
class Packet:
    """What the index needs to know about one demuxed video packet."""

    order: int  # position in decode order
    pts: int | None
    dts: int | None
    pos: int  # byte offset in the file (-1 when the demuxer does not know it)
    keyframe: bool


@dataclass
class FrameIndex:
    """Per-frame packet keys and the keyframes to seek from (all arrays in frame order)."""

    mode: str  # "pts" or "decode"
    key_kind: str  # "pos": frames matched by packet byte position; "pts": by frame pts
    keys: np.ndarray  # int64 per frame: the packet pos (or pts) that shows as this frame
    order: np.ndarray  # int64 per frame: decode order of its packet
    pts: np.ndarray  # int64 per frame (pts mode) or empty
    kf_of_frame: np.ndarray  # int64 per frame: keyframe (index into kf_*) to seek from
    kf_seek_ts: np.ndarray  # int64 per keyframe: timestamp passed to container.seek
    kf_frame: np.ndarray  # int64 per keyframe: the frame index the keyframe itself shows

    def __len__(self) -> int:
        return len(self.keys)

    def keep(self, mask: np.ndarray) -> FrameIndex:
        """The index restricted to frames where mask is True (frames found undecodable dropped)."""
        new_index = np.cumsum(mask) - 1
        shown = self.kf_frame < len(mask)
        kf_frame = np.where(shown, new_index[np.where(shown, self.kf_frame, 0)], 1 << 62)
        return FrameIndex(
            mode=self.mode,
            key_kind=self.key_kind,
            keys=self.keys[mask],
            order=self.order[mask],
            pts=self.pts[mask] if len(self.pts) else self.pts,
            kf_of_frame=self.kf_of_frame[mask],
            kf_seek_ts=self.kf_seek_ts,
            kf_frame=np.maximum(kf_frame, 0),
        )


def scan_packets(container: av.container.InputContainer, stream: av.VideoStream) -> list[Packet]:
    """Demux every packet of `stream` without decoding; stops quietly at an unreadable tail."""
    packets: list[Packet] = []
    demux = container.demux(stream)
    while True:
        try:
            p = next(demux)
        except StopIteration:
            break
        except av.error.FFmpegError:
            break  # truncated/corrupt tail: what was demuxed so far is all there is
        if p.size == 0 or p.is_discard:
            continue  # flush packet / packet an edit list hides (never shown)
        packets.append(
            Packet(len(packets), p.pts, p.dts, p.pos if p.pos is not None else -1, p.is_keyframe)
        )
    return packets


def decoded_frames(
    container: av.container.InputContainer,
    stream: av.VideoStream,
    tag_pos: bool,
    before_decode: Callable[[av.Packet], None] | None = None,
) -> Iterator[av.VideoFrame]:
    """Decode `stream` from the container's current position, skipping undecodable packets.

    tag_pos: tag each packet with its byte position so the frame it becomes carries it in
    `frame.opaque` (the stream's codec context must have `copy_opaque` on); read it with
    :func:`frame_position`.
    before_decode: called with each packet before it is decoded (to set decoder options).
    """
    demux = container.demux(stream)
    while True:
        try:
            packet = next(demux)
        except StopIteration:
            return
        except av.error.FFmpegError:
            # unreadable tail: drain what the decoder still holds, then stop
            with contextlib.suppress(av.error.FFmpegError):
                yield from stream.codec_context.decode(None)
            return
        if tag_pos and packet.size:
            # A fresh tuple, never the int itself: PyAV keys every opaque value in one
            # process-wide table by id(value) and drops the key when a packet is freed. Two
            # packets tagged with the same int object (small ints are shared; two sources of
            # one file in two threads tag equal positions) shared a key, so freeing one made
            # the other's frame come back untagged or with another packet's position: a
            # wrong frame, or "could not be decoded" (tests/media/test_video_threads.py).
            packet.opaque = (packet.pos,)
        if before_decode is not None:
            before_decode(packet)
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            continue  # a corrupt packet loses its frame; the decoder recovers at the next one
        yield from frames


def frame_position(frame: av.VideoFrame) -> int | None:
    """The byte position of the packet ``frame`` was decoded from (see :func:`decoded_frames`
    with ``tag_pos``), or None when it carries none."""
    tag = frame.opaque
    return tag[0] if isinstance(tag, tuple) and tag else None


def _positions_usable(packets: list[Packet]) -> bool:
    pos = [p.pos for p in packets]
    return all(x >= 0 for x in pos) and len(set(pos)) == len(pos)


def pts_usable(format_name: str, packets: list[Packet]) -> bool:
    """True when sorting packets by pts gives the presentation order."""
    # such demuxers are fine when nothing is reordered (intra-only streams): then decode
    # order is presentation order and the invented pts follow it
    if set(format_name.split(",")) & UNRELIABLE_PTS_FORMATS and not all(
        p.keyframe for p in packets
    ):
        return False
    pts = [p.pts for p in packets]
    return all(x is not None for x in pts) and len(set(pts)) == len(pts)


def _keyframe_table(
    packets: list[Packet], frame_of_order: dict[int, int], format_name: str
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Seek timestamps and shown-frame index of each keyframe (in decode order), and their orders."""
    kfs = [p for p in packets if p.keyframe] or packets[:1]
    seek_ts = np.array([(p.pts if p.pts is not None else (p.dts or 0)) for p in kfs], np.int64)
    dts = [p.dts for p in packets]
    if "mov" in format_name.split(",") and all(d is not None for d in dts):
        # FFmpeg's MOV/MP4 demuxer takes the seek time as a pts, subtracts (smallest pts +
        # dts shift) and searches the dts timeline (libavformat/mov.c, mov_seek_stream). With
        # variable frame rate and B-frames a keyframe's pts is below that, so seeking to its pts
        # lands a GOP early; this timestamp lands exactly on it.
        shift = min(p.pts for p in packets if p.pts is not None) - min(dts)
        seek_ts = np.array([p.dts + shift for p in kfs], np.int64)
    # Matroska and others seek by pts. A seek that still lands late is retried by the reader.
    shown = np.array([frame_of_order.get(p.order, 1 << 62) for p in kfs], np.int64)
    return seek_ts, shown, [p.order for p in kfs]


def index_by_pts(packets: list[Packet], format_name: str) -> FrameIndex:
    """Index from demuxed packets alone (caller checked `pts_usable`)."""
    by_pts = sorted(packets, key=lambda p: p.pts)
    pts = np.array([p.pts for p in by_pts], np.int64)
    use_pos = _positions_usable(packets)
    keys = np.array([p.pos if use_pos else p.pts for p in by_pts], np.int64)
    order = np.array([p.order for p in by_pts], np.int64)
    frame_of_order = {int(o): i for i, o in enumerate(order)}
    seek_ts, shown, _ = _keyframe_table(packets, frame_of_order, format_name)
    # frame i seeks from the last keyframe shown at or before it; frames shown before the first
    # keyframe (open-GOP leading pictures) try from the first keyframe
    kf_of_frame = np.clip(
        np.searchsorted(np.sort(shown), np.arange(len(pts)), side="right") - 1, 0, None
    )
    sort_kf = np.argsort(shown, kind="stable")
    return FrameIndex(
        mode="pts",
        key_kind="pos" if use_pos else "pts",
        keys=keys,
        order=order,
        pts=pts,
        kf_of_frame=kf_of_frame,
        kf_seek_ts=seek_ts[sort_kf],
        kf_frame=shown[sort_kf],
    )


def index_by_decoding(
    container: av.container.InputContainer, stream: av.VideoStream, packets: list[Packet]
) -> FrameIndex | None:
    """Index by decoding the whole stream from the start, where `container` must be; None
    without packet positions. No colour conversion: only which packet each frame came from."""
    if not _positions_usable(packets):
        return None
    order_of_pos = {p.pos: p.order for p in packets}
    positions = (frame_position(f) for f in decoded_frames(container, stream, tag_pos=True))
    keys = [int(pos) for pos in positions if pos in order_of_pos]
    order = np.array([order_of_pos[k] for k in keys], np.int64)
    frame_of_order = {int(o): i for i, o in enumerate(order)}
    seek_ts, shown, kf_orders = _keyframe_table(packets, frame_of_order, container.format.name)
    # without trustworthy pts the seek target is the last keyframe *decoded* before the frame's
    # packet (closed GOPs, which is what AVI can hold)
    kf_of_frame = np.clip(np.searchsorted(np.array(kf_orders), order, side="right") - 1, 0, None)
    return FrameIndex(
        mode="decode",
        key_kind="pos",
        keys=np.array(keys, np.int64),
        order=order,
        pts=np.zeros(0, np.int64),
        kf_of_frame=kf_of_frame,
        kf_seek_ts=seek_ts,
        kf_frame=shown,
    )


def seconds(pts: np.ndarray, time_base: Fraction | None) -> np.ndarray:
    """pts in seconds relative to the first frame."""
    if not len(pts) or time_base is None:
        return np.zeros(len(pts))
    return (pts - pts[0]).astype(np.float64) * float(time_base)
