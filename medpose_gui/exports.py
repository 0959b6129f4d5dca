"""Exports that need the project's media at hand: COCO keypoints with frame images, overlay video.

The formats write from a frame reader; these functions open the media the project points
at, hand their frames over and close them again. The command line (``medpose-gui export``,
``medpose-gui render``) and the window's File › Export run exactly these functions, so both
write the same files. No Qt here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from medpose_gui.core.project import Project
from medpose_gui.formats import ExportStats, export_coco_keypoints
from medpose_gui.media import MediaError, open_media
from medpose_gui.media.render import render_video
from medpose_gui.session import MediaState, check_media, export_frame_namer

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


def export_coco_with_frames(project: Project, out_json: str | os.PathLike, *,
                            reviewed_only: bool = False, min_score: float | None = None,
                            category: str | None = None,
                            images_dir: str | os.PathLike | None = None,
                            progress: Progress | None = None,
                            cancel: Cancel | None = None,
                            allow_empty: bool = True) -> ExportStats:
    """COCO keypoints of ``project``; with ``images_dir`` the frames are written there too.

    ``allow_empty=False``: raise :class:`~medpose_gui.formats.NothingToExport` instead of
    writing a file without annotations (before any frame image is written).

    The media are opened when frames are written, and for a frame folder also without
    ``images_dir``: its own file names become the ``file_name`` of each image. Media that
    are not the project's (another file at the recorded path) are refused
    (:class:`~medpose_gui.session.MediaChangedError`): their frames and names would be
    paired with other frames' annotations.
    """
    media_path = project.media.path
    state = check_media(project)
    if images_dir is None and (state != MediaState.OK or not Path(media_path).is_dir()):
        return export_coco_keypoints(project, out_json, reviewed_only=reviewed_only,
                                     min_score=min_score, category=category,
                                     progress=progress, cancel=cancel,
                                     allow_empty=allow_empty)
    if images_dir is not None and state == MediaState.MISSING:
        raise MediaError(f"{media_path}: the media are missing: relink them to write frame "
                         "images")
    with open_media(media_path) as source:
        return export_coco_keypoints(
            project, out_json, reviewed_only=reviewed_only, min_score=min_score,
            category=category, images_dir=images_dir, frame_reader=source.__getitem__,
            frame_name=export_frame_namer(source), progress=progress, cancel=cancel,
            allow_empty=allow_empty)


def render_overlay_video(project: Project, out_path: str | os.PathLike, *,
                         progress: Progress | None = None,
                         cancel: Cancel | None = None) -> bool:
    """An H.264 video of the project's frames with its boxes and skeletons drawn on them
    (False when cancelled; nothing is left behind then). Refuses media that are not the
    project's, like :func:`export_coco_with_frames`."""
    check_media(project)
    with open_media(project.media.path) as source:
        return render_video(project, source, out_path, progress=progress, cancel=cancel)
