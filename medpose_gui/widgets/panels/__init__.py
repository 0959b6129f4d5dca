"""The panels room: the widgets that stay on screen around the frame view.

The timeline under the frame (scrubber and per-frame tracks), the inspector of the
current frame's persons (``instance_panel``), the display filters and the status bar.
Each shows what it is given and reports the user's wishes as signals (a frame asked for,
a person selected, one core edit); none changes the project or knows the window.
Imports only core, Qt and pyqtgraph.
"""
