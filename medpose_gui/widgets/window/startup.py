"""What happens before the main window appears: as little as possible.

The window must be on screen within 2 s of ``medpose-gui clip.mp4`` and show the clip's
first frame within 3 s (issue 14; bench/bench_startup.py), on a 2-core machine with other
work running. Importing torch, torchvision (which pulls in torch._dynamo) and timm takes
3-10 s there, so nothing on the GUI thread imports them: the inference worker does, in its
own thread, once the first frame is painted (:class:`AfterFirstPaint`). That import holds
the GIL in bursts (up to ~0.8 s, bench/bench_gui_latency.py "start" row) while the medic
looks at the first frame; a short stall then is the price of a window that opens at once.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from medpose_gui.widgets.window.app_identity import apply_app_identity


def prepare_app(app: QApplication) -> None:
    """Names and icon; the inference libraries are imported later, off the GUI thread."""
    apply_app_identity(app)


class AfterFirstPaint(QObject):
    """Call ``callback`` once, right after the first paint of ``widget`` at which ``ready()``
    holds (e.g. "the first frame is on screen").

    The window's first layout and paint take ~100 ms of the GUI thread, decoding and
    drawing the first frame more; started at the same moment, importing torch and loading
    the models in a worker (GIL, CPU) delayed both by seconds. ``fallback_ms`` after
    construction it is called anyway (a window never shown, e.g. in tests, or media that
    never produce a frame).
    """

    def __init__(self, widget: QWidget, callback: Callable[[], None],
                 fallback_ms: int = 2000, ready: Callable[[], bool] | None = None) -> None:
        super().__init__(widget)
        self._widget = widget
        self._callback: Callable[[], None] | None = callback
        self._ready = ready or (lambda: True)
        widget.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Paint and self._callback is not None and self._ready():
            QTimer.singleShot(0, self._fire)  # once this paint is done
        return False

    def _fire(self) -> None:
        callback, self._callback = self._callback, None
        if callback is not None:
            self._widget.removeEventFilter(self)
            callback()
