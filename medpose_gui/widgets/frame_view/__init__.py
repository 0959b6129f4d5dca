"""The frame view room: one video frame with its persons, zoomable and editable.

:class:`FrameView` (``view``) shows what it is given and turns each finished gesture into
one core edit on its ``editRequested`` signal; it never changes the project. Around it:
``zoomable`` (fit, zoom, pan), ``modes`` (the interaction modes and, per mode, the table of
what each button and key does), ``mouse_bindings`` / ``key_bindings`` (those handlers),
``gestures`` (a drag from press to release), ``picking`` (what is under the cursor),
``context_menu`` and ``items`` (what is drawn). Imports only core and Qt: nothing here
knows the window, the panels or the dialogs.
"""

from medpose_gui.widgets.frame_view.modes import Mode
from medpose_gui.widgets.frame_view.view import FrameView, FrameViewError

__all__ = ["FrameView", "FrameViewError", "Mode"]
