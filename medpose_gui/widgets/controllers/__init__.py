"""The controllers room: the window's jobs, each an object with its own state and signals.

``session`` (which project is open: open, Save as, relink, close), ``navigation`` (which
frame is shown: loading, stepping, N/L jumps, the remembered frame) with ``player``
(playback), ``export`` (File › Export in the background), ``model_setup`` (which model
files: first run, Models…, Set up models…) and ``run_launcher`` (Inference › Run…, and one
person's pose). A controller is given what it works with; it never imports the window and
talks back through signals. Imports the rooms below it (dialogs, background), the root
widgets modules (settings, the edit and inference controllers) and the Qt-free packages.
"""
