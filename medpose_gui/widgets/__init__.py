"""Qt views of medpose-gui: the frame view and its graphics items, undo commands, timeline,
panels and dialogs.

Nothing is imported here on purpose: importing ``medpose_gui.widgets`` must stay cheap (no Qt
widgets, no pyqtgraph) so that the command line and ``core`` users never pay for the GUI.
Import the module you need, e.g. ``from medpose_gui.widgets.frame_view import FrameView``.
"""
