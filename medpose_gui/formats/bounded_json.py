"""Reading JSON files we did not write, within bounds: size, nesting and numbers.

A COCO or ``bbox_detections.json`` file comes from anywhere. Before it is parsed it must be
a regular file (not ``/dev/zero``, not a pipe) under :data:`MAX_JSON_BYTES`, and nested no
deeper than :data:`MAX_JSON_DEPTH` (COCO needs 5; Python's parser recurses per level and
raises RecursionError near 1000, or runs out of C stack first in a small thread). Errors
of the parser itself - bad syntax, an integer of more digits than Python converts - become
a :class:`FormatError` naming the file. The numbers inside are checked by the readers,
field by field (:func:`number`), because only they know what a sane value is.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

import numpy as np

from medpose_gui.formats.errors import FormatError

MAX_JSON_BYTES = 1 << 30  # 1 GiB: ~5 million annotated persons in our export's layout
MAX_JSON_DEPTH = 32  # COCO keypoints files nest 5 deep (segmentation polygons)

# Bytes that can change the nesting: quotes (strings hide brackets), backslashes (escape
# quotes) and the brackets themselves; everything else is dropped before the depth scan.
_KEEP = b'"\\[]{}'
_DROP = bytes(c for c in range(256) if c not in _KEEP)


def load_json(path: os.PathLike | str, *, max_bytes: int = MAX_JSON_BYTES,
              max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse a JSON file within bounds; FormatError naming the file on any problem."""
    path = Path(path)
    data = read_bounded(path, max_bytes, "JSON file")
    depth = nesting_depth(data)
    if depth > max_depth:
        raise FormatError(f"{path}: nested {depth} levels deep; a COCO file needs at most "
                          f"{max_depth}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: cannot read: not UTF-8 text ({exc})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from exc
    except (ValueError, RecursionError, MemoryError) as exc:  # e.g. a 10**5000 integer
        raise FormatError(f"{path}: cannot be read as JSON: {exc}") from exc


def read_bounded(path: Path, max_bytes: int, what: str) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; FormatError otherwise.

    Checked on the open file (no window for a swap after the check), and read with a
    limit, so a file that grows while read cannot exceed it either. Opened non-blocking:
    opening a named pipe would otherwise wait for a writer."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise FormatError(f"{path}: not a regular file (a {what} must be one)")
            if info.st_size > max_bytes:
                raise FormatError(f"{path}: {info.st_size / 1e6:.0f} MB is more than the "
                                  f"{max_bytes / 1e6:.0f} MB a {what} may be")
            data = f.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise FormatError(f"{path}: file not found") from exc
    except IsADirectoryError as exc:
        raise FormatError(f"{path}: is a folder, not a {what}") from exc
    except OSError as exc:
        raise FormatError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise FormatError(f"{path}: more than the {max_bytes / 1e6:.0f} MB a {what} may be")
    return data


def nesting_depth(data: bytes) -> int:
    """Deepest bracket nesting of JSON text, without parsing it (vectorised: ~1/5 of the
    parse time, whatever the depth)."""
    sym = np.frombuffer(data.translate(None, _DROP), dtype=np.uint8)
    if sym.size == 0:
        return 0
    backslash = sym == ord("\\")
    kept = np.flatnonzero(~backslash)
    chars = sym[kept]
    # A character follows a run of backslashes: an odd run escapes it (\" inside a string).
    escaped = (np.diff(kept, prepend=-1) - 1) % 2 == 1
    quote = (chars == ord('"')) & ~escaped
    inside = (np.cumsum(quote) - quote) % 2 == 1  # odd number of quotes before it
    opening = ((chars == ord("[")) | (chars == ord("{"))) & ~inside
    closing = ((chars == ord("]")) | (chars == ord("}"))) & ~inside
    return int(np.cumsum(opening.astype(np.int64) - closing).max(initial=0))


def number(value: Any, where: str, field: str, lo: float, hi: float, *,
           integer: bool = False, allow_null: bool = False) -> float | int | None:
    """``value`` checked: a number (an integer if asked), finite, within ``lo..hi``.

    Compared before any float conversion: Python compares an int of any size with a float
    exactly, whereas ``float(10**400)`` raises OverflowError."""
    if value is None and allow_null:
        return None
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind):
        need = "an integer" if integer else "a number"
        raise FormatError(f"{where}: {field} is {_short(value)}, not {need}")
    if isinstance(value, float) and not math.isfinite(value):
        raise FormatError(f"{where}: {field} is {value!r}, not a finite number")
    if not lo <= value <= hi:
        raise FormatError(f"{where}: {field} is {_short(value)}, outside {lo:g}..{hi:g}")
    return value


def _short(value: Any) -> str:
    if isinstance(value, int) and abs(value) >= 10**20:
        try:
            return f"an integer of {len(str(abs(value)))} digits"
        except ValueError:  # str() refuses more than 4300 digits
            return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
