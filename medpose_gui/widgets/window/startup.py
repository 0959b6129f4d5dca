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
from collections.abc import Callable
from importlib import resources

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication, QSplashScreen, QWidget

from medpose_gui.widgets.window.app_identity import apply_app_identity


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


class AfterFirstPaint(QObject):
    """Call ``callback`` once, right after ``widget`` is first painted.

    The window's first layout and paint take ~100 ms of the GUI thread; started at the same
    moment, loading the models in a worker (GIL, CPU) made that first paint a stall of
    150+ ms. ``fallback_ms`` later it is called anyway (a window never shown, e.g. in tests).
    """

    def __init__(self, widget: QWidget, callback: Callable[[], None],
                 fallback_ms: int = 2000) -> None:
        super().__init__(widget)
        self._widget = widget
        self._callback: Callable[[], None] | None = callback
        widget.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Paint and self._callback is not None:
            QTimer.singleShot(0, self._fire)  # once this paint is done
        return False

    def _fire(self) -> None:
        callback, self._callback = self._callback, None
        if callback is not None:
            self._widget.removeEventFilter(self)
            callback()
