"""Cheap content fingerprints of media, so a project notices moved or changed media."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

# Bytes hashed at each end of a file: enough to tell re-encodes and edits apart, cheap for
# multi-GB videos (the file size covers appends/truncation in the middle).
_EDGE = 1 << 20
_VERSION = b"medpose-media-fingerprint-v1"


def _hash_file(h: hashlib._Hash, path: Path) -> None:
    size = path.stat().st_size
    h.update(f"size={size};".encode())
    with open(path, "rb") as f:
        h.update(f.read(_EDGE))
        if size > _EDGE:
            f.seek(max(_EDGE, size - _EDGE))
            h.update(f.read(_EDGE))


def fingerprint(path: str | os.PathLike) -> str:
    """Hex SHA-1 of a video file's size + first and last MiB, or of a frame folder's contents.

    For a folder: the naturally sorted image names and sizes, plus the edges of the first and
    last image. The path itself is not part of it, so moved media keep their fingerprint.
    """
    from .errors import MediaError
    from .folder import list_images

    p = Path(path)
    h = hashlib.sha1(_VERSION)
    if p.is_dir():
        images = list_images(p)
        for img in images:
            h.update(f"{img.name}\0{img.stat().st_size}\n".encode())
        for img in images[:1] + images[-1:]:
            _hash_file(h, img)
    elif p.is_file():
        _hash_file(h, p)
    else:
        raise MediaError(f"{p}: no such file or folder")
    return h.hexdigest()
