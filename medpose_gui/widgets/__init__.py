"""Qt views of medpose-gui, in rooms that import only downward (bottom first):

- ``background`` — work off the GUI thread (a Python-thread task, the frame loader)
- ``frame_view`` — the frame with its persons: the view, its modes and bindings, its items
- ``panels`` — timeline, inspector, display filters, status bar
- ``dialogs`` — windows that ask something and hand the answer back
- ``controllers`` — the window's jobs (opening, frames, display, export, models, runs),
  each an object with its own state and signals
- ``window`` — the frame of the main window: the action table, recent files, start-up

Modules still directly in ``widgets`` (settings, undo commands, the edit and inference
controllers and the inference worker) count as the lowest room until they move into the
room of their kind. ``medpose_gui.app`` puts the rooms together; no room imports it.
tests/test_architecture.py checks all of this.

Nothing is imported here on purpose: importing ``medpose_gui.widgets`` must stay cheap (no Qt
widgets, no pyqtgraph) so that the command line and ``core`` users never pay for the GUI.
Import the module you need, e.g. ``from medpose_gui.widgets.frame_view import FrameView``.
"""
