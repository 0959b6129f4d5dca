"""One colour per track, the same in the frame view, the inspector, the timeline and plots.

Hues step by the golden ratio around the colour wheel, so consecutive track ids (which the
tracker gives to persons seen together) get far-apart hues and any id has a stable colour.
"""

from __future__ import annotations

import colorsys

RGB = tuple[int, int, int]

_GOLDEN = 0.6180339887498949  # fractional part of the golden ratio: maximally spread hues
_SATURATION, _VALUE = 0.72, 1.0  # bright enough on dark video, not neon


def track_rgb(track_id: int) -> RGB:
    """The colour of track ``track_id`` (any int)."""
    hue = (0.07 + int(track_id) * _GOLDEN) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, _SATURATION, _VALUE)
    return int(round(r * 255)), int(round(g * 255)), int(round(b * 255))
