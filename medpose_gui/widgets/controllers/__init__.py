"""The controllers room: the window's jobs, each an object with its own state and signals.

``session`` (which project is open: open, Save as, relink, close), ``navigation`` (which
frame is shown: loading, stepping, N/L jumps, the remembered frame) with ``player``
(playback), ``export`` (File › Export in the background), ``model_setup`` (which models
run: Inference › Models… and the first run), ``run_launcher`` (Inference › Run…, and one
person's pose), ``inference`` (the model runs in the worker threads, their results into
the views) and ``edits`` with ``undo`` (every change of the medic as an undoable command).
A controller is given what it works with; it never imports the window and talks back
through signals. Imports the rooms below it (dialogs, background), the root widgets module
(settings) and the Qt-free packages.
"""
