"""Test-wide settings: Qt renders offscreen, torch uses few threads on the 2-core CI machine."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
