"""What happens before the main window appears: import the inference libraries.

Importing torch, torchvision (which pulls in torch._dynamo) and timm holds Python's GIL
inside C code for 0.3-2 s. Done in the worker thread after the window opened, that froze
the window for up to 843 ms (bench/bench_gui_latency.py, "start" row) at the moment a
medic starts to scrub. Doing it first, behind a splash screen, moves the whole cost to
start-up, where a desktop tool is expected to take a moment, and keeps every later
moment of the session responsive.
"""

from __future__ import annotations

import gc
from importlib import resources

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication, QSplashScreen

from medpose_gui.widgets.app_identity import apply_app_identity


def prepare_app(app: QApplication) -> QSplashScreen:
    """Names and icon, then the inference libraries behind a splash (see module docstring)."""
    apply_app_identity(app)
    return import_inference_libraries(app)


def import_inference_libraries(app: QApplication) -> QSplashScreen:
    """Show a splash, import the model code; the caller calls ``splash.finish(window)``."""
    icon = resources.files("medpose_gui") / "resources" / "icons" / "medpose-gui-256.png"
    splash = QSplashScreen(QPixmap(str(icon)))
    splash.showMessage("Loading the inference libraries…",
                       Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter)
    splash.show()
    app.processEvents()
    try:
        import medpose_gui.inference.detector  # noqa: F401
        import medpose_gui.inference.pipeline  # noqa: F401
        import medpose_gui.inference.vitpose  # noqa: F401
    except ImportError:
        pass  # the app still opens; running a model then reports what is missing
    # Importing torch leaves ~450,000 objects that live as long as the program. Python's
    # full garbage collections scan every object while holding the GIL: triggered by the
    # worker building a model, each froze the GUI thread for 100-300 ms. Frozen objects are
    # never scanned again.
    gc.collect()
    gc.freeze()
    return splash
