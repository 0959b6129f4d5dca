"""What a key does in the frame view, as :class:`KeyBinding` entries of the table in
:mod:`.modes`.

A binding says whether it would act now (``applies``: then the view claims the key before
the window's shortcuts, e.g. Delete on a selected person) and acts (``act``: True when the
key was used). Every change is one core edit sent through ``view.request_edit``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent

from medpose_gui.core import edits
from medpose_gui.core.annotations import Visibility
from medpose_gui.widgets.frame_view.items import style

if TYPE_CHECKING:
    from medpose_gui.widgets.frame_view.items.instance_items import InstanceItems
    from medpose_gui.widgets.frame_view.view import FrameView

# Alt+arrow nudges the selected point 1 image px (Alt+Shift: 10). Plain arrows stay with the
# window (previous/next frame): a selected point must not swallow frame navigation.
NUDGE_MODIFIER = Qt.KeyboardModifier.AltModifier
NUDGE_STEP, NUDGE_STEP_LARGE = 1.0, 10.0
ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0),
          Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}

# ``event`` is None when the view asks about Escape without a key press (Esc in the window).
KeyHandler = Callable[["FrameView", "QKeyEvent | None"], bool]


@dataclass(frozen=True)
class KeyBinding:
    applies: KeyHandler  # would act now (so the key beats the window's shortcuts)
    act: KeyHandler  # do it; True when the key was used


def _selected_point(view: FrameView) -> tuple[InstanceItems, int] | None:
    sel = view.selected_keypoint()
    items = view.items_for(sel[0]) if sel else None
    if sel is None or items is None or items.inst is None:
        return None
    return items, sel[1]


def _has_selected_point(view: FrameView, _event: QKeyEvent | None) -> bool:
    return _selected_point(view) is not None


def _has_selected_person(view: FrameView, _event: QKeyEvent | None) -> bool:
    return view.selected_uid() is not None


def cycle_visibility(view: FrameView, _event: QKeyEvent | None) -> bool:
    """V: the selected point goes visible -> occluded -> absent -> visible."""
    point = _selected_point(view)
    if point is None:
        return False
    items, k = point
    view.request_edit(edits.cycle_visibility(view.frame_index, items.inst, k,
                                             style.keypoint_name(items.names, k)))
    return True


def _nudge_applies(view: FrameView, event: QKeyEvent | None) -> bool:
    return (event is not None and bool(event.modifiers() & NUDGE_MODIFIER)
            and _selected_point(view) is not None)


def nudge_point(view: FrameView, event: QKeyEvent | None) -> bool:
    """Alt+arrow: move the selected point one image pixel (Alt+Shift: ten)."""
    point = _selected_point(view)
    if event is None or point is None:
        return False
    items, k = point
    inst = items.inst
    if inst.keypoints[k, 2] == Visibility.ABSENT:
        return True  # nothing to nudge; swallow so the frame does not change under it
    step = NUDGE_STEP_LARGE if event.modifiers() & Qt.KeyboardModifier.ShiftModifier \
        else NUDGE_STEP
    dx, dy = ARROWS[Qt.Key(event.key())]
    x, y = view.clamp(inst.keypoints[k, 0] + dx * step, inst.keypoints[k, 1] + dy * step)
    # Keeps the factory's merge key: a run of nudges is one undo step.
    view.request_edit(edits.move_keypoint(view.frame_index, inst, k, x, y,
                                          style.keypoint_name(items.names, k)))
    return True


def delete_selected(view: FrameView, _event: QKeyEvent | None) -> bool:
    """Delete / Backspace: delete the selected person from this frame."""
    uid = view.selected_uid()
    items = view.items_for(uid) if uid else None
    if items is None or items.inst is None:
        return False
    inst = items.inst
    view.select(None)
    view.request_edit(edits.delete_instance(view.frame_index, inst))
    return True


def _gesture_or_selection(view: FrameView, _event: QKeyEvent | None) -> bool:
    return view.gesture_running or view.selected_uid() is not None


def cancel_gesture_or_clear_selection(view: FrameView, _event: QKeyEvent | None) -> bool:
    """Escape while editing: abort a drag, else clear the selection."""
    if view.cancel_gesture():
        return True
    if view.selected_uid() is None:
        return False
    view.select(None)
    return True


def _always(_view: FrameView, _event: QKeyEvent | None) -> bool:
    return True


def cancel_gesture_or_leave_mode(view: FrameView, _event: QKeyEvent | None) -> bool:
    """Escape while drawing a box or placing a point: abort the drag, else leave the mode."""
    if not view.cancel_gesture():
        view.leave_mode()
    return True


_NUDGE = KeyBinding(_nudge_applies, nudge_point)
_DELETE = KeyBinding(_has_selected_person, delete_selected)

# Keys on the selection: the same in every mode.
SELECTION_KEYS: dict[Qt.Key, KeyBinding] = {
    Qt.Key.Key_V: KeyBinding(_has_selected_point, cycle_visibility),
    **dict.fromkeys(ARROWS, _NUDGE),
    Qt.Key.Key_Delete: _DELETE,
    Qt.Key.Key_Backspace: _DELETE,
}
ESCAPE_CLEARS_SELECTION = KeyBinding(_gesture_or_selection, cancel_gesture_or_clear_selection)
ESCAPE_LEAVES_MODE = KeyBinding(_always, cancel_gesture_or_leave_mode)


# The selected point's keys, for the shortcut sheet (F1): (where, what, keys).
POINT_KEY_HELP: tuple[tuple[str, str, str], ...] = (
    ("Selected point", "Cycle visible → occluded → absent", "V"),
    ("Selected point", "Nudge by one image pixel (Shift: 10 px)", "Alt+arrows, Alt+Shift+arrows"),
    ("Selected person", "Delete from this frame", "Delete, Backspace"),
    ("Selection", "Cancel the drag, else clear the selection", "Esc"),
)
# The keys on the selected point that other widgets hand to the frame view.
_POINT_KEYS = {Qt.Key.Key_V: SELECTION_KEYS[Qt.Key.Key_V], **dict.fromkeys(ARROWS, _NUDGE)}


class ForwardPointKeys(QObject):
    """Event filter for a widget where a point can be chosen (the inspector's keypoint
    table): V and Alt+arrows there act on the frame view's selected point, as they do in
    the view. Other keys stay with the widget (plain arrows move through its rows)."""

    def __init__(self, view: FrameView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._view = view

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        binding = _POINT_KEYS.get(Qt.Key(event.key()))
        if binding is None or not binding.applies(self._view, event):
            return False
        if kind == QEvent.Type.KeyPress:
            binding.act(self._view, event)
        event.accept()
        return True
