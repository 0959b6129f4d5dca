"""Facts of the reference system (the published "Medical Partial Body Pose Estimation" code).

Each fact is written here once; the command line, the window, the run service and the
formats import it. Sources: the reference's detector config ``medic_pose.yaml``, its demo
``demo/bbox_detections_medic.py`` and the mmpose ViTPose test config (see DESIGN.md).
"""

from __future__ import annotations

# Detector classes in checkpoint order: label 0 = patient, 1 = user (medic_pose.yaml, 2 classes).
DETECTOR_CLASS_NAMES: tuple[str, ...] = ("patient", "user")

# The demo keeps detections scoring at least this (its --confidence-threshold default).
REFERENCE_SCORE_THRESHOLD = 0.8

# The demo keeps class 0 (patient) only: the casualty pose model is run on patients.
REFERENCE_CATEGORIES: tuple[str, ...] = ("patient",)

# The ViTPose test config runs flip test (test_cfg flip_test=True).
REFERENCE_FLIP_TEST = True

# The class of the medics' own arms and hands; its persons get the user pose model (6 points).
USER_CATEGORY = "user"

# Which keypoint schema each detector class is annotated with (the casualty model predicts
# the 21 model points; the user model the 6 arm/hand points).
SCHEMA_OF_CATEGORY: dict[str, str] = {"patient": "medic_casualty", "user": "medic_user"}
