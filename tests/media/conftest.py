"""Session-scoped generated media for the media tests (encoded once per test session)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import pytest

from tests.media.video_factory import make_frame_folder, make_indexed_video

N_FRAMES = 180


@dataclass(frozen=True)
class VideoSpec:
    """How a test video was made (so tests know what to expect)."""

    name: str
    codec: str
    n_frames: int
    vfr: bool = False
    gop: int = 60
    bframes: int = 2


# codec, container and structure combinations the issue names; H.264 in AVI is the case whose
# demuxer invents wrong pts for B-frames
VIDEO_SPECS = {
    "h264_mp4": VideoSpec("h264.mp4", "h264", N_FRAMES, gop=60, bframes=3),
    "h264_mkv_gop90": VideoSpec("h264.mkv", "h264", N_FRAMES, gop=90, bframes=2),
    "h264_mov": VideoSpec("h264.mov", "h264", N_FRAMES, gop=60, bframes=2),
    "h264_avi": VideoSpec("h264.avi", "h264", N_FRAMES, gop=60, bframes=2),
    "h264_vfr_mp4": VideoSpec("vfr.mp4", "h264", N_FRAMES, vfr=True, gop=60, bframes=2),
    "h264_vfr_mkv": VideoSpec("vfr.mkv", "h264", N_FRAMES, vfr=True, gop=60, bframes=3),
    "mpeg4_avi": VideoSpec("mpeg4.avi", "mpeg4", N_FRAMES, gop=60, bframes=2),
    "mpeg4_mp4": VideoSpec("mpeg4.mp4", "mpeg4", N_FRAMES, gop=60, bframes=2),
    "mjpeg_avi": VideoSpec("mjpeg.avi", "mjpeg", N_FRAMES),
    "mjpeg_mov": VideoSpec("mjpeg.mov", "mjpeg", N_FRAMES),
    "hevc_mp4": VideoSpec("hevc.mp4", "hevc", N_FRAMES, gop=60, bframes=2),
}


def encoder_available(codec: str) -> bool:
    name = {"h264": "libx264", "hevc": "libx265"}.get(codec, codec)
    try:
        av.codec.Codec(name, "w")
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def video_files(media_dir: Path) -> dict[str, Path]:
    """Every video of VIDEO_SPECS whose encoder this FFmpeg build has, keyed like VIDEO_SPECS."""
    out = {}
    for key, spec in VIDEO_SPECS.items():
        if encoder_available(spec.codec):
            out[key] = make_indexed_video(
                media_dir / spec.name,
                spec.n_frames,
                spec.codec,
                gop=spec.gop,
                bframes=spec.bframes,
                vfr=spec.vfr,
            )
    return out


@pytest.fixture(scope="session")
def frame_folder(media_dir: Path) -> Path:
    """40 PNG index frames named frame_0.png .. frame_39.png (unpadded: needs natural sort)."""
    folder = media_dir / "frames_png"
    make_frame_folder(folder, 40, ext="png")
    return folder


def video_or_skip(video_files: dict[str, Path], key: str) -> Path:
    if key not in video_files:
        pytest.skip(f"this FFmpeg build cannot encode {VIDEO_SPECS[key].codec}")
    return video_files[key]
