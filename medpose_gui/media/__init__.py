"""Media: video files and image folders as exact, random-access frame sources.

    from medpose_gui.media import open_media, CachedFrameSource
    src = open_media(path)            # video file or folder of images
    src[i]                            # H x W x 3 uint8 RGB, exactly frame i
    cached = CachedFrameSource(src)   # LRU cache + prefetch thread for the GUI
    cached[i]; cached.peek(i); cached.request(i); cached.close()

Decoding is PyAV (FFmpeg); frames are located by a per-frame packet index, never by
frame-rate arithmetic, so seeks are exact with B-frames, long GOPs and variable frame rate.
"""

from .cache import DEFAULT_CACHE_BYTES, FrameCache
from .cached import CachedFrameSource, Prefetcher
from .errors import Cancelled, MediaError
from .extract import extract_frames
from .fingerprint import fingerprint
from .folder import IMAGE_EXTENSIONS, ImageFolderSource, natural_key
from .opener import VIDEO_EXTENSIONS, open_media
from .source import FrameSource
from .video import VideoSource

__all__ = [
    "DEFAULT_CACHE_BYTES",
    "IMAGE_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "CachedFrameSource",
    "Cancelled",
    "FrameCache",
    "FrameSource",
    "ImageFolderSource",
    "MediaError",
    "Prefetcher",
    "VideoSource",
    "extract_frames",
    "fingerprint",
    "natural_key",
    "open_media",
]
