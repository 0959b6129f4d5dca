"""The dialogs room: windows that ask something and hand the answer back.

Run inference (which frames), Models (the one model setup: choose, add or download the
models of the registry; device, thresholds; the first-run welcome), Export COCO keypoints
(options), Model quality (the
report of the approved frames), the shortcut sheet, and small messages. A dialog knows
nothing of the window: it is given what it shows and returns what was chosen; the
controllers decide what happens with it. Imports core, evaluation, the model registry,
the background room and Qt.
"""
