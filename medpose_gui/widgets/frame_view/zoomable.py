"""A graphics view that shows one image: fitted to the window, zoomed around the cursor, panned.

The frame view builds on it; everything here is about the viewport, nothing about
annotations. The scene reaches far beyond the image so it can be panned and zoomed
anywhere; until the user zooms or pans, the image stays fitted when the window resizes.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QResizeEvent, QTransform, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QWidget

WHEEL_STEP = 1.2  # zoom factor per wheel notch (120 eighths of a degree)
MAX_SCALE = 32.0  # screen px per image px: enough to place a point on a single pixel
MIN_FIT_FRACTION = 0.5  # zoom out at most to half the fit-to-window size
FIT_MARGIN = 0.98  # leave a thin border around the fitted frame
SCENE_PAD = 4.0  # scene extends this many image sizes beyond the image: pan/zoom anywhere


class ZoomableView(QGraphicsView):
    """Zoom and pan over an image of :attr:`image_size` (None until the first image)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        scene = QGraphicsScene(self)
        # A handful of items (image, annotation layer, rubber band): no index to keep up.
        scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(scene)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QColor(32, 33, 36))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.image_size: tuple[int, int] | None = None  # (width, height) of the image
        self._fit_mode = True

    def show_image_size(self, size: tuple[int, int]) -> None:
        """An image of ``size`` is shown: a new size is fitted, a fitted view stays fitted."""
        if size != self.image_size:
            self.image_size = size
            w, h = size
            pad = SCENE_PAD * max(w, h)
            self.setSceneRect(QRectF(-pad, -pad, w + 2 * pad, h + 2 * pad))
            self._fit_mode = True
        if self._fit_mode:
            self.zoom_fit()

    def pixel_size(self) -> float:
        """Scene units (image pixels) per screen pixel at the current zoom."""
        return 1.0 / self.transform().m11()

    def zoom_fit(self) -> None:
        """Fit the whole image in the window; stays fitted when the window resizes."""
        self._fit_mode = True
        if self.image_size is None:
            return
        w, h = self.image_size
        self._set_scale(max(self._fit_scale(), 1e-3))
        self.centerOn(QPointF(w / 2, h / 2))

    def zoom_actual(self) -> None:
        """One image pixel per screen pixel, around the middle of the window."""
        self.zoom_by(1.0 / self.transform().m11())

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by ``factor`` keeping the scene point under ``anchor`` (viewport px) there."""
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        before = self.mapToScene(anchor.toPoint())
        old = self.transform().m11()
        lowest = self._fit_scale() * MIN_FIT_FRACTION if self.image_size else 1e-3
        scale = min(max(old * factor, min(lowest, old)), max(MAX_SCALE, old))
        self._fit_mode = False
        if scale == old:
            return
        self._set_scale(scale)
        after = self.mapFromScene(before)
        self.pan_by(anchor.x() - after.x(), anchor.y() - after.y())

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the picture by (dx, dy) screen pixels."""
        self._fit_mode = False
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() - round(dx))
        v.setValue(v.value() - round(dy))

    def _fit_scale(self) -> float:
        w, h = self.image_size or (1, 1)
        vp = self.viewport().size()
        return FIT_MARGIN * min(vp.width() / w, vp.height() / h)

    def _set_scale(self, scale: float) -> None:
        if scale == self.transform().m11():
            return  # every frame re-fits: nothing to redo when the size did not change
        self.setTransform(QTransform.fromScale(scale, scale))
        self._scale_changed(scale)

    def _scale_changed(self, scale: float) -> None:
        """Hook: items whose look depends on the zoom (cosmetic sizes) follow it here."""

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        if self._fit_mode:
            self.zoom_fit()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt API)
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(WHEEL_STEP ** steps, event.position())
        event.accept()
