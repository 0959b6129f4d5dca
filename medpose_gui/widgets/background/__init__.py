"""The background room: work kept off the GUI thread, reported back as Qt signals.

``task`` runs a function in a Python thread (exports, the quality report, checking a model
file); ``frame_loader`` decodes frames for the window in a loader thread;
``inference_worker`` runs the run service in a QThread (``inference_imports`` imports torch
there without stalling the GUI thread); ``model_download`` downloads a
catalogue model in a child process that Cancel can end. Nothing here shows a widget.
Imports only the Qt-free packages, Qt and the root settings module.
"""
