"""The background room: work kept off the GUI thread, reported back as Qt signals.

``task`` runs a function in a Python thread (exports, the quality report, checking a model
file); ``frame_loader`` decodes frames for the window in a loader thread. Nothing here
shows a widget. Imports only core, formats, media and Qt; the lowest room of the widgets.
"""
