"""Small questions and notes: a message box that never blocks, yes/no, where moved media are.

Message boxes are shown with ``open()`` (window-modal, the caller goes on), so tests can
drive every flow; only the yes/no question and the native file picker block, and the
callers that ask them (the session controller) take them as replaceable callables.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from medpose_gui import __version__
from medpose_gui.core.project import Project
from medpose_gui.media.identity import MediaState, media_state

ABOUT_TEXT = (f"medpose-gui {__version__}\nReview and correct casualty pose predictions and "
              "export them as COCO keypoints.\nLicence: MIT")


def message(parent: QWidget, title: str, text: str,
            icon: QMessageBox.Icon = QMessageBox.Icon.Information) -> QMessageBox:
    """A window-modal message box shown with open(): it never blocks the caller."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("messageBox")
    box.open()
    return box


def confirm(text: str) -> bool:
    answer = QMessageBox.question(None, "medpose-gui", text)
    return answer == QMessageBox.StandardButton.Yes


def choose_relink_path(project: Project) -> str | None:
    """Ask where the moved media are (file or folder, like the original)."""
    old = Path(project.media.path)
    if media_state(project) is MediaState.CHANGED:
        QMessageBox.information(None, "Media changed",
                                f"The file at the project's media path is not the video this "
                                f"project annotates (its content differs):\n{old}\n\n"
                                "Choose the original video.")
    else:
        QMessageBox.information(None, "Media moved",
                                f"The media of this project were not found:\n{old}\n\n"
                                "Choose where they are now.")
    if old.suffix:
        path, _ = QFileDialog.getOpenFileName(None, f"Where is {old.name}?", "",
                                              f"{old.name} (*{old.suffix});;All files (*)")
    else:
        path = QFileDialog.getExistingDirectory(None, f"Where is the folder {old.name}?")
    return path or None
